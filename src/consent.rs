//! The consent lifecycle's rules, pure: a consent's purpose and term, its
//! status at a moment, who may end it and how, and the events its history
//! keeps. No store, no HTTP, no clock: time is a parameter.

use std::time::Duration;

use crate::oauth2::scope::{Scope, Scopes};
use crate::time::UnixTime;

/// A client's consent duration when none is given (`--consent-days`).
pub const DEFAULT_DAYS: u32 = 90;
/// The longest duration a client may be given.
pub const MAX_DAYS: u32 = 3650;
/// How long before its end a consent is reported as expiring.
pub const EXPIRING_NOTICE: Duration = Duration::from_secs(7 * 86_400);
/// How many days history is kept when none is given
/// (`--consent-history-days`).
pub const DEFAULT_HISTORY_DAYS: u32 = 1825;

/// What a consent is for, from its scopes: the two purpose scopes of debt
/// data (Norsk Gjeldsinformasjon's consent types), else a general one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Processing a credit application (`unsecured_loans_processing`).
    /// When both purpose scopes are given this one wins: its cap is the
    /// smaller.
    LoanProcessing,
    /// Showing the person their debt (`unsecured_loans_presentation`).
    LoanPresentation,
    /// Anything else: the client's own purpose, under its duration.
    General,
}

impl Purpose {
    pub fn of(scopes: &Scopes) -> Purpose {
        if scopes.contains(Scope::UnsecuredLoansProcessing) {
            Purpose::LoanProcessing
        } else if scopes.contains(Scope::UnsecuredLoansPresentation) {
            Purpose::LoanPresentation
        } else {
            Purpose::General
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::LoanProcessing => "unsecured_loans_processing",
            Purpose::LoanPresentation => "unsecured_loans_presentation",
            Purpose::General => "general",
        }
    }

    /// The longest a consent for this purpose may last, in days.
    pub fn cap_days(self) -> Option<u32> {
        match self {
            Purpose::LoanProcessing => Some(28),
            Purpose::LoanPresentation => Some(365),
            Purpose::General => None,
        }
    }
}

/// A consent's term: the client's duration, capped by the purpose.
pub fn term_days(client_days: u32, scopes: &Scopes) -> u32 {
    let days = client_days.clamp(1, MAX_DAYS);
    Purpose::of(scopes)
        .cap_days()
        .map_or(days, |cap| days.min(cap))
}

/// When a consent given at `granted_at` ends.
pub fn expires_at(granted_at: UnixTime, client_days: u32, scopes: &Scopes) -> UnixTime {
    granted_at + Duration::from_secs(u64::from(term_days(client_days, scopes)) * 86_400)
}

/// A consent's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Active,
    Expired,
    Withdrawn,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Expired => "expired",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::Active, Status::Expired, Status::Withdrawn]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    /// The status at `now` of a consent stored as `stored` that ends at
    /// `expires_at`: one past its end is expired from that second on,
    /// whether or not the sweep has recorded it yet.
    pub fn at(stored: Status, expires_at: UnixTime, now: UnixTime) -> Status {
        match stored {
            Status::Active if now >= expires_at => Status::Expired,
            other => other,
        }
    }
}

/// Who ended a consent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndedBy {
    /// The person who gave it.
    Person,
    /// The client it was given to (`DELETE /api/1.0/consents/:id`).
    Integrator,
    /// The operator of this deployment.
    Operator,
    /// Its term ran out.
    Expiry,
}

impl EndedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            EndedBy::Person => "person",
            EndedBy::Integrator => "integrator",
            EndedBy::Operator => "operator",
            EndedBy::Expiry => "expiry",
        }
    }

    pub fn parse(s: &str) -> Option<EndedBy> {
        [
            EndedBy::Person,
            EndedBy::Integrator,
            EndedBy::Operator,
            EndedBy::Expiry,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    /// The status a consent ended this way has: expired by its term,
    /// withdrawn by anyone.
    pub fn ends_as(self) -> Status {
        match self {
            EndedBy::Expiry => Status::Expired,
            _ => Status::Withdrawn,
        }
    }
}

/// How one ending of a consent applies to it at `now`.
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    /// The consent is active: it ends now, so.
    Ends(Status),
    /// It ended before (a retry of a withdrawal is not an error).
    AlreadyEnded,
    /// Its term has not run out: expiry does not apply yet.
    NotDue,
}

/// Whether `by` ends a consent that is `status` at `now` and ends at
/// `expires_at`. Only an active consent ends; expiry only once its term
/// has run out; a withdrawal of one whose term ran out (not yet swept) is
/// recorded as its expiry, the truth of it.
pub fn end(status: Status, expires_at: UnixTime, by: EndedBy, now: UnixTime) -> Ending {
    match Status::at(status, expires_at, now) {
        Status::Active if by == EndedBy::Expiry => Ending::NotDue,
        Status::Active => Ending::Ends(by.ends_as()),
        Status::Expired if status == Status::Active => Ending::Ends(Status::Expired),
        _ => Ending::AlreadyEnded,
    }
}

/// What a consent's history records (no national ID, no data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Granted,
    Renewed,
    /// A collection ended with this final status.
    DataCollected(String),
    /// The integrator read this endpoint (its path template).
    Read(&'static str),
    Withdrawn(EndedBy),
    Expired,
}

impl Event {
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Granted => "granted",
            Event::Renewed => "renewed",
            Event::DataCollected(_) => "data_collected",
            Event::Read(_) => "read",
            Event::Withdrawn(_) => "withdrawn",
            Event::Expired => "expired",
        }
    }

    /// The event's one detail: a status, a path, who withdrew.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Event::DataCollected(status) => Some(status),
            Event::Read(path) => Some(path),
            Event::Withdrawn(by) => Some(by.as_str()),
            _ => None,
        }
    }

    /// The event of ending a consent as `status` by `by`.
    pub fn ending(status: Status, by: EndedBy) -> Event {
        match status {
            Status::Expired => Event::Expired,
            _ => Event::Withdrawn(by),
        }
    }
}

/// Whether `consent.expiring` is due at `now` for an active consent ending
/// at `expires_at`: within the notice period, before the end.
pub fn expiring_due(expires_at: UnixTime, now: UnixTime) -> bool {
    now < expires_at && expires_at <= now + EXPIRING_NOTICE
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixTime = UnixTime::from_secs(1_800_000_000);
    const DAY: u64 = 86_400;

    fn scopes(s: &str) -> Scopes {
        Scopes::parse(s).unwrap()
    }

    #[test]
    fn the_purpose_scopes_cap_the_clients_duration_and_the_smaller_wins() {
        assert_eq!(term_days(90, &scopes("info")), 90);
        assert_eq!(term_days(400, &scopes("info")), 400);
        assert_eq!(term_days(400, &scopes("unsecured_loans_presentation")), 365);
        assert_eq!(term_days(90, &scopes("unsecured_loans_presentation")), 90);
        assert_eq!(term_days(90, &scopes("unsecured_loans_processing")), 28);
        assert_eq!(term_days(10, &scopes("unsecured_loans_processing")), 10);
        let both = scopes("unsecured_loans_presentation,unsecured_loans_processing");
        assert_eq!(term_days(400, &both), 28);
        assert_eq!(Purpose::of(&both), Purpose::LoanProcessing);
        assert_eq!(Purpose::of(&scopes("info,income")), Purpose::General);
        assert_eq!(
            expires_at(NOW, 90, &scopes("unsecured_loans_processing")),
            NOW + Duration::from_secs(28 * DAY)
        );
    }

    #[test]
    fn a_consent_is_expired_from_the_second_its_term_ends() {
        let end = NOW + Duration::from_secs(DAY);
        let before = NOW + Duration::from_secs(DAY - 1);
        assert_eq!(Status::at(Status::Active, end, before), Status::Active);
        assert_eq!(Status::at(Status::Active, end, end), Status::Expired);
        assert_eq!(Status::at(Status::Withdrawn, end, end), Status::Withdrawn);
    }

    #[test]
    fn only_an_active_consent_ends_and_expiry_only_when_due() {
        let end_at = NOW + Duration::from_secs(DAY);
        let later = end_at + Duration::from_secs(1);
        let integrator = EndedBy::Integrator;
        assert_eq!(
            end(Status::Active, end_at, integrator, NOW),
            Ending::Ends(Status::Withdrawn)
        );
        assert_eq!(
            end(Status::Active, end_at, EndedBy::Expiry, NOW),
            Ending::NotDue
        );
        assert_eq!(
            end(Status::Active, end_at, EndedBy::Expiry, end_at),
            Ending::Ends(Status::Expired)
        );
        // Withdrawn after its term ran out but before the sweep: expired.
        assert_eq!(
            end(Status::Active, end_at, integrator, later),
            Ending::Ends(Status::Expired)
        );
        for ended in [Status::Withdrawn, Status::Expired] {
            assert_eq!(end(ended, end_at, integrator, NOW), Ending::AlreadyEnded);
            assert_eq!(
                end(ended, end_at, EndedBy::Expiry, later),
                Ending::AlreadyEnded
            );
        }
    }

    #[test]
    fn expiring_is_due_within_seven_days_before_the_end() {
        let end_at = NOW + Duration::from_secs(7 * DAY);
        assert!(expiring_due(end_at, NOW));
        assert!(!expiring_due(end_at, NOW - Duration::from_secs(1)));
        assert!(!expiring_due(end_at, end_at));
    }

    #[test]
    fn events_keep_a_kind_and_one_detail_never_data() {
        assert_eq!(Event::Read("/api/1.0/loans/:id").kind(), "read");
        assert_eq!(
            Event::Read("/api/1.0/loans/:id").detail(),
            Some("/api/1.0/loans/:id")
        );
        assert_eq!(
            Event::ending(Status::Withdrawn, EndedBy::Person).detail(),
            Some("person")
        );
        assert_eq!(
            Event::ending(Status::Expired, EndedBy::Expiry),
            Event::Expired
        );
        assert_eq!(Status::parse("expired"), Some(Status::Expired));
        assert_eq!(EndedBy::parse("operator"), Some(EndedBy::Operator));
        assert_eq!(EndedBy::parse("nobody"), None);
    }
}
