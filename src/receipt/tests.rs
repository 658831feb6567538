use super::*;
use ring::signature::{UnparsedPublicKey, ED25519};

const T0: UnixTime = UnixTime::from_secs(1_780_000_000);
const DAY: i64 = 86_400;

fn key() -> ServerKey {
    ServerKey::new(b"test-key-test-key-test-key-test-key")
}

fn facts() -> ReceiptFacts {
    ReceiptFacts {
        user_data_id: "5b0c3c1e-8e0d-4f55-9a57-0c1f1f6a2b11".into(),
        client_id: "c-acme".into(),
        client_name: "Acme Bank".into(),
        scopes: Scopes::parse("income,unsecured_loans_processing").unwrap(),
        purpose: "Credit assessment".into(),
        granted_at: T0,
        expires_at: UnixTime::from_secs(T0.as_secs() + 90 * DAY),
        language: "nb".into(),
        entry: Entry::OAuth2,
        sign_in: "BankID".into(),
        issuer: "https://link.example".into(),
        receipt_id: receipt_id(&key(), "5b0c3c1e-8e0d-4f55-9a57-0c1f1f6a2b11", T0),
    }
}

fn part(jws: &str, i: usize) -> Value {
    let part = jws.split('.').nth(i).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[test]
fn kid_is_the_rfc_7638_thumbprint_of_the_rfc_8037_example_key() {
    // RFC 8037, appendix A.3.
    assert_eq!(
        thumbprint("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"),
        "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    );
}

#[test]
fn signing_keys_derive_the_same_per_server_key_and_version_and_differ_otherwise() {
    let a = SigningKey::derive(&key(), 1).unwrap();
    assert_eq!(a.jwk(), SigningKey::derive(&key(), 1).unwrap().jwk());
    assert_ne!(a.kid(), SigningKey::derive(&key(), 2).unwrap().kid());
    let other = ServerKey::new(b"other-key-other-key-other-key-xx");
    assert_ne!(a.kid(), SigningKey::derive(&other, 1).unwrap().kid());
    assert_eq!(
        SigningKey::derive(&key(), 0).unwrap_err(),
        ReceiptKeyError::ZeroVersion
    );
}

#[test]
fn a_key_ring_publishes_the_current_key_first_then_earlier_versions() {
    assert_eq!(KeyRing::default_previous(1), Vec::<u32>::new());
    assert_eq!(KeyRing::default_previous(3), vec![2]);
    let ring = KeyRing::new(&key(), 3, &[1, 2, 3, 2]).unwrap();
    let kids: Vec<String> = ring.jwks().keys.into_iter().map(|k| k.kid).collect();
    let kid = |v| SigningKey::derive(&key(), v).unwrap().kid().to_owned();
    assert_eq!(kids, vec![kid(3), kid(2), kid(1)]);
    assert_eq!(ring.current().version(), 3);
}

#[test]
fn a_receipt_is_a_compact_jws_whose_signature_verifies_with_the_published_key() {
    let signing = SigningKey::derive(&key(), 1).unwrap();
    let jws = issue(&facts(), &signing, T0);
    let header = part(&jws, 0);
    assert_eq!(
        header,
        json!({"alg": "EdDSA", "typ": "JWT", "kid": signing.kid()})
    );
    let (input, sig) = jws.rsplit_once('.').unwrap();
    let public = URL_SAFE_NO_PAD.decode(&signing.jwk().x).unwrap();
    let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    UnparsedPublicKey::new(&ED25519, &public)
        .verify(input.as_bytes(), &sig)
        .unwrap();
    let tampered = input.replace('e', "f");
    assert!(UnparsedPublicKey::new(&ED25519, &public)
        .verify(tampered.as_bytes(), &sig)
        .is_err());
}

#[test]
fn claims_on_a_fixed_clock_use_the_kantara_names() {
    let f = facts();
    let now = UnixTime::from_secs(T0.as_secs() + 60);
    let c = claims(&f, now);
    assert_eq!(c["version"], "KI-CR-v1.1.0");
    assert_eq!(c["jurisdiction"], "NO");
    assert_eq!(c["consentTimestamp"], T0.as_secs());
    assert_eq!(c["collectionMethod"], "consent-link: OAuth2 flow, BankID");
    assert_eq!(c["consentReceiptID"], f.receipt_id.to_string());
    assert_eq!(c["language"], "nb");
    assert_eq!(c["piiPrincipalId"], f.user_data_id);
    assert_eq!(c["sub"], f.user_data_id);
    assert_eq!(c["piiControllers"][0]["piiController"], "Acme Bank");
    assert_eq!(c["iss"], "https://link.example");
    assert_eq!(c["iat"], now.as_secs());
    assert_eq!(c["exp"], T0.as_secs() + 90 * DAY);
    assert_eq!(c["sensitive"], false);
    let purpose = &c["services"][0]["purposes"][0];
    assert_eq!(purpose["purpose"], "Credit assessment");
    assert_eq!(purpose["consentType"], "EXPLICIT");
    assert_eq!(purpose["primaryPurpose"], true);
    assert_eq!(purpose["thirdPartyDisclosure"], false);
    assert_eq!(
        purpose["piiCategory"],
        json!([
            "income: income and tax assessment",
            "unsecured_loans_processing: unsecured debt, for a credit decision"
        ])
    );
    // T0 + 90 days = 2026-08-26T20:26:40Z.
    assert_eq!(
        purpose["termination"],
        "2026-08-26T20:26:40Z; withdraw at https://link.example/me"
    );
}

#[test]
fn a_grant_keeps_its_receipt_id_and_another_grant_gets_another() {
    let id = receipt_id(&key(), "u1", T0);
    assert_eq!(id, receipt_id(&key(), "u1", T0));
    assert_eq!(id.get_version_num(), 8);
    assert_ne!(
        id,
        receipt_id(&key(), "u1", UnixTime::from_secs(T0.as_secs() + 1))
    );
    assert_ne!(id, receipt_id(&key(), "u2", T0));
    let other = ServerKey::new(b"other-key-other-key-other-key-xx");
    assert_ne!(id, receipt_id(&other, "u1", T0));
}
