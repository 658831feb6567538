//! What the data API answers, as pure functions: which scope each endpoint
//! needs, pagination, the data collection status, and the bodies. Only
//! consented scopes ever make it into a body.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::oauth2::params::Params;
use crate::oauth2::scope::{Scope, Scopes};

/// The data API's read endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Personal,
    Loans,
    Vehicles,
    Income,
    Invoices,
    LoanApplications,
}

impl Endpoint {
    /// The endpoint's path template, as a consent's history names a read.
    pub(crate) fn path_template(self) -> &'static str {
        match self {
            Endpoint::Personal => "/api/1.0/personal/:id",
            Endpoint::Loans => "/api/1.0/loans/:id",
            Endpoint::Vehicles => "/api/1.0/vehicles/:id",
            Endpoint::Income => "/api/1.0/income/:id",
            Endpoint::Invoices => "/api/1.0/invoices/:id",
            Endpoint::LoanApplications => "/api/1.0/loan_applications/:id",
        }
    }

    /// The consented scopes this endpoint returns; empty means the consent
    /// does not cover it (403).
    pub(crate) fn scopes_in(self, consented: &[Scope]) -> Vec<Scope> {
        let wanted: &[Scope] = match self {
            Endpoint::Personal => &[Scope::Info],
            Endpoint::Loans => &[
                Scope::UnsecuredLoans,
                Scope::UnsecuredLoansPresentation,
                Scope::UnsecuredLoansProcessing,
                Scope::StudentLoan,
            ],
            Endpoint::Vehicles => &[Scope::Vehicles],
            Endpoint::Income => &[Scope::Income],
            Endpoint::Invoices => &[Scope::EInvoices],
            Endpoint::LoanApplications => &Scope::ALL,
        };
        consented
            .iter()
            .copied()
            .filter(|s| wanted.contains(s))
            .collect()
    }

    /// Whether `page`/`per_page` apply.
    fn paginated(self) -> bool {
        matches!(self, Endpoint::Loans | Endpoint::Invoices)
    }
}

/// The data collection status (SPEC.md): `new`, `in_progress`, `done`,
/// `partially_done`, `error`.
pub(crate) use crate::collect::job::Status as DataStatus;

pub(crate) const DEFAULT_PER_PAGE: usize = 25;
pub(crate) const MAX_PER_PAGE: usize = 100;

/// One page of a list: `page` is 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Page {
    pub page: usize,
    pub per_page: usize,
}

impl Default for Page {
    fn default() -> Page {
        Page {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl Page {
    /// Reads `page` and `per_page` from a query: `None` when both are left
    /// out (the whole list, as the docs say "by default shows all"); one
    /// left out takes its default. A value that is not a whole number in
    /// range is refused.
    pub(crate) fn parse(params: &Params) -> Result<Option<Page>, String> {
        let read = |name: &str, max: usize, default: usize| -> Result<usize, String> {
            let value = params
                .get(name)
                .map_err(|_| format!("'{name}' is given more than once"))?;
            match value {
                None => Ok(default),
                Some(v) => v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=max).contains(n))
                    .ok_or_else(|| format!("'{name}' must be a whole number from 1 to {max}")),
            }
        };
        let given = |name: &str| matches!(params.get(name), Ok(Some(_)) | Err(_));
        if !given("page") && !given("per_page") {
            return Ok(None);
        }
        Ok(Some(Page {
            page: read("page", u32::MAX as usize, 1)?,
            per_page: read("per_page", MAX_PER_PAGE, DEFAULT_PER_PAGE)?,
        }))
    }

    fn of(self, items: Vec<Value>) -> Value {
        let start = (self.page - 1).saturating_mul(self.per_page);
        Value::Array(items.into_iter().skip(start).take(self.per_page).collect())
    }
}

/// Whose data a body is: what the sources gave, by scope (a scope that
/// was not collected, or not yet, is left out).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Subject<'a> {
    pub(crate) collected: &'a BTreeMap<Scope, Map<String, Value>>,
}

/// The body of `endpoint` for one consent: `user_data_id`, `status`, and
/// each of `scopes` (already limited to the consent) in the product's
/// field names. Lists are paginated where the endpoint is and a page was
/// asked for; `total` is the list's whole length.
pub(crate) fn body(
    endpoint: Endpoint,
    user_data_id: &str,
    status: DataStatus,
    subject: Subject<'_>,
    scopes: &[Scope],
    page: Option<Page>,
) -> Value {
    let mut out = Map::new();
    out.insert("user_data_id".into(), json!(user_data_id));
    out.insert("status".into(), json!(status.as_str()));
    for &scope in scopes {
        for (key, value) in sections(scope, subject) {
            let value = match value {
                Value::Array(items) if endpoint.paginated() => {
                    out.insert("total".into(), json!(items.len()));
                    match page {
                        Some(page) => {
                            out.insert("page".into(), json!(page.page));
                            out.insert("per_page".into(), json!(page.per_page));
                            page.of(items)
                        }
                        None => Value::Array(items),
                    }
                }
                v => v,
            };
            out.insert(key.into(), value);
        }
    }
    Value::Object(out)
}

/// One scope's parts of a body; empty when there is no data (yet). The
/// three loan scopes share `loans`: the purpose is the consent's, the data
/// the same.
fn sections(scope: Scope, subject: Subject<'_>) -> Vec<(&'static str, Value)> {
    let Some(body) = subject.collected.get(&scope) else {
        return Vec::new();
    };
    crate::collect::source::body_keys(scope)
        .iter()
        .map(|key| (*key, body.get(*key).cloned().unwrap_or(Value::Null)))
        .collect()
}

/// The scopes of `consent` that `token` (if it is limited) also covers.
pub(crate) fn effective_scopes(consent: &Scopes, token: Option<&Scopes>) -> Vec<Scope> {
    consent
        .iter()
        .filter(|s| token.is_none_or(|t| t.contains(*s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(q: &str) -> Result<Option<Page>, String> {
        Page::parse(&Params::parse(q))
    }

    #[test]
    fn pagination_parameters_are_checked() {
        assert_eq!(page(""), Ok(None), "no parameters: the whole list");
        assert_eq!(page("per_page=3&x=1").unwrap().unwrap().page, 1);
        assert_eq!(
            page("page=2"),
            Ok(Some(Page::default()).map(|p| Page { page: 2, ..p }))
        );
        assert_eq!(
            page("page=2&per_page=3"),
            Ok(Some(Page {
                page: 2,
                per_page: 3
            }))
        );
        for bad in [
            "page=0",
            "page=-1",
            "page=x",
            "per_page=0",
            "per_page=101",
            "page=1&page=2",
        ] {
            assert!(page(bad).is_err(), "{bad} must be refused");
        }
    }

    /// Kari's data in every scope, as the test source collects it.
    fn kari() -> BTreeMap<Scope, Map<String, Value>> {
        let kari = crate::test_persons::find("kari").unwrap();
        Scope::ALL
            .into_iter()
            .map(|s| (s, crate::testdata::scope_body(kari, s, &[])))
            .collect()
    }

    #[test]
    fn only_consented_scopes_reach_a_body() {
        let loans = Endpoint::Loans.scopes_in(&[Scope::Info, Scope::StudentLoan]);
        assert_eq!(loans, vec![Scope::StudentLoan]);
        let collected = kari();
        let subject = Subject {
            collected: &collected,
        };
        let b = body(
            Endpoint::Loans,
            "u",
            DataStatus::Done,
            subject,
            &loans,
            None,
        );
        assert!(b.get("student_loan").is_some());
        assert!(
            b.get("loans").is_none(),
            "unsecured loans were not consented"
        );
        assert!(b.get("personal").is_none());
        assert!(Endpoint::Vehicles.scopes_in(&[Scope::Info]).is_empty());
    }

    #[test]
    fn each_purpose_scope_alone_reads_loans_and_tax_documents_only_combined() {
        let collected = kari();
        let subject = Subject {
            collected: &collected,
        };
        for purpose in [
            Scope::UnsecuredLoansPresentation,
            Scope::UnsecuredLoansProcessing,
        ] {
            let scopes = Endpoint::Loans.scopes_in(&[purpose]);
            let b = body(
                Endpoint::Loans,
                "u",
                DataStatus::Done,
                subject,
                &scopes,
                None,
            );
            assert_eq!(b["loans"].as_array().map(Vec::len), Some(3), "{purpose}");
            assert!(b.get("student_loan").is_none());
        }
        let both = [Scope::UnsecuredLoans, Scope::UnsecuredLoansProcessing];
        let b = body(Endpoint::Loans, "u", DataStatus::Done, subject, &both, None);
        assert_eq!(
            b["loans"].as_array().map(Vec::len),
            Some(3),
            "once, not twice"
        );
        let tax = [Scope::TaxDataPdf];
        assert!(Endpoint::Loans.scopes_in(&tax).is_empty());
        assert_eq!(Endpoint::LoanApplications.scopes_in(&tax), tax);
        let b = body(
            Endpoint::LoanApplications,
            "u",
            DataStatus::Done,
            subject,
            &tax,
            None,
        );
        assert!(b["tax_documents"]["personal"]["tax_reports"].is_array());
    }

    #[test]
    fn a_token_narrows_the_consent() {
        let consent = Scopes::parse("info,income").unwrap();
        let token = Scopes::parse("income,vehicles").unwrap();
        assert_eq!(
            effective_scopes(&consent, Some(&token)),
            vec![Scope::Income]
        );
        assert_eq!(effective_scopes(&consent, None).len(), 2);
    }
}
