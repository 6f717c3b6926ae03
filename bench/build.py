#!/usr/bin/env python3
"""coracle build benchmark: `coracle build` vs. `podman build` (overlay, runc), a
small project built uncached (--no-cache) and fully cached, side by side.

Python 3.11, standard library only. See bench/README.md. The shared pieces
(unprivileged user, registry, busybox image, GNU time, tables) come from
bench/pull.py.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pull import (DEFAULT_WORKDIR, MIB, Coracle, Podman, Registry,  # noqa: E402
                  bench_dirs, default_coracle, log, prepare_images, print_table,
                  sigterm_as_interrupt, stage_binary, stop_podman_pause, timed_run)

RATIO_UNCACHED = 0.7   # issue 5: uncached at most 0.7x Podman's time
RATIO_CACHED = 0.25    # ... fully cached at most 0.25x

DOCKERFILE = """FROM {base}
RUN mkdir -p /data && for i in $(seq 1 100); do echo "line $i" > /data/f$i; done
COPY big.bin /opt/big.bin
COPY many /opt/many
ENV APP_HOME=/app MODE=bench
WORKDIR /app
CMD ["sh", "-c", "ls /opt/many | wc -l"]
"""


def write_project(dest: Path, base: str, user) -> None:
    """The project: a Dockerfile, a 1 MiB file and a directory of 1,000 small files."""
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "many").mkdir(parents=True)
    (dest / "Dockerfile").write_text(DOCKERFILE.format(base=base))
    rng = random.Random(5)
    (dest / "big.bin").write_bytes(rng.randbytes(MIB))
    for i in range(1000):
        (dest / "many" / f"file{i:04}.txt").write_bytes(rng.randbytes(rng.randint(16, 2048)))
    if user.is_root:
        for path in [dest, *dest.rglob("*")]:
            os.chown(path, user.uid, user.gid)


def build_cmd(tool, project: Path, cached: bool, runtime: str | None) -> list[str]:
    flags = ["-t", "bench-build:latest", "--pull=never"]
    if not cached:
        flags.append("--no-cache")
    if isinstance(tool, Podman):
        rt = ["--runtime", runtime] if runtime else []
        return tool.base() + rt + ["build", *flags, str(project)]
    return tool.base() + ["build", *flags, str(project)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="builds per tool and kind (default 5)")
    ap.add_argument("--workdir", default=DEFAULT_WORKDIR)
    ap.add_argument("--disk", action="store_true", help="stores on disk, not tmpfs")
    ap.add_argument("--storedir", help="stores here (overrides --disk)")
    ap.add_argument("--coracle", default=default_coracle())
    ap.add_argument("--podman-runtime", default="runc",
                    help="OCI runtime for podman (crun refuses this host's hybrid cgroups)")
    args = ap.parse_args()

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o755)
    (image,) = prepare_images(workdir, ["busybox"])
    user, storedir, logfile = bench_dirs(args, workdir, "build")
    coracle_bin = stage_binary(workdir, args.coracle)
    tools = [Coracle(user, storedir, str(coracle_bin)), Podman(user, storedir)]
    project = workdir / "build-project"
    results: dict[tuple[str, str], list] = {}
    with sigterm_as_interrupt():
        try:
            with Registry(workdir) as reg:
                ref = reg.push_layout(image.layout, image.tag, image.name)
                for t in tools:
                    t.reset(logfile)
                    with open(logfile, "ab") as lf:
                        user.run(t.pull_cmd(ref), stdout=lf, stderr=lf)
            write_project(project, ref, user)
            descr = [t.describe() for t in tools]
            for i in range(args.runs):
                for t in (tools if i % 2 == 0 else list(reversed(tools))):
                    for kind, cached in (("uncached", False), ("cached", True)):
                        cmd = build_cmd(t, project, cached, args.podman_runtime or None)
                        r = timed_run(user, cmd, logfile)
                        if r.returncode != 0:
                            raise RuntimeError(f"{t.name} build exited {r.returncode}; see {logfile}")
                        results.setdefault((t.name, kind), []).append(r)
                log(f"run {i + 1}/{args.runs}: " + ", ".join(
                    f"{name} {kind} {rs[-1].seconds:.2f}s" for (name, kind), rs in results.items()))
        finally:
            for t in tools:
                with contextlib.suppress(Exception):
                    t.reset(logfile)
            stop_podman_pause(user)
            shutil.rmtree(project, ignore_errors=True)

    where = f"stores on {'disk' if args.disk or args.storedir else 'tmpfs'} ({storedir})"
    print(f"\ncoracle build benchmark: {args.runs} builds per tool and kind, {where}")
    print(f"nproc {os.cpu_count()}, kernel {os.uname().release}, "
          f"load average {os.getloadavg()[0]:.1f}")
    for d in descr:
        print(f"  {d}")
    print("  project: FROM busybox; RUN writing 100 files; COPY of a 1 MiB file; COPY of a "
          "directory of 1,000 files (16 B-2 KiB); ENV; WORKDIR; CMD")
    print()
    med = {k: statistics.median(r.seconds for r in v) for k, v in results.items()}
    rows = []
    for kind, target in (("uncached", RATIO_UNCACHED), ("cached", RATIO_CACHED)):
        for name in ("coracle", "podman"):
            rs = results[(name, kind)]
            ratio = ""
            if name == "coracle":
                q = med[("coracle", kind)] / med[("podman", kind)]
                ratio = f"{q:.2f}x (<= {target}x: {'PASS' if q <= target else 'MISS'})"
            rows.append([f"{name} {kind}", f"{med[(name, kind)]:.3f}s",
                         f"{min(r.seconds for r in rs):.3f}s", f"{max(r.seconds for r in rs):.3f}s",
                         f"{statistics.mean(r.user_s + r.sys_s for r in rs):.3f}s", ratio,
                         f"{max(r.maxrss_kib for r in rs) / 1024:.1f} MiB"])
    print_table(rows, ["build", "median", "min", "max", "mean CPU (u+s)", "coracle/podman",
                       "peak RSS"])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; stores reset")
        sys.exit(130)
