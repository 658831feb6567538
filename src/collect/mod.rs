//! Data collection (issue 14): calling the configured sources as SPEC.md's
//! source contract says, and what each answer means for a collection.

pub mod job;
pub mod source;
pub mod worker;
