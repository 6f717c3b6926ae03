//! Splitting a template into text and `{{ actions }}`, and an action into tokens,
//! as Go's text/template lexer does (trim markers `{{- ` and ` -}}`, comments).

use super::Error;

pub enum Piece {
    Text(String),
    Action(Vec<Token>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Token {
    /// `.A.B`; `attached` when it follows a `)` with no space (`(pipeline).Field`).
    Field {
        path: Vec<String>,
        attached: bool,
    },
    /// `$name.A.B`; `$` alone is the template's data.
    Var {
        name: String,
        path: Vec<String>,
    },
    Str(String),
    Num(f64),
    Word(String),
    Pipe,
    Open,
    Close,
    Declare,
    Assign,
    Comma,
}

pub fn pieces(text: &str) -> Result<Vec<Piece>, Error> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut trim_next = false;
    while let Some(start) = rest.find("{{") {
        let mut before = &rest[..start];
        if trim_next {
            before = before.trim_start();
        }
        let inner_start = start + 2;
        let trim_left =
            rest[inner_start..].starts_with("- ") || rest[inner_start..].starts_with("-\t");
        if trim_left {
            before = before.trim_end();
        }
        out.push(Piece::Text(before.to_owned()));
        let end = action_end(&rest[inner_start..]).ok_or_else(|| Error::new("unclosed action"))?
            + inner_start;
        let mut inner = &rest[inner_start..end];
        if trim_left {
            inner = &inner[1..];
        }
        trim_next = inner.ends_with(" -") || inner.ends_with("\t-");
        if trim_next {
            inner = &inner[..inner.len() - 1];
        }
        let inner = inner.trim();
        if !(inner.starts_with("/*") && inner.ends_with("*/")) {
            out.push(Piece::Action(tokens(inner)?));
        }
        rest = &rest[end + 2..];
    }
    out.push(Piece::Text(
        if trim_next { rest.trim_start() } else { rest }.to_owned(),
    ));
    Ok(out)
}

/// Where the action's `}}` is, skipping quoted strings that may hold one.
fn action_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'`' => i += quoted_len(&text[i..])?,
            b'}' if bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The length of the string literal at the start of `text`, quotes included.
fn quoted_len(text: &str) -> Option<usize> {
    let quote = text.as_bytes()[0];
    let mut i = 1;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            c if c == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn tokens(action: &str) -> Result<Vec<Token>, Error> {
    let mut out = Vec::new();
    let chars: Vec<char> = action.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let attached = i > 0 && chars[i - 1] == ')';
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '|' => push(&mut out, Token::Pipe, &mut i, 1),
            '(' => push(&mut out, Token::Open, &mut i, 1),
            ')' => push(&mut out, Token::Close, &mut i, 1),
            ',' => push(&mut out, Token::Comma, &mut i, 1),
            '=' => push(&mut out, Token::Assign, &mut i, 1),
            ':' if chars.get(i + 1) == Some(&'=') => push(&mut out, Token::Declare, &mut i, 2),
            '"' | '`' => {
                let text: String = chars[i..].iter().collect();
                let len =
                    quoted_len(&text).ok_or_else(|| Error::new("unterminated quoted string"))?;
                out.push(Token::Str(unquote(&text[..len])?));
                i += text[..len].chars().count();
            }
            '.' if !chars.get(i + 1).is_some_and(char::is_ascii_digit) => {
                let (path, len) = path_at(&chars[i..]);
                out.push(Token::Field { path, attached });
                i += len;
            }
            '$' => {
                let name_len = word_len(&chars[i + 1..]);
                let name: String = chars[i + 1..i + 1 + name_len].iter().collect();
                let (path, len) = path_at(&chars[i + 1 + name_len..]);
                out.push(Token::Var { name, path });
                i += 1 + name_len + len;
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => {
                let len = chars[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_'))
                    .count();
                let text: String = chars[i..i + len].iter().collect();
                let n = text
                    .replace('_', "")
                    .parse::<f64>()
                    .map_err(|_| Error::new(&format!("bad number syntax: {text:?}")))?;
                out.push(Token::Num(n));
                i += len;
            }
            c if c.is_alphabetic() || c == '_' => {
                let len = word_len(&chars[i..]);
                out.push(Token::Word(chars[i..i + len].iter().collect()));
                i += len;
            }
            c => return Err(Error::new(&format!("unexpected {c:?} in command"))),
        }
    }
    Ok(out)
}

fn push(out: &mut Vec<Token>, token: Token, i: &mut usize, len: usize) {
    out.push(token);
    *i += len;
}

fn word_len(chars: &[char]) -> usize {
    chars
        .iter()
        .take_while(|c| c.is_alphanumeric() || **c == '_')
        .count()
}

/// `.A.B` at the start of `chars`: the names and how many chars they took.
fn path_at(chars: &[char]) -> (Vec<String>, usize) {
    let mut path = Vec::new();
    let mut i = 0;
    while chars.get(i) == Some(&'.') {
        let len = word_len(&chars[i + 1..]);
        if len > 0 {
            path.push(chars[i + 1..i + 1 + len].iter().collect());
        }
        i += 1 + len;
        if len == 0 {
            break;
        }
    }
    (path, i)
}

/// A Go string literal: raw (backquoted) as is, interpreted with Go's escapes.
fn unquote(literal: &str) -> Result<String, Error> {
    if literal.starts_with('`') {
        return Ok(literal[1..literal.len() - 1].to_owned());
    }
    serde_json::from_str::<String>(literal)
        .or_else(|_| serde_json::from_str::<String>(&literal.replace("\\'", "'")))
        .map_err(|_| Error::new(&format!("bad string literal {literal}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_markers_eat_space() {
        let p = pieces("a  {{- .X -}}  b").unwrap();
        let texts: Vec<&str> = p
            .iter()
            .filter_map(|p| match p {
                Piece::Text(t) => Some(t.as_str()),
                Piece::Action(_) => None,
            })
            .collect();
        assert_eq!(texts, ["a", "b"]);
    }

    #[test]
    fn tokens_of_an_action() {
        let t = tokens(r#"index .Labels "k" | printf "%s}}" (len $x.Y).Z"#).unwrap();
        assert_eq!(t[0], Token::Word("index".into()));
        assert_eq!(t[2], Token::Str("k".into()));
        assert_eq!(t[5], Token::Str("%s}}".into()));
        assert!(matches!(&t[10], Token::Field { attached: true, .. }));
    }
}
