//! The built-in test source: serves the test persons' static data to test
//! flows through the same jobs, checks and statuses as a configured source
//! (SPEC.md, "Test mode"). Its answer is the source contract's JSON, read
//! by the same [`fit`](super::source::fit) as an adapter's.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::source::{fit_request, Attempt, Request};
use super::DataSource;
use crate::oauth2::scope::Scope;
use crate::test_persons::{self, Behaviour, SLOW_COLLECTION_SECS};
use crate::testdata;

/// The test source's ID on jobs; the sources file cannot use it.
pub const TEST_SOURCE: &str = "test";

/// Serves every scope of a test flow, under the ID its jobs carry
/// ([`Sources::test_source`](crate::sources::Sources::test_source)).
pub struct TestSource<'a> {
    pub id: &'a str,
}

#[async_trait]
impl DataSource for TestSource<'_> {
    fn id(&self) -> &str {
        self.id
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn attempts(&self) -> u32 {
        3
    }

    async fn collect(&self, req: &Request<'_>) -> Attempt {
        answer(req)
    }
}

/// What the test source answers `req`, by the person's behaviour.
pub fn answer(req: &Request<'_>) -> Attempt {
    let Some(person) = test_persons::by_national_id(req.national_id) else {
        return Attempt::Failed("not a test person".into());
    };
    let failing: &[Scope] = match person.behaviour {
        Behaviour::DataCollectionFails => {
            return Attempt::Failed("the test person's sources are down".into())
        }
        Behaviour::SlowCollection if req.attempt <= 1 => {
            return Attempt::Pending {
                after: Duration::from_secs(SLOW_COLLECTION_SECS),
            }
        }
        Behaviour::IncomeFails => &[Scope::Income],
        _ => &[],
    };
    let mut data = Map::new();
    let mut errors = Map::new();
    for &scope in req.scopes {
        if failing.contains(&scope) {
            errors.insert(
                scope.as_str().into(),
                Value::from("the employer register did not answer"),
            );
        } else {
            let body = testdata::scope_body(person, scope, req.tax_entities);
            data.insert(scope.as_str().into(), Value::Object(body));
        }
    }
    let mut contract = Map::new();
    contract.insert("data".into(), Value::Object(data));
    contract.insert("errors".into(), Value::Object(errors));
    fit_request(&Value::Object(contract), req)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(person: &str, scopes: &[Scope], attempt: u32) -> Attempt {
        let national_id = test_persons::find(person).map_or("", |p| p.national_id);
        answer(&Request {
            request_id: "r",
            national_id,
            scopes,
            tax_entities: &[],
            attempt,
        })
    }

    fn answered(attempt: Attempt) -> (Vec<Scope>, Vec<Scope>) {
        match attempt {
            Attempt::Answered { data, errors } => {
                (data.into_keys().collect(), errors.into_keys().collect())
            }
            other => panic!("expected an answer, got {other:?}"),
        }
    }

    #[test]
    fn every_scope_of_every_answering_person_fits_the_contract() {
        for person in ["kari", "ola", "ingrid", "tone"] {
            let (data, errors) = answered(ask(person, &Scope::ALL, 2));
            assert_eq!(data, Scope::ALL.to_vec(), "{person}");
            assert!(errors.is_empty(), "{person}");
        }
    }

    #[test]
    fn the_slow_person_is_pending_on_the_first_attempt_only() {
        assert_eq!(
            ask("tone", &[Scope::Info], 1),
            Attempt::Pending {
                after: Duration::from_secs(SLOW_COLLECTION_SECS)
            }
        );
        assert_eq!(
            answered(ask("tone", &[Scope::Info], 2)).0,
            vec![Scope::Info]
        );
    }

    #[test]
    fn tax_documents_of_an_organisation_not_asked_for_are_refused() {
        let kari = test_persons::find("kari").unwrap();
        let asked = vec!["923609016".to_owned()];
        let body = testdata::scope_body(kari, Scope::TaxDataPdf, &asked);
        let answer = serde_json::json!({"data": {"tax_data_pdf": body}});
        let mut req = Request {
            request_id: "r",
            national_id: kari.national_id,
            scopes: &[Scope::TaxDataPdf],
            tax_entities: &asked,
            attempt: 1,
        };
        let (data, _) = answered(super::fit_request(&answer, &req));
        assert_eq!(data, vec![Scope::TaxDataPdf]);
        req.tax_entities = &[];
        let (data, errors) = answered(super::fit_request(&answer, &req));
        assert!(data.is_empty(), "an organisation that was not asked for");
        assert_eq!(errors, vec![Scope::TaxDataPdf]);
    }

    #[test]
    fn hans_gets_everything_but_income_and_sigrid_nothing() {
        let (data, errors) = answered(ask("hans", &[Scope::Info, Scope::Income], 1));
        assert_eq!(data, vec![Scope::Info]);
        assert_eq!(errors, vec![Scope::Income]);
        assert!(matches!(
            ask("sigrid", &[Scope::Info], 1),
            Attempt::Failed(_)
        ));
        assert!(matches!(
            ask("nobody", &[Scope::Info], 1),
            Attempt::Failed(_)
        ));
    }
}
