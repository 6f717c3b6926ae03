#!/usr/bin/env python3
"""coracle kube benchmark: `kube play` + `kube down` of one pod, coracle vs
Podman (issue 20: at most 0.2x Podman's time).

Python 3.11, standard library only. Run as root; both tools run rootless as
--user (default coracle-test), stores on tmpfs, Podman with the overlay driver.
The image is a busybox rootfs tar (--rootfs, default /tmp/bb.tar; make one
from /bin/busybox with links for sh and sleep) imported into each store. The
pod has --containers containers (the issue's case is 2), each running a shell
that exits on SIGTERM, so that down measures removal, not a stop timeout.
Runs alternate between the tools; each prints its median wall time for one
play + down, and the median CPU time it used.
"""
from __future__ import annotations

import argparse
import os
import pwd
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RATIO = 0.2
COMMAND = "trap 'exit 0' TERM; /bin/sleep 1000 & wait"


def pod_yaml(containers: int, network: str) -> str:
    ctrs = "".join(
        f"  - name: c{i}\n    image: localhost/bench-bb:latest\n"
        f"    command: [/bin/sh, -c, \"{COMMAND}\"]\n"
        for i in range(containers))
    host = "  hostNetwork: true\n" if network == "host" else ""
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: bench\nspec:\n{host}"
            f"  restartPolicy: Never\n  containers:\n{ctrs}")


class Tool:
    def __init__(self, name: str, base: list[str], user: str, env: dict):
        self.name, self.base, self.user, self.env = name, base, user, env

    def run(self, args: list[str]) -> subprocess.CompletedProcess:
        cmd = ["setpriv", f"--reuid={self.user}", f"--regid={self.user}",
               "--init-groups", "--"] + self.base + args
        return subprocess.run(cmd, env=self.env, cwd="/tmp", text=True, capture_output=True)

    def must(self, args: list[str]) -> str:
        r = self.run(args)
        if r.returncode != 0:
            sys.exit(f"{self.name} {' '.join(args)}: {r.stderr.strip()}")
        return r.stdout

    def play_down(self, yaml: str, extra: list[str]) -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        self.must(["kube", "play"] + extra + [yaml])
        self.must(["kube", "down", yaml])
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return wall, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--containers", type=int, default=2)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--network", default="none", help="none, or the tools' default")
    ap.add_argument("--user", default="coracle-test")
    ap.add_argument("--rootfs", default="/tmp/bb.tar")
    ap.add_argument("--coracle", default=os.environ.get("CORACLE", "target/release/coracle"))
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-kube-", dir="/dev/shm"))
    os.chmod(work, 0o755)
    binary = work / "coracle"
    shutil.copy(args.coracle, binary)
    rootfs = work / "rootfs.tar"
    shutil.copy(args.rootfs, rootfs)
    yaml = work / "pod.yaml"
    yaml.write_text(pod_yaml(args.containers, args.network))
    for f in (rootfs, yaml):
        os.chmod(f, 0o644)
    pw = pwd.getpwnam(args.user)
    home = work / "home"
    (home / "run").mkdir(parents=True)
    os.chmod(home / "run", 0o700)
    for d in (home, home / "run"):
        os.chown(d, pw.pw_uid, pw.pw_gid)
    env = {"HOME": str(home), "XDG_RUNTIME_DIR": str(home / "run"),
           "PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    extra = ["--network", "none"] if args.network == "none" else []
    tools = [
        Tool("coracle", [str(binary), "--root", str(home / "c-root"),
                         "--runroot", str(home / "run/c-run")], args.user, env),
        Tool("podman", ["podman", "--root", str(home / "p-root"), "--runroot",
                        str(home / "run/p-run"), "--storage-driver", "overlay",
                        "--events-backend", "file"], args.user, env),
    ]
    results = {tool.name: [] for tool in tools}
    try:
        for tool in tools:
            tool.must(["import", str(rootfs), "localhost/bench-bb:latest"])
            tool.play_down(str(yaml), extra)  # warm-up
        for _ in range(args.runs):
            for tool in tools:
                results[tool.name].append(tool.play_down(str(yaml), extra))
    finally:
        for tool in tools:
            tool.run(["kube", "down", str(yaml)])
            tool.run(["rm", "-f", "-a", "-t", "0"])
            if tool.name == "podman":
                tool.run(["pod", "rm", "-f", "-a"])
            tool.run(["system", "reset", "-f"])
        shutil.rmtree(work, ignore_errors=True)
    print(f"kube play + kube down of a pod of {args.containers} container(s), network "
          f"{args.network}, {args.runs} runs ({args.coracle})")
    print(f"{'tool':10} {'median ms':>10} {'min ms':>8} {'median CPU ms':>14}")
    for name, samples in results.items():
        walls = [w for w, _ in samples]
        cpus = [c for _, c in samples]
        print(f"{name:10} {statistics.median(walls) * 1000:10.1f} {min(walls) * 1000:8.1f} "
              f"{statistics.median(cpus) * 1000:14.1f}")
    med = {n: statistics.median(w for w, _ in s) for n, s in results.items()}
    cpu = {n: statistics.median(c for _, c in s) for n, s in results.items()}
    ratio = med["coracle"] / med["podman"]
    print(f"ratio coracle/podman: {ratio:.2f} wall, {cpu['coracle'] / cpu['podman']:.2f} CPU; "
          f"target <= {RATIO}: {'met' if ratio <= RATIO else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
