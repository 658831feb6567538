//! The deliverer: takes due events from the outbox under a lease, several
//! at once, and keeps one client's failing endpoint from holding up the
//! others' (a few in flight per endpoint, a short time-out, a circuit
//! breaker). Every decision is written to the outbox; nothing that must
//! happen lives only in this process.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use super::{backoff, marked_body, secret_key, sign, RETRY_FOR, SEAL_SECRET};
use crate::crypto::ServerKey;
use crate::store::{Store, StoreError, TakenEvent};
use crate::time::{Clock, Moment, UnixTime};

/// How long an event's lease lasts beyond the delivery's time-out.
const LEASE_MARGIN: Duration = Duration::from_secs(20);

/// How much delivering one process does at once, and when it stops trying
/// an endpoint.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Deliveries this process has in flight at once.
    pub concurrency: usize,
    /// Events of one client in flight at once, over all instances.
    pub per_endpoint: u32,
    /// How long one delivery may take.
    pub timeout: Duration,
    /// Failed deliveries in a row that open an endpoint's breaker.
    pub breaker_failures: i32,
    /// Failures are in a row only while each comes within this long of
    /// the one before (twice the cool-down: a failure just after a
    /// cool-down opens the breaker again at once; one a day later does
    /// not).
    pub breaker_window: Duration,
    /// How long an open breaker keeps its endpoint from being tried.
    pub breaker_cool_down: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            concurrency: 16,
            per_endpoint: 2,
            timeout: Duration::from_secs(5),
            breaker_failures: 5,
            breaker_cool_down: Duration::from_secs(300),
            breaker_window: Duration::from_secs(600),
        }
    }
}

/// Delivers webhook events: takes one under a lease, signs and posts it,
/// and removes it on a 2xx or when its 24 hours are over.
pub struct Deliverer {
    pub store: Arc<dyn Store>,
    pub key: ServerKey,
    pub http: reqwest::Client,
    pub clock: Arc<dyn Clock>,
    /// Names this deliverer in its lease tokens (`<id>-<uuid>`, one per
    /// take).
    pub id: String,
    /// Only this client's events (`None`: every client's).
    pub client: Option<String>,
    pub metrics: Arc<crate::metrics::Metrics>,
    pub limits: Limits,
}

/// What one delivery came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    Retried,
    GaveUp,
}

impl Deliverer {
    /// Takes one due event, if any, and delivers it before returning.
    pub async fn run_one(&self) -> Result<Option<Delivery>, StoreError> {
        let Some(event) = self.take().await? else {
            return Ok(None);
        };
        self.deliver(&event).await.map(Some)
    }

    /// Delivers due events, up to [`Limits::concurrency`] at once, until
    /// `stop` resolves, idling `idle` when none is due. Deliveries under
    /// way when it stops are dropped; their leases run out and another
    /// deliverer sends them again.
    pub async fn run(self, idle: Duration, stop: impl std::future::Future<Output = ()>) {
        let this = Arc::new(self);
        let mut in_flight = JoinSet::new();
        tokio::pin!(stop);
        loop {
            while in_flight.try_join_next().is_some() {}
            if in_flight.len() < this.limits.concurrency && this.spawn_one(&mut in_flight).await {
                continue;
            }
            tokio::select! {
                _ = &mut stop => return,
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                _ = tokio::time::sleep(idle) => {}
            }
        }
    }

    /// Takes one due event and starts delivering it in `in_flight`;
    /// `false` if none was taken.
    async fn spawn_one(self: &Arc<Self>, in_flight: &mut JoinSet<()>) -> bool {
        let event = match self.take().await {
            Ok(Some(event)) => event,
            Ok(None) => return false,
            Err(e) => {
                tracing::error!(error = %e, "webhook deliverer");
                return false;
            }
        };
        let this = self.clone();
        in_flight.spawn(async move {
            if let Err(e) = this.deliver(&event).await {
                tracing::error!(error = %e, event = %event.id, "webhook deliverer");
            }
        });
        true
    }

    async fn take(&self) -> Result<Option<TakenEvent>, StoreError> {
        // Taken over by another deliverer no earlier than the whole lease
        // after now, however late in its second it was taken.
        let (now, lease) = self
            .clock
            .moment()
            .lease(self.limits.timeout + LEASE_MARGIN);
        // A token of this take's own: no other delivery (not even one of
        // this deliverer) can write under this lease.
        let token = format!("{}-{}", self.id, uuid::Uuid::new_v4().simple());
        self.store
            .take_webhook_event(
                now,
                lease,
                &token,
                self.client.as_deref(),
                self.limits.per_endpoint,
            )
            .await
    }

    /// Sends a taken event and writes what came of it: removed when
    /// answered 2xx or after 24 hours, otherwise given back for later;
    /// the endpoint's breaker counts every answer.
    async fn deliver(&self, event: &TakenEvent) -> Result<Delivery, StoreError> {
        let Some(timeout) = self.time_left(event) else {
            return self.lease_ran_short(event).await;
        };
        let sent = self.send(event, self.clock.now(), timeout).await;
        let now = self.clock.moment();
        let outcome = match sent {
            Ok(()) => {
                let removed = self
                    .store
                    .remove_webhook_event(&event.id, &event.leased_by, now.second())
                    .await?;
                lease_lost(event, removed);
                self.store.clear_webhook_failures(&event.client_id).await?;
                Delivery::Delivered
            }
            Err(reason) => {
                let paused_until = self.endpoint_failed(&event.client_id, now).await?;
                self.failed(event, now, paused_until, &reason).await?
            }
        };
        self.metrics.webhook(match outcome {
            Delivery::Delivered => "delivered",
            Delivery::Retried => "retried",
            Delivery::GaveUp => "given_up",
        });
        Ok(outcome)
    }

    /// How long the delivery of `event` may take: the time-out, cut short
    /// so that it ends [`LEASE_MARGIN`] before the lease does (the lease is
    /// counted from before the take, which may have waited); `None` when
    /// too little of the lease is left to send it at all.
    fn time_left(&self, event: &TakenEvent) -> Option<Duration> {
        let left = event.lease_until.since(self.clock.now());
        left.checked_sub(LEASE_MARGIN)
            .filter(|d| !d.is_zero())
            .map(|d| d.min(self.limits.timeout))
    }

    /// Gives back, unsent, an event whose lease was nearly over by the
    /// time it was taken: due again at once (before the lease ends
    /// another deliverer could take it over and send it as well).
    async fn lease_ran_short(&self, event: &TakenEvent) -> Result<Delivery, StoreError> {
        let now = self.clock.now();
        tracing::warn!(client = %event.client_id, event = %event.id, "webhook lease nearly over when taken; given back unsent");
        let given_back = self
            .store
            .retry_webhook_event(&event.id, &event.leased_by, now, now)
            .await?;
        lease_lost(event, given_back);
        self.metrics.webhook("retried");
        Ok(Delivery::Retried)
    }

    /// Gives a failed event up after 24 hours, or back to be sent again
    /// after its whole backoff (and not before its endpoint's pause ends).
    async fn failed(
        &self,
        event: &TakenEvent,
        moment: Moment,
        paused_until: Option<UnixTime>,
        reason: &str,
    ) -> Result<Delivery, StoreError> {
        let (client, id) = (&event.client_id, &event.id);
        let now = moment.second();
        if now.since(event.created_at) >= RETRY_FOR {
            tracing::warn!(%client, event = %id, reason = ?reason, "webhook given up after 24 hours");
            let removed = self
                .store
                .remove_webhook_event(id, &event.leased_by, now)
                .await?;
            lease_lost(event, removed);
            return Ok(Delivery::GaveUp);
        }
        tracing::warn!(%client, event = %id, attempt = event.attempts, reason = ?reason, "webhook delivery failed; retrying");
        let at = moment
            .after(backoff(event.attempts + 1))
            .max(paused_until.unwrap_or(now));
        let given_back = self
            .store
            .retry_webhook_event(id, &event.leased_by, now, at)
            .await?;
        lease_lost(event, given_back);
        Ok(Delivery::Retried)
    }

    /// Counts a failed delivery against the client's endpoint and, at
    /// [`Limits::breaker_failures`] in a row, opens its breaker: none of
    /// its events is taken for the cool-down (they wait; no attempt is
    /// spent). Returns until when it is open.
    async fn endpoint_failed(
        &self,
        client: &str,
        now: Moment,
    ) -> Result<Option<UnixTime>, StoreError> {
        let since = now.second() - self.limits.breaker_window;
        let failures = self
            .store
            .count_webhook_failure(client, now.second(), since)
            .await?;
        if failures < self.limits.breaker_failures {
            return Ok(None);
        }
        let until = now.after(self.limits.breaker_cool_down);
        self.store.pause_webhook_endpoint(client, until).await?;
        tracing::warn!(%client, failures, cool_down_secs = self.limits.breaker_cool_down.as_secs(), "webhook endpoint keeps failing; not tried for the cool-down");
        Ok(Some(until))
    }

    async fn send(
        &self,
        event: &TakenEvent,
        now: UnixTime,
        timeout: Duration,
    ) -> Result<(), String> {
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
        let body = marked_body(&event.body, &event.client_id, event.test_client);
        let signature = sign(&key, &event.id, now, body.as_bytes());
        let res = self
            .http
            .post(url)
            .timeout(timeout)
            .header("content-type", "application/json")
            .header("webhook-id", &event.id)
            .header("webhook-timestamp", now.as_secs().to_string())
            .header("webhook-signature", signature)
            .body(body)
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

/// Logs that a delivery's write was refused (`written` is `false`): its
/// lease ran out or was taken over, and the event is another take's now.
fn lease_lost(event: &TakenEvent, written: bool) {
    if !written {
        tracing::warn!(client = %event.client_id, event = %event.id, "webhook lease lost before the outcome was written; the event is sent again");
    }
}
