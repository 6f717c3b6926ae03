//! What the container runs: the image's Entrypoint, Cmd, Env and WorkingDir merged
//! with the flags the way Docker merges them.

use super::RuntimeError;

/// Docker's PATH for images that do not set one.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The parts of an image config a container starts from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageProcess {
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub env: Vec<String>,
    pub working_dir: String,
    pub user: String,
    pub stop_signal: String,
}

impl ImageProcess {
    /// From the `config` object of an image config (all fields optional).
    pub fn from_config(config: &serde_json::Value) -> ImageProcess {
        let c = config.get("config").unwrap_or(&serde_json::Value::Null);
        let strings = |key: &str| -> Vec<String> {
            c.get(key)
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let text = |key: &str| c.get(key).and_then(|v| v.as_str()).unwrap_or("").to_owned();
        ImageProcess {
            entrypoint: strings("Entrypoint"),
            cmd: strings("Cmd"),
            env: strings("Env"),
            working_dir: text("WorkingDir"),
            user: text("User"),
            stop_signal: text("StopSignal"),
        }
    }
}

/// `--entrypoint` given replaces the image's and drops its Cmd (as Docker does); an
/// empty one leaves only the command given. Command args replace the image's Cmd.
pub fn argv(
    image: &ImageProcess,
    entrypoint: Option<&str>,
    command: &[String],
) -> Result<Vec<String>, RuntimeError> {
    let (entry, default_cmd) = match entrypoint {
        Some("") => (Vec::new(), Vec::new()),
        Some(e) => (vec![e.to_owned()], Vec::new()),
        None => (image.entrypoint.clone(), image.cmd.clone()),
    };
    let cmd = if command.is_empty() {
        default_cmd
    } else {
        command.to_vec()
    };
    let argv: Vec<String> = entry.into_iter().chain(cmd).collect();
    if argv.is_empty() {
        return Err(RuntimeError::Invalid(
            "no command specified: the image has no Entrypoint or Cmd; give a command after the image name".into(),
        ));
    }
    Ok(argv)
}

/// One `-e` value: `KEY=VALUE` as is, a bare `KEY` takes the caller's value (and is
/// left out when the caller has none, as Docker does).
pub fn env_flag(
    flag: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, RuntimeError> {
    let key = flag.split('=').next().unwrap_or("");
    if key.is_empty() || key.chars().any(char::is_whitespace) {
        return Err(RuntimeError::Invalid(format!(
            "invalid environment variable {flag:?}: use KEY=VALUE or KEY"
        )));
    }
    if flag.contains('=') {
        return Ok(Some(flag.to_owned()));
    }
    Ok(lookup(key).map(|v| format!("{key}={v}")))
}

/// An `--env-file`: one `-e` value per line; blank lines and `#` comments skipped.
pub fn env_file(
    text: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Vec<String>, RuntimeError> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        out.extend(env_flag(line, &lookup)?);
    }
    Ok(out)
}

/// `-w` wins, then the image's WorkingDir, then `/`; it must be absolute.
pub fn cwd(image: &ImageProcess, workdir: Option<&str>) -> Result<String, RuntimeError> {
    let dir = workdir
        .filter(|w| !w.is_empty())
        .unwrap_or(&image.working_dir);
    let dir = if dir.is_empty() { "/" } else { dir };
    if !dir.starts_with('/') {
        return Err(RuntimeError::Invalid(format!(
            "the working directory {dir:?} is not an absolute path"
        )));
    }
    Ok(dir.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> ImageProcess {
        ImageProcess {
            entrypoint: vec!["/entry".into()],
            cmd: vec!["serve".into(), "--fast".into()],
            env: vec!["PATH=/opt/bin".into(), "A=1".into()],
            working_dir: "/srv".into(),
            user: String::new(),
            stop_signal: String::new(),
        }
    }

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn image_entrypoint_and_cmd_join() {
        assert_eq!(
            argv(&image(), None, &[]).unwrap(),
            v(&["/entry", "serve", "--fast"])
        );
        assert_eq!(
            argv(&image(), None, &v(&["x"])).unwrap(),
            v(&["/entry", "x"])
        );
    }

    #[test]
    fn entrypoint_flag_drops_the_image_cmd() {
        assert_eq!(
            argv(&image(), Some("/bin/sh"), &[]).unwrap(),
            v(&["/bin/sh"])
        );
        assert_eq!(
            argv(&image(), Some(""), &v(&["ls", "-l"])).unwrap(),
            v(&["ls", "-l"])
        );
        assert!(argv(&image(), Some(""), &[]).is_err());
        assert!(argv(&ImageProcess::default(), None, &[]).is_err());
    }

    #[test]
    fn bare_env_flags_take_the_callers_value() {
        let lookup = |k: &str| (k == "HOME").then(|| "/home/me".to_owned());
        assert_eq!(
            env_flag("HOME", lookup).unwrap(),
            Some("HOME=/home/me".into())
        );
        assert_eq!(env_flag("NOPE", lookup).unwrap(), None);
        assert_eq!(env_flag("X=a=b", lookup).unwrap(), Some("X=a=b".into()));
        assert!(env_flag("=x", lookup).is_err());
        assert_eq!(
            env_file("# c\n\nX=1\nHOME\n", lookup).unwrap(),
            v(&["X=1", "HOME=/home/me"])
        );
    }

    #[test]
    fn workdir_defaults_and_must_be_absolute() {
        assert_eq!(cwd(&image(), None).unwrap(), "/srv");
        assert_eq!(cwd(&image(), Some("/tmp")).unwrap(), "/tmp");
        assert_eq!(cwd(&ImageProcess::default(), None).unwrap(), "/");
        assert!(cwd(&image(), Some("rel")).is_err());
    }
}
