//! The stored form of a list: its entries as an image index describes them, and
//! where each one's data is, which the index itself has no room for.

use super::ManifestsError;
use crate::engine::registry::{MEDIA_DOCKER_LIST, MEDIA_OCI_INDEX, MEDIA_OCI_MANIFEST};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ListDoc {
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub descriptor: Descriptor,
    pub source: Source,
}

/// Where an entry's manifest and blobs are.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A stored image, by ID.
    Local(String),
    /// A repository (`registry/repository`) that has the manifest by digest.
    Remote(String),
}

/// An index entry, with its fields in the order Podman prints them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub size: u64,
    pub digest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Platform {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(
        rename = "os.version",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub os_version: String,
    #[serde(rename = "os.features", default, skip_serializing_if = "Vec::is_empty")]
    pub os_features: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
}

impl ListDoc {
    pub fn parse(name: &str, doc: &str) -> Result<ListDoc, ManifestsError> {
        serde_json::from_str(doc)
            .map_err(|e| ManifestsError::Corrupt(name.to_owned(), e.to_string()))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a list is JSON")
    }

    pub fn entry_mut(&mut self, digest: &str) -> Option<&mut Entry> {
        self.entries
            .iter_mut()
            .find(|e| e.descriptor.digest == digest)
    }

    /// Adds entries, each replacing one with the same digest (Podman keeps an
    /// instance once).
    pub fn add(&mut self, entries: Vec<Entry>) {
        for entry in entries {
            match self.entry_mut(&entry.descriptor.digest) {
                Some(old) => *old = entry,
                None => self.entries.push(entry),
            }
        }
    }

    /// The index as `manifest inspect` shows a local list: Podman 4.3 keeps it
    /// as a Docker manifest list, and an empty one has `"manifests": null`.
    pub fn inspect_json(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
        self.index(MEDIA_DOCKER_LIST)
            .serialize(&mut ser)
            .expect("an index is JSON");
        out
    }

    /// The index to push: OCI's when asked, or when any entry is an OCI
    /// manifest (a Docker list names Docker manifests), else Docker's.
    pub fn push_media_type(&self, oci: Option<bool>) -> &'static str {
        let any_oci = self
            .entries
            .iter()
            .any(|e| e.descriptor.media_type == MEDIA_OCI_MANIFEST);
        match oci.unwrap_or(any_oci) {
            true => MEDIA_OCI_INDEX,
            false => MEDIA_DOCKER_LIST,
        }
    }

    pub fn index<'a>(&'a self, media_type: &'a str) -> Index<'a> {
        Index {
            schema_version: 2,
            media_type,
            manifests: (!self.entries.is_empty())
                .then(|| self.entries.iter().map(|e| &e.descriptor).collect()),
        }
    }
}

/// An image index as pushed and shown, its fields in Podman's order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Index<'a> {
    schema_version: u32,
    media_type: &'a str,
    manifests: Option<Vec<&'a Descriptor>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(digest: &str, media_type: &str) -> Entry {
        Entry {
            descriptor: Descriptor {
                media_type: media_type.to_owned(),
                size: 1,
                digest: digest.to_owned(),
                platform: None,
                annotations: BTreeMap::new(),
            },
            source: Source::Local("x".to_owned()),
        }
    }

    #[test]
    fn an_empty_list_shows_null_manifests_as_podman_does() {
        let shown: serde_json::Value =
            serde_json::from_slice(&ListDoc::default().inspect_json()).unwrap();
        assert_eq!(shown["manifests"], serde_json::Value::Null);
        assert_eq!(shown["mediaType"], MEDIA_DOCKER_LIST);
    }

    #[test]
    fn adding_a_digest_twice_keeps_one_entry() {
        let mut doc = ListDoc::default();
        doc.add(vec![entry("sha256:a", MEDIA_OCI_MANIFEST)]);
        doc.add(vec![entry("sha256:a", MEDIA_OCI_MANIFEST)]);
        assert_eq!(doc.entries.len(), 1);
        assert_eq!(doc.push_media_type(None), MEDIA_OCI_INDEX);
        assert_eq!(doc.push_media_type(Some(false)), MEDIA_DOCKER_LIST);
    }
}
