//! What a collection job does after each attempt at a source, and what a
//! collection's status is once its jobs are done (SPEC.md, "Data
//! collection"). Pure: the worker applies the decision to the store.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value};

use super::source::{backoff, Attempt, MAX_BACKOFF};
use crate::oauth2::scope::Scope;

/// A collection's data status, as every data body carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Consent recorded, collection not started.
    New,
    InProgress,
    /// Every consented scope collected.
    Done,
    /// Some were.
    PartiallyDone,
    /// None was.
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::InProgress => "in_progress",
            Status::Done => "done",
            Status::PartiallyDone => "partially_done",
            Status::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::New,
            Status::InProgress,
            Status::Done,
            Status::PartiallyDone,
            Status::Error,
        ]
        .into_iter()
        .find(|status| status.as_str() == s)
    }

    /// A final status never changes.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Done | Status::PartiallyDone | Status::Error)
    }

    /// The final status of a collection that asked for `asked` scopes and
    /// got `collected` of them.
    pub fn of(collected: usize, asked: usize) -> Status {
        match collected {
            0 => Status::Error,
            n if n >= asked => Status::Done,
            _ => Status::PartiallyDone,
        }
    }
}

/// What the job does next.
#[derive(Debug, PartialEq)]
pub enum Next {
    /// The job ends: store `data`; the scopes in `failed` have none.
    Finish {
        data: BTreeMap<Scope, Map<String, Value>>,
        failed: BTreeMap<Scope, String>,
    },
    /// Try again after this long.
    RetryAfter(Duration),
}

/// After attempt number `made` (1, 2, …) of at most `attempts` at a source
/// asked for `scopes`, given what the attempt gave.
pub fn after_attempt(attempt: Attempt, made: u32, attempts: u32, scopes: &[Scope]) -> Next {
    let all_fail = |reason: String| Next::Finish {
        data: BTreeMap::new(),
        failed: scopes.iter().map(|s| (*s, reason.clone())).collect(),
    };
    match attempt {
        Attempt::Answered { data, errors } => Next::Finish {
            data,
            failed: errors,
        },
        Attempt::Failed(reason) => all_fail(reason),
        Attempt::Retry { after, .. } if made < attempts => {
            Next::RetryAfter(backoff(made + 1, after))
        }
        Attempt::Retry { reason, .. } => {
            all_fail(format!("gave up after {made} attempts: {reason}"))
        }
        Attempt::Pending { after } if made < attempts => Next::RetryAfter(after.min(MAX_BACKOFF)),
        Attempt::Pending { .. } => all_fail(format!("still collecting after {made} attempts")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCOPES: [Scope; 2] = [Scope::Info, Scope::Income];

    fn retry(after: Option<u64>) -> Attempt {
        Attempt::Retry {
            reason: "answered 503".into(),
            after: after.map(Duration::from_secs),
        }
    }

    #[test]
    fn retries_with_backoff_until_the_attempts_are_used_then_every_scope_fails() {
        assert_eq!(
            after_attempt(retry(None), 1, 5, &SCOPES),
            Next::RetryAfter(Duration::from_secs(1))
        );
        assert_eq!(
            after_attempt(retry(None), 3, 5, &SCOPES),
            Next::RetryAfter(Duration::from_secs(4))
        );
        assert_eq!(
            after_attempt(retry(Some(30)), 1, 5, &SCOPES),
            Next::RetryAfter(Duration::from_secs(30))
        );
        let Next::Finish { data, failed } = after_attempt(retry(None), 5, 5, &SCOPES) else {
            panic!("retried past its attempts");
        };
        assert!(data.is_empty());
        assert_eq!(failed.len(), 2);
        assert!(failed[&Scope::Info].starts_with("gave up after 5 attempts"));
    }

    #[test]
    fn a_client_error_fails_at_once_and_an_answer_is_kept() {
        let Next::Finish { failed, .. } =
            after_attempt(Attempt::Failed("answered 400".into()), 1, 5, &SCOPES)
        else {
            panic!("a 4xx was retried");
        };
        assert_eq!(failed[&Scope::Income], "answered 400");
        let mut data = BTreeMap::new();
        data.insert(Scope::Info, Map::new());
        let answered = Attempt::Answered {
            data: data.clone(),
            errors: BTreeMap::new(),
        };
        assert_eq!(
            after_attempt(answered, 1, 5, &SCOPES),
            Next::Finish {
                data,
                failed: BTreeMap::new()
            }
        );
    }

    #[test]
    fn the_final_status_counts_what_was_collected() {
        assert_eq!(Status::of(2, 2), Status::Done);
        assert_eq!(Status::of(1, 2), Status::PartiallyDone);
        assert_eq!(Status::of(0, 2), Status::Error);
        assert!(Status::Done.is_final() && !Status::InProgress.is_final());
        assert!(!Status::New.is_final());
    }
}
