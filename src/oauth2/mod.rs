//! Pure protocol logic: no axum, no sqlx, no tokio. Time and randomness come in
//! as parameters so that every rule here is tested with a fixed clock.

pub mod authorize;
pub mod client;
pub mod code;
pub mod error;
pub mod params;
pub mod pkce;
pub mod result;
pub mod scope;
pub mod tax_entities;
pub mod token;
