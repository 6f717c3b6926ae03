#!/usr/bin/env python3
"""What a healthcheck costs the monitor: two detached `sleep` containers, one
with a 1 s-interval healthcheck (`--health-cmd true --health-interval 1s`) and
one without, watched over the same window (60 s by default). CPU is the
utime+stime of each monitor and of the children it reaped (each check runs in
a child of the monitor: cutime+cstime from /proc/PID/stat), as a share of one
core; memory is the monitor's PSS (smaps_rollup) at the end. Targets: at most
1% of one core and 0.5 MiB more than the container without a check.

Podman runs its healthchecks from systemd timers (`systemd-run --user`); with
no user systemd (CI runners, containers, this machine) `podman run
--health-cmd` logs "unable to get systemd connection to add healthchecks" and
never runs them, so there is no Podman row: it has nothing to compare here.

Python 3.11, standard library only. See bench/README.md. The shared pieces
(unprivileged user, registry, images, tables) come from bench/pull.py.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pull import (DEFAULT_WORKDIR, Coracle, Registry, bench_dirs,  # noqa: E402
                  default_coracle, log, prepare_images, print_table, sigterm_as_interrupt,
                  stage_binary)

TICK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid: int) -> int:
    """utime + stime + cutime + cstime of pid, in clock ticks."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    # fields[0] is field 3 (state): utime..cstime are fields 14..17.
    return sum(int(f) for f in fields[11:15])


def pss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def monitor_pid(user, coracle: Coracle, name: str) -> int:
    r = user.run(coracle.base() + ["inspect", "--format", "{{.State.ConmonPid}}", name],
                 capture_output=True, text=True)
    return int(r.stdout.strip())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=60, help="the window (default 60)")
    ap.add_argument("--interval", default="1s", help="the check's interval (default 1s)")
    ap.add_argument("--workdir", default=DEFAULT_WORKDIR)
    ap.add_argument("--disk", action="store_true", help="stores on disk")
    ap.add_argument("--storedir", help="stores here (overrides --disk)")
    ap.add_argument("--coracle", default=default_coracle())
    args = ap.parse_args()

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (image,) = prepare_images(workdir, ["busybox"])
    user, storedir, logfile = bench_dirs(args, workdir, "health")
    coracle = Coracle(user, storedir, str(stage_binary(workdir, args.coracle)))
    checks = {
        "with a check": ["--health-cmd", "true", "--health-interval", args.interval],
        "without": [],
    }
    rows = []
    with sigterm_as_interrupt():
        try:
            with Registry(workdir) as reg:
                ref = reg.push_layout(image.layout, image.tag, image.name)
                coracle.reset(logfile)
                with open(logfile, "ab") as lf:
                    user.run(coracle.pull_cmd(ref), stdout=lf, stderr=lf)
            pids = {}
            with open(logfile, "ab") as lf:
                for n, (what, flags) in enumerate(checks.items()):
                    name = f"health-bench-{n}"
                    user.run(coracle.base() + ["run", "-d", "--name", name, *flags, ref,
                                               "sleep", "100000"], stdout=lf, stderr=lf)
                    pids[what] = monitor_pid(user, coracle, name)
            # Past the start and the handoff, before the window opens.
            time.sleep(3)
            before = {what: cpu_ticks(pid) for what, pid in pids.items()}
            began = time.monotonic()
            time.sleep(args.seconds)
            elapsed = time.monotonic() - began
            after = {what: cpu_ticks(pid) for what, pid in pids.items()}
            pss = {what: pss_kib(pid) for what, pid in pids.items()}
            r = user.run(coracle.base() + ["inspect", "--format",
                                           "{{.State.Health.Status}} {{len .State.Health.Log}}",
                                           "health-bench-0"], capture_output=True, text=True)
            for what in checks:
                cpu = (after[what] - before[what]) / TICK / elapsed * 100
                rows.append([what, f"{cpu:.2f}%", f"{pss[what] / 1024:.2f} MiB"])
            extra_cpu = ((after["with a check"] - before["with a check"])
                         - (after["without"] - before["without"])) / TICK / elapsed * 100
            extra_pss = (pss["with a check"] - pss["without"]) / 1024
            rows.append(["check's cost", f"{extra_cpu:.2f}% (target <= 1%)",
                         f"{extra_pss:+.2f} MiB (target <= 0.5)"])
        finally:
            with contextlib.suppress(Exception):
                coracle.reset(logfile)
    print(f"\nhealthcheck cost: {args.interval} interval over {elapsed:.0f} s, "
          f"health at the end: {r.stdout.strip()}; stores under {storedir}; log: {logfile}")
    print_table(rows, ["monitor", "CPU (monitor + checks, of one core)", "PSS"])
    print("podman: no row; its healthchecks need a user systemd, which this machine lacks")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; stores reset")
        sys.exit(130)
