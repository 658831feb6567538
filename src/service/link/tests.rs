//! The link service with a fixed clock and a seeded RNG, on a real
//! (SQLite) store.

use rand::rngs::StdRng;
use rand::SeedableRng;

static NO_SOURCES: std::sync::LazyLock<crate::sources::Sources> =
    std::sync::LazyLock::new(crate::sources::Sources::default);

use super::*;
use crate::crypto;
use crate::oauth2::client::Client;
use crate::oauth2::scope::Scopes;

const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);
const TTL: Duration = Duration::from_secs(1_800);
const SEVEN_SECS: Duration = Duration::from_secs(7);

struct Fixture {
    store: std::sync::Arc<dyn Store>,
    key: ServerKey,
    upstream: Upstream,
    path: std::path::PathBuf,
    rng: StdRng,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Fixture {
    async fn new() -> Fixture {
        let path = std::env::temp_dir().join(format!("cl-link-{}.db", uuid::Uuid::new_v4()));
        let store = crate::store::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let client = Client {
            id: "acme".into(),
            name: "Acme".into(),
            callback_uris: vec!["https://acme.example/cb".into()],
            allowed_scopes: Scopes::parse("info").unwrap(),
            styles_origins: vec![],
            test_allowed: true,
            confidential: true,
        };
        store.insert_client(&client, None, NOW).await.unwrap();
        Fixture {
            store,
            key: ServerKey::new(b"a test key of at least thirty-two bytes"),
            upstream: Upstream::new(vec![], "http://127.0.0.1").unwrap(),
            path,
            rng: StdRng::seed_from_u64(12),
        }
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            store: self.store.as_ref(),
            key: &self.key,
            upstream: &self.upstream,
            sources: &NO_SOURCES,
        }
    }

    fn csrf(&self, sid: &str) -> String {
        self.key.csrf_token(sid)
    }

    /// A session at `entry` started at NOW; its ID.
    async fn start(&mut self, entry: Entry) -> String {
        let query = "client_id=acme&scope=info&test=true&response_type=code";
        let ctx = Ctx {
            store: self.store.as_ref(),
            key: &self.key,
            upstream: &self.upstream,
            sources: &NO_SOURCES,
        };
        let params = Params::parse(query);
        match start(ctx, entry, &params, "en", TTL, NOW, &mut self.rng)
            .await
            .unwrap()
        {
            StartOutcome::Started { sid, session } => {
                assert_eq!(session.expires_at, NOW + TTL);
                sid
            }
            other => panic!("not started: {other:?}"),
        }
    }

    /// A session signed in as kari at the test BankID; its new ID.
    async fn signed_in(&mut self, entry: Entry) -> String {
        let sid = self.start(entry).await;
        let csrf = self.csrf(&sid);
        let ctx = Ctx {
            store: self.store.as_ref(),
            key: &self.key,
            upstream: &self.upstream,
            sources: &NO_SOURCES,
        };
        let chosen = select_method(ctx, &sid, &csrf, TEST_BANKID, NOW, &mut self.rng).await;
        assert!(matches!(chosen.unwrap(), MethodOutcome::Chosen));
        match authenticate_test(ctx, &sid, &csrf, "kari", NOW, &mut self.rng)
            .await
            .unwrap()
        {
            AuthenticateOutcome::SignedIn(next) => next.sid().to_owned(),
            other => panic!("not signed in: {other:?}"),
        }
    }

    async fn step(&self, sid: &str) -> StepStatus {
        status(self.store.as_ref(), sid).await.unwrap()
    }
}

#[tokio::test]
async fn accepting_on_the_oauth2_entry_stores_a_code_issued_at_the_given_time() {
    let mut f = Fixture::new().await;
    let sid = f.signed_in(Entry::OAuth2).await;
    let csrf = f.csrf(&sid);
    let outcome = decide(
        f.store.as_ref(),
        &NO_SOURCES,
        &sid,
        &csrf,
        Some("accept"),
        NOW + SEVEN_SECS,
        &mut f.rng,
    )
    .await
    .unwrap();
    let EndOutcome::Finished(Finished {
        outcome: Outcome::Code(code),
        explain: false,
        ..
    }) = outcome
    else {
        panic!("not delivered: {outcome:?}");
    };
    let stored = f
        .store
        .get_authorization_code(&crypto::hash_token(&code))
        .await
        .unwrap()
        .expect("the code is stored as its hash");
    assert_eq!(stored.created_at, NOW + SEVEN_SECS);
    assert_eq!(
        stored.expires_at,
        NOW + SEVEN_SECS + crate::oauth2::code::CODE_TTL
    );
    assert_eq!(f.step(&sid).await, StepStatus::At(Step::Completed));
}

#[tokio::test]
async fn consent_on_a_refused_transition_delivers_nothing_and_writes_nothing() {
    let mut f = Fixture::new().await;
    // Before sign-in: consent is out of order.
    let early = f.start(Entry::Link).await;
    let csrf = f.csrf(&early);
    let outcome = decide(
        f.store.as_ref(),
        &NO_SOURCES,
        &early,
        &csrf,
        Some("accept"),
        NOW,
        &mut f.rng,
    );
    assert!(matches!(
        outcome.await.unwrap(),
        EndOutcome::Refused(Refusal::Flow(_, FlowError::OutOfOrder))
    ));
    assert_eq!(f.step(&early).await, StepStatus::At(Step::Started));

    let sid = f.signed_in(Entry::Link).await;
    // Another session's anti-CSRF token.
    let outcome = decide(
        f.store.as_ref(),
        &NO_SOURCES,
        &sid,
        &csrf,
        Some("accept"),
        NOW,
        &mut f.rng,
    );
    assert!(matches!(
        outcome.await.unwrap(),
        EndOutcome::Refused(Refusal::Flow(_, FlowError::BadCsrf))
    ));
    // At the fixed clock's expiry.
    let csrf = f.csrf(&sid);
    let outcome = decide(
        f.store.as_ref(),
        &NO_SOURCES,
        &sid,
        &csrf,
        Some("accept"),
        NOW + TTL,
        &mut f.rng,
    );
    assert!(matches!(
        outcome.await.unwrap(),
        EndOutcome::Refused(Refusal::Flow(_, FlowError::Expired))
    ));
    // Neither accept nor decline.
    let outcome = decide(
        f.store.as_ref(),
        &NO_SOURCES,
        &sid,
        &csrf,
        Some("maybe"),
        NOW,
        &mut f.rng,
    );
    assert!(matches!(
        outcome.await.unwrap(),
        EndOutcome::Refused(Refusal::InvalidForm(_))
    ));
    assert_eq!(f.step(&sid).await, StepStatus::At(Step::Authenticated));
}

#[tokio::test]
async fn signing_in_moves_the_session_to_an_id_only_this_answer_holds() {
    let mut f = Fixture::new().await;
    let first = f.start(Entry::Link).await;
    let csrf = f.csrf(&first);
    let ctx = f.ctx();
    let mut rng = StdRng::seed_from_u64(1);
    select_method(ctx, &first, &csrf, TEST_BANKID, NOW, &mut rng)
        .await
        .unwrap();
    let AuthenticateOutcome::SignedIn(next) =
        authenticate_test(ctx, &first, &csrf, "kari", NOW, &mut rng)
            .await
            .unwrap()
    else {
        panic!("not signed in");
    };
    assert_ne!(next.sid(), first);
    assert_eq!(f.step(&first).await, StepStatus::Moved);
    // The old ID and its token reach nothing; the new one is at consent.
    let outcome = decide(
        f.store.as_ref(),
        &NO_SOURCES,
        &first,
        &csrf,
        Some("accept"),
        NOW,
        &mut rng,
    );
    assert!(matches!(
        outcome.await.unwrap(),
        EndOutcome::Refused(Refusal::Flow(_, FlowError::Moved))
    ));
    assert!(matches!(
        view(f.store.as_ref(), next.sid(), NOW).await.unwrap(),
        View::Page(s) if page(&f.upstream, &s).is_consent()
    ));
}

#[tokio::test]
async fn a_test_person_who_cancels_at_the_bankid_ends_the_flow_cancelled() {
    let mut f = Fixture::new().await;
    let sid = f.start(Entry::Link).await;
    let csrf = f.csrf(&sid);
    let ctx = f.ctx();
    let mut rng = StdRng::seed_from_u64(2);
    select_method(ctx, &sid, &csrf, TEST_BANKID, NOW, &mut rng)
        .await
        .unwrap();
    let outcome = authenticate_test(ctx, &sid, &csrf, "per", NOW, &mut rng)
        .await
        .unwrap();
    let AuthenticateOutcome::Finished(Finished {
        outcome: Outcome::Error(e),
        explain: false,
        ..
    }) = outcome
    else {
        panic!("not finished: {outcome:?}");
    };
    assert_eq!(e.code, ErrorCode::AccessDenied);
    assert_eq!(f.step(&sid).await, StepStatus::At(Step::Completed));
}

#[tokio::test]
async fn only_offered_methods_can_be_chosen() {
    let mut f = Fixture::new().await;
    let sid = f.start(Entry::Link).await;
    let csrf = f.csrf(&sid);
    let ctx = f.ctx();
    let mut rng = StdRng::seed_from_u64(3);
    let outcome = select_method(ctx, &sid, &csrf, "bankid", NOW, &mut rng);
    assert!(matches!(
        outcome.await.unwrap(),
        MethodOutcome::Refused(Refusal::InvalidForm(_))
    ));
    assert_eq!(f.step(&sid).await, StepStatus::At(Step::Started));
}

impl SessionPage {
    fn is_consent(&self) -> bool {
        matches!(self, SessionPage::Consent)
    }
}
