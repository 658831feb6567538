//! Webhook signatures as the Standard Webhooks specification has them:
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`
//! keyed with the bytes of the client's `whsec_<base64>` secret.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;

use std::sync::Arc;
use std::time::Duration;

use crate::crypto::ServerKey;
use crate::store::{Store, StoreError, TakenEvent};
use crate::time::{Clock, UnixTime};

/// How long events are retried before they are given up.
pub const RETRY_FOR: Duration = Duration::from_secs(24 * 60 * 60);
/// How long one delivery may take.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
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

/// `consent.granted`: the user ID and the consented scopes.
pub fn consent_granted(user_data_id: &str, scopes: &str, now: UnixTime) -> String {
    let scopes: Vec<&str> = scopes.split(',').filter(|s| !s.is_empty()).collect();
    event_body(
        "consent.granted",
        now,
        serde_json::json!({ "user_data_id": user_data_id, "scopes": scopes }),
    )
}

/// How long before attempt `next` (2, 3, …): 5 s doubling, at most an hour.
pub fn backoff(next: i32) -> Duration {
    let doublings = u32::try_from(next.saturating_sub(2)).unwrap_or(0).min(20);
    Duration::from_secs((5u64 << doublings).min(3600))
}

/// Delivers webhook events: takes one under a lease, signs and posts it,
/// and removes it on a 2xx or when its 24 hours are over.
pub struct Deliverer {
    pub store: Arc<dyn Store>,
    pub key: ServerKey,
    pub http: reqwest::Client,
    pub clock: Arc<dyn Clock>,
    pub id: String,
    /// Only this client's events (`None`: every client's).
    pub client: Option<String>,
    pub metrics: Arc<crate::metrics::Metrics>,
}

/// What one delivery came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    Retried,
    GaveUp,
}

impl Deliverer {
    /// Delivers one due event, if any.
    pub async fn run_one(&self) -> Result<Option<Delivery>, StoreError> {
        let now = self.clock.now();
        let lease = DELIVERY_TIMEOUT + Duration::from_secs(20);
        let taken = self
            .store
            .take_webhook_event(now, lease, &self.id, self.client.as_deref())
            .await?;
        let Some(event) = taken else {
            return Ok(None);
        };
        let sent = self.send(&event, now).await;
        let outcome = match sent {
            Ok(()) => {
                self.store.remove_webhook_event(&event.id, &self.id).await?;
                Delivery::Delivered
            }
            Err(reason) if now.since(event.created_at) >= RETRY_FOR => {
                tracing::warn!(client = %event.client_id, event = %event.id, reason = ?reason, "webhook given up after 24 hours");
                self.store.remove_webhook_event(&event.id, &self.id).await?;
                Delivery::GaveUp
            }
            Err(reason) => {
                tracing::warn!(client = %event.client_id, event = %event.id, attempt = event.attempts, reason = ?reason, "webhook delivery failed; retrying");
                let at = now + backoff(event.attempts + 1);
                self.store
                    .retry_webhook_event(&event.id, &self.id, at)
                    .await?;
                Delivery::Retried
            }
        };
        self.metrics.webhook(match outcome {
            Delivery::Delivered => "delivered",
            Delivery::Retried => "retried",
            Delivery::GaveUp => "given_up",
        });
        Ok(Some(outcome))
    }

    /// Delivers due events until `stop` resolves, idling `idle` when none
    /// is due.
    pub async fn run(self, idle: Duration, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            let ran = match self.run_one().await {
                Ok(ran) => ran.is_some(),
                Err(e) => {
                    tracing::error!(error = %e, "webhook deliverer");
                    false
                }
            };
            if !ran {
                tokio::select! {
                    _ = &mut stop => return,
                    _ = tokio::time::sleep(idle) => {}
                }
            }
        }
    }

    async fn send(&self, event: &TakenEvent, now: UnixTime) -> Result<(), String> {
        let (Some(url), Some(sealed)) = (&event.webhook_url, &event.webhook_secret_sealed) else {
            return Err("the client has no webhook URL any more".into());
        };
        let key = self
            .key
            .open(SEAL_SECRET, &[&event.client_id], sealed)
            .ok()
            .and_then(|s| String::from_utf8(s).ok())
            .and_then(|s| secret_key(&s))
            .ok_or("the signing secret does not open")?;
        let signature = sign(&key, &event.id, now, event.body.as_bytes());
        let res = self
            .http
            .post(url)
            .timeout(DELIVERY_TIMEOUT)
            .header("content-type", "application/json")
            .header("webhook-id", &event.id)
            .header("webhook-timestamp", now.as_secs().to_string())
            .header("webhook-signature", signature)
            .body(event.body.clone())
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    "timed out".to_owned()
                } else {
                    "could not connect".to_owned()
                }
            })?;
        if res.status().is_success() {
            Ok(())
        } else {
            Err(format!("answered {}", res.status().as_u16()))
        }
    }
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
