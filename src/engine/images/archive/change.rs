//! `import --change`: the Dockerfile instructions that only set config fields.

use crate::engine::images::ImagesError;
use serde_json::{json, Map, Value};

/// Applies one `INSTRUCTION ARGS` to an image config's `config` object.
pub fn apply(config: &mut Map<String, Value>, change: &str) -> Result<(), ImagesError> {
    let change = change.trim();
    let (instruction, rest) = change.split_once([' ', '\t', '=']).unwrap_or((change, ""));
    let rest = rest.trim();
    let bad =
        |why: &str| ImagesError::InvalidArgument(format!("invalid --change {change:?}: {why}"));
    if rest.is_empty() {
        return Err(bad("it has no value"));
    }
    match instruction.to_ascii_uppercase().as_str() {
        "CMD" => {
            config.insert("Cmd".into(), command(rest));
        }
        "ENTRYPOINT" => {
            config.insert("Entrypoint".into(), command(rest));
        }
        "WORKDIR" => {
            config.insert("WorkingDir".into(), json!(rest));
        }
        "USER" => {
            config.insert("User".into(), json!(rest));
        }
        "ENV" => {
            let pairs = pairs(rest).ok_or_else(|| bad("want ENV KEY=VALUE or ENV KEY VALUE"))?;
            let env = list(config, "Env");
            for (key, value) in pairs {
                let prefix = format!("{key}=");
                env.retain(|e| !e.as_str().is_some_and(|e| e.starts_with(&prefix)));
                env.push(json!(format!("{key}={value}")));
            }
        }
        "LABEL" => {
            let pairs = pairs(rest).ok_or_else(|| bad("want LABEL KEY=VALUE"))?;
            let labels = object(config, "Labels");
            for (key, value) in pairs {
                labels.insert(key, json!(value));
            }
        }
        "EXPOSE" => {
            let ports = object(config, "ExposedPorts");
            for port in rest.split_whitespace() {
                let (number, proto) = port.split_once('/').unwrap_or((port, "tcp"));
                if number.parse::<u16>().is_err() || !["tcp", "udp", "sctp"].contains(&proto) {
                    return Err(bad("want EXPOSE PORT[/tcp|udp|sctp]"));
                }
                ports.insert(format!("{number}/{proto}"), json!({}));
            }
        }
        _ => {
            return Err(bad(
                "only CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER and WORKDIR can be changed",
            ))
        }
    }
    Ok(())
}

/// A JSON array as it is, anything else through `/bin/sh -c`.
fn command(rest: &str) -> Value {
    match serde_json::from_str::<Vec<String>>(rest) {
        Ok(argv) => json!(argv),
        Err(_) => json!(["/bin/sh", "-c", rest]),
    }
}

/// `K=V K2="V 2"`, or the old `K V` form.
fn pairs(rest: &str) -> Option<Vec<(String, String)>> {
    if !rest.contains('=') {
        let (key, value) = rest.split_once(char::is_whitespace)?;
        return Some(vec![(key.to_owned(), value.trim().to_owned())]);
    }
    let mut out = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Some(out);
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        let mut value = String::new();
        let mut quote = None;
        for c in chars.by_ref() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, c) if c.is_whitespace() => break,
                (_, c) => value.push(c),
            }
        }
        if key.is_empty() {
            return None;
        }
        out.push((key, value));
    }
}

fn list<'a>(config: &'a mut Map<String, Value>, key: &str) -> &'a mut Vec<Value> {
    let slot = config.entry(key).or_insert_with(|| json!([]));
    if !slot.is_array() {
        *slot = json!([]);
    }
    slot.as_array_mut().expect("made an array above")
}

fn object<'a>(config: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = config.entry(key).or_insert_with(|| json!({}));
    if !slot.is_object() {
        *slot = json!({});
    }
    slot.as_object_mut().expect("made an object above")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed(changes: &[&str]) -> Value {
        let mut config = Map::new();
        for c in changes {
            apply(&mut config, c).unwrap();
        }
        Value::Object(config)
    }

    #[test]
    fn each_instruction() {
        let c = changed(&[
            r#"CMD ["/bin/sh", "-c", "echo hi"]"#,
            "ENTRYPOINT echo a b",
            "ENV A=1 B=\"two words\"",
            "ENV A 3",
            "WORKDIR /srv",
            "USER 1000:1000",
            "EXPOSE 80 53/udp",
            "LABEL org.x=y",
        ]);
        assert_eq!(c["Cmd"], json!(["/bin/sh", "-c", "echo hi"]));
        assert_eq!(c["Entrypoint"], json!(["/bin/sh", "-c", "echo a b"]));
        assert_eq!(c["Env"], json!(["B=two words", "A=3"]));
        assert_eq!(c["WorkingDir"], "/srv");
        assert_eq!(c["User"], "1000:1000");
        assert_eq!(c["ExposedPorts"], json!({"80/tcp": {}, "53/udp": {}}));
        assert_eq!(c["Labels"], json!({"org.x": "y"}));
    }

    #[test]
    fn refusals() {
        let mut config = Map::new();
        for bad in ["RUN echo", "CMD", "EXPOSE http", "LABEL =x"] {
            assert!(apply(&mut config, bad).is_err(), "{bad}");
        }
    }
}
