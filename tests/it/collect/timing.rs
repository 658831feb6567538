//! Due times and leases by the real clock: a retry and a take-over come
//! no earlier than asked, however late in a second the answer came or the
//! job was taken (stored times are whole seconds; they are rounded up).
//! Each case starts late in a second, where rounding down would show.

use std::time::UNIX_EPOCH;

use consent_link::collect::worker::Worker;
use consent_link::SystemClock;

use super::*;

/// Sleeps until `ms` milliseconds past a second boundary.
async fn into_a_second(ms: u32) {
    let into = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_millis();
    let wait = (1000 + ms - into) % 1000;
    tokio::time::sleep(Duration::from_millis(u64::from(wait))).await;
}

/// [`worker`] for `url`, on the system clock, holding a job for exactly
/// the longest time-out (2 s, no margin).
fn real_clock_worker(app: &TestApp, url: &str) -> Worker {
    Worker {
        clock: Arc::new(SystemClock),
        lease_margin: Duration::ZERO,
        ..worker(app, url)
    }
}

/// Sets the test clock to the system clock's second, so that a
/// collection written by it is due for a worker on the system clock.
fn set_to_the_system_clock(app: &TestApp) {
    let real = SystemClock.now().as_secs();
    app.clock.advance(real - app.clock.now().as_secs());
}

/// Waits (at most 10 s) until `fake` has seen `n` requests.
async fn until_seen(fake: &Fake, n: usize) {
    for _ in 0..2000 {
        if fake.arrived.lock().unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the source never saw request {n}");
}

fn elapsed(from: SystemTime, to: SystemTime) -> Duration {
    to.duration_since(from).unwrap_or_default()
}

/// A source answers `429` with `Retry-After: N` late in a second: the
/// retry reaches it no earlier than N seconds after that answer was sent
/// (whole-second due times counted from the start of the answer's second
/// let it come up to a second early).
#[tokio::test]
async fn retry_after_is_honoured_in_full_however_late_in_a_second_the_429_came() {
    let app = TestApp::new().await;
    set_to_the_system_clock(&app);
    for (ms, after) in [(900, "1"), (960, "2"), (700, "1")] {
        let (fake, url) = fake_source(vec![
            (429, "slow down".into(), Some(after)),
            (200, both_body(), None),
        ])
        .await;
        let w = real_clock_worker(&app, &url);
        let id = kari_collection(&app, &url).await;
        into_a_second(ms).await;
        assert!(w.run_one().await.unwrap());
        let polling = std::time::Instant::now();
        while !w.run_one().await.unwrap() && polling.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(app.collection(&id).await.status.as_str(), "done");
        let sent = fake.answered.lock().unwrap()[0];
        let retried = fake.arrived.lock().unwrap()[1];
        let asked = Duration::from_secs(after.parse().unwrap());
        let waited = elapsed(sent, retried);
        assert!(
            waited >= asked,
            "Retry-After: {after} sent {ms} ms into a second, retried after {waited:?}"
        );
        assert!(waited < asked + Duration::from_secs(3), "{waited:?}");
    }
}

/// A worker that dies holding a job it took late in a second (its task
/// is dropped mid-call): another takes the job over only once the whole
/// lease has passed, not at the start of the lease's last second.
#[tokio::test]
async fn a_job_taken_late_in_a_second_is_taken_over_no_earlier_than_its_lease_ends() {
    let app = TestApp::new().await;
    set_to_the_system_clock(&app);
    for ms in [900, 960] {
        let (fake, url) = fake_source(vec![(200, both_body(), None)]).await;
        *fake.delay.lock().unwrap() = Duration::from_secs(30);
        kari_collection(&app, &url).await;
        let lease = Duration::from_secs(2); // timeout_secs, no margin
        into_a_second(ms).await;
        let before = SystemTime::now();
        let first = real_clock_worker(&app, &url);
        let dying = tokio::spawn(async move { first.run_one().await });
        until_seen(&fake, 1).await;
        dying.abort();
        let second = real_clock_worker(&app, &url);
        let polling = tokio::spawn(async move {
            while !second.run_one().await.unwrap() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        until_seen(&fake, 2).await;
        polling.abort();
        let taken_over = fake.arrived.lock().unwrap()[1];
        let waited = elapsed(before, taken_over);
        assert!(
            waited >= lease,
            "taken {ms} ms into a second, taken over after {waited:?}"
        );
        assert!(waited < lease + Duration::from_secs(3), "{waited:?}");
    }
}
