//! Names for containers the user did not name, Docker-style: adjective_noun.

const ADJECTIVES: [&str; 16] = [
    "brave", "calm", "eager", "fond", "gentle", "happy", "jolly", "keen", "lucid", "merry",
    "nimble", "proud", "quiet", "stoic", "tender", "witty",
];

const NOUNS: [&str; 16] = [
    "albatross",
    "bittern",
    "curlew",
    "dunlin",
    "eider",
    "fulmar",
    "gannet",
    "heron",
    "kestrel",
    "lapwing",
    "merlin",
    "osprey",
    "puffin",
    "redshank",
    "shearwater",
    "tern",
];

/// A random name; with 256 pairs it may collide, so a random suffix keeps it unique
/// enough that the database's unique constraint is a backstop, not a routine.
pub fn generate() -> String {
    let a = ADJECTIVES[rand::random_range(0..ADJECTIVES.len())];
    let n = NOUNS[rand::random_range(0..NOUNS.len())];
    format!("{a}_{n}_{:04x}", rand::random::<u16>())
}

/// Docker's rule for names: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
pub fn valid(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_follow_dockers_rule() {
        assert!(super::valid(&super::generate()));
        assert!(super::valid("web-1.a_b"));
        assert!(!super::valid("-x"));
        assert!(!super::valid("a/b"));
        assert!(!super::valid(""));
    }
}
