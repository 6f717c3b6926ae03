#!/usr/bin/env python3
"""coracle's fuse-overlay storage driver (issue 18) against Debian's
fuse-overlayfs (coracle's overlay driver with it as storage.conf's
mount_program) and the kernel overlay, side by side in the same run, rootless,
stores on /dev/shm:

- untar of 20,000 small files in a container (target: <= 1.0x fuse-overlayfs),
- reading a 1 GiB file of a lower layer (target: >= fuse-overlayfs throughput;
  the stores share the one file, hard-linked, so all read the same memory),
- `run --rm true` (target: <= 2x the kernel overlay).

Run it as the unprivileged user the containers run as, with /dev/fuse usable
by that user:

    su coracle-test -s /bin/sh -c 'HOME=/tmp/fb-home XDG_RUNTIME_DIR=/tmp/fb-run \\
        python3 bench/fuse_overlay.py --coracle /path/to/release/coracle'

Python 3.11, standard library only. Each measurement is the median of
--runs runs, the drivers taking turns (the order reversed every round) so that
load from elsewhere on the machine falls on all of them alike.
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

DRIVERS = ["overlay", "fuse-overlay", "fuse-overlayfs"]
FILES = 20_000


def sh(cmd: list[str], env: dict | None = None, quiet: bool = True) -> None:
    out = subprocess.run(cmd, env=env, capture_output=quiet, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr if quiet else ''}")


class Store:
    """coracle with its store on one driver, under `base`."""

    def __init__(self, coracle: str, base: Path, driver: str):
        self.driver = driver
        self.dir = base / driver
        self.dir.mkdir(parents=True, exist_ok=True)
        self.env = dict(os.environ)
        name = "overlay" if driver == "fuse-overlayfs" else driver
        conf = self.dir / "storage.conf"
        text = f'[storage]\ndriver = "{name}"\n'
        if driver == "fuse-overlayfs":
            text += '[storage.options.overlay]\nmount_program = "/usr/bin/fuse-overlayfs"\n'
        conf.write_text(text)
        self.env["CONTAINERS_STORAGE_CONF"] = str(conf)
        self.base = [coracle, "--root", str(self.dir / "root"), "--runroot",
                     str(self.dir / "run")]

    def cmd(self, *args: str) -> list[str]:
        return self.base + list(args)

    def run(self, *args: str) -> None:
        sh(self.cmd(*args), env=self.env)

    def timed(self, *args: str) -> float:
        start = time.perf_counter()
        self.run(*args)
        return time.perf_counter() - start


def busybox_tar(work: Path) -> Path:
    root = work / "rootfs"
    (root / "bin").mkdir(parents=True, exist_ok=True)
    shutil.copy("/bin/busybox", root / "bin/busybox")
    for applet in ["sh", "true", "tar", "cat", "dd", "mkdir", "ls"]:
        link = root / "bin" / applet
        if not link.exists():
            link.symlink_to("busybox")
    for d in ["etc", "tmp", "proc", "sys", "dev"]:
        (root / d).mkdir(exist_ok=True)
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    out = work / "busybox.tar"
    sh(["tar", "-C", str(root), "-cf", str(out), "."])
    return out


def small_files_tar(work: Path) -> Path:
    out = work / "files.tar"
    if out.exists():
        return out
    body = b"x" * 100
    with tarfile.open(out, "w") as tar:
        for i in range(FILES):
            info = tarfile.TarInfo(f"d{i // 200:03}/f{i:05}")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return out


def share_lower_file(stores: list[Store]) -> None:
    """Makes every store's /big one file, hard-linked, so that the drivers read
    the same memory: two copies of it can sit on memory of different speed (on
    the 2-CPU VM a plain dd of one copy took 123 ms, of another 137-143 ms,
    every time), a bigger difference than the drivers' was."""
    copies = [next(s.dir.glob("root/layers/*/big")) for s in stores]
    for copy in copies[1:]:
        link = copy.with_name(".big-link")
        os.link(copies[0], link)
        os.replace(link, copy)


def median(store: Store, what: list[str], times: dict) -> None:
    times.setdefault(store.driver, []).append(store.timed(*what))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--coracle", required=True, help="the coracle binary")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--work", default="/dev/shm/coracle-fuse-bench")
    ap.add_argument("--only", metavar="WORD",
                    help="run only the cases whose name holds WORD (e.g. read)")
    args = ap.parse_args()
    if os.geteuid() == 0:
        sys.exit("run it as the unprivileged user containers run as (rootless)")
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    image_tar = busybox_tar(work)
    files = small_files_tar(work)
    stores = [Store(args.coracle, work, d) for d in DRIVERS]
    ctx = work / "big"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(
        "FROM bb\nRUN dd if=/dev/zero of=/big bs=1M count=1024 2>/dev/null\n")
    for s in stores:
        s.run("import", str(image_tar), "bb")
        s.run("build", "-q", "--network", "none", "-t", "big", str(ctx))
    share_lower_file(stores)
    cases = {
        "run --rm true": ["run", "--rm", "--network", "none", "bb", "true"],
        f"untar {FILES} files": ["run", "--rm", "--network", "none", "-v",
                                 f"{files}:/files.tar:ro", "bb", "sh", "-c",
                                 "mkdir /x && tar xf /files.tar -C /x"],
        "read 1 GiB lower file": ["run", "--rm", "--network", "none", "big",
                                  "dd", "if=/big", "of=/dev/null", "bs=1M"],
    }
    results = {}
    for name, what in cases.items():
        if args.only and args.only not in name:
            continue
        times: dict[str, list[float]] = {}
        for s in stores:
            s.run(*what)  # warm-up
        for rnd in range(args.runs):
            order = stores if rnd % 2 == 0 else list(reversed(stores))
            for s in order:
                median(s, what, times)
        results[name] = {d: statistics.median(t) for d, t in times.items()}
    print(f"nproc {os.cpu_count()}, load {os.getloadavg()[0]:.1f}, "
          f"median of {args.runs} runs each, stores on {work}")
    print(f"| what | {' | '.join(DRIVERS)} | fuse-overlay vs fuse-overlayfs | vs kernel |")
    print("|---|" + "---|" * (len(DRIVERS) + 2))
    for name, r in results.items():
        cells = " | ".join(f"{r[d] * 1000:.0f} ms" for d in DRIVERS)
        print(f"| {name} | {cells} | {r['fuse-overlay'] / r['fuse-overlayfs']:.2f}x "
              f"| {r['fuse-overlay'] / r['overlay']:.2f}x |")
    for s in stores:
        sh(s.cmd("system", "reset", "--force"), env=s.env)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
