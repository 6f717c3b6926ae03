//! The test images: busybox, multilayer, multi-platform, big, and hostile ones.
//! All are built from `/bin/busybox` (Debian's busybox-static) and are
//! deterministic: the same code gives the same digests on every machine that
//! has the same busybox binary.

use crate::image::{Compression, Format, Image, ImageBuilder, Index, Platform};
use crate::layer::{Layer, LayerBuilder};
use std::collections::BTreeSet;
use std::process::Command;
use std::sync::OnceLock;

/// Where the busybox binary comes from.
pub const BUSYBOX: &str = "/bin/busybox";

/// A namespace for the catalog's constructors.
pub struct Catalog;

const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\n\
nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n\
tester:x:1000:1000:tester:/home/tester:/bin/sh\n";
const GROUP: &str = "root:x:0:\nnobody:x:65534:\ntester:x:1000:\n";

impl Catalog {
    /// The busybox root filesystem layer: the binary, a symlink per applet,
    /// /etc/passwd and /etc/group, /tmp (1777) and /root.
    pub fn busybox_layer() -> &'static Layer {
        static LAYER: OnceLock<Layer> = OnceLock::new();
        LAYER.get_or_init(build_busybox_layer)
    }

    /// One-layer busybox image (`Cmd ["sh"]`, label `org.coracle.test=busybox`).
    /// Docker format takes only `Gzip` or `None`.
    pub fn busybox(format: Format, compression: Compression) -> Image {
        ImageBuilder::new(format, compression)
            .label("org.coracle.test", "busybox")
            .layer(
                Self::busybox_layer().clone(),
                "/bin/sh -c #(nop) ADD file:busybox-static in / ",
            )
            .build()
    }

    /// Four layers: busybox; data files (owned, setuid); replacements, a whiteout
    /// and an opaque directory; a file with the xattr `user.coracle=yes`.
    pub fn multilayer(format: Format, compression: Compression) -> Image {
        ImageBuilder::new(format, compression)
            .label("org.coracle.test", "multilayer")
            .layer(
                Self::busybox_layer().clone(),
                "/bin/sh -c #(nop) ADD file:busybox-static in / ",
            )
            .layer(
                Self::multilayer_layers()[0].clone(),
                "/bin/sh -c mkdir /data && ...",
            )
            .layer(
                Self::multilayer_layers()[1].clone(),
                "/bin/sh -c echo a2 > /data/a && rm -rf /data/b /data/dir && ...",
            )
            .layer(
                Self::multilayer_layers()[2].clone(),
                "/bin/sh -c setfattr -n user.coracle -v yes /data/xattr",
            )
            .build()
    }

    /// Layers 2-4 of [`Catalog::multilayer`].
    pub fn multilayer_layers() -> &'static [Layer; 3] {
        static LAYERS: OnceLock<[Layer; 3]> = OnceLock::new();
        LAYERS.get_or_init(|| {
            let mut l2 = LayerBuilder::new();
            l2.dir("data", 0o755)
                .file("data/a", 0o644, b"a1")
                .file("data/b", 0o644, b"b1")
                .dir("data/dir", 0o755)
                .file("data/dir/x", 0o644, b"x1")
                .file("data/dir/y", 0o644, b"y1")
                .file_owned("data/owned", 0o640, 1000, 1000, b"owned by tester")
                .file("data/setuid", 0o4755, b"#!/bin/sh\necho setuid\n");
            let mut l3 = LayerBuilder::new();
            l3.dir("data", 0o755)
                .file("data/a", 0o644, b"a2")
                .whiteout("data", "b")
                .dir("data/dir", 0o755)
                .opaque("data/dir")
                .file("data/dir/z", 0o644, b"z3");
            let mut l4 = LayerBuilder::new();
            l4.dir("data", 0o755).file_with_xattrs(
                "data/xattr",
                0o644,
                b"has an xattr\n",
                &[("user.coracle", b"yes")],
            );
            [l2.finish(), l3.finish(), l4.finish()]
        })
    }

    /// The image for one platform of the multi-platform index: busybox plus a
    /// marker layer with `etc/coracle-arch` holding the architecture name.
    pub fn platform_image(format: Format, platform: Platform) -> Image {
        let mut marker = LayerBuilder::new();
        marker.dir("etc", 0o755).file(
            "etc/coracle-arch",
            0o644,
            format!("{}\n", platform.architecture).as_bytes(),
        );
        ImageBuilder::new(format, Compression::Gzip)
            .platform(platform)
            .label("org.coracle.test", "multiplatform")
            .layer(
                Self::busybox_layer().clone(),
                "/bin/sh -c #(nop) ADD file:busybox-static in / ",
            )
            .layer(marker.finish(), "/bin/sh -c echo $ARCH > /etc/coracle-arch")
            .build()
    }

    /// An OCI index (`Format::Oci`) or Docker manifest list (`Format::Docker`)
    /// with linux/amd64 and linux/arm64/v8.
    pub fn multiplatform(format: Format) -> Index {
        Index::new(
            format,
            vec![
                Self::platform_image(format, Platform::linux_amd64()),
                Self::platform_image(format, Platform::linux_arm64_v8()),
            ],
        )
    }

    /// An image with one uncompressed layer of `mib` MiB of incompressible bytes
    /// (split over `layers` layers), for interrupted and concurrent pulls.
    pub fn big(mib: usize, layers: usize, compression: Compression) -> Image {
        let mut b = ImageBuilder::new(Format::Oci, compression).label("org.coracle.test", "big");
        let per_layer = mib * 1024 * 1024 / layers.max(1);
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15 ^ mib as u64);
        for i in 0..layers.max(1) {
            let mut data = vec![0u8; per_layer];
            rng.fill(&mut data);
            let mut l = LayerBuilder::new();
            l.dir("big", 0o755)
                .file(&format!("big/blob{i}"), 0o644, &data);
            b = b.layer(
                l.finish(),
                &format!("/bin/sh -c head -c {per_layer} /dev/urandom > /big/blob{i}"),
            );
        }
        b.build()
    }

    /// Hostile: a layer with `../escape` and a deep `../../..(x12)/tmp/coracle-escape-dotdot`.
    pub fn hostile_dotdot() -> Image {
        let mut l = LayerBuilder::new();
        l.dir("ok", 0o755)
            .file("ok/file", 0o644, b"fine")
            .file("../escape", 0o644, b"escaped")
            .file(
                &format!("{}tmp/coracle-escape-dotdot", "../".repeat(12)),
                0o644,
                b"escaped",
            );
        hostile(l.finish(), "dotdot")
    }

    /// Hostile: `evil -> ../../../../../tmp`, then the file `evil/pwned`.
    pub fn hostile_symlink() -> Image {
        let mut l = LayerBuilder::new();
        l.symlink("evil", "../../../../../tmp")
            .file("evil/pwned", 0o644, b"pwned");
        hostile(l.finish(), "symlink")
    }

    /// Hostile: `abs -> /tmp`, then the file `abs/coracle-pwned-abs`.
    pub fn hostile_abs_symlink() -> Image {
        let mut l = LayerBuilder::new();
        l.symlink("abs", "/tmp")
            .file("abs/coracle-pwned-abs", 0o644, b"pwned");
        hostile(l.finish(), "abs-symlink")
    }

    /// Hostile: a hardlink `link` whose target is `../../etc/passwd`.
    pub fn hostile_hardlink() -> Image {
        let mut l = LayerBuilder::new();
        l.dir("etc", 0o755).hardlink("link", "../../etc/passwd");
        hostile(l.finish(), "hardlink")
    }

    /// A valid image with one uncompressed layer whose content is unique to it.
    /// Push it, then call `Registry::tamper_blob(&image.layers[0].digest)` so the
    /// registry serves bytes that do not match the manifest's digest.
    pub fn tamperable() -> Image {
        let mut l = LayerBuilder::new();
        l.file(
            "payload",
            0o644,
            b"TAMPER-ME: this layer's bytes get flipped in the registry\n",
        );
        ImageBuilder::new(Format::Oci, Compression::None)
            .label("org.coracle.test", "tampered")
            .layer(l.finish(), "/bin/sh -c echo payload > /payload")
            .build()
    }

    /// A valid layer blob whose uncompressed content does not match the config's diff_id.
    pub fn diffid_mismatch() -> Image {
        let mut l = LayerBuilder::new();
        l.file(
            "diffid",
            0o644,
            b"this layer's diff_id is wrong in the config\n",
        );
        ImageBuilder::new(Format::Oci, Compression::Gzip)
            .label("org.coracle.test", "diffid-mismatch")
            .layer(l.finish(), "/bin/sh -c echo > /diffid")
            .wrong_diff_id(0)
            .build()
    }
}

fn hostile(layer: Layer, what: &str) -> Image {
    ImageBuilder::new(Format::Oci, Compression::Gzip)
        .label("org.coracle.test", &format!("hostile-{what}"))
        .layer(layer, &format!("hostile {what}"))
        .build()
}

fn build_busybox_layer() -> Layer {
    let binary = std::fs::read(BUSYBOX).unwrap_or_else(|e| {
        panic!(
            "cannot read {BUSYBOX} ({e}): install busybox-static (apt-get install busybox-static)"
        )
    });
    let out = Command::new(BUSYBOX)
        .arg("--list-full")
        .output()
        .expect("run busybox --list-full");
    let applets: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().trim_start_matches('/').to_string())
        .filter(|l| !l.is_empty() && l != "bin/busybox")
        .collect();
    let mut dirs: BTreeSet<String> = [
        "bin", "etc", "root", "tmp", "usr", "usr/bin", "usr/sbin", "sbin",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for a in &applets {
        let mut p = std::path::Path::new(a).parent();
        while let Some(d) = p.filter(|d| !d.as_os_str().is_empty()) {
            dirs.insert(d.to_string_lossy().into_owned());
            p = d.parent();
        }
    }
    let mut l = LayerBuilder::new();
    for d in &dirs {
        let mode = match d.as_str() {
            "tmp" => 0o1777,
            "root" => 0o700,
            _ => 0o755,
        };
        l.dir(d, mode);
    }
    l.file("bin/busybox", 0o755, &binary)
        .file("etc/passwd", 0o644, PASSWD.as_bytes())
        .file("etc/group", 0o644, GROUP.as_bytes());
    for a in &applets {
        l.symlink(a, "/bin/busybox");
    }
    l.finish()
}

/// A tiny deterministic generator: incompressible bytes without a rand dependency.
struct XorShift(u64);

impl XorShift {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            let bytes = self.0.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busybox_layer_has_applets_and_users() {
        let layer = Catalog::busybox_layer();
        let mut ar = tar::Archive::new(&layer.tar[..]);
        let mut names = Vec::new();
        for e in ar.entries().unwrap() {
            let e = e.unwrap();
            names.push(String::from_utf8(e.path_bytes().into_owned()).unwrap());
        }
        for want in [
            "bin/busybox",
            "bin/sh",
            "usr/bin/env",
            "etc/passwd",
            "etc/group",
            "tmp/",
            "root/",
        ] {
            assert!(
                names.iter().any(|n| n == want),
                "{want} missing from busybox layer"
            );
        }
    }

    #[test]
    fn formats_share_config_and_diff_ids() {
        let d = Catalog::busybox(Format::Docker, Compression::Gzip);
        let o = Catalog::busybox(Format::Oci, Compression::Zstd);
        assert_eq!(d.diff_ids, o.diff_ids);
        assert_eq!(d.id(), o.id());
        assert_ne!(d.manifest_digest, o.manifest_digest);
        assert_ne!(d.layers[0].digest, o.layers[0].digest);
        let cfg = d.config_json();
        assert_eq!(cfg["config"]["Cmd"][0], "sh");
        assert_eq!(cfg["config"]["Labels"]["org.coracle.test"], "busybox");
    }

    #[test]
    fn multiplatform_children_differ() {
        let idx = Catalog::multiplatform(Format::Oci);
        let amd = idx.image(&Platform::linux_amd64());
        let arm = idx.image(&Platform::linux_arm64_v8());
        assert_ne!(amd.id(), arm.id());
        assert_eq!(amd.layers[0].digest, arm.layers[0].digest);
        assert_eq!(arm.config_json()["variant"], "v8");
    }

    #[test]
    fn diffid_mismatch_is_wrong() {
        let i = Catalog::diffid_mismatch();
        let tar = flate2::read::GzDecoder::new(&i.layers[0].data[..]);
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut { tar }, &mut data).unwrap();
        assert_ne!(crate::sha256_digest(&data), i.diff_ids[0]);
    }
}
