//! The functions a `--format` template can call: Go's built-ins and the ones
//! Podman adds (containers/common pkg/report: json, upper, lower, title, join,
//! split, truncate, pad).

use super::exec::truth;
use super::printf::sprintf;
use super::show::show;
use super::Error;
use serde_json::Value;
use std::cmp::Ordering;

pub fn call(name: &str, args: &[Value]) -> Result<Value, Error> {
    let value = match name {
        "json" => Value::String(serde_json::to_string(arg(name, args, 0)?).unwrap_or_default()),
        "upper" => Value::String(string(name, args, 0)?.to_uppercase()),
        "lower" => Value::String(string(name, args, 0)?.to_lowercase()),
        "title" => Value::String(title(&string(name, args, 0)?)),
        "join" => join(name, args)?,
        "split" => Value::Array(
            string(name, args, 0)?
                .split(string(name, args, 1)?.as_str())
                .map(Value::from)
                .collect(),
        ),
        "truncate" => Value::String(
            string(name, args, 0)?
                .chars()
                .take(int(name, args, 1)?.max(0) as usize)
                .collect(),
        ),
        "pad" => Value::String(format!(
            "{}{}{}",
            " ".repeat(pad_width(args, 1)?),
            string(name, args, 0)?,
            " ".repeat(pad_width(args, 2)?)
        )),
        "len" => Value::from(len(arg(name, args, 0)?)?),
        "index" => index(name, args)?,
        "printf" => Value::String(sprintf(&string(name, args, 0)?, &args[1..])),
        "print" => Value::String(print(args)),
        "println" => Value::String(format!(
            "{}\n",
            args.iter().map(show).collect::<Vec<_>>().join(" ")
        )),
        "not" => Value::Bool(!truth(arg(name, args, 0)?)),
        "and" => args
            .iter()
            .find(|a| !truth(a))
            .or(args.last())
            .cloned()
            .unwrap_or_default(),
        "or" => args
            .iter()
            .find(|a| truth(a))
            .or(args.last())
            .cloned()
            .unwrap_or_default(),
        "eq" if args.is_empty() => {
            return Err(Error::new(
                "wrong number of args for eq: want at least 1 got 0",
            ))
        }
        "eq" => Value::Bool(
            args[1..]
                .iter()
                .any(|b| compare(arg(name, args, 0).ok(), b) == Some(Ordering::Equal)),
        ),
        "ne" => Value::Bool(order(name, args)? != Ordering::Equal),
        "lt" => Value::Bool(order(name, args)? == Ordering::Less),
        "le" => Value::Bool(order(name, args)? != Ordering::Greater),
        "gt" => Value::Bool(order(name, args)? == Ordering::Greater),
        "ge" => Value::Bool(order(name, args)? != Ordering::Less),
        _ => return Err(Error::new(&format!("function \"{name}\" not defined"))),
    };
    Ok(value)
}

fn arg<'a>(name: &str, args: &'a [Value], at: usize) -> Result<&'a Value, Error> {
    args.get(at).ok_or_else(|| {
        Error::new(&format!(
            "wrong number of args for {name}: want at least {}",
            at + 1
        ))
    })
}

fn string(name: &str, args: &[Value], at: usize) -> Result<String, Error> {
    Ok(match arg(name, args, at)? {
        Value::String(s) => s.clone(),
        v => show(v),
    })
}

fn int(name: &str, args: &[Value], at: usize) -> Result<i64, Error> {
    arg(name, args, at)?
        .as_f64()
        .map(|f| f as i64)
        .ok_or_else(|| Error::new(&format!("wrong type for value; expected int in {name}")))
}

/// A `pad` count; past Go's fmt limit it is refused rather than filling memory.
fn pad_width(args: &[Value], at: usize) -> Result<usize, Error> {
    let n = int("pad", args, at)?.max(0);
    match n > 1_000_000 {
        true => Err(Error::new(&format!("pad: {n} spaces are too many"))),
        false => Ok(n as usize),
    }
}

/// Go's strings.Title: each letter that follows a separator goes upper case.
fn title(text: &str) -> String {
    let mut out = String::new();
    let mut after_separator = true;
    for c in text.chars() {
        out.extend(if after_separator {
            c.to_uppercase().collect::<Vec<_>>()
        } else {
            vec![c]
        });
        after_separator = !(c.is_alphanumeric() || c == '_' || c == '\'');
    }
    out
}

fn join(name: &str, args: &[Value]) -> Result<Value, Error> {
    let sep = string(name, args, 1)?;
    let items: Vec<String> = match arg(name, args, 0)? {
        Value::Array(a) => a.iter().map(show).collect(),
        Value::Null => Vec::new(),
        v => vec![show(v)],
    };
    Ok(Value::String(items.join(&sep)))
}

fn len(value: &Value) -> Result<usize, Error> {
    match value {
        Value::String(s) => Ok(s.len()),
        Value::Array(a) => Ok(a.len()),
        Value::Object(m) => Ok(m.len()),
        Value::Null => Ok(0),
        v => Err(Error::new(&format!("len of type {}", super::show::kind(v)))),
    }
}

fn index(name: &str, args: &[Value]) -> Result<Value, Error> {
    let mut value = arg(name, args, 0)?.clone();
    for key in &args[1..] {
        value = match (&value, key) {
            (Value::Array(a), k) => {
                let i = k
                    .as_u64()
                    .ok_or_else(|| Error::new("cannot index slice with a non-integer"))?;
                a.get(i as usize).cloned().ok_or_else(|| {
                    Error::new(&format!("error calling index: index out of range: {i}"))
                })?
            }
            // A missing key gives the zero value; Podman's maps hold strings.
            (Value::Object(m), Value::String(k)) => {
                m.get(k).cloned().unwrap_or_else(|| Value::from(""))
            }
            (Value::Null, _) => Value::Null,
            (v, _) => {
                return Err(Error::new(&format!(
                    "can't index item of type {}",
                    super::show::kind(v)
                )))
            }
        };
    }
    Ok(value)
}

/// Go's fmt.Sprint: a space between operands when neither is a string.
fn print(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 && !a.is_string() && !args[i - 1].is_string() {
            out.push(' ');
        }
        out.push_str(&show(a));
    }
    out
}

fn order(name: &str, args: &[Value]) -> Result<Ordering, Error> {
    compare(Some(arg(name, args, 0)?), arg(name, args, 1)?).ok_or_else(|| {
        Error::new(&format!(
            "error calling {name}: incompatible types for comparison"
        ))
    })
}

fn compare(a: Option<&Value>, b: &Value) -> Option<Ordering> {
    match (a?, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Found while writing the fuzz targets: `pad` with a count of billions filled memory.
    #[test]
    fn pad_refuses_a_count_past_a_million() {
        let e = call("pad", &[json!("x"), json!(1e12), json!(0)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "template: pad: 1000000000000 spaces are too many"
        );
        assert!(call("pad", &[json!("x"), json!(0), json!(1e7)]).is_err());
    }

    /// Found by fuzzing: `{{eq}}` panicked slicing its missing arguments.
    #[test]
    fn eq_without_arguments_is_an_error_as_in_go() {
        let e = call("eq", &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "template: wrong number of args for eq: want at least 1 got 0"
        );
    }

    #[test]
    fn podman_functions() {
        assert_eq!(
            call("title", &[json!("hello wide-world")]).unwrap(),
            json!("Hello Wide-World")
        );
        assert_eq!(
            call("truncate", &[json!("abcdef"), json!(3)]).unwrap(),
            json!("abc")
        );
        assert_eq!(
            call("pad", &[json!("x"), json!(1), json!(2)]).unwrap(),
            json!(" x  ")
        );
        assert_eq!(
            call("join", &[json!(["a", "b"]), json!(",")]).unwrap(),
            json!("a,b")
        );
        assert_eq!(
            call("split", &[json!("a:b"), json!(":")]).unwrap(),
            json!(["a", "b"])
        );
        assert_eq!(
            call("index", &[json!({"k": "v"}), json!("k")]).unwrap(),
            json!("v")
        );
        assert_eq!(
            call("eq", &[json!("a"), json!("b"), json!("a")]).unwrap(),
            json!(true)
        );
        assert_eq!(
            call("print", &[json!(1), json!(2), json!("x")]).unwrap(),
            json!("1 2x")
        );
    }
}
