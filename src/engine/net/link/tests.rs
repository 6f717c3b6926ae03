//! The errors as a user reads them, and real bridges and veths in namespaces
//! of their own.
//!
//! `cargo test` runs every test on threads of one process in the caller's
//! namespaces, where making links would change the host's network (as root)
//! or be refused (as a user). So `links_in_a_fresh_namespace` runs this test
//! binary again under `unshare -rn` (a new user namespace, where the caller is
//! root, and a new network namespace: the holder's situation) for the one
//! ignored test `scenario`, which does nothing unless `INSIDE` says it is in
//! there. The containers' namespaces are made by threads that unshare their
//! own, and `ping` reaches into them with `nsenter`. As a user and as root
//! alike, nothing outside the test's namespaces is touched.

use super::*;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::process::Command;

#[test]
fn errors_name_the_operation_and_the_interface() {
    let err = failed(
        "create bridge podman1".into(),
        io::Error::from_raw_os_error(libc::EPERM),
    );
    assert_eq!(
        err.to_string(),
        "cannot create bridge podman1: Operation not permitted"
    );
    assert_eq!(err.kind(), ErrorKind::NotPermitted);
    let err = check_name("a-name-far-too-long").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid interface name \"a-name-far-too-long\": it is longer than 15 bytes"
    );
    assert_eq!(err.kind(), ErrorKind::Invalid);
}

#[test]
fn errors_have_the_kind_of_their_errno() {
    for (errno, kind) in [
        (libc::EEXIST, ErrorKind::Conflict),
        (libc::ENODEV, ErrorKind::NotFound),
        (libc::EINVAL, ErrorKind::Invalid),
        (libc::EIO, ErrorKind::Internal),
    ] {
        let err = failed("x".into(), io::Error::from_raw_os_error(errno));
        assert_eq!(err.kind(), kind, "{err}");
    }
}

const INSIDE: &str = "CORACLE_TEST_LINK_NAMESPACE";

#[test]
fn links_in_a_fresh_namespace() {
    // libtest names tests by their path inside the crate.
    let path = module_path!().split_once("::").expect("a crate path").1;
    let output = Command::new("unshare")
        .arg("-rn")
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            &format!("{path}::scenario"),
            "--ignored",
            "--nocapture",
        ])
        .env(INSIDE, "1")
        .output()
        .expect("run unshare (util-linux)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{}\n{stdout}\n{stderr}",
        output.status
    );
}

/// A new network namespace, as a container has: a thread unshares its own and
/// opens it, and the open file keeps it alive after the thread is gone.
fn netns() -> OwnedFd {
    std::thread::spawn(|| {
        nix::sched::unshare(CloneFlags::CLONE_NEWNET).expect("unshare a network namespace");
        OwnedFd::from(std::fs::File::open("/proc/thread-self/ns/net").unwrap())
    })
    .join()
    .unwrap()
}

/// Whether `address` answers a ping from inside `netns`.
fn ping(netns: &OwnedFd, address: &str) -> bool {
    let netns = format!("/proc/{}/fd/{}", std::process::id(), netns.as_raw_fd());
    Command::new("nsenter")
        .arg(format!("--net={netns}"))
        .args(["busybox", "ping", "-c1", "-W2", address])
        .output()
        .expect("run nsenter and busybox")
        .status
        .success()
}

fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}

/// A container's side: eth0 with its addresses, up.
fn configure(netns: &OwnedFd, addresses: [&str; 2]) {
    let inside = Netlink::open_in(netns.as_fd()).unwrap();
    for address in addresses {
        inside.add_address("eth0", net(address)).unwrap();
    }
    inside.set_up("eth0").unwrap();
    inside.set_up("lo").unwrap();
}

#[test]
#[ignore = "runs inside the namespaces links_in_a_fresh_namespace makes"]
fn scenario() {
    if std::env::var_os(INSIDE).is_none() {
        eprintln!("skipped: run by links_in_a_fresh_namespace only");
        return;
    }
    let holder = Netlink::open().unwrap();
    let subnets = [net("10.89.0.1/24"), net("fd00:89::1/64")];
    let bridge = holder
        .ensure_bridge("podman1", &subnets, Some(1400))
        .unwrap();
    assert_eq!(
        holder
            .ensure_bridge("podman1", &subnets, Some(1400))
            .unwrap(),
        bridge
    );
    let bridge_mac = holder.mac("podman1").unwrap();

    let containers = [netns(), netns()];
    let addresses = [
        ["10.89.0.2/24", "fd00:89::2/64"],
        ["10.89.0.3/24", "fd00:89::3/64"],
    ];
    let mut hosts = Vec::new();
    for (netns, addresses) in containers.iter().zip(addresses) {
        let host = host_veth();
        holder
            .add_veth(&host, bridge, "eth0", netns.as_fd(), Some(1400))
            .unwrap();
        configure(netns, addresses);
        hosts.push(host);
    }
    assert_eq!(
        holder.mac("podman1").unwrap(),
        bridge_mac,
        "the bridge's address moved"
    );

    let [a, b] = &containers;
    for address in ["10.89.0.3", "10.89.0.1", "fd00:89::3", "fd00:89::1"] {
        assert!(ping(a, address), "{address} from the first container");
    }
    let inside_b = Netlink::open_in(b.as_fd()).unwrap();
    assert!(!inside_b.has_default_route().unwrap());
    inside_b
        .add_default_route("10.89.0.1".parse().unwrap())
        .unwrap();
    assert!(inside_b.has_default_route().unwrap());
    assert!(ping(b, "10.89.0.2"), "the first container from the second");

    refusals(&holder, bridge, &hosts[0], a);

    holder.delete(&hosts[0]).unwrap();
    let inside_a = Netlink::open_in(a.as_fd()).unwrap();
    assert_eq!(
        inside_a.index("eth0").unwrap(),
        None,
        "the peer went with its host end"
    );
    holder.delete(&hosts[0]).unwrap();
    assert!(
        ping(b, "10.89.0.1"),
        "the second container after the first went"
    );
}

/// What each operation says when it cannot be done.
fn refusals(holder: &Netlink, bridge: u32, host: &str, netns: &OwnedFd) {
    let err = holder
        .add_veth(host, bridge, "eth1", netns.as_fd(), None)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("cannot create veth {host} (peer eth1): an interface named {host} exists")
    );
    let fresh = host_veth();
    let err = holder
        .add_veth(&fresh, bridge, "eth0", netns.as_fd(), None)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("cannot create veth {fresh} (peer eth0): an interface named eth0 exists in the target namespace")
    );
    assert_eq!(
        holder.index(&fresh).unwrap(),
        None,
        "a failed veth left its host end"
    );
    let err = holder.ensure_bridge(host, &[], None).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "cannot create bridge {host}: an interface named {host} exists and is not a bridge"
        )
    );
    let err = holder.set_up("nothere0").unwrap_err();
    assert_eq!(err.to_string(), "cannot bring up nothere0: No such device");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let err = holder
        .add_address("nothere0", net("10.1.0.1/24"))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot add address 10.1.0.1/24 to nothere0: No such device"
    );
}
