//! The runner runs its binary as the test user with a private HOME and XDG dirs.

use coracle_testkit::{Coracle, TestUser};
use std::os::unix::fs::{MetadataExt, PermissionsExt};

/// A stand-in for coracle that reports what it sees.
fn fake_binary(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("coracle");
    std::fs::write(
        &path,
        "#!/bin/sh\necho \"uid=$(id -u) gid=$(id -g)\"\necho \"args=$*\"\necho \"home=$HOME\"\n\
         echo \"runtime=$XDG_RUNTIME_DIR\"\necho oops >&2\n[ \"$5\" = fail ] && exit 3\nexit 0\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn runs_as_the_test_user_with_private_dirs() {
    let src = tempfile::tempdir().unwrap();
    let bin = fake_binary(src.path());
    let user = TestUser::get();
    let dir;
    {
        let c = Coracle::new(&bin);
        dir = c.dir().to_path_buf();
        let out = c.run(["info"]);
        out.success()
            .stdout_contains(&format!("uid={} gid={}", user.uid, user.gid))
            .stdout_contains(&format!(
                "args=--root {} --runroot {} info",
                c.root().display(),
                c.runroot().display()
            ))
            .stdout_contains(&format!("home={}", c.home().display()))
            .stderr_contains("oops");
        let meta = std::fs::metadata(c.runtime_dir()).unwrap();
        assert_eq!(meta.mode() & 0o777, 0o700);
        assert_eq!(meta.uid(), user.uid);
        c.run(["fail"]).code(3);
        c.write_auth_json("127.0.0.1:5000", "u", "p");
        let auth = std::fs::read_to_string(c.runtime_dir().join("containers/auth.json")).unwrap();
        assert!(auth.contains("dTpw"), "{auth}");
        assert!(c.bin().starts_with(coracle_testkit::runner::shared_tmp()));
    }
    assert!(!dir.exists(), "the test dir is removed on drop");
    if coracle_testkit::user::is_root() {
        assert_ne!(user.uid, 0);
        assert!(user.subuid.is_some(), "coracle-test has subordinate uids");
        let nosub = TestUser::nosub().unwrap();
        assert!(nosub.subuid.is_none() && nosub.subgid.is_none());
    }
}
