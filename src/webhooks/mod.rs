//! Webhook signatures as the Standard Webhooks specification has them:
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`
//! keyed with the bytes of the client's `whsec_<base64>` secret.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;

use std::time::Duration;

use crate::time::UnixTime;

mod deliver;

pub use deliver::{Deliverer, Delivery, Limits};

/// How long events are retried before they are given up.
pub const RETRY_FOR: Duration = Duration::from_secs(24 * 60 * 60);
/// What a client's signing secret is sealed for (bound to its client ID).
pub const SEAL_SECRET: &str = "webhook_secret";

/// A fresh `webhook-id`.
pub fn new_event_id() -> String {
    format!("msg_{}", uuid::Uuid::new_v4().simple())
}

/// An event's JSON body: `{"type", "timestamp" (RFC 3339), "data"}`.
pub fn event_body(kind: &str, now: UnixTime, data: serde_json::Value) -> String {
    let timestamp = now
        .to_datetime()
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default();
    serde_json::json!({ "type": kind, "timestamp": timestamp, "data": data }).to_string()
}

/// `consent.granted`: the user ID, the consented scopes, and whether the
/// same person renewed a consent they had given.
pub fn consent_granted(user_data_id: &str, scopes: &str, renewed: bool, now: UnixTime) -> String {
    let scopes: Vec<&str> = scopes.split(',').filter(|s| !s.is_empty()).collect();
    event_body(
        "consent.granted",
        now,
        serde_json::json!({ "user_data_id": user_data_id, "scopes": scopes, "renewed": renewed }),
    )
}

/// The body an event is sent with: the recorded one with the client's ID
/// in `data.client_id`, and `data.test: true` for a test client's (as
/// every other test answer says). A body that is not an object with a
/// `data` object is sent as recorded.
pub fn marked_body(body: &str, client_id: &str, test_client: bool) -> String {
    let Ok(mut event) = serde_json::from_str::<serde_json::Value>(body) else {
        return body.to_owned();
    };
    let Some(data) = event.get_mut("data").and_then(|d| d.as_object_mut()) else {
        return body.to_owned();
    };
    data.insert("client_id".into(), client_id.into());
    if test_client {
        data.insert("test".into(), true.into());
    }
    event.to_string()
}

/// How long before attempt `next` (2, 3, …): 5 s doubling, at most an hour.
pub fn backoff(next: i32) -> Duration {
    let doublings = u32::try_from(next.saturating_sub(2)).unwrap_or(0).min(20);
    Duration::from_secs((5u64 << doublings).min(3600))
}

/// How a signing secret is written: `whsec_` and the key in base64.
pub const SECRET_PREFIX: &str = "whsec_";

/// A fresh signing secret (24 random bytes, as the reference libraries make).
pub fn new_secret(rng: &mut dyn RngCore) -> String {
    let mut key = [0u8; 24];
    rng.fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The key bytes of a `whsec_…` secret; `None` if it is not one.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    let encoded = secret.strip_prefix(SECRET_PREFIX)?;
    STANDARD.decode(encoded).ok().filter(|k| !k.is_empty())
}

/// The `webhook-signature` header value of one delivery.
pub fn sign(key: &[u8], id: &str, timestamp: UnixTime, body: &[u8]) -> String {
    let timestamp = timestamp.as_secs().to_string();
    let parts: [&[u8]; 5] = [id.as_bytes(), b".", timestamp.as_bytes(), b".", body];
    format!(
        "v1,{}",
        STANDARD.encode(crate::crypto::hmac_sha256(key, &parts))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The specification's reference vector (its reference libraries'
    /// test suites sign exactly this).
    #[test]
    fn signs_the_reference_vector() {
        let key = secret_key("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        let body = br#"{"email":"test@example.com","username":"test_user"}"#;
        assert_eq!(
            sign(
                &key,
                "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
                UnixTime::from_secs(1649367553),
                body
            ),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
    }

    #[test]
    fn events_are_sent_with_the_client_id_and_test_clients_marked_test() {
        let body = consent_granted("u-1", "info", false, UnixTime::from_secs(1_800_000_000));
        let test: serde_json::Value =
            serde_json::from_str(&marked_body(&body, "c-1", true)).unwrap();
        assert_eq!(test["data"]["client_id"], "c-1");
        assert_eq!(test["data"]["test"], true);
        assert_eq!(test["data"]["user_data_id"], "u-1");
        let production: serde_json::Value =
            serde_json::from_str(&marked_body(&body, "c-2", false)).unwrap();
        assert_eq!(production["data"]["client_id"], "c-2");
        assert!(production["data"].get("test").is_none());
        assert_eq!(marked_body("{}", "c-1", true), "{}");
        assert_eq!(marked_body("not json", "c-1", true), "not json");
    }

    #[test]
    fn secrets_are_whsec_base64_and_fresh() {
        let mut rng = rand::thread_rng();
        let a = new_secret(&mut rng);
        assert!(a.starts_with("whsec_"), "{a}");
        assert_eq!(secret_key(&a).unwrap().len(), 24);
        assert_ne!(a, new_secret(&mut rng));
        assert!(secret_key("C2FVsBQIhrscChlQIMV+b5sSYspob7oD").is_none());
        assert!(secret_key("whsec_").is_none());
        assert!(secret_key("whsec_not base64!").is_none());
    }
}
