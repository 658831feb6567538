//! The data scopes an integrator may ask for.

use std::collections::BTreeSet;
use std::fmt;

/// One kind of data the end user may share.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Vehicles,
    UnsecuredLoans,
    Info,
    Income,
    StudentLoan,
    EInvoices,
    /// The debt data, consented for showing it to the end user.
    UnsecuredLoansPresentation,
    /// The debt data, consented for processing a loan application.
    UnsecuredLoansProcessing,
    /// Tax documents (PDF) from the person's and `tax_entities`' mailboxes.
    TaxDataPdf,
}

impl Scope {
    /// The nine scopes of the product's docs, in their order.
    pub const ALL: [Scope; 9] = [
        Scope::Vehicles,
        Scope::UnsecuredLoans,
        Scope::Info,
        Scope::Income,
        Scope::StudentLoan,
        Scope::EInvoices,
        Scope::UnsecuredLoansPresentation,
        Scope::UnsecuredLoansProcessing,
        Scope::TaxDataPdf,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Vehicles => "vehicles",
            Scope::UnsecuredLoans => "unsecured_loans",
            Scope::Info => "info",
            Scope::Income => "income",
            Scope::StudentLoan => "student_loan",
            Scope::EInvoices => "e_invoices",
            Scope::UnsecuredLoansPresentation => "unsecured_loans_presentation",
            Scope::UnsecuredLoansProcessing => "unsecured_loans_processing",
            Scope::TaxDataPdf => "tax_data_pdf",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a scope list was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("scope is empty")]
    Empty,
    #[error("unknown scope {}", super::error::quoted(.0))]
    Unknown(String),
}

/// A non-empty set of scopes. Parsed from a list separated by commas (the
/// product's form) or spaces (RFC 6749 §3.3); both are accepted everywhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scopes(BTreeSet<Scope>);

impl Scopes {
    pub fn parse(s: &str) -> Result<Scopes, ScopeError> {
        let mut set = BTreeSet::new();
        for part in s.split(|c: char| c == ',' || c.is_ascii_whitespace()) {
            if part.is_empty() {
                continue;
            }
            let scope = Scope::parse(part).ok_or_else(|| ScopeError::Unknown(part.to_owned()))?;
            set.insert(scope);
        }
        if set.is_empty() {
            return Err(ScopeError::Empty);
        }
        Ok(Scopes(set))
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn is_subset(&self, other: &Scopes) -> bool {
        self.0.is_subset(&other.0)
    }

    /// The first scope of `self` that `other` lacks.
    pub fn first_missing_from(&self, other: &Scopes) -> Option<Scope> {
        self.0.difference(&other.0).next().copied()
    }

    /// Space-separated, as RFC 6749 writes scopes.
    pub fn to_oauth_string(&self) -> String {
        self.join(" ")
    }

    /// Comma-separated, as the product writes scopes and as they are stored.
    pub fn to_product_string(&self) -> String {
        self.join(",")
    }

    fn join(&self, sep: &str) -> String {
        self.0
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(sep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commas_and_spaces_alike() {
        let a = Scopes::parse("info,income").unwrap();
        let b = Scopes::parse("income info").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_product_string(), "info,income");
    }

    #[test]
    fn refuses_unknown_and_empty() {
        assert_eq!(
            Scopes::parse("info,bananas"),
            Err(ScopeError::Unknown("bananas".into()))
        );
        assert_eq!(Scopes::parse(" , "), Err(ScopeError::Empty));
    }

    #[test]
    fn all_nine_scopes_of_the_docs_parse() {
        let docs = "vehicles, unsecured_loans, info, income, student_loan, e_invoices, \
            unsecured_loans_presentation, unsecured_loans_processing, tax_data_pdf";
        let all = Scopes::parse(&docs.replace(' ', "")).unwrap();
        assert_eq!(all.iter().collect::<Vec<_>>().len(), 9);
        assert_eq!(Scope::ALL.len(), 9);
    }

    #[test]
    fn subset_and_missing() {
        let all = Scopes::parse("info,income,vehicles").unwrap();
        let some = Scopes::parse("info,e_invoices").unwrap();
        assert!(!some.is_subset(&all));
        assert_eq!(some.first_missing_from(&all), Some(Scope::EInvoices));
    }
}
