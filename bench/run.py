#!/usr/bin/env python3
"""coracle run benchmark: `coracle run --rm IMAGE true` vs. podman (overlay, runc)
vs. the floor (`unshare -Urmpf --mount-proc chroot ROOTFS /bin/true`).

Python 3.11, standard library only, plus hyperfine for the timing. See
bench/README.md. The shared pieces (unprivileged user, registry, images, GNU
time, tables) come from bench/pull.py.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import phases  # noqa: E402
from pull import (DEFAULT_DISKDIR, DEFAULT_WORKDIR, BenchUser, Coracle, Podman,  # noqa: E402
                  bench_dirs,
                  Registry, RunResult, default_coracle, log, need, prepare_images,
                  print_table, sigterm_as_interrupt, stage_binary, stop_podman_pause,
                  store_everywhere, timed_run)

RATIO_PODMAN = 0.25   # issue 3: coracle's median at most 0.25x Podman's
RATIO_FLOOR = 4.0     # ... and within 4x of the floor


def unpack_layout(layout: Path, dest: Path) -> None:
    """Unpacks an OCI layout's layers (in order) into dest: the floor's rootfs.
    Single-layer bench images only need plain extraction (no whiteouts)."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    blobs = layout / "blobs" / "sha256"
    index = json.loads((layout / "index.json").read_text())
    mdigest = index["manifests"][0]["digest"].split(":", 1)[1]
    manifest = json.loads((blobs / mdigest).read_text())
    for layer in manifest["layers"]:
        with tarfile.open(blobs / layer["digest"].split(":", 1)[1], "r:*") as tf:
            # filter= exists from Python 3.11.4 (Debian 12 has 3.11.2)
            kw = {"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}
            tf.extractall(dest, **kw)
    os.chmod(dest, 0o755)


def hyperfine(user: BenchUser, named_cmds: list[tuple[str, list[str]]], runs: int,
              warmup: int, out: Path, logfile: Path) -> dict[str, dict]:
    """One hyperfine invocation as the user (-N: no shell, so nothing is
    subtracted or added; each command runs `runs` times after `warmup`).
    Returns {name: hyperfine result}."""
    out.unlink(missing_ok=True)
    argv = ["hyperfine", "-N", "--style", "basic", "--warmup", str(warmup),
            "--runs", str(runs), "--export-json", str(out)]
    for name, cmd in named_cmds:
        argv += ["-n", name, shlex.join(cmd)]
    with open(logfile, "ab") as lf:
        lf.write(("$ " + " ".join(user.argv(argv)) + "\n").encode())
        lf.flush()
        r = user.run(argv, check=False, stdin=subprocess.DEVNULL, stdout=lf, stderr=lf)
    if r.returncode != 0:
        raise RuntimeError(f"hyperfine failed (exit {r.returncode}); see {logfile}")
    return {res["command"]: res for res in json.loads(out.read_text())["results"]}


@dataclasses.dataclass
class Series:
    name: str
    cmd: list[str]
    times: list[float] = dataclasses.field(default_factory=list)
    cpu: list[tuple[int, float]] = dataclasses.field(default_factory=list)  # (runs, mean u+s) per round
    gnu: list[RunResult] = dataclasses.field(default_factory=list)  # peak RSS runs

    def mean_cpu(self) -> float:
        return sum(n * c for n, c in self.cpu) / sum(n for n, _ in self.cpu)


def add_timing_args(ap: argparse.ArgumentParser) -> None:
    """The options run.py and exec.py share: runs, rounds, where the stores go,
    which coracle and which runtime for Podman."""
    ap.add_argument("--runs", type=int, default=30,
                    help="timed runs per command, spread over the rounds (default 30)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="hyperfine rounds; the command order alternates between rounds "
                         "(default 3)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed runs per command and round")
    ap.add_argument("--workdir", default=DEFAULT_WORKDIR,
                    help=f"image cache, registry, user home, logs, tmpfs stores (default {DEFAULT_WORKDIR})")
    ap.add_argument("--disk", action="store_true",
                    help=f"stores (and run.py's floor rootfs) on disk under {DEFAULT_DISKDIR}")
    ap.add_argument("--storedir", help="stores (and run.py's floor rootfs) here (overrides --disk)")
    ap.add_argument("--coracle", default=default_coracle(),
                    help="coracle binary ($CORACLE, else /work/main/target/release/coracle, "
                         "else target/release/coracle)")
    ap.add_argument("--podman-runtime", default="runc",
                    help="OCI runtime for podman (default runc: crun refuses this host's "
                         "hybrid cgroups); '' for Podman's default")


def busybox_setup(args, kind: str):
    """The work dir, the busybox image, the bench user, its store dir, this run's
    log file and the staged coracle binary."""
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o755)
    (image,) = prepare_images(workdir, ["busybox"])
    user, storedir, logfile = bench_dirs(args, workdir, kind)
    return workdir, image, user, storedir, logfile, stage_binary(workdir, args.coracle)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_timing_args(ap)
    ap.add_argument("--rss-runs", type=int, default=5,
                    help="extra runs per command under GNU time for peak RSS and CPU (default 5)")
    ap.add_argument("--no-podman", action="store_true", help="coracle and the floor only")
    ap.add_argument("--phases", type=int, default=10, metavar="N",
                    help="then N coracle runs under perf record, split into phases "
                         "(default 10; 0 to skip; needs root and perf)")
    ap.add_argument("--json", help="also write raw results to this file")
    args = ap.parse_args()
    need("hyperfine", "hyperfine")
    need("unshare", "util-linux")

    workdir, image, user, storedir, logfile, coracle_bin = busybox_setup(args, "run")

    coracle = Coracle(user, storedir, str(coracle_bin))
    tools = [coracle]
    if not args.no_podman and shutil.which("podman"):
        tools.append(Podman(user, storedir, runtime=args.podman_runtime or None))
    elif not args.no_podman:
        log("podman not installed: coracle and the floor only")

    rootfs = storedir / "floor-rootfs"
    unpack_layout(image.layout, rootfs)
    floor = Series("floor", ["unshare", "-Urmpf", "--mount-proc", "chroot", str(rootfs),
                             "/bin/true"])
    # Not a target: the floor with the subordinate-id mapping coracle and Podman
    # set up (util-linux runs newuidmap/newgidmap with the user's subuid/subgid).
    floor_ids = Series("floor+subids", ["unshare", "--map-auto", "--map-root-user", "-mpf",
                                        "--mount-proc", "chroot", str(rootfs), "/bin/true"])

    series: list[Series] = []
    with sigterm_as_interrupt():
        try:
            # 1. the image goes into each store (not timed); the registry is
            # stopped before anything is timed.
            with Registry(workdir) as reg:
                ref = reg.push_layout(image.layout, image.tag, image.name)
                store_everywhere(user, tools, ref, logfile)
            log(f"{ref} stored by {', '.join(t.name for t in tools)}; log: {logfile}")
            descr = [t.describe() for t in tools]
            for d in descr:
                log(d)
            series = [Series(t.name, t.run_cmd(ref, "true")) for t in tools] + [floor, floor_ids]

            # 2. a check that each command works, with its output in the log
            for s in series:
                with open(logfile, "ab") as lf:
                    lf.write(f"$ {' '.join(s.cmd)}\n".encode())
                    lf.flush()
                    r = user.run(s.cmd, check=False, stdin=subprocess.DEVNULL,
                                 stdout=lf, stderr=lf)
                if r.returncode != 0:
                    raise RuntimeError(f"{s.name} exited {r.returncode}; see {logfile}")

            # 3. timed: hyperfine rounds, command order alternating
            per_round = math.ceil(args.runs / args.rounds)
            for rnd in range(args.rounds):
                order = series if rnd % 2 == 0 else list(reversed(series))
                res = hyperfine(user, [(s.name, s.cmd) for s in order], per_round,
                                args.warmup, user.home / ".bench-hyperfine.json", logfile)
                for s in series:
                    s.times += res[s.name]["times"]
                    s.cpu.append((len(res[s.name]["times"]),
                                  res[s.name]["user"] + res[s.name]["system"]))
                log(f"round {rnd + 1}/{args.rounds}: " + ", ".join(
                    f"{s.name} {statistics.median(res[s.name]['times']) * 1000:.1f} ms"
                    for s in series))

            # 4. peak RSS under GNU time (its own runs, interleaved)
            for i in range(args.rss_runs):
                for s in (series if i % 2 == 0 else list(reversed(series))):
                    r = timed_run(user, s.cmd, logfile)
                    if r.returncode != 0:
                        raise RuntimeError(f"{s.name} exited {r.returncode}; see {logfile}")
                    s.gnu.append(r)

            # 5. where coracle's time goes (perf tracepoints, not timed above)
            phase_runs = []
            if args.phases and os.geteuid() == 0 and shutil.which("perf"):
                coracle_cmd = series[0].cmd
                for i in range(args.phases):
                    data = logfile.parent / f"phases-{i}.data"
                    phases.record(user.argv(coracle_cmd), data)
                    phase_runs.append(phases.parse(data, str(coracle_bin)))
            elif args.phases:
                log("--phases needs root and perf (linux-perf): skipped")

            # 6. --rm left no container behind
            leftovers = {}
            for t in tools:
                if isinstance(t, Coracle):
                    cdir = t.root / "containers"
                    leftovers[t.name] = len(os.listdir(cdir)) if cdir.is_dir() else 0
                else:
                    r = user.run(t.base() + ["ps", "-a", "-q"], check=False,
                                 capture_output=True, text=True)
                    leftovers[t.name] = len(r.stdout.split())
        finally:
            for t in tools:
                with contextlib.suppress(Exception):
                    t.reset(logfile)
            stop_podman_pause(user)
            shutil.rmtree(rootfs, ignore_errors=True)

    where = f"stores on {'disk' if args.disk or args.storedir else 'tmpfs'} ({storedir})"
    n = len(series[0].times)
    print(f"\ncoracle run benchmark: {image.name} stored beforehand, {n} runs each "
          f"({args.rounds} hyperfine rounds, {args.warmup} warm-up runs per round), {where}")
    print(f"nproc {os.cpu_count()}, kernel {os.uname().release}, "
          f"load average {os.getloadavg()[0]:.1f}")
    for d in descr:
        print(f"  {d}")
    print(f"  floor: {' '.join(floor.cmd)}")
    print(f"  floor+subids (not a target; the floor with the subuid/subgid mapping through "
          f"newuidmap/newgidmap): {' '.join(floor_ids.cmd)}")
    print()
    med = {s.name: statistics.median(s.times) for s in series}
    rows = []
    for s in series:
        ratios = ["", ""]
        if s.name == "coracle":
            if "podman" in med:
                q = med["coracle"] / med["podman"]
                ratios[0] = f"{q:.2f}x (<= {RATIO_PODMAN}x: {'PASS' if q <= RATIO_PODMAN else 'MISS'})"
            q = med["coracle"] / med["floor"]
            ratios[1] = f"{q:.1f}x (<= {RATIO_FLOOR:g}x: {'PASS' if q <= RATIO_FLOOR else 'MISS'})"
        elif s.name == "floor+subids":
            ratios[1] = f"coracle/this: {med['coracle'] / med[s.name]:.1f}x"
        ms = lambda x: f"{x * 1000:.1f} ms"
        rows.append([s.name, ms(med[s.name]), ms(min(s.times)), ms(max(s.times)),
                     ms(s.mean_cpu()), *ratios,
                     f"{max(r.maxrss_kib for r in s.gnu) / 1024:.1f} MiB"])
    print_table(rows, ["command", "median", "min", "max", "mean CPU (u+s)", "coracle/podman",
                       "coracle/floor", "peak RSS"])
    if phase_runs:
        print(f"\nwhere coracle's time goes: {len(phase_runs)} runs under `perf record` "
              f"(tracepoints; see bench/phases.py for the boundaries)\n")
        print_table(phases.summarize(phase_runs), ["phase", "median", "min", "max"])
    print(f"\ncontainers left after the runs (--rm): "
          + ", ".join(f"{k} {v}" for k, v in leftovers.items()))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "where": where, "tools": descr, "floor": floor.cmd, "leftovers": leftovers,
            "phases": phase_runs,
            "series": {s.name: {"cmd": s.cmd, "times": s.times,
                                "hyperfine_cpu": s.cpu, "gnu_time": [dataclasses.asdict(r) for r in s.gnu]}
                       for s in series}}, indent=1))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; stores reset")
        sys.exit(130)
