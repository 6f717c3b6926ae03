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
    println!("store:");
    for (label, path) in [
        ("graphRoot", "/store/graphRoot"),
        ("runRoot", "/store/runRoot"),
        ("graphDriverName", "/store/graphDriverName"),
        ("images", "/store/imageStore/number"),
    ] {
        println!("  {label}: {}", get(path));
    }
    println!("version:\n  Version: {}", get("/version/Version"));
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
    }});
    match args.format {
        // Podman prints the version document on one line.
        Some(format) if format == "json" => println!("{document}"),
        Some(format) => super::format::print_inspect(Some(&format), &[document])?,
        None => println!(
            "Version:      {}\nOS/Arch:      {}",
            version.version, version.os_arch
        ),
    }
    Ok(())
}
