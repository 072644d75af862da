//! Reading answers: error statuses into [`StatusError`], 2xx bodies into results.

use serde_json::Value;

use crate::client::retry::parse_retry_after;
use crate::error::{DecodeError, Error, Result, StatusError};
use crate::model::{Instance, Output};
use crate::ops::ResultKind;
use crate::transport::HttpResponse;

/// The most of a body an error keeps (a few KiB: enough to read, never a memory hog).
pub const ERROR_BODY_LIMIT: usize = 8 * 1024;

/// A body as text for an error: at most [`ERROR_BODY_LIMIT`] bytes, marked when cut.
pub(crate) fn text(body: &[u8]) -> String {
    if body.len() <= ERROR_BODY_LIMIT {
        return String::from_utf8_lossy(body).into_owned();
    }
    let mut t = String::from_utf8_lossy(&body[..ERROR_BODY_LIMIT]).into_owned();
    t.push_str(&format!("… [cut: {} bytes in all]", body.len()));
    t
}

/// The body of an undecodable 2xx as an error keeps it: when it is JSON, with every
/// value under a sensitive key (a token, a password...) redacted; cut to the limit.
fn redacted_body(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => text(crate::redact::redact_json(&v).to_string().as_bytes()),
        Err(_) => text(body),
    }
}

fn json_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Turns a non-2xx answer into a [`StatusError`], reading the platform's error body
/// when there is one (and keeping the raw body whatever it is).
pub(crate) fn status_error(response: &HttpResponse) -> StatusError {
    let header_request_id = response.header("elements-request-id").map(str::to_owned);
    let parsed: Option<serde_json::Map<String, Value>> =
        serde_json::from_slice::<Value>(&response.body)
            .ok()
            .and_then(|v| match v {
                Value::Object(m) => Some(m),
                _ => None,
            });
    let field = |k: &str| parsed.as_ref().and_then(|m| m.get(k)).and_then(json_text);
    StatusError {
        status: response.status,
        request_id: field("requestId").or_else(|| header_request_id.clone()),
        header_request_id,
        message: field("message"),
        provider_message: field("providerMessage"),
        retry_after: response.header("retry-after").and_then(parse_retry_after),
        body: text(&response.body),
    }
}

/// Decodes a 2xx answer into an [`Instance`].
pub(crate) fn decode_instance(response: HttpResponse) -> Result<Instance> {
    let decode_err = |reason: String| {
        Error::Decode(Box::new(DecodeError {
            status: response.status,
            request_id: response.header("elements-request-id").map(str::to_owned),
            reason,
            body: redacted_body(&response.body),
        }))
    };
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Err(decode_err("the body is empty".to_owned()));
    }
    Instance::from_body(response.body.clone()).map_err(|e| {
        use serde_json::error::Category;
        // serde quotes the values it could not read: they may be secrets.
        let e = crate::redact::without_quoted_values(&e.to_string());
        decode_err(match e.as_str() {
            _ if matches!(classify(&response.body), Category::Eof) => {
                format!("the JSON body is truncated ({e})")
            }
            _ if matches!(classify(&response.body), Category::Syntax | Category::Io) => {
                format!("the body is not JSON ({e})")
            }
            _ => format!("not an Instance: {e}"),
        })
    })
}

/// How a body fails to parse as JSON (`Data` when it parses).
fn classify(body: &[u8]) -> serde_json::error::Category {
    match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        Ok(_) => serde_json::error::Category::Data,
        Err(e) => e.classify(),
    }
}

/// Decodes a 2xx answer as `kind` says.
pub(crate) fn decode(kind: ResultKind, response: HttpResponse) -> Result<Output> {
    match kind {
        ResultKind::Nothing => Ok(Output::Nothing),
        ResultKind::Model(m) if m.name == "Instance" => {
            decode_instance(response).map(|i| Output::Instance(Box::new(i)))
        }
        ResultKind::Model(m) => Err(Error::Internal {
            reason: format!("no decoder for model {}", m.name),
        }),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use bytes::Bytes;
    use reqwest::header::{HeaderMap, HeaderValue};

    pub(crate) fn response(
        status: u16,
        headers: &[(&'static str, &'static str)],
        body: &'static str,
    ) -> HttpResponse {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, HeaderValue::from_static(v));
        }
        HttpResponse {
            status,
            headers: h,
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    #[test]
    fn status_errors_keep_everything() {
        let r = response(
            502,
            &[("elements-request-id", "hdr")],
            r#"{"requestId":"5aabbccddeeff00112233445","message":"Provider failed","providerMessage":{"error":"x"}}"#,
        );
        let e = status_error(&r);
        assert_eq!(e.request_id.as_deref(), Some("5aabbccddeeff00112233445"));
        assert_eq!(e.header_request_id.as_deref(), Some("hdr"));
        assert_eq!(e.provider_message.as_deref(), Some(r#"{"error":"x"}"#));
        let html = status_error(&response(
            503,
            &[("elements-request-id", "h")],
            "<html>down</html>",
        ));
        assert_eq!(html.message, None);
        assert_eq!(html.request_id.as_deref(), Some("h"));
        assert_eq!(html.body, "<html>down</html>");
    }

    #[test]
    fn decode_errors() {
        for (body, needle) in [
            ("", "empty"),
            ("<html>", "not JSON"),
            (r#"{"id":1,"na"#, "truncated"),
            (r#"{"id":1,"name":"n"}"#, "token"),
            ("[]", "Instance"),
        ] {
            let e =
                decode_instance(response(200, &[("elements-request-id", "r")], body)).unwrap_err();
            assert_eq!(e.code().as_str(), "decode");
            assert!(e.to_string().contains(needle), "{e}");
            assert_eq!(e.request_id(), Some("r"));
            assert_eq!(e.body(), Some(body));
        }
    }

    #[test]
    fn bodies_are_capped_and_decode_errors_quote_no_secret() {
        let exact = "a".repeat(ERROR_BODY_LIMIT);
        assert_eq!(text(exact.as_bytes()), exact);
        let over = "a".repeat(ERROR_BODY_LIMIT + 1);
        let t = text(over.as_bytes());
        assert!(
            t.starts_with(&exact)
                && t.ends_with(&format!("[cut: {} bytes in all]", ERROR_BODY_LIMIT + 1))
        );
        let body: &'static str =
            r#"{"id":"refresh_token=s3cr3t-value","name":"n","token":"tok-en-value-1"}"#;
        let e = decode_instance(response(200, &[], body)).unwrap_err();
        // The message and Debug quote nothing; the kept body hides the token.
        let shown = format!("{e} {e:?}");
        assert!(
            !shown.contains("s3cr3t-value") && !shown.contains("tok-en-value-1"),
            "{shown}"
        );
        assert!(!e.body().unwrap().contains("tok-en-value-1"));
        assert!(e.to_string().contains("not an Instance"), "{e}");
    }

    #[test]
    fn nothing_ignores_the_body() {
        for body in ["", "{}", "<html>"] {
            let out = decode(ResultKind::Nothing, response(200, &[], body)).unwrap();
            assert!(matches!(out, Output::Nothing));
        }
    }
}
