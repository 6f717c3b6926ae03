//! Requests on the API socket, as a connection's process reads them: heads
//! (httparse), Content-Length and chunked bodies, one request after another on
//! a kept-alive connection; each JSON body read as a container create and a
//! container update, which map the most fields.

use crate::api::containers::{create, resources};
use crate::api::http::{Body, Head};
use crate::api::router::split_version;
use bollard_stubs::models::Resources;

/// Well above what a fuzz input holds, so the limit is never what stops a read.
const LIMIT: u64 = 1 << 20;

pub fn api_request(data: &[u8]) {
    let mut connection = data;
    while let Ok(Some(head)) = Head::read(&mut connection) {
        let _ = split_version(&head.path);
        let _ = (head.keep_alive(), head.wants_upgrade(), head.flag("all"));
        let Ok(framing) = head.framing() else {
            return;
        };
        let mut body = Body::new(framing, &mut connection);
        if let Ok(bytes) = body.read_limited(LIMIT) {
            if let Ok(create) = serde_json::from_slice::<create::Body>(&bytes) {
                let _ = create::plan(create, head.param("name").map(str::to_owned));
            }
            if let Ok(update) = serde_json::from_slice::<Resources>(&bytes) {
                let _ = resources::limits(&update);
            }
        }
        if !body.drain(LIMIT) {
            return;
        }
    }
}
