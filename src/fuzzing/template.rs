//! A `--format` Go template, rendered over JSON data: the bytes up to the first
//! NUL are the template, the rest the data (when it is JSON; a `ps` row when not).

use crate::cli::template::Template;
use serde_json::{json, Value};

pub fn template(data: &[u8]) {
    let (format, rest) = match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let Ok(format) = std::str::from_utf8(format) else {
        return;
    };
    let Ok(template) = Template::new(format) else {
        return;
    };
    let data = serde_json::from_slice(rest).unwrap_or_else(|_| row());
    let _ = template.render(&data);
    let _ = template.header(&[("ID", "CONTAINER ID")]);
}

/// A row like the ones `ps --format` renders.
fn row() -> Value {
    json!({
        "ID": "0123456789ab",
        "Names": ["web"],
        "Image": "docker.io/library/busybox:latest",
        "Command": ["sh", "-c", "sleep 1"],
        "Created": 1700000000,
        "CreatedAt": "2023-11-14 22:13:20 +0000 UTC",
        "Labels": {"a": "1", "b.c": "2"},
        "Ports": [{"host_ip": "", "container_port": 80, "host_port": 8080, "range": 1, "protocol": "tcp"}],
        "Size": {"rootFsSize": 4096, "rwSize": 0},
        "State": "running",
        "Exited": false,
        "ExitCode": 0,
        "Pid": 42,
        "Mounts": [],
        "Networks": null,
    })
}
