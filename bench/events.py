#!/usr/bin/env python3
"""coracle events benchmark: `events --stream=false` over 100,000 recorded events
(issue 16: at most 0.5 s), side by side with `podman events --stream=false` over
the same number in its file backend.

Python 3.11, standard library only. Run as root: the commands run as an
unprivileged user (--user, default coracle-test) with their stores in a temp
directory on tmpfs. Neither log is made by running 100,000 commands: each is
written directly in its tool's own line format (coracle's JSON lines under
RUNROOT/events/, Podman's under $XDG_RUNTIME_DIR/libpod/tmp/events/), which is
what the reader reads either way.
"""
from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 0.5
ACTIONS = [("create", None), ("start", None), ("die", "0"), ("destroy", None)]
PODMAN_STATUS = {"die": "died", "destroy": "remove"}


def events(count: int):
    """(nanos, id, name, action, exit code) for `count` events, a container's
    life every four."""
    base = time.time_ns() - count * 1_000_000
    for i in range(count):
        n = i // 4
        action, code = ACTIONS[i % 4]
        yield base + i * 1_000_000, f"{n:064x}", f"ctr{n}", action, code


def coracle_log(path: Path, count: int) -> None:
    with open(path, "w") as f:
        for nanos, cid, name, action, code in events(count):
            attrs = {"image": "docker.io/library/busybox:latest", "name": name}
            if code is not None:
                attrs["exitCode"] = code
            f.write(json.dumps({"Type": "container", "Action": action, "ID": cid,
                                "Attributes": attrs, "TimeNano": nanos},
                               separators=(",", ":")) + "\n")


def podman_log(path: Path, count: int) -> None:
    with open(path, "w") as f:
        for nanos, cid, name, action, code in events(count):
            secs, frac = divmod(nanos, 1_000_000_000)
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{frac:09d}Z"
            event = {"ID": cid, "Image": "docker.io/library/busybox:latest", "Name": name,
                     "Status": PODMAN_STATUS.get(action, action), "Time": stamp,
                     "Type": "container", "Attributes": {}}
            if code is not None:
                event["ContainerExitCode"] = int(code)
            f.write(json.dumps(event, separators=(",", ":")) + "\n")


def timed(user: str, env: dict, cmd: list[str], runs: int) -> list[float]:
    argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", "--"] + cmd
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        r = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, cwd="/tmp")
        times.append(time.perf_counter() - start)
        if r.returncode != 0:
            sys.exit(f"{cmd[0]} failed: {r.stderr.strip()}")
    return times


def chown_tree(path: Path, uid: int, gid: int) -> None:
    for root, dirs, files in os.walk(path):
        for name in [root] + [os.path.join(root, x) for x in dirs + files]:
            os.chown(name, uid, gid)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--user", default="coracle-test")
    ap.add_argument("--coracle", default=os.environ.get("CORACLE", "target/release/coracle"))
    ap.add_argument("--no-podman", action="store_true")
    args = ap.parse_args()
    pw = pwd.getpwnam(args.user)
    work = Path(tempfile.mkdtemp(prefix="bench-events-", dir="/dev/shm"))
    try:
        binary = work / "coracle"
        shutil.copy(args.coracle, binary)
        home, run = work / "home", work / "run"
        (run / "coracle/events").mkdir(parents=True)
        (run / "libpod/tmp/events").mkdir(parents=True)
        home.mkdir()
        coracle_log(run / "coracle/events/events.log", args.count)
        podman_log(run / "libpod/tmp/events/events.log", args.count)
        (run / "coracle").chmod(0o700)
        run.chmod(0o700)
        chown_tree(work, pw.pw_uid, pw.pw_gid)
        env = {"HOME": str(home), "XDG_RUNTIME_DIR": str(run), "PATH": os.environ["PATH"],
               "LANG": "C.UTF-8"}
        rows = []
        cmd = [str(binary), "--root", str(work / "croot"), "--runroot", str(run / "coracle"),
               "events", "--stream=false"]
        coracle = timed(args.user, env, cmd, args.runs)
        rows.append(("coracle", coracle))
        if not args.no_podman and shutil.which("podman"):
            cmd = ["podman", "--events-backend", "file", "--root", str(work / "proot"),
                   "--runroot", str(run / "podman"), "events", "--stream=false"]
            rows.append(("podman", timed(args.user, env, cmd, args.runs)))
        print(f"events --stream=false over {args.count} events, {args.runs} runs "
              f"({args.coracle})")
        print(f"{'tool':8} {'median s':>9} {'min s':>7}")
        for name, times in rows:
            print(f"{name:8} {statistics.median(times):9.3f} {min(times):7.3f}")
        median = statistics.median(coracle)
        if len(rows) > 1:
            print(f"ratio coracle/podman: {median / statistics.median(rows[1][1]):.2f}")
        print(f"target <= {TARGET_S} s: {'met' if median <= TARGET_S else 'NOT met'}")
        return 0
    finally:
        stop_podman_pause(work / "run")
        shutil.rmtree(work, ignore_errors=True)


def stop_podman_pause(run: Path) -> None:
    """Rootless Podman leaves a pause process holding its user namespace; it
    would outlive the bench."""
    try:
        os.kill(int((run / "libpod/tmp/pause.pid").read_text()), signal.SIGKILL)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
