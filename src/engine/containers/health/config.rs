//! The check itself, in Docker's HealthConfig shape (`Test`, nanosecond
//! durations), from the run flags as Podman 4.3 reads them and from the image.

use crate::engine::duration::go_nanos;
use crate::engine::runtime::RuntimeError;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Podman's defaults for what neither the flags nor the image say.
pub const DEFAULT_INTERVAL: u64 = 30_000_000_000;
pub const DEFAULT_TIMEOUT: u64 = 30_000_000_000;
pub const DEFAULT_RETRIES: u32 = 3;

/// A container's check, defaults applied; an interval of 0 runs it only by hand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Healthcheck {
    /// `CMD ARG...` or `CMD-SHELL COMMAND`.
    pub test: Vec<String>,
    #[serde(skip_serializing_if = "is_zero")]
    pub interval: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub timeout: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub start_period: u64,
    #[serde(skip_serializing_if = "is_zero_u32")]
    pub retries: u32,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn is_zero_u32(n: &u32) -> bool {
    *n == 0
}

impl Healthcheck {
    /// The argv that runs the check in the container.
    pub fn argv(&self) -> Vec<String> {
        match self.test.split_first() {
            Some((kind, rest)) if kind == "CMD" => rest.to_vec(),
            Some((kind, rest)) if kind == "CMD-SHELL" => {
                ["/bin/sh".to_owned(), "-c".to_owned(), rest.join(" ")].into()
            }
            _ => Vec::new(),
        }
    }

    pub fn interval(&self) -> Option<Duration> {
        (self.interval > 0).then(|| Duration::from_nanos(self.interval))
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_nanos(self.timeout)
    }

    pub fn start_period(&self) -> Duration {
        Duration::from_nanos(self.start_period)
    }
}

/// `--health-on-failure`: what becomes of a container once it is unhealthy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnFailure {
    #[default]
    None,
    Kill,
    Restart,
    Stop,
}

impl OnFailure {
    pub fn parse(text: &str) -> Result<OnFailure, RuntimeError> {
        Ok(match text {
            "none" => OnFailure::None,
            "kill" => OnFailure::Kill,
            "restart" => OnFailure::Restart,
            "stop" => OnFailure::Stop,
            _ => {
                return Err(RuntimeError::Invalid(format!(
                    "invalid on-failure action {text:?} for health check: supported actions are none,kill,restart,stop"
                )))
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OnFailure::None => "none",
            OnFailure::Kill => "kill",
            OnFailure::Restart => "restart",
            OnFailure::Stop => "stop",
        }
    }
}

/// What the caller asked for (`--health-*`, `--no-healthcheck`, the API's
/// Healthcheck); `create` merges it with the image's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthRequest {
    /// A command in Test form; `["NONE"]` disables the image's.
    pub test: Option<Vec<String>>,
    pub interval: Option<u64>,
    pub timeout: Option<u64>,
    pub start_period: Option<u64>,
    pub retries: Option<u32>,
    pub on_failure: OnFailure,
}

impl HealthRequest {
    /// The container's check: the request's command, else the image's, with
    /// the durations given overriding the image's; none for `NONE`.
    pub fn resolve(&self, image: Option<Healthcheck>) -> Option<Healthcheck> {
        let mut check = match &self.test {
            Some(test) => Healthcheck {
                test: test.clone(),
                ..Default::default()
            },
            None => image?,
        };
        if check.test.first().is_none_or(|t| t == "NONE") {
            return None;
        }
        let given = |flag: Option<u64>, own: u64, default: u64| {
            flag.unwrap_or(if own == 0 { default } else { own })
        };
        check.interval = given(self.interval, check.interval, DEFAULT_INTERVAL);
        check.timeout = given(self.timeout, check.timeout, DEFAULT_TIMEOUT);
        check.start_period = self.start_period.unwrap_or(check.start_period);
        check.retries = match self.retries.unwrap_or(check.retries) {
            0 => DEFAULT_RETRIES,
            n => n,
        };
        Some(check)
    }
}

/// `--health-cmd` as Podman 4.3 reads it: a JSON array or a string; a string
/// or a one-word array runs in a shell (CMD-SHELL), a longer array as it is
/// (CMD); `CMD`, `CMD-SHELL` and `NONE` as a first word are Docker's forms.
pub fn parse_command(text: &str) -> Result<Vec<String>, RuntimeError> {
    if text.trim().is_empty() {
        return Err(RuntimeError::Invalid(
            "must set a healthcheck command: --health-cmd is empty".into(),
        ));
    }
    let (words, array) = match serde_json::from_str::<Vec<String>>(text) {
        Ok(words) => (words, true),
        Err(_) => (text.splitn(2, ' ').map(str::to_owned).collect(), false),
    };
    let Some(first) = words.first().map(|w| w.to_uppercase()) else {
        return Err(RuntimeError::Invalid(
            "must set a healthcheck command: --health-cmd is an empty array".into(),
        ));
    };
    let test = match first.as_str() {
        "NONE" => vec!["NONE".to_owned()],
        "CMD" => {
            let mut argv: Vec<String> = words
                .join(" ")
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            argv[0] = "CMD".to_owned();
            argv
        }
        "CMD-SHELL" => {
            let mut test = words;
            test[0] = "CMD-SHELL".to_owned();
            test
        }
        _ if array && words.len() > 1 => std::iter::once("CMD".to_owned()).chain(words).collect(),
        _ => vec!["CMD-SHELL".to_owned(), words.join(" ")],
    };
    if test.len() < 2 && test[0] != "NONE" {
        return Err(RuntimeError::Invalid(format!(
            "must set a healthcheck command: {text:?} has none after {}",
            test[0]
        )));
    }
    Ok(test)
}

/// `--health-interval`: a Go duration, or `disable` (0: no schedule).
pub fn parse_interval(text: &str) -> Result<u64, RuntimeError> {
    match text {
        "disable" => Ok(0),
        _ => duration("healthcheck-interval", text),
    }
}

/// `--health-timeout`: a Go duration, more than none.
pub fn parse_timeout(text: &str) -> Result<u64, RuntimeError> {
    match duration("healthcheck-timeout", text)? {
        0 => Err(RuntimeError::Invalid(
            "healthcheck-timeout must be at least 1 second".into(),
        )),
        n => Ok(n),
    }
}

/// `--health-start-period`: a Go duration, not negative.
pub fn parse_start_period(text: &str) -> Result<u64, RuntimeError> {
    if text.starts_with('-') && go_nanos(&text[1..]).is_some() {
        return Err(RuntimeError::Invalid(
            "healthcheck-start-period must be 0 seconds or greater".into(),
        ));
    }
    duration("healthcheck-start-period", text)
}

/// `--health-retries`: at least one.
pub fn check_retries(retries: u32) -> Result<u32, RuntimeError> {
    match retries {
        0 => Err(RuntimeError::Invalid(
            "healthcheck-retries must be greater than 0".into(),
        )),
        n => Ok(n),
    }
}

/// Go's time.ParseDuration, whose error Podman shows as it is.
fn duration(flag: &str, text: &str) -> Result<u64, RuntimeError> {
    if text == "0" {
        return Ok(0);
    }
    go_nanos(text).ok_or_else(|| {
        RuntimeError::Invalid(format!("invalid {flag}: time: invalid duration {text:?}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_take_podmans_forms() {
        let words = |t: &str| parse_command(t).unwrap();
        assert_eq!(words("true"), ["CMD-SHELL", "true"]);
        assert_eq!(
            words("curl -f http://x/"),
            ["CMD-SHELL", "curl -f http://x/"]
        );
        assert_eq!(words(r#"["ls", "/"]"#), ["CMD", "ls", "/"]);
        assert_eq!(words(r#"["true"]"#), ["CMD-SHELL", "true"]);
        assert_eq!(words(r#"["CMD", "ls", "/"]"#), ["CMD", "ls", "/"]);
        assert_eq!(words(r#"["CMD-SHELL", "exit 1"]"#), ["CMD-SHELL", "exit 1"]);
        assert_eq!(words("CMD ls /"), ["CMD", "ls", "/"]);
        assert_eq!(words("none"), ["NONE"]);
        assert!(parse_command("").is_err());
        assert!(parse_command("  ").is_err());
        assert!(parse_command("[]").is_err());
        assert!(parse_command("CMD").is_err());
    }

    #[test]
    fn durations_are_checked() {
        assert_eq!(parse_interval("disable").unwrap(), 0);
        assert_eq!(parse_interval("1m30s").unwrap(), 90_000_000_000);
        assert_eq!(
            parse_interval("1x").unwrap_err().to_string(),
            "invalid healthcheck-interval: time: invalid duration \"1x\""
        );
        assert!(parse_timeout("0s").is_err());
        assert_eq!(parse_timeout("500ms").unwrap(), 500_000_000);
        assert!(parse_start_period("-1s").is_err());
        assert_eq!(parse_start_period("0s").unwrap(), 0);
        assert!(check_retries(0).is_err());
        assert!(OnFailure::parse("bogus").is_err());
        assert_eq!(OnFailure::parse("restart").unwrap(), OnFailure::Restart);
    }

    #[test]
    fn flags_override_the_image() {
        let image = Healthcheck {
            test: vec!["CMD".into(), "true".into()],
            interval: 5,
            ..Default::default()
        };
        let none = HealthRequest::default()
            .resolve(Some(image.clone()))
            .unwrap();
        assert_eq!(
            (none.interval, none.timeout, none.retries),
            (5, DEFAULT_TIMEOUT, 3)
        );
        let given = HealthRequest {
            interval: Some(7),
            ..Default::default()
        };
        assert_eq!(given.resolve(Some(image.clone())).unwrap().interval, 7);
        let off = HealthRequest {
            test: Some(vec!["NONE".into()]),
            ..Default::default()
        };
        assert_eq!(off.resolve(Some(image)), None);
        assert_eq!(HealthRequest::default().resolve(None), None);
    }
}
