//! The container's seccomp filter, compiled once.
//!
//! libseccomp takes tens of milliseconds (debug build) to turn an allowlist of ~400
//! rules for three architectures into BPF: more than the rest of a container's start.
//! So the filter's OCI object is kept beside config.json rather than in it (where
//! libcontainer would compile it again at every start), and its BPF is kept under the
//! run root, named by a hash of everything that went into it: the object (the profile
//! as the container's capabilities decided its conditional rules), the architecture
//! and libseccomp's version. Starts that race to write the same entry write the same
//! bytes, and each renames its own whole file into place.

use super::RuntimeError;
use libseccomp::{ScmpAction, ScmpSyscall, ScmpVersion};
use libseccomp::{ScmpArch, ScmpArgCompare, ScmpCompareOp, ScmpFilterContext};
use oci_spec::runtime::{Arch, LinuxSeccomp, LinuxSeccompAction, LinuxSeccompFilterFlag};
use oci_spec::runtime::{LinuxSeccompArg, LinuxSeccompOperator};
use sha2::{Digest, Sha256};
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

/// The filter's OCI object, in the container's directory.
pub const FILE: &str = "seccomp.json";

/// Where compiled filters are kept, under the run root.
const CACHE: &str = "seccomp";

/// Bumped when an entry's layout or the compilation changes.
const FORMAT: &str = "coracle-seccomp-bpf-1";

const FLAGS_LEN: usize = 4;
const SUM_LEN: usize = 32;
const INSTRUCTION_LEN: usize = 8;

/// A compiled filter, ready for seccomp(SECCOMP_SET_MODE_FILTER).
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    program: Vec<u8>,
    flags: u32,
}

/// The container's filter (none when it runs unconfined),
/// from the cache, compiled into it first when it is not there or not whole.
pub fn filter(container_dir: &Path, runroot: &Path) -> Result<Option<Filter>, RuntimeError> {
    let source = match std::fs::read(container_dir.join(FILE)) {
        Ok(source) => source,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(failed(format!("cannot read {FILE}: {e}"))),
    };
    from_source(&source, runroot).map(Some)
}

/// The filter of a container made before the object was kept beside config.json:
/// in config.json, where libcontainer loads it at start but not for an exec.
pub fn embedded(seccomp: &LinuxSeccomp, runroot: &Path) -> Result<Filter, RuntimeError> {
    let source = serde_json::to_vec(seccomp).map_err(|e| failed(e.to_string()))?;
    from_source(&source, runroot)
}

fn from_source(source: &[u8], runroot: &Path) -> Result<Filter, RuntimeError> {
    let entry = entry_path(runroot, source);
    if let Some(filter) = std::fs::read(&entry).ok().and_then(|b| Filter::decode(&b)) {
        return Ok(filter);
    }
    let seccomp: LinuxSeccomp =
        serde_json::from_slice(source).map_err(|e| failed(format!("invalid {FILE}: {e}")))?;
    let filter = compile(&seccomp)?;
    store(&entry, &filter.encode())?;
    Ok(filter)
}

/// Where `source`'s compiled filter is kept.
fn entry_path(runroot: &Path, source: &[u8]) -> PathBuf {
    let version = ScmpVersion::current()
        .map(|v| format!("{}.{}.{}", v.major, v.minor, v.micro))
        .unwrap_or_default();
    let mut hash = Sha256::new();
    for part in [FORMAT, &version, std::env::consts::ARCH] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.update(source);
    runroot.join(CACHE).join(hex::encode(hash.finalize()))
}

/// The default profile's OCI object for a container, as `make` makes it, kept under
/// `key` (everything that went into it) so that a start does not parse and decide
/// the whole profile again.
pub fn object(
    runroot: &Path,
    key: &[&[u8]],
    make: impl FnOnce() -> Result<String, RuntimeError>,
) -> Result<String, RuntimeError> {
    let mut hash = Sha256::new();
    for part in key {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
    let entry = runroot
        .join(CACHE)
        .join(format!("{}.json", hex::encode(hash.finalize())));
    let kept = std::fs::read(&entry)
        .ok()
        .and_then(|b| checked(&b).map(<[u8]>::to_vec));
    if let Some(text) = kept.and_then(|b| String::from_utf8(b).ok()) {
        return Ok(text);
    }
    let text = make()?;
    store(&entry, text.as_bytes())?;
    Ok(text)
}

/// An entry's payload, when the checksum after it says it is whole.
fn checked(bytes: &[u8]) -> Option<&[u8]> {
    let body_len = bytes.len().checked_sub(SUM_LEN)?;
    let (body, sum) = bytes.split_at(body_len);
    (Sha256::digest(body).as_slice() == sum).then_some(body)
}

impl Filter {
    /// An entry's payload: the program and its flags.
    fn encode(&self) -> Vec<u8> {
        let mut bytes = self.program.clone();
        bytes.extend(self.flags.to_le_bytes());
        bytes
    }

    fn decode(bytes: &[u8]) -> Option<Filter> {
        let body = checked(bytes)?;
        let program_len = body.len().checked_sub(FLAGS_LEN)?;
        let whole = program_len > 0
            && program_len % INSTRUCTION_LEN == 0
            && program_len / INSTRUCTION_LEN <= usize::from(u16::MAX);
        let (program, flags) = body.split_at(program_len);
        whole.then(|| Filter {
            program: program.to_vec(),
            flags: u32::from_le_bytes(flags.try_into().unwrap_or_default()),
        })
    }

    /// Installs the filter on the calling thread. Takes CAP_SYS_ADMIN or
    /// no_new_privs, as the kernel says.
    pub fn install(&self) -> std::io::Result<()> {
        let prog = libc::sock_fprog {
            len: (self.program.len() / INSTRUCTION_LEN) as u16,
            filter: self.program.as_ptr() as *mut libc::sock_filter,
        };
        // SAFETY: prog points at whole sock_filter instructions that outlive the call.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                self.flags,
                &prog as *const libc::sock_fprog,
            )
        };
        match rc {
            0 => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        }
    }
}

/// Writes `payload` and its checksum, so that a torn or damaged entry is never used.
fn store(entry: &Path, payload: &[u8]) -> Result<(), RuntimeError> {
    let dir = entry.parent().unwrap_or(Path::new("."));
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let tmp = entry.with_extension(format!("{}.tmp", std::process::id()));
        let mut bytes = payload.to_vec();
        bytes.extend(Sha256::digest(payload));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, entry).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    };
    write().map_err(|e| failed(format!("cannot keep it in {}: {e}", dir.display())))
}

/// The BPF libseccomp would load for `seccomp`, built as libcontainer builds it.
fn compile(seccomp: &LinuxSeccomp) -> Result<Filter, RuntimeError> {
    let lib = |e: libseccomp::error::SeccompError| failed(e.to_string());
    let default = action(seccomp.default_action(), seccomp.default_errno_ret());
    let mut ctx = ScmpFilterContext::new(default).map_err(lib)?;
    for &arch in seccomp.architectures().iter().flatten() {
        ctx.add_arch(arch_of(arch)).map_err(lib)?;
    }
    // Whether no_new_privs is set is the spec's choice, made before the filter loads.
    ctx.set_ctl_nnp(false).map_err(lib)?;
    for rule in seccomp.syscalls().iter().flatten() {
        let act = action(rule.action(), rule.errno_ret());
        // A rule with the default action is redundant, and libseccomp refuses it.
        if act == default {
            continue;
        }
        // A name this libseccomp does not know is a call this kernel lacks.
        let calls = rule.names().iter();
        for call in calls.filter_map(|n| ScmpSyscall::from_name(n).ok()) {
            let compares: Vec<ScmpArgCompare> = rule.args().iter().flatten().map(compare).collect();
            let mut indexes: Vec<u32> = rule
                .args()
                .iter()
                .flatten()
                .map(|a| a.index() as u32)
                .collect();
            indexes.sort_unstable();
            indexes.dedup();
            // One comparison per argument per rule: runc's and libcontainer's answer
            // to several on one argument is a rule for each.
            if indexes.len() < compares.len() {
                for one in &compares {
                    ctx.add_rule_conditional(act, call, std::slice::from_ref(one))
                        .map_err(lib)?;
                }
            } else {
                ctx.add_rule_conditional(act, call, &compares)
                    .map_err(lib)?;
            }
        }
    }
    let mut file = memfd().map_err(|e| failed(e.to_string()))?;
    ctx.export_bpf(&file).map_err(lib)?;
    let mut program = Vec::new();
    file.rewind()
        .and_then(|_| file.read_to_end(&mut program))
        .map_err(|e| failed(e.to_string()))?;
    Ok(Filter {
        program,
        flags: flags(seccomp),
    })
}

/// An anonymous file for libseccomp to export into.
fn memfd() -> std::io::Result<std::fs::File> {
    // SAFETY: a fresh fd or -1, nothing else.
    let fd = unsafe { libc::memfd_create(c"seccomp-bpf".as_ptr(), libc::MFD_CLOEXEC) };
    match fd {
        -1 => Err(std::io::Error::last_os_error()),
        // SAFETY: the fd was just made and nothing else owns it.
        _ => Ok(unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fd) }),
    }
}

fn flags(seccomp: &LinuxSeccomp) -> u32 {
    let bit = |flag: &LinuxSeccompFilterFlag| match flag {
        LinuxSeccompFilterFlag::SeccompFilterFlagTsync => libc::SECCOMP_FILTER_FLAG_TSYNC,
        LinuxSeccompFilterFlag::SeccompFilterFlagLog => libc::SECCOMP_FILTER_FLAG_LOG,
        LinuxSeccompFilterFlag::SeccompFilterFlagSpecAllow => libc::SECCOMP_FILTER_FLAG_SPEC_ALLOW,
        LinuxSeccompFilterFlag::SeccompFilterFlagWaitKillableRecv => 0,
    };
    seccomp
        .flags()
        .iter()
        .flatten()
        .map(bit)
        .fold(0, |a, b| a | b as u32)
}

fn action(action: LinuxSeccompAction, errno: Option<u32>) -> ScmpAction {
    let errno = errno.map_or(libc::EPERM, |e| e as i32);
    match action {
        LinuxSeccompAction::ScmpActKill | LinuxSeccompAction::ScmpActKillThread => {
            ScmpAction::KillThread
        }
        LinuxSeccompAction::ScmpActKillProcess => ScmpAction::KillProcess,
        LinuxSeccompAction::ScmpActTrap => ScmpAction::Trap,
        LinuxSeccompAction::ScmpActErrno => ScmpAction::Errno(errno),
        LinuxSeccompAction::ScmpActTrace => ScmpAction::Trace(errno as u16),
        LinuxSeccompAction::ScmpActAllow => ScmpAction::Allow,
        LinuxSeccompAction::ScmpActNotify => ScmpAction::Notify,
        LinuxSeccompAction::ScmpActLog => ScmpAction::Log,
    }
}

/// libcontainer's reading of an argument rule, MASKED_EQ's operands included (the
/// profile is written for it).
fn compare(arg: &LinuxSeccompArg) -> ScmpArgCompare {
    let op = match arg.op() {
        LinuxSeccompOperator::ScmpCmpNe => ScmpCompareOp::NotEqual,
        LinuxSeccompOperator::ScmpCmpLt => ScmpCompareOp::Less,
        LinuxSeccompOperator::ScmpCmpLe => ScmpCompareOp::LessOrEqual,
        LinuxSeccompOperator::ScmpCmpEq => ScmpCompareOp::Equal,
        LinuxSeccompOperator::ScmpCmpGe => ScmpCompareOp::GreaterEqual,
        LinuxSeccompOperator::ScmpCmpGt => ScmpCompareOp::Greater,
        LinuxSeccompOperator::ScmpCmpMaskedEq => {
            ScmpCompareOp::MaskedEqual(arg.value_two().unwrap_or(0))
        }
    };
    ScmpArgCompare::new(arg.index() as u32, op, arg.value())
}

fn arch_of(arch: Arch) -> ScmpArch {
    match arch {
        Arch::ScmpArchNative => ScmpArch::Native,
        Arch::ScmpArchX86 => ScmpArch::X86,
        Arch::ScmpArchX86_64 => ScmpArch::X8664,
        Arch::ScmpArchX32 => ScmpArch::X32,
        Arch::ScmpArchArm => ScmpArch::Arm,
        Arch::ScmpArchAarch64 => ScmpArch::Aarch64,
        Arch::ScmpArchMips => ScmpArch::Mips,
        Arch::ScmpArchMips64 => ScmpArch::Mips64,
        Arch::ScmpArchMips64n32 => ScmpArch::Mips64N32,
        Arch::ScmpArchMipsel => ScmpArch::Mipsel,
        Arch::ScmpArchMipsel64 => ScmpArch::Mipsel64,
        Arch::ScmpArchMipsel64n32 => ScmpArch::Mipsel64N32,
        Arch::ScmpArchPpc => ScmpArch::Ppc,
        Arch::ScmpArchPpc64 => ScmpArch::Ppc64,
        Arch::ScmpArchPpc64le => ScmpArch::Ppc64Le,
        Arch::ScmpArchS390 => ScmpArch::S390,
        Arch::ScmpArchS390x => ScmpArch::S390X,
        Arch::ScmpArchRiscv64 => ScmpArch::Riscv64,
        Arch::ScmpArchParisc => ScmpArch::Parisc,
        Arch::ScmpArchParisc64 => ScmpArch::Parisc64,
        Arch::ScmpArchLoongarch64 => ScmpArch::Loongarch64,
        Arch::ScmpArchM68k => ScmpArch::M68k,
        Arch::ScmpArchSh => ScmpArch::Sh,
        Arch::ScmpArchSheb => ScmpArch::Sheb,
    }
}

fn failed(why: String) -> RuntimeError {
    RuntimeError::Seccomp(why)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Filter {
        let seccomp: LinuxSeccomp = serde_json::from_str(
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
                "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}"#,
        )
        .unwrap();
        compile(&seccomp).unwrap()
    }

    #[test]
    fn an_entry_reads_back_whole_and_not_torn() {
        let filter = sample();
        let mut bytes = filter.encode();
        bytes.extend(Sha256::digest(&bytes));
        assert_eq!(Filter::decode(&bytes), Some(filter));
        assert_eq!(Filter::decode(&bytes[..bytes.len() - 1]), None);
        let mut flipped = bytes.clone();
        flipped[3] ^= 1;
        assert_eq!(Filter::decode(&flipped), None);
        assert_eq!(Filter::decode(b""), None);
    }

    #[test]
    fn a_damaged_entry_is_compiled_again() {
        let dir = tempfile::tempdir().unwrap();
        let source = br#"{"defaultAction": "SCMP_ACT_ALLOW"}"#;
        std::fs::write(dir.path().join(FILE), source).unwrap();
        let first = filter(dir.path(), dir.path()).unwrap().unwrap();
        let entry = entry_path(dir.path(), source);
        std::fs::write(&entry, b"garbage").unwrap();
        assert_eq!(filter(dir.path(), dir.path()).unwrap(), Some(first.clone()));
        assert_eq!(Filter::decode(&std::fs::read(&entry).unwrap()), Some(first));
    }
}
