//! Shell scripts written the way Podman's documentation shows its everyday
//! commands, run unchanged with `podman` on PATH being coracle.

use crate::common::*;
use coracle_testkit::{Coracle, Output};
use std::os::unix::fs::PermissionsExt;

/// Runs `script` with `sh -e`, in a work dir of the test user's, where
/// `podman` is a shim that runs this test's coracle; `$IMAGE` and `$TARGET`
/// are set.
fn podman_script(c: &Coracle, script: &str, target: &str) -> Output {
    let shim = c.dir().join("shim/podman");
    let exec = format!(
        "#!/bin/sh\nexec {} --root {} --runroot {} \"$@\"\n",
        BIN,
        c.root().display(),
        c.runroot().display()
    );
    c.write_user_file(&shim, exec.as_bytes());
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o700)).unwrap();
    let work = c.dir().join("work");
    c.write_user_file(&work.join(".keep"), b"");
    let mut cmd = c.peer_command("sh");
    let path = format!(
        "{}:/usr/sbin:/usr/bin:/sbin:/bin",
        shim.parent().unwrap().display()
    );
    cmd.current_dir(&work)
        .env("PATH", path)
        .env("IMAGE", anon_ref("busybox:latest"))
        .env("TARGET", target)
        .args(["-e", "-c", script]);
    c.run_command(cmd)
}

#[test]
fn podman_scripts_run_inspect_and_remove_a_container() {
    let c = coracle();
    let script = r#"
podman pull $IMAGE > /dev/null 2>&1
podman run --rm $IMAGE echo hello
podman run -d --name web -v /data -e GREETING=hi $IMAGE \
    sh -c 'echo started; trap "exit 0" TERM; while true; do sleep 0.1; done' > /dev/null
podman ps --format '{{.Names}}'
until podman logs web | grep -q started; do sleep 0.1; done
podman logs web
podman exec web sh -c 'echo $GREETING'
podman inspect --format '{{.State.Status}}' web
podman inspect --format '{{.Name}} {{.State.Running}}' web
podman inspect --format '{{.Config.Env}}' web | grep -o 'GREETING=hi'
podman inspect --format '{{json .Mounts}}' web | grep -o '"Destination":"/data"'
podman inspect --format '{{.NetworkSettings.IPAddress}}' web
podman stop web
podman inspect --format '{{.State.Status}} {{.State.ExitCode}}' web
podman rm web
podman ps -a --format '{{.Names}}'
"#;
    podman_script(&c, script, "").success().stdout_eq(
        "hello\nweb\nstarted\nhi\nrunning\nweb true\nGREETING=hi\n\"Destination\":\"/data\"\n\nweb\nexited 0\nweb\n",
    );
}

#[test]
fn podman_scripts_tag_push_pull_save_and_load_an_image() {
    let c = coracle();
    let target = anon_ref("scripts/copy:v1");
    let script = r#"
podman pull $IMAGE > /dev/null 2>&1
podman tag $IMAGE $TARGET
podman push $TARGET 2> /dev/null
podman rmi $TARGET
podman pull $TARGET 2> /dev/null > /dev/null
[ "$(podman image inspect --format '{{.Id}}' $TARGET)" = "$(podman inspect --format '{{.Id}}' $IMAGE)" ] && echo same
podman save -o saved.tar $TARGET
podman rmi $TARGET
podman load -i saved.tar > /dev/null
podman images --format '{{.Repository}}:{{.Tag}}' | sort
"#;
    let mut names = [anon_ref("busybox:latest"), target.clone()];
    names.sort();
    podman_script(&c, script, &target)
        .success()
        .stdout_eq(&format!(
            "Untagged: {target}\nsame\nUntagged: {target}\n{}\n",
            names.join("\n")
        ));
}

#[test]
fn podman_scripts_build_and_copy_files() {
    let c = coracle();
    let script = r#"
podman pull $IMAGE > /dev/null 2>&1
mkdir -p ctx
printf 'FROM %s\nRUN echo built > /built\nCMD ["cat", "/built"]\n' "$IMAGE" > ctx/Containerfile
podman build -t localhost/scripted ctx > /dev/null 2>&1
podman run --rm localhost/scripted
podman create --name box localhost/scripted > /dev/null
podman cp box:/built ./built.txt
cat built.txt
echo note > note.txt
podman cp note.txt box:/note.txt
podman start -a box
podman cp box:/note.txt - | tar -xO
podman inspect --format '{{.ImageName}} {{.State.Status}}' box
podman rm box
"#;
    podman_script(&c, script, "")
        .success()
        .stdout_eq("built\nbuilt\nbuilt\nnote\nlocalhost/scripted:latest exited\nbox\n");
}
