//! The whole answer of a hub request (`request(method, path, ...)`).

use std::fmt;

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::error::{DecodeError, Error, Result};
use crate::transport::HttpResponse;

/// A hub request's answer: status, headers, the platform's request id and pagination
/// headers, and the body as received (read with [`Response::json`] or
/// [`Response::text`]). `Debug` shows no header value or body: they may hold the
/// connected service's data.
#[derive(Clone)]
pub struct Response {
    /// The HTTP status (2xx: other statuses are errors).
    pub status: u16,
    /// The headers, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// `elements-request-id`.
    pub request_id: Option<String>,
    /// `elements-next-page-token`: pass it as `cursor` (or `nextPage`) for the next page.
    pub next_cursor: Option<String>,
    /// `elements-total-count`, when the platform sends it.
    pub total_count: Option<u64>,
    body: Bytes,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("next_cursor", &self.next_cursor)
            .field("total_count", &self.total_count)
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// The pagination headers of an answer: next-page token (blank is none) and total.
pub(crate) fn pagination_headers(r: &HttpResponse) -> (Option<String>, Option<u64>) {
    let next = r
        .header("elements-next-page-token")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let total = r
        .header("elements-total-count")
        .and_then(|t| t.trim().parse::<u64>().ok());
    (next, total)
}

impl Response {
    pub(crate) fn from_http(r: HttpResponse) -> Response {
        let (next_cursor, total_count) = pagination_headers(&r);
        let headers = r
            .headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        Response {
            status: r.status,
            request_id: r.header("elements-request-id").map(str::to_owned),
            headers,
            next_cursor,
            total_count,
            body: r.body,
        }
    }

    /// A header's value by name (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as received.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        crate::model::utf8_text(&self.body)
    }

    /// The body as JSON (numbers kept exactly); an empty body is `null`. A body that is
    /// not JSON, or nests deeper than [`crate::model::MAX_JSON_DEPTH`], is a `decode`
    /// error.
    pub fn json(&self) -> Result<Value> {
        json_body(self.status, self.request_id.as_deref(), &self.body)
    }

    /// What the case runners and `to_dict()`/`toJSON()` show (the same keys in every
    /// language): `status`, `requestId`, `nextCursor`, `totalCount`, `headers` and
    /// `body` (JSON when it is JSON, else text).
    pub fn raw(&self) -> Value {
        let mut out = self.meta();
        if let Value::Object(m) = &mut out {
            m.insert(
                "body".into(),
                self.json().unwrap_or_else(|_| Value::String(self.text())),
            );
        }
        out
    }

    /// [`Response::raw`] without the body.
    pub fn meta(&self) -> Value {
        let mut headers = Map::new();
        for (k, v) in &self.headers {
            headers.insert(k.clone(), Value::String(v.clone()));
        }
        let mut out = Map::new();
        out.insert("status".into(), Value::from(self.status));
        out.insert(
            "requestId".into(),
            self.request_id.clone().map_or(Value::Null, Value::String),
        );
        out.insert(
            "nextCursor".into(),
            self.next_cursor.clone().map_or(Value::Null, Value::String),
        );
        out.insert(
            "totalCount".into(),
            self.total_count.map_or(Value::Null, Value::from),
        );
        out.insert("headers".into(), Value::Object(headers));
        Value::Object(out)
    }
}

/// Decodes a JSON body: empty is `null`; too deep or not JSON is a `decode` error.
pub(crate) fn json_body(status: u16, request_id: Option<&str>, body: &[u8]) -> Result<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    let fail = |reason: String| {
        Error::Decode(Box::new(DecodeError {
            status,
            request_id: request_id.map(str::to_owned),
            reason,
            body: crate::client::redacted_body_text(body),
        }))
    };
    if crate::model::nests_deeper_than(body, crate::model::MAX_JSON_DEPTH) {
        return Err(fail(format!(
            "the answer nests deeper than {} levels",
            crate::model::MAX_JSON_DEPTH
        )));
    }
    serde_json::from_slice(body).map_err(|e| {
        fail(format!(
            "the answer is not JSON ({})",
            crate::redact::without_quoted_values(&e.to_string())
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn response(body: &'static str) -> Response {
        let mut headers = HeaderMap::new();
        headers.insert("elements-request-id", HeaderValue::from_static("r-1"));
        headers.insert("elements-next-page-token", HeaderValue::from_static(" "));
        headers.insert("elements-total-count", HeaderValue::from_static("7"));
        Response::from_http(HttpResponse {
            status: 200,
            headers,
            body: Bytes::from_static(body.as_bytes()),
        })
    }

    #[test]
    fn answers_and_their_views() {
        let r = response(r#"[{"id":1,"token":"live-t0ken"}]"#);
        assert_eq!(
            (
                r.request_id.as_deref(),
                r.next_cursor.as_deref(),
                r.total_count
            ),
            (Some("r-1"), None, Some(7))
        );
        assert_eq!(r.header("ELEMENTS-REQUEST-ID"), Some("r-1"));
        assert_eq!(r.json().unwrap()[0]["id"], 1);
        let dbg = format!("{r:?}");
        assert!(
            dbg.starts_with("Response { status: 200, request_id: Some(\"r-1\")")
                && dbg.contains("body_bytes: 31"),
            "{dbg}"
        );
        assert!(!dbg.contains("live-t0ken"), "{dbg}");
        assert_eq!(r.raw()["body"][0]["id"], 1);
        assert_eq!(r.raw()["totalCount"], 7);
        assert_eq!(response("  ").json().unwrap(), Value::Null);
        let not_json = response("<html>");
        assert_eq!(not_json.json().unwrap_err().code().as_str(), "decode");
        assert_eq!(not_json.raw()["body"], "<html>");
        assert_eq!(not_json.text(), "<html>");
    }
}
