//! The store contract: what every backend must do alike. `cargo test` runs
//! it on SQLite; `.ci/run` runs it again on PostgreSQL.

use consent_link::crypto;
use consent_link::flow::{LinkSession, Step, Transition};
use consent_link::oauth2::authorize::{Delivery, Entry};
use consent_link::oauth2::client::Client;
use consent_link::oauth2::scope::Scopes;
use consent_link::store::{
    Advance, Mover, NewAuthorizationCode, NewConsent, StoreError, UpstreamSignIn,
};

use crate::support::*;

fn client(id: &str) -> Client {
    Client {
        id: id.into(),
        name: "Contract".into(),
        callback_uris: vec!["https://c.example/cb".into()],
        allowed_scopes: Scopes::parse("info").unwrap(),
        styles_origins: vec![],
        test_allowed: true,
        confidential: false,
    }
}

pub fn session(client_id: &str, id_hash: &str) -> LinkSession {
    LinkSession {
        id_hash: id_hash.into(),
        csrf_hash: "csrf".into(),
        client_id: client_id.into(),
        client_name: "Contract".into(),
        delivery: Delivery {
            entry: Entry::OAuth2,
            callback: "https://c.example/cb".parse().unwrap(),
            callback_given: false,
            iframe: false,
            state: Some("s".into()),
            test: true,
        },
        scopes: Scopes::parse("info").unwrap(),
        locale: "en".into(),
        styles_uri: None,
        code_challenge: None,
        step: Step::Started,
        method: None,
        subject_hash: None,
        test_person: None,
        error: None,
        expires_at: T0 + secs(100),
        tax_entities: vec![],
    }
}

pub fn advance<'a>(id_hash: &'a str, transition: Transition, now: UnixTime) -> Advance<'a> {
    Advance {
        id_hash,
        mover: Mover::EndUser { csrf_hash: "csrf" },
        transition,
        now,
        method: None,
        subject_hash: None,
        test_person: None,
        error: None,
        rekey: None,
        national_id_sealed: None,
    }
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4())
}

#[tokio::test]
async fn clients_round_trip_and_conflict() {
    let store = store().await;
    let id = unique("client");
    store.insert_client(&client(&id), None, T0).await.unwrap();
    let got = store.get_client(&id).await.unwrap().unwrap().client;
    assert_eq!(got.callback_uris, vec!["https://c.example/cb".to_string()]);
    assert!(!got.confidential);
    assert!(matches!(
        store.insert_client(&client(&id), None, T0).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(store
        .list_clients()
        .await
        .unwrap()
        .iter()
        .any(|c| c.client.id == id));
    assert!(store.delete_client(&id).await.unwrap());
    assert!(!store.delete_client(&id).await.unwrap());
    assert!(store.get_client(&id).await.unwrap().is_none());
}

#[tokio::test]
async fn settings_are_written_once() {
    let store = store().await;
    let key = unique("k");
    assert_eq!(
        store.setting_get_or_insert(&key, "first").await.unwrap(),
        "first"
    );
    assert_eq!(
        store.setting_get_or_insert(&key, "second").await.unwrap(),
        "first"
    );
}

#[tokio::test]
async fn a_server_move_needs_no_csrf_token_but_still_its_step() {
    let store = store().await;
    let cid = unique("client");
    store.insert_client(&client(&cid), None, T0).await.unwrap();
    let h = unique("sess");
    store
        .insert_link_session(&session(&cid, &h), T0)
        .await
        .unwrap();
    let server = |transition| Advance {
        mover: Mover::Server,
        ..advance(&h, transition, T0)
    };
    // At `started`, a failed sign-in cannot be recorded: wrong step.
    assert!(store
        .advance_link_session(&server(Transition::FailSignIn))
        .await
        .unwrap()
        .is_none());
    assert!(store
        .advance_link_session(&advance(&h, Transition::SelectMethod, T0))
        .await
        .unwrap()
        .is_some());
    let failed = store
        .advance_link_session(&server(Transition::FailSignIn))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failed.step, Step::Failed);
    // Failed is final: not even a cancel moves it.
    assert!(store
        .advance_link_session(&advance(&h, Transition::Cancel, T0))
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn advance_is_guarded_by_step_csrf_and_expiry() {
    let store = store().await;
    let cid = unique("client");
    store.insert_client(&client(&cid), None, T0).await.unwrap();
    let h = unique("sess");
    store
        .insert_link_session(&session(&cid, &h), T0)
        .await
        .unwrap();
    let wrong_csrf = Advance {
        mover: Mover::EndUser { csrf_hash: "other" },
        ..advance(&h, Transition::SelectMethod, T0)
    };
    assert!(store
        .advance_link_session(&wrong_csrf)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .advance_link_session(&advance(&h, Transition::Complete, T0))
        .await
        .unwrap()
        .is_none());
    assert!(store
        .advance_link_session(&advance(&h, Transition::SelectMethod, T0 + secs(100)))
        .await
        .unwrap()
        .is_none());
    let moved = Advance {
        method: Some("test_bankid"),
        ..advance(&h, Transition::SelectMethod, T0 + secs(99))
    };
    let row = store.advance_link_session(&moved).await.unwrap().unwrap();
    assert_eq!(row.step, Step::MethodSelected);
    assert_eq!(row.method.as_deref(), Some("test_bankid"));
    assert_eq!(row.delivery.state.as_deref(), Some("s"));
    // Completed sessions never move again, not even by "any open step".
    assert!(store
        .advance_link_session(&advance(&h, Transition::Cancel, T0))
        .await
        .unwrap()
        .is_some());
    assert!(store
        .advance_link_session(&advance(&h, Transition::Cancel, T0))
        .await
        .unwrap()
        .is_none());
    let stored = store.get_link_session(&h).await.unwrap().unwrap();
    assert_eq!(stored.step, Step::Completed);
}

#[tokio::test]
async fn concurrent_advances_let_exactly_one_win() {
    let store = store().await;
    let cid = unique("client");
    store.insert_client(&client(&cid), None, T0).await.unwrap();
    let h = unique("sess");
    store
        .insert_link_session(&session(&cid, &h), T0)
        .await
        .unwrap();
    let wins = race(8, move || {
        let (store, h) = (store.clone(), h.clone());
        async move {
            store
                .advance_link_session(&advance(&h, Transition::SelectMethod, T0))
                .await
                .unwrap()
                .is_some()
        }
    })
    .await;
    assert_eq!(wins, 1);
}

/// Runs `n` of `attempt` at once; how many succeeded.
async fn race<F, Fut>(n: usize, attempt: F) -> usize
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let tasks: Vec<_> = (0..n).map(|_| tokio::spawn(attempt())).collect();
    let mut wins = 0;
    for t in tasks {
        wins += t.await.unwrap() as usize;
    }
    wins
}

#[tokio::test]
async fn consent_keeps_one_pairwise_id_and_completes_once() {
    let store = store().await;
    let (a, b) = (unique("a"), unique("b"));
    store.insert_client(&client(&a), None, T0).await.unwrap();
    store.insert_client(&client(&b), None, T0).await.unwrap();
    let subject = crypto::hash_token(&unique("person"));
    let mut ids = Vec::new();
    for (cid, candidate) in [
        (&a, "11111111-1111-4111-8111-111111111111"),
        (&a, "22222222-2222-4222-8222-222222222222"),
        (&b, "33333333-3333-4333-8333-333333333333"),
    ] {
        let h = unique("sess");
        let mut row = session(cid, &h);
        row.step = Step::Authenticated;
        // Each link asks for other organisations' tax documents.
        row.tax_entities = vec!["923609016".into(), "974760673".into()];
        if ids.len() == 1 {
            row.tax_entities = vec![];
        }
        store.insert_link_session(&row, T0).await.unwrap();
        let candidate = format!(
            "{}{}",
            &candidate[..30],
            &uuid::Uuid::new_v4().simple().to_string()[..6]
        );
        let consent = NewConsent {
            user_data_id: &candidate,
            client_id: cid,
            subject_hash: &subject,
            test_person: Some("kari"),
            test: false,
            collection: consent_link::store::CollectionPlan {
                id: &uuid::Uuid::new_v4().to_string(),
                jobs: &[],
            },
            scopes: &Scopes::parse("info").unwrap(),
            now: T0,
            expires_at: T0 + secs(90 * 86_400),
            granted: consent_link::store::GrantedBy(&|id, renewed| {
                consent_link::consent_granted(id, "info", renewed, T0)
            }),
        };
        let code_hash = crypto::hash_token(&unique("code"));
        let code = NewAuthorizationCode {
            code_hash: &code_hash,
            client_id: cid,
            redirect_uri: "https://c.example/cb",
            redirect_given: false,
            code_challenge: None,
            scopes: &Scopes::parse("info").unwrap(),
            created_at: T0,
            expires_at: T0 + secs(300),
        };
        let adv = advance(&h, Transition::Complete, T0);
        let id = store
            .complete_with_consent(&adv, &consent, Some(&code))
            .await
            .unwrap()
            .unwrap();
        // A second completion of the same session writes nothing.
        let other_code = crypto::hash_token(&unique("code"));
        let again = NewAuthorizationCode {
            code_hash: &other_code,
            ..code
        };
        assert!(store
            .complete_with_consent(&adv, &consent, Some(&again))
            .await
            .unwrap()
            .is_none());
        // The consent carries what its own link asked for, also when the
        // same person consents again (then: none).
        let stored = store.get_consent(&id).await.unwrap().unwrap();
        assert_eq!(stored.tax_entities, row.tax_entities);
        ids.push(id);
    }
    assert_eq!(ids[0], ids[1], "same person, same client: same ID");
    assert_ne!(ids[0], ids[2], "another client: another ID");
}

#[tokio::test]
async fn purge_removes_only_expired_rows() {
    let store = store().await;
    let cid = unique("client");
    store.insert_client(&client(&cid), None, T0).await.unwrap();
    // The suite shares one PostgreSQL database and runs in parallel, so this
    // test lives a long way before T0 (and before the other purge test's
    // window), and its fresh row lives far after: purging cannot touch
    // another test's rows, nor another purge this test's fresh one.
    let past = T0 - secs(1_000_000);
    let (old, fresh) = (unique("old"), unique("fresh"));
    let mut row = session(&cid, &old);
    row.expires_at = past + secs(100);
    store.insert_link_session(&row, past).await.unwrap();
    let mut row = session(&cid, &fresh);
    row.expires_at = T0 + secs(10_000_000);
    store.insert_link_session(&row, past).await.unwrap();
    store.purge_expired(past + secs(101)).await.unwrap();
    assert!(store.get_link_session(&old).await.unwrap().is_none());
    assert!(store.get_link_session(&fresh).await.unwrap().is_some());
}

#[tokio::test]
async fn purge_keeps_used_codes_as_long_as_their_tokens_live() {
    let store = store().await;
    let cid = unique("client");
    store.insert_client(&client(&cid), None, T0).await.unwrap();
    // Before T0 but after the purge test above: no other test's rows
    // expire in this window.
    let past = T0 - secs(500_000);
    let sid = unique("sess");
    let mut row = session(&cid, &sid);
    (row.expires_at, row.step) = (past + secs(10_000), Step::Authenticated);
    store.insert_link_session(&row, past).await.unwrap();
    let subject = crypto::hash_token(&unique("person"));
    let user = uuid::Uuid::new_v4().to_string();
    let consent = NewConsent {
        user_data_id: &user,
        client_id: &cid,
        subject_hash: &subject,
        test_person: Some("kari"),
        test: false,
        collection: consent_link::store::CollectionPlan {
            id: &uuid::Uuid::new_v4().to_string(),
            jobs: &[],
        },
        scopes: &Scopes::parse("info").unwrap(),
        now: past,
        expires_at: past + secs(90 * 86_400),
        granted: consent_link::store::GrantedBy(&|id, renewed| {
            consent_link::consent_granted(id, "info", renewed, past)
        }),
    };
    let code_hash = crypto::hash_token(&unique("code"));
    let code = NewAuthorizationCode {
        code_hash: &code_hash,
        client_id: &cid,
        redirect_uri: "https://c.example/cb",
        redirect_given: false,
        code_challenge: None,
        scopes: &Scopes::parse("info").unwrap(),
        created_at: past,
        expires_at: past + secs(300),
    };
    let adv = advance(&sid, Transition::Complete, past);
    store
        .complete_with_consent(&adv, &consent, Some(&code))
        .await
        .unwrap()
        .unwrap();
    let token_hash = crypto::hash_token(&unique("token"));
    let token = consent_link::store::AccessToken {
        token_hash: token_hash.clone(),
        client_id: cid.clone(),
        user_data_id: Some(user.clone()),
        scopes: Some(Scopes::parse("info").unwrap()),
        code_hash: Some(code_hash.clone()),
        created_at: past + secs(10),
        expires_at: past + secs(10 + 3600),
        revoked_at: None,
    };
    assert_eq!(
        store
            .redeem_authorization_code(&code_hash, past + secs(10), &token)
            .await
            .unwrap(),
        consent_link::store::Redemption::Issued
    );
    // The code expired long ago, but its token still lives: both stay, so
    // that presenting the code again can still revoke the token.
    store.purge_expired(past + secs(3000)).await.unwrap();
    assert!(store
        .get_authorization_code(&code_hash)
        .await
        .unwrap()
        .is_some());
    assert!(store.get_access_token(&token_hash).await.unwrap().is_some());
    assert_eq!(
        store
            .redeem_authorization_code(&code_hash, past + secs(3000), &token)
            .await
            .unwrap(),
        consent_link::store::Redemption::Refused
    );
    // A refused redemption writes nothing; revoking is its own call.
    assert!(store
        .get_access_token(&token_hash)
        .await
        .unwrap()
        .unwrap()
        .revoked_at
        .is_none());
    assert_eq!(
        store
            .revoke_tokens_of_code(&code_hash, past + secs(3000))
            .await
            .unwrap(),
        1
    );
    let revoked = store.get_access_token(&token_hash).await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(past + secs(3000)));
    // Once the token is past its life, both go.
    store.purge_expired(past + secs(300 + 3601)).await.unwrap();
    assert!(store
        .get_authorization_code(&code_hash)
        .await
        .unwrap()
        .is_none());
    assert!(store.get_access_token(&token_hash).await.unwrap().is_none());
}

#[tokio::test]
async fn an_upstream_sign_in_is_taken_once_only_by_its_browser_and_in_time() {
    let store = store().await;
    let cid = unique("client");
    store.insert_client(&client(&cid), None, T0).await.unwrap();
    let h = unique("sess");
    store
        .insert_link_session(&session(&cid, &h), T0)
        .await
        .unwrap();
    let row = |state: &str, expires_at: UnixTime| UpstreamSignIn {
        state_hash: state.into(),
        session_hash: h.clone(),
        session_masked: "masked".into(),
        method: "bankid".into(),
        browser_hash: "browser".into(),
        created_at: T0,
        expires_at,
        used_at: None,
    };
    let state = unique("state");
    store
        .replace_upstream_auth(&row(&state, T0 + secs(600)))
        .await
        .unwrap();
    // Another browser gets nothing and does not use it up.
    assert!(store
        .take_upstream_auth(&state, "other", T0 + secs(1))
        .await
        .unwrap()
        .is_none());
    let taken = store
        .take_upstream_auth(&state, "browser", T0 + secs(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.session_hash, h);
    assert_eq!(taken.method, "bankid");
    assert!(store
        .take_upstream_auth(&state, "browser", T0 + secs(2))
        .await
        .unwrap()
        .is_none());
    // Expired.
    let late = unique("state");
    store
        .replace_upstream_auth(&row(&late, T0 + secs(600)))
        .await
        .unwrap();
    assert!(store
        .take_upstream_auth(&late, "browser", T0 + secs(600))
        .await
        .unwrap()
        .is_none());
    // Racing callbacks: exactly one wins.
    let raced = unique("state");
    store
        .replace_upstream_auth(&row(&raced, T0 + secs(600)))
        .await
        .unwrap();
    let wins = race(8, move || {
        let (store, raced) = (store.clone(), raced.clone());
        async move {
            store
                .take_upstream_auth(&raced, "browser", T0 + secs(1))
                .await
                .unwrap()
                .is_some()
        }
    })
    .await;
    assert_eq!(wins, 1);
}

/// The purge and a withdrawal find their rows by index, not by scanning
/// whole tables (issue 12): the indexes exist on either backend.
#[tokio::test]
async fn purge_and_withdrawal_have_their_indexes() {
    let url = database_url();
    let _ = store().await; // migrated
    let wanted = [
        "authorization_codes_expires_at",
        "authorization_codes_user_data_id",
        "access_tokens_expires_at",
        "link_sessions_expires_at",
        "upstream_auth_expires_at",
    ];
    let names: Vec<String> = if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&url).await.unwrap();
        sqlx::query_scalar("SELECT indexname::text FROM pg_indexes")
            .fetch_all(&pool)
            .await
            .unwrap()
    } else {
        // A fresh file of our own: the store above migrated another.
        let store = consent_link::store::connect(&url).await.unwrap();
        drop(store);
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index'")
            .fetch_all(&pool)
            .await
            .unwrap()
    };
    for index in wanted {
        assert!(names.iter().any(|n| n == index), "no index {index}");
    }
}

/// Consents completing at the same moment in many sessions all succeed:
/// on SQLite a transaction that read before it wrote could not wait for
/// the write lock and failed at once (found by the load run).
#[tokio::test]
async fn concurrent_consents_in_different_sessions_all_complete() {
    let url = database_url();
    let store: std::sync::Arc<dyn consent_link::store::Store> =
        consent_link::store::connect(&url).await.unwrap();
    let cid = unique("client");
    store.insert_client(&client(&cid), None, T0).await.unwrap();
    let mut hashes = Vec::new();
    for _ in 0..24 {
        let h = unique("sess");
        let mut row = session(&cid, &h);
        row.step = Step::Authenticated;
        store.insert_link_session(&row, T0).await.unwrap();
        hashes.push(h);
    }
    let tasks: Vec<_> = hashes
        .into_iter()
        .map(|h| {
            let (store, cid) = (store.clone(), cid.clone());
            tokio::spawn(async move {
                let subject = crypto::hash_token(&h);
                let user = uuid::Uuid::new_v4().to_string();
                let consent = NewConsent {
                    user_data_id: &user,
                    client_id: &cid,
                    subject_hash: &subject,
                    test_person: None,
                    test: false,
                    collection: consent_link::store::CollectionPlan {
                        id: &uuid::Uuid::new_v4().to_string(),
                        jobs: &[],
                    },
                    scopes: &Scopes::parse("info").unwrap(),
                    now: T0,
                    expires_at: T0 + secs(90 * 86_400),
                    granted: consent_link::store::GrantedBy(&|id, renewed| {
                        consent_link::consent_granted(id, "info", renewed, T0)
                    }),
                };
                store
                    .complete_with_consent(&advance(&h, Transition::Complete, T0), &consent, None)
                    .await
            })
        })
        .collect();
    for t in tasks {
        let done = t.await.unwrap();
        assert!(matches!(done, Ok(Some(_))), "{done:?}");
    }
}
