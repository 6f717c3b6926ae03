//! Platforms (`linux/arm64/v8`) and picking one image out of a manifest list.
//!
//! Names follow Go's GOOS/GOARCH as image indexes use them, normalised the way
//! containerd does so that `aarch64`, `arm64` and `arm64/v8` all mean the same.

use std::fmt;

use crate::engine::error::{ErrorKind, Kinded};

use oci_spec::image::{Descriptor, ImageIndex};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    #[error("invalid platform \"{0}\": want os/arch[/variant], e.g. linux/arm64")]
    Invalid(String),
    #[error("no image for platform {want} in the manifest list; available platforms: {}", available_list(.available))]
    NoMatch {
        want: Platform,
        available: Vec<Platform>,
    },
}

fn available_list(available: &[Platform]) -> String {
    if available.is_empty() {
        return "none".to_string();
    }
    available
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Platform {
    /// Normalises the parts: `x86_64` -> amd64, `aarch64` and a bare `arm64` -> arm64/v8,
    /// `armhf` -> arm/v7, a bare variant digit gets its `v`.
    pub fn new(os: &str, architecture: &str, variant: Option<&str>) -> Platform {
        let os = os.to_ascii_lowercase();
        let arch = architecture.to_ascii_lowercase();
        let variant = variant
            .map(str::to_ascii_lowercase)
            .filter(|v| !v.is_empty());
        let (architecture, variant) = normalize_arch(&arch, variant);
        Platform {
            os: if os == "macos" { "darwin".into() } else { os },
            architecture,
            variant,
        }
    }

    /// `os/arch[/variant]`, or just an architecture (`arm64`) meaning linux.
    pub fn parse(s: &str) -> Result<Platform, PlatformError> {
        let parts: Vec<&str> = s.split('/').collect();
        let word_ok = |p: &&str| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        };
        if parts.len() > 3 || !parts.iter().all(word_ok) {
            return Err(PlatformError::Invalid(s.to_string()));
        }
        Ok(match parts.as_slice() {
            [arch] => Platform::new("linux", arch, None),
            [os, arch] => Platform::new(os, arch, None),
            [os, arch, variant] => Platform::new(os, arch, Some(variant)),
            _ => return Err(PlatformError::Invalid(s.to_string())),
        })
    }

    /// The platform this binary runs on, in Go's names.
    pub fn host() -> Platform {
        let (arch, variant) = match std::env::consts::ARCH {
            "x86_64" => ("amd64", None),
            "aarch64" => ("arm64", Some("v8")),
            "arm" => ("arm", Some("v7")),
            "x86" => ("386", None),
            "powerpc64" if cfg!(target_endian = "little") => ("ppc64le", None),
            "powerpc64" => ("ppc64", None),
            "s390x" => ("s390x", None),
            "riscv64" => ("riscv64", None),
            "loongarch64" => ("loong64", None),
            other => (other, None),
        };
        Platform::new("linux", arch, variant)
    }

    /// Reads a descriptor's platform, if it has one.
    pub fn of(desc: &Descriptor) -> Option<Platform> {
        desc.platform().as_ref().map(|p| {
            Platform::new(
                &p.os().to_string(),
                &p.architecture().to_string(),
                p.variant().as_deref(),
            )
        })
    }

    /// How well an image for `self` serves `want`: `None` when it cannot run
    /// there, else a rank where 0 is an exact match and larger is a worse fallback
    /// (an arm/v6 image on an arm/v7 machine).
    fn rank_for(&self, want: &Platform) -> Option<usize> {
        if self.os != want.os || self.architecture != want.architecture {
            return None;
        }
        if self.variant == want.variant {
            return Some(0);
        }
        let order = compatible_variants(&want.architecture, want.variant.as_deref());
        order
            .iter()
            .position(|v| *v == self.variant.as_deref())
            .map(|i| i + 1)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Platform {
    type Err = PlatformError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Platform::parse(s)
    }
}

fn normalize_arch(arch: &str, variant: Option<String>) -> (String, Option<String>) {
    let v = |s: &str| Some(s.to_string());
    match (arch, variant.as_deref()) {
        // v1 is the baseline every amd64 machine has: the same as no variant.
        ("x86_64" | "x86-64" | "amd64", None | Some("1" | "v1")) => ("amd64".into(), None),
        ("x86_64" | "x86-64" | "amd64", Some(var)) => ("amd64".into(), with_v(var)),
        ("i386" | "i686" | "386", _) => ("386".into(), None),
        ("aarch64" | "arm64", None | Some("8" | "v8" | "v8.0")) => ("arm64".into(), v("v8")),
        ("aarch64" | "arm64", Some("9" | "v9" | "v9.0")) => ("arm64".into(), v("v9")),
        ("aarch64" | "arm64", Some(var)) => ("arm64".into(), with_v(var)),
        ("armhf", _) => ("arm".into(), v("v7")),
        ("armel", _) => ("arm".into(), v("v6")),
        ("arm", None) => ("arm".into(), v("v7")),
        ("arm", Some(var)) => ("arm".into(), with_v(var)),
        (other, var) => (other.to_string(), var.map(str::to_string)),
    }
}

fn with_v(variant: &str) -> Option<String> {
    if variant.starts_with(|c: char| c.is_ascii_digit()) {
        Some(format!("v{variant}"))
    } else {
        Some(variant.to_string())
    }
}

/// Variants that run on a machine of `arch`/`variant`, best first, after the
/// exact one. Older ARM revisions run on newer cores; an x86-64 microarchitecture
/// level runs everything below it.
fn compatible_variants(arch: &str, variant: Option<&str>) -> Vec<Option<&'static str>> {
    const ARM: [&str; 4] = ["v8", "v7", "v6", "v5"];
    const ARM64: [&str; 2] = ["v9", "v8"];
    const AMD64: [&str; 3] = ["v4", "v3", "v2"];
    let below = |list: &'static [&'static str], v: Option<&str>| -> Vec<Option<&'static str>> {
        let start = v.and_then(|v| list.iter().position(|x| *x == v));
        match start {
            Some(i) => list[i + 1..].iter().map(|x| Some(*x)).collect(),
            None => Vec::new(),
        }
    };
    match arch {
        "arm" => below(&ARM, variant),
        "arm64" => below(&ARM64, variant),
        "amd64" => {
            let mut v = below(&AMD64, variant);
            if variant.is_some() {
                v.push(None);
            }
            v
        }
        _ => Vec::new(),
    }
}

/// Picks the manifest for `want` from an index: an exact match if there is one,
/// else the best compatible variant. Entries without a platform, and attestation
/// manifests (`unknown/unknown`), are never picked.
pub fn select(index: &ImageIndex, want: &Platform) -> Result<Descriptor, PlatformError> {
    let mut best: Option<(usize, &Descriptor)> = None;
    let mut available = Vec::new();
    for desc in index.manifests() {
        let Some(platform) = Platform::of(desc) else {
            continue;
        };
        if platform.os == "unknown" || platform.architecture == "unknown" {
            continue;
        }
        if let Some(rank) = platform.rank_for(want) {
            if best.is_none_or(|(r, _)| rank < r) {
                best = Some((rank, desc));
            }
        }
        if !available.contains(&platform) {
            available.push(platform);
        }
    }
    match best {
        Some((_, desc)) => Ok(desc.clone()),
        None => Err(PlatformError::NoMatch {
            want: want.clone(),
            available,
        }),
    }
}

impl Kinded for PlatformError {
    fn kind(&self) -> ErrorKind {
        match self {
            PlatformError::Invalid(_) => ErrorKind::Invalid,
            PlatformError::NoMatch { .. } => ErrorKind::NotFound,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plat(s: &str) -> Platform {
        Platform::parse(s).unwrap()
    }

    #[test]
    fn parse_and_display() {
        assert_eq!(plat("linux/amd64").to_string(), "linux/amd64");
        assert_eq!(plat("linux/arm64").to_string(), "linux/arm64/v8");
        assert_eq!(plat("linux/arm64/v8").to_string(), "linux/arm64/v8");
        assert_eq!(plat("linux/aarch64").to_string(), "linux/arm64/v8");
        assert_eq!(plat("linux/x86_64").to_string(), "linux/amd64");
        assert_eq!(plat("linux/arm").to_string(), "linux/arm/v7");
        assert_eq!(plat("linux/arm/6").to_string(), "linux/arm/v6");
        assert_eq!(plat("linux/armhf").to_string(), "linux/arm/v7");
        assert_eq!(plat("linux/i686").to_string(), "linux/386");
        assert_eq!(plat("Linux/AMD64").to_string(), "linux/amd64");
        assert_eq!(plat("arm64").to_string(), "linux/arm64/v8");
        assert_eq!(plat("linux/amd64/v3").to_string(), "linux/amd64/v3");
        assert_eq!(plat("linux/s390x"), Platform::new("linux", "s390x", None));
        for bad in ["", "/", "linux/", "linux//v8", "a/b/c/d", "linux/amd 64"] {
            assert!(Platform::parse(bad).is_err(), "{bad:?}");
        }
        let e = Platform::parse("a/b/c/d").unwrap_err().to_string();
        assert_eq!(
            e,
            "invalid platform \"a/b/c/d\": want os/arch[/variant], e.g. linux/arm64"
        );
    }

    #[test]
    fn host_is_linux_with_a_go_arch() {
        let h = Platform::host();
        assert_eq!(h.os, "linux");
        #[cfg(target_arch = "x86_64")]
        assert_eq!(h.to_string(), "linux/amd64");
        #[cfg(target_arch = "aarch64")]
        assert_eq!(h.to_string(), "linux/arm64/v8");
    }

    fn index(platforms: &[(&str, &str, Option<&str>)]) -> ImageIndex {
        let manifests: Vec<serde_json::Value> = platforms
            .iter()
            .enumerate()
            .map(|(i, (os, arch, variant))| {
                let mut p = serde_json::json!({"os": os, "architecture": arch});
                if let Some(v) = variant {
                    p["variant"] = (*v).into();
                }
                serde_json::json!({
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": format!("sha256:{:064x}", i),
                    "size": 100,
                    "platform": p,
                })
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": manifests,
        }))
        .unwrap()
    }

    fn picked(idx: &ImageIndex, want: &str) -> Result<usize, PlatformError> {
        let d = select(idx, &plat(want))?;
        Ok(usize::from_str_radix(&d.digest().to_string()[7..], 16).unwrap())
    }

    #[test]
    fn select_prefers_exact_matches() {
        let idx = index(&[
            ("linux", "amd64", None),
            ("linux", "arm", Some("v6")),
            ("linux", "arm", Some("v7")),
            ("linux", "arm64", Some("v8")),
            ("unknown", "unknown", None),
        ]);
        assert_eq!(picked(&idx, "linux/amd64").unwrap(), 0);
        assert_eq!(picked(&idx, "linux/arm/v7").unwrap(), 2);
        assert_eq!(picked(&idx, "linux/arm/v6").unwrap(), 1);
        assert_eq!(picked(&idx, "linux/arm64").unwrap(), 3);
        assert_eq!(picked(&idx, "linux/arm/v8").unwrap(), 2);
    }

    #[test]
    fn select_falls_back_to_compatible_variants() {
        // arm64 without a variant serves arm64/v8 and the other way round.
        let idx = index(&[("linux", "amd64", None), ("linux", "arm64", None)]);
        assert_eq!(picked(&idx, "linux/arm64/v8").unwrap(), 1);
        let idx = index(&[("linux", "arm64", Some("v8"))]);
        assert_eq!(picked(&idx, "linux/arm64").unwrap(), 0);
        let idx = index(&[("linux", "arm", Some("v5")), ("linux", "arm", Some("v6"))]);
        assert_eq!(picked(&idx, "linux/arm/v7").unwrap(), 1);
        // amd64 levels: a v3 machine takes v2 before plain amd64, a plain one never v2.
        let idx = index(&[("linux", "amd64", None), ("linux", "amd64", Some("v2"))]);
        assert_eq!(picked(&idx, "linux/amd64/v3").unwrap(), 1);
        assert_eq!(picked(&idx, "linux/amd64").unwrap(), 0);
        let idx = index(&[("linux", "amd64", Some("v1"))]);
        assert_eq!(picked(&idx, "linux/amd64").unwrap(), 0);
        let idx = index(&[("linux", "amd64", Some("v2"))]);
        assert!(picked(&idx, "linux/amd64").is_err());
        // Never across architectures or operating systems.
        let idx = index(&[("linux", "arm", Some("v7")), ("windows", "amd64", None)]);
        assert!(picked(&idx, "linux/arm64").is_err());
        assert!(picked(&idx, "linux/amd64").is_err());
    }

    #[test]
    fn no_match_lists_what_there_is() {
        let idx = index(&[
            ("linux", "amd64", None),
            ("linux", "arm64", Some("v8")),
            ("linux", "amd64", None),
            ("unknown", "unknown", None),
        ]);
        let e = select(&idx, &plat("linux/s390x")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "no image for platform linux/s390x in the manifest list; available platforms: linux/amd64, linux/arm64/v8"
        );
        let e = select(&index(&[]), &plat("linux/amd64")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "no image for platform linux/amd64 in the manifest list; available platforms: none"
        );
    }
}
