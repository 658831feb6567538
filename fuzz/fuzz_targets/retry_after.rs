//! A data source's `Retry-After` header, as a worker reads it before
//! scheduling the next attempt: never past the longest backoff.
#![no_main]

use consent_link::collect::source::{backoff, MAX_BACKOFF};
use consent_link::fuzzing::retry_after;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let asked = retry_after(data);
    assert!(asked.is_none_or(|d| d <= MAX_BACKOFF));
    for next in [2, 3, 30, u32::MAX] {
        assert!(backoff(next, asked) <= MAX_BACKOFF);
    }
});
