//! The platform routes under `/elements/api-v2`: the element catalogue, the create
//! checks of the README, and the instance store.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use hyper::http::request::Parts;
use hyper::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::server::{Reply, Shared};
use crate::util::{now_iso8601, strip_tags, write_json, write_json_str, write_u64};

pub(crate) const PREFIX: &str = "/elements/api-v2";

/// An element of the catalogue.
pub(crate) struct Element {
    pub id: u64,
    pub key: &'static str,
    pub name: &'static str,
    description: &'static str,
    hub: &'static str,
    pub oauth2: bool,
    pub required: &'static [&'static str],
}

const OAUTH2_CONFIG: &[&str] = &["oauth.api.key", "oauth.api.secret", "oauth.callback.url"];

pub(crate) static CATALOGUE: [Element; 5] = [
    Element {
        id: 5993,
        key: "insightly",
        name: "Insightly",
        description: "Add an Insightly instance to connect your existing Insightly account to the CRM Hub.",
        hub: "crm",
        oauth2: false,
        required: &["username", "password"],
    },
    Element {
        id: 4806,
        key: "onedrivev2",
        name: "OneDrive v2",
        description: "Add a OneDrive v2 instance to connect your existing OneDrive account to the Documents Hub.",
        hub: "documents",
        oauth2: true,
        required: OAUTH2_CONFIG,
    },
    Element {
        id: 1794,
        key: "sfdc",
        name: "Salesforce Sales Cloud",
        description: "Add a Salesforce Sales Cloud instance to connect your existing Salesforce account to the CRM Hub.",
        hub: "crm",
        oauth2: true,
        required: OAUTH2_CONFIG,
    },
    Element {
        id: 41,
        key: "zendesk",
        name: "Zendesk",
        description: "Add a Zendesk instance to connect your existing Zendesk account to the Helpdesk Hub.",
        hub: "helpdesk",
        oauth2: true,
        required: &[
            "oauth.api.key",
            "oauth.api.secret",
            "oauth.callback.url",
            "zendesk.subdomain",
        ],
    },
    Element {
        id: 2351,
        key: "shopify",
        name: "Shopify",
        description: "Add a Shopify instance to connect your existing Shopify account to the eCommerce Hub.",
        hub: "ecommerce",
        oauth2: false,
        required: &["username", "password", "site.address"],
    },
];

impl Element {
    /// The element object of an instance, serialised once.
    fn json(&'static self) -> &'static str {
        static JSON: OnceLock<Vec<String>> = OnceLock::new();
        let all = JSON.get_or_init(|| {
            CATALOGUE
                .iter()
                .map(|e| {
                    let auth = if e.oauth2 { "oauth2" } else { "basic" };
                    json!({
                        "id": e.id,
                        "key": e.key,
                        "name": e.name,
                        "description": e.description,
                        "image": format!("elements/provider_{}.png", e.key),
                        "active": true,
                        "deleted": false,
                        "typeOauth": e.oauth2,
                        "trialAccount": false,
                        "hub": e.hub,
                        "authentication": {"type": auth},
                        "elementProvisionType": if e.oauth2 { "OAUTH_TEMPLATE" } else { "BASIC" },
                        "cloneable": true,
                        "extendable": true,
                        "beta": false,
                        "private": false,
                        "resources": [],
                    })
                    .to_string()
                })
                .collect()
        });
        let i = CATALOGUE
            .iter()
            .position(|e| std::ptr::eq(e, self))
            .expect("a catalogue element");
        &all[i]
    }
}

fn element_by_key(key: &str) -> Option<&'static Element> {
    CATALOGUE.iter().find(|e| e.key == key)
}

fn element_by_id(id: &str) -> Option<&'static Element> {
    let id: u64 = id.parse().ok()?;
    CATALOGUE.iter().find(|e| e.id == id)
}

/// Is this configuration key's value masked in responses?
pub(crate) fn is_secret_key(key: &str) -> bool {
    if matches!(key, "password" | "oauth.api.key" | "oauth.api.secret") {
        return true;
    }
    let lower = key.to_ascii_lowercase();
    lower.contains("secret") || lower.contains("password") || lower.contains("token")
}

pub(crate) const MASK: &str = "********";
pub(crate) const FIRST_INSTANCE_ID: u64 = 477_858;

pub(crate) const REUSED_CODE_MESSAGE: &str =
    "Failed to exchange the OAuth code for a token at the provider";
pub(crate) const REUSED_CODE_PROVIDER_MESSAGE: &str = "{\"error\":\"invalid_grant\",\"error_description\":\"The provided authorization code is invalid, expired, revoked or was already used\"}";

/// A created instance, kept for `GET /instances`.
pub(crate) struct Instance {
    pub id: u64,
    name: String,
    created_date: String,
    token: String,
    element: &'static Element,
    tags: Vec<String>,
    /// Every value a string, secrets masked, defaults added.
    configuration: Vec<(String, String)>,
    events_enabled: bool,
    external_authentication: String,
}

impl Instance {
    pub(crate) fn render(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"id\":");
        write_u64(out, self.id);
        out.extend_from_slice(b",\"name\":");
        write_json_str(out, &self.name);
        out.extend_from_slice(b",\"createdDate\":");
        write_json_str(out, &self.created_date);
        out.extend_from_slice(b",\"token\":");
        write_json_str(out, &self.token);
        out.extend_from_slice(b",\"element\":");
        out.extend_from_slice(self.element.json().as_bytes());
        out.extend_from_slice(b",\"elementId\":");
        write_u64(out, self.element.id);
        out.extend_from_slice(b",\"tags\":");
        write_json(out, &self.tags);
        out.extend_from_slice(
            b",\"provisionInteractions\":[],\"valid\":true,\"disabled\":false,\"maxCacheSize\":0,\"cacheTimeToLive\":0,\"configuration\":{",
        );
        for (i, (k, v)) in self.configuration.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_json_str(out, k);
            out.push(b':');
            write_json_str(out, v);
        }
        out.extend_from_slice(b"},\"eventsEnabled\":");
        out.extend_from_slice(if self.events_enabled {
            b"true"
        } else {
            b"false"
        });
        out.extend_from_slice(
            b",\"traceLoggingEnabled\":false,\"cachingEnabled\":false,\"externalAuthentication\":",
        );
        write_json_str(out, &self.external_authentication);
        out.extend_from_slice(
            b",\"user\":{\"id\":12345,\"emailAddress\":\"sandbox@example.com\",\"firstName\":\"Sandbox\",\"lastName\":\"User\"}",
        );
        if self.element.oauth2 {
            out.extend_from_slice(
                b",\"providerData\":{\"tokenType\":\"Bearer\",\"expiresIn\":3600}",
            );
        }
        out.push(b'}');
    }
}

/// A platform error: `{"requestId", "message"[, "providerMessage"]}`.
pub(crate) struct PlatformError {
    pub status: StatusCode,
    pub message: String,
    pub provider_message: Option<&'static str>,
}

fn err(status: StatusCode, message: impl Into<String>) -> PlatformError {
    PlatformError {
        status,
        message: message.into(),
        provider_message: None,
    }
}

fn bad_request(message: impl Into<String>) -> PlatformError {
    err(StatusCode::BAD_REQUEST, message)
}

/// How the element of a create is chosen.
enum ElementRef<'a> {
    /// `POST /instances`: `element.key` in the body.
    Body,
    /// `POST /elements/{keyOrId}/instances`.
    Path(&'a str),
}

/// Answers a request under the platform prefix (faults already handled).
pub(crate) fn handle(shared: &Shared, parts: &Parts, body: &[u8], request_id: &str) -> Reply {
    match route(shared, parts, body) {
        Ok(reply) => reply,
        Err(e) => Reply::platform_error(e.status, request_id, &e.message, e.provider_message),
    }
}

fn route(shared: &Shared, parts: &Parts, body: &[u8]) -> Result<Reply, PlatformError> {
    let path = parts.uri.path();
    let rest = &path[PREFIX.len()..];
    let segments: Vec<&str> = rest.split('/').skip(1).collect();
    let method = &parts.method;
    let allowed: &str = match segments.as_slice() {
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
        });
    }
    check_authorization(shared, parts)?;
    match (method, segments.as_slice()) {
        (&Method::POST, ["instances"]) => create(shared, parts, body, ElementRef::Body),
        (&Method::POST, ["elements", key, "instances"]) => {
            create(shared, parts, body, ElementRef::Path(key))
        }
        (&Method::GET, ["instances"]) => Ok(list(shared)),
        (&Method::GET, ["instances", id]) => {
            let instance = shared.state().instances.get(&parse_id(id)?).cloned();
            let instance = instance.ok_or_else(|| no_instance(id))?;
            let mut out = Vec::with_capacity(1024);
            instance.render(&mut out);
            Ok(Reply::json(StatusCode::OK, out))
        }
        (&Method::DELETE, ["instances", id]) => {
            let removed = shared.state().instances.remove(&parse_id(id)?);
            removed.ok_or_else(|| no_instance(id))?;
            Ok(Reply::new(StatusCode::OK, Bytes::new()))
        }
        _ => unreachable!("every allowed method has a handler"),
    }
}

fn no_instance(id: &str) -> PlatformError {
    err(
        StatusCode::NOT_FOUND,
        format!("No instance found with ID {id}"),
    )
}

fn parse_id(id: &str) -> Result<u64, PlatformError> {
    id.parse().map_err(|_| no_instance(id))
}

fn list(shared: &Shared) -> Reply {
    let instances: Vec<Arc<Instance>> = shared.state().instances.values().cloned().collect();
    let mut out = Vec::with_capacity(instances.len() * 1024 + 2);
    out.push(b'[');
    for (i, instance) in instances.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        instance.render(&mut out);
    }
    out.push(b']');
    let mut reply = Reply::json(StatusCode::OK, out);
    reply.header("elements-returned-count", &instances.len().to_string());
    reply
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

/// The create checks 2 to 7 of the README, then the new instance.
fn create(
    shared: &Shared,
    parts: &Parts,
    body: &[u8],
    by: ElementRef<'_>,
) -> Result<Reply, PlatformError> {
    // 2. Content-Type.
    let content_type = parts.headers.get(hyper::header::CONTENT_TYPE);
    let media_type = content_type
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim());
    match (content_type, media_type) {
        (_, Some(t)) if t.eq_ignore_ascii_case("application/json") => {}
        (None, _) => {
            return Err(err(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Missing Content-Type: the body must be sent as Content-Type application/json",
            ));
        }
        (Some(v), _) => {
            return Err(err(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "Unsupported Content-Type '{}': the body must be sent as Content-Type application/json",
                    String::from_utf8_lossy(v.as_bytes())
                ),
            ));
        }
    }

    // 3. A JSON object.
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(bad_request("Empty request body: expected a JSON object"));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| bad_request(format!("Invalid JSON in request body: {e}")))?;
    let Value::Object(mut body) = value else {
        return Err(bad_request(format!(
            "The request body must be a JSON object, not {}",
            type_name(&value)
        )));
    };

    // 4. The element.
    let element = match by {
        ElementRef::Body => {
            let key = match body.get("element") {
                None | Some(Value::Null) => None,
                Some(Value::Object(e)) => match e.get("key") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(k)) => Some(k.as_str()),
                    Some(_) => return Err(bad_request("element.key must be a string")),
                },
                Some(_) => {
                    return Err(bad_request(
                        "element must be an object such as {\"element\": {\"key\": \"<element key>\"}}",
                    ));
                }
            };
            let Some(key) = key else {
                return Err(bad_request(
                    "Missing element.key: POST /instances needs {\"element\": {\"key\": \"<element key>\"}} in the body",
                ));
            };
            element_by_key(key).ok_or_else(|| {
                err(
                    StatusCode::NOT_FOUND,
                    format!("No element found with key '{key}'"),
                )
            })?
        }
        ElementRef::Path(key_or_id) => {
            if body.contains_key("element") {
                return Err(bad_request(
                    "Do not send element in the body of POST /elements/{keyOrId}/instances: the element is given by the path",
                ));
            }
            if key_or_id.bytes().all(|b| b.is_ascii_digit()) {
                element_by_id(key_or_id).ok_or_else(|| {
                    err(
                        StatusCode::NOT_FOUND,
                        format!("No element found with ID {key_or_id}"),
                    )
                })?
            } else {
                element_by_key(key_or_id).ok_or_else(|| {
                    err(
                        StatusCode::NOT_FOUND,
                        format!("No element found with key '{key_or_id}'"),
                    )
                })?
            }
        }
    };

    // 5. Types.
    let name = match body.remove("name") {
        None => format!("{} Instance", element.name),
        Some(Value::String(s)) => {
            let stripped = match strip_tags(&s) {
                std::borrow::Cow::Owned(o) => Some(o),
                std::borrow::Cow::Borrowed(_) => None,
            };
            stripped.unwrap_or(s)
        }
        Some(v) => {
            return Err(bad_request(format!(
                "name must be a string, not {}",
                type_name(&v)
            )));
        }
    };
    let tags = match body.remove("tags") {
        None => Vec::new(),
        Some(Value::Array(items)) => {
            let mut tags = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => tags.push(strip_tags(&s).into_owned()),
                    v => {
                        return Err(bad_request(format!(
                            "tags must be an array of strings; found {}",
                            type_name(&v)
                        )));
                    }
                }
            }
            tags
        }
        Some(v) => {
            return Err(bad_request(format!(
                "tags must be an array of strings, not {}",
                type_name(&v)
            )));
        }
    };
    let configuration = match body.remove("configuration") {
        None => Map::new(),
        Some(Value::Object(m)) => m,
        Some(v) => {
            return Err(bad_request(format!(
                "configuration must be an object, not {}",
                type_name(&v)
            )));
        }
    };
    let mut provider_data = match body.remove("providerData") {
        None => Map::new(),
        Some(Value::Object(m)) => m,
        Some(v) => {
            return Err(bad_request(format!(
                "providerData must be an object, not {}",
                type_name(&v)
            )));
        }
    };
    let external_authentication = match body.remove("externalAuthentication") {
        None => "none".to_owned(),
        Some(Value::String(s)) => s,
        Some(v) => {
            return Err(bad_request(format!(
                "externalAuthentication must be a string, not {}",
                type_name(&v)
            )));
        }
    };

    // 6. Required configuration.
    let missing: Vec<&str> = element
        .required
        .iter()
        .copied()
        .filter(|k| match configuration.get(*k) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(_) => false,
        })
        .collect();
    if !missing.is_empty() {
        return Err(bad_request(format!(
            "Missing required configuration for element '{}': {}",
            element.key,
            missing.join(", ")
        )));
    }

    // 7. The OAuth 2 code (checked against the used ones when committing).
    let code = if element.oauth2 && external_authentication != "initial" {
        match provider_data.remove("code") {
            Some(Value::String(c)) if !c.trim().is_empty() => Some(c),
            Some(Value::String(_)) | None | Some(Value::Null) => {
                return Err(bad_request(format!(
                    "Missing providerData.code: OAuth 2 element '{}' needs the authorization code from the provider (or externalAuthentication 'initial')",
                    element.key
                )));
            }
            Some(v) => {
                return Err(bad_request(format!(
                    "providerData.code must be a string, not {}",
                    type_name(&v)
                )));
            }
        }
    } else {
        None
    };

    let mut events_enabled = false;
    let mut config: Vec<(String, String)> = Vec::with_capacity(configuration.len() + 2);
    let (mut has_events, mut has_nulls) = (false, false);
    for (k, v) in configuration {
        let text = match v {
            Value::Null => continue,
            Value::String(s) => s,
            Value::Bool(b) => (if b { "true" } else { "false" }).to_owned(),
            Value::Number(n) => n.to_string(),
            v @ (Value::Array(_) | Value::Object(_)) => v.to_string(),
        };
        match k.as_str() {
            "event.notification.enabled" => {
                has_events = true;
                events_enabled = text.eq_ignore_ascii_case("true");
            }
            "filter.response.nulls" => has_nulls = true,
            _ => {}
        }
        let text = if is_secret_key(&k) {
            MASK.to_owned()
        } else {
            text
        };
        config.push((k, text));
    }
    if !has_events {
        config.push(("event.notification.enabled".to_owned(), "false".to_owned()));
    }
    if !has_nulls {
        config.push(("filter.response.nulls".to_owned(), "true".to_owned()));
    }

    let mut instance = Instance {
        id: 0,
        name,
        created_date: now_iso8601(),
        token: shared.ids.token(),
        element,
        tags,
        configuration: config,
        events_enabled,
        external_authentication,
    };
    let instance = {
        let mut state = shared.state();
        if let Some(code) = code
            && !state.used_codes.insert(code)
        {
            return Err(PlatformError {
                status: StatusCode::BAD_REQUEST,
                message: REUSED_CODE_MESSAGE.to_owned(),
                provider_message: Some(REUSED_CODE_PROVIDER_MESSAGE),
            });
        }
        instance.id = state.next_id;
        state.next_id += 1;
        let instance = Arc::new(instance);
        state.instances.insert(instance.id, Arc::clone(&instance));
        instance
    };
    let mut out = Vec::with_capacity(1024);
    instance.render(&mut out);
    Ok(Reply::json(StatusCode::OK, out))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys() {
        for k in [
            "password",
            "oauth.api.key",
            "oauth.api.secret",
            "oauth.user.refresh_token",
            "Client_Secret",
            "db.PASSWORD.x",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "username",
            "site.address",
            "oauth.callback.url",
            "zendesk.subdomain",
            "event.notification.enabled",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn element_json_is_valid() {
        for e in &CATALOGUE {
            let v: Value = serde_json::from_str(e.json()).unwrap();
            assert_eq!(v["id"], e.id);
            assert_eq!(v["key"], e.key);
        }
    }
}
