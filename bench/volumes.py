#!/usr/bin/env python3
"""coracle volumes benchmark, side by side with Podman (issue 13):

1. `run --rm IMAGE true` with three `-v` mounts (three bind mounts; three named
   volumes made beforehand) against none: what mounts add (target <= 1 ms);
2. `volume ls` with 1000 volumes (target <= 50 ms);
3. `run --rm -v /data IMAGE true` on an image with 10,000 files under /data: a
   new anonymous volume, the copy-up of those files into it, and its removal,
   against the same run without the volume (target <= Podman's time).

Python 3.11, standard library only, plus hyperfine. See bench/README.md. The
user, registry, image and tools come from bench/pull.py, hyperfine and the
shared options from bench/run.py.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from net import check_runs, runtime_args, tool_run  # noqa: E402
from pull import (Coracle, Podman, Registry, log, need, print_table,  # noqa: E402
                  sigterm_as_interrupt, stop_podman_pause, store_everywhere)
from run import add_timing_args, busybox_setup, hyperfine  # noqa: E402

VOLUMES_LISTED = 1000
FILES = 10000
FILES_IMAGE = "localhost/files10k:latest"


def run_cmd(tool, image: str, *args: str) -> list[str]:
    return tool.base() + runtime_args(tool) + ["run", "--rm", "--network", "none", *args,
                                               image, "true"]


def timed(args, user, cmds: list[tuple[str, list[str]]], logfile: Path) -> dict[str, list[float]]:
    """Each command checked once, then hyperfine rounds in alternating order;
    returns each command's times in seconds."""
    check_runs(user, cmds, logfile)
    times: dict[str, list[float]] = {name: [] for name, _ in cmds}
    per_round = math.ceil(args.runs / args.rounds)
    for rnd in range(args.rounds):
        order = cmds if rnd % 2 == 0 else list(reversed(cmds))
        res = hyperfine(user, order, per_round, args.warmup,
                        user.home / ".bench-hyperfine.json", logfile)
        for name, _ in cmds:
            times[name] += res[name]["times"]
    return times


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def ratio(times, tools, label: str) -> str:
    names = [f"{t.name} {label}" for t in tools]
    if len(names) < 2:
        return ""
    return f"{statistics.median(times[names[0]]) / statistics.median(times[names[1]]):.2f}"


def bench_mounts(args, user, tools, ref: str, workdir: Path, logfile: Path) -> list[list[str]]:
    """run --rm with no mount, three binds and three named volumes."""
    dirs = [workdir / "binds" / d for d in ("a", "b", "c")]
    for d in dirs:
        user.mkdir(d)
    binds = [a for i, d in enumerate(dirs) for a in ("-v", f"{d}:/m{i}")]
    named = [a for i in range(3) for a in ("-v", f"benchvol{i}:/v{i}")]
    cmds = []
    for t in tools:
        for i in range(3):
            tool_run(user, t, logfile, "volume", "create", f"benchvol{i}", check=False)
        cmds += [(f"{t.name} none", run_cmd(t, ref)),
                 (f"{t.name} 3 binds", run_cmd(t, ref, *binds)),
                 (f"{t.name} 3 volumes", run_cmd(t, ref, *named))]
    times = timed(args, user, cmds, logfile)
    rows = []
    for t in tools:
        base = statistics.median(times[f"{t.name} none"])
        for label in ("none", "3 binds", "3 volumes"):
            series = times[f"{t.name} {label}"]
            rows.append([t.name, label, ms(statistics.median(series)), ms(min(series)),
                         ms(statistics.median(series) - base), ratio(times, tools, label)])
    return rows


def bench_ls(args, user, tools, logfile: Path) -> list[list[str]]:
    """volume ls with VOLUMES_LISTED volumes (made beforehand, not timed)."""
    cmds = []
    for t in tools:
        log(f"{t.name}: creating {VOLUMES_LISTED} volumes")
        for i in range(VOLUMES_LISTED):
            tool_run(user, t, logfile, "volume", "create", f"ls{i:04d}")
        cmds.append((f"{t.name} volume ls", t.base() + ["volume", "ls"]))
    times = timed(args, user, cmds, logfile)
    return [[t.name, ms(statistics.median(times[f"{t.name} volume ls"])),
             ms(min(times[f"{t.name} volume ls"])), ratio(times, tools, "volume ls")]
            for t in tools]


def files_image(user, tool, ref: str, logfile: Path) -> None:
    """FILES_IMAGE: the busybox image with FILES small files under /data, made
    by a container and committed (not timed)."""
    script = f"mkdir /data && cd /data && i=0; while [ $i -lt {FILES} ]; do echo $i > f$i; i=$((i+1)); done"
    name = "files-maker"
    tool_run(user, tool, logfile, "rm", "-f", name, check=False)
    tool_run(user, tool, logfile, "run", "--network", "none", "--name", name, ref,
             "sh", "-c", script)
    tool_run(user, tool, logfile, "commit", name, FILES_IMAGE)
    tool_run(user, tool, logfile, "rm", name)


def bench_copy_up(args, user, tools, ref: str, logfile: Path) -> list[list[str]]:
    cmds = []
    for t in tools:
        files_image(user, t, ref, logfile)
        cmds += [(f"{t.name} no volume", run_cmd(t, FILES_IMAGE)),
                 (f"{t.name} copy-up", run_cmd(t, FILES_IMAGE, "-v", "/data"))]
    times = timed(args, user, cmds, logfile)
    rows = []
    for t in tools:
        base = statistics.median(times[f"{t.name} no volume"])
        for label in ("no volume", "copy-up"):
            series = times[f"{t.name} {label}"]
            rows.append([t.name, label, ms(statistics.median(series)), ms(min(series)),
                         ms(statistics.median(series) - base), ratio(times, tools, label)])
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_timing_args(ap)
    ap.set_defaults(runs=20, rounds=2)
    ap.add_argument("--no-podman", action="store_true", help="coracle only")
    ap.add_argument("--only", default="mounts,ls,copyup",
                    help="sections to run, of mounts,ls,copyup (default all)")
    ap.add_argument("--json", help="also write the tables to this file")
    args = ap.parse_args()
    need("hyperfine", "hyperfine")
    only = set(args.only.split(","))

    workdir, image, user, storedir, logfile, coracle_bin = busybox_setup(args, "volumes")
    tools = [Coracle(user, storedir, str(coracle_bin))]
    if not args.no_podman and shutil.which("podman"):
        tools.append(Podman(user, storedir, runtime=args.podman_runtime or None))
    tables = {}
    with sigterm_as_interrupt():
        try:
            with Registry(workdir) as reg:
                ref = reg.push_layout(image.layout, image.tag, image.name)
                store_everywhere(user, tools, ref, logfile)
            descr = [t.describe() for t in tools]
            log(f"{ref} stored by {', '.join(t.name for t in tools)}; log: {logfile}")
            if "mounts" in only:
                tables["mounts"] = bench_mounts(args, user, tools, ref, workdir, logfile)
            if "copyup" in only:
                tables["copyup"] = bench_copy_up(args, user, tools, ref, logfile)
            if "ls" in only:
                tables["ls"] = bench_ls(args, user, tools, logfile)
        finally:
            for t in tools:
                with contextlib.suppress(Exception):
                    t.reset(logfile)
            stop_podman_pause(user)

    where = f"stores on {'disk' if args.disk or args.storedir else 'tmpfs'} ({storedir})"
    print(f"\ncoracle volumes benchmark: {image.name}, {where}")
    print(f"nproc {os.cpu_count()}, kernel {os.uname().release}, "
          f"load average at the end {os.getloadavg()[0]:.1f}; log: {logfile}")
    for d in descr:
        print(f"  {d}")
    headers = {
        "mounts": (f"`run --rm --network none IMAGE true` with three -v mounts ({args.runs} runs "
                   f"each, {args.rounds} hyperfine rounds)",
                   ["tool", "mounts", "median", "min", "added (median)", "coracle/podman"]),
        "ls": (f"`volume ls` with {VOLUMES_LISTED} volumes",
               ["tool", "median", "min", "coracle/podman"]),
        "copyup": (f"`run --rm -v /data IMAGE true`: a new anonymous volume filled with the "
                   f"image's {FILES} files under /data, then removed",
                   ["tool", "run", "median", "min", "added (median)", "coracle/podman"]),
    }
    for key, rows in tables.items():
        title, header = headers[key]
        print(f"\n{title}\n")
        print_table(rows, header)
    if args.json:
        Path(args.json).write_text(json.dumps({"where": where, "tools": descr,
                                               "tables": tables}, indent=1))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; stores reset")
        sys.exit(130)
