//! Signal names as Docker takes them (`--stop-signal`, an image's StopSignal):
//! `TERM`, `SIGTERM`, `15`, `SIGRTMIN+3`, kept in the canonical `SIGTERM` form.

use super::RuntimeError;
use nix::sys::signal::Signal;
use std::str::FromStr;

/// The first and last real-time signals as the kernel numbers them (glibc
/// reserves 32 and 33 for itself, so SIGRTMIN is 34).
const RTMIN: i32 = 34;
const RTMAX: i32 = 64;

/// The signal's canonical name, or an error saying what is accepted.
pub fn parse(text: &str) -> Result<String, RuntimeError> {
    let invalid = || {
        RuntimeError::Invalid(format!(
            "invalid signal {text:?}: use a name such as SIGTERM or TERM, or a number"
        ))
    };
    if let Ok(n) = text.parse::<i32>() {
        return name_of(n).ok_or_else(invalid);
    }
    let upper = text.trim().to_ascii_uppercase();
    let name = match upper.strip_prefix("SIG") {
        Some(_) => upper.clone(),
        None => format!("SIG{upper}"),
    };
    if Signal::from_str(&name).is_ok() {
        return Ok(name);
    }
    let offset = |rest: &str| rest.parse::<i32>().ok().filter(|n| *n <= RTMAX - RTMIN);
    let number = match name.strip_prefix("SIGRTMIN") {
        Some("") => Some(RTMIN),
        Some(rest) => rest.strip_prefix('+').and_then(offset).map(|n| RTMIN + n),
        None => match name.strip_prefix("SIGRTMAX") {
            Some("") => Some(RTMAX),
            Some(rest) => rest.strip_prefix('-').and_then(offset).map(|n| RTMAX - n),
            None => None,
        },
    };
    number.and_then(name_of).ok_or_else(invalid)
}

/// The signal's number (real-time ones included, which nix's `Signal` cannot hold).
pub fn number(text: &str) -> Result<i32, RuntimeError> {
    let name = parse(text)?;
    Ok(match name.strip_prefix("SIGRTMIN") {
        Some("") => RTMIN,
        Some(rest) => RTMIN + rest.trim_start_matches('+').parse::<i32>().unwrap_or(0),
        None if name == "SIGRTMAX" => RTMAX,
        None => Signal::from_str(&name).map(|s| s as i32).unwrap_or(0),
    })
}

fn name_of(n: i32) -> Option<String> {
    match n {
        RTMIN => Some("SIGRTMIN".into()),
        RTMAX => Some("SIGRTMAX".into()),
        n if (RTMIN..RTMAX).contains(&n) => Some(format!("SIGRTMIN+{}", n - RTMIN)),
        n => Signal::try_from(n).ok().map(|s| s.as_str().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn names_and_numbers_are_canonical() {
        assert_eq!(parse("TERM").unwrap(), "SIGTERM");
        assert_eq!(parse("sigkill").unwrap(), "SIGKILL");
        assert_eq!(parse("2").unwrap(), "SIGINT");
        assert_eq!(parse("RTMIN+3").unwrap(), "SIGRTMIN+3");
        assert_eq!(parse("37").unwrap(), "SIGRTMIN+3");
        assert_eq!(parse("SIGRTMAX-1").unwrap(), "SIGRTMIN+29");
    }

    #[test]
    fn numbers_round_trip() {
        assert_eq!(super::number("KILL").unwrap(), 9);
        assert_eq!(super::number("SIGRTMIN+3").unwrap(), 37);
        assert_eq!(super::number("SIGRTMAX").unwrap(), 64);
        assert_eq!(super::number("15").unwrap(), 15);
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in ["", "NOPE", "0", "65", "SIGRTMIN+31", "RTMIN-1"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
