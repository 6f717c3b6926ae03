//! Docker's `filters` query parameter: a JSON object of key to values, either
//! `{"key":["v1","v2"]}` or the legacy `{"key":{"v1":true}}` that older
//! clients (docker-py before 2.x, compose 1.x) send. Both become the
//! `KEY=VALUE` strings the engine's `--filter` takes.

use super::error::Error;
use super::http::Head;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(untagged)]
enum Values {
    List(Vec<String>),
    /// Docker takes every key of the legacy form, whatever its boolean.
    Legacy(BTreeMap<String, bool>),
}

/// The request's `filters`, as `KEY=VALUE` strings (none when absent).
pub fn of(head: &Head) -> Result<Vec<String>, Error> {
    parse(head.param("filters").unwrap_or(""))
}

/// `filters` JSON as `KEY=VALUE` strings, by key.
pub fn parse(text: &str) -> Result<Vec<String>, Error> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text)
        .map_err(|e| Error::bad_request(format!("invalid filters {text:?}: {e}")))?;
    let mut out = Vec::new();
    for (key, value) in object {
        let values = Values::deserialize(value).map_err(|_| {
            Error::bad_request(format!(
                "invalid filter '{key}': give a list of strings, as {{\"{key}\":[\"value\"]}}"
            ))
        })?;
        let values: Vec<String> = match values {
            Values::List(list) => list,
            Values::Legacy(map) => map.into_keys().collect(),
        };
        out.extend(values.into_iter().map(|v| format!("{key}={v}")));
    }
    Ok(out)
}

/// Takes the values of `key` out of `filters`: for the keys a route reads
/// itself rather than passing them to the engine.
pub fn take(filters: &mut Vec<String>, key: &str) -> Vec<String> {
    let mut taken = Vec::new();
    filters.retain(|f| match f.split_once('=') {
        Some((k, v)) if k == key => {
            taken.push(v.to_owned());
            false
        }
        _ => true,
    });
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_become_key_value_strings() {
        assert_eq!(
            parse(r#"{"label":["a=1","b"],"name":["x"]}"#).unwrap(),
            ["label=a=1", "label=b", "name=x"]
        );
        assert_eq!(
            parse(r#"{"dangling":{"true":true},"label":{"a":true,"b":false}}"#).unwrap(),
            ["dangling=true", "label=a", "label=b"]
        );
        assert!(parse("").unwrap().is_empty());
        assert!(parse("{}").unwrap().is_empty());
    }

    #[test]
    fn bad_filters_are_bad_requests() {
        for bad in ["{", "[1]", r#"{"a":"b"}"#, r#"{"a":[1]}"#] {
            assert_eq!(parse(bad).unwrap_err().status, 400, "{bad}");
        }
    }

    #[test]
    fn take_removes_one_key() {
        let mut f = vec!["all=true".to_owned(), "label=a".to_owned()];
        assert_eq!(take(&mut f, "all"), ["true"]);
        assert_eq!(f, ["label=a"]);
        assert!(take(&mut f, "all").is_empty());
    }
}
