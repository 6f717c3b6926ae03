#!/usr/bin/env python3
"""coracle A/B: `coracle run --rm IMAGE true` with two or more binaries taking
turns run by run, each with a store of its own.

A few percent between two builds is less than a machine drifts by over one
hyperfine round, and a binary's own file matters too: one whose code the kernel
has gathered into huge pages (a copy run for a long while) starts faster than a
fresh copy of the same bytes. So the runs are interleaved, the order rotated each
round, and every binary is copied afresh at the start; naming one binary twice
gives the control pair, whose difference is the noise.

  python3 bench/ab.py OLD NEW [--rounds 300] [--run-flag=--network=none ...]

Prints, per binary, the median and mean wall time of its runs and the median CPU
(user + system of the process tree). Standard library only, plus the shared
pieces of bench/pull.py (unprivileged user, registry, busybox image).
"""
from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pull import (DEFAULT_WORKDIR, Coracle, Registry, bench_dirs, log,  # noqa: E402
                  prepare_images, store_everywhere)


def staged(workdir: Path, binaries: list[str]) -> list[Path]:
    """Fresh copies, made in the same moment, readable by the bench user."""
    bindir = workdir / "bin"
    bindir.mkdir(exist_ok=True)
    bindir.chmod(0o755)
    copies = []
    for i, src in enumerate(binaries):
        dst = bindir / f"ab-{i}"
        dst.unlink(missing_ok=True)
        shutil.copyfile(src, dst)
        dst.chmod(0o755)
        copies.append(dst)
    return copies


def timed(user, cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU milliseconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    user.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall * 1000, cpu * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binaries", nargs="+", help="coracle binaries (two or more; one may repeat)")
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--run-flag", action="append", default=[],
                    help="a flag for run, e.g. --run-flag=--network=none (repeatable)")
    ap.add_argument("--workdir", default=DEFAULT_WORKDIR)
    ap.add_argument("--storedir", help="stores here (default: the work dir's, on tmpfs)")
    args = ap.parse_args()
    args.disk = False
    if len(args.binaries) < 2:
        ap.error("give two binaries or more")
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    workdir.chmod(0o755)
    (image,) = prepare_images(workdir, ["busybox"])
    user, storedir, logfile = bench_dirs(args, workdir, "ab")
    tools = []
    for i, copy in enumerate(staged(workdir, args.binaries)):
        tool = Coracle(user, storedir, str(copy))
        tool.use_store(f"ab{i}")
        tools.append(tool)
    with Registry(workdir) as reg:
        ref = reg.push_layout(image.layout, image.tag, image.name)
        store_everywhere(user, tools, ref, logfile)
    cmds = [t.base() + ["run", "--rm", *args.run_flag, ref, "true"] for t in tools]
    results: list[list[tuple[float, float]]] = [[] for _ in tools]
    for r in range(args.rounds):
        for k in range(len(tools)):
            i = (r + k) % len(tools)
            results[i].append(timed(user, cmds[i]))
    log(f"`run --rm {' '.join(args.run_flag)} busybox true`, {args.rounds} rounds; log: {logfile}")
    for binary, runs in zip(args.binaries, results):
        wall = [w for w, _ in runs]
        cpu = [c for _, c in runs]
        print(f"{binary}: median {statistics.median(wall):.1f} ms, mean {statistics.mean(wall):.1f} ms, "
              f"min {min(wall):.1f} ms, CPU median {statistics.median(cpu):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
