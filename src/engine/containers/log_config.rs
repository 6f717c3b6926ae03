//! `--log-driver` and `--log-opt`, with Podman's names, defaults and errors:
//! where the monitor writes the container's output, in which format, and how
//! large the file may grow.

use crate::engine::runtime::RuntimeError;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogDriver {
    /// Podman's default: `TIME STREAM F|P TEXT` lines.
    #[default]
    K8sFile,
    /// Docker's JSON lines.
    JsonFile,
    /// Nothing kept: `logs` has nothing to read.
    None,
    /// The container writes to the caller's stdio itself; nothing kept.
    Passthrough,
}

impl LogDriver {
    pub fn name(self) -> &'static str {
        match self {
            LogDriver::K8sFile => "k8s-file",
            LogDriver::JsonFile => "json-file",
            LogDriver::None => "none",
            LogDriver::Passthrough => "passthrough",
        }
    }

    /// Whether the monitor keeps a log file.
    pub fn keeps_file(self) -> bool {
        matches!(self, LogDriver::K8sFile | LogDriver::JsonFile)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogConfig {
    pub driver: LogDriver,
    /// `path=`: the log there instead of in the container's directory.
    pub path: Option<PathBuf>,
    /// `max-size=`: the file is emptied once it would grow past this.
    pub max_size: Option<u64>,
    /// `tag=`, kept for inspect.
    pub tag: Option<String>,
}

impl LogConfig {
    /// The flags as given; `path=` is made absolute by the caller.
    pub fn parse(driver: Option<&str>, opts: &[String]) -> Result<LogConfig, RuntimeError> {
        let driver = match driver.unwrap_or("k8s-file") {
            "k8s-file" | "" => LogDriver::K8sFile,
            "json-file" => LogDriver::JsonFile,
            "none" => LogDriver::None,
            "passthrough" => LogDriver::Passthrough,
            "journald" => {
                return Err(RuntimeError::Invalid(
                    "coracle does not support --log-driver journald: its monitor writes files only; use k8s-file or json-file".into(),
                ))
            }
            _ => return Err(RuntimeError::Invalid("invalid log driver: invalid argument".into())),
        };
        let mut config = LogConfig {
            driver,
            ..LogConfig::default()
        };
        for opt in opts {
            match opt.split_once('=') {
                Some(("path", p)) => config.path = Some(PathBuf::from(p)),
                Some(("max-size", s)) => config.max_size = Some(human_size(s)?),
                Some(("tag", t)) => config.tag = Some(t.to_owned()),
                // Podman keeps other options for drivers that read them; these
                // drivers read none.
                _ => log::debug!(
                    "--log-opt {opt}: ignored, the {} driver has no such option",
                    driver.name()
                ),
            }
        }
        if config.tag.is_some() && driver.keeps_file() {
            return Err(RuntimeError::Invalid(format!(
                "{} doesn't support --log-opt tag",
                driver.name()
            )));
        }
        Ok(config)
    }
}

/// Go's `units.FromHumanSize`: decimal units (k = 1000), case-insensitive,
/// an optional `b`.
fn human_size(text: &str) -> Result<u64, RuntimeError> {
    let invalid = || RuntimeError::Invalid(format!("invalid size: '{text}'"));
    let lower = text.trim().to_ascii_lowercase();
    let lower = lower.strip_suffix('b').unwrap_or(&lower);
    let split = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let (number, unit) = lower.split_at(split);
    let number: f64 = number.parse().map_err(|_| invalid())?;
    let scale = match unit {
        "" => 1.0,
        "k" => 1e3,
        "m" => 1e6,
        "g" => 1e9,
        "t" => 1e12,
        _ => return Err(invalid()),
    };
    Ok((number * scale) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn drivers_and_options_are_podmans() {
        assert_eq!(
            LogConfig::parse(None, &[]).unwrap().driver,
            LogDriver::K8sFile
        );
        let c =
            LogConfig::parse(Some("json-file"), &opts(&["max-size=10k", "path=/tmp/x"])).unwrap();
        assert_eq!(c.max_size, Some(10_000));
        assert_eq!(c.path, Some(PathBuf::from("/tmp/x")));
        assert_eq!(
            LogConfig::parse(None, &opts(&["max-size=abc"]))
                .unwrap_err()
                .to_string(),
            "invalid size: 'abc'"
        );
        assert!(LogConfig::parse(Some("bogus"), &[]).is_err());
        assert!(LogConfig::parse(Some("journald"), &[])
            .unwrap_err()
            .to_string()
            .starts_with("coracle does not support --log-driver journald"));
        assert!(LogConfig::parse(Some("none"), &opts(&["tag=x"])).is_ok());
        assert!(LogConfig::parse(None, &opts(&["tag=x"])).is_err());
        assert_eq!(human_size("1mb").unwrap(), 1_000_000);
        assert_eq!(human_size("10").unwrap(), 10);
    }
}
