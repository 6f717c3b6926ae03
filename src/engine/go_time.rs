//! Times as Podman's JSON shows them: Go's `time.RFC3339Nano`, where the
//! fraction loses its trailing zeros (and the dot with them), and Go's zero time
//! for an event that never happened.

use chrono::{DateTime, SecondsFormat, Utc};

/// Go's zero `time.Time`, as Podman prints a start or end that never happened.
pub const ZERO: &str = "0001-01-01T00:00:00Z";

/// `t` as Go marshals a `time.Time` in UTC.
pub fn format(t: DateTime<Utc>) -> String {
    let text = t.to_rfc3339_opts(SecondsFormat::Nanos, true);
    match text.split_once('.') {
        Some((seconds, fraction)) => {
            let digits = fraction.trim_end_matches('Z').trim_end_matches('0');
            match digits.is_empty() {
                true => format!("{seconds}Z"),
                false => format!("{seconds}.{digits}Z"),
            }
        }
        None => text,
    }
}

/// Milliseconds since the epoch, or Go's zero time when there are none.
pub fn from_millis(ms: Option<i64>) -> String {
    ms.and_then(DateTime::from_timestamp_millis)
        .map_or_else(|| ZERO.to_owned(), format)
}

/// An RFC 3339 time from an image config, reformatted the Go way; kept as it is
/// when it does not parse.
pub fn reformat(text: &str) -> String {
    DateTime::parse_from_rfc3339(text)
        .map(|t| format(t.with_timezone(&Utc)))
        .unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_lose_trailing_zeros_as_in_go() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(format(t("2026-12-06T16:00:48Z")), "2026-12-06T16:00:48Z");
        assert_eq!(
            format(t("2026-12-06T16:00:48.085343480Z")),
            "2026-12-06T16:00:48.08534348Z"
        );
        assert_eq!(
            format(t("2026-12-06T16:00:48.5Z")),
            "2026-12-06T16:00:48.5Z"
        );
        assert_eq!(from_millis(None), ZERO);
        assert_eq!(
            reformat("2024-01-02T03:04:05.120+00:00"),
            "2024-01-02T03:04:05.12Z"
        );
        assert_eq!(reformat("yesterday"), "yesterday");
    }
}
