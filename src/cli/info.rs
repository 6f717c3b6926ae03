//! `info` and `version`

use crate::engine::interface::Engine;

#[derive(clap::Args)]
pub struct InfoArgs {
    /// Format output: json or a Go template
    #[arg(short, long)]
    format: Option<String>,
}

#[derive(clap::Args)]
pub struct VersionArgs {
    /// Format output: json or a Go template
    #[arg(short, long)]
    format: Option<String>,
}

pub fn info(engine: &dyn Engine, args: InfoArgs) -> anyhow::Result<()> {
    let info = serde_json::to_value(engine.info()?)?;
    match args.format.as_deref() {
        Some("json") => {
            println!("{}", serde_json::to_string_pretty(&info)?);
            return Ok(());
        }
        Some(template) => return super::format::print_inspect(Some(template), &[info]),
        None => {}
    }
    let get = |p: &str| {
        info.pointer(p)
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string())
            })
            .unwrap_or_default()
    };
    println!("host:");
    for (label, path) in [
        ("arch", "/host/arch"),
        ("kernel", "/host/kernel"),
        ("hostname", "/host/hostname"),
        ("rootless", "/host/rootless"),
        ("cgroupVersion", "/host/cgroupVersion"),
    ] {
        println!("  {label}: {}", get(path));
    }
    println!("  ociRuntime:");
    println!("    name: {}", get("/host/ociRuntime/name"));
    println!("    version: {}", get("/host/ociRuntime/version"));
    for helper in ["pasta", "slirp4netns"] {
        if info
            .pointer(&format!("/host/{helper}"))
            .is_some_and(|h| !h.is_null())
        {
            println!("  {helper}:");
            println!(
                "    executable: {}",
                get(&format!("/host/{helper}/executable"))
            );
            println!("    version: {}", get(&format!("/host/{helper}/version")));
        }
    }
    println!("store:");
    for (label, path) in [
        ("graphRoot", "/store/graphRoot"),
        ("runRoot", "/store/runRoot"),
        ("graphDriverName", "/store/graphDriverName"),
        ("images", "/store/imageStore/number"),
    ] {
        println!("  {label}: {}", get(path));
    }
    println!("version:");
    for (label, path) in [
        ("GitCommit", "/version/GitCommit"),
        ("LibcontainerVersion", "/version/LibcontainerVersion"),
        ("OsArch", "/version/OsArch"),
        ("RustVersion", "/version/RustVersion"),
        ("Version", "/version/Version"),
    ] {
        println!("  {label}: {}", get(path));
    }
    Ok(())
}

pub fn version(engine: &dyn Engine, args: VersionArgs) -> anyhow::Result<()> {
    let version = engine.version()?;
    // Podman's document: `{{.Client.Version}}` is how its users template it.
    let document = serde_json::json!({ "Client": {
        "APIVersion": version.version,
        "Version": version.version,
        "OsArch": version.os_arch,
        "Os": "linux",
        "GitCommit": version.git_commit,
        "RustVersion": version.rust_version,
        "Runtime": version.runtime,
    }});
    match args.format {
        // Podman prints the version document on one line.
        Some(format) if format == "json" => println!("{document}"),
        Some(format) => super::format::print_inspect(Some(&format), &[document])?,
        // Podman's lines, with Rust's version where it gives Go's.
        None => println!(
            "Version:      {}\nAPI Version:  {}\nRust Version: {}\nGit Commit:   {}\nRuntime:      {}\nOS/Arch:      {}",
            version.version,
            version.version,
            version.rust_version,
            version.git_commit,
            version.runtime,
            version.os_arch
        ),
    }
    Ok(())
}
