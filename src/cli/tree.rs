//! `image tree`: Podman's drawing of an image's layers.

use super::format::human_size_4;
use super::unsupported::refused;
use crate::engine::images::tree::ImageTree;
use crate::engine::interface::Engine;
use clap::builder::BoolValueParser;

#[derive(clap::Args)]
pub struct Args {
    /// Show all child images and layers of the image (unsupported: coracle does
    /// not track which images were built on which)
    #[arg(long, value_parser = refused(BoolValueParser::new()))]
    whatrequires: bool,
    image: String,
}

pub fn exec(engine: &dyn Engine, args: Args) -> anyhow::Result<()> {
    print!("{}", render(&engine.image_tree(&args.image)?));
    Ok(())
}

fn render(tree: &ImageTree) -> String {
    let mut out = format!(
        "Image ID: {}\nTags:     [{}]\nSize:     {}\nImage Layers\n",
        &tree.id[..12.min(tree.id.len())],
        tree.tags.join(" "),
        human_size_4(tree.size)
    );
    for (i, layer) in tree.layers.iter().enumerate() {
        let branch = if i + 1 == tree.layers.len() {
            "└──"
        } else {
            "├──"
        };
        let id = &layer.id[..12.min(layer.id.len())];
        out += &format!("{branch} ID: {id} Size: {}", human_size_4(layer.size));
        if !layer.top_of.is_empty() {
            out += &format!(" Top Layer of: [{}]", layer.top_of.join(" "));
        }
        out.push('\n');
    }
    out
}
