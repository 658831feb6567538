//! The collection jobs' store contract (issue 14), on SQLite and PostgreSQL
//! alike. One test, its parts in turn: jobs are shared by every worker of
//! a database, so parallel tests would take each other's.

use consent_link::store::{NewCollection, NewJob, Store};
use std::collections::HashSet;

use crate::support::*;

/// Long before T0 and every other test's times.
const BASE: UnixTime = UnixTime::from_secs(1_000_000);

/// After T0, and after what any purge in a shared database reaches (the
/// contract test purges data before BASE + 20 000 s; a `serve` purges by
/// the real clock): for the tests that check data is kept.
const LATE: UnixTime = UnixTime::from_secs(1_801_000_000);

fn id() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn collection(
    store: &dyn Store,
    scopes: &str,
    sources: &[(&str, &str)],
    now: UnixTime,
) -> String {
    let cid = id();
    let job_ids: Vec<String> = sources.iter().map(|_| id()).collect();
    let jobs: Vec<NewJob> = sources
        .iter()
        .zip(&job_ids)
        .map(|((source, scopes), id)| NewJob {
            id,
            source_id: source,
            scopes,
        })
        .collect();
    store
        .insert_collection(
            &NewCollection {
                id: &cid,
                user_data_id: &id(),
                client_id: "c",
                scopes,
                tax_entities: "[]",
                national_id_sealed: "sealed-nin",
                now,
            },
            &jobs,
        )
        .await
        .unwrap();
    cid
}

#[tokio::test]
async fn job_store_contract_leases_retries_and_finishes() {
    let url = database_url();
    let store = consent_link::store::connect(&url).await.unwrap();
    let store = store.as_ref();

    // Source IDs of this run only: other runs' jobs are never ours.
    let (a, b) = (format!("a-{}", id()), format!("b-{}", id()));
    // A due job is taken once; its collection is in progress.
    let now = BASE;
    let cid = collection(store, "info,income", &[(&a, "info"), (&b, "income")], now).await;
    assert_eq!(
        store
            .get_collection(&cid)
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "new"
    );
    let first = store
        .take_job(&a, now, secs(60), "w1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.collection_id, cid);
    assert_eq!(first.attempts, 1);
    assert_eq!(first.national_id_sealed.as_deref(), Some("sealed-nin"));
    assert_eq!(
        store
            .get_collection(&cid)
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "in_progress"
    );
    let second = store
        .take_job(&b, now, secs(60), "w2")
        .await
        .unwrap()
        .unwrap();
    assert_ne!(first.id, second.id);
    for source in [&a, &b] {
        assert!(
            store
                .take_job(source, now, secs(60), "w3")
                .await
                .unwrap()
                .is_none(),
            "both leased"
        );
    }

    // A lease that ran out is taken over; the first worker's late writes
    // are refused and change nothing.
    let again = store
        .take_job(&a, now + secs(61), secs(60), "w3")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(again.attempts, 2);
    assert!(!store
        .retry_job(&first.id, "w1", now + secs(999), now + secs(62))
        .await
        .unwrap());
    assert!(store
        .finish_job(&first.id, "w1", &[("info", "x")], now + secs(62))
        .await
        .unwrap()
        .is_none());

    // Retried: not due before its time.
    assert!(store
        .retry_job(&again.id, "w3", now + secs(500), now + secs(62))
        .await
        .unwrap());
    // Finishing the other job leaves the collection in progress.
    assert_eq!(
        store
            .finish_job(
                &second.id,
                "w2",
                &[("income", "sealed-body")],
                now + secs(59)
            )
            .await
            .unwrap()
            .as_deref(),
        Some("in_progress")
    );
    assert!(store
        .take_job(&a, now + secs(100), secs(60), "w4")
        .await
        .unwrap()
        .is_none());
    let last = store
        .take_job(&a, now + secs(500), secs(60), "w4")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last.id, first.id);
    assert_eq!(last.attempts, 3);
    // Its source failed: nothing collected for it. One of two scopes.
    assert_eq!(
        store
            .finish_job(&last.id, "w4", &[], now + secs(501))
            .await
            .unwrap()
            .as_deref(),
        Some("partially_done")
    );
    let done = store.get_collection(&cid).await.unwrap().unwrap();
    assert_eq!(done.status.as_str(), "partially_done");
    assert_eq!(done.finished_at, Some(now + secs(501)));
    assert!(
        done.national_id_sealed.is_none(),
        "the national ID is forgotten"
    );
    let data = store.get_collected_data(&cid).await.unwrap();
    assert_eq!(data, vec![("income".to_owned(), "sealed-body".to_owned())]);

    // Many workers at once: every job is taken exactly once.
    let now = BASE + secs(10_000);
    let mut ids = Vec::new();
    for _ in 0..24 {
        ids.push(collection(store, "info", &[(&a, "info")], now).await);
    }
    let workers: Vec<_> = (0..6)
        .map(|w| {
            let (url, a) = (url.clone(), a.clone());
            tokio::spawn(async move {
                let store = consent_link::store::connect(&url).await.unwrap();
                let mut taken = Vec::new();
                while let Some(job) = store
                    .take_job(&a, now, secs(600), &format!("worker-{w}"))
                    .await
                    .unwrap()
                {
                    taken.push(job.collection_id);
                }
                taken
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "a job was taken twice");
    for cid in &ids {
        assert!(unique.contains(cid), "a job was never taken");
    }

    // Data past the retention period goes; newer data stays.
    let now = BASE + secs(20_000);
    let r = format!("r-{}", id());
    let young = collection(store, "info", &[(&r, "info")], now).await;
    let job = store
        .take_job(&r, now, secs(60), "w-r")
        .await
        .unwrap()
        .unwrap();
    store
        .finish_job(&job.id, "w-r", &[("info", "young")], now)
        .await
        .unwrap();
    let before = store.purge_collected_data(now).await.unwrap();
    assert!(before >= 1, "older data was purged");
    assert!(store.get_collected_data(&cid).await.unwrap().is_empty());
    assert_eq!(store.get_collected_data(&young).await.unwrap().len(), 1);
}

/// A worker whose lease ran out writes nothing, even while no other
/// worker has taken the job over yet (its process stalled past the lease:
/// a pause, a slow disk): at the lease's end and after, its finish and its
/// retry are refused and change nothing, and the job is taken over as if
/// they had never come.
#[tokio::test]
async fn a_write_after_the_lease_ran_out_is_refused_though_no_one_took_the_job() {
    let store = consent_link::store::connect(&database_url()).await.unwrap();
    let store = store.as_ref();
    let a = format!("a-{}", id());
    let now = LATE + secs(1_000);
    let cid = collection(store, "info", &[(&a, "info")], now).await;
    let job = store
        .take_job(&a, now, secs(60), "w1")
        .await
        .unwrap()
        .unwrap();
    let end = now + secs(60);
    assert!(store
        .finish_job(&job.id, "w1", &[("info", "late")], end)
        .await
        .unwrap()
        .is_none());
    assert!(!store
        .retry_job(&job.id, "w1", end + secs(600), end + secs(1))
        .await
        .unwrap());
    assert!(store.get_collected_data(&cid).await.unwrap().is_empty());
    let c = store.get_collection(&cid).await.unwrap().unwrap();
    assert_eq!(c.status.as_str(), "in_progress");
    assert!(c.national_id_sealed.is_some());
    // Still due at once (the refused retry moved nothing), to another.
    let again = store
        .take_job(&a, end, secs(60), "w2")
        .await
        .unwrap()
        .expect("the job is taken over at the lease's end");
    assert_eq!((again.id.as_str(), again.attempts), (job.id.as_str(), 2));
    assert_eq!(
        store
            .finish_job(&again.id, "w2", &[("info", "in-time")], end + secs(59))
            .await
            .unwrap()
            .as_deref(),
        Some("done")
    );
    assert_eq!(
        store.get_collected_data(&cid).await.unwrap(),
        vec![("info".to_owned(), "in-time".to_owned())]
    );
}

/// What `/metrics` reports (issue 14, item 6): a source's jobs not held
/// by a worker are queued, held ones running, and one whose lease ran out
/// is queued again; an ended job is not counted.
#[tokio::test]
async fn job_counts_are_by_source_queued_and_running() {
    let store = consent_link::store::connect(&database_url()).await.unwrap();
    let store = store.as_ref();
    let (a, b) = (format!("a-{}", id()), format!("b-{}", id()));
    let count = |counts: &[consent_link::store::JobCount], source: &str| {
        counts
            .iter()
            .find(|c| c.source_id == source)
            .map(|c| (c.queued, c.running))
    };
    let now = BASE + secs(30_000);
    assert_eq!(count(&store.count_jobs(now).await.unwrap(), &a), None);
    collection(store, "info,income", &[(&a, "info"), (&b, "income")], now).await;
    collection(store, "info", &[(&a, "info")], now).await;
    let counts = store.count_jobs(now).await.unwrap();
    assert_eq!(count(&counts, &a), Some((2, 0)));
    assert_eq!(count(&counts, &b), Some((1, 0)));

    let taken = store
        .take_job(&a, now, secs(60), "w1")
        .await
        .unwrap()
        .unwrap();
    let counts = store.count_jobs(now + secs(1)).await.unwrap();
    assert_eq!(count(&counts, &a), Some((1, 1)));
    assert_eq!(count(&counts, &b), Some((1, 0)));
    // The lease ran out: the job is up for grabs again.
    assert_eq!(
        count(&store.count_jobs(now + secs(60)).await.unwrap(), &a),
        Some((2, 0))
    );
    // A retry waiting for its time is queued.
    assert!(store
        .retry_job(&taken.id, "w1", now + secs(300), now + secs(1))
        .await
        .unwrap());
    assert_eq!(
        count(&store.count_jobs(now + secs(1)).await.unwrap(), &a),
        Some((2, 0))
    );
    let other = store
        .take_job(&a, now, secs(60), "w2")
        .await
        .unwrap()
        .unwrap();
    assert_ne!(other.id, taken.id, "a retry was taken before its time");
    store.finish_job(&other.id, "w2", &[], now).await.unwrap();
    assert_eq!(
        count(&store.count_jobs(now + secs(1)).await.unwrap(), &a),
        Some((1, 0))
    );
}

/// The last two jobs of one collection finishing at the same moment, by
/// two workers on two connections: exactly one ends the collection, and
/// every collection ends (on PostgreSQL the second finisher waits for the
/// first's lock on the collection and then counts no job left).
#[tokio::test]
async fn two_jobs_of_one_collection_finishing_at_once_end_it_once() {
    let url = database_url();
    let store = consent_link::store::connect(&url).await.unwrap();
    let (a, b) = (format!("a-{}", id()), format!("b-{}", id()));
    let lease = secs(60);
    let mut collections = Vec::new();
    for _ in 0..12 {
        let cid = collection(
            store.as_ref(),
            "info,income",
            &[(&a, "info"), (&b, "income")],
            LATE,
        )
        .await;
        let ja = store
            .take_job(&a, LATE, lease, "wa")
            .await
            .unwrap()
            .unwrap();
        let jb = store
            .take_job(&b, LATE, lease, "wb")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((&ja.collection_id, &jb.collection_id), (&cid, &cid));
        collections.push((cid, ja.id, jb.id));
    }
    for (cid, ja, jb) in &collections {
        let (ra, rb) = tokio::join!(
            store.finish_job(ja, "wa", &[("info", "sealed-a")], LATE),
            store.finish_job(jb, "wb", &[("income", "sealed-b")], LATE),
        );
        let statuses = [ra.unwrap().unwrap(), rb.unwrap().unwrap()];
        assert_eq!(
            statuses.iter().filter(|s| *s == "done").count(),
            1,
            "one finisher ends it: {statuses:?}"
        );
        let c = store.get_collection(cid).await.unwrap().unwrap();
        assert_eq!(c.status.as_str(), "done");
        assert!(c.national_id_sealed.is_none());
        assert_eq!(store.get_collected_data(cid).await.unwrap().len(), 2);
    }
}

/// A new consent's collection written while a worker finishes the old
/// one's job: whichever commits first, none of the old data is left.
#[tokio::test]
async fn a_collection_replaced_while_its_job_finishes_leaves_no_data() {
    let url = database_url();
    let store = consent_link::store::connect(&url).await.unwrap();
    let (a, b) = (format!("a-{}", id()), format!("b-{}", id()));
    for _ in 0..12 {
        let user = id();
        let (old, fresh) = (id(), id());
        let write = |cid: &str, source: &str, job: &str| {
            let (cid, source, job, user) = (
                cid.to_owned(),
                source.to_owned(),
                job.to_owned(),
                user.clone(),
            );
            let store = store.clone();
            async move {
                store
                    .insert_collection(
                        &NewCollection {
                            id: &cid,
                            user_data_id: &user,
                            client_id: "c",
                            scopes: "info",
                            tax_entities: "[]",
                            national_id_sealed: "sealed-nin",
                            now: LATE,
                        },
                        &[NewJob {
                            id: &job,
                            source_id: &source,
                            scopes: "info",
                        }],
                    )
                    .await
            }
        };
        write(&old, &a, &id()).await.unwrap();
        let job = store
            .take_job(&a, LATE, secs(60), "wa")
            .await
            .unwrap()
            .unwrap();
        let (finished, replaced) = tokio::join!(
            store.finish_job(&job.id, "wa", &[("info", "sealed-old")], LATE),
            write(&fresh, &b, &id()),
        );
        finished.unwrap();
        replaced.unwrap();
        assert!(store.get_collection(&old).await.unwrap().is_none());
        assert!(store.get_collected_data(&old).await.unwrap().is_empty());
        let latest = store.latest_collection(&user).await.unwrap().unwrap();
        assert_eq!(latest.id, fresh);
    }
}
