//! Docker's Healthcheck through the socket: the Python SDK's
//! `containers.run(healthcheck=...)`, as compose's `healthcheck:` sends it,
//! runs on schedule and shows in Docker's State.Health and the listing.

use super::Service;
use crate::common::with_busybox;

#[test]
fn the_python_sdks_healthcheck_runs_and_shows_in_docker_shape() {
    let (c, image) = with_busybox();
    let api = Service::start(&c);
    let script = format!(
        r#"
import docker, time
client = docker.from_env()
check = {{"test": ["CMD-SHELL", "echo fine"], "interval": 1000000000, "timeout": 5000000000, "retries": 2}}
ctr = client.containers.run("{image}", ["sleep", "1000"], detach=True, healthcheck=check)
for _ in range(100):
    ctr.reload()
    if ctr.attrs["State"]["Health"]["Status"] == "healthy":
        break
    time.sleep(0.2)
health = ctr.attrs["State"]["Health"]
print(health["Status"], health["FailingStreak"], health["Log"][-1]["Output"])
print(ctr.attrs["Config"]["Healthcheck"]["Test"])
print(client.containers.list(filters={{"health": "healthy"}})[0].id == ctr.id)
print(client.api.containers()[0]["Status"].endswith("(healthy)"))
ctr.remove(force=True)
plain = client.containers.run("{image}", ["sleep", "1000"], detach=True)
print("Health" in plain.attrs["State"])
plain.remove(force=True)
"#
    );
    api.python(&c, &script)
        .success()
        .stdout_eq("healthy 0 fine\n['CMD-SHELL', 'echo fine']\nTrue\nTrue\nFalse\n");
}
