//! Reading answers: error statuses into [`StatusError`], 2xx bodies into results.

use serde_json::Value;

use crate::client::retry::parse_retry_after;
use crate::error::{DecodeError, Error, Result, StatusError};
use bytes::Bytes;

use crate::model::{INSTANCE_MODEL, Instance, Model, Output, Record, a_model};
use crate::ops::ResultKind;
use crate::pager::Page;
use crate::transport::HttpResponse;

/// The most of a body an error keeps (a few KiB: enough to read, never a memory hog).
pub const ERROR_BODY_LIMIT: usize = 8192; // 8 KiB

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
pub(crate) fn redacted_body(body: &[u8]) -> String {
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

/// The `error` of a provider message that is a JSON object (as an OAuth provider
/// answers: `{"error": "invalid_grant", ...}`), when it is a short code.
fn provider_error(message: &str) -> Option<String> {
    let v: Value = serde_json::from_str(message.trim()).ok()?;
    match v.get("error")? {
        Value::String(s) if !s.is_empty() && s.len() <= 200 => Some(s.clone()),
        _ => None,
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
    let provider_message = field("providerMessage");
    StatusError {
        status: response.status,
        request_id: field("requestId").or_else(|| header_request_id.clone()),
        header_request_id,
        message: field("message"),
        provider_error: provider_message.as_deref().and_then(provider_error),
        provider_message,
        retry_after: response.header("retry-after").and_then(parse_retry_after),
        body: text(&response.body),
    }
}

/// The decode error of a 2xx answer: status, request id and the redacted body.
fn decode_error(response: &HttpResponse, reason: String) -> Error {
    Error::Decode(Box::new(DecodeError {
        status: response.status,
        request_id: response.header("elements-request-id").map(str::to_owned),
        reason,
        body: redacted_body(&response.body),
    }))
}

/// Why a body could not be read as `what`: truncated, not JSON, or the wrong shape
/// (`detail`, which never quotes a value).
fn shape_reason(body: &[u8], what: &str, detail: &str) -> String {
    use serde_json::error::Category;
    match classify(body) {
        Category::Eof => format!("the JSON body is truncated ({detail})"),
        Category::Syntax | Category::Io => format!("the body is not JSON ({detail})"),
        Category::Data => format!("not {what}: {detail}"),
    }
}

/// How a body fails to parse as JSON (`Data` when it parses).
fn classify(body: &[u8]) -> serde_json::error::Category {
    match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        Ok(_) => serde_json::error::Category::Data,
        Err(e) => e.classify(),
    }
}

/// Decodes one model object from its JSON bytes (the reason, never quoting a value).
fn decode_model_bytes(model: &'static Model, body: Bytes) -> std::result::Result<Output, String> {
    if model.name == INSTANCE_MODEL.name {
        Instance::from_body(body.clone())
            .map(|i| Output::Instance(Box::new(i)))
            .map_err(|e| {
                let e = crate::redact::without_quoted_values(&e.to_string());
                shape_reason(&body, "an Instance", &e)
            })
    } else {
        Record::from_body(model, body.clone())
            .map(|r| Output::Record(Box::new(r)))
            .map_err(|e| shape_reason(&body, &a_model(model.name), &e))
    }
}

/// Decodes a 2xx answer into an [`Instance`].
pub(crate) fn decode_instance(response: HttpResponse) -> Result<Instance> {
    match decode_one(&INSTANCE_MODEL, response)? {
        Output::Instance(i) => Ok(*i),
        _ => Err(Error::Internal {
            reason: "the Instance decoder gave another model".to_owned(),
        }),
    }
}

fn decode_one(model: &'static Model, response: HttpResponse) -> Result<Output> {
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Err(decode_error(&response, "the body is empty".to_owned()));
    }
    decode_model_bytes(model, response.body.clone()).map_err(|e| decode_error(&response, e))
}

/// The items of a JSON array body, each as its own bytes.
fn array_items(response: &HttpResponse, what: &str) -> Result<Vec<Bytes>> {
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Err(decode_error(response, "the body is empty".to_owned()));
    }
    let items: Vec<&serde_json::value::RawValue> =
        serde_json::from_slice(&response.body).map_err(|e| {
            let e = crate::redact::without_quoted_values(&e.to_string());
            decode_error(response, shape_reason(&response.body, what, &e))
        })?;
    Ok(items
        .into_iter()
        .map(|raw| response.body.slice_ref(raw.get().as_bytes()))
        .collect())
}

/// Decodes a 2xx answer whose body is a JSON array of `model` objects.
fn decode_list(model: &'static Model, response: &HttpResponse) -> Result<Vec<Output>> {
    // Before parsing: serde_json's own recursion limit would fail the parse as "not JSON".
    if crate::model::nests_deeper_than(&response.body, crate::model::MAX_JSON_DEPTH) {
        return Err(decode_error(
            response,
            format!(
                "the JSON nests deeper than {} levels",
                crate::model::MAX_JSON_DEPTH
            ),
        ));
    }
    let what = format!("a list of {} objects", model.name);
    let items = array_items(response, &what)?;
    items
        .into_iter()
        .enumerate()
        .map(|(i, bytes)| {
            decode_model_bytes(model, bytes)
                .map_err(|e| decode_error(response, format!("item {i}: {e}")))
        })
        .collect()
}

/// Decodes a 2xx answer whose body is a JSON array, each item as decoded JSON.
fn decode_json_list(response: &HttpResponse) -> Result<Vec<Output>> {
    match crate::model::json_body(
        response.status,
        response.header("elements-request-id"),
        &response.body,
    )? {
        Value::Array(items) => Ok(items.into_iter().map(Output::Json).collect()),
        Value::Null => Ok(Vec::new()),
        other => Err(decode_error(
            response,
            format!(
                "expected a list of records, got {}",
                crate::model::json_kind(&other)
            ),
        )),
    }
}

/// Decodes one page of a paged operation: the items (a JSON array of the operation's
/// model objects, or of any JSON for a hub listing), `elements-next-page-token` and
/// `elements-total-count`.
pub(crate) fn decode_page(
    kind: ResultKind,
    records_as_text: bool,
    response: HttpResponse,
) -> Result<Page> {
    let (next_cursor, total_count) = crate::model::pagination_headers(&response);
    let request_id = response.header("elements-request-id").map(str::to_owned);
    if records_as_text && matches!(kind, ResultKind::Json) {
        // Checked and counted, not decoded: the binding parses the array itself.
        let count = if response.body.iter().all(u8::is_ascii_whitespace) {
            0
        } else {
            if crate::model::nests_deeper_than(&response.body, crate::model::MAX_JSON_DEPTH) {
                return Err(decode_error(
                    &response,
                    format!(
                        "the JSON nests deeper than {} levels",
                        crate::model::MAX_JSON_DEPTH
                    ),
                ));
            }
            array_items(&response, "a list of records")?.len()
        };
        let records = (count > 0).then(|| (response.body.clone(), count));
        return Ok(Page::new(
            Vec::new(),
            records,
            next_cursor,
            total_count,
            request_id,
        ));
    }
    let items = match kind {
        ResultKind::Model(model) => decode_list(model, &response)?,
        ResultKind::Json => decode_json_list(&response)?,
        _ => {
            return Err(Error::Internal {
                reason: "a paged operation lists models or JSON".to_owned(),
            });
        }
    };
    Ok(Page::new(items, None, next_cursor, total_count, request_id))
}

/// Reads the text field `key` of a JSON object body.
fn decode_text(key: &str, response: &HttpResponse) -> Result<Output> {
    let parsed: Value = serde_json::from_slice(&response.body).map_err(|e| {
        let e = crate::redact::without_quoted_values(&e.to_string());
        decode_error(response, shape_reason(&response.body, "a JSON object", &e))
    })?;
    match parsed.get(key) {
        Some(Value::String(s)) => Ok(Output::Text(s.clone())),
        Some(other) => Err(decode_error(
            response,
            format!(
                "field `{key}`: expected text, got {}",
                crate::model::json_kind(other)
            ),
        )),
        None => Err(decode_error(response, format!("missing field `{key}`"))),
    }
}

/// Decodes a 2xx answer as `kind` says (one page of a paged operation is
/// [`decode_page`]).
pub(crate) fn decode(kind: ResultKind, response: HttpResponse) -> Result<Output> {
    match kind {
        ResultKind::Nothing => Ok(Output::Nothing),
        ResultKind::Model(m) => decode_one(m, response),
        ResultKind::Models(m) => decode_list(m, &response).map(Output::List),
        ResultKind::Text(key) => decode_text(key, &response),
        ResultKind::Json => crate::model::json_body(
            response.status,
            response.header("elements-request-id"),
            &response.body,
        )
        .map(Output::Json),
        ResultKind::Response => Ok(Output::Response(Box::new(
            crate::model::Response::from_http(response),
        ))),
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
    fn instances_decode_from_a_body() {
        let i =
            decode_instance(response(200, &[], r#"{"id":7,"name":"n","token":"t-1"}"#)).unwrap();
        assert_eq!((i.id, i.name.as_str(), i.token.expose()), (7, "n", "t-1"));
        let e = decode_instance(response(200, &[], r#"{"id":7}"#)).unwrap_err();
        assert_eq!(e.code().as_str(), "decode");
    }

    #[test]
    fn provider_errors_are_short_codes() {
        assert_eq!(
            provider_error(r#"{"error":"invalid_grant"}"#).as_deref(),
            Some("invalid_grant")
        );
        assert_eq!(
            provider_error(&format!(r#"{{"error":"{}"}}"#, "e".repeat(200))).map(|s| s.len()),
            Some(200)
        );
        for no in [
            r#"{"error":""}"#.to_owned(),
            format!(r#"{{"error":"{}"}}"#, "e".repeat(201)),
            r#"{"error":42}"#.to_owned(),
            r#"{"message":"x"}"#.to_owned(),
            "not json".to_owned(),
        ] {
            assert_eq!(provider_error(&no), None, "{no}");
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

    #[test]
    fn records_kept_as_text_only_when_there_are_some() {
        let page = decode_page(ResultKind::Json, true, response(200, &[], "[]")).unwrap();
        assert_eq!((page.len(), page.records_text()), (0, None));
        let page = decode_page(ResultKind::Json, true, response(200, &[], " ")).unwrap();
        assert_eq!((page.len(), page.records_text()), (0, None));
        let page = decode_page(ResultKind::Json, true, response(200, &[], "[1]")).unwrap();
        assert_eq!((page.len(), page.records_text()), (1, Some(&b"[1]"[..])));
    }
}
