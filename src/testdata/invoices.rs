//! E-invoices (eFaktura) sent to the person.

use serde_json::{json, Value};

use super::{kid, Creditor};

/// `Overdue` is unpaid and past its due date (as of 2026-11-23).
pub(super) enum InvoiceStatus {
    Paid,
    Unpaid,
    Overdue,
}

pub(super) struct Invoice {
    pub(super) creditor: Creditor,
    pub(super) amount: f64,
    pub(super) min_amount: Option<f64>,
    pub(super) credit_note_amount: Option<f64>,
    pub(super) due_date: &'static str,
    pub(super) status: InvoiceStatus,
    pub(super) kid_base: u64,
}

/// An e-invoice with no minimum amount and no credit note.
pub(super) const fn inv(
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
        credit_note_amount: None,
        due_date,
        status,
        kid_base,
    }
}

impl Invoice {
    /// A card invoice: the least that may be paid this month.
    pub(super) const fn min(mut self, min_amount: f64) -> Self {
        self.min_amount = Some(min_amount);
        self
    }

    /// A credit note was issued against this invoice.
    pub(super) const fn credit(mut self, credit_note_amount: f64) -> Self {
        self.credit_note_amount = Some(credit_note_amount);
        self
    }

    /// `n` makes the invoice's `id` and `efaktura_ref` unique.
    pub(super) fn to_json(&self, n: u64) -> Value {
        let paid = matches!(self.status, InvoiceStatus::Paid);
        json!({
            "id": (8_599_000_000 + n).to_string(),
            "creditor_name": self.creditor.0,
            "creditor_org_number": self.creditor.1,
            "efaktura_ref": (123_400_000 + n).to_string(),
            // The docs show one type and one status: an invoice that the
            // bank has received and processed. Payment is `paid`/`overdue`.
            "type": "INVOICE",
            "status": "PROCESSED",
            "account": self.creditor.2,
            "kid": kid(self.kid_base),
            "org_number": self.creditor.1,
            "amount": self.amount,
            "min_amount": self.min_amount,
            "credit_note_amount": self.credit_note_amount,
            "due_date": self.due_date,
            "overdue": matches!(self.status, InvoiceStatus::Overdue),
            "paid": paid,
        })
    }
}
