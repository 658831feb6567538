//! A webhook signing secret (`whsec_` and base64, as an operator may
//! import one): parsed to its key, which must then sign.
#![no_main]

use consent_link::webhooks::{secret_key, sign};
use consent_link::UnixTime;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(secret) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(key) = secret_key(secret) {
        assert!(!key.is_empty());
        let signature = sign(&key, "msg_1", UnixTime::from_secs(1_649_367_553), b"{}");
        assert!(signature.starts_with("v1,"));
    }
});
