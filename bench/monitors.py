#!/usr/bin/env python3
"""What each detached container's monitor costs: start N detached `sleep`
containers with coracle (`run -d`) and with Podman (`run -d`, conmon), and report
the memory each monitor process adds (private RSS and PSS from smaps_rollup).

Python 3.11, standard library only. See bench/README.md. The shared pieces
(unprivileged user, registry, images, tables) come from bench/pull.py.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pull import (DEFAULT_WORKDIR, Coracle, Podman, Registry, bench_dirs,  # noqa: E402
                  default_coracle, log, prepare_images, print_table, sigterm_as_interrupt,
                  stage_binary, stop_podman_pause)


def smaps(pid: int) -> dict[str, int]:
    """kB figures of /proc/PID/smaps_rollup."""
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        out[key] = int(value.split()[0])
    return out


def monitors(uid: int, marker: str) -> list[int]:
    """PIDs of the user's processes whose argv contains `marker`."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            if os.stat(f"/proc/{entry}").st_uid != uid:
                continue
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            if any(marker.encode() == a or a.endswith(b"/" + marker.encode()) for a in argv):
                pids.append(int(entry))
    return pids


def start_all(user, tool, ref: str, n: int, logfile: Path) -> float:
    """Starts n detached `sleep 1000` containers; returns the seconds it took."""
    detached = tool.base() + (["--runtime", tool.runtime] if getattr(tool, "runtime", None) else [])
    detached += ["run", "-d"] + (["--network", "none"] if tool.name == "podman" else [])
    began = time.monotonic()
    with open(logfile, "ab") as lf:
        for _ in range(n):
            user.run(detached + [ref, "sleep", "1000"], stdout=lf, stderr=lf)
    return time.monotonic() - began


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=50, help="containers per tool (default 50)")
    ap.add_argument("--workdir", default=DEFAULT_WORKDIR)
    ap.add_argument("--disk", action="store_true", help="stores on disk")
    ap.add_argument("--storedir", help="stores here (overrides --disk)")
    ap.add_argument("--coracle", default=default_coracle())
    ap.add_argument("--podman-runtime", default="runc")
    args = ap.parse_args()

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (image,) = prepare_images(workdir, ["busybox"])
    user, storedir, logfile = bench_dirs(args, workdir, "monitors")
    coracle = Coracle(user, storedir, str(stage_binary(workdir, args.coracle)))
    tools = [coracle]
    if shutil.which("podman"):
        tools.append(Podman(user, storedir, runtime=args.podman_runtime or None))
    uid = int(subprocess.run(["id", "-u", user.name], capture_output=True, text=True).stdout)
    markers = {"coracle": "monitor", "podman": "conmon"}
    rows = []
    with sigterm_as_interrupt():
        try:
            with Registry(workdir) as reg:
                ref = reg.push_layout(image.layout, image.tag, image.name)
                for t in tools:
                    t.reset(logfile)
                    with open(logfile, "ab") as lf:
                        user.run(t.pull_cmd(ref), stdout=lf, stderr=lf)
            for t in tools:
                seconds = start_all(user, t, ref, args.n, logfile)
                pids = monitors(uid, markers[t.name])
                if len(pids) != args.n:
                    raise RuntimeError(f"{t.name}: {len(pids)} monitors for {args.n} containers")
                figures = [smaps(p) for p in pids]
                private = [f["Private_Clean"] + f["Private_Dirty"] for f in figures]
                pss = [f["Pss"] for f in figures]
                rss = [f["Rss"] for f in figures]
                rows.append([f"{t.name} ({markers[t.name]})", str(args.n),
                             f"{statistics.median(private) / 1024:.2f} MiB",
                             f"{statistics.median(pss) / 1024:.2f} MiB",
                             f"{statistics.median(rss) / 1024:.2f} MiB",
                             f"{sum(private) / 1024:.1f} MiB",
                             f"{seconds / args.n * 1000:.0f} ms"])
                t.reset(logfile)
        finally:
            for t in tools:
                with contextlib.suppress(Exception):
                    t.reset(logfile)
            stop_podman_pause(user)
    print(f"\nmonitor memory: {args.n} detached `sleep 1000` containers per tool, "
          f"stores under {storedir}; log: {logfile}")
    print_table(rows, ["monitor", "containers", "private RSS (median)", "PSS (median)",
                       "RSS (median)", "private RSS (all)", "run -d (mean)"])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; stores reset")
        sys.exit(130)
