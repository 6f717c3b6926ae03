//! The errors as a user reads them.

use super::*;

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
