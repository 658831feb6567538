//! The test data means what the docs mean. Its shapes are checked against
//! the docs' examples in `tests/it/contract.rs`.

use std::collections::BTreeSet;

use base64::Engine;
use serde_json::{json, Value};

use super::*;
use crate::test_persons::{find, Behaviour, TEST_PERSONS};

/// The day the data is a snapshot of.
const AS_OF: &str = "2026-11-23";

fn person(key: &str) -> &'static TestPerson {
    find(key).unwrap()
}

fn str_at<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}"))
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key].as_array().unwrap()
}

fn everything(p: &TestPerson) -> Vec<Value> {
    let mut all = vec![
        personal(p),
        student_loan(p),
        vehicles(p),
        income(p),
        tax_documents(p, &["923609016".into()]),
    ];
    all.extend(loans(p).into_iter().chain(invoices(p)));
    all
}

/// Every string or number, at any depth in any person's output, under a
/// key that `pick` accepts, written as digits.
fn values_under(pick: fn(&str) -> bool) -> Vec<String> {
    fn walk(v: &Value, pick: fn(&str) -> bool, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => map.iter().for_each(|(k, x)| match x {
                Value::String(s) if pick(k) => out.push(s.clone()),
                Value::Number(n) if pick(k) => out.push(n.to_string()),
                _ => walk(x, pick, out),
            }),
            Value::Array(xs) => xs.iter().for_each(|x| walk(x, pick, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for p in TEST_PERSONS {
        everything(p).iter().for_each(|v| walk(v, pick, &mut out));
    }
    out
}

/// MOD11 as Norwegian organisation (9 digits) and account (11 digits)
/// numbers use: weights 5,4,3,2,7,6,5,4,3,2 aligned to the right.
fn mod11_ok(number: &str) -> bool {
    let digits: Vec<u32> = number.chars().map(|c| c.to_digit(10).unwrap()).collect();
    let (body, check) = digits.split_at(digits.len() - 1);
    let weights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let sum: u32 = body
        .iter()
        .rev()
        .zip(weights.iter().rev())
        .map(|(d, w)| d * w)
        .sum();
    match 11 - sum % 11 {
        11 => check[0] == 0,
        10 => false,
        r => check[0] == r,
    }
}

/// MOD10 (Luhn), written independently of [`kid`].
fn luhn_ok(number: &str) -> bool {
    let sum: u32 = number
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| match (i % 2, c.to_digit(10).unwrap()) {
            (0, d) => d,
            (_, d) if d > 4 => d * 2 - 9,
            (_, d) => d * 2,
        })
        .sum();
    sum.is_multiple_of(10)
}

/// All numbers under matching keys: at least `min` of them, all digits,
/// of an allowed length and with a valid check digit.
fn assert_numbers(pick: fn(&str) -> bool, min: usize, lens: &[usize], ok: fn(&str) -> bool) {
    let numbers = values_under(pick);
    assert!(numbers.len() >= min, "only {}", numbers.len());
    for n in &numbers {
        assert!(lens.contains(&n.len()), "length: {n}");
        assert!(n.bytes().all(|b| b.is_ascii_digit()), "{n}");
        assert!(ok(n), "bad check digit: {n}");
    }
}

#[test]
fn check_digit_helpers_accept_known_numbers_and_reject_wrong_digits() {
    assert!(mod11_ok("974760673")); // Brønnøysundregistrene
    assert!(mod11_ok("86011117947"));
    assert!(!mod11_ok("974760674") && !mod11_ok("86011117948"));
    assert!(luhn_ok("79927398713") && !luhn_ok("79927398710"));
    assert_eq!(kid(7992739871), "79927398713");
    for base in [1, 42, 20418233, 40177332, 6100298174] {
        assert!(luhn_ok(&kid(base)), "{base}");
    }
}

#[test]
fn every_org_number_passes_mod11() {
    let org = |k: &str| k.contains("org_num") || k == "org_number" || k == "organisasjonsnummer";
    assert_numbers(org, 40, &[9], mod11_ok);
}

#[test]
fn every_account_number_passes_mod11() {
    assert_numbers(|k| k == "account", 15, &[11], mod11_ok);
}

#[test]
fn every_kid_passes_mod10() {
    assert_numbers(|k| k == "kid", 15, &[9, 10, 11], luhn_ok);
}

#[test]
fn every_date_is_iso_and_every_period_two_dates() {
    let is_date = |d: &str| {
        let num = |s: &str, lo: u32, hi: u32| s.parse().is_ok_and(|n| (lo..=hi).contains(&n));
        d.len() == 10
            && &d[4..5] == "-"
            && &d[7..8] == "-"
            && num(&d[0..4], 1900, 2099)
            && num(&d[5..7], 1, 12)
            && num(&d[8..], 1, 31)
    };
    let dates = values_under(|k| {
        k.ends_with("date") || k.ends_with("_at") || k.contains("period_") || k.contains("eu_")
    });
    let dates: Vec<&String> = dates.iter().filter(|d| d.contains('-')).collect();
    assert!(dates.len() > 50, "only {}", dates.len());
    for d in dates {
        assert!(is_date(d), "{d}");
    }
    let periods = values_under(|k| k == "period");
    assert!(periods.len() >= 9);
    for p in &periods {
        let (a, b) = p.split_once("..").unwrap();
        assert!(is_date(a) && is_date(b) && a <= b, "{p}");
    }
}

#[test]
fn personal_is_the_test_person_as_the_register_writes_it() {
    for p in TEST_PERSONS.iter().filter(|p| p.key != "per") {
        let info = personal(p);
        assert_eq!(str_at(&info, "ssn"), p.national_id);
        let name = format!(
            "{} {}",
            str_at(&info, "first_name"),
            str_at(&info, "last_name")
        );
        assert_eq!(name, p.name.to_uppercase());
        assert_eq!(str_at(&info, "birth_date"), p.birth_date());
        assert_eq!(vehicles(p)["birth_date"], json!(p.birth_date()));
        assert_eq!(info["registered_residence"], json!(true));
        for code in arr(&info, "citizenship_country_codes") {
            assert_eq!(code.as_str().unwrap().len(), 3, "alpha-3: {code}");
        }
    }
    assert_eq!(
        str_at(&personal(person("kari")), "address"),
        "STORGATA 12B, 0184 OSLO"
    );
}

#[test]
fn kari_has_full_data_and_seven_invoices_that_page_as_3_3_1() {
    let kari = person("kari");
    let mut types: Vec<String> = loans(kari)
        .iter()
        .map(|l| str_at(l, "type").into())
        .collect();
    types.sort_unstable();
    assert_eq!(types, ["charge_card", "consumner_loan", "credit_card"]);
    assert_eq!(str_at(&student_loan(kari), "status"), "ok");
    let v = vehicles(kari);
    assert_eq!(
        arr(&v, "vehicles")[0],
        json!(["Tesla Model Y Long Range (2021)", "EL 12345"])
    );
    assert!(arr(&v, "vehicles_detailed")
        .iter()
        .any(|x| x["co_owned"] == json!(true)));
    assert_eq!(arr(&income(kari), "payslips").len(), 3);
    assert_eq!(employment(kari), json!("fixed_private"));
    let tax = tax_documents(kari, &[]);
    for list in ["tax_reports", "detailed_shares_data", "business_assignment"] {
        assert_eq!(tax["personal"][list].as_array().unwrap().len(), 1, "{list}");
    }

    let list = invoices(kari);
    let pages: Vec<usize> = list.chunks(3).map(<[Value]>::len).collect();
    assert_eq!(pages, [3, 3, 1]);
    let count = |k: &str| list.iter().filter(|i| i[k] == json!(true)).count();
    let (paid, overdue) = (count("paid"), count("overdue"));
    assert!(
        paid > 0 && overdue > 0 && paid + overdue < 7,
        "{paid} {overdue}"
    );
}

#[test]
fn ola_is_a_co_borrower_and_his_student_loan_moved_to_debt_collection() {
    let ola = person("ola");
    assert_ne!(loans(ola), loans(person("kari")));
    assert!(loans(ola).iter().any(|l| l["co_borrower"] == json!(true)));
    let s = student_loan(ola);
    assert_eq!(str_at(&s, "status"), "unavailable");
    assert_eq!(str_at(&s, "status_reason"), "moved_to_debt_collection");
    assert!(s["balance"].is_null() && s["interest"].is_null());
    let v = vehicles(ola);
    assert_eq!(str_at(&v, "middle_name"), "JOHAN");
    let leased = &arr(&v, "vehicles_detailed")[1];
    assert_eq!(
        (&leased["leased"], &leased["owned"]),
        (&json!(true), &json!(false))
    );
    assert_eq!(
        str_at(&leased["leasing"], "name"),
        "SANTANDER CONSUMER BANK AS"
    );
    assert_eq!(employment(ola), json!("fixed_public"));
}

#[test]
fn ingrid_is_paid_by_the_hour_and_has_no_loans_or_vehicles() {
    let ingrid = person("ingrid");
    assert_eq!(ingrid.behaviour, Behaviour::NoLoansNoVehicles);
    assert!(loans(ingrid).is_empty());
    assert_eq!(student_loan(ingrid), json!({}));
    let v = vehicles(ingrid);
    assert_eq!(
        (&v["vehicles"], &v["vehicles_detailed"]),
        (&json!([]), &json!([]))
    );
    for slip in arr(&income(ingrid), "payslips") {
        assert_eq!(str_at(slip, "payslip_type"), "hourly");
        assert!(arr(slip, "income_rows")[0]["hours"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(employment(ingrid), json!("substitute"));
    assert_eq!(invoices(ingrid).len(), 3);
}

/// Per and Sigrid (and an unknown person) get nothing but empty values,
/// except for Sigrid's personal data.
#[test]
fn per_sigrid_and_strangers_get_empty_data() {
    let nobody = TestPerson {
        key: "nobody",
        name: "No Body",
        national_id: "01010100000",
        behaviour: Behaviour::Full,
    };
    let sigrid = person("sigrid");
    assert_eq!(sigrid.behaviour, Behaviour::DataCollectionFails);
    assert_eq!(str_at(&personal(sigrid), "first_name"), "SIGRID");
    assert_eq!(personal(person("per")), json!({}));
    assert_eq!(personal(&nobody), json!({}));
    for p in [sigrid, person("per"), &nobody] {
        assert!(loans(p).is_empty() && invoices(p).is_empty(), "{}", p.key);
        assert_eq!(student_loan(p), json!({}));
        let v = vehicles(p);
        assert_eq!(
            (&v["vehicles"], &v["vehicles_detailed"]),
            (&json!([]), &json!([]))
        );
        assert_eq!(income(p), json!({ "payslips": [], "employers": [] }));
        assert_eq!(employment(p), Value::Null);
        assert_eq!(
            tax_documents(p, &["923609016".into()])["corporate"],
            json!({})
        );
    }
}

#[test]
fn loan_balances_add_up_and_fields_fit_the_loan_type() {
    let all: Vec<Value> = TEST_PERSONS.iter().flat_map(loans).collect();
    assert!(all.len() >= 5);
    for l in all {
        let t = str_at(&l, "type");
        let f = |k: &str| l[k].as_f64().unwrap();
        let sum = f("balance_with_interest") + f("balance_without_interest");
        assert!((sum - f("current_balance")).abs() < 0.005, "{l}");
        assert!(l["creditor_org_number"].is_u64() && l["co_borrower"].is_boolean());
        assert_eq!(l["credit_limit"].is_null(), t != "credit_card", "{l}");
        assert_eq!(l["loan_amount"].is_null(), t != "consumner_loan", "{l}");
        assert_eq!(l["kid"].is_null(), t == "charge_card", "{l}");
        if t == "consumner_loan" {
            assert!(f("balance") <= f("loan_amount"));
            assert_eq!(f("balance"), f("current_balance"));
        }
        if t == "credit_card" {
            assert!(f("current_balance") <= f("credit_limit"));
        }
    }
}

#[test]
fn invoices_are_consistent_and_ids_unique() {
    let all: Vec<Value> = TEST_PERSONS.iter().flat_map(invoices).collect();
    for i in &all {
        let (paid, overdue) = (i["paid"] == json!(true), i["overdue"] == json!(true));
        assert_eq!(overdue, !paid && str_at(i, "due_date") < AS_OF, "{i}");
        assert!(i["amount"].as_f64().unwrap() > 0.0);
        assert!(i["org_number"].is_u64() && i["creditor_org_number"].is_u64());
    }
    for key in ["id", "efaktura_ref"] {
        let ids: BTreeSet<&str> = all.iter().map(|i| str_at(i, key)).collect();
        assert_eq!(ids.len(), all.len(), "{key}");
    }
}

#[test]
fn payslips_add_up_and_withholding_is_negative() {
    for p in TEST_PERSONS {
        let inc = income(p);
        for slip in arr(&inc, "payslips") {
            let f = |k: &str| slip[k].as_f64().unwrap();
            assert!(f("total_withholding_tax") < 0.0);
            assert_eq!(f("netto"), f("total_payment") + f("total_withholding_tax"));
            let rows = arr(slip, "income_rows")
                .iter()
                .map(|r| r["amount"].as_f64().unwrap());
            assert!((rows.sum::<f64>() - f("total_payment")).abs() < 0.005);
            let period = format!(
                "{}..{}",
                str_at(slip, "period_start"),
                str_at(slip, "period_end")
            );
            assert_eq!(arr(slip, "income_rows")[0]["period"], json!(period));
            assert!(slip["laid_off"].is_array());
        }
        if let Some(current) = arr(&inc, "employers").first() {
            assert_eq!(current["payslips"], inc["payslips"]);
            assert_eq!(current["company_profile"]["id"], current["org_num"]);
        }
    }
}

#[test]
fn tax_documents_are_pdf_data_urls_for_each_entity() {
    let docs = tax_documents(person("kari"), &["923609016".into(), "974760673".into()]);
    let corporate = docs["corporate"].as_object().unwrap();
    assert_eq!(
        corporate.keys().collect::<Vec<_>>(),
        ["923609016", "974760673"]
    );
    let content = str_at(
        &docs["corporate"]["974760673"]["latest_annual_report"][0],
        "content",
    );
    let b64 = content
        .strip_prefix("data:application/pdf;base64,")
        .unwrap();
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-1.4\n") && pdf.ends_with(b"%%EOF\n"));
}

/// Every offset in the cross-reference table points at its object, and
/// `startxref` at the table: what a reader needs to open the file.
#[test]
fn the_pdfs_cross_reference_table_is_exact() {
    let pdf = tax::pdf(&["Skattemeldingen 2025", "Kari Nordmann (test) \\ æøå"]);
    let at = pdf.windows(10).rposition(|w| w == b"startxref\n").unwrap();
    let tail = std::str::from_utf8(&pdf[at + 10..]).unwrap();
    let startxref: usize = tail.lines().next().unwrap().parse().unwrap();
    assert!(pdf[startxref..].starts_with(b"xref\n0 6\n"));
    let table = std::str::from_utf8(&pdf[startxref..]).unwrap();
    for (n, line) in table.lines().skip(3).take(5).enumerate() {
        let offset: usize = line[..10].parse().unwrap();
        let want = format!("{} 0 obj\n", n + 1);
        assert!(
            pdf[offset..].starts_with(want.as_bytes()),
            "object {}",
            n + 1
        );
        assert_eq!(line.len() + 1, 20, "xref entries are 20 bytes");
    }
}
