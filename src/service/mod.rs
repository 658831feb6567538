//! Orchestration between the protocol rules (`oauth2`, `flow`) and the
//! store: each service takes the store, the time and the randomness and
//! returns an outcome that a handler only matches.

pub mod token;
