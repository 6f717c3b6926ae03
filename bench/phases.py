"""Where one `coracle run --rm IMAGE true` spends its time, from kernel
tracepoints (perf record: process fork/exec/exit and a few syscalls; a few
percent of overhead, unlike strace). Used by run.py --phases N.

Phase boundaries, all in the one coracle process P and its children:
  start     exec of coracle (P)
  userns    P forks its helper, which runs newuidmap and newgidmap; ends when it exits
  store     P after the user namespace is entered, until it re-execs itself as the
            monitor (after a pull) or, acting as its own monitor, until its first unshare
  monitor   the re-exec'd monitor starts, until its first unshare (mount namespace);
            empty when `run` is its own monitor
  ns+mount  unshare(NEWNS, NEWNET), the overlay mount, until libcontainer's first clone3
  create    libcontainer: intermediate and init processes, namespaces, mounts,
            pivot_root, seccomp, ... until the container's command is exec'd
  command   the container's command (here /bin/true), exec to exit
  cleanup   after the command exits: unmount, remove the container, until P exits
"""
from __future__ import annotations

import re
import statistics
import subprocess
from pathlib import Path

EVENTS = ["sched:sched_process_exec", "sched:sched_process_fork", "sched:sched_process_exit",
          "syscalls:sys_enter_unshare", "syscalls:sys_enter_clone3",
          "syscalls:sys_enter_seccomp", "syscalls:sys_enter_pivot_root",
          "syscalls:sys_enter_fsync", "syscalls:sys_enter_fdatasync"]
PHASES = ["start", "userns", "store", "monitor", "ns+mount", "create", "command", "cleanup"]
LINE = re.compile(r"^\s*(.+?)\s+(\d+)\s+\[\d+\]\s+([\d.]+):\s+(\S+):\s*(.*)$")


def record(user_argv: list[str], out: Path) -> None:
    """perf record (as root) of user_argv, which runs coracle as the user."""
    subprocess.run(["perf", "record", "-q", "-o", str(out), "-e", ",".join(EVENTS), "--",
                    *user_argv], check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def parse(data: Path, coracle_path: str) -> dict[str, float]:
    """Phase durations (seconds) of one recorded run."""
    text = subprocess.run(["perf", "script", "-i", str(data)], capture_output=True,
                          text=True, check=True).stdout
    ev = []
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            ev.append((float(m.group(3)), int(m.group(2)), m.group(4).split(":")[-1], m.group(5)))
    t = {}
    p = helper = None
    fsyncs = 0
    execs_p = 0
    container_pid = None
    for ts, pid, name, args in ev:
        if name == "sched_process_exec" and f"filename={coracle_path} " in args + " ":
            if p is None:
                p, t["start"] = pid, ts
            elif pid == p:
                execs_p += 1
                t["monitor"] = ts
        elif p is None:
            continue
        elif name == "sched_process_fork" and pid == p and helper is None:
            helper = int(re.search(r"child_pid=(\d+)", args).group(1))
            t["userns"] = ts
        elif name == "sched_process_exit" and pid == helper and "store" not in t:
            t["store"] = ts
        elif name == "sys_enter_unshare" and pid == p and "store" in t and "ns+mount" not in t:
            # A run that is its own monitor (no re-exec) has an empty monitor phase.
            t.setdefault("monitor", ts)
            t["ns+mount"] = ts
        elif name == "sys_enter_clone3" and pid == p and "ns+mount" in t and "create" not in t:
            t["create"] = ts
        elif name == "sched_process_exec" and "create" in t and "command" not in t:
            container_pid, t["command"] = pid, ts
        elif name == "sched_process_exit" and pid == container_pid and "cleanup" not in t:
            t["cleanup"] = ts
        elif name == "sched_process_exit" and pid == p:
            t["end"] = ts
        if name in ("sys_enter_fsync", "sys_enter_fdatasync") and p is not None:
            fsyncs += 1
    bounds = PHASES + ["end"]
    missing = [b for b in bounds if b not in t]
    if missing:
        raise RuntimeError(f"phases: no {missing} in {data}")
    out = {a: t[b] - t[a] for a, b in zip(bounds, bounds[1:])}
    out["total"] = t["end"] - t["start"]
    out["fsyncs"] = fsyncs
    return out


def summarize(runs: list[dict[str, float]]) -> list[list[str]]:
    rows = []
    for ph in PHASES + ["total"]:
        vals = [r[ph] for r in runs]
        rows.append([ph, f"{statistics.median(vals) * 1000:.1f} ms",
                     f"{min(vals) * 1000:.1f} ms", f"{max(vals) * 1000:.1f} ms"])
    rows.append(["fsync/fdatasync calls", f"{statistics.median(r['fsyncs'] for r in runs):g}", "", ""])
    return rows
