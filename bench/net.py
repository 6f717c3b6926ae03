#!/usr/bin/env python3
"""coracle network benchmark: the default network (pasta) against Podman's default
(slirp4netns and rootlessport in Podman 4.3), side by side (issue 12):

1. `run --rm IMAGE true` on the default network, with `--network none` and with
   one published port for reference;
2. 1 GiB through a published port, container server to host client, against the
   same server on the host's loopback;
3. 1 GiB from one container to another on a user-defined network (`network
   create`), with bench/blast.c (static, copied into both containers with `cp`:
   busybox nc moves 40 MB/s, which would measure nc);
4. the memory each running container adds on the default network and on a user
   network: its monitor and its network helpers (coracle's monitor, pasta and its
   share of the holder; conmon, slirp4netns and, with published ports,
   rootlessport).

Python 3.11, standard library only, plus hyperfine for the timing. See
bench/README.md. The user, registry, image and tools come from bench/pull.py,
hyperfine and the shared options from bench/run.py, smaps from bench/monitors.py.
"""
from __future__ import annotations

import argparse
import contextlib
import json
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
from pull import (Coracle, Podman, Registry, free_port, log, need,  # noqa: E402
                  print_table, sigterm_as_interrupt, stop_podman_pause, store_everywhere)
from run import add_timing_args, busybox_setup, hyperfine  # noqa: E402

RATIO_RUN = 0.2         # issue 12: run --rm on the default network <= 0.2x Podman's
RATIO_LOOPBACK = 0.8    # ... a published port >= Podman's and >= 0.8x host loopback
CONTAINER_PORT = 8080
USER_NETWORK = "benchnet"
BLAST_PORT = "5001"

# Process names that are neither the container's nor a network helper's.
NOT_ADDED = {"sleep", "catatonit", "podman"}


def serve(www: str, size: int, listen: str, busybox: str = "") -> list[str]:
    """busybox httpd serving a sparse file of `size` bytes at /big (with
    sendfile: the server costs little, so the path to the client is what is
    measured), and /ok to say it is up."""
    return ["sh", "-c", f"mkdir -p {www} && {busybox}truncate -s {size} {www}/big && "
            f"echo ok > {www}/ok && exec {busybox}httpd -f -p {listen} -h {www}"]


def runtime_args(tool) -> list[str]:
    return ["--runtime", tool.runtime] if isinstance(tool, Podman) and tool.runtime else []


def chosen_network(tool, args: tuple[str, ...]) -> list[str]:
    """`--network` for coracle's "default" when --coracle-network names one."""
    chosen = getattr(tool, "network", None)
    return ["--network", chosen] if chosen and "--network" not in args else []


def run_cmd(tool, image: str, *args: str) -> list[str]:
    """`run --rm` with the tool's default network unless args name another."""
    return (tool.base() + runtime_args(tool) + ["run", "--rm", *chosen_network(tool, args),
                                                *args, image, "true"])


def detached(tool, image: str, *args: str) -> list[str]:
    return tool.base() + runtime_args(tool) + ["run", "-d", *chosen_network(tool, args), *args,
                                               image]


def check_runs(user, cmds: list[tuple[str, list[str]]], logfile: Path) -> None:
    """Each command once, outside the timing, its output in the log."""
    for name, cmd in cmds:
        with open(logfile, "ab") as lf:
            lf.write(f"$ {' '.join(cmd)}\n".encode())
            lf.flush()
            r = user.run(cmd, check=False, stdin=subprocess.DEVNULL, stdout=lf, stderr=lf)
        if r.returncode != 0:
            raise RuntimeError(f"{name} exited {r.returncode}; see {logfile}")


def bench_run(args, user, tools, ref: str, logfile: Path) -> list[list[str]]:
    """`run --rm IMAGE true` by network mode, hyperfine rounds, order alternating."""
    cmds = []
    for t in tools:
        port = free_port()
        cmds += [(f"{t.name} default", run_cmd(t, ref)),
                 (f"{t.name} none", run_cmd(t, ref, "--network", "none")),
                 (f"{t.name} -p", run_cmd(t, ref, "-p", f"{port}:{CONTAINER_PORT}"))]
    check_runs(user, cmds, logfile)
    times: dict[str, list[float]] = {name: [] for name, _ in cmds}
    cpu: dict[str, list[float]] = {name: [] for name, _ in cmds}
    per_round = math.ceil(args.runs / args.rounds)
    for rnd in range(args.rounds):
        order = cmds if rnd % 2 == 0 else list(reversed(cmds))
        res = hyperfine(user, order, per_round, args.warmup,
                        user.home / ".bench-hyperfine.json", logfile)
        for name, _ in cmds:
            times[name] += res[name]["times"]
            cpu[name].append(res[name]["user"] + res[name]["system"])
        log(f"run round {rnd + 1}/{args.rounds} (load {os.getloadavg()[0]:.1f}): " + ", ".join(
            f"{n} {statistics.median(res[n]['times']) * 1000:.1f} ms" for n, _ in cmds))
    med = {n: statistics.median(ts) for n, ts in times.items()}
    ms = lambda x: f"{x * 1000:.1f} ms"
    rows = []
    for name, _ in cmds:
        tool, mode = name.split(" ", 1)
        ratio = ""
        if tool == "coracle" and f"podman {mode}" in med:
            q = med[name] / med[f"podman {mode}"]
            ratio = f"{q:.2f}x"
            if mode == "default":
                ratio += f" (<= {RATIO_RUN}x: {'PASS' if q <= RATIO_RUN else 'MISS'})"
        rows.append([tool, mode, ms(med[name]), ms(min(times[name])), ms(max(times[name])),
                     ms(statistics.mean(cpu[name])), ratio])
    return rows


def fetch(port: int, path: str, timeout: float = 60.0) -> tuple[int, float]:
    """GET path from 127.0.0.1:port; returns (bytes received, seconds from the
    request to the last byte)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        t0 = time.perf_counter()
        s.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
        buf = bytearray(1 << 20)
        n = 0
        while k := s.recv_into(buf):
            n += k
        return n, time.perf_counter() - t0


def wait_served(port: int, what: str) -> None:
    """Until the server answers (a published port may accept before the container
    listens, and then close at once)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if fetch(port, "/ok", timeout=2)[0] > 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what}: nothing served on port {port}")


@contextlib.contextmanager
def server(user, tool, image: str, size: int, logfile: Path):
    """The httpd serving `size` bytes: in a container of `tool` behind a published
    port, or on the host's loopback when `tool` is None. Yields the host port."""
    port = free_port()
    with open(logfile, "ab") as lf:
        if tool is None:
            www = user.home / "www"
            cmd = serve(str(www), size, f"127.0.0.1:{port}", busybox="busybox ")
            proc = subprocess.Popen(user.argv(cmd), stdout=lf, stderr=lf)
            try:
                wait_served(port, "host httpd")
                yield port
            finally:
                proc.kill()
                proc.wait()
                shutil.rmtree(www, ignore_errors=True)
            return
        cmd = detached(tool, image, "-p", f"{port}:{CONTAINER_PORT}")
        cmd += serve("/www", size, str(CONTAINER_PORT))
        lf.write(f"$ {' '.join(cmd)}\n".encode())
        lf.flush()
        cid = user.run(cmd, stdout=subprocess.PIPE, stderr=lf, text=True).stdout.strip()
        try:
            wait_served(port, tool.name)
            yield port
        finally:
            remove(user, tool, [cid], logfile)


def remove(user, tool, ids: list[str], logfile: Path) -> None:
    """rm -f, at once: Podman would wait 10 s for PID 1 to heed SIGTERM first."""
    now = ["-t", "0"] if isinstance(tool, Podman) else []
    with open(logfile, "ab") as lf:
        user.run(tool.base() + runtime_args(tool) + ["rm", "-f", *now, *ids], check=False,
                 stdout=lf, stderr=lf)


def bench_throughput(args, user, tools, ref: str, logfile: Path) -> list[list[str]]:
    """`--size-mib` through a published port, container server to host client,
    against host loopback; `--transfers` per server, order alternating."""
    size = args.size_mib << 20
    servers = [("host loopback", None)] + [(f"{t.name} -p", t) for t in tools]
    rates: dict[str, list[float]] = {name: [] for name, _ in servers}
    for i in range(args.transfers):
        for name, tool in (servers if i % 2 == 0 else list(reversed(servers))):
            with server(user, tool, ref, size, logfile) as port:
                got, secs = fetch(port, "/big")
            if got < size:
                raise RuntimeError(f"{name}: {got} bytes of {size}")
            rates[name].append(got / secs / 1e6)
            log(f"transfer {i + 1}/{args.transfers} {name}: {rates[name][-1]:.0f} MB/s "
                f"(load {os.getloadavg()[0]:.1f})")
    med = {n: statistics.median(r) for n, r in rates.items()}
    loop = med["host loopback"]
    rows = []
    for name, _ in servers:
        vs_loop = med[name] / loop
        vs_podman = ""
        if name.startswith("coracle"):
            vs_loop_s = (f"{vs_loop:.2f}x (>= {RATIO_LOOPBACK}x: "
                         f"{'PASS' if vs_loop >= RATIO_LOOPBACK else 'MISS'})")
            if "podman -p" in med:
                q = med[name] / med["podman -p"]
                vs_podman = f"{q:.2f}x (>= 1x: {'PASS' if q >= 1 else 'MISS'})"
        else:
            vs_loop_s = f"{vs_loop:.2f}x"
        rows.append([name, f"{med[name]:.0f} MB/s", f"{min(rates[name]):.0f}",
                     f"{max(rates[name]):.0f}", vs_loop_s, vs_podman])
    return rows


def blast_binary(workdir: Path) -> Path:
    """bench/blast.c built static, readable by the bench user."""
    out = workdir / "blast"
    src = Path(__file__).resolve().parent / "blast.c"
    subprocess.run([need("gcc", "gcc"), "-O2", "-static", "-o", str(out), str(src)], check=True,
                   stderr=subprocess.DEVNULL)
    os.chmod(out, 0o755)
    return out


def tool_run(user, tool, logfile: Path, *args: str, check: bool = True) -> str:
    """`tool ARGS`; its stdout."""
    cmd = tool.base() + runtime_args(tool) + list(args)
    with open(logfile, "ab") as lf:
        lf.write(f"$ {' '.join(cmd)}\n".encode())
        lf.flush()
        return user.run(cmd, check=check, stdout=subprocess.PIPE, stderr=lf, text=True).stdout


def with_blast(user, tool, ref: str, blast: Path, logfile: Path, name: str, *argv: str) -> None:
    """A container `name` on the user network that runs blast ARGV, created and
    given the binary, not started."""
    tool_run(user, tool, logfile, "create", "--name", name, "--network", USER_NETWORK, ref,
             "/blast", *argv)
    tool_run(user, tool, logfile, "cp", str(blast), f"{name}:/blast")


def bench_c2c(args, user, tools, ref: str, blast: Path, logfile: Path) -> list[list[str]]:
    """`--size-mib` from one container to another on a user network, by address
    (Podman 4.3's CNI networks here resolve no names); the sink times it from the
    first byte to the last."""
    size = args.size_mib << 20
    rates: dict[str, list[float]] = {t.name: [] for t in tools}
    for i in range(args.transfers):
        for t in (tools if i % 2 == 0 else list(reversed(tools))):
            try:
                with_blast(user, t, ref, blast, logfile, "sink", "sink", BLAST_PORT)
                tool_run(user, t, logfile, "start", "sink")
                ip = tool_run(user, t, logfile, "inspect", "-f",
                              f"{{{{.NetworkSettings.Networks.{USER_NETWORK}.IPAddress}}}}",
                              "sink").strip()
                with_blast(user, t, ref, blast, logfile, "source", "send", ip, BLAST_PORT,
                           str(size))
                tool_run(user, t, logfile, "start", "-a", "source")
                tool_run(user, t, logfile, "wait", "sink")
                got, secs = tool_run(user, t, logfile, "logs", "sink").split()
            finally:
                remove(user, t, ["source", "sink"], logfile)
            if int(got) < size:
                raise RuntimeError(f"{t.name}: {got} bytes of {size}")
            rates[t.name].append(int(got) / float(secs) / 1e6)
            log(f"container to container {i + 1}/{args.transfers} {t.name}: "
                f"{rates[t.name][-1]:.0f} MB/s (load {os.getloadavg()[0]:.1f})")
    med = {n: statistics.median(r) for n, r in rates.items()}
    rows = []
    for t in tools:
        ratio = ""
        if t.name == "coracle" and "podman" in med:
            q = med["coracle"] / med["podman"]
            ratio = f"{q:.2f}x (>= 1x: {'PASS' if q >= 1 else 'MISS'})"
        rows.append([t.name, f"{med[t.name]:.0f} MB/s", f"{min(rates[t.name]):.0f}",
                     f"{max(rates[t.name]):.0f}", ratio])
    return rows


def user_processes(uid: int) -> dict[int, str]:
    """pid -> name of the user's processes."""
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    out[int(entry)] = Path(f"/proc/{entry}/comm").read_text().strip()
    return out


def bench_memory(args, user, tools, ref: str, logfile: Path) -> list[list[str]]:
    """What `--containers` detached `sleep` containers add, per container: the
    processes that appear with them, less the containers' own (PSS, RSS and
    private memory from smaps_rollup)."""
    rows, pss = [], {}
    for t in tools:
        for mode in ("default", "-p", USER_NETWORK):
            before = user_processes(user.uid)
            ids = []
            try:
                with open(logfile, "ab") as lf:
                    for _ in range(args.containers):
                        extra = {"-p": ["-p", f"{free_port()}:{CONTAINER_PORT}"],
                                 USER_NETWORK: ["--network", USER_NETWORK]}.get(mode, [])
                        cmd = detached(t, ref, *extra) + ["sleep", "1000"]
                        ids.append(user.run(cmd, stdout=subprocess.PIPE, stderr=lf,
                                            text=True).stdout.strip())
                # A detached coracle monitor execs itself once its container runs.
                time.sleep(1)
                added = {p: n for p, n in user_processes(user.uid).items()
                         if p not in before and n not in NOT_ADDED}
                figures = {}
                for pid in added:
                    with contextlib.suppress(OSError):
                        figures[pid] = smaps(pid)
            finally:
                remove(user, t, ids, logfile)
            names = [added[p] for p in figures]
            counts = ", ".join(f"{n} x{names.count(n)}" for n in sorted(set(names)))
            per = lambda f: sum(map(f, figures.values())) / args.containers / 1024
            pss[(t.name, mode)] = per(lambda f: f["Pss"])
            rows.append([t.name, mode, counts, f"{pss[(t.name, mode)]:.2f} MiB",
                         f"{per(lambda f: f['Rss']):.2f} MiB",
                         f"{per(lambda f: f['Private_Clean'] + f['Private_Dirty']):.2f} MiB", ""])
    for row in rows:
        if row[0] == "coracle" and ("podman", row[1]) in pss:
            q = pss[("coracle", row[1])] / pss[("podman", row[1])]
            row[6] = f"{q:.2f}x (<= 1x: {'PASS' if q <= 1 else 'MISS'})"
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_timing_args(ap)
    ap.set_defaults(runs=20, rounds=2)
    ap.add_argument("--no-podman", action="store_true", help="coracle (and host loopback) only")
    ap.add_argument("--only", default="run,throughput,c2c,memory",
                    help="sections to run, of run,throughput,c2c,memory (default all)")
    ap.add_argument("--size-mib", type=int, default=1024,
                    help="bytes through the published port, in MiB (default 1024)")
    ap.add_argument("--transfers", type=int, default=3,
                    help="transfers per server (default 3)")
    ap.add_argument("--containers", type=int, default=10,
                    help="detached containers per tool and mode for the memory (default 10)")
    ap.add_argument("--coracle-network", metavar="MODE",
                    help="coracle's network where the tables say default (e.g. slirp4netns; "
                         "default: coracle's own default)")
    ap.add_argument("--json", help="also write the tables to this file")
    args = ap.parse_args()
    need("hyperfine", "hyperfine")
    need("busybox", "busybox-static")
    only = set(args.only.split(","))

    workdir, image, user, storedir, logfile, coracle_bin = busybox_setup(args, "net")
    tools = [Coracle(user, storedir, str(coracle_bin))]
    tools[0].network = args.coracle_network
    if not args.no_podman and shutil.which("podman"):
        tools.append(Podman(user, storedir, runtime=args.podman_runtime or None))
    tables = {}
    with sigterm_as_interrupt():
        try:
            with Registry(workdir) as reg:
                ref = reg.push_layout(image.layout, image.tag, image.name)
                store_everywhere(user, tools, ref, logfile)
            descr = [t.describe() for t in tools]
            log(f"{ref} stored by {', '.join(t.name for t in tools)}; log: {logfile}")
            if "run" in only:
                tables["run"] = bench_run(args, user, tools, ref, logfile)
            if "throughput" in only:
                tables["throughput"] = bench_throughput(args, user, tools, ref, logfile)
            for t in tools:
                tool_run(user, t, logfile, "network", "create", USER_NETWORK, check=False)
            if "c2c" in only:
                blast = blast_binary(workdir)
                tables["c2c"] = bench_c2c(args, user, tools, ref, blast, logfile)
            if "memory" in only:
                tables["memory"] = bench_memory(args, user, tools, ref, logfile)
        finally:
            for t in tools:
                with contextlib.suppress(Exception):
                    t.reset(logfile)
            stop_podman_pause(user)

    where = f"stores on {'disk' if args.disk or args.storedir else 'tmpfs'} ({storedir})"
    print(f"\ncoracle network benchmark: {image.name}, {where}")
    print(f"nproc {os.cpu_count()}, kernel {os.uname().release}, "
          f"load average at the end {os.getloadavg()[0]:.1f}; log: {logfile}")
    for d in descr:
        print(f"  {d}")
    if args.coracle_network:
        print(f"  coracle's default here: --network {args.coracle_network}")
    headers = {
        "run": (f"`run --rm IMAGE true` by network ({args.runs} runs each, "
                f"{args.rounds} hyperfine rounds)",
                ["tool", "network", "median", "min", "max", "mean CPU (u+s)", "coracle/podman"]),
        "throughput": (f"{args.size_mib} MiB from a container's httpd through a published port "
                       f"to a client on the host ({args.transfers} transfers each)",
                       ["server", "median", "min MB/s", "max MB/s", "/host loopback",
                        "coracle/podman"]),
        "c2c": (f"{args.size_mib} MiB from a container to another on a user network "
                f"({args.transfers} transfers each)",
                ["tool", "median", "min MB/s", "max MB/s", "coracle/podman"]),
        "memory": (f"memory added per running container ({args.containers} detached `sleep` "
                   "containers per tool and mode; the containers' own processes left out)",
                   ["tool", "network", "processes added", "PSS", "RSS", "private",
                    "coracle/podman (PSS)"]),
    }
    for key, rows in tables.items():
        title, header = headers[key]
        print(f"\n{title}\n")
        print_table(rows, header)
    if args.json:
        Path(args.json).write_text(json.dumps({"where": where, "tools": descr,
                                               "tables": tables}, indent=1))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; stores reset")
        sys.exit(130)
