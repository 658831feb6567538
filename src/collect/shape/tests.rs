//! The shapes are no stricter than the original (its docs' examples fit,
//! and so does every body our test data gives) and catch each kind of
//! departure, naming where.

use serde_json::{json, Value};

use super::*;
use crate::collect::source::body_keys;
use crate::test_persons::{TestPerson, TEST_PERSONS};
use crate::testdata;

const TAX_ENTITIES: [&str; 2] = ["923609016", "974760673"];

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/goscore/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// `scope`'s body taken from a data API answer (a docs example).
fn body_from(answer: &Value, scope: Scope) -> Value {
    let keys = body_keys(scope);
    Value::Object(
        keys.iter()
            .map(|k| (k.to_string(), answer[*k].clone()))
            .collect(),
    )
}

/// What the test data (the built-in test source) gives `p` for `scope`.
fn test_body(p: &TestPerson, scope: Scope) -> Value {
    let entities: Vec<String> = TAX_ENTITIES.iter().map(|s| s.to_string()).collect();
    Value::Object(testdata::scope_body(p, scope, &entities))
}

#[test]
fn every_scope_has_a_shape_for_exactly_its_body_keys() {
    for scope in Scope::ALL {
        let names: Vec<&str> = table::body(scope).iter().map(|f| f.name).collect();
        assert_eq!(names, body_keys(scope), "{scope}");
    }
}

#[test]
fn every_body_of_every_test_person_fits() {
    for p in TEST_PERSONS {
        for scope in Scope::ALL {
            let body = test_body(p, scope);
            assert!(
                check(scope, &body).is_ok(),
                "{}: {:?}",
                p.key,
                check(scope, &body)
            );
        }
    }
}

#[test]
fn the_docs_examples_fit() {
    let examples = [
        ("personal.json", Scope::Info),
        ("loans.json", Scope::UnsecuredLoans),
        ("loans.json", Scope::StudentLoan),
        ("vehicles.json", Scope::Vehicles),
        ("income.json", Scope::Income),
        ("invoices.json", Scope::EInvoices),
    ];
    for (file, scope) in examples {
        let body = body_from(&fixture(file), scope);
        assert_eq!(check(scope, &body).err(), None, "{file}");
    }
    // The combined example: its blank sections (`...` in the docs), its
    // `"employment": ""`, and its tax documents, `<org_number>` being a
    // placeholder for one.
    let mut combined = fixture("loan_applications.json");
    for scope in [Scope::Info, Scope::StudentLoan, Scope::UnsecuredLoans] {
        let body = body_from(&combined, scope);
        assert_eq!(check(scope, &body).err(), None, "{scope}");
    }
    combined["income"] = fixture("income.json")["income"].clone();
    assert_eq!(
        check(Scope::Income, &body_from(&combined, Scope::Income)).err(),
        None
    );
    let corporate = combined["tax_documents"]["corporate"]
        .as_object_mut()
        .unwrap();
    let documents = corporate.remove("<org_number>").unwrap();
    corporate.insert(TAX_ENTITIES[0].into(), documents);
    let body = body_from(&combined, Scope::TaxDataPdf);
    assert_eq!(check(Scope::TaxDataPdf, &body).err(), None);
}

/// Kari's `scope` body changed by `change`: the reason it does not fit.
fn misfit(scope: Scope, change: impl FnOnce(&mut Value)) -> String {
    let kari = crate::test_persons::find("kari").unwrap();
    let mut body = test_body(kari, scope);
    change(&mut body);
    check(scope, &body).unwrap_err()
}

#[test]
fn each_kind_of_departure_fails_naming_the_scope_and_path() {
    let cases = [
        (
            misfit(Scope::Income, |b| {
                b["income"]["payslips"][1]["netto"] = json!("18000 kr")
            }),
            "income: income.payslips[1].netto: a string where the data API has a number",
        ),
        (
            misfit(Scope::Info, |b| {
                b["personal"].as_object_mut().unwrap().remove("ssn");
            }),
            "info: personal.ssn: missing",
        ),
        (
            misfit(Scope::Info, |b| b["personal"]["sex"] = json!("unknown")),
            "info: personal.sex: not one of [\"male\", \"female\"]",
        ),
        (
            misfit(Scope::UnsecuredLoans, |b| {
                b["loans"][0]["favourite_colour"] = json!("blue")
            }),
            "unsecured_loans: loans[0].favourite_colour: not a field of the data API",
        ),
        (
            misfit(Scope::Info, |b| {
                b["personal"]["birth_date"] = json!("01.01.1980")
            }),
            "info: personal.birth_date: not a date (YYYY-MM-DD)",
        ),
        (
            misfit(Scope::Info, |b| {
                b["personal"]["moving_date"] = json!("2026-02-30")
            }),
            "info: personal.moving_date: not a date (YYYY-MM-DD)",
        ),
        (
            misfit(Scope::Info, |b| b["personal"]["first_name"] = Value::Null),
            "info: personal.first_name: null where the data API has a string",
        ),
        (
            misfit(Scope::Income, |b| {
                b["income"]["employers"][0]["payslips"][0]["income_rows"][0]["period"] =
                    json!("2026-08")
            }),
            "income: income.employers[0].payslips[0].income_rows[0].period: \
             not a period (YYYY-MM-DD..YYYY-MM-DD)",
        ),
        (
            misfit(Scope::Income, |b| b["employment"] = json!("retired")),
            "income: employment: not one of [\"fixed_public\", \"fixed_private\", \
             \"self_employed\", \"substitute\", \"hired_consultant\", \"\"]",
        ),
        (
            misfit(Scope::Vehicles, |b| {
                b["vehicles"]["vehicles"][0] = json!(["Tesla Model 3"])
            }),
            "vehicles: vehicles.vehicles[0]: an array of 1 where the data API has 2",
        ),
        (
            misfit(Scope::TaxDataPdf, |b| {
                b["tax_documents"]["corporate"]["923609016"]["latest_annual_report"][0]["content"] =
                    json!("https://example.com/x.pdf")
            }),
            "tax_data_pdf: tax_documents.corporate.<org_number>.latest_annual_report[0].content: \
             not a PDF data URL (data:application/pdf;base64,…)",
        ),
        (
            misfit(Scope::Info, |b| b["extra"] = json!({})),
            "info: extra: not a field of the data API",
        ),
        (
            misfit(Scope::EInvoices, |b| b["invoices"] = json!({})),
            "e_invoices: invoices: an object where the data API has an array",
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
}

/// A reason never carries what the source sent: not a value, nor a key
/// that could be one.
#[test]
fn a_reason_names_no_value() {
    let nin = "15878512345";
    let reasons = [
        misfit(Scope::Info, |b| b["personal"]["kids"] = json!(nin)),
        misfit(Scope::Info, |b| b["personal"]["sex"] = json!(nin)),
        misfit(Scope::Info, |b| b["personal"][nin] = json!(1)),
        misfit(Scope::TaxDataPdf, |b| {
            b["tax_documents"]["corporate"][nin] = json!({})
        }),
    ];
    assert_eq!(
        reasons[2],
        "info: personal.<key>: not a field of the data API"
    );
    assert_eq!(
        reasons[3],
        "tax_data_pdf: tax_documents.corporate.<key>: a key that is not an organisation number"
    );
    for reason in reasons {
        assert!(!reason.contains(nin), "{reason}");
    }
}

#[test]
fn blank_and_null_are_accepted_only_where_the_docs_allow() {
    assert!(check(Scope::StudentLoan, &json!({"student_loan": {}})).is_ok());
    assert!(check(Scope::Info, &json!({"personal": {}})).is_ok());
    assert_eq!(
        check(Scope::Vehicles, &json!({"vehicles": {}})).unwrap_err(),
        "vehicles: vehicles.first_name: missing"
    );
    assert_eq!(
        check(Scope::UnsecuredLoans, &json!({"loans": null})).unwrap_err(),
        "unsecured_loans: loans: null where the data API has an array"
    );
    // The docs: vehicles_detailed "might be missing".
    assert!(check(
        Scope::Vehicles,
        &json!({"vehicles": {
            "first_name": "OLA", "middle_name": null, "last_name": "NORDMANN",
            "email": null, "digital_mailbox": null, "phone_number": null,
            "birth_date": "1980-01-01", "vehicles": []
        }})
    )
    .is_ok());
}
