//! One call to a data source (SPEC.md, "The source contract"): `POST url`
//! with `{"request_id", "national_id", "scopes", "tax_entities"}`, the
//! header `Idempotency-Key: <request_id>` (the same on every retry of one
//! collection) and, when configured, `Authorization: Bearer <token>`.
//! What came back is classified here; a worker decides what to store.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;
use serde_json::{json, Map, Value};

use super::shape;
use crate::oauth2::scope::Scope;
use crate::sources::Source;

/// The most a source's answer may weigh; a larger one does not fit.
pub const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;
/// The longest a retry waits, whatever `Retry-After` asks for.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);

/// What to collect for one person.
pub struct Request<'a> {
    /// The collection's ID: `request_id` and `Idempotency-Key`.
    pub request_id: &'a str,
    pub national_id: &'a str,
    pub scopes: &'a [Scope],
    pub tax_entities: &'a [String],
    /// Which attempt this is (1, 2, …); the same `request_id` on each.
    pub attempt: u32,
}

/// What one attempt gave.
#[derive(Debug, PartialEq)]
pub enum Attempt {
    /// A `200` whose frame fits: each asked scope's body that fits the data
    /// API's shape, or why it has none (the source's reason, or where its
    /// body does not fit).
    Answered {
        data: BTreeMap<Scope, Map<String, Value>>,
        errors: BTreeMap<Scope, String>,
    },
    /// A `4xx`, or an answer that does not parse or whose frame does not
    /// fit: the scopes fail at once (asking again would get the same).
    Failed(String),
    /// A `5xx`, `429`, time-out or refused connection: try again, after
    /// `after` when the source said when (`Retry-After`).
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// The source is still collecting (the test source's slow person):
    /// ask again after `after`. Counts as an attempt, logs no failure.
    Pending { after: Duration },
}

/// A source configured in the sources file, called over HTTP.
pub struct Http<'a> {
    pub source: &'a Source,
    pub client: &'a reqwest::Client,
}

#[async_trait::async_trait]
impl super::DataSource for Http<'_> {
    fn id(&self) -> &str {
        &self.source.id
    }

    fn timeout(&self) -> Duration {
        self.source.timeout
    }

    fn attempts(&self) -> u32 {
        self.source.attempts
    }

    async fn collect(&self, req: &Request<'_>) -> Attempt {
        call(self.client, self.source, req).await
    }
}

/// The data API keys a scope's body carries.
pub fn body_keys(scope: Scope) -> &'static [&'static str] {
    match scope {
        Scope::Info => &["personal"],
        Scope::UnsecuredLoans
        | Scope::UnsecuredLoansPresentation
        | Scope::UnsecuredLoansProcessing => &["loans"],
        Scope::StudentLoan => &["student_loan"],
        Scope::Vehicles => &["vehicles"],
        Scope::Income => &["income", "employment"],
        Scope::EInvoices => &["invoices"],
        Scope::TaxDataPdf => &["tax_documents"],
    }
}

/// Calls `source` once for `req`.
pub async fn call(http: &reqwest::Client, source: &Source, req: &Request<'_>) -> Attempt {
    let body = json!({
        "request_id": req.request_id,
        "national_id": req.national_id,
        "scopes": req.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "tax_entities": req.tax_entities,
    });
    let mut call = http
        .post(source.url.clone())
        .timeout(source.timeout)
        .header("Idempotency-Key", req.request_id)
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string());
    if let Some(token) = &source.token {
        match HeaderValue::from_str(&format!("Bearer {token}")) {
            Ok(mut v) => {
                v.set_sensitive(true);
                call = call.header(AUTHORIZATION, v);
            }
            Err(_) => return Attempt::Failed("the source's token is not a header value".into()),
        }
    }
    let mut res = match call.send().await {
        Ok(res) => res,
        Err(e) if e.is_timeout() => return retry(format!("no answer within {:?}", source.timeout)),
        Err(e) if e.is_connect() => return retry("could not connect".into()),
        Err(_) => return retry("the request failed".into()),
    };
    let status = res.status();
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        let after = retry_after(res.headers().get(RETRY_AFTER));
        return Attempt::Retry {
            reason: format!("answered {}", status.as_u16()),
            after,
        };
    }
    if status != StatusCode::OK {
        return Attempt::Failed(format!("answered {}", status.as_u16()));
    }
    if res
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Attempt::Failed("the answer is too large".into());
    }
    // Read chunk by chunk, stopping at the limit: an answer without a
    // Content-Length is never held whole before it is measured.
    let mut bytes = Vec::new();
    loop {
        match res.chunk().await {
            Ok(Some(chunk)) if bytes.len() + chunk.len() <= MAX_ANSWER_BYTES => {
                bytes.extend_from_slice(&chunk);
            }
            Ok(Some(_)) => return Attempt::Failed("the answer is too large".into()),
            Ok(None) => break,
            Err(e) if e.is_timeout() => {
                return retry(format!("no answer within {:?}", source.timeout))
            }
            Err(_) => return retry("the answer broke off".into()),
        }
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(answer) => fit_request(&answer, req),
        Err(_) => Attempt::Failed("the answer is not JSON".into()),
    }
}

fn retry(reason: String) -> Attempt {
    Attempt::Retry {
        reason,
        after: None,
    }
}

/// A `Retry-After` in seconds (the HTTP-date form is read as "no hint").
pub(crate) fn retry_after(value: Option<&HeaderValue>) -> Option<Duration> {
    let secs: u64 = value?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs).min(MAX_BACKOFF))
}

/// What a `200` answer means for `asked`. Its frame must fit the contract
/// (`data` and `errors` objects, every asked scope in exactly one of them,
/// nothing else, each reason a string) or the whole answer fails. Then each
/// scope stands alone: a body that fits the data API's shape
/// ([`shape::check`]) is data; one that does not fails that scope, with a
/// reason naming the scope and where, as does the source's own reason.
pub fn fit(answer: &Value, asked: &[Scope]) -> Attempt {
    let (data, errors) = match frame(answer, asked) {
        Ok(parts) => parts,
        Err(reason) => return Attempt::Failed(reason),
    };
    let mut got = BTreeMap::new();
    let mut failed = BTreeMap::new();
    for &scope in asked {
        match (data.get(scope.as_str()), errors.get(scope.as_str())) {
            (Some(body), None) => match shape::check(scope, body) {
                Ok(body) => {
                    got.insert(scope, body.clone());
                }
                Err(misfit) => {
                    failed.insert(scope, misfit);
                }
            },
            (None, Some(Value::String(reason))) => {
                failed.insert(scope, loggable(reason));
            }
            (Some(_), Some(_)) => {
                return Attempt::Failed(format!("{} is in both data and errors", scope.as_str()))
            }
            (None, None) => return Attempt::Failed(format!("{} is missing", scope.as_str())),
            (None, Some(_)) => {
                return Attempt::Failed(format!("errors.{} is not a string", scope.as_str()))
            }
        }
    }
    Attempt::Answered {
        data: got,
        errors: failed,
    }
}

/// [`fit`] for one request: besides the shapes, the tax documents may
/// name only the organisations the request asked for (`tax_entities`);
/// a body naming another fails its scope (data the person did not
/// consent to is never stored).
pub fn fit_request(answer: &Value, req: &Request<'_>) -> Attempt {
    match fit(answer, req.scopes) {
        Attempt::Answered {
            mut data,
            mut errors,
        } => {
            let unasked = data.get(&Scope::TaxDataPdf).is_some_and(|body| {
                body.get("tax_documents")
                    .and_then(|d| d.get("corporate"))
                    .and_then(Value::as_object)
                    .is_some_and(|corporate| {
                        corporate
                            .keys()
                            .any(|org| !req.tax_entities.iter().any(|asked| asked == org))
                    })
            });
            if unasked {
                data.remove(&Scope::TaxDataPdf);
                errors.insert(
                    Scope::TaxDataPdf,
                    "tax_data_pdf: tax_documents.corporate names an organisation that was not asked for"
                        .into(),
                );
            }
            Attempt::Answered { data, errors }
        }
        other => other,
    }
}

/// Text a source chose (a reason, a key), made fit for our logs: at most
/// 200 characters, no control characters (no forged log lines), and every
/// run of six or more digits masked, so that a national identity number or
/// an account number a source put in its reason never reaches a log.
pub fn loggable(text: &str) -> String {
    let mut out = String::new();
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.len() >= 6 {
            out.push_str("<number>");
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in text.chars().take(200) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        flush(&mut digits, &mut out);
        out.push(if c.is_control() { ' ' } else { c });
    }
    flush(&mut digits, &mut out);
    out
}

/// An answer's `data` and `errors`.
type Frame<'a> = (&'a Map<String, Value>, &'a Map<String, Value>);

/// An answer's `data` and `errors`, if they are objects naming only asked
/// scopes.
fn frame<'a>(answer: &'a Value, asked: &[Scope]) -> Result<Frame<'a>, String> {
    static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
    let part = |name: &str| match answer.get(name) {
        None => Ok(&*EMPTY),
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(format!("{name} is not an object")),
    };
    let (data, errors) = (part("data")?, part("errors")?);
    for name in data.keys().chain(errors.keys()) {
        if !asked.iter().any(|s| s.as_str() == name) {
            return Err(format!(
                "the answer names {:?}, which was not asked",
                loggable(name)
            ));
        }
    }
    Ok((data, errors))
}

/// How long to wait before attempt `next` (2, 3, …): exponential from one
/// second, or what the source asked for when it said (`Retry-After`),
/// never past [`MAX_BACKOFF`].
pub fn backoff(next: u32, asked: Option<Duration>) -> Duration {
    let exponential = Duration::from_secs(1u64 << next.saturating_sub(2).min(20));
    asked.unwrap_or(exponential).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sources_text_reaches_the_log_without_numbers_or_line_breaks() {
        assert_eq!(
            loggable("no data for 15878512345\nERROR forged"),
            "no data for <number> ERROR forged"
        );
        assert_eq!(loggable("code 503 in 2026"), "code 503 in 2026");
        assert_eq!(loggable(&"x".repeat(500)).len(), 200);
    }

    #[test]
    fn backoff_doubles_from_a_second_and_honours_retry_after() {
        assert_eq!(backoff(2, None), Duration::from_secs(1));
        assert_eq!(backoff(3, None), Duration::from_secs(2));
        assert_eq!(backoff(5, None), Duration::from_secs(8));
        assert_eq!(backoff(60, None), MAX_BACKOFF);
        assert_eq!(
            backoff(2, Some(Duration::from_secs(30))),
            Duration::from_secs(30)
        );
        assert_eq!(backoff(2, Some(Duration::from_secs(86_400))), MAX_BACKOFF);
    }

    fn kari_personal() -> Value {
        let kari = crate::test_persons::find("kari").unwrap();
        json!({ "personal": crate::testdata::personal(kari) })
    }

    #[test]
    fn an_answer_fits_only_the_contract() {
        let asked = [Scope::Info, Scope::Income];
        let ok = json!({
            "data": {"info": kari_personal()},
            "errors": {"income": "no employer reported"}
        });
        let Attempt::Answered { data, errors } = fit(&ok, &asked) else {
            panic!("a fitting answer was refused");
        };
        assert_eq!(data[&Scope::Info]["personal"]["first_name"], "KARI");
        assert_eq!(errors[&Scope::Income], "no employer reported");
        for bad in [
            json!({"data": {"info": kari_personal()}}),
            json!({"data": {"info": kari_personal(), "vehicles": {"vehicles": []}}, "errors": {"income": "x"}}),
            json!({"data": {"info": kari_personal()}, "errors": {"income": "x", "info": "y"}}),
            json!({"errors": {"income": 5, "info": "y"}}),
            json!({"data": [], "errors": {"income": "x", "info": "y"}}),
            json!([]),
        ] {
            assert!(matches!(fit(&bad, &asked), Attempt::Failed(_)), "{bad}");
        }
    }

    /// A body that does not fit the data API's shape fails its scope
    /// alone, with the scope and the path named and no value.
    #[test]
    fn a_body_that_does_not_fit_fails_only_its_scope() {
        let asked = [Scope::Info, Scope::Income];
        let mut personal = kari_personal();
        personal["personal"]["kids"] = json!("two");
        for (income, why) in [
            (json!({"income": {}}), "income: income.payslips: missing"),
            (json!([]), "income: the body is an array, not an object"),
            (
                json!({"income": {"payslips": [], "employers": []}, "employment": null, "x": 1}),
                "income: x: not a field of the data API",
            ),
        ] {
            let answer = json!({"data": {"info": kari_personal(), "income": income}});
            let Attempt::Answered { data, errors } = fit(&answer, &asked) else {
                panic!("one misfit failed the whole answer: {answer}");
            };
            assert_eq!(data.keys().collect::<Vec<_>>(), [&Scope::Info]);
            assert_eq!(errors[&Scope::Income], why);
        }
        let answer = json!({"data": {"info": personal}, "errors": {"income": "none"}});
        let Attempt::Answered { data, errors } = fit(&answer, &asked) else {
            panic!("a misfit failed the whole answer");
        };
        assert!(data.is_empty());
        assert_eq!(
            errors[&Scope::Info],
            "info: personal.kids: a string where the data API has a number"
        );
    }
}
