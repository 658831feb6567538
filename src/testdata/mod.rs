//! Static, realistic test data that the data API returns in test mode for
//! each test person, in the shapes, types and enumerations of the original
//! product's docs (`goscore-docs/`; `tests/fixtures/goscore/` holds their
//! examples, and `tests/it/contract.rs` checks every body against them).
//!
//! Every person is one [`Profile`]; the public functions only turn it into
//! JSON. The data is a snapshot as of 2026-11-23: payslips for August to
//! October 2026, and invoices that are overdue exactly when they are unpaid
//! and due before that day.
//!
//! Organisation and account numbers carry valid MOD11 check digits and KIDs
//! a valid MOD10 (Luhn) one, as real Norwegian ones do, but they are made up:
//! they are not the named companies' real numbers.
//!
//! - **kari**: full data; three unsecured loans (one of each type, one with
//!   a co-borrower), a student loan, two vehicles, a fixed salary, seven
//!   invoices (for paging by three) and every kind of tax document.
//! - **ola**: full data with other meanings: he is co-borrower on someone
//!   else's loan, his student loan moved to debt collection (`unavailable`),
//!   one vehicle co-owned and one leased, a public employer.
//! - **ingrid**: personal data, hourly pay as a substitute, invoices and her
//!   tax return; no unsecured loans, no student loan (`{}`), no vehicles.
//! - **per**: cancels at BankID, so the data API never serves him and he has
//!   no profile: like an unknown person, `personal` and `student_loan` are
//!   `{}`, and the lists empty.
//! - **sigrid**: data collection fails; personal data only.

mod income;
mod invoices;
mod loans;
mod persons;
mod tax;
mod vehicles;

#[cfg(test)]
mod tests;

use serde_json::{json, Map, Value};

use crate::oauth2::scope::Scope;
use crate::test_persons::TestPerson;
pub use tax::tax_documents;

/// One scope's body (its data API keys) for a test person: what the
/// built-in test source answers for that scope. The three loan scopes
/// share `loans`: the purpose is the consent's, the data the same.
pub fn scope_body(p: &TestPerson, scope: Scope, tax_entities: &[String]) -> Map<String, Value> {
    let parts: Vec<(&str, Value)> = match scope {
        Scope::Info => vec![("personal", personal(p))],
        Scope::UnsecuredLoans
        | Scope::UnsecuredLoansPresentation
        | Scope::UnsecuredLoansProcessing => vec![("loans", Value::Array(loans(p)))],
        Scope::StudentLoan => vec![("student_loan", student_loan(p))],
        Scope::Vehicles => vec![("vehicles", vehicles(p))],
        Scope::Income => vec![("income", income(p)), ("employment", employment(p))],
        Scope::EInvoices => vec![("invoices", Value::Array(invoices(p)))],
        Scope::TaxDataPdf => vec![("tax_documents", tax_documents(p, tax_entities))],
    };
    parts.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The `personal` object, or `{}` for a person without a profile. Names and
/// the address are upper case, as the population register writes them.
pub fn personal(p: &TestPerson) -> Value {
    let Some(pr) = profile(p) else {
        return json!({});
    };
    let (first_name, last_name) = register_names(p);
    json!({
        "first_name": first_name,
        "middle_name": pr.middle_name.map(str::to_uppercase),
        "last_name": last_name,
        "ssn": p.national_id,
        "status": "bosatt",
        "birth_date": p.birth_date(),
        "address": pr.address.register_line(),
        "moving_date": pr.moving_date,
        "citizenships": pr.citizenships.iter().map(|c| c.0).collect::<Vec<_>>(),
        "citizenship_country_codes": pr.citizenships.iter().map(|c| c.1).collect::<Vec<_>>(),
        "norwegian_citizen": pr.citizenships.iter().any(|c| c.1 == "NOR"),
        "norwegian_resident": true,
        "moved_to_norway_at": pr.moved_to_norway_at,
        "registered_residence": true,
        "sex": pr.sex,
        "kids": pr.kids,
        "marital_status": pr.marital_status,
        "living_conditions": pr.living_conditions,
        "cohabitant": pr.cohabitant,
    })
}

/// The `loans` array: unsecured loans (credit cards, consumer loans and
/// charge cards). Empty when the person has none.
pub fn loans(p: &TestPerson) -> Vec<Value> {
    profile(p)
        .map_or(&[][..], |pr| pr.loans)
        .iter()
        .map(loans::Loan::to_json)
        .collect()
}

/// The `student_loan` object, or `{}` when the person is not a customer of
/// Lånekassen.
pub fn student_loan(p: &TestPerson) -> Value {
    profile(p)
        .and_then(|pr| pr.student_loan.as_ref())
        .map_or_else(|| json!({}), loans::StudentLoan::to_json)
}

/// The `vehicles` object: the owner's names, contact details and birth
/// date, and their vehicles (both lists empty when the person has none).
pub fn vehicles(p: &TestPerson) -> Value {
    vehicles::to_json(p, profile(p))
}

/// The `income` object: three monthly payslips and the employers, both
/// empty when the person has no job.
pub fn income(p: &TestPerson) -> Value {
    income::to_json(profile(p).and_then(|pr| pr.job.as_ref()))
}

/// The top-level `employment`: the current job's kind, `null` without one.
pub fn employment(p: &TestPerson) -> Value {
    json!(profile(p)
        .and_then(|pr| pr.job.as_ref())
        .map(|j| j.employment))
}

/// The `invoices` array, oldest due date first. Ids are unique across
/// persons.
pub fn invoices(p: &TestPerson) -> Vec<Value> {
    let list = profile(p).map_or(&[][..], |pr| pr.invoices);
    let person_no = crate::test_persons::TEST_PERSONS
        .iter()
        .position(|t| t.key == p.key)
        .unwrap_or(9) as u64;
    list.iter()
        .enumerate()
        .map(|(i, inv)| inv.to_json(person_no * 1000 + i as u64 + 1))
        .collect()
}

/// First and last name, from the test person's display name.
fn names(p: &TestPerson) -> (&'static str, &'static str) {
    p.name.split_once(' ').unwrap_or((p.name, ""))
}

/// First and last name as the registers write them: upper case.
fn register_names(p: &TestPerson) -> (String, String) {
    let (first, last) = names(p);
    (first.to_uppercase(), last.to_uppercase())
}

/// A Norwegian KID: the base digits and a MOD10 (Luhn) check digit.
fn kid(base: u64) -> String {
    let digits = base.to_string();
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                (d * 2) / 10 + (d * 2) % 10
            } else {
                d
            }
        })
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}

/// Rounds to øre.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A postal address in Norway.
#[derive(Clone, Copy)]
struct Address {
    street: &'static str,
    postal_code: &'static str,
    city: &'static str,
}

impl Address {
    /// `STORGATA 12B, 0184 OSLO`, as `personal.address` is written.
    fn register_line(&self) -> String {
        format!("{}, {} {}", self.street, self.postal_code, self.city).to_uppercase()
    }

    /// The vehicle register's address object.
    fn vehicle_register(&self) -> Value {
        json!({
            "land": "Norge",
            "poststed": self.city,
            "postnummer": self.postal_code,
            "adresselinje1": self.street,
            "adresselinje2": null,
            "adresselinje3": null,
        })
    }
}

/// How the person can be reached, as the contact register has it.
struct Contact {
    email: &'static str,
    phone_number: &'static str,
    /// `DIGIPOST` or `EBOKS`.
    digital_mailbox: &'static str,
}

/// Everything known about one test person besides the name and national id.
struct Profile {
    middle_name: Option<&'static str>,
    sex: &'static str,
    address: Address,
    moving_date: &'static str,
    /// Citizenship as the register names it, and its ISO 3166 alpha-3 code.
    citizenships: &'static [(&'static str, &'static str)],
    moved_to_norway_at: Option<&'static str>,
    kids: u32,
    /// One of the docs' list: married, registered_partner, divorced,
    /// separated, widow, single.
    marital_status: &'static str,
    /// One of the docs' list: rental, parents, own, housing_association.
    living_conditions: &'static str,
    cohabitant: bool,
    contact: Contact,
    loans: &'static [loans::Loan],
    student_loan: Option<loans::StudentLoan>,
    vehicles: &'static [vehicles::Vehicle],
    job: Option<income::Job>,
    invoices: &'static [invoices::Invoice],
    tax: Option<tax::TaxProfile>,
}

/// The person's profile: `None` for per, who never gets past BankID, and for
/// an unknown person.
fn profile(p: &TestPerson) -> Option<&'static Profile> {
    match p.key {
        // Tone (slow) and Hans (income fails) have Kari's and Ola's data
        // under their own names and national IDs.
        "kari" | "tone" => Some(&persons::KARI),
        "ola" | "hans" => Some(&persons::OLA),
        "ingrid" => Some(&persons::INGRID),
        "sigrid" => Some(&persons::SIGRID),
        _ => None,
    }
}

/// A creditor (lender or invoice issuer): name, organisation number and the
/// account that payments go to.
#[derive(Clone, Copy)]
struct Creditor(&'static str, u32, &'static str);
