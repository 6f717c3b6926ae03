//! A container's environment from its `env` and `envFrom`, with the values
//! ConfigMaps and Secrets hold (those in the YAML, and `--configmap` files).
//! As in Kubernetes, `env` wins over `envFrom`, and a later entry over an
//! earlier one.

use super::validate::At;
use super::KubeError;
use k8s_openapi::api::core::v1::{ConfigMap, Container, Secret};
use std::collections::BTreeMap;

/// The ConfigMaps and Secrets a pod's containers may read from.
#[derive(Debug, Default)]
pub struct Sources<'a> {
    pub config_maps: Vec<&'a ConfigMap>,
    pub secrets: Vec<&'a Secret>,
}

impl Sources<'_> {
    fn config_map(&self, name: &str) -> Option<BTreeMap<String, String>> {
        let map = self
            .config_maps
            .iter()
            .find(|c| c.metadata.name.as_deref() == Some(name))?;
        Some(map.data.clone().unwrap_or_default())
    }

    /// A Secret's `data` (base64 in the YAML, decoded by the types) and
    /// `stringData`; a value that is not text cannot be an environment value.
    fn secret(&self, name: &str) -> Option<BTreeMap<String, Option<String>>> {
        let secret = self
            .secrets
            .iter()
            .find(|s| s.metadata.name.as_deref() == Some(name))?;
        let data = secret.data.iter().flatten();
        let mut out: BTreeMap<String, Option<String>> = data
            .map(|(k, v)| (k.clone(), String::from_utf8(v.0.clone()).ok()))
            .collect();
        for (k, v) in secret.string_data.iter().flatten() {
            out.insert(k.clone(), Some(v.clone()));
        }
        Some(out)
    }
}

/// `KEY=VALUE` entries for the container at `path`.
pub fn environment(
    at: &At,
    path: &str,
    c: &Container,
    from: &Sources,
) -> Result<Vec<String>, KubeError> {
    let mut env: Vec<(String, String)> = Vec::new();
    let mut set = |k: String, v: String| {
        env.retain(|(key, _)| *key != k);
        env.push((k, v));
    };
    for (i, source) in c.env_from.iter().flatten().enumerate() {
        let prefix = source.prefix.clone().unwrap_or_default();
        let here = format!("{path}.envFrom[{i}]");
        if let Some(r) = &source.config_map_ref {
            match from.config_map(&r.name) {
                Some(data) => data
                    .into_iter()
                    .for_each(|(k, v)| set(format!("{prefix}{k}"), v)),
                None if r.optional == Some(true) => {}
                None => {
                    return Err(at.err(
                        format!("{here}.configMapRef.name"),
                        missing("ConfigMap", &r.name),
                    ))
                }
            }
        }
        if let Some(r) = &source.secret_ref {
            match from.secret(&r.name) {
                Some(data) => {
                    for (k, v) in data {
                        let v = v.ok_or_else(|| {
                            at.err(format!("{here}.secretRef"), not_text(&r.name, &k))
                        })?;
                        set(format!("{prefix}{k}"), v);
                    }
                }
                None if r.optional == Some(true) => {}
                None => {
                    return Err(at.err(format!("{here}.secretRef.name"), missing("Secret", &r.name)))
                }
            }
        }
    }
    for (i, var) in c.env.iter().flatten().enumerate() {
        let here = format!("{path}.env[{i}]");
        let value = match (&var.value, &var.value_from) {
            (_, Some(source)) => value_from(at, &here, source, from)?,
            (value, None) => Some(value.clone().unwrap_or_default()),
        };
        if let Some(v) = value {
            set(var.name.clone(), v);
        }
    }
    Ok(env.into_iter().map(|(k, v)| format!("{k}={v}")).collect())
}

/// The value a `valueFrom` names; None when an optional source lacks it.
fn value_from(
    at: &At,
    here: &str,
    source: &k8s_openapi::api::core::v1::EnvVarSource,
    from: &Sources,
) -> Result<Option<String>, KubeError> {
    if let Some(r) = &source.config_map_key_ref {
        let path = format!("{here}.valueFrom.configMapKeyRef");
        let value = from.config_map(&r.name).map(|d| d.get(&r.key).cloned());
        return match value {
            Some(Some(v)) => Ok(Some(v)),
            _ if r.optional == Some(true) => Ok(None),
            None => Err(at.err(format!("{path}.name"), missing("ConfigMap", &r.name))),
            Some(None) => Err(at.err(
                format!("{path}.key"),
                format!("ConfigMap {} has no key {}", r.name, r.key),
            )),
        };
    }
    if let Some(r) = &source.secret_key_ref {
        let path = format!("{here}.valueFrom.secretKeyRef");
        let value = from.secret(&r.name).map(|d| d.get(&r.key).cloned());
        return match value {
            Some(Some(Some(v))) => Ok(Some(v)),
            _ if r.optional == Some(true) => Ok(None),
            None => Err(at.err(format!("{path}.name"), missing("Secret", &r.name))),
            Some(None) => Err(at.err(
                format!("{path}.key"),
                format!("Secret {} has no key {}", r.name, r.key),
            )),
            Some(Some(None)) => Err(at.err(path, not_text(&r.name, &r.key))),
        };
    }
    Err(at.err(
        format!("{here}.valueFrom"),
        "coracle takes values from configMapKeyRef and secretKeyRef only",
    ))
}

fn missing(kind: &str, name: &str) -> String {
    format!("no {kind} named {name} in the YAML or the --configmap files")
}

fn not_text(secret: &str, key: &str) -> String {
    format!("Secret {secret} key {key} is not UTF-8 text and cannot be an environment value")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::kube::yaml::{parse, Document};

    const YAML: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {A: from-map, B: b}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: sec}\ndata: {PASS: aHVudGVyMg==}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: bb\n    envFrom: [{configMapRef: {name: cfg}, prefix: X_}]\n    env:\n    - {name: X_A, value: own}\n    - {name: P, valueFrom: {secretKeyRef: {name: sec, key: PASS}}}\n    - {name: M, valueFrom: {configMapKeyRef: {name: cfg, key: B}}}\n    - {name: O, valueFrom: {configMapKeyRef: {name: nope, key: B, optional: true}}}\n";

    fn with(yaml: &str) -> Result<Vec<String>, KubeError> {
        let docs = parse(yaml).unwrap();
        let mut sources = Sources::default();
        let mut pod = None;
        for d in &docs {
            match d {
                Document::ConfigMap(c) => sources.config_maps.push(c),
                Document::Secret(s) => sources.secrets.push(s),
                Document::Pod(p) => pod = Some(p),
                _ => {}
            }
        }
        let at = At {
            kind: "Pod",
            name: "p",
            base: "spec",
        };
        let c = &pod.unwrap().spec.as_ref().unwrap().containers[0];
        environment(&at, "containers[0]", c, &sources)
    }

    #[test]
    fn values_come_from_maps_and_secrets_env_last() {
        assert_eq!(
            with(YAML).unwrap(),
            ["X_B=b", "X_A=own", "P=hunter2", "M=b"]
        );
    }

    #[test]
    fn a_missing_key_is_named_by_its_path() {
        let yaml = YAML.replace("key: B}}}\n    - {name: O", "key: Z}}}\n    - {name: O");
        assert_eq!(
            with(&yaml).unwrap_err().to_string(),
            "Pod p: spec.containers[0].env[2].valueFrom.configMapKeyRef.key: ConfigMap cfg has no key Z"
        );
    }
}
