#!/usr/bin/env python3
"""coracle stats benchmark: `stats --no-stream` with 50 running containers,
coracle vs Podman (issue 16: at most 0.2x Podman's time).

Python 3.11, standard library only. Run as root. Rootless Podman 4.3.1 refuses
`stats` on a cgroup v1 host ("stats is not supported in rootless mode without
cgroups v2"), so the side-by-side runs are rootful, both tools reading the
containers' cgroups; coracle rootless (figures from /proc, as there is no
cgroup of its own here) is measured too, as --user (default coracle-test).
Stores are on tmpfs. The image is a busybox rootfs tar (--rootfs, default
/tmp/bb.tar) imported into each store; containers run `sleep 3600` with no
network. Runs alternate between the tools; each prints its median wall time and
the median CPU time it used (user + system, its children's included). Under
load the CPU ratio is the steadier one: wall time then also measures how many
threads a tool has to compete for the cores with.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

RATIO = 0.2
# Podman rootful in this sandbox cannot raise its default rlimits (no
# CAP_SYS_RESOURCE): give it limits it can set.
PODMAN_ULIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1000:1000"]


class Tool:
    def __init__(self, name: str, base: list[str], run_extra: list[str], user=None, env=None):
        self.name, self.base, self.run_extra = name, base, run_extra
        self.user, self.env = user, env

    def argv(self, args: list[str]) -> list[str]:
        cmd = self.base + args
        if self.user:
            cmd = ["setpriv", f"--reuid={self.user}", f"--regid={self.user}",
                   "--init-groups", "--"] + cmd
        return cmd

    def run(self, args: list[str], **kw) -> subprocess.CompletedProcess:
        return subprocess.run(self.argv(args), env=self.env, cwd="/tmp", text=True,
                              capture_output=True, **kw)

    def must(self, args: list[str]) -> str:
        r = self.run(args)
        if r.returncode != 0:
            sys.exit(f"{self.name} {' '.join(args)}: {r.stderr.strip()}")
        return r.stdout

    def fill(self, rootfs: str, count: int, jobs: int) -> None:
        self.must(["import", rootfs, "bench-bb:latest"])
        start = ["run", "-d", "--network", "none"] + self.run_extra + ["bench-bb", "sleep", "3600"]
        with ThreadPoolExecutor(jobs) as pool:
            for r in pool.map(lambda _: self.run(start), range(count)):
                if r.returncode != 0:
                    sys.exit(f"{self.name} run: {r.stderr.strip()}")

    def time_stats(self, count: int) -> tuple[float, float]:
        """One `stats --no-stream`: its wall time and the CPU time it used."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        out = self.must(["stats", "--no-stream"])
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        rows = len(out.splitlines()) - 1
        if rows != count:
            sys.exit(f"{self.name} stats showed {rows} rows, not {count}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return wall, cpu

    def clean(self) -> None:
        self.run(["rm", "-f", "-a", "-t", "0"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=50)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--user", default="coracle-test")
    ap.add_argument("--rootfs", default="/tmp/bb.tar")
    ap.add_argument("--coracle", default=os.environ.get("CORACLE", "target/release/coracle"))
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-stats-", dir="/dev/shm"))
    os.chmod(work, 0o755)
    binary = work / "coracle"
    shutil.copy(args.coracle, binary)
    rootfs = work / "rootfs.tar"
    shutil.copy(args.rootfs, rootfs)
    os.chmod(rootfs, 0o644)
    pw = pwd.getpwnam(args.user)
    home = work / "home"
    (home / "run").mkdir(parents=True)
    os.chmod(home / "run", 0o700)
    for d in (home, home / "run"):
        os.chown(d, pw.pw_uid, pw.pw_gid)
    user_env = {"HOME": str(home), "XDG_RUNTIME_DIR": str(home / "run"),
                "PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    tools = [
        Tool("coracle (rootful)", [str(binary), "--root", str(work / "c-root"),
                                   "--runroot", str(work / "c-run")], []),
        Tool("podman (rootful)", ["podman", "--root", str(work / "p-root"), "--runroot",
                                  str(work / "p-run"), "--cgroup-manager", "cgroupfs",
                                  "--events-backend", "file"], PODMAN_ULIMITS),
        Tool("coracle (rootless)", [str(binary), "--root", str(home / "c-root"),
                                    "--runroot", str(home / "run/c-run")], [],
             user=args.user, env=user_env),
    ]
    results = {tool.name: [] for tool in tools}
    try:
        for tool in tools:
            tool.fill(str(rootfs), args.count, args.jobs)
            tool.time_stats(args.count)  # warm-up
        # Runs alternate between the tools, so that a change in the machine's
        # load during the bench weighs on each alike.
        for _ in range(args.runs):
            for tool in tools:
                results[tool.name].append(tool.time_stats(args.count))
    finally:
        for tool in tools:
            tool.clean()
        shutil.rmtree(work, ignore_errors=True)
    print(f"stats --no-stream with {args.count} running containers, {args.runs} runs "
          f"({args.coracle})")
    print(f"{'tool':20} {'median ms':>10} {'min ms':>8} {'median CPU ms':>14}")
    for name, samples in results.items():
        walls = [w for w, _ in samples]
        cpus = [c for _, c in samples]
        print(f"{name:20} {statistics.median(walls) * 1000:10.1f} {min(walls) * 1000:8.1f} "
              f"{statistics.median(cpus) * 1000:14.1f}")

    def median(name: str, which: int) -> float:
        return statistics.median(s[which] for s in results[name])

    ratio = median("coracle (rootful)", 0) / median("podman (rootful)", 0)
    cpu_ratio = median("coracle (rootful)", 1) / median("podman (rootful)", 1)
    print(f"ratio coracle/podman (rootful): {ratio:.2f} wall, {cpu_ratio:.2f} CPU; "
          f"target <= {RATIO}: {'met' if ratio <= RATIO else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
