#!/usr/bin/env python3
"""coracle ps benchmark: `coracle ps -a` vs `podman ps -a` with 0, 100 and 1000
containers in the store.

Python 3.11, standard library only, plus hyperfine for the timing. See
bench/README.md. The user, registry, image and tools come from bench/pull.py,
hyperfine from bench/run.py.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pull import (DEFAULT_WORKDIR, Coracle, Podman, Registry, bench_dirs,  # noqa: E402
                  default_coracle, log, need, prepare_images, print_table,
                  sigterm_as_interrupt, stage_binary, stop_podman_pause)
from run import hyperfine  # noqa: E402

TARGET_MS = 50.0        # issue 4: `ps -a` at 1000 containers under 50 ms
RATIO_PODMAN = 0.2      # ... and at most 0.2x Podman's


def create_cmd(tool, image: str) -> list[str]:
    """A container that is created, not started (the same for both tools)."""
    if isinstance(tool, Podman):
        rt = ["--runtime", tool.runtime] if tool.runtime else []
        return tool.base() + rt + ["create", "--network", "none", image, "true"]
    return tool.base() + ["create", image, "true"]


def ps_cmd(tool) -> list[str]:
    rt = ["--runtime", tool.runtime] if isinstance(tool, Podman) and tool.runtime else []
    return tool.base() + rt + ["ps", "-a"]


def fill(tool, image: str, count: int, jobs: int, logfile: Path) -> None:
    """Creates containers until the store holds `count` (not timed)."""
    have = len(tool.user.run(tool.base() + ["ps", "-a", "-q"], capture_output=True,
                             text=True).stdout.split())
    cmd = create_cmd(tool, image)

    def one(_):
        return tool.user.run(cmd, check=False, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)

    with ThreadPoolExecutor(jobs) as pool:
        for r in pool.map(one, range(count - have)):
            if r.returncode != 0:
                with open(logfile, "a") as lf:
                    lf.write(r.stderr)
                raise RuntimeError(f"{tool.name} create failed; see {logfile}")
    have = len(tool.user.run(tool.base() + ["ps", "-a", "-q"], capture_output=True,
                             text=True).stdout.split())
    if have != count:
        raise RuntimeError(f"{tool.name} lists {have} containers, not {count}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--counts", default="0,100,1000",
                    help="container counts to measure at (default 0,100,1000)")
    ap.add_argument("--runs", type=int, default=20,
                    help="timed runs per command and count, over the rounds (default 20)")
    ap.add_argument("--rounds", type=int, default=2, help="hyperfine rounds (default 2)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed runs per command and round")
    ap.add_argument("--jobs", type=int, default=4, help="parallel creates (default 4)")
    ap.add_argument("--workdir", default=DEFAULT_WORKDIR)
    ap.add_argument("--disk", action="store_true", help="stores on disk, as pull.py")
    ap.add_argument("--storedir", help="stores here (overrides --disk)")
    ap.add_argument("--coracle", default=default_coracle())
    ap.add_argument("--podman-runtime", default="runc",
                    help="OCI runtime for podman (default runc, as run.py)")
    ap.add_argument("--no-podman", action="store_true")
    ap.add_argument("--json", help="also write raw times to this file")
    args = ap.parse_args()
    need("hyperfine", "hyperfine")
    counts = sorted(int(c) for c in args.counts.split(","))

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o755)
    (image,) = prepare_images(workdir, ["busybox"])
    user, storedir, logfile = bench_dirs(args, workdir, "ps")
    coracle_bin = stage_binary(workdir, args.coracle)
    tools = [Coracle(user, storedir, str(coracle_bin))]
    if not args.no_podman and shutil.which("podman"):
        tools.append(Podman(user, storedir, runtime=args.podman_runtime or None))

    times: dict[tuple[int, str], list[float]] = {}
    with sigterm_as_interrupt():
        try:
            with Registry(workdir) as reg:
                ref = reg.push_layout(image.layout, image.tag, image.name)
                for t in tools:
                    t.reset(logfile)
                    with open(logfile, "ab") as lf:
                        user.run(t.pull_cmd(ref), stdout=lf, stderr=lf)
            descr = [t.describe() for t in tools]
            for count in counts:
                for t in tools:
                    fill(t, ref, count, args.jobs, logfile)
                log(f"{count} containers in each store")
                per_round = math.ceil(args.runs / args.rounds)
                for rnd in range(args.rounds):
                    order = tools if rnd % 2 == 0 else list(reversed(tools))
                    res = hyperfine(user, [(t.name, ps_cmd(t)) for t in order], per_round,
                                    args.warmup, user.home / ".bench-hyperfine.json", logfile)
                    for t in tools:
                        times.setdefault((count, t.name), []).extend(res[t.name]["times"])
        finally:
            for t in tools:
                with contextlib.suppress(Exception):
                    t.reset(logfile)
            stop_podman_pause(user)

    print(f"\ncoracle ps benchmark: `ps -a` over created containers of {image.name}, "
          f"{args.runs} runs each; nproc {os.cpu_count()}, load average "
          f"{os.getloadavg()[0]:.1f}")
    for d in descr:
        print(f"  {d}")
    print()
    rows = []
    for count in counts:
        med = {name: statistics.median(ts) for (c, name), ts in times.items() if c == count}
        for (c, name), ts in times.items():
            if c != count:
                continue
            ms = lambda x: f"{x * 1000:.1f} ms"
            target = ratio = ""
            if name == "coracle":
                if count == max(counts):
                    ok = med[name] * 1000 < TARGET_MS
                    target = f"< {TARGET_MS:g} ms: {'PASS' if ok else 'MISS'}"
                if "podman" in med:
                    q = med[name] / med["podman"]
                    ratio = f"{q:.2f}x (<= {RATIO_PODMAN}x: {'PASS' if q <= RATIO_PODMAN else 'MISS'})"
            rows.append([str(count), name, ms(med[name]), ms(min(ts)), ms(max(ts)), target, ratio])
    print_table(rows, ["containers", "tool", "median", "min", "max", "target", "coracle/podman"])
    if args.json:
        Path(args.json).write_text(json.dumps(
            {f"{c}/{n}": ts for (c, n), ts in times.items()}, indent=1))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; stores reset")
        sys.exit(130)
