//! Lexical rules for tar entry names, link targets and whiteout names.
//!
//! Nothing here touches the file system: these checks refuse what is hostile on its
//! face (Docker's `breakoutError` rules), and the kernel (openat2 RESOLVE_IN_ROOT)
//! keeps everything else inside the layer.

/// Why a name was refused.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum BadName {
    /// A `..` component climbs above the layer root.
    Escapes,
    /// A NUL byte: no kernel path can hold it.
    Nul,
}

/// An entry name made relative to the layer root, with `.`, empty and `..`
/// components resolved lexically: `a/b/c`, or empty for the root itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct EntryPath(Vec<u8>);

impl EntryPath {
    /// Normalises a raw tar name. A leading `/` is dropped (absolute names are
    /// relative to the layer root, as Docker treats them); a `..` that would climb
    /// above the root is refused rather than clamped, since no honest layer has one.
    pub(super) fn parse(raw: &[u8]) -> Result<Self, BadName> {
        if raw.contains(&0) {
            return Err(BadName::Nul);
        }
        let mut out: Vec<u8> = Vec::with_capacity(raw.len());
        for comp in raw.split(|&b| b == b'/') {
            match comp {
                b"" | b"." => {}
                b".." => match out.iter().rposition(|&b| b == b'/') {
                    Some(slash) => out.truncate(slash),
                    None if !out.is_empty() => out.clear(),
                    None => return Err(BadName::Escapes),
                },
                _ => {
                    if !out.is_empty() {
                        out.push(b'/');
                    }
                    out.extend_from_slice(comp);
                }
            }
        }
        Ok(EntryPath(out))
    }

    pub(super) fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The parent directory (empty for the root's children) and the final
    /// component (empty only for the root).
    pub(super) fn split(&self) -> (&[u8], &[u8]) {
        match self.0.iter().rposition(|&b| b == b'/') {
            Some(slash) => (&self.0[..slash], &self.0[slash + 1..]),
            None => (&[], &self.0),
        }
    }

    /// The same directory with another final component.
    pub(super) fn sibling(&self, name: &[u8]) -> EntryPath {
        let (parent, _) = self.split();
        let mut out = parent.to_vec();
        if !out.is_empty() {
            out.push(b'/');
        }
        out.extend_from_slice(name);
        EntryPath(out)
    }
}

/// Whether a symlink's target, joined to the directory holding the symlink,
/// climbs above the layer root. Absolute targets never do: at run time they
/// resolve inside the container's root.
pub(super) fn symlink_escapes(link: &EntryPath, target: &[u8]) -> bool {
    if target.first() == Some(&b'/') {
        return false;
    }
    let (parent, _) = link.split();
    let mut depth: usize = if parent.is_empty() {
        0
    } else {
        parent.split(|&b| b == b'/').count()
    };
    for comp in target.split(|&b| b == b'/') {
        match comp {
            b"" | b"." => {}
            b".." => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return true,
            },
            _ => depth += 1,
        }
    }
    false
}

/// What an entry's final component says about overlay whiteouts.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Whiteout<'a> {
    /// Not a whiteout: an ordinary entry.
    None,
    /// `.wh..wh..opq`: the directory holding it hides the lower layers' contents.
    Opaque,
    /// `.wh.NAME`: NAME is deleted from the lower layers.
    Deleted(&'a [u8]),
    /// Another `.wh..wh.` name: aufs bookkeeping, meaningless to overlay.
    AufsMeta,
}

const WHITEOUT_PREFIX: &[u8] = b".wh.";
const WHITEOUT_META_PREFIX: &[u8] = b".wh..wh.";
const WHITEOUT_OPAQUE: &[u8] = b".wh..wh..opq";

pub(super) fn whiteout(name: &[u8]) -> Whiteout<'_> {
    if name == WHITEOUT_OPAQUE {
        Whiteout::Opaque
    } else if name.starts_with(WHITEOUT_META_PREFIX) {
        Whiteout::AufsMeta
    } else if let Some(deleted) = name.strip_prefix(WHITEOUT_PREFIX) {
        Whiteout::Deleted(deleted)
    } else {
        Whiteout::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(raw: &str) -> Result<String, BadName> {
        EntryPath::parse(raw.as_bytes()).map(|p| String::from_utf8(p.0).unwrap())
    }

    #[test]
    fn names_are_normalised_relative_to_the_root() {
        assert_eq!(norm("a/b/c").unwrap(), "a/b/c");
        assert_eq!(norm("./a//b/./c/").unwrap(), "a/b/c");
        assert_eq!(norm("/etc/passwd").unwrap(), "etc/passwd");
        assert_eq!(norm("a/b/../c").unwrap(), "a/c");
        assert_eq!(norm("a/..").unwrap(), "");
        assert_eq!(norm("./").unwrap(), "");
        assert_eq!(norm("/").unwrap(), "");
    }

    #[test]
    fn names_climbing_above_the_root_are_refused() {
        assert_eq!(norm("../escape"), Err(BadName::Escapes));
        assert_eq!(norm("a/../../escape"), Err(BadName::Escapes));
        assert_eq!(norm("/../etc/passwd"), Err(BadName::Escapes));
        assert_eq!(norm("a/b/../../.."), Err(BadName::Escapes));
        assert_eq!(norm("a\0b"), Err(BadName::Nul));
    }

    #[test]
    fn split_and_sibling() {
        let p = EntryPath::parse(b"a/b/c").unwrap();
        assert_eq!(p.split(), (&b"a/b"[..], &b"c"[..]));
        assert_eq!(p.sibling(b"d").as_bytes(), b"a/b/d");
        let top = EntryPath::parse(b"c").unwrap();
        assert_eq!(top.split(), (&b""[..], &b"c"[..]));
        assert_eq!(top.sibling(b"d").as_bytes(), b"d");
    }

    #[test]
    fn symlink_targets_follow_dockers_breakout_rule() {
        let at = |name: &str, target: &str| {
            symlink_escapes(
                &EntryPath::parse(name.as_bytes()).unwrap(),
                target.as_bytes(),
            )
        };
        assert!(at("evil", "../../../tmp"));
        assert!(at("evil", ".."));
        assert!(at("a/evil", "../../x"));
        assert!(at("a/evil", "b/../../../x"));
        assert!(!at("a/evil", "../x"));
        assert!(!at("a/b/evil", "../../x"));
        assert!(!at("evil", "/etc/shadow"));
        assert!(!at("evil", "/../../.."));
        assert!(!at("lib", "usr/lib"));
        assert!(!at("evil", "."));
    }

    #[test]
    fn whiteout_names_are_classified() {
        assert_eq!(whiteout(b".wh..wh..opq"), Whiteout::Opaque);
        assert_eq!(whiteout(b".wh..wh.plnk"), Whiteout::AufsMeta);
        assert_eq!(whiteout(b".wh.foo"), Whiteout::Deleted(b"foo"));
        assert_eq!(whiteout(b"foo"), Whiteout::None);
        assert_eq!(whiteout(b"x.wh.foo"), Whiteout::None);
    }
}
