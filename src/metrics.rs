//! What operators watch, in the Prometheus text format at `GET /metrics`:
//! requests by route template and status, their latency, the results
//! Link delivers to integrators, calls to data sources, webhook deliveries,
//! and (counted in the database at each scrape) the collection jobs queued
//! and running. Labels never carry a path, a query, an ID or a client: only
//! route templates, configured source IDs and fixed words.

use prometheus::core::Collector;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry,
};

use crate::oauth2::authorize::Entry;
use crate::oauth2::result::Outcome;

/// Latency buckets in seconds, from half a millisecond to about 8 s.
const LATENCY_BUCKETS: [f64; 15] = [
    0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048,
    4.096, 8.192,
];

/// A counter with `labels`, registered in `registry`.
fn counter(
    registry: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
) -> Result<IntCounterVec, prometheus::Error> {
    let counter = IntCounterVec::new(Opts::new(name, help), labels)?;
    registry.register(Box::new(counter.clone()))?;
    Ok(counter)
}

/// A latency histogram in seconds ([`LATENCY_BUCKETS`]) with `labels`,
/// registered in `registry`.
fn histogram(
    registry: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
) -> Result<HistogramVec, prometheus::Error> {
    let opts = HistogramOpts::new(name, help).buckets(LATENCY_BUCKETS.to_vec());
    let histogram = HistogramVec::new(opts, labels)?;
    registry.register(Box::new(histogram.clone()))?;
    Ok(histogram)
}

/// One source's collection jobs at scrape time, in every instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobGauge<'a> {
    pub source: &'a str,
    pub queued: i64,
    pub running: i64,
}

/// The process's metrics; cheap to share behind an `Arc`.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    results: IntCounterVec,
    jobs: IntCounterVec,
    source_latency: HistogramVec,
    webhooks: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new_custom(Some("consent_link".into()), None)?;
        Ok(Metrics {
            requests: counter(
                &registry,
                "http_requests_total",
                "HTTP requests answered",
                &["method", "route", "status"],
            )?,
            latency: histogram(
                &registry,
                "http_request_duration_seconds",
                "Time to answer an HTTP request",
                &["method", "route"],
            )?,
            results: counter(
                &registry,
                "link_results_total",
                "Results delivered to integrators: code, or the RFC 6749 error",
                &["entry", "result"],
            )?,
            jobs: counter(
                &registry,
                "collection_attempts_total",
                "Calls to data sources by source and outcome: collected, retried, failed",
                &["source", "outcome"],
            )?,
            source_latency: histogram(
                &registry,
                "source_call_duration_seconds",
                "Time a data source took",
                &["source"],
            )?,
            webhooks: counter(
                &registry,
                "webhook_deliveries_total",
                "Webhook deliveries by outcome: delivered, retried, given_up",
                &["outcome"],
            )?,
            registry,
        })
    }

    /// One answered request: `route` is the matched route template (or
    /// `<unmatched>`), never the path.
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(seconds);
    }

    /// One call to a data source: its source ID (configuration, never a
    /// person), how long it took, and what came of it.
    pub fn source_call(&self, source: &str, seconds: f64, outcome: &'static str) {
        self.jobs.with_label_values(&[source, outcome]).inc();
        self.source_latency
            .with_label_values(&[source])
            .observe(seconds);
    }

    /// One webhook delivery: `delivered`, `retried` or `given_up`.
    pub fn webhook(&self, outcome: &'static str) {
        self.webhooks.with_label_values(&[outcome]).inc();
    }

    /// One result delivered to an integrator.
    pub fn result(&self, entry: Entry, outcome: &Outcome) {
        let entry = match entry {
            Entry::Link => "link",
            Entry::OAuth2 => "oauth2",
        };
        let result = match outcome {
            Outcome::Code(_) => "code",
            Outcome::Error(e) => e.code.as_str(),
        };
        self.results.with_label_values(&[entry, result]).inc();
    }

    /// Everything this process counted, in the Prometheus text format.
    pub fn encode(&self) -> Result<String, prometheus::Error> {
        self.encode_with_jobs(&[])
    }

    /// [`Self::encode`] with `consent_link_collection_jobs{source, state}`
    /// (`queued`, `running`) from `jobs`: counted in the database at scrape
    /// time, so every instance reports the same, right, figures. A gauge
    /// set per scrape, not kept in the registry: two scrapes at once never
    /// see each other's half-written values.
    pub fn encode_with_jobs(&self, jobs: &[JobGauge<'_>]) -> Result<String, prometheus::Error> {
        let mut families = self.registry.gather();
        if !jobs.is_empty() {
            let gauge = IntGaugeVec::new(
                Opts::new(
                    "collection_jobs",
                    "Collection jobs in the database by source: queued (due, waiting for a \
                     retry, or left by a dead instance) and running (held under a lease)",
                )
                .namespace("consent_link"),
                &["source", "state"],
            )?;
            for job in jobs {
                gauge
                    .with_label_values(&[job.source, "queued"])
                    .set(job.queued);
                gauge
                    .with_label_values(&[job.source, "running"])
                    .set(job.running);
            }
            families.extend(gauge.collect());
        }
        let mut out = Vec::new();
        prometheus::TextEncoder::new().encode(&families, &mut out)?;
        String::from_utf8(out).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth2::error::OAuthError;

    #[test]
    fn requests_and_results_are_counted_by_their_labels() {
        let m = Metrics::new().unwrap();
        m.request("GET", "/s/{sid}", 200, 0.003);
        m.request("GET", "/s/{sid}", 200, 0.005);
        m.result(Entry::OAuth2, &Outcome::Error(OAuthError::cancelled()));
        let text = m.encode().unwrap();
        assert!(
            text.contains(
                "consent_link_http_requests_total{method=\"GET\",route=\"/s/{sid}\",status=\"200\"} 2"
            ),
            "{text}"
        );
        assert!(text.contains(
            "consent_link_http_request_duration_seconds_bucket{method=\"GET\",route=\"/s/{sid}\",le=\"0.004\"} 1"
        ));
        assert!(text.contains(
            "consent_link_link_results_total{entry=\"oauth2\",result=\"access_denied\"} 1"
        ));
        assert!(!text.contains("consent_link_collection_jobs"), "{text}");
    }

    #[test]
    fn job_gauges_are_written_per_source_and_state() {
        let m = Metrics::new().unwrap();
        let text = m
            .encode_with_jobs(&[JobGauge {
                source: "gjeld",
                queued: 3,
                running: 1,
            }])
            .unwrap();
        assert!(
            text.contains("# TYPE consent_link_collection_jobs gauge"),
            "{text}"
        );
        assert!(text.contains("consent_link_collection_jobs{source=\"gjeld\",state=\"queued\"} 3"));
        assert!(text.contains("consent_link_collection_jobs{source=\"gjeld\",state=\"running\"} 1"));
        // Nothing is kept: the next scrape has only what it is given.
        assert!(!m.encode().unwrap().contains("collection_jobs"));
    }
}
