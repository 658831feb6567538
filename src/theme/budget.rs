//! How many fetches of integrators' sheets one link session and one
//! origin may cause. The cache serves a URL it holds without fetching;
//! these bound what new URLs (a new query string per session) and expired
//! entries can make us send, however many sessions ask.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota};

/// A refillable budget: `burst` fetches at once, then one every `every`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchRate {
    pub burst: NonZeroU32,
    pub every: Duration,
}

impl FetchRate {
    fn quota(self) -> Option<Quota> {
        Quota::with_period(self.every).map(|q| q.allow_burst(self.burst))
    }
}

/// Why a sheet was not fetched although it is allowed.
#[derive(Debug, PartialEq, thiserror::Error)]
pub(crate) enum OverBudget {
    #[error("this link session's fetches are used up")]
    Session,
    #[error("this origin's fetches are used up")]
    Origin,
}

/// The per-session and per-origin budgets of one instance.
pub(crate) struct FetchBudget {
    per_session: Option<DefaultKeyedRateLimiter<String>>,
    per_origin: Option<DefaultKeyedRateLimiter<String>>,
    spent: AtomicU64,
}

/// How many fetches between sweeps of keys whose budget is full again,
/// which keeps memory bounded by the sessions seen recently.
const SWEEP_EVERY: u64 = 1024;

impl FetchBudget {
    pub(crate) fn new(per_session: FetchRate, per_origin: FetchRate) -> FetchBudget {
        let keyed = |rate: FetchRate| rate.quota().map(governor::RateLimiter::keyed);
        FetchBudget {
            per_session: keyed(per_session),
            per_origin: keyed(per_origin),
            spent: AtomicU64::new(0),
        }
    }

    /// Takes one fetch from the budgets of `session` and `origin`, or says
    /// which is used up.
    pub(crate) fn spend(&self, session: &str, origin: &str) -> Result<(), OverBudget> {
        if self.spent.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            for limiter in [&self.per_session, &self.per_origin].into_iter().flatten() {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        }
        let take = |limiter: &Option<DefaultKeyedRateLimiter<String>>, key: &str| {
            limiter
                .as_ref()
                .is_none_or(|l| l.check_key(&key.to_owned()).is_ok())
        };
        if !take(&self.per_session, session) {
            return Err(OverBudget::Session);
        }
        if !take(&self.per_origin, origin) {
            return Err(OverBudget::Origin);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(burst: u32, every_secs: u64) -> FetchRate {
        FetchRate {
            burst: NonZeroU32::new(burst).unwrap(),
            every: Duration::from_secs(every_secs),
        }
    }

    #[test]
    fn a_session_and_an_origin_each_get_their_burst_then_wait() {
        let budget = FetchBudget::new(rate(2, 300), rate(3, 60));
        assert_eq!(budget.spend("s1", "https://a.example"), Ok(()));
        assert_eq!(budget.spend("s1", "https://a.example"), Ok(()));
        assert_eq!(
            budget.spend("s1", "https://a.example"),
            Err(OverBudget::Session)
        );
        assert_eq!(budget.spend("s2", "https://a.example"), Ok(()));
        assert_eq!(
            budget.spend("s3", "https://a.example"),
            Err(OverBudget::Origin)
        );
        // Another origin has a budget of its own.
        assert_eq!(budget.spend("s3", "https://b.example"), Ok(()));
    }

    #[test]
    fn a_zero_period_is_no_limit() {
        let budget = FetchBudget::new(rate(1, 0), rate(1, 0));
        for _ in 0..100 {
            assert_eq!(budget.spend("s", "https://a.example"), Ok(()));
        }
    }
}
