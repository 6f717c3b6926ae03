//! Multi-document YAML to and from the Kubernetes API's types. Each document is
//! read as plain YAML first, so that its kind picks the type, and then into that
//! type with the path of any field that does not fit.

use super::KubeError;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, PersistentVolumeClaim, Pod, Secret, Service};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_norway::Value;

/// One document of the kinds coracle reads or writes.
// A YAML file holds a handful of documents, read once: boxing each kind would
// buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Document {
    Pod(Pod),
    Deployment(Deployment),
    ConfigMap(ConfigMap),
    Secret(Secret),
    Claim(PersistentVolumeClaim),
    /// Read and left alone on play, as Podman does: a Service routes traffic
    /// in a cluster, which one machine has no use for; `-s` writes one.
    Service(Service),
}

/// Every document in `text`, in order; empty ones (a leading `---`) skipped.
pub fn parse(text: &str) -> Result<Vec<Document>, KubeError> {
    let mut docs = Vec::new();
    for (i, de) in serde_norway::Deserializer::from_str(text).enumerate() {
        let doc = i + 1;
        let value = Value::deserialize(de).map_err(|e| KubeError::Yaml {
            doc,
            msg: e.to_string(),
        })?;
        if value.is_null() {
            continue;
        }
        docs.push(document(doc, value)?);
    }
    Ok(docs)
}

fn document(doc: usize, value: Value) -> Result<Document, KubeError> {
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let (Some(_), Some(kind)) = (text("apiVersion"), text("kind")) else {
        return Err(KubeError::NotKubernetes { doc });
    };
    Ok(match kind.as_str() {
        "Pod" => Document::Pod(typed("Pod", value)?),
        "Deployment" => Document::Deployment(typed("Deployment", value)?),
        "ConfigMap" => Document::ConfigMap(typed("ConfigMap", value)?),
        "Secret" => Document::Secret(typed("Secret", value)?),
        "PersistentVolumeClaim" => Document::Claim(typed("PersistentVolumeClaim", value)?),
        "Service" => Document::Service(typed("Service", value)?),
        _ => return Err(KubeError::Unsupported { doc, kind }),
    })
}

/// The document as `T`, or the path of the first field that does not fit.
fn typed<T: DeserializeOwned>(kind: &'static str, value: Value) -> Result<T, KubeError> {
    let name = value
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("(unnamed)")
        .to_owned();
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = match e.path().to_string() {
            p if p == "?" || p == "." => "(document)".to_owned(),
            p => p,
        };
        KubeError::field(kind, &name, path, e.into_inner().to_string())
    })
}

/// The ConfigMaps of a `--configmap` file, which holds nothing else.
pub fn config_maps(text: &str) -> Result<Vec<ConfigMap>, KubeError> {
    parse(text)?
        .into_iter()
        .enumerate()
        .map(|(i, doc)| match doc {
            Document::ConfigMap(c) => Ok(c),
            _ => Err(KubeError::Invalid(format!(
                "document {} is not a ConfigMap: a --configmap file holds ConfigMaps only",
                i + 1
            ))),
        })
        .collect()
}

/// The documents as one YAML stream, each after a `---`, with Podman's header.
pub fn write(docs: &[Document]) -> Result<String, KubeError> {
    let mut out = String::from(HEADER);
    for doc in docs {
        out.push_str("---\n");
        out.push_str(&match doc {
            Document::Pod(d) => to_yaml(d)?,
            Document::Deployment(d) => to_yaml(d)?,
            Document::ConfigMap(d) => to_yaml(d)?,
            Document::Secret(d) => to_yaml(d)?,
            Document::Claim(d) => to_yaml(d)?,
            Document::Service(d) => to_yaml(d)?,
        });
    }
    Ok(out)
}

const HEADER: &str = concat!(
    "# Save the output of this file and use kubectl create -f to import\n",
    "# it into Kubernetes.\n",
    "#\n",
    "# Created with coracle-",
    env!("CARGO_PKG_VERSION"),
    "\n"
);

fn to_yaml<T: Serialize>(doc: &T) -> Result<String, KubeError> {
    serde_norway::to_string(doc).map_err(|e| KubeError::Write(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_kind_and_skips_empty_documents() {
        let text = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {A: b}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: busybox\n";
        let docs = parse(text).unwrap();
        assert!(matches!(docs[0], Document::ConfigMap(_)));
        assert!(matches!(docs[1], Document::Pod(_)));
    }

    #[test]
    fn names_the_field_that_does_not_fit() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n  - name: b\n    ports:\n    - containerPort: eighty\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(
            err.starts_with("Pod p: spec.containers[1].ports[0].containerPort: invalid type"),
            "{err}"
        );
    }

    #[test]
    fn refuses_what_is_not_kubernetes() {
        let err = parse("hello: world\n").unwrap_err().to_string();
        assert_eq!(
            err,
            "document 1 is not Kubernetes YAML: it needs apiVersion and kind"
        );
        let err = parse("a: [\n").unwrap_err().to_string();
        assert!(err.starts_with("document 1 is not valid YAML"), "{err}");
    }

    #[test]
    fn names_the_kinds_it_plays() {
        let err = parse("apiVersion: batch/v1\nkind: Job\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("kind Job is not supported: coracle plays Pod, Deployment"),
            "{err}"
        );
    }

    #[test]
    fn writes_what_it_reads() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - image: busybox\n    name: a\n";
        let out = write(&parse(text).unwrap()).unwrap();
        assert!(out.ends_with(&format!("---\n{text}")), "{out}");
    }
}
