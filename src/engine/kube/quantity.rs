//! Kubernetes quantities (`64Mi`, `1G`, `500m`, `0.5`) to and from the numbers
//! the resource flags hold.

/// Bytes from a memory quantity; None when it is not one.
pub fn bytes(q: &str) -> Option<i64> {
    const SUFFIXES: [(&str, f64); 12] = [
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let (number, scale) = SUFFIXES
        .iter()
        .find_map(|(s, f)| q.strip_suffix(s).map(|n| (n, *f)))
        .unwrap_or((q, 1.0));
    let value = number.parse::<f64>().ok()? * scale;
    (value.is_finite() && value >= 0.0).then_some(value.round() as i64)
}

/// CPUs from a cpu quantity (`500m`, `2`, `0.5`).
pub fn cpus(q: &str) -> Option<f64> {
    let value = match q.strip_suffix('m') {
        Some(milli) => milli.parse::<f64>().ok()? / 1000.0,
        None => q.parse::<f64>().ok()?,
    };
    (value.is_finite() && value > 0.0).then_some(value)
}

/// A memory quantity for `bytes`: the largest binary unit that divides it.
pub fn of_bytes(bytes: i64) -> String {
    for (suffix, unit) in [("Gi", 1i64 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] {
        if bytes % unit == 0 && bytes >= unit {
            return format!("{}{suffix}", bytes / unit);
        }
    }
    bytes.to_string()
}

/// A cpu quantity in millicpus for a CFS quota over its period.
pub fn of_quota(quota: i64, period: u64) -> String {
    let milli = quota as f64 * 1000.0 / period.max(1) as f64;
    format!("{}m", milli.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_quantities() {
        assert_eq!(bytes("64Mi"), Some(64 << 20));
        assert_eq!(bytes("1G"), Some(1_000_000_000));
        assert_eq!(bytes("512"), Some(512));
        assert_eq!(bytes("lots"), None);
        assert_eq!(cpus("500m"), Some(0.5));
        assert_eq!(cpus("2"), Some(2.0));
        assert_eq!(of_bytes(64 << 20), "64Mi");
        assert_eq!(of_bytes(1000), "1000");
        assert_eq!(of_quota(50_000, 100_000), "500m");
    }
}
