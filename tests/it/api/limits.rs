//! Resource limits through the API: the Python SDK's `mem_limit`,
//! `nano_cpus` and `pids_limit` (compose's `mem_limit`, `cpus`, `pids_limit`)
//! reach the container, `container.update` changes them, and rootless on a
//! host that cannot enforce them the create answer carries the warning.

use super::Service;
use crate::common::{anon_ref, pull, with_busybox, BIN};
use coracle_testkit::Coracle;

#[test]
fn the_python_sdk_sets_and_updates_limits_rootful() {
    let Some(c) = Coracle::rootful(BIN) else {
        return;
    };
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    let api = Service::start(&c);
    let script = format!(
        r#"
import docker
client = docker.from_env()
ctr = client.containers.run("{image}", ["sleep", "60"], detach=True,
    mem_limit="32m", nano_cpus=500000000, pids_limit=50)
h = ctr.attrs["HostConfig"]
print(h["Memory"], h["NanoCpus"], h["PidsLimit"])
ctr.update(mem_limit="64m")
ctr.reload()
print(ctr.attrs["HostConfig"]["Memory"])
ctr.remove(force=True)
"#
    );
    api.python(&c, &script)
        .success()
        .stdout_eq("33554432 500000000 50\n67108864\n");
}

#[test]
fn a_rootless_create_with_limits_answers_the_warning() {
    let (c, image) = with_busybox();
    if std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
        return;
    }
    let api = Service::start(&c);
    let body =
        format!(r#"{{"Image": "{image}", "Cmd": ["true"], "HostConfig": {{"Memory": 33554432}}}}"#);
    let r = api.call("POST", "/v1.44/containers/create", Some(&body));
    assert_eq!(r.status, 201, "{r:?}");
    let warnings = r.json()["Warnings"].to_string();
    assert!(
        warnings.contains("Resource limits are not supported"),
        "{warnings}"
    );
}
