//! Points in time, and the clock that reads them. A leaf: it imports
//! nothing of this crate, and nothing of a database or of HTTP (the store
//! says how a [`UnixTime`] is stored, in `store/unix_time.rs`).
//!
//! A point in time is a [`UnixTime`]; a length of time is a
//! [`std::time::Duration`]. The two do not mix with plain integers: a
//! time plus a count, or a lease length passed where an expiry belongs,
//! does not compile.

use std::ops::{Add, Sub};
use std::time::Duration;

/// A point in time: whole seconds since 1970-01-01T00:00:00Z (UTC), the
/// unit of every time stored and compared here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(i64);

impl UnixTime {
    /// The time `secs` seconds after the epoch (before it, if negative).
    pub const fn from_secs(secs: i64) -> UnixTime {
        UnixTime(secs)
    }

    /// Seconds since the epoch: for storage, JSON numbers and headers.
    pub const fn as_secs(self) -> i64 {
        self.0
    }

    /// Seconds from `earlier` to `self`; negative when `earlier` is later.
    pub fn secs_since(self, earlier: UnixTime) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// How long after `earlier` `self` is; zero when it is not after it.
    pub fn since(self, earlier: UnixTime) -> Duration {
        Duration::from_secs(u64::try_from(self.secs_since(earlier)).unwrap_or(0))
    }

    /// As a calendar time in UTC; `None` beyond what a calendar holds
    /// (hundreds of thousands of years away).
    pub fn to_datetime(self) -> Option<chrono::DateTime<chrono::Utc>> {
        chrono::DateTime::from_timestamp(self.0, 0)
    }

    /// A calendar time, to the second (fractions are dropped).
    pub fn from_datetime(t: chrono::DateTime<chrono::Utc>) -> UnixTime {
        UnixTime(t.timestamp())
    }
}

/// A duration in whole seconds, as far as an `i64` holds it.
fn whole_secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// `time + duration`: later by the duration's whole seconds; saturating,
/// never wrapping.
impl Add<Duration> for UnixTime {
    type Output = UnixTime;

    fn add(self, by: Duration) -> UnixTime {
        UnixTime(self.0.saturating_add(whole_secs(by)))
    }
}

/// `time - duration`: earlier by the duration's whole seconds; saturating.
impl Sub<Duration> for UnixTime {
    type Output = UnixTime;

    fn sub(self, by: Duration) -> UnixTime {
        UnixTime(self.0.saturating_sub(whole_secs(by)))
    }
}

/// The time source. Handlers and workers take the time here, once, and
/// pass it on; logic never reads a clock itself.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> UnixTime;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixTime {
        unix_time(std::time::SystemTime::now())
    }
}

/// A time far in the future, still far from overflow when durations are
/// added to it.
const CLOCK_BROKEN: UnixTime = UnixTime(1 << 40);

/// The system time as a [`UnixTime`]. A clock before 1970 is broken:
/// rather than 0 (when every token and ID token would look unexpired), it
/// reads as the far future, when everything has expired. It fails closed.
fn unix_time(t: std::time::SystemTime) -> UnixTime {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => UnixTime(
            i64::try_from(d.as_secs())
                .unwrap_or(CLOCK_BROKEN.0)
                .min(CLOCK_BROKEN.0),
        ),
        Err(_) => {
            tracing::error!("the system clock is before 1970; everything reads as expired");
            CLOCK_BROKEN
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    const T: UnixTime = UnixTime::from_secs(1_800_000_000);

    #[test]
    fn a_clock_before_1970_fails_closed() {
        assert_eq!(
            unix_time(UNIX_EPOCH + Duration::from_secs(5)),
            UnixTime::from_secs(5)
        );
        assert_eq!(unix_time(UNIX_EPOCH - Duration::from_secs(5)), CLOCK_BROKEN);
        // Expiry times built on it do not overflow.
        assert!(CLOCK_BROKEN.0.checked_add(86_400 * 365 * 100).is_some());
        assert!(
            CLOCK_BROKEN.to_datetime().is_some(),
            "still a calendar time"
        );
    }

    #[test]
    fn durations_move_a_time_by_whole_seconds() {
        assert_eq!(
            T + Duration::from_secs(300),
            UnixTime::from_secs(1_800_000_300)
        );
        assert_eq!(
            T - Duration::from_secs(300),
            UnixTime::from_secs(1_799_999_700)
        );
        assert_eq!(T + Duration::from_millis(1_999), T + Duration::from_secs(1));
        assert!(T < T + Duration::from_secs(1));
        assert_eq!(T + Duration::MAX, UnixTime::from_secs(i64::MAX));
        assert_eq!(
            UnixTime::from_secs(i64::MIN + 1) - Duration::from_secs(5),
            UnixTime::from_secs(i64::MIN)
        );
    }

    #[test]
    fn differences_are_signed_seconds_or_a_duration_from_zero() {
        let later = T + Duration::from_secs(90);
        assert_eq!(later.secs_since(T), 90);
        assert_eq!(T.secs_since(later), -90);
        assert_eq!(later.since(T), Duration::from_secs(90));
        assert_eq!(T.since(later), Duration::ZERO);
    }

    #[test]
    fn converts_to_and_from_calendar_time() {
        let t = T.to_datetime().unwrap();
        assert_eq!(t.to_rfc3339(), "2027-01-15T08:00:00+00:00");
        assert_eq!(UnixTime::from_datetime(t), T);
        assert_eq!(UnixTime::from_secs(i64::MAX).to_datetime(), None);
    }
}
