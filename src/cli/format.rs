//! How Podman shows sizes, ages and `--format` output.

use super::template::Template;
use crate::engine::duration::human_duration;
use chrono::{DateTime, Utc};
use serde::Serialize;
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

/// `units.BytesSize`: binary units, 4 significant digits (`324KiB`, `23.54GiB`).
pub fn bytes_size(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{}{}", significant(value, 4), UNITS[unit])
}

/// Go's `time.Duration.String()`: `0s`, `1.5µs`, `45.571542ms`, `1m2.5s`.
pub fn go_duration(nanos: u64) -> String {
    let trim = |whole: u64, frac: u64, width: usize| {
        let frac = format!("{frac:0width$}");
        let frac = frac.trim_end_matches('0');
        match frac.is_empty() {
            true => whole.to_string(),
            false => format!("{whole}.{frac}"),
        }
    };
    match nanos {
        0 => "0s".to_owned(),
        n if n < 1_000 => format!("{n}ns"),
        n if n < 1_000_000 => format!("{}µs", trim(n / 1_000, n % 1_000, 3)),
        n if n < 1_000_000_000 => format!("{}ms", trim(n / 1_000_000, n % 1_000_000, 6)),
        n => {
            let secs = trim(n / 1_000_000_000 % 60, n % 1_000_000_000, 9);
            let (minutes, hours) = (n / 60_000_000_000 % 60, n / 3_600_000_000_000);
            match (hours, minutes) {
                (0, 0) => format!("{secs}s"),
                (0, m) => format!("{m}m{secs}s"),
                (h, m) => format!("{h}h{m}m{secs}s"),
            }
        }
    }
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

/// How a listing shows `--format json` and its table header.
#[derive(Clone, Copy)]
pub struct Listing<'a> {
    pub json: Json,
    /// `--noheading`: a `table` template prints no header line.
    pub noheading: bool,
    /// Column names that are not the field's own words (`ID` is `CONTAINER ID`).
    pub headers: &'a [(&'a str, &'a str)],
}

/// Podman's `--format json` differs by command: most print an indented array,
/// `images` indents by four, `history` prints it on one line, `events` a line
/// per event.
#[derive(Clone, Copy, PartialEq)]
pub enum Json {
    Array,
    Array4,
    OneLine,
    Lines,
}

impl Default for Listing<'_> {
    fn default() -> Self {
        Listing {
            json: Json::Array,
            noheading: false,
            headers: &[],
        }
    }
}

/// `table` alone, or no `--format`: the command's own columns.
pub fn custom(format: Option<&str>) -> Option<&str> {
    format.filter(|f| !f.is_empty() && *f != "table" && *f != "{{table .}}")
}

/// `--format` for a listing: `json` (see [`Json`]) or a Go template, where a
/// `table` template prints aligned columns under a header line.
pub fn print_rows(
    format: &str,
    rows: &[Map<String, Value>],
    listing: Listing,
) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    if format == "json" {
        let items: Vec<Value> = rows.iter().cloned().map(Value::Object).collect();
        return Ok(write_json(&mut out, &items, listing.json)?);
    }
    let template = Template::new(format)?;
    let mut text = String::new();
    if template.is_table() && !listing.noheading {
        text.push_str(&template.header(listing.headers)?);
    }
    for row in rows {
        text.push_str(&template.render(&Value::Object(row.clone()))?);
    }
    if template.is_table() {
        return Ok(super::table::print_tabbed(&text)?);
    }
    Ok(out.write_all(text.as_bytes())?)
}

fn write_json(out: &mut impl Write, items: &[Value], style: Json) -> io::Result<()> {
    match style {
        Json::Array => writeln!(out, "{}", serde_json::to_string_pretty(items)?),
        Json::OneLine => writeln!(out, "{}", serde_json::to_string(items)?),
        Json::Lines => items.iter().try_for_each(|i| writeln!(out, "{i}")),
        Json::Array4 => {
            let mut buf = Vec::new();
            let indent = serde_json::ser::PrettyFormatter::with_indent(b"    ");
            let mut ser = serde_json::Serializer::with_formatter(&mut buf, indent);
            items.serialize(&mut ser)?;
            out.write_all(&buf)?;
            writeln!(out)
        }
    }
}

/// For inspect: a JSON array, pretty printed, or each item through the template.
pub fn print_inspect(format: Option<&str>, items: &[Value]) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    match format {
        None | Some("json") => Ok(write_json(&mut out, items, Json::Array)?),
        Some(format) => {
            let template = Template::new(format)?;
            for item in items {
                out.write_all(template.render(item)?.as_bytes())?;
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
    fn binary_sizes_and_durations_like_go() {
        assert_eq!(bytes_size(331_776), "324KiB");
        assert_eq!(bytes_size(25_280_000_000), "23.54GiB");
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(45_571_542), "45.571542ms");
        assert_eq!(go_duration(1_012_140_413), "1.012140413s");
        assert_eq!(go_duration(1_500), "1.5µs");
        assert_eq!(go_duration(62_500_000_000), "1m2.5s");
        assert_eq!(go_duration(3_600_000_000_000), "1h0m0s");
    }
}
