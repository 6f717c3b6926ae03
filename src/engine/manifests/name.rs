//! A list's name as stored. Podman names what is made locally under
//! `localhost/` when the name has no registry, and looks names up the same way.

use crate::engine::oci::reference::{Reference, ReferenceError};

/// `mylist` -> `localhost/mylist:latest`; a name with a registry keeps it.
pub fn normalize(name: &str) -> Result<String, ReferenceError> {
    let has_registry = name
        .split_once('/')
        .is_some_and(|(first, _)| first.contains(['.', ':']) || first == "localhost");
    let parsed = match has_registry {
        true => Reference::parse(name)?,
        false => Reference::parse(&format!("localhost/{name}"))?,
    };
    Ok(parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn short_names_live_under_localhost() {
        assert_eq!(normalize("mylist").unwrap(), "localhost/mylist:latest");
        assert_eq!(normalize("a/b:v1").unwrap(), "localhost/a/b:v1");
        assert_eq!(
            normalize("127.0.0.1:5000/x:y").unwrap(),
            "127.0.0.1:5000/x:y"
        );
        assert!(normalize("Bad Name").is_err());
    }
}
