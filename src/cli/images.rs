//! `images`, `image ls|inspect|rm|prune|history|tag|pull|exists|untag|...`, `tag`, `history`.

use super::format::{custom, human_size, print_rows, since, timestamp, Json, Listing};
use crate::engine::images::{list, remove};
use crate::engine::interface::Engine;
use serde_json::{json, Map, Value};

#[derive(clap::Subcommand)]
#[command(defer = true)]
pub enum ImageCommand {
    /// List images
    #[command(visible_alias = "list")]
    Ls(ListArgs),
    /// Display detailed information on one or more images
    Inspect(InspectArgs),
    /// Remove one or more images
    #[command(alias = "remove")]
    Rm(super::rmi::Args),
    /// Remove unused images
    Prune(PruneArgs),
    /// Show the history of an image
    History(HistoryArgs),
    /// Give an image another name
    Tag(TagArgs),
    /// Pull an image from a registry
    Pull(super::pull::Args),
    /// Show what an image's top layer changed in its file system
    Diff(super::diff::ImageArgs),
    /// Exit 0 if the image is in the store, 1 if not
    Exists(super::untag::ExistsArgs),
    /// Remove names from an image (all of them when none is given)
    Untag(super::untag::UntagArgs),
    /// Push an image to a registry
    Push(super::push::Args),
    /// Save images to an archive
    Save(super::archive::SaveArgs),
    /// Load images from an archive
    Load(super::archive::LoadArgs),
    /// Make an image of a root file system tarball
    Import(super::import::Args),
    /// Build an image from a Dockerfile
    Build(Box<super::build::Args>),
    /// Print the layers of an image as a tree
    Tree(super::tree::Args),
    /// Search registry for image
    Search(super::search::Args),
    /// Mount an image's root filesystem, or list the mounted ones
    Mount(super::image_mount::MountArgs),
    /// Unmount an image's root filesystem
    #[command(visible_alias = "umount")]
    Unmount(super::image_mount::UnmountArgs),
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// Show all images (the default hides intermediate images)
    #[arg(short, long)]
    all: bool,
    /// Show only image IDs
    #[arg(short, long)]
    quiet: bool,
    /// Show digests
    #[arg(long)]
    digests: bool,
    /// Don't truncate output
    #[arg(long)]
    no_trunc: bool,
    /// Filter output (dangling=true|false, reference=PATTERN, label=KEY[=VALUE])
    #[arg(short, long = "filter", value_name = "FILTER")]
    filters: Vec<String>,
    /// Format output: json, or a Go template such as '{{.Repository}}:{{.Tag}}'
    #[arg(long)]
    format: Option<String>,
    /// Do not print the header line
    #[arg(short, long)]
    noheading: bool,
    /// Sort by created, id, repository, size or tag
    #[arg(long, value_enum, default_value_t = Sort::Created)]
    sort: Sort,
    /// Display the image name history
    #[arg(long)]
    history: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Sort {
    Created,
    Id,
    Repository,
    Size,
    Tag,
}

const HEADERS: &[(&str, &str)] = &[("ID", "IMAGE ID"), ("ReadOnly", "R/O")];

#[derive(clap::Args)]
pub struct InspectArgs {
    /// Format output: json (default) or a Go template
    #[arg(short, long, overrides_with = "format")]
    format: Option<String>,
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<String>,
}

#[derive(clap::Args)]
pub struct PruneArgs {
    /// Remove all images not used by containers, not just dangling ones
    #[arg(short, long)]
    all: bool,
    /// Do not ask for confirmation
    #[arg(short, long)]
    force: bool,
    /// Prune only images these let through: until=TIME, label=KEY[=VALUE],
    /// label!=KEY[=VALUE], dangling=true|false
    #[arg(long = "filter", value_name = "FILTER")]
    filters: Vec<String>,
}

#[derive(clap::Args)]
pub struct HistoryArgs {
    /// Show only image IDs
    #[arg(short, long)]
    quiet: bool,
    /// Don't truncate output
    #[arg(long)]
    no_trunc: bool,
    /// Print sizes and dates in a human readable format
    #[arg(short = 'H', long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    human: bool,
    /// Format output: json or a Go template
    #[arg(long)]
    format: Option<String>,
    image: String,
}

#[derive(clap::Args)]
pub struct TagArgs {
    source: String,
    #[arg(required = true)]
    targets: Vec<String>,
}

pub fn exec(engine: &dyn Engine, cmd: ImageCommand) -> anyhow::Result<()> {
    match cmd {
        ImageCommand::Ls(args) => list(engine, args),
        ImageCommand::Inspect(args) => inspect_images(engine, args),
        ImageCommand::Rm(args) => super::rmi::exec(engine, args),
        ImageCommand::Prune(args) => prune(engine, args),
        ImageCommand::History(args) => history(engine, args),
        ImageCommand::Tag(args) => tag(engine, args),
        ImageCommand::Pull(args) => super::pull::exec(engine, args),
        ImageCommand::Diff(args) => super::diff::image(engine, args),
        ImageCommand::Exists(args) => super::untag::exists(engine, args),
        ImageCommand::Untag(args) => super::untag::untag(engine, args),
        ImageCommand::Push(args) => super::push::exec(engine, args),
        ImageCommand::Save(args) => super::archive::save(engine, args),
        ImageCommand::Load(args) => super::archive::load(engine, args),
        ImageCommand::Import(args) => super::import::exec(engine, args),
        ImageCommand::Build(args) => super::build::exec(engine, *args),
        ImageCommand::Tree(args) => super::tree::exec(engine, args),
        ImageCommand::Search(args) => super::search::exec(engine, args),
        ImageCommand::Mount(args) => super::image_mount::mount(engine, args),
        ImageCommand::Unmount(args) => super::image_mount::unmount(engine, args),
    }
}

pub fn list(engine: &dyn Engine, args: ListArgs) -> anyhow::Result<()> {
    let mut rows = engine.list_images(&list::ListOptions {
        filters: args.filters,
        all: args.all,
        manifest_lists: true,
    })?;
    sort(&mut rows, args.sort);
    let id = |hex: &str| {
        if args.no_trunc {
            format!("sha256:{hex}")
        } else {
            hex[..12].to_owned()
        }
    };
    if args.quiet {
        let mut seen = std::collections::HashSet::new();
        let ids: Vec<String> = rows
            .iter()
            .map(|r| id(&r.id))
            .filter(|i| seen.insert(i.clone()))
            .collect();
        return print_lines(&ids);
    }
    let json = args.format.as_deref() == Some("json");
    let objects: Vec<Map<String, Value>> = rows
        .iter()
        .map(|r| {
            let mut object = json!({
                "ID": id(&r.id),
                "Repository": r.repository,
                "Tag": r.tag,
                "Digest": r.digest.clone().unwrap_or_else(|| "<none>".into()),
                "Created": since(r.created.as_deref()),
                "CreatedAt": timestamp(r.created.as_deref()),
                "CreatedSince": since(r.created.as_deref()),
                "Size": human_size(r.size),
                "VirtualSize": human_size(r.size),
                "Containers": "N/A",
                "SharedSize": "N/A",
                "UniqueSize": "N/A",
            });
            if let Some(history) = names_history(&r.history, json) {
                object["History"] = history;
            }
            object.as_object().cloned().unwrap_or_default()
        })
        .collect();
    // Podman's default columns; --digests adds one after the tag, --history one at
    // the end.
    let default = match (args.digests, args.history) {
        (true, false) => {
            "table {{.Repository}}\\t{{.Tag}}\\t{{.Digest}}\\t{{.ID}}\\t{{.Created}}\\t{{.Size}}"
        }
        (true, true) => {
            "table {{.Repository}}\\t{{.Tag}}\\t{{.Digest}}\\t{{.ID}}\\t{{.Created}}\\t{{.Size}}\\t{{.History}}"
        }
        (false, false) => "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.Created}}\\t{{.Size}}",
        (false, true) => {
            "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.Created}}\\t{{.Size}}\\t{{.History}}"
        }
    };
    let listing = Listing {
        json: Json::Array4,
        noheading: args.noheading,
        headers: HEADERS,
    };
    print_rows(
        custom(args.format.as_deref()).unwrap_or(default),
        &objects,
        listing,
    )
}

/// Podman's JSON lists the names an image has had (none: no key); its templates
/// see them joined.
fn names_history(names: &[String], json: bool) -> Option<Value> {
    match (json, names.is_empty()) {
        (true, true) => None,
        (true, false) => Some(json!(names)),
        (false, _) => Some(json!(names.join(", "))),
    }
}

/// Podman's orders: newest first by creation, otherwise ascending.
fn sort(rows: &mut [list::ImageRow], by: Sort) {
    match by {
        Sort::Created => rows.sort_by(|a, b| b.created.cmp(&a.created)),
        Sort::Id => rows.sort_by(|a, b| a.id.cmp(&b.id)),
        Sort::Repository => rows.sort_by(|a, b| a.repository.cmp(&b.repository)),
        Sort::Size => rows.sort_by_key(|r| r.size),
        Sort::Tag => rows.sort_by(|a, b| a.tag.cmp(&b.tag)),
    }
}

fn inspect_images(engine: &dyn Engine, args: InspectArgs) -> anyhow::Result<()> {
    super::inspect::print_each(args.format.as_deref(), &args.images, "object", |name| {
        super::inspect::one(
            engine.inspect_image(name),
            super::inspect::Kind::Image,
            name,
        )
    })
}

fn prune(engine: &dyn Engine, args: PruneArgs) -> anyhow::Result<()> {
    // A bad filter fails before the question, not after it.
    crate::engine::images::prune_filter::PruneFilters::parse(&args.filters)?;
    let what = if args.all {
        "all images without at least one container"
    } else {
        "all dangling images"
    };
    if !args.force
        && !super::confirm(&format!(
            "WARNING! This will remove {what}.\nAre you sure you want to continue? [y/N] "
        ))?
    {
        return Ok(());
    }
    print_pruned(&engine.prune_images(args.all, &args.filters)?)
}

/// What `image prune` and `builder prune` print.
pub fn print_pruned(pruned: &remove::Pruned) -> anyhow::Result<()> {
    if !pruned.removed.is_empty() {
        println!("Deleted Images:");
        super::rmi::print_removed(&pruned.removed)?;
        println!();
    }
    println!("Total reclaimed space: {}", human_size(pruned.reclaimed));
    Ok(())
}

pub fn history(engine: &dyn Engine, args: HistoryArgs) -> anyhow::Result<()> {
    let entries = engine.history(&args.image)?;
    let id = |i: &str| {
        if i.starts_with('<') || args.no_trunc {
            i.to_owned()
        } else {
            i[..12].to_owned()
        }
    };
    if args.quiet {
        return print_lines(&entries.iter().map(|e| id(&e.id)).collect::<Vec<_>>());
    }
    let size = |s: u64| {
        if args.human {
            human_size(s)
        } else {
            s.to_string()
        }
    };
    let created = |c: Option<&str>| {
        if args.human {
            since(c)
        } else {
            c.unwrap_or_default().to_owned()
        }
    };
    let rows: Vec<Map<String, Value>> = entries
        .iter()
        .map(|e| {
            json!({"ID": id(&e.id), "Created": created(e.created.as_deref()),
                   "CreatedSince": created(e.created.as_deref()), "CreatedAt": e.created,
                   "CreatedBy": created_by(&e.created_by, args.no_trunc), "Size": size(e.size),
                   "Comment": e.comment})
            .as_object()
            .cloned()
            .unwrap_or_default()
        })
        .collect();
    let default = "table {{.ID}}\\t{{.Created}}\\t{{.CreatedBy}}\\t{{.Size}}\\t{{.Comment}}";
    let listing = Listing {
        json: Json::OneLine,
        ..Listing::default()
    };
    print_rows(
        custom(args.format.as_deref()).unwrap_or(default),
        &rows,
        listing,
    )
}

/// Podman cuts a step's command at 45 characters, ending in "...".
fn created_by(text: &str, no_trunc: bool) -> String {
    if no_trunc || text.chars().count() <= 45 {
        return text.to_owned();
    }
    format!("{}...", text.chars().take(42).collect::<String>())
}

pub fn tag(engine: &dyn Engine, args: TagArgs) -> anyhow::Result<()> {
    Ok(engine.tag(&args.source, &args.targets)?)
}

fn print_lines(lines: &[String]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for line in lines {
        writeln!(out, "{line}")?;
    }
    Ok(())
}
