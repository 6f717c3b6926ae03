//! Variable substitution and quote removal in instruction arguments, as Docker's
//! shell lexer does it: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
//! `${VAR:+alt}`, `${VAR+alt}`, `${VAR:?message}`; single quotes keep text literal,
//! double quotes still expand; the escape character quotes the next one.

/// Looks a variable up: None when it is not set at all.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Splits on whitespace outside quotes, keeping quotes and escapes in the words.
pub fn split_raw(text: &str, escape: char) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                word.push(c);
            }
            Some('"') if c == escape => {
                word.push(c);
                word.extend(chars.next());
            }
            Some(_) => word.push(c),
            None if c == escape => {
                word.push(c);
                word.extend(chars.next());
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                word.push(c);
            }
            None if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            None => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Every whitespace-separated word, expanded, quotes removed.
pub fn words(text: &str, escape: char, vars: Lookup) -> Result<Vec<String>, String> {
    split_raw(text, escape)
        .iter()
        .map(|w| word(w, escape, vars))
        .collect()
}

/// The whole text as one word: expanded, quotes removed, whitespace kept.
pub fn word(text: &str, escape: char, vars: Lookup) -> Result<String, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut lexer = Lexer {
        chars: &chars,
        pos: 0,
        escape,
        vars,
        quotes: true,
    };
    lexer.process(None)
}

/// Only `$` substitutions; quotes and escapes stay as they are (heredoc bodies).
pub fn variables(text: &str, vars: Lookup) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut lexer = Lexer {
        chars: &chars,
        pos: 0,
        escape: '\\',
        vars,
        quotes: false,
    };
    lexer.process(None).unwrap_or_else(|_| text.to_owned())
}

struct Lexer<'a> {
    chars: &'a [char],
    pos: usize,
    escape: char,
    vars: Lookup<'a>,
    /// Quotes and the escape character are syntax (false: plain text).
    quotes: bool,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        self.pos += usize::from(c.is_some());
        c
    }

    /// Reads until `stop` (outside quotes) or the end.
    fn process(&mut self, stop: Option<char>) -> Result<String, String> {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if Some(c) == stop {
                break;
            }
            self.pos += 1;
            if !self.quotes && c != '$' {
                out.push(c);
                continue;
            }
            match c {
                '\'' => {
                    while let Some(c) = self.next() {
                        if c == '\'' {
                            break;
                        }
                        out.push(c);
                    }
                }
                '"' => out.push_str(&self.double_quoted()?),
                '$' => out.push_str(&self.variable()?),
                c if c == self.escape => match self.next() {
                    Some(n) => out.push(n),
                    None => out.push(c),
                },
                c => out.push(c),
            }
        }
        Ok(out)
    }

    fn double_quoted(&mut self) -> Result<String, String> {
        let mut out = String::new();
        while let Some(c) = self.next() {
            match c {
                '"' => return Ok(out),
                '$' => out.push_str(&self.variable()?),
                c if c == self.escape => match self.peek() {
                    Some(n) if n == '"' || n == '$' || n == self.escape => {
                        self.pos += 1;
                        out.push(n);
                    }
                    _ => out.push(c),
                },
                c => out.push(c),
            }
        }
        Ok(out)
    }

    /// After a `$`.
    fn variable(&mut self) -> Result<String, String> {
        if self.peek() == Some('{') {
            self.pos += 1;
            return self.braced();
        }
        let name = self.name();
        if name.is_empty() {
            return Ok("$".to_owned());
        }
        Ok((self.vars)(&name).unwrap_or_default())
    }

    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(c) = self
            .peek()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        {
            name.push(c);
            self.pos += 1;
        }
        name
    }

    fn braced(&mut self) -> Result<String, String> {
        let name = self.name();
        if name.is_empty() {
            return Err("bad substitution: a ${...} without a variable name".to_owned());
        }
        let value = (self.vars)(&name);
        match self.next() {
            Some('}') => return Ok(value.unwrap_or_default()),
            Some(':') => {}
            Some(op @ ('-' | '+' | '?')) => {
                let word = self.process(Some('}'))?;
                self.close(&name)?;
                return operator(op, value, word, &name, false);
            }
            _ => return Err(format!("bad substitution in ${{{name}...}}")),
        }
        let op = self.next().unwrap_or(' ');
        if !matches!(op, '-' | '+' | '?') {
            return Err(format!(
                "unsupported modifier ({op}) in substitution ${{{name}:{op}...}}"
            ));
        }
        let word = self.process(Some('}'))?;
        self.close(&name)?;
        operator(op, value, word, &name, true)
    }

    fn close(&mut self, name: &str) -> Result<(), String> {
        match self.next() {
            Some('}') => Ok(()),
            _ => Err(format!("missing '}}' in substitution of {name}")),
        }
    }
}

/// `-`: a default, `+`: an alternative, `?`: an error; with `colon`, an empty value
/// counts as unset.
fn operator(
    op: char,
    value: Option<String>,
    word: String,
    name: &str,
    colon: bool,
) -> Result<String, String> {
    let set = value.as_ref().is_some_and(|v| !colon || !v.is_empty());
    match op {
        '-' if set => Ok(value.unwrap_or_default()),
        '-' => Ok(word),
        '+' if set => Ok(word),
        '+' => Ok(String::new()),
        _ if set => Ok(value.unwrap_or_default()),
        _ if word.is_empty() => Err(format!("{name}: is not allowed to be unset")),
        _ => Err(format!("{name}: {word}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "A" => Some("a".to_owned()),
            "E" => Some(String::new()),
            "S" => Some("x y".to_owned()),
            _ => None,
        }
    }

    fn w(text: &str) -> String {
        word(text, '\\', &vars).unwrap()
    }

    #[test]
    fn substitution_forms() {
        assert_eq!(w("$A/${A}/$NONE/x"), "a/a//x");
        assert_eq!(w("${NONE:-def}${E:-empty}${E-keep}"), "defempty");
        assert_eq!(w("${A:+alt}${E:+alt}${E+set}${NONE+x}"), "altset");
        assert_eq!(w("${NONE:-${A}b}"), "ab");
        assert!(word("${NONE:?must be set}", '\\', &vars).is_err());
        assert_eq!(w("cost $ 5"), "cost $ 5");
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(w("'$A' \"$A b\" \\$A"), "$A a b $A");
        assert_eq!(w("\"say \\\"hi\\\"\""), "say \"hi\"");
        assert_eq!(word("`$A", '`', &vars).unwrap(), "$A");
    }

    #[test]
    fn splitting_keeps_quoted_spaces() {
        assert_eq!(
            words("a \"b c\" $S 'd e'", '\\', &vars).unwrap(),
            ["a", "b c", "x y", "d e"]
        );
        assert_eq!(
            split_raw("K=\"a b\" L=c\\ d", '\\'),
            ["K=\"a b\"", "L=c\\ d"]
        );
    }
}
