//! What goes back to the integrator: a callback URL for redirects, a JSON
//! message for iframes. The formats are SPEC.md's "Results".

use serde_json::{json, Value};
use url::Url;

use super::authorize::{Delivery, Entry};
use super::error::OAuthError;

/// The end of a flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The user ID (Link entry) or an authorization code (OAuth2 entry).
    Code(String),
    Error(OAuthError),
}

/// The callback URL carrying `outcome`, parameters added to its own query.
pub fn redirect_url(delivery: &Delivery, outcome: &Outcome, issuer: &str) -> Url {
    let mut url = delivery.callback.clone();
    {
        let mut q = url.query_pairs_mut();
        match (delivery.entry, outcome) {
            (_, Outcome::Code(code)) => {
                q.append_pair("code", code);
            }
            (Entry::Link, Outcome::Error(e)) => {
                q.append_pair("error", e.code.product_status());
                q.append_pair("message", &e.description);
            }
            (Entry::OAuth2, Outcome::Error(e)) => {
                q.append_pair("error", e.code.as_str());
                q.append_pair("error_description", &e.description);
            }
        }
        if let Some(state) = &delivery.state {
            q.append_pair("state", state);
        }
        if delivery.entry == Entry::OAuth2 {
            q.append_pair("iss", issuer);
        }
        if delivery.test {
            q.append_pair("test", "true");
        }
    }
    url
}

/// The iframe message for `outcome`, before stringification. On the
/// OAuth2 entry it names the issuer (RFC 9207), as the redirect does.
pub fn message(delivery: &Delivery, outcome: &Outcome, issuer: &str) -> Value {
    let mut msg = match outcome {
        Outcome::Code(code) => json!({"type": "code", "code": code}),
        Outcome::Error(e) => {
            let mut error = json!({"status": e.code.product_status(), "message": e.description});
            if delivery.entry == Entry::OAuth2 {
                error["error"] = json!(e.code.as_str());
            }
            json!({"type": "error", "error": error})
        }
    };
    if delivery.entry == Entry::OAuth2 {
        msg["iss"] = json!(issuer);
    }
    add_common(&mut msg, delivery);
    msg
}

/// A `status` message marking a step.
pub fn status_message(delivery: &Delivery, status: &str) -> Value {
    let mut msg = json!({"type": "status", "status": status});
    add_common(&mut msg, delivery);
    msg
}

/// What every message carries: `state` when given, and `test: true` in
/// a test flow.
fn add_common(msg: &mut Value, delivery: &Delivery) {
    if let Some(state) = &delivery.state {
        msg["state"] = json!(state);
    }
    if delivery.test {
        msg["test"] = json!(true);
    }
}

/// The origin messages may be posted to: the validated callback's.
pub fn target_origin(delivery: &Delivery) -> String {
    delivery.callback.origin().ascii_serialization()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth2::error::ErrorCode;

    fn delivery(entry: Entry, state: Option<&str>) -> Delivery {
        Delivery {
            entry,
            callback: Url::parse("https://acme.example/cb?keep=1").unwrap(),
            callback_given: true,
            iframe: false,
            state: state.map(str::to_owned),
            test: false,
        }
    }

    #[test]
    fn link_success_keeps_callback_query() {
        let url = redirect_url(
            &delivery(Entry::Link, Some("s 1")),
            &Outcome::Code("u1".into()),
            "https://i",
        );
        assert_eq!(
            url.as_str(),
            "https://acme.example/cb?keep=1&code=u1&state=s+1"
        );
    }

    #[test]
    fn oauth_error_has_rfc_code_and_iss() {
        let out = Outcome::Error(OAuthError::cancelled());
        let url = redirect_url(
            &delivery(Entry::OAuth2, None),
            &out,
            "https://issuer.example",
        );
        let pairs: Vec<_> = url.query_pairs().into_owned().collect();
        assert!(pairs.contains(&("error".into(), "access_denied".into())));
        assert!(pairs.contains(&("iss".into(), "https://issuer.example".into())));
        assert!(!pairs.iter().any(|(k, _)| k == "code"));
    }

    #[test]
    fn link_error_uses_product_status() {
        let out = Outcome::Error(OAuthError::new(ErrorCode::InvalidScope, "bad"));
        let url = redirect_url(&delivery(Entry::Link, None), &out, "https://i");
        assert_eq!(url.query(), Some("keep=1&error=BAD_REQUEST&message=bad"));
    }

    #[test]
    fn messages_carry_state() {
        let d = delivery(Entry::Link, Some("xyz"));
        assert_eq!(
            message(&d, &Outcome::Code("u".into()), "https://i")["state"],
            "xyz"
        );
        assert_eq!(
            status_message(&d, "loaded"),
            json!({"type":"status","status":"loaded","state":"xyz"})
        );
        let err = message(&d, &Outcome::Error(OAuthError::cancelled()), "https://i");
        assert_eq!(err["error"]["status"], "USER_CANCELLED");
    }
}

#[cfg(test)]
mod test_flow_tests {
    use super::*;

    fn delivery(entry: Entry, test: bool) -> Delivery {
        Delivery {
            entry,
            callback: Url::parse("https://acme.example/cb").unwrap(),
            callback_given: false,
            iframe: true,
            state: None,
            test,
        }
    }

    #[test]
    fn a_test_flow_says_so_in_every_result() {
        let d = delivery(Entry::Link, true);
        let url = redirect_url(&d, &Outcome::Code("u".into()), "https://i");
        assert_eq!(url.query(), Some("code=u&test=true"));
        assert_eq!(
            message(&d, &Outcome::Code("u".into()), "https://i")["test"],
            true
        );
        assert_eq!(status_message(&d, "loaded")["test"], true);
        let prod = delivery(Entry::Link, false);
        assert_eq!(
            redirect_url(&prod, &Outcome::Code("u".into()), "https://i").query(),
            Some("code=u")
        );
        assert!(message(&prod, &Outcome::Code("u".into()), "https://i")
            .get("test")
            .is_none());
    }

    #[test]
    fn oauth2_messages_name_the_issuer_rfc_9207() {
        let d = delivery(Entry::OAuth2, false);
        for out in [
            Outcome::Code("c".into()),
            Outcome::Error(OAuthError::cancelled()),
        ] {
            assert_eq!(
                message(&d, &out, "https://issuer.example")["iss"],
                "https://issuer.example"
            );
        }
        let link = delivery(Entry::Link, false);
        assert!(message(&link, &Outcome::Code("u".into()), "https://i")
            .get("iss")
            .is_none());
    }
}
