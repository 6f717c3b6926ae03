//! A small distribution-spec uploader (until `coracle push` exists): blobs by
//! POST + monolithic PUT, manifests by PUT, basic and bearer auth.

use crate::image::{Blob, Image, Pushable};
use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

pub struct Uploader {
    agent: ureq::Agent,
    base: String,
    credentials: Option<(String, String)>,
    /// The Authorization header that last worked.
    auth: Mutex<Option<String>>,
}

impl Uploader {
    /// `addr` is `127.0.0.1:PORT`; plain http.
    pub fn new(addr: &str, credentials: Option<(&str, &str)>) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(120))
            .redirects(0)
            .build();
        Self {
            agent,
            base: format!("http://{addr}"),
            credentials: credentials.map(|(u, p)| (u.to_string(), p.to_string())),
            auth: Mutex::new(None),
        }
    }

    /// Pushes every blob and child manifest of `item`, then its top manifest
    /// under `reference` (a tag or a digest) in repository `repo`.
    pub fn push(&self, repo: &str, reference: &str, item: &dyn Pushable) -> Result<()> {
        let images = item.images();
        let (top, top_type, top_digest) = item.top();
        for image in &images {
            self.push_image_blobs(repo, image)?;
            if image.manifest_digest != top_digest {
                self.put_manifest(
                    repo,
                    &image.manifest_digest,
                    &image.manifest,
                    &image.manifest_media_type,
                )?;
            }
        }
        self.put_manifest(repo, reference, top, top_type)
            .with_context(|| format!("push {repo}:{reference}"))
    }

    fn push_image_blobs(&self, repo: &str, image: &Image) -> Result<()> {
        for blob in image.blobs() {
            self.push_blob(repo, blob)?;
        }
        Ok(())
    }

    /// Uploads one blob unless the repository already has it.
    pub fn push_blob(&self, repo: &str, blob: &Blob) -> Result<()> {
        let url = format!("{}/v2/{repo}/blobs/{}", self.base, blob.digest);
        if self
            .send("HEAD", &url, None, None)
            .map(|r| r.status() == 200)
            .unwrap_or(false)
        {
            return Ok(());
        }
        let start = self
            .send(
                "POST",
                &format!("{}/v2/{repo}/blobs/uploads/", self.base),
                None,
                Some(&[]),
            )
            .with_context(|| format!("start the upload of {} to {repo}", blob.digest))?;
        let location = start
            .header("Location")
            .ok_or_else(|| anyhow!("upload start without a Location"))?;
        let location = if location.starts_with('/') {
            format!("{}{location}", self.base)
        } else {
            location.to_string()
        };
        let sep = if location.contains('?') { '&' } else { '?' };
        let put = format!("{location}{sep}digest={}", blob.digest);
        self.send(
            "PUT",
            &put,
            Some("application/octet-stream"),
            Some(&blob.data),
        )
        .with_context(|| format!("upload {} to {repo}", blob.digest))?;
        Ok(())
    }

    pub fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        body: &[u8],
        media_type: &str,
    ) -> Result<()> {
        let url = format!("{}/v2/{repo}/manifests/{reference}", self.base);
        self.send("PUT", &url, Some(media_type), Some(body))
            .with_context(|| format!("put manifest {repo}:{reference}"))?;
        Ok(())
    }

    /// Sends a request; on 401 answers the challenge (basic or bearer) and retries once.
    fn send(
        &self,
        method: &str,
        url: &str,
        content_type: Option<&str>,
        body: Option<&[u8]>,
    ) -> Result<ureq::Response> {
        let mut retried = false;
        loop {
            let mut req = self.agent.request(method, url);
            if let Some(ct) = content_type {
                req = req.set("Content-Type", ct);
            }
            if let Some(a) = self.auth.lock().unwrap().clone() {
                req = req.set("Authorization", &a);
            }
            let res = match body {
                Some(b) => req.send_bytes(b),
                None => req.call(),
            };
            match res {
                Ok(r) => return Ok(r),
                Err(ureq::Error::Status(401, r)) if !retried => {
                    let challenge = r.header("WWW-Authenticate").unwrap_or("").to_string();
                    *self.auth.lock().unwrap() = Some(self.answer(&challenge)?);
                    retried = true;
                }
                Err(ureq::Error::Status(code, r)) => {
                    let text = r.into_string().unwrap_or_default();
                    bail!("{method} {url}: HTTP {code}: {}", text.trim());
                }
                Err(e) => bail!("{method} {url}: {e}"),
            }
        }
    }

    fn answer(&self, challenge: &str) -> Result<String> {
        let (user, pass) = self.credentials.as_ref().ok_or_else(|| {
            anyhow!("registry asks for credentials ({challenge}) and none were given")
        })?;
        let basic = format!("Basic {}", STANDARD.encode(format!("{user}:{pass}")));
        let Some(params) = challenge.strip_prefix("Bearer ") else {
            return Ok(basic);
        };
        let params = parse_challenge(params);
        let realm = params
            .get("realm")
            .ok_or_else(|| anyhow!("bearer challenge without realm"))?;
        let mut req = self.agent.get(realm).set("Authorization", &basic);
        for key in ["service", "scope"] {
            if let Some(v) = params.get(key) {
                req = req.query(key, v);
            }
        }
        let reply: serde_json::Value =
            serde_json::from_str(&req.call().context("fetch a bearer token")?.into_string()?)?;
        let token = reply["token"]
            .as_str()
            .or(reply["access_token"].as_str())
            .ok_or_else(|| anyhow!("no token"))?;
        Ok(format!("Bearer {token}"))
    }
}

/// `realm="...",service="...",scope="a,b"` into a map (commas inside quotes kept).
pub fn parse_challenge(s: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut rest = s.trim();
    while let Some((key, after)) = rest.split_once('=') {
        let key = key.trim().trim_start_matches(',').trim().to_string();
        let (value, tail) = if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"').unwrap_or(q.len());
            (q[..end].to_string(), q.get(end + 1..).unwrap_or(""))
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].to_string(), &after[end..])
        };
        out.insert(key, value);
        rest = tail.trim_start_matches(',');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn challenge() {
        let m = super::parse_challenge(
            r#"realm="http://x/token",service="svc",scope="repository:a/b:pull,push""#,
        );
        assert_eq!(m["realm"], "http://x/token");
        assert_eq!(m["service"], "svc");
        assert_eq!(m["scope"], "repository:a/b:pull,push");
    }
}
