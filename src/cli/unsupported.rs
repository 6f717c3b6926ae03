//! Podman's flags that coracle takes but does not act on, and the ones it refuses.
//!
//! Neither may be silent. Wrap the flag's own value parser:
//!
//! ```text
//! /// Cgroup manager (ignored: coracle makes no cgroups of its own)
//! #[arg(long, value_parser = ignored(StringValueParser::new()))]
//! cgroup_manager: Option<String>,
//!
//! /// OCI runtime (unsupported: coracle runs containers in-process with libcontainer)
//! #[arg(long, value_parser = refused(StringValueParser::new()))]
//! runtime: Option<String>,
//! ```
//!
//! The reason is written once, in the help text's trailing `(ignored: WHY)` or
//! `(unsupported: WHY)`: `--help` shows it, scripts/parity copies it into
//! docs/podman-parity.md, and these parsers quote it. A bool flag takes
//! `BoolValueParser::new()`; its default (`false`) passes through untouched.

use clap::builder::TypedValueParser;
use clap::parser::ValueSource;
use std::ffi::OsStr;
use std::sync::Mutex;

/// A flag given on the command line that has no effect: logged by [`log_ignored`].
pub fn ignored<P: TypedValueParser>(inner: P) -> Ignored<P> {
    Ignored(inner)
}

/// A flag refused at parse time, with "coracle does not support --X: why" and exit 125.
pub fn refused<P: TypedValueParser>(inner: P) -> Refused<P> {
    Refused(inner)
}

/// Says, at debug level, which flags were ignored and why. Parsing happens before
/// logging is set up (the log level is itself a flag), hence the list kept until then.
pub fn log_ignored() {
    let ignored = std::mem::take(&mut *IGNORED.lock().unwrap_or_else(|e| e.into_inner()));
    for line in ignored {
        log::debug!("{line}");
    }
}

static IGNORED: Mutex<Vec<String>> = Mutex::new(Vec::new());

#[derive(Clone)]
pub struct Ignored<P>(P);

impl<P: TypedValueParser> TypedValueParser for Ignored<P> {
    type Value = P::Value;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Self::Value, clap::Error> {
        self.parse_ref_(cmd, arg, value, ValueSource::CommandLine)
    }

    fn parse_ref_(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
        source: ValueSource,
    ) -> Result<Self::Value, clap::Error> {
        let parsed = self.0.parse_ref_(cmd, arg, value, source)?;
        if source != ValueSource::DefaultValue {
            let (flag, why) = describe(arg, "ignored");
            let mut ignored = IGNORED.lock().unwrap_or_else(|e| e.into_inner());
            ignored.push(format!("ignoring --{flag}: {why}"));
        }
        Ok(parsed)
    }
}

#[derive(Clone)]
pub struct Refused<P>(P);

impl<P: TypedValueParser> TypedValueParser for Refused<P> {
    type Value = P::Value;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Self::Value, clap::Error> {
        self.parse_ref_(cmd, arg, value, ValueSource::CommandLine)
    }

    fn parse_ref_(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
        source: ValueSource,
    ) -> Result<Self::Value, clap::Error> {
        if source == ValueSource::DefaultValue {
            return self.0.parse_ref_(cmd, arg, value, source);
        }
        let (flag, why) = describe(arg, "unsupported");
        // clap keeps a function parser's error as the source of its own, where
        // `refusal` finds it.
        let refuse = move |_: &str| -> Result<P::Value, Unsupported> {
            Err(Unsupported {
                flag: flag.clone(),
                why: why.clone(),
            })
        };
        refuse.parse_ref(cmd, arg, value)
    }
}

/// The refusal, found by [`refusal`] to print it as Podman prints its errors.
#[derive(Debug)]
pub struct Unsupported {
    flag: String,
    why: String,
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "coracle does not support --{}: {}", self.flag, self.why)
    }
}

impl std::error::Error for Unsupported {}

/// The refusal inside a parse error, if that is what it is.
pub fn refusal(e: &clap::Error) -> Option<&Unsupported> {
    std::error::Error::source(e)?.downcast_ref::<Unsupported>()
}

/// The flag's long name and the reason its help text gives after `(MARKER: `.
fn describe(arg: Option<&clap::Arg>, marker: &str) -> (String, String) {
    let flag = arg
        .and_then(|a| a.get_long())
        .unwrap_or_default()
        .to_owned();
    let help = arg
        .and_then(|a| a.get_help())
        .map(|h| h.to_string())
        .unwrap_or_default();
    let why = reason(&help, marker).unwrap_or("coracle has no use for it");
    (flag, why.to_owned())
}

fn reason<'a>(help: &'a str, marker: &str) -> Option<&'a str> {
    let start = help.rfind(&format!("({marker}: "))? + marker.len() + 3;
    let rest = help[start..].trim_end();
    Some(rest.strip_suffix(')').unwrap_or(rest))
}

#[cfg(test)]
mod tests {
    use super::{ignored, reason, refusal, refused};
    use clap::builder::{BoolValueParser, StringValueParser};
    use clap::{Arg, ArgAction, Command};

    fn command() -> Command {
        Command::new("t")
            .arg(
                Arg::new("runtime")
                    .long("runtime")
                    .help("OCI runtime (unsupported: no runtime binary)")
                    .value_parser(refused(StringValueParser::new())),
            )
            .arg(
                Arg::new("syslog")
                    .long("syslog")
                    .action(ArgAction::SetTrue)
                    .help("Syslog (ignored: stderr only)")
                    .value_parser(ignored(BoolValueParser::new())),
            )
    }

    #[test]
    fn a_refused_flag_fails_to_parse_and_says_why() {
        let err = command()
            .try_get_matches_from(["t", "--runtime", "crun"])
            .expect_err("refused");
        let why = refusal(&err).expect("a refusal").to_string();
        assert_eq!(why, "coracle does not support --runtime: no runtime binary");
    }

    #[test]
    fn an_ignored_flag_parses_as_usual() {
        let matches = command().try_get_matches_from(["t", "--syslog"]).unwrap();
        assert!(matches.get_flag("syslog"));
        let matches = command().try_get_matches_from(["t"]).unwrap();
        assert!(!matches.get_flag("syslog"));
    }

    #[test]
    fn the_reason_is_the_help_texts_trailing_parenthesis() {
        let help = "Cgroup manager (ignored: coracle makes no cgroups (of its own))";
        assert_eq!(
            reason(help, "ignored"),
            Some("coracle makes no cgroups (of its own)")
        );
        assert_eq!(reason("OCI runtime", "unsupported"), None);
    }
}
