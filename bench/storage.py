#!/usr/bin/env python3
"""coracle storage driver benchmark (issue 18): `coracle run --rm IMAGE true`
on the vfs driver against the kernel overlay, busybox image, side by side in
the same run, with Podman on the same two drivers for reference. Target: vfs
at most 3x the kernel overlay's median.

Python 3.11, standard library only, plus hyperfine for the timing. See
bench/README.md. The user, registry, image and tables come from bench/pull.py,
the timing options and hyperfine from bench/run.py.
"""
from __future__ import annotations

import argparse
import math
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pull import (Coracle, Podman, Registry, log, need, print_table,  # noqa: E402
                  sigterm_as_interrupt, store_everywhere)
from run import add_timing_args, busybox_setup, hyperfine  # noqa: E402

TARGET = 3.0   # issue 18: vfs's `run --rm true` at most 3x the kernel overlay's
# Short, for store paths: Podman refuses a run root longer than 50 characters.
SHORT = {"overlay": "ovl", "vfs": "vfs"}


class CoracleOn(Coracle):
    """coracle with its store on one driver."""

    def __init__(self, user, storedir, binary: str, driver: str):
        self.driver = driver
        self.name = f"coracle-{SHORT[driver]}"
        super().__init__(user, storedir, binary)

    def base(self) -> list[str]:
        return super().base() + ["--storage-driver", self.driver]


class PodmanOn(Podman):
    """Podman with its store on one driver."""

    def __init__(self, user, storedir, driver: str, runtime: str | None):
        self.driver = driver
        self.name = f"podman-{SHORT[driver]}"
        super().__init__(user, storedir, runtime=runtime)

    def base(self) -> list[str]:
        cmd = super().base()
        cmd[cmd.index("--storage-driver") + 1] = self.driver
        return cmd


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_timing_args(ap)
    ap.add_argument("--no-podman", action="store_true", help="coracle only")
    args = ap.parse_args()
    need("hyperfine", "hyperfine")

    workdir, image, user, storedir, logfile, coracle_bin = busybox_setup(args, "storage")
    tools = [CoracleOn(user, storedir, str(coracle_bin), d) for d in ("overlay", "vfs")]
    if not args.no_podman and shutil.which("podman"):
        runtime = args.podman_runtime or None
        tools += [PodmanOn(user, storedir, d, runtime) for d in ("overlay", "vfs")]

    times: dict[str, list[float]] = {t.name: [] for t in tools}
    with sigterm_as_interrupt():
        with Registry(workdir) as reg:
            ref = reg.push_layout(image.layout, image.tag, image.name)
            store_everywhere(user, tools, ref, logfile)
        log(f"{ref} stored by {', '.join(t.name for t in tools)}; log: {logfile}")
        cmds = [(t.name, t.run_cmd(ref, "true")) for t in tools]
        per_round = math.ceil(args.runs / args.rounds)
        for rnd in range(args.rounds):
            order = cmds if rnd % 2 == 0 else list(reversed(cmds))
            res = hyperfine(user, order, per_round, args.warmup,
                            user.home / ".bench-hyperfine.json", logfile)
            for name in times:
                times[name] += res[name]["times"]
        for t in tools:
            t.reset(logfile)

    median = {name: statistics.median(ts) for name, ts in times.items()}
    rows = []
    for engine in ("coracle", "podman"):
        if f"{engine}-ovl" not in median:
            continue
        overlay, vfs = median[f"{engine}-ovl"], median[f"{engine}-vfs"]
        ratio = vfs / overlay
        target = f"<= {TARGET:.1f}x: {'met' if ratio <= TARGET else 'MISSED'}" \
            if engine == "coracle" else "(reference)"
        rows.append([engine, f"{overlay * 1000:.1f} ms", f"{vfs * 1000:.1f} ms",
                     f"{ratio:.2f}x", target])
    print_table(rows, ["engine", "overlay median", "vfs median", "vfs/overlay", "target"])
    return 0 if rows and float(rows[0][3][:-1]) <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
