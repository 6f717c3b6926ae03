//! `coracle login` and `coracle logout`

use super::push::parse_creds;
use crate::engine::interface::Engine;
use crate::engine::registry::creds::Credentials;
use crate::engine::registry::login::{registry_key, LoginOptions, LogoutOptions};
use anyhow::bail;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct LoginArgs {
    /// Username
    #[arg(short, long)]
    username: Option<String>,
    /// Password (prefer --password-stdin: this one shows in the process list)
    #[arg(short, long)]
    password: Option<String>,
    /// Read the password from stdin
    #[arg(long, conflicts_with = "password")]
    password_stdin: bool,
    /// Print the username logged in to the registry
    #[arg(long, conflicts_with_all = ["username", "password", "password_stdin"])]
    get_login: bool,
    /// The auth file to use (default $XDG_RUNTIME_DIR/containers/auth.json)
    #[arg(long, value_name = "FILE", env = "REGISTRY_AUTH_FILE")]
    authfile: Option<PathBuf>,
    /// Require HTTPS and verify certificates (loopback registries may use plain HTTP)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    tls_verify: bool,
    /// Directory of TLS certificates and keys (unsupported: coracle verifies
    /// registries against the system's CA certificates only)
    #[arg(long, value_name = "DIR", value_parser = super::unsupported::refused(clap::builder::StringValueParser::new()))]
    cert_dir: Option<String>,
    /// Write more detailed information to stdout (ignored: coracle has nothing more
    /// to say)
    #[arg(short, long, value_parser = super::unsupported::ignored(clap::builder::BoolValueParser::new()))]
    verbose: bool,
    /// REGISTRY[/REPOSITORY]
    registry: String,
}

#[derive(clap::Args)]
pub struct LogoutArgs {
    /// Remove the credentials of every registry
    #[arg(short, long)]
    all: bool,
    /// The auth file to use (default $XDG_RUNTIME_DIR/containers/auth.json)
    #[arg(long, value_name = "FILE", env = "REGISTRY_AUTH_FILE")]
    authfile: Option<PathBuf>,
    /// REGISTRY[/REPOSITORY]
    #[arg(required_unless_present = "all")]
    registry: Option<String>,
}

pub fn login(engine: &dyn Engine, args: LoginArgs) -> anyhow::Result<()> {
    let opts = LoginOptions {
        registry: args.registry.clone(),
        authfile: args.authfile.clone(),
        tls_verify: args.tls_verify,
    };
    let saved = engine.saved_login(&opts)?;
    if args.get_login {
        match saved {
            Some(c) => println!("{}", c.username),
            None => bail!("not logged into {}", registry_key(&args.registry)),
        }
        return Ok(());
    }
    // With nothing given, the saved credentials are checked again (Podman's way).
    let nothing_given = args.username.is_none() && args.password.is_none() && !args.password_stdin;
    let creds = match saved.filter(|_| nothing_given) {
        Some(saved) => saved,
        None => credentials(&args)?,
    };
    engine.login(&opts, &creds)?;
    println!("Login Succeeded!");
    Ok(())
}

pub fn logout(engine: &dyn Engine, args: LogoutArgs) -> anyhow::Result<()> {
    let registry = args.registry.filter(|_| !args.all);
    engine.logout(&LogoutOptions {
        registry: registry.clone(),
        authfile: args.authfile,
    })?;
    match registry {
        None => println!("Removed login credentials for all registries"),
        Some(registry) => println!("Removed login credentials for {}", registry_key(&registry)),
    }
    Ok(())
}

/// From the flags, stdin, or prompts on a terminal.
fn credentials(args: &LoginArgs) -> anyhow::Result<Credentials> {
    let username = match &args.username {
        Some(u) => u.clone(),
        None => prompt("Username: ", true)?,
    };
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    } else {
        match &args.password {
            Some(p) => p.clone(),
            None => prompt("Password: ", false)?,
        }
    };
    if username.is_empty() || password.is_empty() {
        bail!("a username and a password are needed");
    }
    parse_creds(&format!("{username}:{password}"))
}

/// Asks on stderr; without echo for a password on a terminal.
fn prompt(question: &str, echo: bool) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!("no terminal to ask for credentials on: pass --username and --password-stdin");
    }
    eprint!("{question}");
    let saved = if echo {
        None
    } else {
        use nix::sys::termios::{tcgetattr, tcsetattr, LocalFlags, SetArg};
        let saved = tcgetattr(&stdin)?;
        let mut quiet = saved.clone();
        quiet.local_flags.remove(LocalFlags::ECHO);
        tcsetattr(&stdin, SetArg::TCSANOW, &quiet)?;
        Some(saved)
    };
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if let Some(saved) = saved {
        nix::sys::termios::tcsetattr(&stdin, nix::sys::termios::SetArg::TCSANOW, &saved)?;
        eprintln!();
    }
    read?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}
