//! Go's duration syntax (`time.ParseDuration`), which Docker's flags take:
//! `1m30s`, `1.5s`, `300ms`, `2h`.

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

#[cfg(test)]
mod tests {
    use super::go_nanos;

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
}
