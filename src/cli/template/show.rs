//! Go's `%v`: how a template prints a value.

use serde_json::Value;

/// A value as an action prints it; a missing one is `<no value>`, as in Go.
pub fn show(value: &Value) -> String {
    match value {
        Value::Null => "<no value>".to_owned(),
        v => inner(v),
    }
}

fn inner(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".to_owned(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(a) => format!("[{}]", a.iter().map(inner).collect::<Vec<_>>().join(" ")),
        // Go's fmt prints a map's keys in order.
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let pairs: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{k}:{}", inner(&m[k])))
                .collect();
            format!("map[{}]", pairs.join(" "))
        }
    }
}

/// The Go type a JSON value stands for, for error messages.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "nil",
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int",
        Value::Array(_) => "slice",
        Value::Object(_) => "map",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_print_as_go_does() {
        assert_eq!(show(&json!({"b": 1, "a": "x"})), "map[a:x b:1]");
        assert_eq!(show(&json!(["a", "b"])), "[a b]");
        assert_eq!(show(&json!([])), "[]");
        assert_eq!(show(&Value::Null), "<no value>");
    }
}
