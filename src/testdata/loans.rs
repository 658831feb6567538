//! Unsecured loans (the debt register's) and the student loan (Lånekassen's).

use serde_json::{json, Value};

use super::{kid, round2, Creditor};

/// What kind of unsecured loan, with what only that kind has.
pub(super) enum LoanKind {
    /// A credit card: `interest_bearing` of the balance carries interest,
    /// the rest is still in its interest-free period.
    CreditCard {
        credit_limit: f64,
        nominal_rate: f64,
        interest_bearing: f64,
    },
    /// A consumer loan, paid down in `terms` more monthly instalments.
    ConsumerLoan {
        loan_amount: f64,
        charges: f64,
        nominal_rate: f64,
        terms: u32,
    },
    /// A charge card: paid in full each month, no interest, no limit given.
    ChargeCard,
}

pub(super) struct Loan {
    pub(super) lender: Creditor,
    pub(super) kind: LoanKind,
    /// What is owed today.
    pub(super) current_balance: f64,
    /// Someone else is co-borrower on this loan.
    pub(super) has_co_borrower: bool,
    /// The person is co-borrower on this loan for someone else.
    pub(super) co_borrower: bool,
    pub(super) kid_base: u64,
}

impl Loan {
    pub(super) fn to_json(&self) -> Value {
        let mut loan = self.common_fields();
        let paid_to = json!({ "kid": kid(self.kid_base), "account": self.lender.2 });
        let is_charge_card = matches!(self.kind, LoanKind::ChargeCard);
        for part in [
            Some(self.kind_fields()),
            (!is_charge_card).then_some(paid_to),
        ]
        .into_iter()
        .flatten()
        {
            if let (Some(out), Value::Object(fields)) = (loan.as_object_mut(), part) {
                out.extend(fields);
            }
        }
        loan
    }

    /// Every field of every kind, as a charge card has them.
    fn common_fields(&self) -> Value {
        let current = self.current_balance;
        json!({
            "creditor_name": self.lender.0.to_uppercase(),
            "creditor_org_number": self.lender.1,
            "has_co_borrower": self.has_co_borrower,
            "co_borrower": self.co_borrower,
            "credit_limit": null,
            "loan_amount": null,
            "balance": null,
            "charges": null,
            "charge_period": null,
            "type": "charge_card",
            "nominal_rate": null,
            "current_balance": current,
            "balance_with_interest": 0.0,
            "balance_without_interest": current,
            "terms": null,
            "kid": null,
            "account": null,
        })
    }

    /// The fields only this kind of loan has.
    fn kind_fields(&self) -> Value {
        let current = self.current_balance;
        match self.kind {
            LoanKind::CreditCard {
                credit_limit,
                nominal_rate,
                interest_bearing,
            } => json!({
                "type": "credit_card",
                "credit_limit": credit_limit,
                "charges": 0.0,
                "charge_period": "monthly",
                "nominal_rate": nominal_rate,
                "balance_with_interest": interest_bearing,
                "balance_without_interest": round2(current - interest_bearing),
            }),
            LoanKind::ConsumerLoan {
                loan_amount,
                charges,
                nominal_rate,
                terms,
            } => json!({
                // The docs' own spelling: integrations match on it.
                "type": "consumner_loan",
                "loan_amount": loan_amount,
                "balance": current,
                "charges": charges,
                "charge_period": "monthly",
                "nominal_rate": nominal_rate,
                "balance_with_interest": current,
                "balance_without_interest": 0.0,
                "terms": terms,
            }),
            LoanKind::ChargeCard => json!({}),
        }
    }
}

/// Why Lånekassen no longer has a student loan's data (the docs' list).
#[derive(Clone, Copy)]
pub(super) enum Unavailable {
    /// Permanently transferred to Statens innkrevingssentral.
    MovedToDebtCollection,
}

pub(super) enum StudentLoan {
    Ok {
        balance: f64,
        fees: f64,
        charges: f64,
        /// Interest accrued, in kroner.
        interest: f64,
    },
    Unavailable(Unavailable),
}

impl StudentLoan {
    pub(super) fn to_json(&self) -> Value {
        match *self {
            StudentLoan::Ok {
                balance,
                fees,
                charges,
                interest,
            } => json!({
                "balance": balance,
                "fees": fees,
                "charges": charges,
                "interest": interest,
                "status": "ok",
            }),
            StudentLoan::Unavailable(reason) => json!({
                "balance": null,
                "fees": null,
                "charges": null,
                "interest": null,
                "status": "unavailable",
                "status_reason": match reason {
                    Unavailable::MovedToDebtCollection => "moved_to_debt_collection",
                },
            }),
        }
    }
}
