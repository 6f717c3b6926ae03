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

/// Podman's templates see its Go structs, whose field names are not the
/// JSON's: `{{.Store.GraphRoot}}` is `store.graphRoot` in `--format json`.
fn go_names(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| (go_name(&key), go_names(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(go_names).collect()),
        other => other,
    }
}

fn go_name(key: &str) -> String {
    let known = [
        ("cgroupVersion", "CgroupsVersion"),
        ("idMappings", "IDMappings"),
        ("uidmap", "UIDMap"),
        ("gidmap", "GIDMap"),
        ("container_id", "ContainerID"),
        ("host_id", "HostID"),
        ("ociRuntime", "OCIRuntime"),
    ];
    if let Some((_, go)) = known.iter().find(|(json, _)| *json == key) {
        return (*go).to_owned();
    }
    let mut chars = key.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

pub fn info(engine: &dyn Engine, args: InfoArgs) -> anyhow::Result<()> {
    let info = serde_json::to_value(engine.info()?)?;
    match args.format.as_deref() {
        Some("json") => {
            println!("{}", serde_json::to_string_pretty(&info)?);
            return Ok(());
        }
        Some(template) => return super::format::print_inspect(Some(template), &[go_names(info)]),
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
