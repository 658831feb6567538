//! A collection worker: takes a due job under a lease, calls its source
//! once, and applies the decision (store the data, or retry later). Every
//! `serve` process runs workers; any may take any job, and one whose
//! process died is taken over when its lease runs out.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::job::{after_attempt, Next};
use super::source::{Attempt, Http, Request};
use super::test_source::TestSource;
use super::DataSource;
use crate::crypto::ServerKey;
use crate::oauth2::scope::{Scope, Scopes};
use crate::sources::Sources;
use crate::store::{Store, StoreError, TakenJob};
use crate::time::{Clock, UnixTime};

/// What the national identity number (bound to its subject hash) and
/// collected bodies (bound to their collection and scope) are sealed for.
pub const SEAL_NATIONAL_ID: &str = "national_id";
pub const SEAL_DATA: &str = "collected_data";

/// How long a worker holds a job beyond its source's time-out, by default
/// (`serve --lease-margin`): time to store what the source gave. A shorter
/// margin lets another instance take over a dead one's job sooner; one
/// shorter than a slow database write lets it take over a live one's, and
/// the source sees that collection again (the same `Idempotency-Key`).
pub const LEASE_MARGIN: Duration = Duration::from_secs(60);

/// How long a job may be overdue before a source no instance knows is
/// taken to be gone (a rolling deploy that adds a source is far quicker).
pub const ORPHAN_AFTER: Duration = Duration::from_secs(6 * 3600);

/// How often a worker looks for such jobs.
const SWEEP_EVERY: Duration = Duration::from_secs(600);

pub struct Worker {
    pub store: Arc<dyn Store>,
    pub sources: Arc<Sources>,
    pub key: ServerKey,
    pub http: reqwest::Client,
    pub clock: Arc<dyn Clock>,
    /// This worker's name on the leases it takes (unique per worker).
    pub id: String,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The lease is the longest source time-out plus this.
    pub lease_margin: Duration,
}

impl Worker {
    /// The HTTP client sources are called with: no redirects followed.
    pub fn http_client() -> Result<reqwest::Client, reqwest::Error> {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
    }

    /// Every source this worker runs: the configured ones and the built-in
    /// test source.
    fn data_sources(&self) -> Vec<Box<dyn DataSource + '_>> {
        let mut all: Vec<Box<dyn DataSource + '_>> = self
            .sources
            .all()
            .iter()
            .map(|source| {
                Box::new(Http {
                    source,
                    client: &self.http,
                }) as Box<dyn DataSource + '_>
            })
            .collect();
        all.push(Box::new(TestSource {
            id: self.sources.test_source(),
        }));
        all
    }

    /// Runs one due job, if there is one; `true` if it did.
    pub async fn run_one(&self) -> Result<bool, StoreError> {
        let sources = self.data_sources();
        let longest = sources.iter().map(|s| s.timeout()).max();
        let (now, lease) = self.clock.moment().lease(
            longest
                .unwrap_or_default()
                .saturating_add(self.lease_margin),
        );
        let mut taken = None;
        for source in &sources {
            if let Some(job) = self
                .store
                .take_job(source.id(), now, lease, &self.id)
                .await?
            {
                taken = Some((job, source));
                break;
            }
        }
        let Some((job, source)) = taken else {
            return Ok(false);
        };
        self.run_job(&job, source.as_ref(), now).await?;
        Ok(true)
    }

    /// One attempt at `job` and what follows from it.
    async fn run_job(
        &self,
        job: &TakenJob,
        source: &dyn DataSource,
        now: UnixTime,
    ) -> Result<(), StoreError> {
        let scopes: Vec<Scope> = Scopes::parse(&job.scopes)
            .map(|s| s.iter().collect())
            .map_err(|e| StoreError::Corrupt(format!("job scopes: {e}")))?;
        let national_id = job
            .national_id_sealed
            .as_deref()
            .and_then(|sealed| {
                let subject = job.subject_hash.as_str();
                self.key.open(SEAL_NATIONAL_ID, &[subject], sealed).ok()
            })
            .and_then(|bytes| String::from_utf8(bytes).ok());
        let Some(national_id) = national_id else {
            tracing::error!(source = %source.id(), "a job's national ID does not open");
            return self.finish(job, &[], now).await;
        };
        let tax_entities: Vec<String> = serde_json::from_str(&job.tax_entities).unwrap_or_default();
        let made = u32::try_from(job.attempts).unwrap_or(u32::MAX);
        let req = Request {
            request_id: &job.collection_id,
            national_id: &national_id,
            scopes: &scopes,
            tax_entities: &tax_entities,
            attempt: made,
        };
        let began = std::time::Instant::now();
        let attempt = source.collect(&req).await;
        let seconds = began.elapsed().as_secs_f64();
        // Backoff and Retry-After count from the answer, not from before
        // the call (a time-out of 20 s would use up a short backoff), and
        // from the moment it came, not from the start of its second.
        let moment = self.clock.moment();
        let now = moment.second();
        let id = source.id();
        match &attempt {
            Attempt::Retry { reason, .. } | Attempt::Failed(reason) => {
                tracing::warn!(source = %id, attempt = made, reason = %reason, "source failed");
            }
            Attempt::Pending { .. } | Attempt::Answered { .. } => {}
        }
        match after_attempt(attempt, made, source.attempts(), &scopes) {
            Next::RetryAfter(wait) => {
                self.metrics.source_call(id, seconds, "retried");
                let at = moment.after(wait);
                if !self.store.retry_job(&job.id, &self.id, at, now).await? {
                    tracing::warn!(source = %id, "lost a job's lease before it ended");
                }
                Ok(())
            }
            Next::Finish { data, failed } => {
                let outcome = if data.is_empty() {
                    "failed"
                } else {
                    "collected"
                };
                self.metrics.source_call(id, seconds, outcome);
                for (scope, reason) in &failed {
                    tracing::warn!(source = %id, scope = scope.as_str(), reason = %reason, "scope not collected");
                }
                let sealed = self.seal_all(&job.collection_id, data)?;
                let refs: Vec<(&str, &str)> =
                    sealed.iter().map(|(s, b)| (*s, b.as_str())).collect();
                self.finish(job, &refs, now).await
            }
        }
    }

    /// Each collected body, sealed for storage at rest, bound to its
    /// collection and scope.
    fn seal_all(
        &self,
        collection_id: &str,
        data: std::collections::BTreeMap<Scope, serde_json::Map<String, Value>>,
    ) -> Result<Vec<(&'static str, String)>, StoreError> {
        data.into_iter()
            .map(|(scope, body)| {
                let text = Value::Object(body).to_string();
                self.key
                    .seal(SEAL_DATA, &[collection_id, scope.as_str()], text.as_bytes())
                    .map(|sealed| (scope.as_str(), sealed))
                    .map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .collect()
    }

    async fn finish(
        &self,
        job: &TakenJob,
        data: &[(&str, &str)],
        now: UnixTime,
    ) -> Result<(), StoreError> {
        if self
            .store
            .finish_job(&job.id, &self.id, data, now)
            .await?
            .is_none()
        {
            tracing::warn!(source = %job.source_id, "lost a job's lease before it ended");
        }
        Ok(())
    }

    /// Ends the jobs of sources that no instance runs: due over
    /// [`ORPHAN_AFTER`] ago and of a source this worker does not know
    /// (removed from `--sources`). Their scopes fail, so the collections
    /// end and forget the national ID. Returns how many jobs it ended.
    pub async fn end_orphaned_jobs(&self) -> Result<usize, StoreError> {
        let (now, lease) = self.clock.moment().lease(self.lease_margin);
        let known: Vec<String> = self
            .data_sources()
            .iter()
            .map(|s| s.id().to_owned())
            .collect();
        let mut ended = 0;
        for source in self.store.overdue_job_sources(now - ORPHAN_AFTER).await? {
            if known.contains(&source) {
                continue;
            }
            while let Some(job) = self.store.take_job(&source, now, lease, &self.id).await? {
                tracing::error!(source = %source, "a job's source is not configured: its scopes fail");
                self.finish(&job, &[], now).await?;
                ended += 1;
            }
        }
        Ok(ended)
    }

    /// Runs jobs until `stop` resolves, idling `idle` when none is due.
    pub async fn run(self, idle: Duration, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let mut swept = std::time::Instant::now();
        loop {
            if swept.elapsed() >= SWEEP_EVERY {
                swept = std::time::Instant::now();
                if let Err(e) = self.end_orphaned_jobs().await {
                    tracing::error!(error = %e, "ending orphaned jobs");
                }
            }
            let ran = match self.run_one().await {
                Ok(ran) => ran,
                Err(e) => {
                    tracing::error!(error = %e, "collection worker");
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
}
