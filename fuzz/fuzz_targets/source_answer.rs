//! A data source's `200` answer, read as a worker reads it: JSON, its
//! frame (`data`, `errors`) fitted to the scopes asked, each body checked
//! against the data API's shapes. What is kept must be exactly what was
//! asked, and tax documents only for the organisations asked for.
#![no_main]

use consent_link::collect::shape;
use consent_link::collect::source::{fit_request, Attempt, Request};
use consent_link::oauth2::scope::Scope;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    // Two bytes choose the scopes asked (none chosen: all); the rest is
    // the answer.
    let [a, b, answer @ ..] = data else {
        return;
    };
    let mask = u16::from(*a) | (u16::from(*b) << 8);
    let mut asked: Vec<Scope> = Scope::ALL
        .into_iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, s)| s)
        .collect();
    if asked.is_empty() {
        asked = Scope::ALL.to_vec();
    }
    let Ok(answer) = serde_json::from_slice::<Value>(answer) else {
        return;
    };
    for scope in Scope::ALL {
        let _ = shape::check(scope, &answer);
    }
    let tax_entities = vec!["974760673".to_owned()];
    let req = Request {
        request_id: "req-1",
        national_id: "01017012345",
        scopes: &asked,
        tax_entities: &tax_entities,
        attempt: 1,
    };
    if let Attempt::Answered { data, errors } = fit_request(&answer, &req) {
        for scope in &asked {
            assert!(
                data.contains_key(scope) != errors.contains_key(scope),
                "{scope:?} must be data or an error"
            );
        }
        assert_eq!(data.len() + errors.len(), asked.len());
        for (scope, body) in &data {
            assert!(shape::check(*scope, &Value::Object(body.clone())).is_ok());
        }
        if let Some(corporate) = data
            .get(&Scope::TaxDataPdf)
            .and_then(|b| b.get("tax_documents"))
            .and_then(|d| d.get("corporate"))
            .and_then(Value::as_object)
        {
            assert!(corporate.keys().all(|org| tax_entities.contains(org)));
        }
    }
});
