//! A provider's OpenID Connect metadata document, parsed and checked as
//! discovery does before any endpoint it names is called.
#![no_main]

use consent_link::fuzzing::discovery;
use libfuzzer_sys::fuzz_target;

/// A remote issuer, one on loopback, one on a private network: the
/// endpoint rules differ for each.
const ISSUERS: [&str; 3] = [
    "https://op.example",
    "http://127.0.0.1:8080",
    "https://10.1.2.3/realm",
];

fuzz_target!(|data: &[u8]| {
    let Some((choice, body)) = data.split_first() else {
        return;
    };
    let issuer = ISSUERS[usize::from(*choice) % ISSUERS.len()];
    let _ = discovery(issuer, body);
});
