//! The platform routes under `/elements/api-v2`: the routing table, the
//! `Authorization` check shared by every route, and the platform's error type. The
//! instance routes themselves are in `instances.rs`, the catalogue in `elements.rs`,
//! the OAuth routes in `oauth.rs`.

use hyper::http::request::Parts;
use hyper::{Method, StatusCode};
use serde_json::Value;

use crate::instances::{self, ElementRef, Target};
use crate::pagination::{query_params, single};
use crate::server::{Reply, Shared};
use crate::{elements, oauth};

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
        ["instances", "enabled"] => "PUT, DELETE",
        ["instances", id] if !id.is_empty() => "GET, PUT, PATCH, DELETE",
        ["instances", id, "enabled"] if !id.is_empty() => "PUT, DELETE",
        ["elements"] => "GET",
        ["elements", key] if !key.is_empty() => "GET",
        ["elements", key, "instances"] if !key.is_empty() => "POST",
        ["elements", key, "configuration"] if !key.is_empty() => "GET",
        ["elements", key, "oauth", "url"] if !key.is_empty() => "GET, POST",
        ["elements", key, "oauth", "token"] if !key.is_empty() => "GET",
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
    let caller = check_authorization(shared, parts)?;
    let params = query_params(parts.uri.query());
    let caller = &caller;
    match (method, segments.as_slice()) {
        (&Method::POST, ["instances"]) => {
            instances::create(shared, caller, parts, body, ElementRef::Body)
        }
        (&Method::GET, ["instances"]) => instances::list(shared, caller, &params),
        (&Method::PUT, ["instances", "enabled"]) => {
            instances::set_disabled(shared, caller, &Target::Token, false)
        }
        (&Method::DELETE, ["instances", "enabled"]) => {
            instances::set_disabled(shared, caller, &Target::Token, true)
        }
        (&Method::GET, ["instances", id]) => instances::get(shared, caller, id),
        (&Method::PATCH, ["instances", id]) => {
            instances::update(shared, caller, parts, body, id, false)
        }
        (&Method::PUT, ["instances", id]) => {
            let reauthenticate =
                single(&params, "reAuthenticate")?.is_some_and(|v| v.eq_ignore_ascii_case("true"));
            instances::update(shared, caller, parts, body, id, reauthenticate)
        }
        (&Method::DELETE, ["instances", id]) => instances::delete(shared, caller, id),
        (&Method::PUT, ["instances", id, "enabled"]) => {
            instances::set_disabled(shared, caller, &Target::Id(id), false)
        }
        (&Method::DELETE, ["instances", id, "enabled"]) => {
            instances::set_disabled(shared, caller, &Target::Id(id), true)
        }
        (&Method::GET, ["elements"]) => elements::list(shared, &params),
        (&Method::GET, ["elements", key]) => elements::get(key),
        (&Method::POST, ["elements", key, "instances"]) => {
            instances::create(shared, caller, parts, body, ElementRef::Path(key))
        }
        (&Method::GET, ["elements", key, "configuration"]) => elements::configuration(key),
        (&Method::GET, ["elements", key, "oauth", "url"]) => {
            oauth::url_from_query(shared, parts, key, &params)
        }
        (&Method::POST, ["elements", key, "oauth", "url"]) => {
            oauth::url_from_body(shared, parts, body, key)
        }
        (&Method::GET, ["elements", key, "oauth", "token"]) => {
            oauth::request_token(shared, key, &params)
        }
        _ => unreachable!("every allowed method has a handler"),
    }
}

/// Who is calling: the organization of the credentials, and the instance token of
/// an `Element` part.
pub(crate) struct Caller<'a> {
    pub organization: &'a str,
    pub element_token: Option<&'a str>,
}

const AUTH_FORM: &str = "expected 'User <user secret>, Organization <organization secret>'";

/// Check 1: `User <secret>, Organization <secret>[, Element <token>]` in any order,
/// matching a configured pair.
fn check_authorization<'a>(shared: &Shared, parts: &'a Parts) -> Result<Caller<'a>, PlatformError> {
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
        Ok(Caller {
            organization: org,
            element_token: element,
        })
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
