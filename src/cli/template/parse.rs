//! From pieces to a tree: actions, `if`/`else`/`range`/`with` blocks and
//! pipelines of commands, as Go's text/template parses them.

use super::lex::{Piece, Token};
use super::Error;
use serde_json::Value;

pub enum Node {
    Text(String),
    Action(Pipeline),
    Block {
        kind: Block,
        pipe: Pipeline,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
}

#[derive(Clone, Copy, PartialEq)]
pub enum Block {
    If,
    Range,
    With,
}

pub struct Pipeline {
    /// `$x :=` (or `$i, $e :=` in a range): the variables it declares.
    pub declare: Vec<String>,
    pub commands: Vec<Vec<Operand>>,
}

pub enum Operand {
    Field(Vec<String>),
    Var(String, Vec<String>),
    Literal(Value),
    Func(String),
    Sub(Pipeline, Vec<String>),
}

/// What closed a list of nodes: the end of the text, `{{end}}` or `{{else ...}}`.
enum Closer {
    Eof,
    End,
    Else(Vec<Token>),
}

pub fn parse(pieces: Vec<Piece>) -> Result<Vec<Node>, Error> {
    let mut iter = pieces.into_iter();
    match list(&mut iter)? {
        (nodes, Closer::Eof) => Ok(nodes),
        (_, Closer::End) => Err(Error::new("unexpected {{end}}")),
        (_, Closer::Else(_)) => Err(Error::new("unexpected {{else}}")),
    }
}

fn list(pieces: &mut impl Iterator<Item = Piece>) -> Result<(Vec<Node>, Closer), Error> {
    let mut nodes = Vec::new();
    while let Some(piece) = pieces.next() {
        let tokens = match piece {
            Piece::Text(text) => {
                nodes.push(Node::Text(text));
                continue;
            }
            Piece::Action(tokens) => tokens,
        };
        let keyword = match tokens.first() {
            Some(Token::Word(w)) => w.as_str(),
            None => return Err(Error::new("missing value for command")),
            _ => "",
        };
        match keyword {
            "end" => return Ok((nodes, Closer::End)),
            "else" => return Ok((nodes, Closer::Else(tokens[1..].to_vec()))),
            "if" | "range" | "with" => nodes.push(block(keyword, &tokens[1..], pieces)?),
            "define" | "template" | "block" | "break" | "continue" => {
                return Err(Error::new(&format!("{{{{{keyword}}}}} is not supported")))
            }
            _ => nodes.push(Node::Action(pipeline(&tokens)?)),
        }
    }
    Ok((nodes, Closer::Eof))
}

fn block(
    keyword: &str,
    tokens: &[Token],
    pieces: &mut impl Iterator<Item = Piece>,
) -> Result<Node, Error> {
    let kind = match keyword {
        "if" => Block::If,
        "range" => Block::Range,
        _ => Block::With,
    };
    let pipe = pipeline(tokens)?;
    let (body, end) = list(pieces)?;
    let otherwise = match end {
        Closer::Eof => return Err(Error::new(&format!("unexpected EOF in {keyword}"))),
        Closer::End => Vec::new(),
        // `{{else if x}}` is an `if` nested in the else branch that shares our `{{end}}`.
        Closer::Else(rest) => match rest.first() {
            Some(Token::Word(w)) if w == "if" || w == "with" => {
                vec![block(&w.clone(), &rest[1..], pieces)?]
            }
            Some(_) => return Err(Error::new("unexpected tokens after {{else}}")),
            None => match list(pieces)? {
                (nodes, Closer::End) => nodes,
                _ => return Err(Error::new(&format!("expected end of {keyword}"))),
            },
        },
    };
    Ok(Node::Block {
        kind,
        pipe,
        body,
        otherwise,
    })
}

fn pipeline(tokens: &[Token]) -> Result<Pipeline, Error> {
    let mut rest = tokens;
    let mut declare = Vec::new();
    if let Some(at) = rest
        .iter()
        .position(|t| matches!(t, Token::Declare | Token::Assign))
    {
        let names = &rest[..at];
        let all_vars = names
            .iter()
            .all(|t| matches!(t, Token::Var { path, .. } if path.is_empty()) || *t == Token::Comma);
        if all_vars && !names.is_empty() {
            declare = names
                .iter()
                .filter_map(|t| match t {
                    Token::Var { name, .. } => Some(name.clone()),
                    _ => None,
                })
                .collect();
            rest = &rest[at + 1..];
        }
    }
    let mut commands = Vec::new();
    let mut pos = 0;
    loop {
        let (command, next) = command(rest, pos)?;
        commands.push(command);
        match rest.get(next) {
            None | Some(Token::Close) => break,
            Some(Token::Pipe) => pos = next + 1,
            Some(t) => return Err(Error::new(&format!("unexpected {t:?} in pipeline"))),
        }
    }
    Ok(Pipeline { declare, commands })
}

/// One command: operands up to a `|`, a `)` or the end.
fn command(tokens: &[Token], mut pos: usize) -> Result<(Vec<Operand>, usize), Error> {
    let mut operands = Vec::new();
    while let Some(token) = tokens.get(pos) {
        let operand = match token {
            Token::Pipe | Token::Close => break,
            Token::Field { path, .. } => Operand::Field(path.clone()),
            Token::Var { name, path } => Operand::Var(name.clone(), path.clone()),
            Token::Str(s) => Operand::Literal(Value::String(s.clone())),
            Token::Num(n) => Operand::Literal(number(*n)),
            Token::Word(w) => match w.as_str() {
                "true" => Operand::Literal(Value::Bool(true)),
                "false" => Operand::Literal(Value::Bool(false)),
                "nil" => Operand::Literal(Value::Null),
                _ => Operand::Func(w.clone()),
            },
            Token::Open => {
                let close = matching_close(tokens, pos)?;
                let inner = pipeline(&tokens[pos + 1..close])?;
                pos = close;
                let path = match tokens.get(close + 1) {
                    Some(Token::Field {
                        path,
                        attached: true,
                    }) => {
                        pos += 1;
                        path.clone()
                    }
                    _ => Vec::new(),
                };
                Operand::Sub(inner, path)
            }
            t => return Err(Error::new(&format!("unexpected {t:?} in operand"))),
        };
        operands.push(operand);
        pos += 1;
    }
    if operands.is_empty() {
        return Err(Error::new("missing value for command"));
    }
    Ok((operands, pos))
}

fn matching_close(tokens: &[Token], open: usize) -> Result<usize, Error> {
    let mut depth = 0;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t {
            Token::Open => depth += 1,
            Token::Close if depth == 1 => return Ok(i),
            Token::Close => depth -= 1,
            _ => {}
        }
    }
    Err(Error::new("unclosed left paren"))
}

fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        Value::from(n as i64)
    } else {
        Value::from(n)
    }
}
