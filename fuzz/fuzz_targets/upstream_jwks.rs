//! A provider's key set, as fetched from its `jwks_uri`.
#![no_main]

use consent_link::fuzzing::jwks;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = jwks(data);
});
