//! Shared fixtures: the registries with every test image pushed, and helpers.

use coracle_testkit::{
    Auth, Catalog, Compression, Coracle, Format, Image, Index, Output, Registry,
};
use serde_json::Value;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub const BIN: &str = env!("CARGO_BIN_EXE_coracle");

pub const BASIC_USER: &str = "alice";
pub const BASIC_PASS: &str = "basic-s3cret";
pub const TOKEN_USER: &str = "bob";
pub const TOKEN_PASS: &str = "token-s3cret";

/// A coracle for one test, as the rootless test user.
pub fn coracle() -> Coracle {
    Coracle::new(BIN)
}

/// The images pushed to the anonymous registry, by what tests call them.
pub struct Images {
    pub busybox_v2s2: Image,
    pub busybox_oci_gzip: Image,
    pub busybox_oci_zstd: Image,
    pub busybox_oci_tar: Image,
    pub multilayer: Image,
    pub multilayer_v2s2: Image,
    pub multilayer_zstd: Image,
    pub multi_oci: Index,
    pub multi_docker: Index,
    pub tampered: Image,
    pub diffid: Image,
    pub hostile_dotdot: Image,
    pub hostile_symlink: Image,
    pub hostile_abs_symlink: Image,
    pub hostile_hardlink: Image,
}

pub struct Anon {
    pub registry: Registry,
    pub images: Images,
}

/// The anonymous registry, with (repository:tag → image):
/// busybox:{latest,v2s2} (Docker), busybox:{oci-gzip,oci-zstd,oci-tar},
/// multilayer:{latest (OCI gzip),v2s2,zstd}, multi:{oci,docker} (amd64 + arm64/v8),
/// tampered:latest, diffid:latest, hostile/{dotdot,symlink,abs-symlink,hardlink}:latest.
pub fn anon() -> &'static Anon {
    static ANON: OnceLock<Anon> = OnceLock::new();
    ANON.get_or_init(|| {
        let registry = Registry::start(Auth::None).expect("start the anonymous registry");
        let images = Images {
            busybox_v2s2: Catalog::busybox(Format::Docker, Compression::Gzip),
            busybox_oci_gzip: Catalog::busybox(Format::Oci, Compression::Gzip),
            busybox_oci_zstd: Catalog::busybox(Format::Oci, Compression::Zstd),
            busybox_oci_tar: Catalog::busybox(Format::Oci, Compression::None),
            multilayer: Catalog::multilayer(Format::Oci, Compression::Gzip),
            multilayer_v2s2: Catalog::multilayer(Format::Docker, Compression::Gzip),
            multilayer_zstd: Catalog::multilayer(Format::Oci, Compression::Zstd),
            multi_oci: Catalog::multiplatform(Format::Oci),
            multi_docker: Catalog::multiplatform(Format::Docker),
            tampered: Catalog::tamperable(),
            diffid: Catalog::diffid_mismatch(),
            hostile_dotdot: Catalog::hostile_dotdot(),
            hostile_symlink: Catalog::hostile_symlink(),
            hostile_abs_symlink: Catalog::hostile_abs_symlink(),
            hostile_hardlink: Catalog::hostile_hardlink(),
        };
        let i = &images;
        let pushes: [(&str, &dyn coracle_testkit::Pushable); 17] = [
            ("busybox:latest", &i.busybox_v2s2),
            ("busybox:v2s2", &i.busybox_v2s2),
            ("busybox:oci-gzip", &i.busybox_oci_gzip),
            ("busybox:oci-zstd", &i.busybox_oci_zstd),
            ("busybox:oci-tar", &i.busybox_oci_tar),
            ("multilayer:latest", &i.multilayer),
            ("multilayer:v2s2", &i.multilayer_v2s2),
            ("multilayer:zstd", &i.multilayer_zstd),
            ("multi:oci", &i.multi_oci),
            ("multi:docker", &i.multi_docker),
            ("tampered:latest", &i.tampered),
            ("diffid:latest", &i.diffid),
            ("hostile/dotdot:latest", &i.hostile_dotdot),
            ("hostile/symlink:latest", &i.hostile_symlink),
            ("hostile/abs-symlink:latest", &i.hostile_abs_symlink),
            ("hostile/hardlink:latest", &i.hostile_hardlink),
            ("multilayer:extra", &i.multilayer),
        ];
        for (name, item) in pushes {
            registry
                .push(name, item)
                .unwrap_or_else(|e| panic!("push {name}: {e:#}"));
        }
        registry
            .tamper_blob(&images.tampered.layers[0].digest)
            .expect("tamper the blob");
        Anon { registry, images }
    })
}

/// The basic-auth registry (alice / basic-s3cret) with private/busybox:latest.
pub fn basic() -> &'static Registry {
    static BASIC: OnceLock<Registry> = OnceLock::new();
    BASIC.get_or_init(|| {
        let r = Registry::start(Auth::basic(BASIC_USER, BASIC_PASS))
            .expect("start the basic-auth registry");
        r.push("private/busybox:latest", &anon().images.busybox_v2s2)
            .expect("push");
        r
    })
}

/// The token-auth registry (bob / token-s3cret) with private/busybox:latest and
/// public/busybox:latest (anonymous pull allowed under public/).
pub fn token() -> &'static Registry {
    static TOKEN: OnceLock<Registry> = OnceLock::new();
    TOKEN.get_or_init(|| {
        let r = Registry::start(Auth::token(TOKEN_USER, TOKEN_PASS))
            .expect("start the token-auth registry");
        r.push("private/busybox:latest", &anon().images.busybox_oci_gzip)
            .expect("push");
        r.push("public/busybox:latest", &anon().images.busybox_oci_gzip)
            .expect("push");
        r
    })
}

/// A 32 MiB (gzip, incompressible) single-layer image, pushed as big:latest to the anonymous registry.
pub fn big() -> &'static Image {
    static BIG: OnceLock<Image> = OnceLock::new();
    BIG.get_or_init(|| {
        let image = Catalog::big(32, 1, Compression::Gzip);
        anon()
            .registry
            .push("big:latest", &image)
            .expect("push big:latest");
        image
    })
}

/// `127.0.0.1:PORT/NAME` on the anonymous registry.
pub fn anon_ref(name: &str) -> String {
    anon().registry.image(name)
}

pub fn pull(c: &Coracle, reference: &str) -> Output {
    c.run(["pull", reference])
}

/// Pulls and checks that stdout is exactly the image ID.
#[track_caller]
pub fn pull_ok(c: &Coracle, reference: &str, image: &Image) {
    let out = pull(c, reference);
    out.success();
    assert_eq!(
        out.stdout.trim_end(),
        image.id(),
        "pull must print only the image ID\n{out}"
    );
}

pub fn layer_dir(c: &Coracle, diff_id: &str) -> PathBuf {
    c.root()
        .join("layers")
        .join(coracle_testkit::hex_of(diff_id))
}

pub fn blob_path(c: &Coracle, digest: &str) -> PathBuf {
    c.root()
        .join("blobs/sha256")
        .join(coracle_testkit::hex_of(digest))
}

/// `images --format json`: Podman's JSON array.
pub fn images_json(c: &Coracle) -> Vec<Value> {
    let out = c.run(["images", "--format", "json"]);
    out.success();
    match out.json() {
        Value::Array(items) => items,
        other => panic!("images --format json is not an array: {other}"),
    }
}

/// `images -q`, as a list of short IDs.
pub fn image_ids(c: &Coracle) -> Vec<String> {
    let out = c.run(["images", "-q"]);
    out.success();
    out.stdout_lines()
        .iter()
        .map(|s| s.trim().to_string())
        .collect()
}

/// An extended attribute of a path (not following symlinks).
pub fn xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    let p = CString::new(path.as_os_str().as_bytes()).unwrap();
    let n = CString::new(name).unwrap();
    let mut buf = vec![0u8; 256];
    // SAFETY: valid C strings and a buffer of the given size.
    let len =
        unsafe { libc::lgetxattr(p.as_ptr(), n.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    (len >= 0).then(|| {
        buf.truncate(len as usize);
        buf
    })
}

/// Every path under `dir` (symlinks not followed).
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out
}

/// Finds a key anywhere in a JSON document (case-insensitive).
pub fn find_key<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Object(m) => m
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
            .or_else(|| m.values().find_map(|v| find_key(v, key))),
        Value::Array(a) => a.iter().find_map(|v| find_key(v, key)),
        _ => None,
    }
}

/// The platform coracle picks by default on this host.
pub fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// A coracle with busybox pulled, and the reference to run it by.
pub fn with_busybox() -> (Coracle, String) {
    let c = coracle();
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    (c, image)
}

/// `run -d`: the full ID of the container, which then runs without us.
pub fn run_detached(c: &Coracle, args: &[&str]) -> String {
    let out = c.run(["run", "-d"].iter().chain(args));
    let id = out.success().stdout_trim().to_owned();
    assert_eq!(id.len(), 64, "{out}");
    id
}

/// `inspect --format TEMPLATE` of one container, trimmed.
pub fn inspect_field(c: &Coracle, id: &str, template: &str) -> String {
    c.run(["inspect", "--type", "container", "--format", template, id])
        .success()
        .stdout_trim()
        .to_owned()
}

/// Polls until `check` holds (at most 20 s): for states reached asynchronously.
pub fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !check() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// `coracle ARGS` with `input` on its stdin.
pub fn with_stdin(c: &Coracle, args: &[&str], input: &str) -> coracle_testkit::Output {
    let mut cmd = c.command(args);
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    coracle_testkit::runner::wait_output(
        child,
        vec![args[0].into()],
        std::time::Duration::from_secs(60),
    )
}

/// The processes whose command line names `id` (the monitor, and the helper
/// through the paths in the container's directory).
pub fn processes_of(id: &str) -> Vec<(i32, String)> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let pid: i32 = e.file_name().to_str()?.parse().ok()?;
            let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            cmd.contains(id).then_some((pid, cmd))
        })
        .collect()
}

/// Whether `pid` is a live process (not gone, not a zombie).
pub fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
}

pub fn kill9(pid: i32) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
}
