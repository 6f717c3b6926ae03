#!/usr/bin/env python3
"""coracle exec benchmark: `coracle exec CONTAINER true` vs. `podman exec CONTAINER
true` (overlay, runc), each against a container of its own left running.

Python 3.11, standard library only, plus hyperfine for the timing. See
bench/README.md. The shared pieces (unprivileged user, registry, images, tables)
come from bench/pull.py, the hyperfine driver from bench/run.py.
"""
from __future__ import annotations

import argparse
import contextlib
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pull import (Coracle, Podman, Registry, log, need, print_table,  # noqa: E402
                  sigterm_as_interrupt, stop_podman_pause, store_everywhere)
from run import add_timing_args, busybox_setup, hyperfine  # noqa: E402

CONTAINER = "bench-exec"


def start_cmd(tool, ref: str) -> list[str]:
    """The long-lived container each tool execs into (detached, no network)."""
    if isinstance(tool, Podman):
        rt = ["--runtime", tool.runtime] if tool.runtime else []
        return tool.base() + rt + ["run", "-d", "--network", "none", "--name", CONTAINER,
                                   ref, "sleep", "1000000"]
    return tool.base() + ["run", "-d", "--name", CONTAINER, ref, "sleep", "1000000"]


def exec_cmd(tool) -> list[str]:
    rt = ["--runtime", tool.runtime] if isinstance(tool, Podman) and tool.runtime else []
    return tool.base() + rt + ["exec", CONTAINER, "true"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_timing_args(ap)
    args = ap.parse_args()
    need("hyperfine", "hyperfine")
    need("podman", "podman")

    workdir, image, user, storedir, logfile, coracle_bin = busybox_setup(args, "exec")
    tools = [Coracle(user, storedir, str(coracle_bin)),
             Podman(user, storedir, runtime=args.podman_runtime or None)]
    times: dict[str, list[float]] = {t.name: [] for t in tools}

    with sigterm_as_interrupt():
        try:
            # 1. the image into each store, and a container left running (not timed)
            with Registry(workdir) as reg:
                ref = reg.push_layout(image.layout, image.tag, image.name)
                store_everywhere(user, tools, ref, logfile)
            for t in tools:
                with open(logfile, "ab") as lf:
                    lf.write(f"$ {' '.join(start_cmd(t, ref))}\n".encode())
                    lf.flush()
                    user.run(start_cmd(t, ref), stdout=lf, stderr=lf)
                    r = user.run(exec_cmd(t), check=False, stdin=subprocess.DEVNULL,
                                 stdout=lf, stderr=lf)
                if r.returncode != 0:
                    raise RuntimeError(f"{t.name} exec exited {r.returncode}; see {logfile}")
            descr = [t.describe() for t in tools]

            # 2. timed: hyperfine rounds, command order alternating
            per_round = math.ceil(args.runs / args.rounds)
            for rnd in range(args.rounds):
                order = tools if rnd % 2 == 0 else list(reversed(tools))
                res = hyperfine(user, [(t.name, exec_cmd(t)) for t in order], per_round,
                                args.warmup, user.home / ".bench-hyperfine.json", logfile)
                for t in tools:
                    times[t.name] += res[t.name]["times"]
                log(f"round {rnd + 1}/{args.rounds}: " + ", ".join(
                    f"{t.name} {statistics.median(res[t.name]['times']) * 1000:.1f} ms"
                    for t in tools))
        finally:
            for t in tools:
                with contextlib.suppress(Exception), open(logfile, "ab") as lf:
                    user.run(t.base() + ["rm", "-f", CONTAINER], check=False,
                             stdout=lf, stderr=lf)
                with contextlib.suppress(Exception):
                    t.reset(logfile)
            stop_podman_pause(user)

    where = f"stores on {'disk' if args.disk or args.storedir else 'tmpfs'} ({storedir})"
    n = len(times["coracle"])
    print(f"\ncoracle exec benchmark: `exec {CONTAINER} true` into a running {image.name} "
          f"container, {n} runs each ({args.rounds} hyperfine rounds, {args.warmup} warm-up "
          f"runs per round), {where}")
    print(f"nproc {os.cpu_count()}, kernel {os.uname().release}, "
          f"load average {os.getloadavg()[0]:.1f}")
    for t, d in zip(tools, descr):
        print(f"  {d}: {' '.join(exec_cmd(t))}")
    print()
    med = {name: statistics.median(ts) for name, ts in times.items()}
    ms = lambda x: f"{x * 1000:.1f} ms"
    rows = []
    for t in tools:
        ratio = f"{med['coracle'] / med['podman']:.2f}x" if t.name == "coracle" else ""
        rows.append([t.name, ms(med[t.name]), ms(min(times[t.name])), ms(max(times[t.name])),
                     ratio])
    print_table(rows, ["tool", "median", "min", "max", "coracle/podman"])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; stores reset")
        sys.exit(130)
