//! The data API against the original product's docs (`goscore-docs/`): their
//! JSON examples are the fixtures in `tests/fixtures/goscore/` (only their
//! JSON syntax repaired). For each endpoint, every key of the example is in
//! the answer with the same JSON type, recursively (a list's elements
//! against the example's first element); strings keep the example's format
//! (dates, periods, `expire_at`, PDF data URLs); enumerated fields stay
//! within the docs' lists; and a `null` appears only where the docs allow
//! one (their tables' "Required? No", or a `null` in their example).

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use serde_json::{json, Value};

use crate::support::*;

pub const ALL_NINE: &str = "vehicles,unsecured_loans,info,income,student_loan,e_invoices,\
    unsecured_loans_presentation,unsecured_loans_processing,tax_data_pdf";
const TAX_ENTITIES: &str = "923609016,974760673";

pub fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/goscore/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Fields the docs' tables mark "Required? No": they may be `null`.
const OPTIONAL: &[&str] = &[
    "personal.middle_name",
    "personal.moved_to_norway_at",
    "loans[].credit_limit",
    "loans[].loan_amount",
    "loans[].balance",
    "loans[].charges",
    "loans[].charge_period",
    "loans[].nominal_rate",
    "loans[].terms",
    "loans[].kid",
    "loans[].account",
    "student_loan.balance",
    "student_loan.fees",
    "student_loan.charges",
    "student_loan.interest",
    "student_loan.status_reason",
    "income.payslips[].end_date",
    "income.payslips[].hourly_wage",
    "income.payslips[].position_amount",
    "income.payslips[].income_rows[].hours",
    "income.employers[].end_date",
    "income.employers[].payslips[].end_date",
    "income.employers[].payslips[].hourly_wage",
    "income.employers[].payslips[].position_amount",
    "income.employers[].payslips[].income_rows[].hours",
    // Only card invoices have a minimum amount to pay.
    "invoices[].min_amount",
];

const DATA_STATUSES: &[&str] = &["new", "in_progress", "done", "partially_done", "error"];
const EMPLOYMENT: &[&str] = &[
    "fixed_public",
    "fixed_private",
    "self_employed",
    "substitute",
    "hired_consultant",
];
const PAYSLIP_TYPES: &[&str] = &["fixed", "other", "hourly"];
const ROW_TYPES: &[&str] = &["fixed", "vacation", "other", "hourly"];
const BENEFITS: &[&str] = &["kontantytelse", "naturalytelse", "utgiftsgodtgjoerelse"];

/// The docs' enumerations, by path.
const ENUMS: &[(&str, &[&str])] = &[
    ("status", DATA_STATUSES),
    ("personal.sex", &["male", "female"]),
    (
        "personal.marital_status",
        &[
            "married",
            "registered_partner",
            "divorced",
            "separated",
            "widow",
            "single",
        ],
    ),
    (
        "personal.living_conditions",
        &["rental", "parents", "own", "housing_association"],
    ),
    (
        "loans[].type",
        &["credit_card", "consumner_loan", "charge_card"],
    ),
    ("loans[].charge_period", &["monthly"]),
    ("student_loan.status", &["ok", "unavailable"]),
    (
        "student_loan.status_reason",
        &[
            "moved_to_debt_collection",
            "terminated",
            "debt_settlement",
            "unrecognized",
        ],
    ),
    ("employment", EMPLOYMENT),
    ("income.employers[].employment", EMPLOYMENT),
    ("income.payslips[].payslip_type", PAYSLIP_TYPES),
    ("income.employers[].payslips[].payslip_type", PAYSLIP_TYPES),
    ("income.payslips[].income_rows[].type", ROW_TYPES),
    (
        "income.employers[].payslips[].income_rows[].type",
        ROW_TYPES,
    ),
    ("income.payslips[].income_rows[].benefit", BENEFITS),
    (
        "income.employers[].payslips[].income_rows[].benefit",
        BENEFITS,
    ),
];

/// The paths where the example itself has a `null`.
fn nulls_in(example: &Value, path: &str, out: &mut BTreeSet<String>) {
    match example {
        Value::Null => {
            out.insert(path.to_owned());
        }
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| nulls_in(v, &join(path, k), out)),
        Value::Array(xs) => xs
            .iter()
            .for_each(|x| nulls_in(x, &format!("{path}[]"), out)),
        _ => {}
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_date(s: &str) -> bool {
    s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

/// `MM-DD-YYYY HH:MM`, as the docs write `expire_at`.
fn is_us_minute(s: &str) -> bool {
    let shape = "00-00-0000 00:00";
    s.len() == shape.len()
        && s.bytes().zip(shape.bytes()).all(|(b, p)| {
            if p == b'0' {
                b.is_ascii_digit()
            } else {
                b == p
            }
        })
}

/// The format the example's string shows, and whether `s` keeps it.
fn same_format(example: &str, s: &str) -> Result<(), String> {
    let ok = if is_date(example) {
        is_date(s)
    } else if let Some(prefix) = example.strip_suffix("...") {
        let pdf = s
            .strip_prefix(prefix)
            .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok());
        pdf.is_some_and(|pdf| pdf.starts_with(b"%PDF-") && pdf.ends_with(b"%%EOF\n"))
    } else if is_us_minute(example) {
        is_us_minute(s)
    } else if let Some((a, b)) = example.split_once("..") {
        let ours = s.split_once("..");
        is_date(a) && is_date(b) && ours.is_some_and(|(x, y)| is_date(x) && is_date(y))
    } else {
        true
    };
    if ok {
        Ok(())
    } else {
        let short: String = s.chars().take(60).collect();
        Err(format!("{short:?} is not in the format of {example:?}"))
    }
}

/// The rules for one answer: what may be `null`, and whether every list
/// the example fills must be filled somewhere (a full-data person).
struct Rules {
    nullable: BTreeSet<String>,
    full: bool,
}

/// What a check found: the differences, and for each list (or map of
/// placeholder keys) the example fills, whether the answer filled it
/// anywhere, so that its elements were checked at all.
#[derive(Default)]
struct Findings {
    errs: Vec<String>,
    lists: BTreeMap<String, bool>,
}

/// Every difference of `answer` from `example` under `rules`.
fn differences(example: &Value, answer: &Value, rules: &Rules) -> Vec<String> {
    let mut found = Findings::default();
    conform("", example, answer, rules, &mut found);
    let mut errs = found.errs;
    if rules.full {
        let unchecked = found.lists.iter().filter(|(_, filled)| !**filled);
        errs.extend(unchecked.map(|(path, _)| format!("{path}: always empty, so never checked")));
    }
    errs
}

/// Checks `answer` at `path` against `example` into `found`.
fn conform(path: &str, example: &Value, answer: &Value, rules: &Rules, found: &mut Findings) {
    if let Some((_, allowed)) = ENUMS.iter().find(|(p, _)| *p == path) {
        if !answer.is_null() && !answer.as_str().is_some_and(|s| allowed.contains(&s)) {
            found
                .errs
                .push(format!("{path}: {answer} is not one of {allowed:?}"));
        }
    }
    match (example, answer) {
        (Value::Null, _) => {}
        (_, Value::Null) if rules.nullable.contains(path) => {}
        // The docs: "If the applicant isn't customer at Lånekassen (never
        // applied to get a loan), the response would be a blank hash".
        (Value::Object(_), Value::Object(a)) if path == "student_loan" && a.is_empty() => {}
        (Value::Object(ex), Value::Object(a)) => {
            for (key, ex_value) in ex {
                if key.starts_with('<') {
                    // A placeholder key (`<org_number>`): every key of ours.
                    *found.lists.entry(join(path, key)).or_default() |= !a.is_empty();
                    for (k, v) in a {
                        if !k.bytes().all(|b| b.is_ascii_digit()) {
                            found.errs.push(format!("{path}: key {k} is not {key}"));
                        }
                        conform(&join(path, key), ex_value, v, rules, found);
                    }
                    continue;
                }
                match a.get(key) {
                    Some(v) => conform(&join(path, key), ex_value, v, rules, found),
                    None => found.errs.push(format!("{}: missing", join(path, key))),
                }
            }
        }
        (Value::Array(ex), Value::Array(a)) => {
            if let Some(first) = ex.first() {
                *found.lists.entry(path.to_owned()).or_default() |= !a.is_empty();
                for v in a {
                    conform(&format!("{path}[]"), first, v, rules, found);
                }
            }
        }
        (Value::String(ex), Value::String(s)) => {
            if let Err(e) = same_format(ex, s) {
                found.errs.push(format!("{path}: {e}"));
            }
        }
        (ex, a) if kind(ex) == kind(a) => {}
        (ex, a) => found.errs.push(format!(
            "{path}: {} where the docs have {}",
            kind(a),
            kind(ex)
        )),
    }
}

/// The docs' `loan_applications` example, its `...` sections filled with
/// the separate endpoints' examples ("in the same format as a separated API
/// responses").
fn loan_applications_example() -> Value {
    let mut combined = fixture("loan_applications.json");
    for (file, keys) in [
        ("personal.json", &["personal"][..]),
        ("loans.json", &["loans", "student_loan"]),
        ("vehicles.json", &["vehicles"]),
        ("income.json", &["income", "employment"]),
        ("invoices.json", &["invoices"]),
    ] {
        let part = fixture(file);
        for key in keys {
            combined[*key] = part[*key].clone();
        }
    }
    combined
}

fn rules_for(example: &Value, full: bool) -> Rules {
    let mut nullable: BTreeSet<String> = OPTIONAL.iter().map(|s| s.to_string()).collect();
    nulls_in(example, "", &mut nullable);
    Rules { nullable, full }
}

/// A Link flow by `person` for every scope, with two tax entities.
async fn link_all(app: &TestApp, client: &str, person: &str) -> String {
    let query = format!(
        "client_id={client}&scope={ALL_NINE}&test=true&tax_entities={}",
        enc(TAX_ENTITIES)
    );
    let user = app.consent_as("/link", &query, person).await["code"].clone();
    app.collect().await;
    user
}

#[tokio::test]
async fn every_endpoint_answers_every_field_of_the_docs_with_its_type_and_enumeration() {
    let app = TestApp::new().await;
    let client = app
        .register(ClientSpec {
            scopes: ALL_NINE,
            ..ClientSpec::default()
        })
        .await;
    let token = app.client_token(&client).await;
    let endpoints = [
        ("personal", fixture("personal.json")),
        ("loans", fixture("loans.json")),
        ("vehicles", fixture("vehicles.json")),
        ("income", fixture("income.json")),
        ("invoices", fixture("invoices.json")),
        ("loan_applications", loan_applications_example()),
    ];
    // Kari has every kind of data: every list the docs fill, she fills.
    // Ola and Ingrid mean other things (a loan in debt collection, no
    // student loan, pay by the hour) in the same shapes.
    for (person, full) in [("kari", true), ("ola", false), ("ingrid", false)] {
        let user = link_all(&app, &client, person).await;
        for (path, example) in &endpoints {
            let res = app
                .api_get(&format!("/api/1.0/{path}/{user}"), &token)
                .await;
            assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
            let errs = differences(example, &res.json(), &rules_for(example, full));
            assert!(errs.is_empty(), "{person} /{path}:\n{}", errs.join("\n"));
        }
    }
}

#[tokio::test]
async fn errors_and_the_auth_answer_have_the_docs_shapes() {
    let app = TestApp::new().await;
    let client = app.client().await;
    let user = app.link_user(&client, "info", "kari").await;
    let token = app.client_token(&client).await;
    let error = fixture("error.json");
    let uri = format!("/api/1.0/personal/{user}");
    let answers = [
        app.get(&uri).await,
        app.api_get(&uri, "made-up").await,
        app.api_get(&format!("/api/1.0/income/{user}"), &token)
            .await,
        app.api_get("/api/1.0/personal/nobody", &token).await,
        app.api_get(&format!("/api/1.0/loans/{user}?page=0"), &token)
            .await,
        app.send(
            Request::post("/api/1.0/auth")
                .header("Client-ID", client.as_str())
                .header("Secret-Key", "wrong")
                .body(Body::empty())
                .unwrap(),
        )
        .await,
    ];
    for res in answers {
        assert!(res.status.is_client_error(), "{}", res.body);
        let errs = differences(&error, &res.json(), &rules_for(&error, true));
        assert!(errs.is_empty(), "{}: {}", res.body, errs.join("\n"));
        assert_eq!(res.json()["type"], "error");
    }

    let res = app
        .send(
            Request::post("/api/1.0/auth")
                .header("Client-ID", client.as_str())
                .header("Secret-Key", "secret")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let auth = fixture("auth.json");
    let errs = differences(&auth, &res.json(), &rules_for(&auth, true));
    assert!(errs.is_empty(), "{}: {}", res.body, errs.join("\n"));
    // T0 is 2027-01-15 08:00 UTC; the token lives an hour.
    assert_eq!(res.json()["expire_at"], json!("01-15-2027 09:00"));
}

/// The checker itself finds what it must: a wrong type, a missing key, a
/// value outside an enumeration, a wrong format, a null where the docs
/// require a value.
#[test]
fn the_checker_catches_each_kind_of_difference() {
    let example = fixture("personal.json");
    let rules = rules_for(&example, true);
    let good = example.clone();
    assert_eq!(differences(&example, &good, &rules), Vec::<String>::new());
    for (key, bad) in [
        ("address", json!({ "street": "Kongens gate 1" })),
        ("registered_residence", json!("Oslo")),
        ("marital_status", json!("gift")),
        ("birth_date", json!("01.01.1980")),
        ("kids", Value::Null),
    ] {
        let mut answer = good.clone();
        answer["personal"][key] = bad;
        let errs = differences(&example, &answer, &rules);
        assert_eq!(errs.len(), 1, "{key}: {errs:?}");
    }
    let mut answer = good;
    answer["personal"]
        .as_object_mut()
        .unwrap()
        .remove("cohabitant");
    assert_eq!(
        differences(&example, &answer, &rules),
        ["personal.cohabitant: missing"]
    );
    let loans = fixture("loans.json");
    let mut empty = loans.clone();
    empty["loans"] = json!([]);
    assert_eq!(
        differences(&loans, &empty, &rules_for(&loans, true)),
        ["loans: always empty, so never checked"]
    );
}
