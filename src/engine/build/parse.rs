//! The Dockerfile parser: parser directives, comments, line continuations,
//! heredocs, flags, and stages. Arguments stay raw text here; variable expansion
//! and word splitting happen when a step runs, with the variables in scope then.
//!
//! parse-dockerfile was tried first; it only reads heredocs that open a RUN
//! (`RUN <<EOF`), not the common `RUN cat <<EOF > file`.

use super::BuildError;

const KEYWORDS: [&str; 18] = [
    "FROM",
    "RUN",
    "CMD",
    "ENTRYPOINT",
    "ENV",
    "ARG",
    "LABEL",
    "EXPOSE",
    "WORKDIR",
    "USER",
    "VOLUME",
    "COPY",
    "ADD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "ONBUILD",
    "SHELL",
    "MAINTAINER",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    pub name: String,
    pub body: String,
    /// False when the delimiter was quoted: no variable expansion in the body.
    pub expand: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// 1-based line of the keyword.
    pub line: usize,
    /// Upper case.
    pub keyword: String,
    /// `--name=value` flags before the arguments, in order.
    pub flags: Vec<(String, String)>,
    /// Everything after the flags, continuation lines joined.
    pub args: String,
    pub heredocs: Vec<Heredoc>,
}

impl Instruction {
    /// The flag's value, if given.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// As it is shown in `STEP n/m:` lines and history.
    pub fn display(&self) -> String {
        let mut text = self.keyword.clone();
        for (name, value) in &self.flags {
            text.push_str(&format!(" --{name}={value}"));
        }
        if !self.args.is_empty() {
            text.push(' ');
            text.push_str(&self.args);
        }
        text
    }

    /// The JSON array form (`["a", "b"]`), if the arguments are one.
    pub fn exec_form(&self) -> Option<Vec<String>> {
        let trimmed = self.args.trim();
        if !trimmed.starts_with('[') {
            return None;
        }
        serde_json::from_str::<Vec<String>>(trimmed).ok()
    }
}

#[derive(Debug, Clone)]
pub struct Stage {
    pub from: Instruction,
    /// `AS name`, lower-cased as Docker does.
    pub name: Option<String>,
    pub steps: Vec<Instruction>,
}

#[derive(Debug, Clone)]
pub struct Dockerfile {
    pub escape: char,
    /// ARGs before the first FROM: usable in FROM lines.
    pub global_args: Vec<Instruction>,
    pub stages: Vec<Stage>,
}

pub fn parse(file: &str, text: &str) -> Result<Dockerfile, BuildError> {
    let err = |line: usize, message: String| BuildError::Syntax {
        file: file.to_owned(),
        line,
        message,
    };
    let lines: Vec<&str> = text.lines().collect();
    let (escape, first) = directives(&lines).map_err(|(l, m)| err(l, m))?;
    let instructions = instructions(&lines, first, escape).map_err(|(l, m)| err(l, m))?;
    let mut file_out = Dockerfile {
        escape,
        global_args: Vec::new(),
        stages: Vec::new(),
    };
    for instruction in instructions {
        match (instruction.keyword.as_str(), file_out.stages.last_mut()) {
            ("FROM", _) => {
                let name = stage_name(&instruction).map_err(|m| err(instruction.line, m))?;
                if let Some(n) = &name {
                    if file_out.stages.iter().any(|s| s.name.as_ref() == Some(n)) {
                        return Err(err(instruction.line, format!("duplicate stage name {n:?}")));
                    }
                }
                file_out.stages.push(Stage {
                    from: instruction,
                    name,
                    steps: Vec::new(),
                });
            }
            ("ARG", None) => file_out.global_args.push(instruction),
            (_, Some(stage)) => stage.steps.push(instruction),
            (keyword, None) => {
                return Err(err(
                    instruction.line,
                    format!(
                    "{keyword} before the first FROM: a Dockerfile must start with FROM (or ARG)"
                ),
                ))
            }
        }
    }
    if file_out.stages.is_empty() {
        return Err(err(0, "no FROM instruction: nothing to build".to_owned()));
    }
    Ok(file_out)
}

/// Parses one instruction given as text (ONBUILD's trigger).
pub fn parse_line(text: &str, line: usize) -> Result<Instruction, String> {
    instruction(line, text, Vec::new())
}

/// `# escape=` and `# syntax=` at the very top; returns the escape character and
/// the index of the first line after them.
fn directives(lines: &[&str]) -> Result<(char, usize), (usize, String)> {
    let mut escape = '\\';
    for (i, line) in lines.iter().enumerate() {
        let Some(body) = line.trim().strip_prefix('#') else {
            return Ok((escape, i));
        };
        let Some((key, value)) = body.split_once('=') else {
            return Ok((escape, i));
        };
        let key = key.trim().to_ascii_lowercase();
        if key.contains(char::is_whitespace) {
            return Ok((escape, i));
        }
        if key == "escape" {
            escape = match value.trim() {
                "\\" => '\\',
                "`" => '`',
                other => {
                    return Err((
                        i + 1,
                        format!("invalid escape directive {other:?}: use \\ or `"),
                    ))
                }
            };
        }
    }
    Ok((escape, lines.len()))
}

fn instructions(
    lines: &[&str],
    first: usize,
    escape: char,
) -> Result<Vec<Instruction>, (usize, String)> {
    let mut out = Vec::new();
    let mut i = first;
    while i < lines.len() {
        let trimmed = lines[i].trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        let start = i;
        let mut logical = String::new();
        loop {
            let line = lines[i].trim_end();
            i += 1;
            match line.strip_suffix(escape) {
                Some(head) => logical.push_str(head),
                None => {
                    logical.push_str(line);
                    break;
                }
            }
            // Comment and blank lines inside a continuation are dropped, as Docker does.
            while i < lines.len() && {
                let t = lines[i].trim();
                t.starts_with('#') || t.is_empty()
            } {
                i += 1;
            }
            if i >= lines.len() {
                break;
            }
        }
        let mut heredocs = Vec::new();
        if starts_with_keyword(&logical, &["RUN", "COPY", "ADD"]) {
            for (name, strip_tabs, expand) in heredoc_markers(&logical) {
                let mut body = String::new();
                loop {
                    let Some(line) = lines.get(i) else {
                        return Err((start + 1, format!("heredoc {name} is not terminated")));
                    };
                    i += 1;
                    let line = if strip_tabs {
                        line.trim_start_matches('\t')
                    } else {
                        line
                    };
                    if line == name {
                        break;
                    }
                    body.push_str(line);
                    body.push('\n');
                }
                heredocs.push(Heredoc { name, body, expand });
            }
        }
        out.push(instruction(start + 1, &logical, heredocs).map_err(|m| (start + 1, m))?);
    }
    Ok(out)
}

fn starts_with_keyword(line: &str, keywords: &[&str]) -> bool {
    let word = line.split_whitespace().next().unwrap_or("");
    keywords.iter().any(|k| word.eq_ignore_ascii_case(k))
}

/// `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` outside quotes: (name, strip tabs, expand).
fn heredoc_markers(line: &str) -> Vec<(String, bool, bool)> {
    let bytes: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut quote = None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '<'
                && bytes.get(i + 1) == Some(&'<')
                && bytes.get(i + 2) != Some(&'<') =>
            {
                let mut j = i + 2;
                let strip = bytes.get(j) == Some(&'-');
                if strip {
                    j += 1;
                }
                let q = bytes.get(j).copied().filter(|c| *c == '\'' || *c == '"');
                if q.is_some() {
                    j += 1;
                }
                let start = j;
                while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == '_') {
                    j += 1;
                }
                if j > start && q.is_none_or(|q| bytes.get(j) == Some(&q)) {
                    let name: String = bytes[start..j].iter().collect();
                    out.push((name, strip, q.is_none()));
                    i = j + usize::from(q.is_some());
                    continue;
                }
            }
            None => {}
        }
        i += 1;
    }
    out
}

fn instruction(line: usize, text: &str, heredocs: Vec<Heredoc>) -> Result<Instruction, String> {
    let text = text.trim();
    let (word, mut rest) = text
        .split_once(char::is_whitespace)
        .map_or((text, ""), |(w, r)| (w, r.trim_start()));
    let keyword = word.to_ascii_uppercase();
    if !KEYWORDS.contains(&keyword.as_str()) {
        return Err(format!("unknown instruction: {word}"));
    }
    let mut flags = Vec::new();
    if ["FROM", "RUN", "COPY", "ADD", "HEALTHCHECK"].contains(&keyword.as_str()) {
        while let Some(flag) = rest.strip_prefix("--") {
            let (f, r) = flag
                .split_once(char::is_whitespace)
                .map_or((flag, ""), |(f, r)| (f, r.trim_start()));
            let (name, value) = f.split_once('=').unwrap_or((f, ""));
            flags.push((name.to_owned(), value.to_owned()));
            rest = r;
        }
    }
    if rest.is_empty() && heredocs.is_empty() && keyword != "HEALTHCHECK" {
        return Err(format!("{keyword} requires at least one argument"));
    }
    Ok(Instruction {
        line,
        keyword,
        flags,
        args: rest.to_owned(),
        heredocs,
    })
}

/// `FROM image [AS name]`.
fn stage_name(from: &Instruction) -> Result<Option<String>, String> {
    let words: Vec<&str> = from.args.split_whitespace().collect();
    match words.as_slice() {
        [_] => Ok(None),
        [_, as_, name] if as_.eq_ignore_ascii_case("as") => Ok(Some(name.to_ascii_lowercase())),
        _ => Err("FROM takes an image and optionally AS NAME".to_owned()),
    }
}

impl Stage {
    /// The image part of `FROM image [AS name]`, unexpanded.
    pub fn image(&self) -> &str {
        self.from.args.split_whitespace().next().unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Dockerfile {
        parse("Dockerfile", text).unwrap()
    }

    #[test]
    fn continuations_comments_and_stages() {
        let d = parse_ok(
            "# syntax=docker/dockerfile:1\nARG V=1\nFROM busybox:${V} AS Base\n\
             RUN echo a \\\n# inner comment\n  && echo b\nfrom base\ncopy --from=base --chown=1:2 /a /b\n",
        );
        assert_eq!(d.global_args.len(), 1);
        assert_eq!(d.stages.len(), 2);
        assert_eq!(d.stages[0].name.as_deref(), Some("base"));
        assert_eq!(d.stages[0].steps[0].args, "echo a   && echo b");
        let copy = &d.stages[1].steps[0];
        assert_eq!(copy.keyword, "COPY");
        assert_eq!(copy.flag("from"), Some("base"));
        assert_eq!(copy.flag("chown"), Some("1:2"));
        assert_eq!(copy.line, 8);
    }

    #[test]
    fn heredocs_anywhere_in_the_line() {
        let d = parse_ok(
            "FROM b\nRUN cat <<'X' > /f && cat <<-Y\n$a\nX\n\tb\n\tY\nRUN <<EOF\necho hi\nEOF\nCMD x\n",
        );
        let run = &d.stages[0].steps[0];
        assert_eq!(run.heredocs.len(), 2);
        assert_eq!(run.heredocs[0].body, "$a\n");
        assert!(!run.heredocs[0].expand);
        assert_eq!(run.heredocs[1].body, "b\n");
        assert_eq!(d.stages[0].steps[1].heredocs[0].body, "echo hi\n");
        assert_eq!(d.stages[0].steps[2].keyword, "CMD");
    }

    #[test]
    fn escape_directive_changes_the_continuation() {
        let d = parse_ok("# escape=`\nFROM b\nRUN a `\n b\n");
        assert_eq!(d.escape, '`');
        assert_eq!(d.stages[0].steps[0].args, "a  b");
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("Containerfile", "FROM b\n\nFROOB x\n").unwrap_err();
        assert_eq!(e.to_string(), "Containerfile:3: unknown instruction: FROOB");
        assert!(parse("D", "RUN x\n").is_err());
        assert!(parse("D", "FROM a AS x\nFROM b AS x\n").is_err());
        assert!(parse("D", "FROM a\nRUN <<EOF\nno end\n").is_err());
    }

    #[test]
    fn exec_form() {
        let d = parse_ok("FROM b\nCMD [\"a\", \"b c\"]\nCMD a b\n");
        assert_eq!(
            d.stages[0].steps[0].exec_form(),
            Some(vec!["a".to_owned(), "b c".to_owned()])
        );
        assert_eq!(d.stages[0].steps[1].exec_form(), None);
    }
}
