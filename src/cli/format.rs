//! How Docker shows sizes, ages and `--format` output.

use crate::engine::duration::human_duration;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::io::{self, Write};

/// Docker's `units.HumanSizeWithPrecision(size, 3)`: decimal units, 3 significant digits.
pub fn human_size(bytes: u64) -> String {
    human_size_with(bytes, 3)
}

/// `units.HumanSize`: 4 significant digits, as Podman's `system df` shows sizes.
pub fn human_size_4(bytes: u64) -> String {
    human_size_with(bytes, 4)
}

fn human_size_with(bytes: u64, digits: i32) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{}{}", significant(value, digits), UNITS[unit])
}

/// Go's `%.Ng`: N significant digits, trailing zeros dropped.
fn significant(value: f64, digits: i32) -> String {
    if value == 0.0 {
        return "0".to_owned();
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

pub fn parse_time(rfc3339: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// "3 weeks ago", or "N/A" when the time is unknown.
pub fn since(time: Option<&str>) -> String {
    match time.and_then(parse_time) {
        Some(t) => format!("{} ago", human_duration((Utc::now() - t).num_seconds())),
        None => "N/A".to_owned(),
    }
}

/// Docker's CreatedAt style: `2023-05-19 20:43:15 +0000 UTC`.
pub fn timestamp(time: Option<&str>) -> String {
    match time.and_then(parse_time) {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S +0000 UTC").to_string(),
        None => String::new(),
    }
}

/// `--format`: `json` prints each row as one JSON object per line (Docker's
/// `--format json`); otherwise a Go-template subset: `{{.Field}}`, `{{json .}}`,
/// `{{json .Field}}`, and a `table ` prefix that adds a header line.
pub fn print_rows(format: &str, rows: &[Map<String, Value>]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    if format == "json" {
        for row in rows {
            writeln!(out, "{}", Value::Object(row.clone()))?;
        }
        return Ok(());
    }
    let (table, template) = match format.strip_prefix("table") {
        Some(rest) => (true, rest.trim_start()),
        None => (false, format),
    };
    let template = template.replace("\\t", "\t").replace("\\n", "\n");
    if table {
        // Docker aligns a table's tab-separated columns.
        let header = render(&template, &Map::new(), true);
        let mut t = super::table::Table::new(&header.split('\t').collect::<Vec<_>>());
        for row in rows {
            let line = render(&template, row, false);
            t.row(line.split('\t').map(str::to_owned).collect());
        }
        return t.print();
    }
    for row in rows {
        writeln!(out, "{}", render(&template, row, false))?;
    }
    Ok(())
}

fn render(template: &str, row: &Map<String, Value>, header: bool) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        let action = rest[start + 2..start + len].trim();
        out.push_str(&expand(action, row, header));
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

fn expand(action: &str, row: &Map<String, Value>, header: bool) -> String {
    let (json, path) = match action.strip_prefix("json") {
        Some(p) => (true, p.trim()),
        None => (false, action),
    };
    let key = path.trim_start_matches('.');
    if header {
        return key.to_uppercase();
    }
    let value = if key.is_empty() {
        Value::Object(row.clone())
    } else {
        key.split('.')
            .try_fold(Value::Object(row.clone()), |v, k| v.get(k).cloned())
            .unwrap_or(Value::Null)
    };
    match (json, value) {
        (true, v) => v.to_string(),
        (false, Value::String(s)) => s,
        (false, Value::Null) => "<no value>".to_owned(),
        (false, v) => v.to_string(),
    }
}

/// For inspect: a JSON array, pretty printed, or each item through the template.
pub fn print_inspect(format: Option<&str>, items: &[Value]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match format {
        None | Some("json") => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(items).unwrap_or_default()
        ),
        Some(template) => {
            for item in items {
                let row = item.as_object().cloned().unwrap_or_default();
                writeln!(
                    out,
                    "{}",
                    render(&template.replace("\\n", "\n"), &row, false)
                )?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_like_docker() {
        assert_eq!(human_size(0), "0B");
        assert_eq!(human_size(999), "999B");
        assert_eq!(human_size(1234), "1.23kB");
        assert_eq!(human_size(4_264_512), "4.26MB");
        assert_eq!(human_size(120_000_000), "120MB");
        assert_eq!(human_size(4_000_000), "4MB");
        assert_eq!(human_size_4(1_997_895), "1.998MB");
    }

    #[test]
    fn templates_expand_fields() {
        let row: Map<String, Value> =
            serde_json::from_str(r#"{"Repository":"busybox","Tag":"latest","N":3}"#).unwrap();
        assert_eq!(
            render("{{.Repository}}:{{.Tag}}", &row, false),
            "busybox:latest"
        );
        assert_eq!(
            render("{{ .N }} {{json .Tag}}", &row, false),
            "3 \"latest\""
        );
        assert_eq!(
            render("{{.Repository}}\t{{.Tag}}", &row, true),
            "REPOSITORY\tTAG"
        );
    }
}
