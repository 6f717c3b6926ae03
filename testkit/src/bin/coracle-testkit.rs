//! `coracle-testkit demo-registry [--all]`: start an anonymous registry on
//! 127.0.0.1, push `busybox:latest` (and with --all every catalog image), print
//! `127.0.0.1:PORT` on stdout, and run until SIGTERM or SIGINT.

use anyhow::{bail, Result};
use coracle_testkit::{Auth, Catalog, Compression, Format, Pushable, Registry};
use std::io::Write;

const USAGE: &str = "usage: coracle-testkit demo-registry [--all]\n\
  Starts a throwaway registry on 127.0.0.1 with busybox:latest (built from /bin/busybox),\n\
  prints its address and runs until interrupted. --all also pushes busybox:{v2s2,oci-gzip,\n\
  oci-zstd,oci-tar}, multilayer:latest and multi:{oci,docker} (amd64 + arm64).";

fn main() {
    if let Err(e) = run() {
        eprintln!("coracle-testkit: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let all = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["demo-registry"] => false,
        ["demo-registry", "--all"] => true,
        ["-h"] | ["--help"] | ["help"] => {
            println!("{USAGE}");
            return Ok(());
        }
        _ => bail!("{USAGE}"),
    };
    // Block the signals before any thread exists so every thread inherits the
    // mask and sigwait below is the only place they are delivered.
    let set = signal_set();
    // SAFETY: plain libc calls on a sigset we own.
    unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };

    let registry = Registry::start(Auth::None)?;
    let mut images: Vec<(&str, Box<dyn Pushable>)> = vec![(
        "busybox:latest",
        Box::new(Catalog::busybox(Format::Docker, Compression::Gzip)),
    )];
    if all {
        images.push((
            "busybox:v2s2",
            Box::new(Catalog::busybox(Format::Docker, Compression::Gzip)),
        ));
        images.push((
            "busybox:oci-gzip",
            Box::new(Catalog::busybox(Format::Oci, Compression::Gzip)),
        ));
        images.push((
            "busybox:oci-zstd",
            Box::new(Catalog::busybox(Format::Oci, Compression::Zstd)),
        ));
        images.push((
            "busybox:oci-tar",
            Box::new(Catalog::busybox(Format::Oci, Compression::None)),
        ));
        images.push((
            "multilayer:latest",
            Box::new(Catalog::multilayer(Format::Oci, Compression::Gzip)),
        ));
        images.push(("multi:oci", Box::new(Catalog::multiplatform(Format::Oci))));
        images.push((
            "multi:docker",
            Box::new(Catalog::multiplatform(Format::Docker)),
        ));
    }
    for (name, image) in &images {
        registry.push(name, image.as_ref())?;
        eprintln!("pushed {}", registry.image(name));
    }
    println!("{}", registry.addr());
    std::io::stdout().flush()?;

    let mut sig = 0;
    // SAFETY: waits for one of the blocked signals.
    unsafe { libc::sigwait(&set, &mut sig) };
    eprintln!("signal {sig}: stopping the registry");
    drop(registry);
    Ok(())
}

fn signal_set() -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the set before use.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGHUP);
        set
    }
}
