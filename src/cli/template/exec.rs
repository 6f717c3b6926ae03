//! Running a parsed template over JSON data, with Go's rules for truth,
//! variables, `range` and `with`.

use super::funcs;
use super::parse::{Block, Node, Operand, Pipeline};
use super::show::{kind, show};
use super::Error;
use serde_json::Value;

pub struct Exec<'a> {
    root: &'a Value,
    vars: Vec<(String, Value)>,
    /// Set while rendering a table's header row: every field names its column.
    header: Option<&'a dyn Fn(&str) -> String>,
}

impl<'a> Exec<'a> {
    pub fn new(root: &'a Value, header: Option<&'a dyn Fn(&str) -> String>) -> Exec<'a> {
        Exec {
            root,
            vars: Vec::new(),
            header,
        }
    }

    pub fn nodes(&mut self, nodes: &[Node], dot: &Value, out: &mut String) -> Result<(), Error> {
        for node in nodes {
            match node {
                Node::Text(text) => out.push_str(text),
                Node::Action(pipe) => {
                    let value = self.pipeline(pipe, dot)?;
                    match pipe.declare.first() {
                        Some(name) => self.vars.push((name.clone(), value)),
                        None => out.push_str(&show(&value)),
                    }
                }
                Node::Block {
                    kind,
                    pipe,
                    body,
                    otherwise,
                } => {
                    let scope = self.vars.len();
                    self.block(*kind, pipe, body, otherwise, dot, out)?;
                    self.vars.truncate(scope);
                }
            }
        }
        Ok(())
    }

    fn block(
        &mut self,
        kind: Block,
        pipe: &Pipeline,
        body: &[Node],
        otherwise: &[Node],
        dot: &Value,
        out: &mut String,
    ) -> Result<(), Error> {
        let value = self.pipeline(pipe, dot)?;
        if kind == Block::Range {
            return self.range(pipe, &value, (body, otherwise), dot, out);
        }
        if let Some(name) = pipe.declare.first() {
            self.vars.push((name.clone(), value.clone()));
        }
        match (truth(&value), kind) {
            (true, Block::With) => self.nodes(body, &value, out),
            (true, _) => self.nodes(body, dot, out),
            (false, _) => self.nodes(otherwise, dot, out),
        }
    }

    fn range(
        &mut self,
        pipe: &Pipeline,
        value: &Value,
        (body, otherwise): (&[Node], &[Node]),
        dot: &Value,
        out: &mut String,
    ) -> Result<(), Error> {
        let items: Vec<(Value, Value)> = match value {
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::from(i), v.clone()))
                .collect(),
            // Go ranges over a map in key order.
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                keys.into_iter()
                    .map(|k| (Value::from(k.as_str()), m[k].clone()))
                    .collect()
            }
            Value::Null => Vec::new(),
            v => return Err(Error::new(&format!("range can't iterate over {}", show(v)))),
        };
        if items.is_empty() {
            return self.nodes(otherwise, dot, out);
        }
        for (key, item) in items {
            let scope = self.vars.len();
            match pipe.declare.as_slice() {
                [elem] => self.vars.push((elem.clone(), item.clone())),
                [index, elem] => {
                    self.vars.push((index.clone(), key));
                    self.vars.push((elem.clone(), item.clone()));
                }
                _ => {}
            }
            self.nodes(body, &item, out)?;
            self.vars.truncate(scope);
        }
        Ok(())
    }

    fn pipeline(&mut self, pipe: &Pipeline, dot: &Value) -> Result<Value, Error> {
        let mut value = None;
        for command in &pipe.commands {
            value = Some(self.command(command, dot, value)?);
        }
        Ok(value.unwrap_or(Value::Null))
    }

    fn command(
        &mut self,
        operands: &[Operand],
        dot: &Value,
        piped: Option<Value>,
    ) -> Result<Value, Error> {
        if let Operand::Func(name) = &operands[0] {
            let mut args = operands[1..]
                .iter()
                .map(|o| self.operand(o, dot))
                .collect::<Result<Vec<_>, _>>()?;
            args.extend(piped);
            return funcs::call(name, &args);
        }
        if operands.len() > 1 || piped.is_some() {
            return Err(Error::new("can't give argument to non-function"));
        }
        self.operand(&operands[0], dot)
    }

    fn operand(&mut self, operand: &Operand, dot: &Value) -> Result<Value, Error> {
        match operand {
            Operand::Field(path) => self.field(dot, path),
            Operand::Var(name, path) => {
                let value = match name.as_str() {
                    "" => self.root.clone(),
                    _ => self
                        .vars
                        .iter()
                        .rev()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v.clone())
                        .ok_or_else(|| Error::new(&format!("undefined variable: ${name}")))?,
                };
                self.field(&value, path)
            }
            Operand::Literal(v) => Ok(v.clone()),
            Operand::Func(name) => funcs::call(name, &[]),
            Operand::Sub(pipe, path) => {
                let value = self.pipeline(pipe, dot)?;
                self.field(&value, path)
            }
        }
    }

    fn field(&self, value: &Value, path: &[String]) -> Result<Value, Error> {
        if let (Some(header), Some(last)) = (self.header, path.last()) {
            return Ok(Value::String(header(last)));
        }
        // Walked by reference: a listing reads each row's fields one by one,
        // and cloning the row for each was most of a long `stats` or `ps`.
        let mut value = value;
        for key in path {
            value = match value {
                Value::Object(map) => map.get(key).unwrap_or(&Value::Null),
                Value::Null => value,
                v => {
                    return Err(Error::new(&format!(
                        "can't evaluate field {key} in type {}",
                        kind(v)
                    )))
                }
            };
        }
        Ok(value.clone())
    }
}

/// Go's truth: false, 0, nil and empty strings, lists and maps are false.
pub fn truth(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}
