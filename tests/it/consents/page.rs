//! The consent page tells the person until when the consent would last:
//! the client's term, capped by the purpose scopes, in their language.

use axum::http::StatusCode;

use crate::support::*;

/// The consent page of a test flow for `client` asking `scope`, in
/// `locale`, signed in as kari.
async fn consent_page(app: &TestApp, client: &str, scope: &str, locale: &str) -> Page {
    let query = format!(
        "client_id={client}&scope={scope}&test=true&locale={locale}&callback_uri={}",
        enc("https://acme.example/cb")
    );
    let first = app.start("/link", &query).await;
    let (path, _) = app.sign_in(&first, "kari").await;
    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page
}

#[tokio::test]
async fn the_consent_page_says_until_when_the_consent_lasts() {
    let app = TestApp::new().await;
    let client = app
        .register(ClientSpec {
            scopes: "info,unsecured_loans_processing",
            ..Default::default()
        })
        .await;
    // T0 is 15 January 2027; the default term is 90 days.
    let page = consent_page(&app, &client, "info", "en").await;
    assert!(
        page.body
            .contains("This consent lasts until 15 April 2027."),
        "{}",
        page.body
    );
    // The credit-decision purpose caps it at 28 days; in Norwegian.
    let page = consent_page(&app, &client, "info,unsecured_loans_processing", "nb").await;
    assert!(
        page.body.contains("Samtykket varer til 12. februar 2027."),
        "{}",
        page.body
    );
}
