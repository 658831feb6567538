//! The three scopes the docs list beyond the first six (issue 13), each
//! through a whole Link flow: the consent page says what the data is for,
//! and the data API serves exactly that scope's data.

use axum::http::StatusCode;
use base64::Engine;
use serde_json::Value;

use crate::support::*;

/// A client allowed only `scopes`.
async fn client_for(app: &TestApp, scopes: &'static str) -> String {
    app.register(ClientSpec {
        scopes,
        ..ClientSpec::default()
    })
    .await
}

/// A Link flow by kari in `locale` for `scope` (and `extra` parameters):
/// the consent page's text and the user ID delivered.
async fn link(
    app: &TestApp,
    client: &str,
    scope: &str,
    locale: &str,
    extra: &str,
) -> (String, String) {
    let query = format!("client_id={client}&scope={scope}&test=true&locale={locale}{extra}");
    let first = app.start("/link", &query).await;
    let (sid, csrf) = app.sign_in(&first, "kari").await;
    let consent_page = app.get(&sid).await;
    assert_eq!(consent_page.status, StatusCode::OK);
    let res = app
        .post_form(
            &format!("{sid}/consent"),
            &[("csrf", &csrf), ("decision", "accept")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let code = res.callback_params()["code"].clone();
    app.collect().await;
    (html_unescape(&consent_page.body), code)
}

async fn read(app: &TestApp, token: &str, path: &str, user: &str) -> Page {
    app.api_get(&format!("/api/1.0/{path}/{user}"), token).await
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

/// What a purpose scope alone gives: the loans, nothing else; and its
/// consent page names the purpose in each language.
async fn purpose_scope(scope: &'static str, en: &str, nb: &str) {
    let app = TestApp::new().await;
    let client = client_for(&app, scope).await;
    let token = app.client_token(&client).await;
    let (page, _) = link(&app, &client, scope, "nb", "").await;
    assert!(page.contains(nb), "nb consent page lacks {nb:?}");
    let (page, user) = link(&app, &client, scope, "en", "").await;
    assert!(page.contains(en), "en consent page lacks {en:?}");

    let loans = read(&app, &token, "loans", &user).await;
    assert_eq!(loans.status, StatusCode::OK, "{}", loans.body);
    let loans = loans.json();
    assert_eq!(loans["loans"].as_array().unwrap().len(), 3);
    assert!(loans.get("student_loan").is_none(), "not consented");
    for path in ["personal", "income", "vehicles", "invoices"] {
        let res = read(&app, &token, path, &user).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}");
    }
    let combined = read(&app, &token, "loan_applications", &user).await.json();
    assert_eq!(keys(&combined), ["loans", "status", "test", "user_data_id"]);
}

#[tokio::test]
async fn unsecured_loans_presentation_reads_the_debt_to_show_it() {
    purpose_scope(
        "unsecured_loans_presentation",
        "Unsecured debt, to show it to you",
        "Usikret gjeld, for å vise den til deg",
    )
    .await;
}

#[tokio::test]
async fn unsecured_loans_processing_reads_the_debt_to_process_an_application() {
    purpose_scope(
        "unsecured_loans_processing",
        "Unsecured debt, to process your loan application",
        "Usikret gjeld, for å behandle lånesøknaden din",
    )
    .await;
}

#[tokio::test]
async fn a_client_gets_only_the_purpose_it_was_allowed() {
    let app = TestApp::new().await;
    let client = client_for(&app, "unsecured_loans_presentation").await;
    let res = app
        .get(&format!(
            "/link?client_id={client}&scope=unsecured_loans_processing&test=true&state=s"
        ))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.callback_params()["error"], "BAD_REQUEST");
}

#[tokio::test]
async fn tax_data_pdf_gives_the_persons_and_each_tax_entitys_pdfs() {
    let app = TestApp::new().await;
    let client = client_for(&app, "tax_data_pdf,info").await;
    let token = app.client_token(&client).await;
    let entities = "974760673,923609016";
    let extra = format!("&tax_entities={}", enc(entities));
    let (page, user) = link(&app, &client, "tax_data_pdf", "en", &extra).await;
    assert!(page.contains("Tax documents"), "{page}");
    // The end user sees each organisation whose documents are read.
    for number in ["974 760 673", "923 609 016"] {
        assert!(
            page.contains(&format!("<li>Organisation number {number}</li>")),
            "{page}"
        );
    }

    let combined = read(&app, &token, "loan_applications", &user).await;
    assert_eq!(combined.status, StatusCode::OK, "{}", combined.body);
    let combined = combined.json();
    assert_eq!(
        keys(&combined),
        ["status", "tax_documents", "test", "user_data_id"]
    );
    let docs = &combined["tax_documents"];
    let corporate: Vec<&str> = keys(&docs["corporate"]);
    assert_eq!(corporate, ["923609016", "974760673"]);
    let content = docs["personal"]["tax_reports"][0]["content"]
        .as_str()
        .unwrap();
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(
            content
                .strip_prefix("data:application/pdf;base64,")
                .unwrap(),
        )
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "a real PDF");
    // Only the combined endpoint carries tax documents.
    for path in ["personal", "loans", "income"] {
        let res = read(&app, &token, path, &user).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}");
    }

    // The same person consents again, naming no organisation: the consent
    // is to that link, so no corporate documents any more.
    let (_, again) = link(&app, &client, "tax_data_pdf", "en", "").await;
    assert_eq!(again, user, "the same pairwise ID");
    let combined = read(&app, &token, "loan_applications", &user).await.json();
    assert_eq!(
        combined["tax_documents"]["corporate"],
        serde_json::json!({})
    );
    // (Last: consenting again replaces the collection read above.)
    let (page, _) = link(&app, &client, "tax_data_pdf", "nb", &extra).await;
    assert!(
        page.contains("<li>Organisasjonsnummer 923 609 016</li>"),
        "{page}"
    );
    let (page, _) = link(&app, &client, "tax_data_pdf", "en", "").await;
    assert!(!page.contains("Organisation number"), "none asked: {page}");
    assert!(!page.contains("these companies"), "{page}");
}

#[tokio::test]
async fn tax_entities_must_be_organisation_numbers() {
    let app = TestApp::new().await;
    let client = client_for(&app, "tax_data_pdf").await;
    for bad in ["974760674", "97476067", "974760673;923609016", "abc"] {
        let res = app
            .get(&format!(
                "/link?client_id={client}&scope=tax_data_pdf&test=true&state=s&tax_entities={}",
                enc(bad)
            ))
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{bad}: {}", res.body);
        let params = res.callback_params();
        assert_eq!(params["error"], "BAD_REQUEST", "{bad}");
        assert!(params["message"].contains("tax_entities"), "{bad}");
    }
}
