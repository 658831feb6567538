//! Points in time, and the clock that reads them. A leaf: it imports
//! nothing of this crate, and nothing of a database or of HTTP (the store
//! says how a [`UnixTime`] is stored, in `store/unix_time.rs`).
//!
//! A point in time is a [`UnixTime`]; a length of time is a
//! [`std::time::Duration`]. The two do not mix with plain integers: a
//! time plus a count, or a lease length passed where an expiry belongs,
//! does not compile.
//!
//! Stored times are whole seconds. A time something must not happen
//! before (a retry's due time, a lease's end) is rounded up, never down:
//! it is computed from the clock's [`Moment`], to the nanosecond, so that
//! a job due "3 s after this answer" is not taken 2.1 s after it.

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

/// A duration in seconds rounded up (1.2 s is 2), as far as an `i64`
/// holds it.
fn secs_rounded_up(d: Duration) -> i64 {
    whole_secs(d).saturating_add(i64::from(d.subsec_nanos() > 0))
}

/// `time + duration`: later by the duration rounded up to whole seconds
/// (no earlier than asked); saturating, never wrapping.
impl Add<Duration> for UnixTime {
    type Output = UnixTime;

    fn add(self, by: Duration) -> UnixTime {
        UnixTime(self.0.saturating_add(secs_rounded_up(by)))
    }
}

/// `time - duration`: earlier by the duration's whole seconds; saturating.
impl Sub<Duration> for UnixTime {
    type Output = UnixTime;

    fn sub(self, by: Duration) -> UnixTime {
        UnixTime(self.0.saturating_sub(whole_secs(by)))
    }
}

/// A point in time as a clock read it, to the nanosecond: the whole
/// second it falls in and how far into that second. What a due time or a
/// lease's end is computed from ([`Moment::after`]), so that neither
/// comes early by the fraction of a second the stored time drops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Moment {
    second: UnixTime,
    /// Nanoseconds into `second`, below 1 000 000 000.
    nanos: u32,
}

impl Moment {
    /// `nanos` nanoseconds into the second `second` (a full second or more
    /// is carried into the seconds).
    pub fn new(second: UnixTime, nanos: u32) -> Moment {
        let carried = Duration::from_nanos(u64::from(nanos));
        Moment {
            second: UnixTime(second.0.saturating_add(whole_secs(carried))),
            nanos: carried.subsec_nanos(),
        }
    }

    /// The whole second this moment falls in (rounded down): "now", as
    /// stored times are compared with it. A time `t` is reached exactly
    /// when `t <= moment.second()`.
    pub fn second(self) -> UnixTime {
        self.second
    }

    /// The first whole second no earlier than `wait` after this moment
    /// (rounded up): a due time or a lease's end. Once a clock's
    /// [`Moment::second`] reaches it, `wait` has passed in full.
    pub fn after(self, wait: Duration) -> UnixTime {
        let into = Duration::from_nanos(u64::from(self.nanos)).saturating_add(wait);
        self.second + into
    }

    /// "Now" to the whole second (as the store compares times), and a
    /// lease from it that ends no earlier than `lease` after this moment:
    /// another worker takes the job over only once the whole lease has
    /// passed, however late in its second it was taken. A lease ends after
    /// `now` (at least a second), so that its holder can write in the
    /// second it took the job.
    pub fn lease(self, lease: Duration) -> (UnixTime, Duration) {
        let now = self.second();
        let end = self.after(lease).max(now + Duration::from_secs(1));
        (now, end.since(now))
    }
}

/// A whole second as a moment: its start.
impl From<UnixTime> for Moment {
    fn from(second: UnixTime) -> Moment {
        Moment { second, nanos: 0 }
    }
}

/// The time source. Handlers and workers take the time here, once, and
/// pass it on; logic never reads a clock itself.
pub trait Clock: Send + Sync + 'static {
    /// The time, in whole seconds (rounded down).
    fn now(&self) -> UnixTime;

    /// The time to the nanosecond, for due times and leases; a clock that
    /// reads whole seconds only (a test's) gives the start of its second.
    fn moment(&self) -> Moment {
        Moment::from(self.now())
    }
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixTime {
        self.moment().second()
    }

    fn moment(&self) -> Moment {
        moment(std::time::SystemTime::now())
    }
}

/// A time far in the future, still far from overflow when durations are
/// added to it.
const CLOCK_BROKEN: UnixTime = UnixTime(1 << 40);

/// The system time as a [`Moment`]. A clock before 1970 is broken:
/// rather than 0 (when every token and ID token would look unexpired), it
/// reads as the far future, when everything has expired. It fails closed.
fn moment(t: std::time::SystemTime) -> Moment {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) if whole_secs(d) < CLOCK_BROKEN.0 => {
            Moment::new(UnixTime(whole_secs(d)), d.subsec_nanos())
        }
        Ok(_) => Moment::from(CLOCK_BROKEN),
        Err(_) => {
            tracing::error!("the system clock is before 1970; everything reads as expired");
            Moment::from(CLOCK_BROKEN)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    const T: UnixTime = UnixTime::from_secs(1_800_000_000);

    fn unix_time(t: std::time::SystemTime) -> UnixTime {
        moment(t).second()
    }

    #[test]
    fn a_clock_before_1970_fails_closed() {
        assert_eq!(
            unix_time(UNIX_EPOCH + Duration::from_secs(5)),
            UnixTime::from_secs(5)
        );
        assert_eq!(unix_time(UNIX_EPOCH - Duration::from_secs(5)), CLOCK_BROKEN);
        assert_eq!(
            unix_time(UNIX_EPOCH + Duration::from_secs(1 << 41)),
            CLOCK_BROKEN
        );
        // Expiry times built on it do not overflow.
        assert!(CLOCK_BROKEN.0.checked_add(86_400 * 365 * 100).is_some());
        assert!(
            CLOCK_BROKEN.to_datetime().is_some(),
            "still a calendar time"
        );
    }

    #[test]
    fn durations_move_a_time_by_whole_seconds_rounded_up() {
        assert_eq!(
            T + Duration::from_secs(300),
            UnixTime::from_secs(1_800_000_300)
        );
        assert_eq!(
            T - Duration::from_secs(300),
            UnixTime::from_secs(1_799_999_700)
        );
        // Later by no less than asked: a fraction of a second counts as one.
        assert_eq!(T + Duration::from_millis(1_001), T + Duration::from_secs(2));
        assert_eq!(T + Duration::from_millis(1_999), T + Duration::from_secs(2));
        assert_eq!(T + Duration::from_nanos(1), T + Duration::from_secs(1));
        assert_eq!(T + Duration::ZERO, T);
        assert!(T < T + Duration::from_secs(1));
        assert_eq!(T + Duration::MAX, UnixTime::from_secs(i64::MAX));
        assert_eq!(
            UnixTime::from_secs(i64::MIN + 1) - Duration::from_secs(5),
            UnixTime::from_secs(i64::MIN)
        );
    }

    /// A due time or a lease's end is the first whole second no earlier
    /// than the moment plus the wait: `Retry-After: 3` read 0.9 s into a
    /// second is due 4 s after that second began, not 3 (2.1 s later).
    #[test]
    fn a_due_time_is_rounded_up_from_the_moment_never_down() {
        let late = Moment::new(T, 900_000_000);
        assert_eq!(late.second(), T);
        assert_eq!(
            late.after(Duration::from_secs(3)),
            T + Duration::from_secs(4)
        );
        assert_eq!(late.after(Duration::ZERO), T + Duration::from_secs(1));
        assert_eq!(
            late.after(Duration::from_millis(100)),
            T + Duration::from_secs(1)
        );
        assert_eq!(
            late.after(Duration::from_millis(101)),
            T + Duration::from_secs(2)
        );
        // On a whole second, the wait alone.
        let whole = Moment::from(T);
        assert_eq!(
            whole.after(Duration::from_secs(3)),
            T + Duration::from_secs(3)
        );
        assert_eq!(whole.after(Duration::ZERO), T);
        // Reached only once the wait has passed in full, and less than a
        // second after, whatever the fraction.
        for nanos in [0, 1, 250_000_000, 999_999_999] {
            let due = Moment::new(T, nanos).after(Duration::from_secs(3));
            let waited = i128::from(due.secs_since(T)) * 1_000_000_000 - i128::from(nanos);
            assert!((3_000_000_000..4_000_000_000).contains(&waited), "{nanos}");
        }
        // Saturating, and a whole second of nanoseconds is carried.
        assert_eq!(
            Moment::new(UnixTime::from_secs(i64::MAX), 999_999_999).after(Duration::MAX),
            UnixTime::from_secs(i64::MAX)
        );
        assert_eq!(
            Moment::new(T, 1_500_000_000),
            Moment::new(T + Duration::from_secs(1), 500_000_000)
        );
    }

    #[test]
    fn the_system_clock_reads_fractions_of_a_second() {
        let at = moment(UNIX_EPOCH + Duration::from_millis(5_900));
        assert_eq!(at, Moment::new(UnixTime::from_secs(5), 900_000_000));
        assert_eq!(at.after(Duration::from_secs(1)), UnixTime::from_secs(7));
        let read = SystemClock.moment();
        assert!(read.second() <= SystemClock.now());
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

    /// A lease taken 0.9 s into a second (a job's or a webhook event's) ends a whole lease later, in the
    /// second after (the store adds the lease to the whole second).
    #[test]
    fn a_lease_taken_late_in_a_second_ends_no_earlier_than_it_should() {
        let t = UnixTime::from_secs(1_800_000_000);
        let (now, lease) = Moment::new(t, 900_000_000).lease(Duration::from_secs(61));
        assert_eq!(now, t);
        assert_eq!(lease, Duration::from_secs(62));
        let (now, lease) = Moment::from(t).lease(Duration::from_secs(61));
        assert_eq!((now, lease), (t, Duration::from_secs(61)));
        let (_, lease) = Moment::new(t, 1).lease(Duration::from_millis(500));
        assert_eq!(t + lease, t + Duration::from_secs(1));
        // Never one its holder could not write under (the store refuses a
        // write at or after a lease's end).
        let (_, lease) = Moment::from(t).lease(Duration::ZERO);
        assert_eq!(lease, Duration::from_secs(1));
    }
}
