//! scripts/package: the .deb it builds holds a coracle that works as an
//! unprivileged user, with its completions, man pages and systemd units.
//!
//! The package is unpacked into a scratch root (`dpkg-deb -x`) rather than
//! installed with `dpkg -i`: installing would put /usr/bin/coracle and systemd
//! units on the machine every other test runs on, and leave them there when a
//! test fails. What is tested is the package's contents and metadata.

use crate::common::{anon_ref, pull, BIN};
use coracle_testkit::Coracle;
use std::path::Path;
use std::process::Command;

#[test]
fn the_deb_package_installs_and_runs_a_container() {
    if !coracle_testkit::user::is_root() {
        eprintln!(
            "skipped: building and unpacking the package needs root (dpkg-deb --root-owner-group)"
        );
        return;
    }
    let scratch = tempfile::Builder::new()
        .prefix("coracle-package-")
        .tempdir_in(coracle_testkit::runner::shared_tmp())
        .unwrap();
    let out = scratch.path().join("out");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The debug binary the tests already built: a release build is too slow here.
    let status = Command::new(repo.join("scripts/package"))
        .args(["--binary", BIN, "--fast", "--out"])
        .arg(&out)
        .current_dir(repo)
        .status()
        .unwrap();
    assert!(status.success(), "scripts/package failed");
    let deb = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .expect("no .deb built");

    // scripts/test installs rpm, whose rpmbuild makes the RPM beside it.
    if Command::new("rpmbuild").arg("--version").output().is_ok() {
        let rpms = out.join(std::env::consts::ARCH);
        assert!(
            std::fs::read_dir(&rpms).is_ok_and(|mut d| d.next().is_some()),
            "rpmbuild is here but no RPM was built in {}",
            rpms.display()
        );
    }

    let field = |name: &str| {
        let out = Command::new("dpkg-deb")
            .arg("-f")
            .arg(&deb)
            .arg(name)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    assert_eq!(field("Package"), "coracle");
    assert_eq!(field("Depends"), "uidmap");
    assert_eq!(field("Recommends"), "passt | slirp4netns, fuse3");

    let root = scratch.path().join("root");
    let status = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(&root)
        .status()
        .unwrap();
    assert!(status.success(), "dpkg-deb -x failed");
    for file in [
        "usr/bin/coracle",
        "usr/share/bash-completion/completions/coracle",
        "usr/share/zsh/vendor-completions/_coracle",
        "usr/share/fish/vendor_completions.d/coracle.fish",
        "usr/share/man/man1/coracle.1.gz",
        "usr/share/man/man1/coracle-run.1.gz",
        "usr/lib/systemd/system/coracle.socket",
        "usr/lib/systemd/system/coracle.service",
        "usr/lib/systemd/system/coracle-restart.service",
        "usr/lib/systemd/user/coracle.socket",
        "usr/lib/systemd/user/coracle-restart.service",
    ] {
        assert!(root.join(file).is_file(), "the package has no /{file}");
    }
    let completion = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {}; complete -p coracle",
            root.join("usr/share/bash-completion/completions/coracle")
                .display()
        ))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&completion.stdout).contains("_clap_complete_coracle"),
        "{completion:?}"
    );

    // The installed binary, as the unprivileged test user.
    let c = Coracle::new(root.join("usr/bin/coracle"));
    c.run(["version"]).success().stdout_contains("Git Commit:");
    c.run(["info"]).success().stdout_contains("rootless: true");
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    c.run(["run", "--rm", &image, "echo", "from the package"])
        .success()
        .stdout_contains("from the package");
}
