#!/usr/bin/env python3
"""coracle API benchmark: `coracle system service` against `podman system
service`, side by side, driven by the same clients (issue 14):

1. `docker run --rm IMAGE true` through the socket (the docker CLI at
   /usr/local/bin/docker);
2. `docker ps -a` with 100 containers in the store;
3. `docker-compose up -d` then `down -v` of a two-service app (a web server
   with a named volume and a published port, and a client that reaches it by
   service name);
4. the service's memory while idle (no client connected).

Python 3.11, standard library only, plus hyperfine for the timing. See
bench/README.md. The user, registry, image and tools come from bench/pull.py,
hyperfine from bench/run.py, container filling from bench/ps.py.
"""
from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from monitors import smaps  # noqa: E402
from pull import (DEFAULT_WORKDIR, Coracle, Podman, Registry, bench_dirs,  # noqa: E402
                  default_coracle, free_port, log, need, prepare_images, print_table,
                  sigterm_as_interrupt, stage_binary, stop_podman_pause)
from ps import fill  # noqa: E402
from run import hyperfine  # noqa: E402

DOCKER = "/usr/local/bin/docker"
TARGETS = {"run": 0.1, "ps": 0.2, "compose": 0.3}   # issue 14: coracle/podman at most
CONTAINERS = 100

COMPOSE = """\
version: "3.8"
services:
  web:
    image: {image}
    command: ["sh", "-c", "echo hello > /www/index.html && exec httpd -f -p 80 -h /www"]
    volumes: ["data:/www"]
    ports: ["{port}:80"]
    stop_signal: SIGKILL
  client:
    image: {image}
    command: ["sh", "-c", "until printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 5 nc web 80 | grep hello; do sleep 0.1; done; exec sleep 1000"]
    depends_on: [web]
    stop_signal: SIGKILL
volumes:
  data: {{}}
"""


class Service:
    """A tool's API service as the bench user, on a socket of its own."""

    def __init__(self, tool, logfile: Path):
        self.tool = tool
        self.socket = tool.user.runtime / f"{tool.name}-api.sock"
        self.socket.unlink(missing_ok=True)
        self.logfile = logfile
        self.proc = None

    def __enter__(self) -> "Service":
        cmd = self.tool.base() + ["system", "service", "--time", "0", f"unix://{self.socket}"]
        with open(self.logfile, "ab") as lf:
            self.proc = subprocess.Popen(self.tool.user.argv(cmd), stdout=lf, stderr=lf)
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as s:
                s.connect(str(self.socket))
                return self
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"{self.tool.name} system service did not listen; "
                                   f"see {self.logfile}")
            time.sleep(0.05)

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()

    def host(self) -> str:
        return f"unix://{self.socket}"

    def docker(self, *args: str) -> list[str]:
        return [DOCKER, "-H", self.host(), *args]

    def compose(self, project_dir: Path, *args: str) -> list[str]:
        return ["env", f"DOCKER_HOST={self.host()}", "docker-compose", "--project-directory",
                str(project_dir), "-f", str(project_dir / "compose.yml"), *args]

    def idle_memory(self) -> dict[str, int]:
        """smaps_rollup summed over the service's processes once it has been
        idle a while: the one started (setpriv and env exec, so it is the
        service itself) and its descendants (Podman re-executes itself into
        its user namespace)."""
        time.sleep(2)
        total: dict[str, int] = {}
        for pid in [self.proc.pid, *descendants(self.proc.pid)]:
            with contextlib.suppress(OSError):
                for key, kb in smaps(pid).items():
                    total[key] = total.get(key, 0) + kb
        return total


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def compose_dir(workdir: Path, tool, image: str, user) -> Path:
    d = workdir / f"compose-{tool.name}"
    user.mkdir(d)
    (d / "compose.yml").write_text(COMPOSE.format(image=image, port=free_port()))
    return d


def ratio_cell(name: str, med: dict[str, float], kind: str) -> str:
    if name != "coracle" or "podman" not in med:
        return ""
    q = med["coracle"] / med["podman"]
    t = TARGETS[kind]
    return f"{q:.2f}x (<= {t}x: {'PASS' if q <= t else 'MISS'})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20, help="timed runs per command (default 20)")
    ap.add_argument("--rounds", type=int, default=2, help="hyperfine rounds (default 2)")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--compose-runs", type=int, default=5)
    ap.add_argument("--only", default="run,ps,compose,memory")
    ap.add_argument("--workdir", default=DEFAULT_WORKDIR)
    ap.add_argument("--disk", action="store_true", help="stores on disk, as pull.py")
    ap.add_argument("--storedir", help="stores here (overrides --disk)")
    ap.add_argument("--coracle", default=default_coracle())
    ap.add_argument("--podman-runtime", default="runc")
    ap.add_argument("--no-podman", action="store_true")
    args = ap.parse_args()
    need("hyperfine", "hyperfine")
    need("docker-compose", "docker-compose")
    if not os.access(DOCKER, os.X_OK):
        raise SystemExit(f"the docker CLI is not at {DOCKER}")
    only = set(args.only.split(","))

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o755)
    (image,) = prepare_images(workdir, ["busybox"])
    user, storedir, logfile = bench_dirs(args, workdir, "api")
    tools = [Coracle(user, storedir, str(stage_binary(workdir, args.coracle)))]
    if not args.no_podman and shutil.which("podman"):
        tools.append(Podman(user, storedir, runtime=args.podman_runtime or None))

    times: dict[tuple[str, str], list[float]] = {}
    memory: dict[str, dict[str, int]] = {}
    per_round = math.ceil(args.runs / args.rounds)
    with sigterm_as_interrupt(), Registry(workdir) as reg:
        ref = reg.push_layout(image.layout, image.tag, image.name)
        services = {}
        try:
            with contextlib.ExitStack() as stack:
                for t in tools:
                    t.reset(logfile)
                    with open(logfile, "ab") as lf:
                        user.run(t.pull_cmd(ref), stdout=lf, stderr=lf)
                    services[t.name] = stack.enter_context(Service(t, logfile))
                if "memory" in only:
                    for name, svc in services.items():
                        memory[name] = svc.idle_memory()
                if "run" in only:
                    for rnd in range(args.rounds):
                        order = list(services.items())[:: 1 if rnd % 2 == 0 else -1]
                        res = hyperfine(user, [(n, s.docker("run", "--rm", ref, "true"))
                                               for n, s in order],
                                        per_round, args.warmup,
                                        user.home / ".bench-hyperfine.json", logfile)
                        for n, _ in order:
                            times.setdefault(("run", n), []).extend(res[n]["times"])
                if "compose" in only:
                    dirs = {n: compose_dir(workdir, s.tool, ref, user)
                            for n, s in services.items()}
                    for rnd in range(args.rounds):
                        order = list(services.items())[:: 1 if rnd % 2 == 0 else -1]
                        cmds = [(n, ["sh", "-c", " ".join(s.compose(dirs[n], "up", "-d")) +
                                     " && " + " ".join(s.compose(dirs[n], "down", "-v"))])
                                for n, s in order]
                        res = hyperfine(user, cmds, math.ceil(args.compose_runs / args.rounds),
                                        1, user.home / ".bench-hyperfine.json", logfile)
                        for n, _ in order:
                            times.setdefault(("compose", n), []).extend(res[n]["times"])
                if "ps" in only:
                    for t in tools:
                        fill(t, ref, CONTAINERS, 4, logfile)
                    for rnd in range(args.rounds):
                        order = list(services.items())[:: 1 if rnd % 2 == 0 else -1]
                        res = hyperfine(user, [(n, s.docker("ps", "-a")) for n, s in order],
                                        per_round, args.warmup,
                                        user.home / ".bench-hyperfine.json", logfile)
                        for n, _ in order:
                            times.setdefault(("ps", n), []).extend(res[n]["times"])
        finally:
            for t in tools:
                with contextlib.suppress(Exception):
                    t.reset(logfile)
            stop_podman_pause(user)

    print(f"\ncoracle API benchmark: {image.name} through each tool's `system service`, "
          f"docker CLI and docker-compose 1.29; nproc {os.cpu_count()}, load average "
          f"{os.getloadavg()[0]:.1f}; log: {logfile}")
    for t in tools:
        print(f"  {t.describe()}")
    print()
    what = {"run": "docker run --rm IMAGE true", "ps": f"docker ps -a ({CONTAINERS} containers)",
            "compose": "compose up -d + down -v"}
    rows = []
    for kind in ("run", "ps", "compose"):
        med = {n: statistics.median(ts) for (k, n), ts in times.items() if k == kind}
        for n, ts in ((n, ts) for (k, n), ts in times.items() if k == kind):
            ms = lambda x: f"{x * 1000:.1f} ms"
            rows.append([what[kind], n, ms(med[n]), ms(min(ts)), ms(max(ts)),
                         ratio_cell(n, med, kind)])
    if rows:
        print_table(rows, ["what", "tool", "median", "min", "max", "coracle/podman"])
        print()
    if memory:
        mib = lambda kb: f"{kb / 1024:.2f} MiB"
        mrows = []
        for n, m in memory.items():
            cell = ""
            if n == "coracle" and "podman" in memory:
                q = m["Rss"] / memory["podman"]["Rss"]
                cell = f"{q:.2f}x (<= 1x: {'PASS' if q <= 1 else 'MISS'})"
            mrows.append([n, mib(m["Rss"]), mib(m["Pss"]),
                          mib(m.get("Private_Clean", 0) + m.get("Private_Dirty", 0)), cell])
        print_table(mrows, ["idle service", "RSS", "PSS", "private", "coracle/podman (RSS)"])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; stores reset")
        sys.exit(130)
