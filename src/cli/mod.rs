//! Argument parsing and output. Each subcommand is a clap definition plus a short
//! `exec` that builds an options struct, calls one engine function and prints.

mod archive;
mod attach;
mod build;
mod build_flags;
mod builder;
mod clone;
mod commit;
mod complete;
mod completion;
mod container;
mod cp;
mod create;
mod df;
mod diff;
mod events;
mod exec;
mod format;
mod globals;
mod healthcheck;
mod holder;
mod image_mount;
mod images;
mod import;
mod info;
mod inspect;
mod kube;
mod login;
mod logs;
mod manifest;
mod manifest_push;
mod monitor;
mod mount;
mod network;
mod network_show;
mod pause;
mod pod;
mod progress;
mod prune;
mod ps;
mod ps_json;
mod pull;
mod push;
mod resource_flags;
mod rm;
mod rmi;
mod run;
mod run_flags;
pub(crate) mod runtime;
mod search;
mod secret;
mod service;
mod start;
mod stats;
mod stop;
mod system;
mod table;
mod targets;
pub(crate) mod template;
mod terminal;
mod top;
mod tree;
mod unshare;
mod unsupported;
mod untag;
mod update;
mod volume;
// man/ and completions/ are rendered, and checked, by unit tests.
#[cfg(test)]
mod generated;
#[cfg(test)]
mod man;
#[cfg(test)]
mod man_examples;

use crate::engine::context::{Context, ContextOptions};
use crate::engine::diff::Target;
use crate::engine::interface::Engine;
use crate::engine::local::LocalEngine;
use crate::engine::remote::RemoteEngine;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "coracle",
    // Podman's `-v`/`--version` prints "podman version X".
    version = concat!("version ", env!("CARGO_PKG_VERSION")),
    disable_version_flag = true,
    about = "A daemonless, rootless container engine"
)]
pub struct Cli {
    /// Print the version
    #[arg(short = 'v', long, action = clap::ArgAction::Version)]
    version: (),
    /// Storage root directory (graph root)
    #[arg(long, global = true, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Storage state directory (run root)
    #[arg(long, global = true, value_name = "DIR")]
    runroot: Option<PathBuf>,
    /// Log messages at this level and above: trace, debug, info, warn, error
    #[arg(long, global = true, default_value = "warn", value_parser = ["trace", "debug", "info", "warn", "error"])]
    log_level: String,
    /// Select which storage driver is used to manage storage of images and
    /// containers: overlay, fuse-overlay or vfs (default: storage.conf's, else
    /// the first that works here; a store keeps the driver it was made with)
    #[arg(long, global = true, value_name = "DRIVER")]
    storage_driver: Option<String>,
    /// Run the command on the API service at this URL (unix:///PATH), as Podman's
    /// remote client does
    #[arg(long, global = true, env = "CONTAINER_HOST", value_name = "URL")]
    url: Option<String>,
    #[command(flatten)]
    globals: globals::Globals,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
#[command(defer = true)]
enum Command {
    /// Run a command in a new container
    Run(Box<run::RunArgs>),
    /// Create a container without starting it
    Create(Box<create::Args>),
    /// Start one or more stopped containers
    Start(start::Args),
    /// Stop one or more running containers
    Stop(stop::StopArgs),
    /// Restart one or more containers
    Restart(start::RestartArgs),
    /// Send a signal to one or more running containers
    Kill(stop::KillArgs),
    /// Wait for containers to exit and print their exit codes
    Wait(stop::WaitArgs),
    /// Attach to a running container's input and output
    Attach(attach::Args),
    /// Run a command in a running container
    Exec(exec::Args),
    /// Copy files between a container and the host
    Cp(cp::Args),
    /// Write a container's filesystem as a tar archive
    Export(cp::ExportArgs),
    /// Remove one or more containers
    Rm(rm::Args),
    /// List containers
    Ps(ps::Args),
    /// Display detailed information on containers or images
    Inspect(inspect::Args),
    /// Fetch the logs of a container
    Logs(logs::Args),
    /// Show the events that commands and containers recorded
    Events(events::Args),
    /// Display the running processes of a container
    Top(top::Args),
    /// Display a live stream of container resource usage statistics
    Stats(stats::Args),
    /// List port mappings of a container
    Port(top::PortArgs),
    /// Pause all processes in one or more containers
    Pause(pause::Args),
    /// Unpause all processes in one or more containers
    Unpause(pause::Args),
    /// Update the cgroup configuration of a given container
    Update(Box<update::Args>),
    /// Manage containers
    #[command(subcommand)]
    Container(container::ContainerCommand),
    /// `container prune`, which has no top-level spelling
    #[command(skip)]
    ContainerPrune(prune::Args),
    /// `container exists`, which has no top-level spelling
    #[command(skip)]
    ContainerExists(container::ExistsArgs),
    /// `container clone`, which has no top-level spelling
    #[command(skip)]
    ContainerClone(Box<clone::Args>),
    /// Ready one or more containers for their start without starting them
    #[command(name = "init")]
    ContainerInit(container::InitArgs),
    /// Rename a container
    Rename(rm::RenameArgs),
    /// Pull an image from a registry
    Pull(pull::Args),
    /// Log in to a registry
    Login(login::LoginArgs),
    /// Log out of a registry
    Logout(login::LogoutArgs),
    /// Save images to an archive
    Save(archive::SaveArgs),
    /// Load images from an archive
    Load(archive::LoadArgs),
    /// Make an image of a root file system tarball
    Import(import::Args),
    /// Inspect manifests in registries
    #[command(subcommand)]
    Manifest(manifest::ManifestCommand),
    /// Push an image to a registry
    Push(push::Args),
    /// Search registry for image
    Search(search::Args),
    /// Build an image from a Dockerfile
    Build(Box<build::Args>),
    /// Manage the build cache
    #[command(subcommand)]
    Builder(builder::BuilderCommand),
    /// Create an image from a container's changes
    Commit(commit::Args),
    /// List images
    Images(images::ListArgs),
    /// Manage images
    #[command(subcommand)]
    Image(images::ImageCommand),
    /// Remove one or more images
    Rmi(rmi::Args),
    /// Give an image another name
    Tag(images::TagArgs),
    /// Remove names from an image (all of them when none is given)
    Untag(untag::UntagArgs),
    /// Show the history of an image
    History(images::HistoryArgs),
    /// Display system-wide information
    Info(info::InfoArgs),
    /// Show version information
    Version(info::VersionArgs),
    /// Manage pods
    #[command(subcommand)]
    Pod(pod::PodCommand),
    /// Manage networks
    #[command(subcommand)]
    Network(network::NetworkCommand),
    /// Manage coracle itself
    #[command(subcommand)]
    System(system::SystemCommand),
    /// Manage volumes
    #[command(subcommand)]
    Volume(volume::VolumeCommand),
    /// Manage secrets
    #[command(subcommand)]
    Secret(secret::SecretCommand),
    /// Play containers, pods or volumes from Kubernetes YAML, or write it
    #[command(subcommand)]
    Kube(kube::KubeCommand),
    /// Generate structured data (Kubernetes YAML) from containers or volumes
    #[command(subcommand)]
    Generate(kube::GenerateCommand),
    /// Play containers, pods or volumes from Kubernetes YAML
    #[command(subcommand)]
    Play(kube::PlayCommand),
    /// Manage health checks on containers
    #[command(subcommand)]
    Healthcheck(healthcheck::HealthcheckCommand),
    /// Run a command in the rootless user namespace
    Unshare(unshare::Args),
    /// Show what a container or image changed in its file system
    Diff(diff::Args),
    /// `container diff`, which looks the name up as a container only
    #[command(skip)]
    ContainerDiff(diff::Args),
    /// Generate shell autocompletions
    Completion(completion::Args),
    /// Mount a container's root file system, or list the mounted ones
    Mount(mount::MountArgs),
    /// Unmount a container's root file system
    #[command(visible_alias = "unmount")]
    Umount(mount::UnmountArgs),
}

/// An error already reported to the user: exit with this code and say nothing more.
#[derive(Debug)]
pub struct Exit(pub i32);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit status {}", self.0)
    }
}

impl std::error::Error for Exit {}

/// Docker's and Podman's code for a failure of the engine itself.
const ENGINE_ERROR: i32 = 125;

pub fn main() -> i32 {
    // The fuse-overlay server a monitor forks: no CLI, no logging setup.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(served) = crate::engine::storage_driver::fuse::serve_if_asked(&args) {
        return match served {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("Error: the fuse-overlay server stopped: {e}");
                1
            }
        };
    }
    complete::answer();
    if let Some(code) = monitor::as_monitor() {
        return code;
    }
    if let Some(code) = holder::as_holder() {
        return code;
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            match unsupported::refusal(&e) {
                Some(refusal) => eprintln!("Error: {refusal}"),
                None => {
                    let _ = e.print();
                }
            }
            return if e.use_stderr() { ENGINE_ERROR } else { 0 };
        }
    };
    init_logging(&cli.log_level);
    unsupported::log_ignored();
    match run(cli) {
        Ok(()) => 0,
        Err(e) => report(&e),
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    cli.globals.redirect_stdout()?;
    let opts = ContextOptions {
        root: cli.root,
        runroot: cli.runroot,
        storage_driver: cli.storage_driver,
        userns: None,
    };
    // A shell's completion script needs no engine.
    if let Command::Completion(args) = cli.command {
        return completion::exec(args);
    }
    // The service makes no engine of its own: each request's process does.
    if let Command::System(system::SystemCommand::Service(args)) = cli.command {
        return service::exec(&opts, args);
    }
    let url = match (cli.url, cli.globals.remote) {
        (None, true) => Some(default_url(&opts)?),
        (url, _) => url,
    };
    let engine: Box<dyn Engine> = match &url {
        Some(url) => Box::new(RemoteEngine::new(url)?),
        None => Box::new(LocalEngine::new(
            Context::new(&opts)?,
            Box::<runtime::LazyRuntime>::default(),
        )),
    };
    let engine = &*engine;
    let command = match cli.command {
        Command::Container(c) => c.into_command(),
        c => c,
    };
    match command {
        Command::Run(args) => run::exec(engine, *args),
        Command::Create(args) => create::exec(engine, *args),
        Command::Start(args) => start::exec(engine, args),
        Command::Stop(args) => stop::stop(engine, args),
        Command::Restart(args) => start::restart(engine, args),
        Command::Kill(args) => stop::kill(engine, args),
        Command::Wait(args) => stop::wait(engine, args),
        Command::Attach(args) => attach::exec(engine, args),
        Command::Exec(args) => exec::exec(engine, args),
        Command::Cp(args) => cp::exec(engine, args),
        Command::Export(args) => cp::export(engine, args),
        Command::Rm(args) => rm::exec(engine, args),
        Command::Rename(args) => rm::rename(engine, args),
        Command::Ps(args) => ps::exec(engine, args),
        Command::Inspect(args) => inspect::exec(engine, args),
        Command::Logs(args) => logs::exec(engine, args),
        Command::Events(args) => events::exec(engine, args),
        Command::Top(args) => top::exec(engine, args),
        Command::Stats(args) => stats::exec(engine, args),
        Command::Port(args) => top::port(engine, args),
        Command::Pause(args) => pause::pause(engine, args),
        Command::Unpause(args) => pause::unpause(engine, args),
        Command::Update(args) => update::exec(engine, *args),
        Command::ContainerPrune(args) => prune::exec(engine, args),
        Command::ContainerExists(args) => container::exists(engine, args),
        Command::ContainerClone(args) => clone::exec(engine, *args),
        Command::ContainerInit(args) => container::init(engine, args),
        Command::Container(_) => unreachable!("replaced by its top-level command above"),
        Command::Pull(args) => pull::exec(engine, args),
        Command::Login(args) => login::login(engine, args),
        Command::Logout(args) => login::logout(engine, args),
        Command::Save(args) => archive::save(engine, args),
        Command::Load(args) => archive::load(engine, args),
        Command::Import(args) => import::exec(engine, args),
        Command::Manifest(cmd) => manifest::exec(engine, cmd),
        Command::Push(args) => push::exec(engine, args),
        Command::Search(args) => search::exec(engine, args),
        Command::Build(args) => build::exec(engine, *args),
        Command::Builder(cmd) => builder::exec(engine, cmd),
        Command::Commit(args) => commit::exec(engine, args),
        Command::Images(args) => images::list(engine, args),
        Command::Image(cmd) => images::exec(engine, cmd),
        Command::Rmi(args) => rmi::exec(engine, args),
        Command::Tag(args) => images::tag(engine, args),
        Command::Untag(args) => untag::untag(engine, args),
        Command::History(args) => images::history(engine, args),
        Command::Info(args) => info::info(engine, args),
        Command::Version(args) => info::version(engine, args),
        Command::Network(cmd) => network::exec(engine, cmd),
        Command::Pod(cmd) => pod::exec(engine, cmd),
        Command::System(cmd) => system::exec(engine, cmd),
        Command::Volume(cmd) => volume::exec(engine, cmd),
        Command::Secret(cmd) => secret::exec(engine, cmd),
        Command::Healthcheck(cmd) => healthcheck::exec(engine, cmd),
        Command::Kube(cmd) => kube::exec(engine, cmd),
        Command::Generate(cmd) => kube::exec_generate(engine, cmd),
        Command::Play(cmd) => kube::exec_play(engine, cmd),
        Command::Unshare(args) => unshare::exec(engine, args),
        Command::Diff(args) => diff::exec(engine, args, Target::Any),
        Command::ContainerDiff(args) => diff::exec(engine, args, Target::Container),
        Command::Mount(args) => mount::mount(engine, args),
        Command::Umount(args) => mount::unmount(engine, args),
        Command::Completion(_) => unreachable!("answered before an engine is made"),
    }
}

/// Where `--remote` goes without `--url`: the socket `system service` listens on
/// by default.
fn default_url(opts: &ContextOptions) -> anyhow::Result<String> {
    let runroot = Context::new(opts)?.runroot;
    Ok(format!("unix://{}", runroot.join("coracle.sock").display()))
}

fn report(e: &anyhow::Error) -> i32 {
    if let Some(Exit(code)) = e.downcast_ref::<Exit>() {
        return *code;
    }
    // A container's command that could not run exits as Docker's do (126, 127),
    // a failed build step with its code; every other failure is the engine's.
    let command_code = e
        .chain()
        .filter_map(|c| c.downcast_ref::<crate::engine::Error>())
        .find_map(|e| e.command_code());
    // `coracle images | head -1` closing the pipe is not a failure.
    let broken_pipe = e
        .chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe);
    if broken_pipe {
        return 0;
    }
    eprintln!("Error: {e:#}");
    command_code.unwrap_or(ENGINE_ERROR)
}

fn init_logging(level: &str) {
    use std::io::Write;
    env_logger::Builder::new()
        .parse_filters(&format!("coracle={level},warn"))
        .format(|buf, record| {
            let level = record.level().to_string().to_lowercase();
            writeln!(buf, "{level}: {}", record.args())
        })
        .init();
}

/// `KEY=VALUE` flags (`--label`) as pairs; a bare `KEY` has an empty value.
fn key_values(items: &[String]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|l| match l.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (l.clone(), String::new()),
        })
        .collect()
}

/// Asks on stderr, reads a line from stdin; anything but y/yes is no.
fn confirm(prompt: &str) -> std::io::Result<bool> {
    eprint!("{prompt}");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
