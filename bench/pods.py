#!/usr/bin/env python3
"""coracle pods benchmark (issue 20): coracle against Podman, side by side.

1. `pod create` + two `run -d --pod` + `pod rm -f` (one pod's whole life, as a
   shell script timed by hyperfine; `-t 0` on rm for both, as the busybox
   `sleep` members ignore SIGTERM as PID 1 and would otherwise cost both 10 s);
2. the memory a running pod holds beyond its containers' monitors: the PSS
   of every process that an empty started pod adds (coracle: the infra's
   monitor, coracle-init -P and the pod's network helper; Podman: the infra's
   conmon, catatonit and its network helpers), averaged over several pods.

Python 3.11, standard library only, plus hyperfine for the timing. See
bench/README.md. The user, registry, image and tools come from bench/pull.py,
hyperfine from bench/run.py, smaps from bench/monitors.py.
"""
from __future__ import annotations

import argparse
import contextlib
import math
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from monitors import smaps  # noqa: E402
from pull import (Podman, Registry, log, need, print_table,  # noqa: E402
                  sigterm_as_interrupt, stop_podman_pause, store_everywhere, Coracle)
from run import add_timing_args, busybox_setup, hyperfine  # noqa: E402

TARGET = 0.2   # issue 20: coracle/podman at most
POD = "bench-pod"


def runtime(tool) -> list[str]:
    return ["--runtime", tool.runtime] if isinstance(tool, Podman) and tool.runtime else []


def network_args(network: str | None) -> list[str]:
    return ["--network", network] if network else []


def life_script(tool, ref: str, network: str | None) -> str:
    """One pod's life: create, two members, forced removal."""
    base = " ".join(shlex.quote(a) for a in tool.base())
    rt = " ".join(runtime(tool))
    net = " ".join(network_args(network))
    return " && ".join([
        f"{base} pod create {net} --name {POD} >/dev/null",
        f"{base} {rt} run -d --pod {POD} {ref} sleep 1000 >/dev/null",
        f"{base} {rt} run -d --pod {POD} {ref} sleep 1000 >/dev/null",
        f"{base} pod rm -f -t 0 {POD} >/dev/null",
    ])


def user_pids(uid: int) -> set[int]:
    pids = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    pids.add(int(entry))
    return pids


def pss(pids) -> int:
    """Summed PSS in kB of the live ones."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, KeyError):
            total += smaps(pid)["Pss"]
    return total


def pod_memory(user, tool, n: int, network: str | None,
               logfile: Path) -> tuple[float, list[str]]:
    """kB of PSS each started empty pod adds, and what its processes are."""
    cmd = lambda *a: tool.base() + list(a)
    with open(logfile, "ab") as lf:
        # Once untimed, so that what is shared (Podman's pause process, the
        # infra image) exists before the count.
        user.run(cmd("pod", "create", *network_args(network), "--name", "warm"),
                 stdout=lf, stderr=lf)
        user.run(cmd("pod", "start", "warm"), stdout=lf, stderr=lf)
        user.run(cmd("pod", "rm", "-f", "-t", "0", "warm"), stdout=lf, stderr=lf)
        time.sleep(1)
        before = user_pids(user.uid)
        for i in range(n):
            user.run(cmd("pod", "create", *network_args(network), "--name", f"mem{i}"),
                     stdout=lf, stderr=lf)
            user.run(cmd("pod", "start", f"mem{i}"), stdout=lf, stderr=lf)
        time.sleep(1)
        added = user_pids(user.uid) - before
        names = sorted({Path(f"/proc/{p}/comm").read_text().strip() for p in added
                        if os.path.exists(f"/proc/{p}/comm")})
        kb = pss(added) / n
        for i in range(n):
            user.run(cmd("pod", "rm", "-f", "-t", "0", f"mem{i}"), check=False,
                     stdout=lf, stderr=lf)
    return kb, names


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_timing_args(ap)
    ap.add_argument("--pods", type=int, default=5, help="pods for the memory figure (default 5)")
    ap.add_argument("--network", help="the pods' network for both tools (pasta, slirp4netns, "
                    "none); default: each tool's own default (coracle: pasta, Podman 4.3: "
                    "slirp4netns)")
    args = ap.parse_args()
    need("hyperfine", "hyperfine")
    need("podman", "podman")
    need("catatonit", "catatonit")

    workdir, image, user, storedir, logfile, coracle_bin = busybox_setup(args, "pods")
    tools = [Coracle(user, storedir, str(coracle_bin)),
             Podman(user, storedir, runtime=args.podman_runtime or None)]
    times: dict[str, list[float]] = {t.name: [] for t in tools}
    memory: dict[str, tuple[float, list[str]]] = {}

    with sigterm_as_interrupt():
        try:
            with Registry(workdir) as reg:
                ref = reg.push_layout(image.layout, image.tag, image.name)
                store_everywhere(user, tools, ref, logfile)
            descr = [t.describe() for t in tools]
            for t in tools:
                memory[t.name] = pod_memory(user, t, args.pods, args.network, logfile)
                log(f"{t.name}: {memory[t.name][0]:.0f} kB per pod ({', '.join(memory[t.name][1])})")
            per_round = math.ceil(args.runs / args.rounds)
            for rnd in range(args.rounds):
                order = tools if rnd % 2 == 0 else list(reversed(tools))
                cmds = [(t.name, ["sh", "-c", life_script(t, ref, args.network)]) for t in order]
                res = hyperfine(user, cmds, per_round, args.warmup,
                                user.home / ".bench-hyperfine.json", logfile)
                for t in tools:
                    times[t.name] += res[t.name]["times"]
                log(f"round {rnd + 1}/{args.rounds}: " + ", ".join(
                    f"{t.name} {statistics.median(res[t.name]['times']) * 1000:.0f} ms"
                    for t in tools))
        finally:
            for t in tools:
                with contextlib.suppress(Exception), open(logfile, "ab") as lf:
                    user.run(t.base() + ["pod", "rm", "-f", "-t", "0", POD], check=False,
                             stdout=lf, stderr=lf)
                with contextlib.suppress(Exception):
                    t.reset(logfile)
            stop_podman_pause(user)

    where = f"stores on {'disk' if args.disk or args.storedir else 'tmpfs'} ({storedir})"
    n = len(times["coracle"])
    print(f"\ncoracle pods benchmark: pod create + two run -d --pod + pod rm -f -t 0, "
          f"{n} runs each ({args.rounds} hyperfine rounds, {args.warmup} warm-up runs per "
          f"round), {where}")
    print(f"nproc {os.cpu_count()}, kernel {os.uname().release}, "
          f"load average {os.getloadavg()[0]:.1f}")
    for t, d in zip(tools, descr):
        print(f"  {d}: sh -c '{life_script(t, ref, args.network)}'")
    print()
    med = {name: statistics.median(ts) for name, ts in times.items()}
    ms = lambda x: f"{x * 1000:.0f} ms"
    rows = []
    for t in tools:
        ratio = f"{med['coracle'] / med['podman']:.2f}x (target <= {TARGET}x)" \
            if t.name == "coracle" else ""
        rows.append([t.name, ms(med[t.name]), ms(min(times[t.name])), ms(max(times[t.name])),
                     ratio])
    print_table(rows, ["tool", "median", "min", "max", "coracle/podman"])
    print()
    rows = []
    for t in tools:
        kb, names = memory[t.name]
        ratio = f"{kb / memory['podman'][0]:.2f}x" if t.name == "coracle" else ""
        rows.append([t.name, f"{kb:.0f} kB", ", ".join(names), ratio])
    print_table(rows, ["tool", f"PSS per started empty pod (of {args.pods})",
                       "its processes", "coracle/podman"])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; stores reset")
        sys.exit(130)
