//! What operators watch, in the Prometheus text format at `GET /metrics`:
//! requests by route template and status, their latency, and the results
//! Link delivers to integrators. Labels never carry a path, a query, an ID
//! or a client: only route templates and fixed words.

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};

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

    /// Everything, in the Prometheus text format.
    pub fn encode(&self) -> Result<String, prometheus::Error> {
        let mut out = Vec::new();
        prometheus::TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
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
    }
}
