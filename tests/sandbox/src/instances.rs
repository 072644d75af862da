//! The instance routes: create (checks 2 to 7 of the README), list, get and delete,
//! and the Instance object they answer with.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;
use hyper::StatusCode;
use hyper::http::request::Parts;
use serde_json::{Map, Value};

use crate::elements::{Element, element_by_id, element_by_key};
use crate::platform::{PlatformError, bad_request, err, type_name};
use crate::server::{Reply, Shared, State};
use crate::util::{now_iso8601, strip_tags, write_json, write_json_str, write_u64};

pub(crate) const MASK: &str = "********";
pub(crate) const FIRST_INSTANCE_ID: u64 = 477_858;

pub(crate) const REUSED_CODE_MESSAGE: &str =
    "Failed to exchange the OAuth code for a token at the provider";
pub(crate) const REUSED_CODE_PROVIDER_MESSAGE: &str = "{\"error\":\"invalid_grant\",\"error_description\":\"The provided authorization code is invalid, expired, revoked or was already used\"}";

/// Is this configuration key's value masked in responses?
pub(crate) fn is_secret_key(key: &str) -> bool {
    if matches!(key, "password" | "oauth.api.key" | "oauth.api.secret") {
        return true;
    }
    let lower = key.to_ascii_lowercase();
    lower.contains("secret") || lower.contains("password") || lower.contains("token")
}

/// A created instance, kept for `GET /instances` and `GET /instances/{id}`.
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

    /// `200` with this instance as the body.
    fn reply(&self) -> Reply {
        let mut out = Vec::with_capacity(1024);
        self.render(&mut out);
        Reply::json(StatusCode::OK, out)
    }
}

/// How the element of a create is chosen.
pub(crate) enum ElementRef<'a> {
    /// `POST /instances`: `element.key` in the body.
    Body,
    /// `POST /elements/{keyOrId}/instances`.
    Path(&'a str),
}

// ---------------------------------------------------------------------------------
// GET /instances, GET /instances/{id}, DELETE /instances/{id}

/// `GET /instances`: every instance, oldest first, with `elements-returned-count`.
pub(crate) fn list(shared: &Shared) -> Reply {
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

/// `GET /instances/{id}`: the instance exactly as its create answered it.
pub(crate) fn get(shared: &Shared, id: &str) -> Result<Reply, PlatformError> {
    let id_number = parse_id(id)?;
    let instance = shared.state().instances.get(&id_number).cloned();
    Ok(instance.ok_or_else(|| no_instance(id))?.reply())
}

/// `DELETE /instances/{id}`: `200` with an empty body.
pub(crate) fn delete(shared: &Shared, id: &str) -> Result<Reply, PlatformError> {
    let id_number = parse_id(id)?;
    let removed = shared.state().instances.remove(&id_number);
    removed.ok_or_else(|| no_instance(id))?;
    Ok(Reply::new(StatusCode::OK, Bytes::new()))
}

fn no_instance(id: &str) -> PlatformError {
    err(
        StatusCode::NOT_FOUND,
        format!("No instance found with ID {id}"),
    )
}

/// An instance id is a positive decimal integer; anything else (`abc`, `0`, `-1`,
/// `+1`, too large) names no instance: 404.
fn parse_id(id: &str) -> Result<u64, PlatformError> {
    let digits_only = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
    match id.parse::<u64>() {
        Ok(n) if digits_only && n > 0 => Ok(n),
        _ => Err(no_instance(id)),
    }
}

// ---------------------------------------------------------------------------------
// POST /instances, POST /elements/{keyOrId}/instances

/// The fields of a create body, their types checked (check 5).
struct CreateFields {
    name: String,
    tags: Vec<String>,
    configuration: Map<String, Value>,
    provider_data: Map<String, Value>,
    external_authentication: String,
}

/// The create checks 2 to 7 of the README, then the new instance.
pub(crate) fn create(
    shared: &Shared,
    parts: &Parts,
    body: &[u8],
    by: ElementRef<'_>,
) -> Result<Reply, PlatformError> {
    check_content_type(parts)?;
    let mut body = parse_body(body)?;
    let element = resolve_element(&body, by)?;
    let mut fields = take_fields(&mut body, element)?;
    check_required_configuration(element, &fields.configuration)?;
    let code = take_oauth_code(
        element,
        &fields.external_authentication,
        &mut fields.provider_data,
    )?;
    let instance = new_instance(shared, element, fields);
    let instance = {
        let mut state = shared.state();
        if let Some(code) = code {
            consume_oauth_code(&mut state, code)?;
        }
        store(&mut state, instance)
    };
    Ok(instance.reply())
}

/// Check 2: `Content-Type: application/json` (parameters allowed), else 415.
fn check_content_type(parts: &Parts) -> Result<(), PlatformError> {
    let content_type = parts.headers.get(hyper::header::CONTENT_TYPE);
    let media_type = content_type
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim());
    match (content_type, media_type) {
        (_, Some(t)) if t.eq_ignore_ascii_case("application/json") => Ok(()),
        (None, _) => Err(err(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Missing Content-Type: the body must be sent as Content-Type application/json",
        )),
        (Some(v), _) => Err(err(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Unsupported Content-Type '{}': the body must be sent as Content-Type application/json",
                String::from_utf8_lossy(v.as_bytes())
            ),
        )),
    }
}

/// Check 3: a non-empty body holding a JSON object, else 400.
fn parse_body(body: &[u8]) -> Result<Map<String, Value>, PlatformError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(bad_request("Empty request body: expected a JSON object"));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| bad_request(format!("Invalid JSON in request body: {e}")))?;
    match value {
        Value::Object(body) => Ok(body),
        other => Err(bad_request(format!(
            "The request body must be a JSON object, not {}",
            type_name(&other)
        ))),
    }
}

/// Check 4: the element named by the body or the path exists, else 404 (400 for a
/// missing or mistyped `element.key`, or an `element` in the body of the path route).
fn resolve_element(
    body: &Map<String, Value>,
    by: ElementRef<'_>,
) -> Result<&'static Element, PlatformError> {
    match by {
        ElementRef::Body => {
            let key = element_key_in_body(body)?;
            element_by_key(key).ok_or_else(|| no_element_with_key(key))
        }
        ElementRef::Path(key_or_id) => {
            if body.contains_key("element") {
                return Err(bad_request(
                    "Do not send element in the body of POST /elements/{keyOrId}/instances: the element is given by the path",
                ));
            }
            element_in_path(key_or_id)
        }
    }
}

/// `element.key` of a `POST /instances` body.
fn element_key_in_body(body: &Map<String, Value>) -> Result<&str, PlatformError> {
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
    key.ok_or_else(|| {
        bad_request(
            "Missing element.key: POST /instances needs {\"element\": {\"key\": \"<element key>\"}} in the body",
        )
    })
}

/// The element of `POST /elements/{keyOrId}/instances`: by id when all digits, else
/// by key.
fn element_in_path(key_or_id: &str) -> Result<&'static Element, PlatformError> {
    if key_or_id.bytes().all(|b| b.is_ascii_digit()) {
        element_by_id(key_or_id).ok_or_else(|| {
            err(
                StatusCode::NOT_FOUND,
                format!("No element found with ID {key_or_id}"),
            )
        })
    } else {
        element_by_key(key_or_id).ok_or_else(|| no_element_with_key(key_or_id))
    }
}

fn no_element_with_key(key: &str) -> PlatformError {
    err(
        StatusCode::NOT_FOUND,
        format!("No element found with key '{key}'"),
    )
}

/// Check 5, in this order: `name`, `tags`, `configuration`, `providerData`,
/// `externalAuthentication`.
fn take_fields(
    body: &mut Map<String, Value>,
    element: &Element,
) -> Result<CreateFields, PlatformError> {
    Ok(CreateFields {
        name: take_name(body, element)?,
        tags: take_tags(body)?,
        configuration: take_object(body, "configuration")?,
        provider_data: take_object(body, "providerData")?,
        external_authentication: take_external_authentication(body)?,
    })
}

/// `name`, HTML tags stripped; `"<element name> Instance"` when absent.
fn take_name(body: &mut Map<String, Value>, element: &Element) -> Result<String, PlatformError> {
    match body.remove("name") {
        None => Ok(format!("{} Instance", element.name)),
        Some(Value::String(s)) => Ok(match strip_tags(&s) {
            Cow::Owned(stripped) => stripped,
            Cow::Borrowed(_) => s,
        }),
        Some(v) => Err(bad_request(format!(
            "name must be a string, not {}",
            type_name(&v)
        ))),
    }
}

/// `tags`: an array of strings, each with HTML tags stripped; empty when absent.
fn take_tags(body: &mut Map<String, Value>) -> Result<Vec<String>, PlatformError> {
    let items = match body.remove("tags") {
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(v) => {
            return Err(bad_request(format!(
                "tags must be an array of strings, not {}",
                type_name(&v)
            )));
        }
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::String(s) => Ok(strip_tags(&s).into_owned()),
            v => Err(bad_request(format!(
                "tags must be an array of strings; found {}",
                type_name(&v)
            ))),
        })
        .collect()
}

/// An optional object field (`configuration`, `providerData`); empty when absent.
fn take_object(
    body: &mut Map<String, Value>,
    field: &str,
) -> Result<Map<String, Value>, PlatformError> {
    match body.remove(field) {
        None => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m),
        Some(v) => Err(bad_request(format!(
            "{field} must be an object, not {}",
            type_name(&v)
        ))),
    }
}

/// `externalAuthentication`, `"none"` when absent.
fn take_external_authentication(body: &mut Map<String, Value>) -> Result<String, PlatformError> {
    match body.remove("externalAuthentication") {
        None => Ok("none".to_owned()),
        Some(Value::String(s)) => Ok(s),
        Some(v) => Err(bad_request(format!(
            "externalAuthentication must be a string, not {}",
            type_name(&v)
        ))),
    }
}

/// Check 6: every required key of the element present, not null and not blank,
/// else 400 naming the missing ones.
fn check_required_configuration(
    element: &Element,
    configuration: &Map<String, Value>,
) -> Result<(), PlatformError> {
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
    if missing.is_empty() {
        Ok(())
    } else {
        Err(bad_request(format!(
            "Missing required configuration for element '{}': {}",
            element.key,
            missing.join(", ")
        )))
    }
}

/// Check 7: an OAuth 2 element needs `providerData.code` (unless
/// `externalAuthentication` is `initial`). Whether it was used already is checked
/// when the instance is stored ([`consume_oauth_code`]).
fn take_oauth_code(
    element: &Element,
    external_authentication: &str,
    provider_data: &mut Map<String, Value>,
) -> Result<Option<String>, PlatformError> {
    if !element.oauth2 || external_authentication == "initial" {
        return Ok(None);
    }
    match provider_data.remove("code") {
        Some(Value::String(c)) if !c.trim().is_empty() => Ok(Some(c)),
        Some(Value::String(_)) | None | Some(Value::Null) => Err(bad_request(format!(
            "Missing providerData.code: OAuth 2 element '{}' needs the authorization code from the provider (or externalAuthentication 'initial')",
            element.key
        ))),
        Some(v) => Err(bad_request(format!(
            "providerData.code must be a string, not {}",
            type_name(&v)
        ))),
    }
}

/// Marks an OAuth code as used; a code used before is a 400 with the provider's
/// `invalid_grant` as `providerMessage`.
fn consume_oauth_code(state: &mut State, code: String) -> Result<(), PlatformError> {
    if state.used_codes.insert(code) {
        Ok(())
    } else {
        Err(PlatformError {
            status: StatusCode::BAD_REQUEST,
            message: REUSED_CODE_MESSAGE.to_owned(),
            provider_message: Some(REUSED_CODE_PROVIDER_MESSAGE),
            allow: None,
        })
    }
}

/// The instance a create makes, without its id (given by [`store`]).
fn new_instance(shared: &Shared, element: &'static Element, fields: CreateFields) -> Instance {
    let (configuration, events_enabled) = response_configuration(fields.configuration);
    Instance {
        id: 0,
        name: fields.name,
        created_date: now_iso8601(),
        token: shared.ids.token(),
        element,
        tags: fields.tags,
        configuration,
        events_enabled,
        external_authentication: fields.external_authentication,
    }
}

/// The configuration as answered: nulls dropped, every value a string, secrets
/// masked, `event.notification.enabled` (`false`) and `filter.response.nulls`
/// (`true`) added when absent. Also whether events are enabled.
fn response_configuration(configuration: Map<String, Value>) -> (Vec<(String, String)>, bool) {
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
    (config, events_enabled)
}

/// Gives the instance the next id and keeps it.
fn store(state: &mut State, mut instance: Instance) -> Arc<Instance> {
    instance.id = state.next_id;
    state.next_id += 1;
    let instance = Arc::new(instance);
    state.instances.insert(instance.id, Arc::clone(&instance));
    instance
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
    fn instance_ids() {
        assert_eq!(parse_id("477858").ok(), Some(477_858));
        assert_eq!(parse_id("1").ok(), Some(1));
        for bad in [
            "",
            "0",
            "00",
            "abc",
            "-1",
            "+1",
            " 1",
            "1.0",
            "99999999999999999999",
        ] {
            let e = parse_id(bad).unwrap_err();
            assert_eq!(e.status, StatusCode::NOT_FOUND, "{bad:?}");
            assert_eq!(e.message, format!("No instance found with ID {bad}"));
        }
    }

    #[test]
    fn configuration_defaults_and_masks() {
        let input = serde_json::json!({
            "password": "p", "n": 1, "b": true, "nothing": null,
            "event.notification.enabled": "TRUE",
        });
        let Value::Object(m) = input else {
            unreachable!()
        };
        let (config, events) = response_configuration(m);
        assert!(events);
        let got: Vec<(&str, &str)> = config
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("password", MASK),
                ("n", "1"),
                ("b", "true"),
                ("event.notification.enabled", "TRUE"),
                ("filter.response.nulls", "true"),
            ]
        );
    }
}
