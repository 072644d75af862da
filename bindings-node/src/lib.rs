//! The napi-rs binding of the `open-connectors` core: the `open-connectors` npm module.
//!
//! This crate only moves values between JavaScript and the core; every check and
//! every platform rule lives in the core. The generated loader (`native.js`) is not
//! the public API: `index.js` wraps it, turning the JSON payload of a rejected call
//! into the error classes of the module and the raw Instance JSON into an `Instance`.
//!
//! Errors cross the boundary as a `napi::Error` whose message is a JSON object
//! (see [`error_payload`]) marked with `"$openConnectors": 1`.
#![deny(clippy::all)]

use std::time::Duration;

use napi::bindgen_prelude::{Object, Unknown};
use napi::{JsValue, Status, ValueType};
use napi_derive::napi;
use open_connectors::{Client, ClientBuilder, Error, RequestSent};
use serde_json::{Value, json};

/// The marker key of an error payload.
const MARKER: &str = "$openConnectors";

/// The options `new Client(options)` accepts (camelCase, as JavaScript spells them).
const CLIENT_OPTIONS: [&str; 8] = [
    "userSecret",
    "organizationSecret",
    "baseUrl",
    "region",
    "timeout",
    "connectTimeout",
    "maxRetries",
    "useEnv",
];

/// The JSON payload of a rejected call, built from the core error's accessors only.
fn error_payload(e: &Error) -> Value {
    let status = e.as_status();
    json!({
        MARKER: 1,
        "code": e.code().as_str(),
        "message": e.to_string(),
        "status": e.status(),
        "requestId": e.request_id(),
        "headerRequestId": status.and_then(|s| s.header_request_id.as_deref()),
        "platformMessage": status.and_then(|s| s.message.as_deref()),
        "providerMessage": status.and_then(|s| s.provider_message.as_deref()),
        "body": e.body(),
        "field": e.field(),
        "requestSent": e.request_sent().map(|r| match r {
            RequestSent::No => "no",
            RequestSent::Maybe => "maybe",
        }),
        "retryAfter": e.retry_after().map(|d| d.as_secs_f64()),
    })
}

/// A core error as a napi error that `index.js` turns into an error class.
fn to_napi(e: Error) -> napi::Error {
    napi::Error::new(Status::GenericFailure, error_payload(&e).to_string())
}

/// An `invalid_input` error in the core's shape, for the binding's own option checks.
fn invalid(field: &str, reason: impl Into<String>) -> napi::Error {
    let reason = reason.into();
    napi::Error::new(
        Status::GenericFailure,
        json!({
            MARKER: 1,
            "code": "invalid_input",
            "message": format!("invalid input: {field}: {reason}"),
            "field": field,
        })
        .to_string(),
    )
}

fn kind(t: ValueType) -> &'static str {
    match t {
        ValueType::Undefined => "undefined",
        ValueType::Null => "null",
        ValueType::Boolean => "a boolean",
        ValueType::Number => "a number",
        ValueType::String => "a string",
        ValueType::Symbol => "a symbol",
        ValueType::Object => "an object",
        ValueType::Function => "a function",
        ValueType::External => "an external",
        _ => "an unknown value",
    }
}

/// One client option: `None` when absent, `undefined` or `null`.
fn option<'a>(options: &Object<'a>, key: &str) -> napi::Result<Option<(Unknown<'a>, ValueType)>> {
    let Some(value) = options.get::<Unknown>(key)? else {
        return Ok(None);
    };
    match value.get_type()? {
        ValueType::Undefined | ValueType::Null => Ok(None),
        t => Ok(Some((value, t))),
    }
}

fn string_option(options: &Object, key: &str, field: &str) -> napi::Result<Option<String>> {
    match option(options, key)? {
        None => Ok(None),
        // SAFETY: the value's type was checked just above.
        Some((v, ValueType::String)) => Ok(Some(unsafe { v.cast::<String>() }?)),
        Some((_, t)) => Err(invalid(field, format!("must be a string, got {}", kind(t)))),
    }
}

fn number_option(options: &Object, key: &str, field: &str) -> napi::Result<Option<f64>> {
    match option(options, key)? {
        None => Ok(None),
        // SAFETY: the value's type was checked just above.
        Some((v, ValueType::Number)) => Ok(Some(unsafe { v.cast::<f64>() }?)),
        Some((_, t)) => Err(invalid(field, format!("must be a number, got {}", kind(t)))),
    }
}

/// A duration in milliseconds: a finite number, not negative (zero is refused by the core).
fn millis_option(options: &Object, key: &str, field: &str) -> napi::Result<Option<Duration>> {
    let Some(ms) = number_option(options, key, field)? else {
        return Ok(None);
    };
    if !ms.is_finite() || ms < 0.0 {
        return Err(invalid(
            field,
            format!("must be a finite, positive number of milliseconds, got {ms}"),
        ));
    }
    Duration::try_from_secs_f64(ms / 1000.0)
        .map(Some)
        .map_err(|_| invalid(field, "is too large"))
}

/// Reads the JavaScript options into a core builder. Only types are checked here;
/// the values are the core's business.
fn builder(options: Option<Unknown>, runtime_version: &str) -> napi::Result<ClientBuilder> {
    let mut b = Client::builder().language("node", runtime_version);
    let options = match options {
        None => return Ok(b),
        Some(o) => match o.get_type()? {
            ValueType::Undefined | ValueType::Null => return Ok(b),
            // SAFETY: the value's type was checked by the pattern.
            ValueType::Object if !o.is_array()? => unsafe { o.cast::<Object>() }?,
            ValueType::Object => return Err(invalid("options", "must be an object, got an array")),
            t => {
                return Err(invalid(
                    "options",
                    format!("must be an object, got {}", kind(t)),
                ));
            }
        },
    };
    if let Some(key) = Object::keys(&options)?
        .into_iter()
        .find(|k| !CLIENT_OPTIONS.contains(&k.as_str()))
    {
        return Err(invalid(
            &key,
            format!(
                "is not an option of Client (expected {})",
                CLIENT_OPTIONS.join(", ")
            ),
        ));
    }
    if let Some(s) = string_option(&options, "userSecret", "user_secret")? {
        b = b.user_secret(s);
    }
    if let Some(s) = string_option(&options, "organizationSecret", "organization_secret")? {
        b = b.organization_secret(s);
    }
    if let Some(s) = string_option(&options, "baseUrl", "base_url")? {
        b = b.base_url(s);
    }
    if let Some(s) = string_option(&options, "region", "region")? {
        b = b.region(s.parse().map_err(to_napi)?);
    }
    if let Some(d) = millis_option(&options, "timeout", "timeout")? {
        b = b.timeout(d);
    }
    if let Some(d) = millis_option(&options, "connectTimeout", "connect_timeout")? {
        b = b.connect_timeout(d);
    }
    if let Some(n) = number_option(&options, "maxRetries", "max_retries")? {
        if !(n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= f64::from(u32::MAX)) {
            return Err(invalid(
                "max_retries",
                format!("must be a non-negative integer, got {n}"),
            ));
        }
        b = b.max_retries(n as u32);
    }
    match option(&options, "useEnv")? {
        None => {}
        // SAFETY: the value's type was checked by the pattern.
        Some((v, ValueType::Boolean)) => b = b.use_env(unsafe { v.cast::<bool>() }?),
        Some((_, t)) => {
            return Err(invalid(
                "use_env",
                format!("must be a boolean, got {}", kind(t)),
            ));
        }
    }
    Ok(b)
}

/// The native client. Not the public API: `index.js` wraps it in `Client`, which
/// keeps this handle private.
#[napi]
pub struct NativeClient {
    inner: Client,
}

#[napi]
impl NativeClient {
    /// Builds a client from the JavaScript options; missing settings fall back to
    /// the `OPEN_CONNECTORS_*` environment (in the core).
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<Unknown>, runtime_version: Option<String>) -> napi::Result<Self> {
        let runtime = runtime_version.unwrap_or_else(|| "unknown".to_owned());
        let inner = builder(options, &runtime)?.build().map_err(to_napi)?;
        Ok(NativeClient { inner })
    }

    /// Creates an instance. `options` is the create options as JSON text (the
    /// JavaScript layer serializes them); the answer is the Instance object as received,
    /// as JSON text (the JavaScript layer parses it: much cheaper than converting it
    /// property by property).
    #[napi(catch_unwind)]
    pub async fn create_instance(&self, options: String) -> napi::Result<String> {
        let options: Value = serde_json::from_str(&options)
            .map_err(|e| invalid("options", format!("is not JSON: {e}")))?;
        let request = open_connectors::create_instance_from_options(options).map_err(to_napi)?;
        let instance = self
            .inner
            .create_instance(&request)
            .await
            .map_err(to_napi)?;
        Ok(instance.to_json_string())
    }

    /// The base URL in use.
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.inner.base_url().to_owned()
    }

    /// The timeout of one attempt, in milliseconds.
    #[napi(getter)]
    pub fn timeout(&self) -> f64 {
        self.inner.timeout().as_secs_f64() * 1000.0
    }

    /// The retry budget.
    #[napi(getter)]
    pub fn max_retries(&self) -> u32 {
        self.inner.max_retries()
    }

    /// The user agent sent.
    #[napi(getter)]
    pub fn user_agent(&self) -> String {
        self.inner.user_agent().to_owned()
    }
}

/// A copy of a JSON value with every secret-looking value replaced by `[REDACTED]`,
/// by the core's rule (used by `util.inspect` of an Instance).
#[napi(js_name = "redactJson")]
pub fn redact_json(value: Value) -> Value {
    open_connectors::redact::redact_json(&value)
}

/// The core's version.
#[napi(js_name = "coreVersion")]
pub fn core_version() -> &'static str {
    open_connectors::VERSION
}

/// Test hook: panics inside an async call, to prove a panic rejects the Promise
/// instead of aborting the process. Not re-exported by `index.js`.
#[napi(js_name = "__panicForTestsAsync", catch_unwind)]
pub async fn panic_for_tests_async() -> napi::Result<()> {
    panic!("deliberate panic for tests (async)");
}

/// Test hook: panics inside a sync call (see [`panic_for_tests_async`]).
#[napi(js_name = "__panicForTestsSync", catch_unwind)]
pub fn panic_for_tests_sync() -> napi::Result<()> {
    panic!("deliberate panic for tests (sync)");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_carry_the_core_accessors() {
        let e = "mars".parse::<open_connectors::Region>().unwrap_err();
        let p = error_payload(&e);
        assert_eq!(p[MARKER], 1);
        assert_eq!(p["code"], "invalid_input");
        assert_eq!(p["field"], "region");
        assert_eq!(p["message"], e.to_string());
        assert!(p["status"].is_null() && p["requestSent"].is_null());

        let e = Error::Connection {
            reason: "refused".into(),
            request_sent: RequestSent::No,
            attempts: 3,
        };
        let p = error_payload(&e);
        assert_eq!(p["code"], "connection");
        assert_eq!(p["requestSent"], "no");
        assert!(p["field"].is_null() && p["retryAfter"].is_null());

        let e = Error::Timeout {
            timeout: Duration::from_millis(300),
            request_sent: RequestSent::Maybe,
            attempts: 1,
        };
        assert_eq!(error_payload(&e)["requestSent"], "maybe");
    }
}
