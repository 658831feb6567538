//! The data API's shapes, field by field, as the original product's docs
//! give them (`goscore-docs/`: the tables' fields, types, "Required?" and
//! "Available options", and the examples, which are
//! `tests/fixtures/goscore/`). A field the docs mark "Required? No", or
//! show as `null`, may be `null`; every field is there, as in the docs'
//! examples, unless the docs say it may be missing.

use super::Field;
use super::Shape::{self, *};
use crate::oauth2::scope::Scope;

/// A field that must be there, as `null` only if its shape allows.
const fn f(name: &'static str, shape: &'static Shape) -> Field {
    Field {
        name,
        shape,
        may_lack: false,
    }
}

/// A field the docs say may be missing.
const fn may_lack(name: &'static str, shape: &'static Shape) -> Field {
    Field {
        name,
        shape,
        may_lack: true,
    }
}

/// The fields of `scope`'s body: its body keys (`source::body_keys`, which
/// a test holds these to) and their shapes.
pub(super) fn body(scope: Scope) -> &'static [Field] {
    match scope {
        Scope::Info => const { &[f("personal", PERSONAL)] },
        Scope::UnsecuredLoans
        | Scope::UnsecuredLoansPresentation
        | Scope::UnsecuredLoansProcessing => const { &[f("loans", LOANS)] },
        Scope::StudentLoan => const { &[f("student_loan", STUDENT_LOAN)] },
        Scope::Vehicles => const { &[f("vehicles", VEHICLES)] },
        Scope::Income => const { &[f("income", INCOME), f("employment", EMPLOYMENT)] },
        Scope::EInvoices => const { &[f("invoices", INVOICES)] },
        Scope::TaxDataPdf => const { &[f("tax_documents", TAX_DOCUMENTS)] },
    }
}

/// `/personal`. Blank (`{}`) for a person the register does not know, as
/// the test data answers for one.
const PERSONAL: &Shape = &Blank(&Object(&[
    f("first_name", &Str),
    f("middle_name", &Null(&Str)),
    f("last_name", &Str),
    f("ssn", &Str),
    f("status", &Str),
    f("birth_date", &Date),
    f("address", &Str),
    f("moving_date", &Date),
    f("citizenships", &List(&Str)),
    f("citizenship_country_codes", &List(&Str)),
    f("norwegian_citizen", &Bool),
    f("norwegian_resident", &Bool),
    f("moved_to_norway_at", &Null(&Date)),
    f("registered_residence", &Bool),
    f("sex", &OneOf(&["male", "female"])),
    f("kids", &Num),
    f(
        "marital_status",
        &OneOf(&[
            "married",
            "registered_partner",
            "divorced",
            "separated",
            "widow",
            "single",
        ]),
    ),
    f(
        "living_conditions",
        &OneOf(&["rental", "parents", "own", "housing_association"]),
    ),
    f("cohabitant", &Bool),
    // "BETA (dict, hash) additional information directly from the
    // register", not in the example.
    may_lack("additional_info", &Null(&Register)),
]));

/// `/loans`: unsecured loans. `consumner_loan` is the docs' spelling.
const LOANS: &Shape = &List(&Object(&[
    f("creditor_name", &Str),
    f("creditor_org_number", &Num),
    f("has_co_borrower", &Bool),
    f("co_borrower", &Bool),
    f("credit_limit", &Null(&Num)),
    f("loan_amount", &Null(&Num)),
    f("balance", &Null(&Num)),
    f("charges", &Null(&Num)),
    // "Should be always "MONTHLY" if present"; the example writes it
    // in lower case.
    f("charge_period", &Null(&OneOf(&["monthly", "MONTHLY"]))),
    f(
        "type",
        &OneOf(&["credit_card", "consumner_loan", "charge_card"]),
    ),
    f("nominal_rate", &Null(&Num)),
    f("current_balance", &Num),
    f("balance_with_interest", &Num),
    f("balance_without_interest", &Num),
    f("terms", &Null(&Num)),
    f("kid", &Null(&Str)),
    f("account", &Null(&Str)),
]));

/// `/loans`' `student_loan`: a blank hash for one who never had one.
const STUDENT_LOAN: &Shape = &Blank(&Object(&[
    f("balance", &Null(&Num)),
    f("fees", &Null(&Num)),
    f("charges", &Null(&Num)),
    f("interest", &Null(&Num)),
    f("status", &Null(&OneOf(&["ok", "unavailable"]))),
    // "Only if data isn't available".
    may_lack(
        "status_reason",
        &Null(&OneOf(&[
            "moved_to_debt_collection",
            "terminated",
            "debt_settlement",
            "unrecognized",
        ])),
    ),
]));

/// `/vehicles`. "Additional information in `vehicles_detailed` might be
/// missing in some cases."
const VEHICLES: &Shape = &Object(&[
    f("first_name", &Str),
    f("middle_name", &Null(&Str)),
    f("last_name", &Str),
    f("email", &Null(&Str)),
    f("digital_mailbox", &Null(&Str)),
    f("phone_number", &Null(&Str)),
    f("birth_date", &Date),
    // Name and plate number.
    f("vehicles", &List(&Tuple(&[Str, Str]))),
    may_lack("vehicles_detailed", &List(VEHICLE)),
]);

const VEHICLE: &Shape = &Object(&[
    f("model_name", &Str),
    f("type", &Str),
    f("type_code", &Str),
    f("year", &Num),
    f("plate_number", &Str),
    f("electric", &Bool),
    f("hybrid", &Bool),
    f("last_eu_control", &Null(&Date)),
    f("next_eu_control", &Null(&Date)),
    f("owned", &Bool),
    f("owner", PARTY),
    f("co_owned", &Bool),
    f("co_ownership", PARTY),
    f("leased", &Bool),
    f("leasing", PARTY),
    f(
        "technical_details",
        &Object(&[
            f(
                "emissions",
                &Object(&[
                    f("environmental_class", &Null(&Str)),
                    f(
                        "engines",
                        &List(&Object(&[f("co2", &Null(&Num)), f("nox", &Null(&Num))])),
                    ),
                ]),
            ),
            f(
                "engines",
                &List(&Object(&[f("type", &Str), f("volume", &Num)])),
            ),
        ]),
    ),
]);

/// An owner, co-owner or lessor: `{"name": "", "address": null}` for none.
const PARTY: &Shape = &Object(&[
    f("name", &Str),
    f(
        "address",
        &Null(&Object(&[
            f("land", &Str),
            f("poststed", &Str),
            f("postnummer", &Str),
            f("adresselinje1", &Str),
            f("adresselinje2", &Null(&Str)),
            f("adresselinje3", &Null(&Str)),
        ])),
    ),
]);

const EMPLOYMENTS: &[&str] = &[
    "fixed_public",
    "fixed_private",
    "self_employed",
    "substitute",
    "hired_consultant",
];

/// `/income`.
const INCOME: &Shape = &Object(&[
    f("payslips", &List(PAYSLIP)),
    f(
        "employers",
        &List(&Object(&[
            f("name", &Str),
            f("public", &Bool),
            f("current", &Bool),
            f("org_num", &Str),
            f("employment", &OneOf(EMPLOYMENTS)),
            f("start_date", &Date),
            f("end_date", &Null(&Date)),
            f("payslips", &List(PAYSLIP)),
            f("company_profile", COMPANY),
        ])),
    ),
]);

/// `/income`'s top-level `employment`: the docs' options; `""` as the
/// docs' `/loan_applications` example has it, `null` (no job) as the test
/// data has it.
const EMPLOYMENT: &Shape = &Null(&OneOf(&[
    "fixed_public",
    "fixed_private",
    "self_employed",
    "substitute",
    "hired_consultant",
    "",
]));

const PAYSLIP: &Shape = &Object(&[
    f("netto", &Num),
    f("start_date", &Date),
    f("end_date", &Null(&Date)),
    f("laid_off", &Null(&List(&Any))),
    f("fixed_wage", &Num),
    f("period_start", &Date),
    f("period_end", &Date),
    f("hourly_wage", &Null(&Num)),
    f(
        "income_rows",
        &Null(&List(&Object(&[
            f(
                "type",
                &Null(&OneOf(&["fixed", "vacation", "other", "hourly"])),
            ),
            f("hours", &Null(&Num)),
            f("amount", &Null(&Num)),
            f("period", &Null(&Period)),
            f(
                "benefit",
                &Null(&OneOf(&[
                    "kontantytelse",
                    "naturalytelse",
                    "utgiftsgodtgjoerelse",
                ])),
            ),
        ]))),
    ),
    f("payslip_type", &OneOf(&["fixed", "other", "hourly"])),
    f("total_payment", &Num),
    f("position_amount", &Null(&Num)),
    f("profession_code", &Str),
    f("employer_org_num", &Str),
    f("total_withholding_tax", &Num),
]);

/// "Company registered information at Enhetsregisteret"; `raw` is the
/// register's own record.
const COMPANY: &Shape = &Object(&[
    f("id", &Str),
    f("raw", &Register),
    f("code", &Str),
    f("name", &Str),
    f(
        "address",
        &Object(&[
            f("city", &Str),
            f("postal_code", &Str),
            f("street_address", &Str),
        ]),
    ),
    f("org_form", &Str),
    f("employees", &Num),
    f("founded_at", &Num),
    f("country_code", &Str),
]);

/// `/invoices`. Only card invoices have a minimum amount to pay.
const INVOICES: &Shape = &List(&Object(&[
    f("id", &Str),
    f("creditor_name", &Str),
    f("creditor_org_number", &Num),
    f("efaktura_ref", &Str),
    f("type", &Str),
    f("status", &Str),
    f("account", &Str),
    f("kid", &Str),
    f("org_number", &Num),
    f("amount", &Num),
    f("min_amount", &Null(&Num)),
    f("credit_note_amount", &Null(&Num)),
    f("due_date", &Date),
    f("overdue", &Bool),
    f("paid", &Bool),
]));

/// `/loan_applications`' `tax_documents`: the person's, and each asked
/// tax entity's by organisation number.
const TAX_DOCUMENTS: &Shape = &Object(&[
    f(
        "personal",
        &Object(&[
            f("tax_reports", DOCUMENTS),
            f("detailed_shares_data", DOCUMENTS),
            f("business_assignment", DOCUMENTS),
        ]),
    ),
    f(
        "corporate",
        &ByOrg(&Object(&[
            f("latest_tax_report", DOCUMENTS),
            f("latest_annual_report", DOCUMENTS),
            f("latest_shareholders_report", DOCUMENTS),
        ])),
    ),
]);

const DOCUMENTS: &Shape = &List(&Object(&[
    f("subject", &Str),
    f("filename", &Str),
    f("content", &Pdf),
]));
