//! Go's duration syntax (`time.ParseDuration`), which Docker's flags take:
//! `1m30s`, `1.5s`, `300ms`, `2h`; and Docker's words for a duration.

/// The duration in nanoseconds; `None` for anything else (a bare number included).
pub fn go_nanos(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += number * scale;
        rest = &rest[unit_len..];
    }
    Some(total as u64)
}

/// A duration as Go's `Duration.String` writes it: `0s`, `850ms`,
/// `1.25s`, `2m3s`, `1h0m0s`.
pub fn go_string(nanos: u64) -> String {
    const SECOND: u64 = 1_000_000_000;
    match nanos {
        0 => "0s".to_owned(),
        n if n < 1_000 => format!("{n}ns"),
        n if n < 1_000_000 => format!("{}µs", decimal(n, 1_000)),
        n if n < SECOND => format!("{}ms", decimal(n, 1_000_000)),
        n => {
            let (hours, minutes) = (n / (3600 * SECOND), n / (60 * SECOND) % 60);
            let seconds = decimal(n % (60 * SECOND), SECOND);
            match (hours, minutes) {
                (0, 0) => format!("{seconds}s"),
                (0, m) => format!("{m}m{seconds}s"),
                (h, m) => format!("{h}h{m}m{seconds}s"),
            }
        }
    }
}

/// `n / unit` with its fraction, trailing zeros dropped.
fn decimal(n: u64, unit: u64) -> String {
    let (whole, fraction) = (n / unit, n % unit);
    if fraction == 0 {
        return whole.to_string();
    }
    let digits = unit.ilog10() as usize;
    let fraction = format!("{fraction:0digits$}");
    format!("{whole}.{}", fraction.trim_end_matches('0'))
}

/// Docker's `units.HumanDuration`.
pub fn human_duration(seconds: i64) -> String {
    let hours = (seconds as f64 / 3600.0 + 0.5) as i64;
    match seconds {
        s if s < 1 => "Less than a second".to_owned(),
        1 => "1 second".to_owned(),
        s if s < 60 => format!("{s} seconds"),
        s if s / 60 == 1 => "About a minute".to_owned(),
        s if s / 60 < 60 => format!("{} minutes", s / 60),
        _ if hours == 1 => "About an hour".to_owned(),
        _ if hours < 48 => format!("{hours} hours"),
        _ if hours < 24 * 7 * 2 => format!("{} days", hours / 24),
        _ if hours < 24 * 30 * 2 => format!("{} weeks", hours / 24 / 7),
        _ if hours < 24 * 365 * 2 => format!("{} months", hours / 24 / 30),
        s => format!("{} years", s / 3600 / 24 / 365),
    }
}

#[cfg(test)]
mod tests {
    use super::{go_nanos, go_string, human_duration};

    #[test]
    fn writes_durations_as_go_does() {
        assert_eq!(go_string(0), "0s");
        assert_eq!(go_string(1_500), "1.5µs");
        assert_eq!(go_string(850_000_000), "850ms");
        assert_eq!(go_string(1_201_922_303), "1.201922303s");
        assert_eq!(go_string(123_000_000_000), "2m3s");
        assert_eq!(go_string(3_600_000_000_000), "1h0m0s");
    }

    #[test]
    fn reads_gos_durations() {
        assert_eq!(go_nanos("500ms"), Some(500_000_000));
        assert_eq!(go_nanos("1h"), Some(3_600_000_000_000));
        assert_eq!(go_nanos("1m30s"), Some(90_000_000_000));
        assert_eq!(go_nanos("1.5s"), Some(1_500_000_000));
        assert_eq!(go_nanos("5"), None);
        assert_eq!(go_nanos(""), None);
        assert_eq!(go_nanos("3d"), None);
    }

    #[test]
    fn durations_like_docker() {
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(3), "3 seconds");
        assert_eq!(human_duration(90), "About a minute");
        assert_eq!(human_duration(600), "10 minutes");
        assert_eq!(human_duration(3600), "About an hour");
        assert_eq!(human_duration(5 * 3600), "5 hours");
        assert_eq!(human_duration(3 * 86400), "3 days");
        assert_eq!(human_duration(21 * 86400), "3 weeks");
        assert_eq!(human_duration(90 * 86400), "3 months");
        assert_eq!(human_duration(800 * 86400), "2 years");
    }
}
