//! Image references and platforms, as `pull`, `run` and `--platform` read them.

use crate::engine::oci::platform::Platform;
use crate::engine::oci::reference::Reference;

pub fn reference(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = Reference::parse(text) {
        // The normalised form is what the store records and prints: it must
        // read back as the same reference.
        let shown = parsed.to_string();
        let again = Reference::parse(&shown)
            .unwrap_or_else(|e| panic!("{text:?} printed as {shown:?}, which fails: {e}"));
        assert_eq!(again, parsed, "{text:?} printed as {shown:?}");
    }
    if let Ok(platform) = Platform::parse(text) {
        let shown = platform.to_string();
        assert_eq!(
            Platform::parse(&shown).ok(),
            Some(platform),
            "{text:?} printed as {shown:?}"
        );
    }
}
