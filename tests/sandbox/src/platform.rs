//! The platform routes under `/elements/api-v2`: the routing table, the
//! `Authorization` check shared by every route, and the platform's error type. The
//! instance routes themselves are in `instances.rs`, the catalogue in `elements.rs`.

use hyper::http::request::Parts;
use hyper::{Method, StatusCode};
use serde_json::Value;

use crate::instances::{self, ElementRef};
use crate::server::{Reply, Shared};

pub(crate) const PREFIX: &str = "/elements/api-v2";

/// A platform error: `{"requestId", "message"[, "providerMessage"]}`.
pub(crate) struct PlatformError {
    pub status: StatusCode,
    pub message: String,
    pub provider_message: Option<&'static str>,
    /// The `Allow` header of a 405 (RFC 9110 requires it).
    pub allow: Option<&'static str>,
}

pub(crate) fn err(status: StatusCode, message: impl Into<String>) -> PlatformError {
    PlatformError {
        status,
        message: message.into(),
        provider_message: None,
        allow: None,
    }
}

pub(crate) fn bad_request(message: impl Into<String>) -> PlatformError {
    err(StatusCode::BAD_REQUEST, message)
}

/// Answers a request under the platform prefix (faults already handled).
pub(crate) fn handle(shared: &Shared, parts: &Parts, body: &[u8], request_id: &str) -> Reply {
    match route(shared, parts, body) {
        Ok(reply) => reply,
        Err(e) => {
            let mut reply =
                Reply::platform_error(e.status, request_id, &e.message, e.provider_message);
            if let Some(allow) = e.allow {
                reply.header("allow", allow);
            }
            reply
        }
    }
}

fn route(shared: &Shared, parts: &Parts, body: &[u8]) -> Result<Reply, PlatformError> {
    let path = parts.uri.path();
    let rest = &path[PREFIX.len()..];
    let segments: Vec<&str> = rest.split('/').skip(1).collect();
    let method = &parts.method;
    let allowed: &'static str = match segments.as_slice() {
        ["instances"] => "GET, POST",
        ["instances", id] if !id.is_empty() => "GET, DELETE",
        ["elements", key, "instances"] if !key.is_empty() => "POST",
        _ => {
            return Err(err(
                StatusCode::NOT_FOUND,
                format!("No resource found for {method} {path}"),
            ));
        }
    };
    if !allowed.split(", ").any(|m| m == method.as_str()) {
        return Err(PlatformError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            message: format!("Method {method} is not allowed on {path} (allowed: {allowed})"),
            provider_message: None,
            allow: Some(allowed),
        });
    }
    check_authorization(shared, parts)?;
    match (method, segments.as_slice()) {
        (&Method::POST, ["instances"]) => instances::create(shared, parts, body, ElementRef::Body),
        (&Method::POST, ["elements", key, "instances"]) => {
            instances::create(shared, parts, body, ElementRef::Path(key))
        }
        (&Method::GET, ["instances"]) => Ok(instances::list(shared)),
        (&Method::GET, ["instances", id]) => instances::get(shared, id),
        (&Method::DELETE, ["instances", id]) => instances::delete(shared, id),
        _ => unreachable!("every allowed method has a handler"),
    }
}

const AUTH_FORM: &str = "expected 'User <user secret>, Organization <organization secret>'";

/// Check 1: `User <secret>, Organization <secret>[, Element <token>]` in any order,
/// matching a configured pair.
fn check_authorization(shared: &Shared, parts: &Parts) -> Result<(), PlatformError> {
    let unauthorized = |m: String| err(StatusCode::UNAUTHORIZED, m);
    let mut values = parts.headers.get_all(hyper::header::AUTHORIZATION).iter();
    let header = match (values.next(), values.next()) {
        (None, _) => {
            return Err(unauthorized(format!(
                "Missing Authorization header: {AUTH_FORM}"
            )));
        }
        (Some(_), Some(_)) => {
            return Err(unauthorized(format!(
                "More than one Authorization header: {AUTH_FORM}"
            )));
        }
        (Some(v), None) => v,
    };
    let malformed = || unauthorized(format!("Malformed Authorization header: {AUTH_FORM}"));
    let header = header.to_str().map_err(|_| malformed())?;
    let (mut user, mut org, mut element) = (None, None, None);
    for part in header.split(',') {
        let part = part.trim();
        let (keyword, value) = part.split_once(' ').ok_or_else(malformed)?;
        let value = value.trim();
        let slot = match keyword {
            "User" => &mut user,
            "Organization" => &mut org,
            "Element" => &mut element,
            _ => return Err(malformed()),
        };
        if value.is_empty() || value.contains(' ') || slot.is_some() {
            return Err(malformed());
        }
        *slot = Some(value);
    }
    let (Some(user), Some(org)) = (user, org) else {
        return Err(malformed());
    };
    if shared
        .credentials
        .iter()
        .any(|(u, o)| u == user && o == org)
    {
        Ok(())
    } else {
        Err(unauthorized(
            "Invalid user secret and/or organization secret".to_owned(),
        ))
    }
}

pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
