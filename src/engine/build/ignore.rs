//! `.containerignore` / `.dockerignore`, with Docker's rules: one pattern a line,
//! `#` comments, paths cleaned and relative to the context root, `*` `?` `[..]`
//! within one path element, `**` across any number of them, `!` re-includes, the
//! last matching pattern decides, and a pattern that matches a directory matches
//! everything under it.

use glob::Pattern;

#[derive(Debug)]
struct Rule {
    elements: Vec<Pattern>,
    /// `**` elements, by index.
    any: Vec<bool>,
    exclude: bool,
}

#[derive(Debug, Default)]
pub struct Ignore {
    rules: Vec<Rule>,
}

impl Ignore {
    pub fn parse(text: &str) -> Result<Ignore, String> {
        let mut rules = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (exclude, pattern) = match line.strip_prefix('!') {
                Some(p) => (false, p.trim()),
                None => (true, line),
            };
            let cleaned = clean(pattern);
            if cleaned.is_empty() {
                continue;
            }
            let mut elements = Vec::new();
            let mut any = Vec::new();
            for element in cleaned.split('/') {
                any.push(element == "**");
                elements.push(
                    Pattern::new(element)
                        .map_err(|e| format!("bad pattern {pattern:?}: {}", e.msg))?,
                );
            }
            rules.push(Rule {
                elements,
                any,
                exclude,
            });
        }
        Ok(Ignore { rules })
    }

    /// Whether `rel` (a path relative to the context, `/`-separated) is left out.
    pub fn excluded(&self, rel: &str) -> bool {
        let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
        let mut excluded = false;
        for rule in &self.rules {
            if rule.exclude != excluded && rule.matches(&parts) {
                excluded = rule.exclude;
            }
        }
        excluded
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether some `!` rule could re-include something under `rel`: an excluded
    /// directory must then still be walked.
    pub fn has_exceptions(&self) -> bool {
        self.rules.iter().any(|r| !r.exclude)
    }
}

impl Rule {
    /// The path or one of its parent directories matches.
    fn matches(&self, parts: &[&str]) -> bool {
        (1..=parts.len()).any(|n| self.match_from(0, &parts[..n]))
    }

    fn match_from(&self, e: usize, parts: &[&str]) -> bool {
        let Some(pattern) = self.elements.get(e) else {
            return parts.is_empty();
        };
        if self.any[e] {
            return (0..=parts.len()).any(|skip| self.match_from(e + 1, &parts[skip..]));
        }
        match parts.split_first() {
            Some((first, rest)) => pattern.matches(first) && self.match_from(e + 1, rest),
            None => false,
        }
    }
}

/// Go's filepath.Clean without the leading `/`: `./a//b/../c/` -> `a/c`.
pub fn clean(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(text: &str) -> Ignore {
        Ignore::parse(text).unwrap()
    }

    #[test]
    fn plain_patterns_and_directories() {
        let i = ignore("# comment\n/secret\n*.log\nbuild/\n");
        assert!(i.excluded("secret"));
        assert!(i.excluded("secret/key"));
        assert!(i.excluded("debug.log"));
        assert!(!i.excluded("sub/debug.log"));
        assert!(i.excluded("build/out/x"));
        assert!(!i.excluded("src/main.rs"));
    }

    #[test]
    fn double_star_and_exceptions() {
        let i = ignore("**/*.tmp\ndocs\n!docs/keep.md\n");
        assert!(i.excluded("a.tmp"));
        assert!(i.excluded("x/y/z.tmp"));
        assert!(i.excluded("docs/other.md"));
        assert!(!i.excluded("docs/keep.md"));
        assert!(i.has_exceptions());
        let last_wins = ignore("!a\na\n");
        assert!(last_wins.excluded("a"));
    }

    #[test]
    fn cleaning() {
        assert_eq!(clean("./a//b/../c/"), "a/c");
        assert_eq!(clean("/"), "");
    }
}
