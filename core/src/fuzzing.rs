//! Entry points for the fuzz targets (`fuzz/`, `make fuzz`): the parsers that read
//! what a server or a caller sends, reachable from outside the crate. Not part of the
//! public API; each function must return (never panic) whatever its input.

use bytes::Bytes;
use serde_json::Value;

use crate::lang::Lang;
use crate::model::Instance;
use crate::transport::{HeaderMap, HeaderValue, HttpResponse};

/// Decodes a 2xx body as an Instance, and reads every view of it.
pub fn decode_instance(body: &[u8]) {
    let response = HttpResponse {
        status: 200,
        headers: HeaderMap::new(),
        body: Bytes::copy_from_slice(body),
    };
    if let Ok(i) = crate::client::fuzz_decode_instance(response) {
        let _ = i.raw();
        let _ = i.fields_json(Lang::Node);
        let _ = i.json_bytes();
        let _ = format!("{i:?}");
        if let Some(t) = &i.created_date {
            let _ = t.epoch_millis();
            let _ = t.to_iso8601();
        }
    }
    let _ = Instance::from_body(Bytes::copy_from_slice(body));
}

/// Reads an error answer: status, `Retry-After`, the platform's error body.
pub fn status_error(status: u16, retry_after: &str, body: &[u8]) {
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(retry_after) {
        headers.insert("retry-after", v);
    }
    let response = HttpResponse {
        status,
        headers,
        body: Bytes::copy_from_slice(body),
    };
    let e = crate::client::fuzz_status_error(&response);
    let _ = e.to_string();
    let _ = crate::error::Error::Status(Box::new(e)).payload(Lang::Python);
}

/// Reads a date as text.
pub fn timestamp(text: &str) {
    let t = crate::model::Timestamp::Text(text.to_owned());
    let _ = t.epoch_millis();
    let _ = t.to_jiff();
}

/// Reads a caller's arguments and options (JSON) for every operation and language.
pub fn inputs(json: &[u8]) {
    let Ok(v) = serde_json::from_slice::<Value>(json) else {
        return;
    };
    for lang in Lang::ALL {
        for op in crate::ops::OPERATIONS {
            let _ = crate::ops::build_wire(op, lang, v.clone());
        }
        let _ = crate::client::ClientBuilder::from_json(lang, &v).map(|b| b.build());
        let _ = crate::client::CallOptions::from_json(lang, &v);
    }
    let _ = crate::config::normalize_base_url(&v.to_string());
}

/// Masks secrets in a server's text.
pub fn mask(auth: &str, body: &[u8], text: &str) {
    let m = crate::redact::Masker::new(Some(auth), Some(body));
    let _ = m.mask(text);
    let _ = crate::redact::without_quoted_values(text);
}
