//! The test persons' static data.

use super::income::{Company, FormerJob, Job, Pay};
use super::invoices::{inv, InvoiceStatus::*};
use super::loans::{Loan, LoanKind, StudentLoan, Unavailable};
use super::tax::TaxProfile;
use super::vehicles::{Fuel, Ownership, Vehicle, PASSENGER_CAR, VAN};
use super::{Address, Contact, Creditor, Profile};

const BANK_NORWEGIAN: Creditor = Creditor("Bank Norwegian", 926018159, "78740830162");
const KOMPLETT_BANK: Creditor = Creditor("Komplett Bank", 913186095, "15063909960");
const SANTANDER: Creditor = Creditor("Santander Consumer Bank", 830824626, "86011948210");
const EUROCARD: Creditor = Creditor("Eurocard", 851819096, "97107865792");
const INSTABANK: Creditor = Creditor("Instabank", 954323196, "12548757493");
const HAFSLUND: Creditor = Creditor("Hafslund Strøm", 818625278, "18220189550");
const TELENOR: Creditor = Creditor("Telenor Norge", 997971140, "12071049742");
const FJORDKRAFT: Creditor = Creditor("Fjordkraft", 950752912, "12070342365");
const GJENSIDIGE: Creditor = Creditor("Gjensidige Forsikring", 971276843, "30006846560");
const OSLO_KOMMUNE: Creditor = Creditor("Oslo kommune", 992440260, "86015995280");
const GET: Creditor = Creditor("Get AS", 878666615, "15063962454");
const BERGEN_KOMMUNE: Creditor = Creditor("Bergen kommune", 971177772, "12541215474");
const TELIA: Creditor = Creditor("Telia Norge", 893363386, "12075004743");

const NORWEGIAN: &[(&str, &str)] = &[("Norsk", "NOR")];

const AS: (&str, &str) = ("AS", "Aksjeselskap");
const PRIVATE_AS: (&str, &str) = ("2100", "Private aksjeselskaper mv.");

const fn address(street: &'static str, postal_code: &'static str, city: &'static str) -> Address {
    Address {
        street,
        postal_code,
        city,
    }
}

const KARI_HOME: Address = address("Storgata 12B", "0184", "Oslo");
const OLA_HOME: Address = address("Bryggen 7", "5003", "Bergen");

const FJORDKODE: Company = Company {
    name: "FJORDKODE AS",
    org: 875116371,
    public: false,
    form: AS,
    industry: (
        "62.020",
        "Konsulentvirksomhet tilknyttet informasjonsteknologi",
    ),
    sector: PRIVATE_AS,
    founded: "2014-02-20",
    registered: "2014-03-11",
    employees: 42,
    address: ("Akersgata 45", "0158", "Oslo", "0301"),
    last_annual_accounts: "2025",
};

const NORDLYS: Company = Company {
    name: "NORDLYS KONSULENT AS",
    org: 822202977,
    public: false,
    form: AS,
    industry: (
        "70.220",
        "Bedriftsrådgivning og annen administrativ rådgivning",
    ),
    sector: PRIVATE_AS,
    founded: "2009-05-04",
    registered: "2009-06-02",
    employees: 12,
    address: ("Tordenskiolds gate 2", "0160", "Oslo", "0301"),
    last_annual_accounts: "2025",
};

const BERGEN: Company = Company {
    name: "BERGEN KOMMUNE",
    org: 971177772,
    public: true,
    form: ("KOMM", "Kommune"),
    industry: ("84.110", "Generell offentlig administrasjon"),
    sector: ("6500", "Kommuneforvaltningen"),
    founded: "1995-02-23",
    registered: "1995-02-23",
    employees: 16500,
    address: ("Rådhusgaten 10", "5014", "Bergen", "4601"),
    last_annual_accounts: "2025",
};

const NIDAROS_HANDEL: Company = Company {
    name: "NIDAROS HANDEL AS",
    org: 800182638,
    public: false,
    form: AS,
    industry: ("47.190", "Butikkhandel med bredt vareutvalg ellers"),
    sector: PRIVATE_AS,
    founded: "2017-09-01",
    registered: "2017-09-19",
    employees: 23,
    address: ("Olav Tryggvasons gate 20", "7011", "Trondheim", "5001"),
    last_annual_accounts: "2025",
};

pub(super) static KARI: Profile = Profile {
    middle_name: None,
    sex: "female",
    address: KARI_HOME,
    moving_date: "2019-06-01",
    citizenships: NORWEGIAN,
    moved_to_norway_at: None,
    kids: 2,
    marital_status: "married",
    living_conditions: "own",
    cohabitant: false,
    contact: Contact {
        email: "kari.nordmann@example.no",
        phone_number: "92345678",
        digital_mailbox: "DIGIPOST",
    },
    loans: &[
        Loan {
            lender: BANK_NORWEGIAN,
            kind: LoanKind::CreditCard {
                credit_limit: 50000.0,
                nominal_rate: 22.9,
                interest_bearing: 14920.5,
            },
            current_balance: 18420.5,
            has_co_borrower: false,
            co_borrower: false,
            kid_base: 40177332,
        },
        Loan {
            lender: SANTANDER,
            kind: LoanKind::ConsumerLoan {
                loan_amount: 150000.0,
                charges: 45.0,
                nominal_rate: 11.9,
                terms: 60,
            },
            current_balance: 112384.0,
            has_co_borrower: true,
            co_borrower: false,
            kid_base: 8820145532,
        },
        Loan {
            lender: EUROCARD,
            kind: LoanKind::ChargeCard,
            current_balance: 3980.0,
            has_co_borrower: false,
            co_borrower: false,
            kid_base: 6100298174,
        },
    ],
    student_loan: Some(StudentLoan::Ok {
        balance: 287450.0,
        fees: 0.0,
        charges: 0.0,
        interest: 1187.3,
    }),
    vehicles: &[
        Vehicle {
            model_name: "Tesla Model Y Long Range",
            class: PASSENGER_CAR,
            year: 2021,
            plate_number: "EL 12345",
            fuel: Fuel::Electric,
            volume: 0,
            emissions: None,
            eu_control: (Some("2025-03-14"), Some("2027-03-14")),
            ownership: Ownership::Owned,
        },
        Vehicle {
            model_name: "Toyota RAV4 Hybrid",
            class: PASSENGER_CAR,
            year: 2019,
            plate_number: "DR 48213",
            fuel: Fuel::Hybrid,
            volume: 2487,
            emissions: Some(("6D", 105, 3.2)),
            eu_control: (Some("2025-09-02"), Some("2027-09-02")),
            ownership: Ownership::CoOwned("Lars Nordmann", KARI_HOME),
        },
    ],
    job: Some(Job {
        employer: FJORDKODE,
        start_date: "2020-01-06",
        employment: "fixed_private",
        pay: Pay::Fixed {
            monthly: 62500.0,
            extras: [None, Some(("other", None, 3120.0)), None],
        },
        profession_code: "2512105",
        position_amount: Some(100.0),
        tax_rate: 0.32,
        former: &[FormerJob {
            employer: NORDLYS,
            start_date: "2011-08-15",
            end_date: "2019-12-31",
            employment: "fixed_private",
        }],
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
    tax: Some(TaxProfile {
        shares: true,
        business: true,
    }),
};

pub(super) static OLA: Profile = Profile {
    middle_name: Some("Johan"),
    sex: "male",
    address: OLA_HOME,
    moving_date: "2012-08-15",
    citizenships: NORWEGIAN,
    moved_to_norway_at: None,
    kids: 1,
    marital_status: "single",
    living_conditions: "housing_association",
    cohabitant: true,
    contact: Contact {
        email: "ola.nordmann@example.no",
        phone_number: "48123456",
        digital_mailbox: "EBOKS",
    },
    loans: &[
        Loan {
            lender: KOMPLETT_BANK,
            kind: LoanKind::CreditCard {
                credit_limit: 40000.0,
                nominal_rate: 23.4,
                interest_bearing: 9870.25,
            },
            current_balance: 9870.25,
            has_co_borrower: false,
            co_borrower: false,
            kid_base: 150038722,
        },
        // His partner's car loan, on which he is co-borrower.
        Loan {
            lender: INSTABANK,
            kind: LoanKind::ConsumerLoan {
                loan_amount: 250000.0,
                charges: 50.0,
                nominal_rate: 13.9,
                terms: 84,
            },
            current_balance: 198540.0,
            has_co_borrower: true,
            co_borrower: true,
            kid_base: 9207441058,
        },
    ],
    student_loan: Some(StudentLoan::Unavailable(Unavailable::MovedToDebtCollection)),
    vehicles: &[
        Vehicle {
            model_name: "Volvo V70 D4",
            class: PASSENGER_CAR,
            year: 2014,
            plate_number: "BS 73912",
            fuel: Fuel::Diesel,
            volume: 1969,
            emissions: Some(("6", 119, 81.4)),
            eu_control: (Some("2026-05-20"), Some("2028-05-20")),
            ownership: Ownership::CoOwned("Marte Kvam", OLA_HOME),
        },
        Vehicle {
            model_name: "Volkswagen Transporter",
            class: VAN,
            year: 2020,
            plate_number: "SV 20458",
            fuel: Fuel::Petrol,
            volume: 1984,
            emissions: Some(("6D", 221, 24.7)),
            eu_control: (None, Some("2028-11-11")),
            ownership: Ownership::Leased(
                "SANTANDER CONSUMER BANK AS",
                address("Strandveien 18", "1366", "Lysaker"),
            ),
        },
    ],
    job: Some(Job {
        employer: BERGEN,
        start_date: "2008-08-01",
        employment: "fixed_public",
        pay: Pay::Fixed {
            monthly: 54200.0,
            extras: [None, None, Some(("other", None, 2450.0))],
        },
        profession_code: "2341104",
        position_amount: Some(100.0),
        tax_rate: 0.3,
        former: &[],
    }),
    invoices: &[
        inv(BERGEN_KOMMUNE, 4215.0, "2026-09-30", Paid, 71002918),
        inv(FJORDKRAFT, 1378.4, "2026-10-20", Paid, 36554107),
        inv(TELIA, 529.0, "2026-11-12", Overdue, 62230541),
        inv(KOMPLETT_BANK, 9870.25, "2026-11-28", Unpaid, 150038722).min(296.0),
    ],
    tax: Some(TaxProfile {
        shares: false,
        business: false,
    }),
};

pub(super) static INGRID: Profile = Profile {
    middle_name: None,
    sex: "female",
    address: address("Elgeseter gate 30", "7030", "Trondheim"),
    moving_date: "2024-08-10",
    citizenships: &[("Norsk", "NOR"), ("Svensk", "SWE")],
    moved_to_norway_at: Some("2005-06-15"),
    kids: 0,
    marital_status: "single",
    living_conditions: "rental",
    cohabitant: false,
    contact: Contact {
        email: "ingrid.berg@example.no",
        phone_number: "97654321",
        digital_mailbox: "DIGIPOST",
    },
    loans: &[],
    student_loan: None,
    vehicles: &[],
    job: Some(Job {
        employer: NIDAROS_HANDEL,
        start_date: "2024-09-01",
        employment: "substitute",
        pay: Pay::Hourly {
            rate: 228.0,
            hours: [86.0, 92.5, 71.0],
        },
        profession_code: "5223101",
        position_amount: None,
        tax_rate: 0.22,
        former: &[],
    }),
    invoices: &[
        inv(TELENOR, 399.0, "2026-10-15", Paid, 55871302),
        inv(GJENSIDIGE, 312.0, "2026-11-01", Overdue, 73441086),
        inv(FJORDKRAFT, 684.9, "2026-12-01", Unpaid, 36902775),
    ],
    tax: Some(TaxProfile {
        shares: false,
        business: false,
    }),
};

pub(super) static SIGRID: Profile = Profile {
    middle_name: None,
    sex: "female",
    address: address("Thorvald Meyers gate 51", "0555", "Oslo"),
    moving_date: "2021-10-01",
    citizenships: NORWEGIAN,
    moved_to_norway_at: None,
    kids: 1,
    marital_status: "divorced",
    living_conditions: "rental",
    cohabitant: false,
    contact: Contact {
        email: "sigrid.feil@example.no",
        phone_number: "45678901",
        digital_mailbox: "DIGIPOST",
    },
    loans: &[],
    student_loan: None,
    vehicles: &[],
    job: None,
    invoices: &[],
    tax: None,
};
