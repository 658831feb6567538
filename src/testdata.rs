//! Static, realistic test data that the data API returns in test mode for
//! each test person. The field names are the product's public API.
//!
//! Every person is one `Profile`; the public functions only turn it into
//! JSON. The data is a snapshot as of 2026-11-23: payslips for August to
//! October 2026, and invoices that are overdue exactly when they are unpaid
//! and due before that day.
//!
//! Organisation and account numbers carry valid MOD11 check digits and KIDs
//! a valid MOD10 (Luhn) one, as real Norwegian ones do, but they are made up:
//! they are not the named companies' real numbers.
//!
//! - **kari**: full data; three unsecured loans (one of each type), a student
//!   loan, two vehicles, income and seven invoices (for paging by three).
//! - **ola**: full data, with other values: two loans, a student loan, two
//!   vehicles (one co-owned, one leased), income and four invoices.
//! - **ingrid**: personal data, income and invoices; no unsecured loans, no
//!   student loan (`{}`) and no vehicles (empty lists).
//! - **per**: cancels at BankID, so the data API never serves him and he has
//!   no profile: like an unknown person, `personal` and `student_loan` are
//!   `{}`, and the lists empty (`vehicles` has only his name).
//! - **sigrid**: data collection fails; personal data only, everything else
//!   empty (`{}`, empty lists, empty vehicle lists, no payslips or employers).

use serde_json::{json, Value};

use crate::test_persons::TestPerson;
use InvoiceStatus::{Overdue, Paid, Unpaid};
use LoanType::{ChargeCard, CreditCard};

/// The `personal` object, or `{}` for a person without a profile.
pub fn personal(p: &TestPerson) -> Value {
    let Some(pr) = profile(p) else {
        return json!({});
    };
    let (first_name, last_name) = names(p);
    json!({
        "first_name": first_name,
        "middle_name": pr.middle_name,
        "last_name": last_name,
        "ssn": p.national_id,
        "status": "bosatt",
        "birth_date": pr.birth_date,
        "address": {
            "street": pr.address.0,
            "postal_code": pr.address.1,
            "city": pr.address.2,
            "country_code": "NO",
        },
        "moving_date": pr.moving_date,
        "citizenships": pr.citizenships.iter().map(|c| c.0).collect::<Vec<_>>(),
        "citizenship_country_codes": pr.citizenships.iter().map(|c| c.1).collect::<Vec<_>>(),
        "norwegian_citizen": pr.citizenships.iter().any(|c| c.1 == "NO"),
        "norwegian_resident": true,
        "moved_to_norway_at": pr.moved_to_norway_at,
        "registered_residence": pr.address.2,
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
        .map(Loan::to_json)
        .collect()
}

/// The `student_loan` object, or `{}` when the person has none.
pub fn student_loan(p: &TestPerson) -> Value {
    match profile(p).and_then(|pr| pr.student_loan.as_ref()) {
        Some(s) => json!({
            "balance": s.balance,
            "fees": s.fees,
            "charges": s.charges,
            "interest": s.interest,
            "status": "ok",
            "status_reason": null,
        }),
        None => json!({}),
    }
}

/// The `vehicles` object: the owner's names and birth date, and their
/// vehicles (both lists empty when the person has none).
pub fn vehicles(p: &TestPerson) -> Value {
    let pr = profile(p);
    let (first_name, last_name) = names(p);
    let birth_date = pr.map(|pr| pr.birth_date);
    let owner =
        json!({ "first_name": first_name, "last_name": last_name, "birth_date": birth_date });
    let list = pr.map_or(&[][..], |pr| pr.vehicles);
    json!({
        "first_name": first_name,
        "middle_name": pr.and_then(|pr| pr.middle_name),
        "last_name": last_name,
        "birth_date": birth_date,
        "vehicles": list
            .iter()
            .map(|v| json!({ "name": v.model_name, "plate_number": v.plate_number }))
            .collect::<Vec<_>>(),
        "vehicles_detailed": list.iter().map(|v| v.to_json(&owner)).collect::<Vec<_>>(),
    })
}

/// The `income` object: three monthly payslips and the employers, both
/// empty when the person has no job.
pub fn income(p: &TestPerson) -> Value {
    let Some(job) = profile(p).and_then(|pr| pr.job.as_ref()) else {
        return json!({ "payslips": [], "employers": [] });
    };
    let payslips: Vec<Value> = PAY_PERIODS
        .iter()
        .zip(job.extras)
        .map(|(&(start, end), extra)| payslip(job, start, end, extra))
        .collect();
    let employers: Vec<Value> = std::iter::once(&job.employer)
        .chain(job.former_employers)
        .map(Employer::to_json)
        .collect();
    json!({ "payslips": payslips, "employers": employers })
}

/// The `invoices` array, oldest due date first. Ids (`EF-KARI-0001`, ...)
/// are unique across persons.
pub fn invoices(p: &TestPerson) -> Vec<Value> {
    let list = profile(p).map_or(&[][..], |pr| pr.invoices);
    list.iter()
        .enumerate()
        .map(|(i, inv)| inv.to_json(&format!("EF-{}-{:04}", p.key.to_uppercase(), i + 1)))
        .collect()
}

/// First and last name, from the test person's display name.
fn names(p: &TestPerson) -> (&'static str, &'static str) {
    p.name.split_once(' ').unwrap_or((p.name, ""))
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

/// Everything known about one test person besides the name and national id.
struct Profile {
    middle_name: Option<&'static str>,
    birth_date: &'static str,
    sex: &'static str,
    /// Street, postal code, city (also the municipality of residence).
    address: (&'static str, &'static str, &'static str),
    moving_date: &'static str,
    /// Country name and code.
    citizenships: &'static [(&'static str, &'static str)],
    moved_to_norway_at: Option<&'static str>,
    kids: u32,
    marital_status: &'static str,
    living_conditions: &'static str,
    cohabitant: bool,
    loans: &'static [Loan],
    student_loan: Option<StudentLoan>,
    vehicles: &'static [Vehicle],
    job: Option<Job>,
    invoices: &'static [Invoice],
}

/// The person's profile: `None` for per, who never gets past BankID, and for
/// an unknown person.
fn profile(p: &TestPerson) -> Option<&'static Profile> {
    match p.key {
        "kari" => Some(&KARI),
        "ola" => Some(&OLA),
        "ingrid" => Some(&INGRID),
        "sigrid" => Some(&SIGRID),
        _ => None,
    }
}

/// A creditor (lender or invoice issuer): name, organisation number and the
/// account that payments go to.
struct Creditor(&'static str, &'static str, &'static str);

const BANK_NORWEGIAN: Creditor = Creditor("Bank Norwegian", "926018159", "78740830162");
const KOMPLETT_BANK: Creditor = Creditor("Komplett Bank", "913186095", "15063909960");
const SANTANDER: Creditor = Creditor("Santander Consumer Bank", "830824626", "86011948210");
const EUROCARD: Creditor = Creditor("Eurocard", "851819096", "97107865792");
const INSTABANK: Creditor = Creditor("Instabank", "954323196", "12548757493");
const HAFSLUND: Creditor = Creditor("Hafslund Strøm", "818625278", "18220189550");
const TELENOR: Creditor = Creditor("Telenor Norge", "997971140", "12071049742");
const FJORDKRAFT: Creditor = Creditor("Fjordkraft", "950752912", "12070342365");
const GJENSIDIGE: Creditor = Creditor("Gjensidige Forsikring", "971276843", "30006846560");
const OSLO_KOMMUNE: Creditor = Creditor("Oslo kommune", "992440260", "86015995280");
const GET: Creditor = Creditor("Get AS", "878666615", "15063962454");
const BERGEN_KOMMUNE: Creditor = Creditor("Bergen kommune", "971177772", "12541215474");
const TELIA: Creditor = Creditor("Telia Norge", "893363386", "12075004743");

#[derive(Clone, Copy)]
enum LoanType {
    CreditCard,
    ConsumerLoan,
    ChargeCard,
}

impl LoanType {
    fn as_str(self) -> &'static str {
        match self {
            Self::CreditCard => "credit_card",
            Self::ConsumerLoan => "consumer_loan",
            Self::ChargeCard => "charge_card",
        }
    }
}

struct Loan {
    lender: Creditor,
    kind: LoanType,
    /// Cards only.
    credit_limit: Option<f64>,
    loan_amount: f64,
    balance: f64,
    /// Monthly fee.
    charges: f64,
    /// Percent a year.
    nominal_rate: f64,
    /// Consumer loans only: the number of monthly instalments.
    terms: Option<u32>,
    co_borrower: Option<&'static str>,
    kid_base: u64,
}

/// A card: what is drawn on it is the balance, paid with no fixed number
/// of payments and no monthly fee.
const fn card(
    kind: LoanType,
    lender: Creditor,
    credit_limit: f64,
    balance: f64,
    nominal_rate: f64,
    kid_base: u64,
) -> Loan {
    Loan {
        lender,
        kind,
        credit_limit: Some(credit_limit),
        loan_amount: balance,
        balance,
        charges: 0.0,
        nominal_rate,
        terms: None,
        co_borrower: None,
        kid_base,
    }
}

/// A consumer loan, paid down in `terms` monthly instalments.
const fn consumer_loan(
    lender: Creditor,
    loan_amount: f64,
    balance: f64,
    charges: f64,
    nominal_rate: f64,
    terms: u32,
    kid_base: u64,
) -> Loan {
    Loan {
        lender,
        kind: LoanType::ConsumerLoan,
        credit_limit: None,
        loan_amount,
        balance,
        charges,
        nominal_rate,
        terms: Some(terms),
        co_borrower: None,
        kid_base,
    }
}

impl Loan {
    const fn with_co_borrower(mut self, name: &'static str) -> Self {
        self.co_borrower = Some(name);
        self
    }

    fn to_json(&self) -> Value {
        let interest = round2(self.balance * self.nominal_rate / 100.0 / 12.0);
        json!({
            "creditor_name": self.lender.0,
            "creditor_org_number": self.lender.1,
            "has_co_borrower": self.co_borrower.is_some(),
            "co_borrower": self.co_borrower,
            "credit_limit": self.credit_limit,
            "loan_amount": self.loan_amount,
            "balance": self.balance,
            "charges": self.charges,
            "charge_period": "monthly",
            "type": self.kind.as_str(),
            "nominal_rate": self.nominal_rate,
            "current_balance": round2(self.balance + self.charges),
            "balance_with_interest": round2(self.balance + interest),
            "balance_without_interest": self.balance,
            "terms": self.terms,
            "kid": kid(self.kid_base),
            "account": self.lender.2,
        })
    }
}

struct StudentLoan {
    balance: f64,
    fees: f64,
    /// Interest accrued and not yet paid.
    charges: f64,
    /// Percent a year.
    interest: f64,
}

#[derive(Clone, Copy)]
enum Fuel {
    Electric,
    Hybrid,
    Petrol,
    Diesel,
}

enum Ownership {
    Owned,
    CoOwned,
    Leased,
}

struct Vehicle {
    model_name: &'static str,
    /// Type and EU type code.
    class: (&'static str, &'static str),
    year: u32,
    plate_number: &'static str,
    fuel: Fuel,
    /// Last and next periodic roadworthiness test (EU-kontroll).
    eu_control: (&'static str, &'static str),
    ownership: Ownership,
    /// Weight in kg, seats, power in kW, colour.
    details: (u32, u32, u32, &'static str),
}

const PASSENGER_CAR: (&str, &str) = ("personbil", "M1");
const VAN: (&str, &str) = ("varebil", "N1");

impl Vehicle {
    fn to_json(&self, owner: &Value) -> Value {
        let fuel = match self.fuel {
            Fuel::Electric => "elektrisitet",
            Fuel::Hybrid => "bensin/elektrisitet",
            Fuel::Petrol => "bensin",
            Fuel::Diesel => "diesel",
        };
        json!({
            "model_name": self.model_name,
            "type": self.class.0,
            "type_code": self.class.1,
            "year": self.year,
            "plate_number": self.plate_number,
            "electric": matches!(self.fuel, Fuel::Electric),
            "hybrid": matches!(self.fuel, Fuel::Hybrid),
            "last_eu_control": self.eu_control.0,
            "next_eu_control": self.eu_control.1,
            "owned": !matches!(self.ownership, Ownership::Leased),
            "co_owned": matches!(self.ownership, Ownership::CoOwned),
            "leased": matches!(self.ownership, Ownership::Leased),
            "owner": owner,
            "technical_details": {
                "weight_kg": self.details.0,
                "seats": self.details.1,
                "fuel": fuel,
                "power_kw": self.details.2,
                "color": self.details.3,
            },
        })
    }
}

struct Employer {
    name: &'static str,
    org_num: &'static str,
    public: bool,
    start_date: &'static str,
    /// `None` while the employment lasts.
    end_date: Option<&'static str>,
}

/// An employment that still lasts.
const fn employer(
    name: &'static str,
    org_num: &'static str,
    public: bool,
    start_date: &'static str,
) -> Employer {
    Employer {
        name,
        org_num,
        public,
        start_date,
        end_date: None,
    }
}

impl Employer {
    const fn ended(mut self, end_date: &'static str) -> Self {
        self.end_date = Some(end_date);
        self
    }

    fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "org_num": self.org_num,
            "public": self.public,
            "current": self.end_date.is_none(),
            "employment": "ordinary",
            "start_date": self.start_date,
            "end_date": self.end_date,
        })
    }
}

/// The current employment, and what each payslip pays.
struct Job {
    employer: Employer,
    former_employers: &'static [Employer],
    /// Monthly.
    fixed_wage: f64,
    hourly_wage: Option<f64>,
    /// What the month's extra pay (the second income row) is called.
    extra_label: &'static str,
    /// Extra pay in August, September and October.
    extras: [f64; 3],
    /// Withholding as a fraction of the total payment.
    tax_rate: f64,
    /// STYRK-08 occupation code, as reported in the a-melding.
    profession_code: &'static str,
    /// Percent of a full-time position.
    position_amount: f64,
}

const PAY_PERIODS: [(&str, &str); 3] = [
    ("2026-08-01", "2026-08-31"),
    ("2026-09-01", "2026-09-30"),
    ("2026-10-01", "2026-10-31"),
];

fn payslip(job: &Job, period_start: &str, period_end: &str, extra: f64) -> Value {
    let mut rows =
        vec![json!({ "description": "Fastlønn", "amount": job.fixed_wage, "type": "fixed" })];
    if extra > 0.0 {
        rows.push(json!({ "description": job.extra_label, "amount": extra, "type": "variable" }));
    }
    let total = job.fixed_wage + extra;
    let tax = (total * job.tax_rate).round();
    json!({
        "employer_org_num": job.employer.org_num,
        "fixed_wage": job.fixed_wage,
        "hourly_wage": job.hourly_wage,
        "total_withholding_tax": tax,
        "total_payment": total,
        "netto": total - tax,
        "payslip_type": "ordinary",
        "period_start": period_start,
        "period_end": period_end,
        "income_rows": rows,
        "profession_code": job.profession_code,
        "position_amount": job.position_amount,
        "start_date": job.employer.start_date,
        "end_date": job.employer.end_date,
        "laid_off": false,
    })
}

/// `Overdue` is unpaid and past its due date (as of 2026-11-23).
enum InvoiceStatus {
    Paid,
    Unpaid,
    Overdue,
}

struct Invoice {
    creditor: Creditor,
    amount: f64,
    min_amount: Option<f64>,
    credit_note_amount: f64,
    due_date: &'static str,
    status: InvoiceStatus,
    kid_base: u64,
}

/// An e-invoice with no minimum amount and no credit note.
const fn inv(
    creditor: Creditor,
    amount: f64,
    due_date: &'static str,
    status: InvoiceStatus,
    kid_base: u64,
) -> Invoice {
    Invoice {
        creditor,
        amount,
        min_amount: None,
        credit_note_amount: 0.0,
        due_date,
        status,
        kid_base,
    }
}

impl Invoice {
    /// A card invoice: the least that may be paid this month.
    const fn min(mut self, min_amount: f64) -> Self {
        self.min_amount = Some(min_amount);
        self
    }

    /// A credit note was issued against this invoice.
    const fn credit(mut self, credit_note_amount: f64) -> Self {
        self.credit_note_amount = credit_note_amount;
        self
    }

    fn to_json(&self, id: &str) -> Value {
        let paid = matches!(self.status, Paid);
        json!({
            "id": id,
            "creditor_name": self.creditor.0,
            "creditor_org_number": self.creditor.1,
            "type": "efaktura",
            "status": if paid { "paid" } else { "unpaid" },
            "account": self.creditor.2,
            "kid": kid(self.kid_base),
            "amount": self.amount,
            "min_amount": self.min_amount,
            "credit_note_amount": self.credit_note_amount,
            "due_date": self.due_date,
            "overdue": matches!(self.status, Overdue),
            "paid": paid,
        })
    }
}

const NORWAY: &[(&str, &str)] = &[("Norge", "NO")];

static KARI: Profile = Profile {
    middle_name: None,
    birth_date: "1985-07-15",
    sex: "female",
    address: ("Storgata 12B", "0184", "Oslo"),
    moving_date: "2019-06-01",
    citizenships: NORWAY,
    moved_to_norway_at: None,
    kids: 2,
    marital_status: "gift",
    living_conditions: "selveier",
    cohabitant: false,
    loans: &[
        card(CreditCard, BANK_NORWEGIAN, 50000.0, 18420.5, 22.9, 40177332),
        consumer_loan(SANTANDER, 150000.0, 112384.0, 45.0, 11.9, 60, 8820145532)
            .with_co_borrower("Lars Nordmann"),
        card(ChargeCard, EUROCARD, 25000.0, 3980.0, 20.35, 6100298174),
    ],
    student_loan: Some(StudentLoan {
        balance: 287450.0,
        fees: 0.0,
        charges: 1187.3,
        interest: 4.947,
    }),
    vehicles: &[
        Vehicle {
            model_name: "Tesla Model Y Long Range",
            class: PASSENGER_CAR,
            year: 2021,
            plate_number: "EL 12345",
            fuel: Fuel::Electric,
            eu_control: ("2025-03-14", "2027-03-14"),
            ownership: Ownership::Owned,
            details: (1979, 5, 378, "hvit"),
        },
        Vehicle {
            model_name: "Toyota RAV4 Hybrid",
            class: PASSENGER_CAR,
            year: 2019,
            plate_number: "DR 48213",
            fuel: Fuel::Hybrid,
            eu_control: ("2025-09-02", "2027-09-02"),
            ownership: Ownership::Owned,
            details: (1650, 5, 160, "grå"),
        },
    ],
    job: Some(Job {
        employer: employer("Fjordkode AS", "875116371", false, "2020-01-06"),
        former_employers: &[
            employer("Nordlys Konsulent AS", "822202977", false, "2011-08-15").ended("2019-12-31"),
        ],
        fixed_wage: 62500.0,
        hourly_wage: None,
        extra_label: "Overtidsgodtgjørelse",
        extras: [0.0, 3120.0, 0.0],
        tax_rate: 0.32,
        profession_code: "2512105",
        position_amount: 100.0,
    }),
    invoices: &[
        inv(HAFSLUND, 1245.6, "2026-09-20", Paid, 20418233),
        inv(TELENOR, 649.0, "2026-10-15", Paid, 55120904).credit(100.0),
        inv(GJENSIDIGE, 2310.0, "2026-10-20", Overdue, 73009215),
        inv(OSLO_KOMMUNE, 3572.0, "2026-11-15", Overdue, 30112784),
        inv(BANK_NORWEGIAN, 18420.5, "2026-11-25", Unpaid, 40177332).min(552.0),
        inv(GET, 899.0, "2026-11-30", Unpaid, 41908337),
        inv(HAFSLUND, 1689.25, "2026-12-20", Unpaid, 20418234),
    ],
};

static OLA: Profile = Profile {
    middle_name: Some("Johan"),
    birth_date: "1978-11-03",
    sex: "male",
    address: ("Bryggen 7", "5003", "Bergen"),
    moving_date: "2012-08-15",
    citizenships: NORWAY,
    moved_to_norway_at: None,
    kids: 1,
    marital_status: "ugift",
    living_conditions: "andelseier",
    cohabitant: true,
    loans: &[
        card(CreditCard, KOMPLETT_BANK, 40000.0, 9870.25, 23.4, 150038722),
        consumer_loan(INSTABANK, 250000.0, 198540.0, 50.0, 13.9, 84, 9207441058),
    ],
    student_loan: Some(StudentLoan {
        balance: 112300.0,
        fees: 150.0,
        charges: 478.9,
        interest: 5.114,
    }),
    vehicles: &[
        Vehicle {
            model_name: "Volvo V70 D4",
            class: PASSENGER_CAR,
            year: 2014,
            plate_number: "BS 73912",
            fuel: Fuel::Diesel,
            eu_control: ("2026-05-20", "2028-05-20"),
            ownership: Ownership::CoOwned,
            details: (1705, 5, 133, "svart"),
        },
        Vehicle {
            model_name: "Volkswagen Transporter",
            class: VAN,
            year: 2020,
            plate_number: "SV 20458",
            fuel: Fuel::Petrol,
            eu_control: ("2026-11-04", "2028-11-11"),
            ownership: Ownership::Leased,
            details: (2015, 3, 110, "blå"),
        },
    ],
    job: Some(Job {
        employer: employer("Bergen kommune", "971177772", true, "2008-08-01"),
        former_employers: &[],
        fixed_wage: 54200.0,
        hourly_wage: None,
        extra_label: "Tillegg for ekstra undervisning",
        extras: [0.0, 0.0, 2450.0],
        tax_rate: 0.3,
        profession_code: "2341104",
        position_amount: 100.0,
    }),
    invoices: &[
        inv(BERGEN_KOMMUNE, 4215.0, "2026-09-30", Paid, 71002918),
        inv(FJORDKRAFT, 1378.4, "2026-10-20", Paid, 36554107),
        inv(TELIA, 529.0, "2026-11-12", Overdue, 62230541),
        inv(KOMPLETT_BANK, 9870.25, "2026-11-28", Unpaid, 150038722).min(296.0),
    ],
};

static INGRID: Profile = Profile {
    middle_name: None,
    birth_date: "1999-09-22",
    sex: "female",
    address: ("Elgeseter gate 30", "7030", "Trondheim"),
    moving_date: "2024-08-10",
    citizenships: &[("Norge", "NO"), ("Sverige", "SE")],
    moved_to_norway_at: Some("2005-06-15"),
    kids: 0,
    marital_status: "ugift",
    living_conditions: "leietaker",
    cohabitant: false,
    loans: &[],
    student_loan: None,
    vehicles: &[],
    job: Some(Job {
        employer: employer("Nidaros Handel AS", "800182638", false, "2024-09-01"),
        former_employers: &[],
        fixed_wage: 21300.0,
        hourly_wage: Some(228.0),
        extra_label: "Timelønn ekstravakter",
        extras: [1824.0, 2736.0, 912.0],
        tax_rate: 0.22,
        profession_code: "5223101",
        position_amount: 60.0,
    }),
    invoices: &[
        inv(TELENOR, 399.0, "2026-10-15", Paid, 55871302),
        inv(GJENSIDIGE, 312.0, "2026-11-01", Overdue, 73441086),
        inv(FJORDKRAFT, 684.9, "2026-12-01", Unpaid, 36902775),
    ],
};

static SIGRID: Profile = Profile {
    middle_name: None,
    birth_date: "1990-04-30",
    sex: "female",
    address: ("Thorvald Meyers gate 51", "0555", "Oslo"),
    moving_date: "2021-10-01",
    citizenships: NORWAY,
    moved_to_norway_at: None,
    kids: 1,
    marital_status: "skilt",
    living_conditions: "leietaker",
    cohabitant: false,
    loans: &[],
    student_loan: None,
    vehicles: &[],
    job: None,
    invoices: &[],
};

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::test_persons::{find, Behaviour, TEST_PERSONS};

    /// The day the data is a snapshot of.
    const AS_OF: &str = "2026-11-23";

    // The spec's field names, space-separated.
    const PERSONAL_KEYS: &str = "first_name middle_name last_name ssn status birth_date \
        address moving_date citizenships citizenship_country_codes norwegian_citizen \
        norwegian_resident moved_to_norway_at registered_residence sex kids marital_status \
        living_conditions cohabitant";
    const LOAN_KEYS: &str = "creditor_name creditor_org_number has_co_borrower co_borrower \
        credit_limit loan_amount balance charges charge_period type nominal_rate \
        current_balance balance_with_interest balance_without_interest terms kid account";
    const STUDENT_LOAN_KEYS: &str = "balance fees charges interest status status_reason";
    const VEHICLES_KEYS: &str =
        "first_name middle_name last_name birth_date vehicles vehicles_detailed";
    const VEHICLE_KEYS: &str = "model_name type type_code year plate_number electric hybrid \
        last_eu_control next_eu_control owned co_owned leased owner technical_details";
    const PAYSLIP_KEYS: &str = "employer_org_num fixed_wage hourly_wage total_withholding_tax \
        total_payment netto payslip_type period_start period_end income_rows profession_code \
        position_amount start_date end_date laid_off";
    const EMPLOYER_KEYS: &str = "name org_num public current employment start_date end_date";
    const INVOICE_KEYS: &str = "id creditor_name creditor_org_number type status account kid \
        amount min_amount credit_note_amount due_date overdue paid";

    fn person(key: &str) -> &'static TestPerson {
        find(key).unwrap()
    }

    fn str_at<'a>(v: &'a Value, key: &str) -> &'a str {
        v[key].as_str().unwrap()
    }

    fn arr<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
        v[key].as_array().unwrap()
    }

    /// Asserts that `v` is an object with exactly the (space-separated) keys.
    fn assert_keys(v: &Value, want: &str) {
        let got: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(got, want.split_whitespace().collect(), "{v}");
    }

    /// Every string, at any depth in any person's output, under a key that
    /// `pick` accepts.
    fn strings_under(pick: fn(&str) -> bool) -> Vec<String> {
        fn walk(v: &Value, pick: fn(&str) -> bool, out: &mut Vec<String>) {
            match v {
                Value::Object(map) => map.iter().for_each(|(k, x)| match x.as_str() {
                    Some(s) if pick(k) => out.push(s.to_owned()),
                    _ => walk(x, pick, out),
                }),
                Value::Array(xs) => xs.iter().for_each(|x| walk(x, pick, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        for p in TEST_PERSONS {
            let mut all = vec![personal(p), student_loan(p), vehicles(p), income(p)];
            all.extend(loans(p).into_iter().chain(invoices(p)));
            all.iter().for_each(|v| walk(v, pick, &mut out));
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
        let numbers = strings_under(pick);
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
        assert_numbers(|k| k.contains("org_num"), 30, &[9], mod11_ok);
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
    fn every_date_is_iso() {
        let dates = strings_under(|k| {
            k.ends_with("date") || k.ends_with("_at") || k.contains("period_") || k.contains("eu_")
        });
        assert!(dates.len() > 50, "only {}", dates.len());
        for d in &dates {
            let (y, m, day) = (&d[0..4], &d[5..7], &d[8..]);
            let num = |s: &str, lo: u32, hi: u32| s.parse().is_ok_and(|n| (lo..=hi).contains(&n));
            assert!(d.len() == 10 && &d[4..5] == "-" && &d[7..8] == "-", "{d}");
            assert!(
                num(y, 1900, 2099) && num(m, 1, 12) && num(day, 1, 31),
                "{d}"
            );
        }
    }

    #[test]
    fn objects_have_exactly_the_spec_keys() {
        assert_keys(&student_loan(person("kari")), STUDENT_LOAN_KEYS);
        for p in TEST_PERSONS {
            let info = personal(p);
            if p.key == "per" {
                assert_eq!(info, json!({}));
            } else {
                assert_keys(&info, PERSONAL_KEYS);
            }
            let v = vehicles(p);
            assert_keys(&v, VEHICLES_KEYS);
            arr(&v, "vehicles")
                .iter()
                .for_each(|x| assert_keys(x, "name plate_number"));
            for x in arr(&v, "vehicles_detailed") {
                assert_keys(x, VEHICLE_KEYS);
                assert!(x["technical_details"].is_object() && x["owner"].is_object());
            }
            let inc = income(p);
            assert_keys(&inc, "payslips employers");
            arr(&inc, "payslips")
                .iter()
                .for_each(|x| assert_keys(x, PAYSLIP_KEYS));
            arr(&inc, "employers")
                .iter()
                .for_each(|x| assert_keys(x, EMPLOYER_KEYS));
            loans(p).iter().for_each(|x| assert_keys(x, LOAN_KEYS));
            invoices(p)
                .iter()
                .for_each(|x| assert_keys(x, INVOICE_KEYS));
            let s = student_loan(p);
            if s != json!({}) {
                assert_keys(&s, STUDENT_LOAN_KEYS);
            }
        }
    }

    #[test]
    fn personal_matches_the_test_person() {
        for p in TEST_PERSONS.iter().filter(|p| p.key != "per") {
            let info = personal(p);
            assert_eq!(str_at(&info, "ssn"), p.national_id);
            let name = format!(
                "{} {}",
                str_at(&info, "first_name"),
                str_at(&info, "last_name")
            );
            assert_eq!(name, p.name);
            let want = p.birth_date();
            assert_eq!(str_at(&info, "birth_date"), want);
            assert_eq!(vehicles(p)["birth_date"], json!(want));
        }
    }

    #[test]
    fn kari_has_full_data_and_seven_invoices_that_page_as_3_3_1() {
        let kari = person("kari");
        let mut types: Vec<String> = loans(kari)
            .iter()
            .map(|l| str_at(l, "type").into())
            .collect();
        types.sort_unstable();
        assert_eq!(types, ["charge_card", "consumer_loan", "credit_card"]);
        assert_eq!(str_at(&student_loan(kari), "status"), "ok");
        assert!(!arr(&vehicles(kari), "vehicles_detailed").is_empty());
        assert_eq!(arr(&income(kari), "payslips").len(), 3);

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
    fn ola_has_full_data_of_his_own() {
        let ola = person("ola");
        assert!(loans(ola).len() >= 2);
        assert_ne!(loans(ola), loans(person("kari")));
        assert_eq!(str_at(&student_loan(ola), "status"), "ok");
        assert!(!arr(&vehicles(ola), "vehicles").is_empty());
        assert_eq!(str_at(&vehicles(ola), "middle_name"), "Johan");
        assert_eq!(arr(&income(ola), "payslips").len(), 3);
        assert!(!invoices(ola).is_empty());
    }

    #[test]
    fn ingrid_has_no_loans_student_loan_or_vehicles() {
        let ingrid = person("ingrid");
        assert_eq!(ingrid.behaviour, Behaviour::NoLoansNoVehicles);
        assert_eq!(str_at(&personal(ingrid), "last_name"), "Berg");
        assert!(loans(ingrid).is_empty());
        assert_eq!(student_loan(ingrid), json!({}));
        let v = vehicles(ingrid);
        assert_eq!(
            (&v["vehicles"], &v["vehicles_detailed"]),
            (&json!([]), &json!([]))
        );
        assert_eq!(str_at(&v, "first_name"), "Ingrid");
        assert_eq!(arr(&income(ingrid), "payslips").len(), 3);
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
        assert_eq!(str_at(&personal(sigrid), "first_name"), "Sigrid");
        assert_eq!(person("per").behaviour, Behaviour::CancelsAtBankId);
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
        }
    }

    #[test]
    fn loans_are_consistent() {
        for l in TEST_PERSONS.iter().flat_map(loans) {
            let t = str_at(&l, "type");
            assert!(
                ["credit_card", "consumer_loan", "charge_card"].contains(&t),
                "{t}"
            );
            assert_eq!(l["credit_limit"].is_null(), t == "consumer_loan");
            assert_eq!(l["terms"].is_null(), t != "consumer_loan");
            assert_eq!(l["has_co_borrower"], json!(!l["co_borrower"].is_null()));
            let f = |k: &str| l[k].as_f64().unwrap();
            assert!(f("balance") <= f("loan_amount"));
            assert!(f("balance") <= l["credit_limit"].as_f64().unwrap_or(f64::MAX));
            assert!(f("balance_with_interest") > f("balance_without_interest"));
        }
    }

    #[test]
    fn invoices_are_consistent_and_ids_unique() {
        let all: Vec<Value> = TEST_PERSONS.iter().flat_map(invoices).collect();
        for i in &all {
            let (paid, overdue) = (i["paid"] == json!(true), i["overdue"] == json!(true));
            assert_eq!(str_at(i, "status"), if paid { "paid" } else { "unpaid" });
            assert_eq!(overdue, !paid && str_at(i, "due_date") < AS_OF, "{i}");
            assert!(i["amount"].as_f64().unwrap() > 0.0);
        }
        let ids: BTreeSet<&str> = all.iter().map(|i| str_at(i, "id")).collect();
        assert_eq!(ids.len(), all.len());
    }

    #[test]
    fn payslips_add_up() {
        for p in TEST_PERSONS {
            for slip in arr(&income(p), "payslips") {
                let f = |k: &str| slip[k].as_f64().unwrap();
                assert_eq!(f("netto"), f("total_payment") - f("total_withholding_tax"));
                let rows = arr(slip, "income_rows")
                    .iter()
                    .map(|r| r["amount"].as_f64());
                assert_eq!(rows.map(Option::unwrap).sum::<f64>(), f("total_payment"));
            }
        }
    }
}
