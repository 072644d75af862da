//! The platform routes under `/elements/api-v2`: the routing table, the
//! `Authorization` checks (organization-level, and instance-level for the hub
//! routes), and the platform's error type. The instance routes themselves are in
//! `instances.rs`, the catalogue in `elements.rs`, the OAuth routes in `oauth.rs`,
//! the CRM hub in `hub.rs`.

use std::sync::Arc;

use hyper::http::request::Parts;
use hyper::{Method, StatusCode};
use serde_json::Value;

use crate::hub::{self, Object};
use crate::instances::{self, ElementRef, Instance, Target};
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
        // The hub segment is ignored, as on the platform (`/hubs/crm/contacts`).
        ["hubs", hub, object] if !hub.is_empty() && Object::from_name(object).is_some() => {
            "GET, POST"
        }
        ["hubs", hub, object, id]
            if !hub.is_empty() && !id.is_empty() && Object::from_name(object).is_some() =>
        {
            "GET, PATCH, DELETE"
        }
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
    if let ["hubs", _, object, id @ ..] = segments.as_slice() {
        let object = Object::from_name(object).expect("matched by the routing table");
        let instance = check_instance_authorization(shared, parts)?;
        return hub::route(shared, &instance, parts, body, object, id.first().copied());
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
const INSTANCE_AUTH_FORM: &str =
    "expected 'User <user secret>, Organization <organization secret>, Element <instance token>'";

/// The parts of an `Authorization` header.
struct AuthParts<'a> {
    user: Option<&'a str>,
    organization: Option<&'a str>,
    element: Option<&'a str>,
}

/// `User <secret>`, `Organization <secret>` and `Element <token>`, comma separated,
/// in any order, each at most once; `form` says what was expected in a 401.
fn parse_authorization<'a>(parts: &'a Parts, form: &str) -> Result<AuthParts<'a>, PlatformError> {
    let unauthorized = |m: String| err(StatusCode::UNAUTHORIZED, m);
    let mut values = parts.headers.get_all(hyper::header::AUTHORIZATION).iter();
    let header = match (values.next(), values.next()) {
        (None, _) => {
            return Err(unauthorized(format!(
                "Missing Authorization header: {form}"
            )));
        }
        (Some(_), Some(_)) => {
            return Err(unauthorized(format!(
                "More than one Authorization header: {form}"
            )));
        }
        (Some(v), None) => v,
    };
    let malformed = || unauthorized(format!("Malformed Authorization header: {form}"));
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
    if user.is_none() {
        return Err(malformed());
    }
    Ok(AuthParts {
        user,
        organization: org,
        element,
    })
}

const INVALID_SECRETS: &str = "Invalid user secret and/or organization secret";

/// Check 1: `User <secret>, Organization <secret>[, Element <token>]` in any order,
/// matching a configured pair.
fn check_authorization<'a>(shared: &Shared, parts: &'a Parts) -> Result<Caller<'a>, PlatformError> {
    let auth = parse_authorization(parts, AUTH_FORM)?;
    let (Some(user), Some(org), element) = (auth.user, auth.organization, auth.element) else {
        return Err(err(
            StatusCode::UNAUTHORIZED,
            format!("Malformed Authorization header: {AUTH_FORM}"),
        ));
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
        Err(err(StatusCode::UNAUTHORIZED, INVALID_SECRETS))
    }
}

/// The check of the instance-level (hub) routes: `User <secret>, Organization
/// <secret>, Element <token>` in any order (the `Organization` part may be left out,
/// as many platform examples do: the user secret must then be one of a configured
/// pair), the token of an instance of that organization (**401** otherwise), and the
/// instance enabled (**403** when disabled).
fn check_instance_authorization(
    shared: &Shared,
    parts: &Parts,
) -> Result<Arc<Instance>, PlatformError> {
    let auth = parse_authorization(parts, INSTANCE_AUTH_FORM)?;
    let user = auth.user.expect("parse_authorization requires User");
    let pairs = || shared.credentials.iter().filter(|(u, _)| u == user);
    let known = match auth.organization {
        Some(org) => pairs().any(|(_, o)| o == org),
        None => pairs().next().is_some(),
    };
    if !known {
        return Err(err(StatusCode::UNAUTHORIZED, INVALID_SECRETS));
    }
    let token = auth.element.ok_or_else(|| {
        err(
            StatusCode::UNAUTHORIZED,
            "Missing Element token: hub calls choose the instance by 'Element <instance token>' in the Authorization header",
        )
    })?;
    let instance = {
        let state = shared.state();
        instances::by_token(&state, token, |owner| match auth.organization {
            Some(org) => owner == org,
            None => pairs().any(|(_, o)| o == owner),
        })
    };
    let instance = instance.ok_or_else(|| {
        err(
            StatusCode::UNAUTHORIZED,
            "Invalid Element token: no instance of this organization has it",
        )
    })?;
    if instance.disabled() {
        return Err(err(
            StatusCode::FORBIDDEN,
            format!(
                "Instance {} is disabled: enable it with PUT /instances/{}/enabled",
                instance.id, instance.id
            ),
        ));
    }
    Ok(instance)
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
