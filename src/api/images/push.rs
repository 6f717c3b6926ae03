//! `POST /images/{name}/push`: a push streamed as Docker's progress messages,
//! with the credentials of the `X-Registry-Auth` header.

use super::progress::{status, Transfer};
use super::relay;
use crate::api::error::Error;
use crate::api::exchange::Exchange;
use crate::engine::images::push::PushOptions;
use crate::engine::interface::Engine;
use crate::engine::oci::reference::Reference;
use crate::engine::registry::creds::Credentials;
use base64::Engine as _;
use std::sync::Arc;

pub fn push(engine: &dyn Engine, ex: &mut Exchange, name: &str) -> Result<(), Error> {
    let image = match ex.head.param("tag").filter(|t| !t.is_empty()) {
        Some(tag) => format!("{name}:{tag}"),
        None => name.to_owned(),
    };
    let reference = Reference::parse(&image).map_err(|e| Error::bad_request(e.to_string()))?;
    let opts = PushOptions {
        image,
        destination: None,
        // Loopback registries may still speak plain HTTP, as Docker allows.
        tls_verify: true,
        format: None,
        compression: None,
        credentials: credentials(ex.head.header("x-registry-auth"))?,
        auth_files: None,
    };
    relay::run(ex, false, |sender, _| {
        sender.send(&status(format!(
            "The push refers to repository [{}]",
            reference.familiar()
        )));
        let transfer = Arc::new(Transfer::default());
        let (events, to) = (transfer.clone(), sender.clone());
        let digest = engine.push(
            &opts,
            Arc::new(move |event| {
                for message in events.push(event) {
                    to.send(&message);
                }
            }),
        )?;
        // Docker's last words give the manifest's size, which the registry has.
        let size = engine
            .manifest_inspect(
                &reference
                    .with_digest(&digest)
                    .map_or(opts.image.clone(), |r| r.to_string()),
                true,
            )
            .map(|m| m.bytes.len())
            .unwrap_or(0);
        let tag = reference.tag_or_digest();
        sender.send(&status(format!("{tag}: digest: {digest} size: {size}")));
        sender.send(&serde_json::json!({
            "progressDetail": {},
            "aux": { "Tag": tag, "Digest": digest, "Size": size },
        }));
        Ok(())
    })
}

/// Docker's X-Registry-Auth: base64url of `{"username", "password",
/// "serveraddress"}`; standard base64 with padding is taken too, as older
/// clients send it. No user name means anonymous (or the saved login).
pub fn credentials(header: Option<&str>) -> Result<Option<Credentials>, Error> {
    let Some(header) = header.map(str::trim).filter(|h| !h.is_empty()) else {
        return Ok(None);
    };
    let bad = || Error::bad_request("invalid X-Registry-Auth header: not base64 of a JSON object");
    let trimmed = header.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(trimmed)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed))
        .map_err(|_| bad())?;
    #[derive(serde::Deserialize)]
    struct Auth {
        #[serde(default)]
        username: String,
        #[serde(default)]
        password: String,
    }
    let auth: Auth = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    Ok((!auth.username.is_empty()).then_some(Credentials {
        username: auth.username,
        password: auth.password,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_in_either_base64() {
        let json = r#"{"username":"u","password":"p?>","serveraddress":"r"}"#;
        for engine in [
            base64::engine::general_purpose::URL_SAFE,
            base64::engine::general_purpose::STANDARD,
        ] {
            let creds = credentials(Some(&engine.encode(json))).unwrap().unwrap();
            assert_eq!(
                (creds.username.as_str(), creds.password.as_str()),
                ("u", "p?>")
            );
        }
        assert!(credentials(Some("e30=")).unwrap().is_none());
        assert!(credentials(Some("!!")).is_err());
    }
}
