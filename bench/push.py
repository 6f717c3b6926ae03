#!/usr/bin/env python3
"""coracle push and save+load benchmark: `coracle push` vs `podman push` of the
eight-layer image to an empty local registry, and a `save` + `load` round trip.

Python 3.11, standard library only. See bench/README.md. The shared pieces
(unprivileged user, registry, images, GNU time, tables) come from bench/pull.py.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pull import (DEFAULT_WORKDIR, Coracle, Podman, Registry, RunResult,  # noqa: E402
                  bench_dirs, default_coracle, fmt_s, log, prepare_images, print_table,
                  sigterm_as_interrupt, stage_binary, stop_podman_pause, store_everywhere,
                  timed_run)

RATIO = 0.6  # issue 6: coracle's push at most 0.6x Podman's


def push_cmd(tool, src: str, dest: str) -> list[str]:
    if isinstance(tool, Podman):
        return tool.base() + ["push", "--tls-verify=false", src, f"docker://{dest}"]
    return tool.base() + ["push", src, dest]


def save_cmd(tool, src: str, archive: Path) -> list[str]:
    return tool.base() + ["save", "-o", str(archive), src]


def load_cmd(tool, archive: Path) -> list[str]:
    return tool.base() + ["load", "-i", str(archive)]


def record(results, key, r: RunResult, logfile: Path) -> None:
    results.setdefault(key, []).append(r)
    log(f"{key[0]} {key[1]}: {r.seconds:.2f}s (user {r.user_s:.2f}s sys {r.sys_s:.2f}s) "
        f"rss {r.maxrss_kib / 1024:.1f} MiB"
        + ("" if r.returncode == 0 else f" EXIT {r.returncode} (see {logfile})"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="timed runs per operation and tool (default 3)")
    ap.add_argument("--workdir", default=DEFAULT_WORKDIR,
                    help=f"image cache, registries, user home, logs, tmpfs stores (default {DEFAULT_WORKDIR})")
    ap.add_argument("--disk", action="store_true", help="stores (and archives) on disk")
    ap.add_argument("--storedir", help="stores (and archives) here (overrides --disk)")
    ap.add_argument("--coracle", default=default_coracle(),
                    help="coracle binary ($CORACLE, else /work/main/target/release/coracle, "
                         "else target/release/coracle)")
    ap.add_argument("--no-podman", action="store_true", help="coracle only")
    ap.add_argument("--json", help="also write raw results to this file")
    args = ap.parse_args()

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o755)
    (image,) = prepare_images(workdir, ["eight"])
    user, storedir, logfile = bench_dirs(args, workdir, "push")
    coracle_bin = stage_binary(workdir, args.coracle)
    tools = [Coracle(user, storedir, str(coracle_bin))]
    loaders = [Coracle(user, storedir, str(coracle_bin))]
    if not args.no_podman and shutil.which("podman"):
        tools.append(Podman(user, storedir))
        loaders.append(Podman(user, storedir))
    for t in loaders:
        t.use_store("load")
    archives = storedir / "archives"
    user.mkdir(archives)

    results: dict[tuple[str, str], list[RunResult]] = {}
    with sigterm_as_interrupt():
        try:
            # The image goes into each tool's store (not timed) from a source
            # registry; each push goes to a registry of its own, started empty, so
            # nothing can be skipped or mounted.
            with Registry(workdir) as source:
                src = source.push_layout(image.layout, image.tag, image.name)
                store_everywhere(user, tools, src, logfile)
            descr = [t.describe() for t in tools]
            for d in descr:
                log(d)
            for i in range(args.runs):
                order = list(range(len(tools)))
                if i % 2:
                    order.reverse()
                for k in order:
                    t, loader = tools[k], loaders[k]
                    with Registry(workdir / "target") as target:
                        dest = f"{target.host}/pushed/eight:{t.name}"
                        record(results, ("push", t.name),
                               timed_run(user, push_cmd(t, src, dest), logfile), logfile)
                    archive = archives / f"{t.name}.tar"
                    archive.unlink(missing_ok=True)
                    save = timed_run(user, save_cmd(t, src, archive), logfile)
                    record(results, ("save", t.name), save, logfile)
                    loader.reset(logfile)
                    load = timed_run(user, load_cmd(loader, archive), logfile)
                    if load.returncode == 0 and not loader.verify(logfile):
                        load.returncode = -1
                    record(results, ("load", t.name), load, logfile)
                    record(results, ("save+load", t.name),
                           RunResult(save.seconds + load.seconds, max(save.maxrss_kib, load.maxrss_kib),
                                     save.user_s + load.user_s, save.sys_s + load.sys_s,
                                     save.returncode or load.returncode), logfile)
                    archive.unlink(missing_ok=True)
        finally:
            for t in tools + loaders:
                with contextlib.suppress(Exception):
                    t.reset(logfile)
            shutil.rmtree(archives, ignore_errors=True)
            stop_podman_pause(user)

    where = f"stores on {'disk' if args.disk or args.storedir else 'tmpfs'} ({storedir})"
    print(f"\ncoracle push / save+load benchmark: {image.name} ({image.info['layers']} layers, "
          f"{image.info['compressed'] / 1e6:.0f} MB gz), {args.runs} runs each, {where}")
    print(f"push: to a fresh docker-registry on 127.0.0.1 each run (storage on {workdir}); "
          f"save: docker-archive; nproc {os.cpu_count()}, kernel {os.uname().release}")
    for d in descr:
        print(f"  {d}")
    print()
    rows = []
    for op in ["push", "save", "load", "save+load"]:
        med = {}
        for t in tools:
            ok = [r for r in results.get((op, t.name), []) if r.returncode == 0]
            if not ok:
                rows.append([op, t.name, "FAILED", "", "", "", "", ""])
                continue
            times = [r.seconds for r in ok]
            med[t.name] = statistics.median(times)
            ratio = ""
            if t.name == "podman" and "coracle" in med:
                q = med["coracle"] / med["podman"]
                ratio = f"{q:.2f}x"
                if op in ("push", "save+load"):
                    ratio += f" (<= {RATIO}x: {'PASS' if q <= RATIO else 'MISS'})"
            rows.append([op, t.name, fmt_s(med[t.name]), fmt_s(min(times)), fmt_s(max(times)),
                         fmt_s(statistics.median(r.user_s + r.sys_s for r in ok)), ratio,
                         f"{max(r.maxrss_kib for r in ok) / 1024:.1f} MiB"])
    print_table(rows, ["operation", "tool", "median", "min", "max", "CPU (u+s)",
                       "coracle/podman", "peak RSS"])
    if args.json:
        Path(args.json).write_text(json.dumps({
            "where": where, "tools": descr,
            "runs": {f"{k[0]} {k[1]}": [dataclasses.asdict(r) for r in v]
                     for k, v in results.items()}}, indent=1))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; registries stopped, stores reset")
        sys.exit(130)
