#!/usr/bin/env python3
"""coracle pull benchmark: coracle vs. podman (overlay), side by side.

Python 3.11, standard library only. See bench/README.md.

The harness pieces (unprivileged user, local registry, image building, timed
runs, result table) live in reusable functions/classes so that later
benchmarks (run, ps, build, push) can import this module:

    from pull import BenchUser, Registry, build_layout, timed_run, print_table
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gzip
import hashlib
import io
import json
import os
import pwd
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import time
import urllib.request
import zlib
from pathlib import Path
from typing import Callable, Iterable, Iterator

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORACLE = "/work/main/target/release/coracle"
DEFAULT_WORKDIR = "/dev/shm/coracle-bench"
DEFAULT_DISKDIR = "/var/tmp/coracle-bench-stores"
BENCH_USER = "coracle-bench"
MIB = 1024 * 1024
EPOCH = 1700000000  # fixed mtime for reproducible layers


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def apt_install(*pkgs: str) -> None:
    """Install Debian packages when running as root (used for missing tools)."""
    if os.geteuid() != 0:
        raise SystemExit(f"missing {' '.join(pkgs)}: install them (apt-get install {' '.join(pkgs)})")
    log(f"apt-get install {' '.join(pkgs)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *pkgs],
                       env=env, stdout=subprocess.DEVNULL)
    if r.returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *pkgs],
                       env=env, stdout=subprocess.DEVNULL, check=True)


def need(binary: str, package: str) -> str:
    path = shutil.which(binary) or (binary if os.path.exists(binary) else None)
    if not path:
        apt_install(package)
        path = shutil.which(binary) or binary
    return path


# --------------------------------------------------------------------------
# OCI layouts
# --------------------------------------------------------------------------

class _LayerSink(io.RawIOBase):
    """File-like: hashes the uncompressed tar stream (diff-id), gzips it,
    hashes and writes the compressed bytes (digest)."""

    def __init__(self, out, level: int):
        self.out = out
        self.diff = hashlib.sha256()
        self.blob = hashlib.sha256()
        self.size = 0
        self.usize = 0
        # wbits=31: gzip wrapper, mtime 0 in the header -> reproducible output
        self.z = zlib.compressobj(level, zlib.DEFLATED, 31)

    def writable(self) -> bool:
        return True

    def _emit(self, data: bytes) -> None:
        if data:
            self.blob.update(data)
            self.size += len(data)
            self.out.write(data)

    def write(self, b) -> int:
        b = bytes(b)
        self.diff.update(b)
        self.usize += len(b)
        self._emit(self.z.compress(b))
        return len(b)

    def finish(self) -> None:
        self._emit(self.z.flush())


def _tarinfo(name: str, **kw) -> tarfile.TarInfo:
    ti = tarfile.TarInfo(name)
    ti.mtime = EPOCH
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = "root"
    ti.mode = kw.pop("mode", 0o644)
    for k, v in kw.items():
        setattr(ti, k, v)
    return ti


class LayerWriter:
    """Writes one gzip layer into an OCI layout's blob dir.

    Usage: with LayerWriter(blobdir, level) as lw: lw.tar.addfile(...)"""

    def __init__(self, blobdir: Path, level: int = 6):
        self.blobdir = blobdir
        self.level = level

    def __enter__(self) -> "LayerWriter":
        self.tmp = self.blobdir / f".layer-{os.getpid()}.tmp"
        self.f = open(self.tmp, "wb", buffering=1 << 20)
        self.sink = _LayerSink(self.f, self.level)
        self.tar = tarfile.open(fileobj=self.sink, mode="w|", format=tarfile.PAX_FORMAT,
                                bufsize=1 << 20)
        return self

    def dir(self, name: str, mode: int = 0o755) -> None:
        self.tar.addfile(_tarinfo(name, type=tarfile.DIRTYPE, mode=mode))

    def file(self, name: str, data: bytes, mode: int = 0o644) -> None:
        self.tar.addfile(_tarinfo(name, size=len(data), mode=mode), io.BytesIO(data))

    def symlink(self, name: str, target: str) -> None:
        self.tar.addfile(_tarinfo(name, type=tarfile.SYMTYPE, linkname=target, mode=0o777))

    def __exit__(self, exc_type, exc, tb) -> None:
        self.tar.close()
        self.sink.finish()
        self.f.close()
        if exc_type:
            self.tmp.unlink(missing_ok=True)
            return
        self.digest = "sha256:" + self.sink.blob.hexdigest()
        self.diff_id = "sha256:" + self.sink.diff.hexdigest()
        self.size = self.sink.size
        self.usize = self.sink.usize
        os.replace(self.tmp, self.blobdir / self.sink.blob.hexdigest())


def _write_blob(blobdir: Path, data: bytes) -> tuple[str, int]:
    h = hashlib.sha256(data).hexdigest()
    (blobdir / h).write_bytes(data)
    return "sha256:" + h, len(data)


def build_layout(dest: Path, tag: str, layer_fns: list[Callable[[LayerWriter], None]],
                 config_extra: dict | None = None, level: int = 6) -> dict:
    """Builds an OCI image layout at dest (cached: skipped when dest/index.json
    exists). Each layer_fn fills one layer through a LayerWriter.
    Returns a summary {layers, compressed, uncompressed}."""
    summary = dest / "bench-summary.json"
    if (dest / "index.json").exists() and summary.exists():
        return json.loads(summary.read_text())
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    blobdir = tmp / "blobs" / "sha256"
    blobdir.mkdir(parents=True)
    layers = []
    for i, fn in enumerate(layer_fns):
        t0 = time.monotonic()
        with LayerWriter(blobdir, level) as lw:
            fn(lw)
        layers.append(lw)
        log(f"  {dest.name}: layer {i + 1}/{len(layer_fns)} {lw.usize / MIB:.1f} MiB "
            f"-> {lw.size / MIB:.1f} MiB gz ({time.monotonic() - t0:.1f}s)")
    config = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(EPOCH)),
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Cmd": ["sh"], **(config_extra or {})},
        "rootfs": {"type": "layers", "diff_ids": [lw.diff_id for lw in layers]},
        "history": [{"created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(EPOCH)),
                     "created_by": f"coracle bench layer {i + 1}"} for i in range(len(layers))],
    }
    cdigest, csize = _write_blob(blobdir, json.dumps(config, sort_keys=True).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": cdigest, "size": csize},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": lw.digest, "size": lw.size} for lw in layers],
    }
    mdigest, msize = _write_blob(blobdir, json.dumps(manifest, sort_keys=True).encode())
    (tmp / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (tmp / "index.json").write_text(json.dumps({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": mdigest, "size": msize,
                       "annotations": {"org.opencontainers.image.ref.name": tag}}]}))
    info = {"layers": len(layers), "compressed": sum(l.size for l in layers),
            "uncompressed": sum(l.usize for l in layers)}
    (tmp / "bench-summary.json").write_text(json.dumps(info))
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(tmp, dest)
    return info


# ---- the three images ----------------------------------------------------

def busybox_layer(lw: LayerWriter) -> None:
    bb = Path("/bin/busybox").read_bytes()
    dirs = {"bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "tmp", "root",
            "dev", "proc", "sys"}
    for d in sorted(dirs):
        lw.dir(d, 0o1777 if d == "tmp" else 0o755)
    lw.file("bin/busybox", bb, 0o755)
    lw.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
    lw.file("etc/group", b"root:x:0:\n")
    applets = subprocess.run(["/bin/busybox", "--list-full"], capture_output=True,
                             text=True, check=True).stdout.split()
    for a in sorted(set(applets)):
        if a != "bin/busybox" and a.split("/")[0] in ("bin", "sbin", "usr"):
            lw.symlink(a, "/bin/busybox")


def debootstrap_rootfs(srcdir: Path) -> tuple[Path | None, str]:
    """A Debian bookworm minbase rootfs (cached). Returns (dir, description);
    (None, reason) when debootstrap fails."""
    root = srcdir / "debian-rootfs"
    if (root / "etc" / "debian_version").exists():
        return root, "debootstrap --variant=minbase bookworm"
    need("debootstrap", "debootstrap")
    if os.geteuid() != 0:
        return None, "debootstrap needs root"
    tmp = srcdir / "debian-rootfs.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    srcdir.mkdir(parents=True, exist_ok=True)
    log("debootstrap --variant=minbase bookworm (a few minutes, once)")
    r = subprocess.run(["debootstrap", "--variant=minbase", "bookworm", str(tmp),
                        "http://deb.debian.org/debian"],
                       stdout=open(srcdir / "debootstrap.log", "w"), stderr=subprocess.STDOUT)
    if r.returncode != 0:
        return None, f"debootstrap failed (see {srcdir}/debootstrap.log)"
    os.replace(tmp, root)
    return root, "debootstrap --variant=minbase bookworm"


def tree_layer(root: Path, members: Iterable[str], skip_contents: set[str]) -> Callable:
    """Layer of a host directory tree (ownership and modes as on disk)."""
    def fill(lw: LayerWriter) -> None:
        def filt(ti: tarfile.TarInfo) -> tarfile.TarInfo | None:
            if ti.isdev():  # real images carry no device nodes (rootless cannot mknod)
                return None
            ti.mtime = int(ti.mtime)
            return ti
        for m in members:
            p = root / m
            if m in skip_contents:
                lw.tar.add(p, arcname=m, recursive=False, filter=filt)
            else:
                lw.tar.add(p, arcname=m, filter=filt)
    return fill


def debian_layer_fn(srcdir: Path) -> tuple[Callable, str]:
    root, desc = debootstrap_rootfs(srcdir)
    if root is not None:
        # Like the official debian image: no apt caches, empty /dev /proc /sys.
        members = sorted(os.listdir(root))
        skip = {"dev", "proc", "sys", "tmp", "run"}
        for junk in ("var/cache/apt", "var/lib/apt/lists"):
            for p in (root / junk).glob("*"):
                if p.is_file():
                    p.unlink()
        return tree_layer(root, members, skip), desc
    log(f"WARNING: {desc}; falling back to a tar of the host's /usr/lib + /usr/share")
    return tree_layer(Path("/"), ["usr/lib", "usr/share"], set()), \
        f"FALLBACK host /usr/lib + /usr/share ({desc})"


def eight_layer_fns(seed: int = 42) -> list[Callable]:
    def small(lw: LayerWriter) -> None:
        for d in ("etc", "opt", "opt/bench"):
            lw.dir(d)
        lw.file("etc/bench-release", b"coracle bench eight-layer image\n")

    def rand_layer(n: int) -> Callable:
        def fill(lw: LayerWriter) -> None:
            rnd = random.Random(seed * 1000 + n)
            lw.dir("opt")
            lw.dir("opt/bench")
            lw.file(f"opt/bench/random-{n}.bin", rnd.randbytes(64 * MIB))
        return fill

    def many_files(lw: LayerWriter) -> None:
        rnd = random.Random(seed)
        lw.dir("srv")
        lw.dir("srv/files")
        for d in range(200):
            lw.dir(f"srv/files/d{d:03}")
            for f in range(100):
                lw.file(f"srv/files/d{d:03}/f{f:03}.dat", rnd.randbytes(rnd.randint(256, 3584)))

    # small base, three big, the 20,000 files, three big: the small-file layer
    # unpacks while big ones are still downloading.
    return [small, rand_layer(1), rand_layer(2), rand_layer(3), many_files,
            rand_layer(4), rand_layer(5), rand_layer(6)]


@dataclasses.dataclass
class Image:
    name: str       # repository name in the registry
    tag: str
    layout: Path
    info: dict
    note: str = ""


def prepare_images(workdir: Path, which: list[str]) -> list[Image]:
    imgdir = workdir / "images"
    imgdir.mkdir(parents=True, exist_ok=True)
    out = []
    if "busybox" in which:
        need("/bin/busybox", "busybox-static")
        info = build_layout(imgdir / "busybox", "latest", [busybox_layer])
        out.append(Image("bench/busybox", "latest", imgdir / "busybox", info, "1 layer"))
    if "debian" in which:
        path = imgdir / "debian"
        note_file = path / "bench-note.txt"
        if not (path / "index.json").exists():
            log("building the debian minbase image")
            fn, desc = debian_layer_fn(workdir / "src")
            info = build_layout(path, "bookworm", [fn])
            note_file.write_text(desc)
        info = build_layout(path, "bookworm", [])
        out.append(Image("bench/debian", "bookworm", path, info,
                         "1 layer, " + note_file.read_text()))
    if "eight" in which:
        if not (imgdir / "eight" / "index.json").exists():
            log("building the eight-layer image")
        info = build_layout(imgdir / "eight", "latest", eight_layer_fns(), level=1)
        out.append(Image("bench/eight", "latest", imgdir / "eight", info,
                         "8 layers: 6x64 MiB random, 20,000 files, 1 small"))
    return out


# --------------------------------------------------------------------------
# The unprivileged user
# --------------------------------------------------------------------------

def _free_subid_start(files=("/etc/subuid", "/etc/subgid")) -> int:
    top = 100000
    for f in files:
        with contextlib.suppress(FileNotFoundError):
            for line in Path(f).read_text().splitlines():
                parts = line.strip().split(":")
                if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                    top = max(top, int(parts[1]) + int(parts[2]))
    return top


class BenchUser:
    """The unprivileged user the tools run as.

    As root: creates (once) user `name` with a 65536-id subuid/subgid range and
    runs commands through setpriv (exec, no extra process, so wait4's
    ru_maxrss is the tool's). As a normal user: that user, commands run directly."""

    def __init__(self, name: str = BENCH_USER, home_base: Path = Path(DEFAULT_WORKDIR)):
        self.is_root = os.geteuid() == 0
        if self.is_root:
            self._ensure_user(name)
            pw = pwd.getpwnam(name)
        else:
            pw = pwd.getpwuid(os.getuid())
        self.name, self.uid, self.gid = pw.pw_name, pw.pw_uid, pw.pw_gid
        if self.is_root:
            self.home = home_base / "home"
            self.runtime = home_base / "run-user"
            for d in (self.home, self.runtime):
                d.mkdir(parents=True, exist_ok=True)
                os.chown(d, self.uid, self.gid)
            os.chmod(self.runtime, 0o700)
        else:
            self.home = Path(pw.pw_dir)
            self.runtime = Path(os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{self.uid}")
        self.env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": str(self.home), "USER": self.name, "LOGNAME": self.name,
            "XDG_RUNTIME_DIR": str(self.runtime), "LANG": "C.UTF-8",
        }

    @staticmethod
    def _ensure_user(name: str) -> None:
        try:
            pwd.getpwnam(name)
        except KeyError:
            log(f"creating user {name}")
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                            "/usr/sbin/nologin", name], check=True)
        for f in ("/etc/subuid", "/etc/subgid"):
            text = Path(f).read_text() if os.path.exists(f) else ""
            if not any(l.split(":")[0] == name for l in text.splitlines()):
                start = _free_subid_start()
                with open(f, "a") as fh:
                    fh.write(f"{name}:{start}:65536\n")
        need("newuidmap", "uidmap")

    def argv(self, cmd: list[str]) -> list[str]:
        if not self.is_root:
            return ["env", "-i", *(f"{k}={v}" for k, v in self.env.items()), *cmd]
        return ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--init-groups",
                "--reset-env", "env", *(f"{k}={v}" for k, v in self.env.items()), *cmd]

    def run(self, cmd: list[str], check: bool = True, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(self.argv(cmd), check=check, **kw)

    def mkdir(self, path: Path) -> None:
        """Creates path and its missing parents, all owned by the user."""
        missing = [p for p in [path, *path.parents] if not p.exists()]
        path.mkdir(parents=True, exist_ok=True)
        if self.is_root:
            for p in missing or [path]:
                os.chown(p, self.uid, self.gid)


# --------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Registry:
    """Debian's docker-registry on 127.0.0.1:<free port> with temp storage.
    Use as a context manager; stopped on exit (also on Ctrl-C)."""

    def __init__(self, basedir: Path):
        self.basedir = basedir
        self.binary = need("/usr/bin/docker-registry", "docker-registry")

    def __enter__(self) -> "Registry":
        self.dir = self.basedir / f"registry-{os.getpid()}"
        shutil.rmtree(self.dir, ignore_errors=True)
        (self.dir / "storage").mkdir(parents=True)
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        cfg = self.dir / "config.yml"
        cfg.write_text(f"""version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {self.dir / 'storage'}
  delete:
    enabled: true
http:
  addr: {self.host}
""")
        self.proc = subprocess.Popen([self.binary, "serve", str(cfg)],
                                     stdout=open(self.dir / "registry.log", "w"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://{self.host}/v2/", timeout=1).read()
                break
            except Exception:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.__exit__(None, None, None)
                    raise RuntimeError(f"registry did not start: {(self.dir / 'registry.log').read_text()}")
                time.sleep(0.1)
        log(f"registry on {self.host} (storage {self.dir / 'storage'})")
        return self

    def push_layout(self, layout: Path, tag: str, name: str) -> str:
        skopeo = need("skopeo", "skopeo")
        ref = f"{self.host}/{name}:{tag}"
        subprocess.run([skopeo, "copy", "--quiet", "--dest-tls-verify=false",
                        f"oci:{layout}:{tag}", f"docker://{ref}"], check=True)
        return ref

    def __exit__(self, *exc) -> None:
        if getattr(self, "proc", None) and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------

@dataclasses.dataclass
class RunResult:
    seconds: float      # wall time, measured here
    maxrss_kib: int     # peak RSS of the tool (GNU time %M)
    user_s: float       # CPU time of the tool and its children
    sys_s: float
    returncode: int


TIME = "/usr/bin/time"


def timed_run(user: "BenchUser", cmd: list[str], logfile: Path) -> RunResult:
    """Runs cmd as the user; returns wall time, CPU times and peak RSS.

    Peak RSS comes from GNU time run as the tool's direct parent: wait4's
    ru_maxrss seen from Python would include the Python parent's own RSS
    (a forked child inherits the parent's high-water mark across exec)."""
    need(TIME, "time")
    out = user.home / ".bench-time"
    out.unlink(missing_ok=True)
    argv = user.argv([TIME, "-f", "%M %U %S", "-o", str(out), *cmd])
    with open(logfile, "ab") as lf:
        lf.write(("$ " + " ".join(argv) + "\n").encode())
        lf.flush()
        t0 = time.perf_counter()
        rc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=lf, stderr=lf).returncode
        dt = time.perf_counter() - t0
    rss, us, ss = 0, 0.0, 0.0
    with contextlib.suppress(Exception):
        last = out.read_text().strip().splitlines()[-1].split()
        rss, us, ss = int(last[0]), float(last[1]), float(last[2])
    return RunResult(dt, rss, us, ss, rc)


# --------------------------------------------------------------------------
# Tools under test
# --------------------------------------------------------------------------

class Tool:
    """A container engine with its own storage (root, runroot) as the user."""
    name = "?"

    def __init__(self, user: BenchUser, storedir: Path):
        self.user = user
        self.storedir = storedir
        self.use_store("")

    def use_store(self, suffix: str) -> None:
        """Points the tool at storedir/NAME[-suffix]/{root,runroot}."""
        d = self.storedir / (self.name + (f"-{suffix}" if suffix else ""))
        self.root, self.runroot = d / "root", d / "runroot"

    def pull_cmd(self, ref: str) -> list[str]:
        raise NotImplementedError

    def reset_cmd(self) -> list[str]:
        raise NotImplementedError

    def reset(self, logfile: Path) -> None:
        """Empties the storage, as the user, outside the timed part."""
        if self.root.exists():
            with open(logfile, "ab") as lf:
                self.user.run(self.reset_cmd(), check=False, stdout=lf, stderr=lf)
        for d in (self.root, self.runroot):
            if d.exists() and any(d.iterdir()):
                # leftovers owned by mapped ids: remove inside a user namespace
                with open(logfile, "ab") as lf:
                    self.user.run(["podman", "unshare", "rm", "-rf", str(d)], check=False,
                                  stdout=lf, stderr=lf)
                if self.user.is_root:
                    shutil.rmtree(d, ignore_errors=True)
            if d.exists() and any(d.iterdir()):
                raise RuntimeError(f"could not empty {d}")
        for d in (self.root, self.runroot):
            shutil.rmtree(d, ignore_errors=True)
            self.user.mkdir(d.parent)

    def describe(self) -> str:
        return self.name

    def images_cmd(self) -> list[str]:
        return self.base() + ["images", "-q"]

    def verify(self, logfile: Path) -> bool:
        """After a pull (not timed): the store lists an image."""
        with open(logfile, "ab") as lf:
            r = self.user.run(self.images_cmd(), check=False, stdout=subprocess.PIPE, stderr=lf,
                              text=True)
            lf.write(f"images -q: {r.stdout.strip()!r}\n".encode())
        return r.returncode == 0 and bool(r.stdout.strip())


class Coracle(Tool):
    name = "coracle"

    def __init__(self, user, storedir, binary: str):
        super().__init__(user, storedir)
        self.binary = binary

    def base(self) -> list[str]:
        return [self.binary, "--root", str(self.root), "--runroot", str(self.runroot)]

    def pull_cmd(self, ref):
        return self.base() + ["pull", ref]

    def run_cmd(self, image: str, *cmd: str) -> list[str]:
        return self.base() + ["run", "--rm", image, *cmd]

    def reset_cmd(self):
        return self.base() + ["system", "reset", "-f"]

    def describe(self):
        r = self.user.run([self.binary, "version"], check=False, capture_output=True, text=True)
        v = [l.split(":", 1)[1].strip() for l in (r.stdout or "").splitlines()
             if l.lower().startswith("version")]
        h = hashlib.sha256(Path(self.binary).read_bytes()).hexdigest()[:12]
        return f"coracle {v[0] if v else '(version unknown)'} (binary sha256 {h})"


class Podman(Tool):
    name = "podman"

    def __init__(self, user, storedir, mount_program: str | None = None,
                 runtime: str | None = None):
        super().__init__(user, storedir)
        self.mount_program = mount_program
        self.runtime = runtime  # OCI runtime for `run` (crun refuses hybrid cgroups here)
        # containers.conf for the user: no journald/systemd here
        conf = user.home / ".config" / "containers"
        user.mkdir(conf)
        (conf / "containers.conf").write_text(
            '[engine]\nevents_logger = "file"\ncgroup_manager = "cgroupfs"\n')

    def base(self) -> list[str]:
        cmd = ["podman", "--root", str(self.root), "--runroot", str(self.runroot),
               "--storage-driver", "overlay"]
        if self.mount_program:
            cmd += ["--storage-opt", f"overlay.mount_program={self.mount_program}"]
        return cmd

    def pull_cmd(self, ref):
        return self.base() + ["pull", "--tls-verify=false", ref]

    def run_cmd(self, image: str, *cmd: str) -> list[str]:
        rt = ["--runtime", self.runtime] if self.runtime else []
        return self.base() + rt + ["run", "--rm", "--network", "none", image, *cmd]

    def reset_cmd(self):
        return self.base() + ["system", "reset", "-f"]

    def describe(self):
        r = self.user.run(["podman", "--version"], check=False, capture_output=True, text=True)
        how = f"mount_program={self.mount_program}" if self.mount_program else "native kernel overlay"
        if self.runtime:
            rv = subprocess.run([self.runtime, "--version"], capture_output=True, text=True)
            how += f", --runtime {self.runtime}: {(rv.stdout or '?').splitlines()[0]}"
        return f"{r.stdout.strip()} (--storage-driver overlay, {how})"


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------

def fmt_s(x: float) -> str:
    return f"{x:.2f}s"


def print_table(rows: list[list[str]], header: list[str], out=sys.stdout) -> None:
    """Markdown-compatible table."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |"
    print(line(header), file=out)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|", file=out)
    for r in rows:
        print(line(r), file=out)


def summarize(results: dict, images: list[Image], tools: list[str],
              ratio_target: float, rss_target_mib: float, target_image: str) -> list[list[str]]:
    rows = []
    for im in images:
        med = {}
        for t in tools:
            rs = results.get((im.name, t))
            if not rs:
                continue
            ok = [r for r in rs if r.returncode == 0]
            if not ok:
                rows.append([im.name, t, "FAILED", "", "", "", "", ""])
                continue
            times = [r.seconds for r in ok]
            med[t] = statistics.median(times)
            ratio = rss = ""
            if t == "coracle":
                if "podman" in med or results.get((im.name, "podman")):
                    pr = [r.seconds for r in results.get((im.name, "podman"), []) if r.returncode == 0]
                    if pr:
                        q = med[t] / statistics.median(pr)
                        ratio = f"{q:.2f}x"
                        if im.name == target_image:
                            ratio += f" (<= {ratio_target}x: {'PASS' if q <= ratio_target else 'MISS'})"
                peak = max(r.maxrss_kib for r in ok) / 1024
                rss = f"{peak:.1f} MiB (< {rss_target_mib:g}: {'PASS' if peak < rss_target_mib else 'MISS'})"
            else:
                rss = f"{max(r.maxrss_kib for r in ok) / 1024:.1f} MiB"
            fails = len(rs) - len(ok)
            rows.append([im.name, t + (f" ({fails} failed)" if fails else ""),
                         fmt_s(statistics.median(times)), fmt_s(min(times)), fmt_s(max(times)),
                         fmt_s(statistics.median(r.user_s + r.sys_s for r in ok)), ratio, rss])
    return rows


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    def handler(signum, frame):
        raise KeyboardInterrupt
    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)



def bench_dirs(args, workdir, kind):
    """The bench user, its store directory and this run's log file."""
    user = BenchUser(home_base=workdir)
    storedir = Path(args.storedir) if args.storedir else (
        Path(DEFAULT_DISKDIR) if args.disk else workdir / "stores")
    user.mkdir(storedir)
    logdir = workdir / "logs"
    logdir.mkdir(exist_ok=True)
    return user, storedir, logdir / time.strftime(f"{kind}-%Y%m%d-%H%M%S.log")

def store_everywhere(user: BenchUser, tools: list[Tool], ref: str, logfile: Path) -> None:
    """Pulls ref into each tool's emptied store (not timed); raises when one
    stores nothing."""
    for t in tools:
        t.reset(logfile)
        with open(logfile, "ab") as lf:
            user.run(t.pull_cmd(ref), stdout=lf, stderr=lf)
        if not t.verify(logfile):
            raise RuntimeError(f"{t.name} did not store {ref}; see {logfile}")


def stage_binary(workdir: Path, src: str) -> Path:
    """Copies the coracle binary to WORKDIR/bin, where the bench user can read
    it and where a rebuild during the run does not change it."""
    bindir = workdir / "bin"
    bindir.mkdir(exist_ok=True)
    dst = bindir / "coracle"
    tmp = bindir / f".coracle-{os.getpid()}"
    shutil.copy2(src, tmp)
    os.chmod(tmp, 0o755)
    os.replace(tmp, dst)  # never writes into a binary another benchmark is running
    os.chmod(bindir, 0o755)
    return dst


def stop_podman_pause(user: BenchUser) -> None:
    """Stops Podman's rootless pause process (it keeps its user namespace alive)."""
    pause = user.runtime / "libpod" / "tmp" / "pause.pid"
    with contextlib.suppress(Exception):
        os.kill(int(pause.read_text().strip()), signal.SIGTERM)


def default_coracle() -> str:
    if os.environ.get("CORACLE"):
        return os.environ["CORACLE"]
    if os.path.exists(DEFAULT_CORACLE):
        return DEFAULT_CORACLE
    return str(REPO / "target" / "release" / "coracle")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="timed pulls per image and tool (default 5)")
    ap.add_argument("--workdir", default=DEFAULT_WORKDIR,
                    help=f"cache of images, registry, logs, tmpfs stores (default {DEFAULT_WORKDIR})")
    ap.add_argument("--disk", action="store_true",
                    help=f"put the stores on disk under {DEFAULT_DISKDIR} instead of tmpfs")
    ap.add_argument("--storedir", help="put the stores here (overrides --disk)")
    ap.add_argument("--images", default="busybox,debian,eight",
                    help="comma list of busybox,debian,eight (default all)")
    ap.add_argument("--coracle", default=default_coracle(),
                    help="coracle binary ($CORACLE, else /work/main/target/release/coracle, "
                         "else target/release/coracle)")
    ap.add_argument("--no-podman", action="store_true", help="do not run podman")
    ap.add_argument("--podman-mount-program", default=None,
                    help="e.g. /usr/bin/fuse-overlayfs (default: native overlay, falls back "
                         "to fuse-overlayfs if that fails)")
    ap.add_argument("--defer-cleanup", action="store_true",
                    help="a fresh store directory per run, all removed at the end (on ext4 "
                         "without a journal, deleting 20,000 files slows down creating files "
                         "for minutes after; see BENCHMARKS.md)")
    ap.add_argument("--json", help="also write raw results to this file")
    ap.add_argument("--prepare-only", action="store_true", help="build the images and exit")
    args = ap.parse_args()

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(workdir, 0o755)
    which = [w.strip() for w in args.images.split(",") if w.strip()]
    t0 = time.monotonic()
    images = prepare_images(workdir, which)
    log(f"images ready ({time.monotonic() - t0:.0f}s)")
    for im in images:
        log(f"  {im.name}:{im.tag}: {im.info['layers']} layers, "
            f"{im.info['uncompressed'] / 1e6:.0f} MB tar, {im.info['compressed'] / 1e6:.0f} MB gz; {im.note}")
    if args.prepare_only:
        return 0

    user, storedir, logfile = bench_dirs(args, workdir, "pull")

    coracle_bin = stage_binary(workdir, args.coracle)

    tools: list[Tool] = [Coracle(user, storedir, str(coracle_bin))]
    if not args.no_podman and shutil.which("podman"):
        tools.append(Podman(user, storedir, args.podman_mount_program))
    elif not args.no_podman:
        log("podman not installed: coracle only")

    results: dict[tuple[str, str], list[RunResult]] = {}
    used: list[tuple[Tool, Path]] = []
    with sigterm_as_interrupt(), Registry(workdir) as reg:
        try:
            refs = {}
            for im in images:
                refs[im.name] = reg.push_layout(im.layout, im.tag, im.name)
            log(f"pushed {len(images)} images; log: {logfile}")

            # Podman: check that native overlay works; otherwise use fuse-overlayfs.
            for t in tools:
                if isinstance(t, Podman) and not t.mount_program:
                    t.reset(logfile)
                    r = timed_run(user, t.pull_cmd(refs[images[0].name]), logfile) if images else None
                    t.reset(logfile)
                    if r and r.returncode != 0:
                        log("podman with native overlay failed; using fuse-overlayfs")
                        t.mount_program = need("fuse-overlayfs", "fuse-overlayfs")
            descr = [t.describe() for t in tools]
            for d in descr:
                log(d)

            for im in images:
                for i in range(args.runs):
                    order = tools if i % 2 == 0 else list(reversed(tools))
                    for t in order:
                        if args.defer_cleanup:
                            t.use_store(f"{im.name.split('/')[-1][0]}{i}")  # podman: runroot <= 50 chars
                            used.append((t, t.root))
                        t.reset(logfile)
                        r = timed_run(user, t.pull_cmd(refs[im.name]), logfile)
                        if r.returncode == 0 and not t.verify(logfile):
                            r.returncode = -1  # exited 0 but stored nothing
                        results.setdefault((im.name, t.name), []).append(r)
                        log(f"{im.name} {t.name} run {i + 1}/{args.runs}: {r.seconds:.2f}s "
                            f"(user {r.user_s:.2f}s sys {r.sys_s:.2f}s) rss {r.maxrss_kib / 1024:.1f} MiB"
                            + ("" if r.returncode == 0 else f" EXIT {r.returncode} (see {logfile})"))
                    if not args.defer_cleanup:
                        for t in tools:
                            t.reset(logfile)
        finally:
            for t, root in used:
                t.use_store(root.parent.name.split("-", 1)[1])
                with contextlib.suppress(Exception):
                    t.reset(logfile)
            for t in tools:
                t.use_store("")
                with contextlib.suppress(Exception):
                    t.reset(logfile)
            stop_podman_pause(user)

    where = f"stores on {'disk' if args.disk or args.storedir else 'tmpfs'} ({storedir})"
    if args.defer_cleanup:
        where += ", a fresh store per run (--defer-cleanup)"
    print(f"\ncoracle pull benchmark: {args.runs} runs each, empty storage each run, {where}")
    print(f"registry: docker-registry on 127.0.0.1 (storage on {workdir}); "
          f"nproc {os.cpu_count()}, kernel {os.uname().release}")
    for d in descr:
        print(f"  {d}")
    print()
    rows = summarize(results, images, [t.name for t in tools], 0.6, 64, "bench/eight")
    print_table(rows, ["image", "tool", "median", "min", "max", "CPU (u+s)", "coracle/podman",
                       "peak RSS"])
    if args.json:
        Path(args.json).write_text(json.dumps({
            "where": where, "tools": descr,
            "images": {im.name: {**im.info, "note": im.note} for im in images},
            "runs": {f"{k[0]} {k[1]}": [dataclasses.asdict(r) for r in v]
                     for k, v in results.items()}}, indent=1))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted; registry stopped, stores reset")
        sys.exit(130)
