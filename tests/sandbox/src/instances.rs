//! The instance routes, per organization: create (checks 2 to 7 of the README), list,
//! get, update (PATCH, PUT, re-authentication), enable and disable, delete; and the
//! Instance object they answer with.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;
use hyper::StatusCode;
use hyper::http::request::Parts;
use serde_json::{Map, Value};

use crate::elements::{Auth, Element, element_by_id, element_by_key};
use crate::hub::Hub;
use crate::pagination::{self, List, Params, single};
use crate::platform::{Caller, PlatformError, bad_request, err, type_name};
use crate::server::{Reply, Shared, State};
use crate::util::{now_iso8601, strip_tags, write_json, write_json_str, write_u64};

pub(crate) const MASK: &str = "********";
pub(crate) const FIRST_INSTANCE_ID: u64 = 477_858;

pub(crate) const REUSED_CODE_MESSAGE: &str =
    "Failed to exchange the OAuth code for a token at the provider";
pub(crate) const REUSED_CODE_PROVIDER_MESSAGE: &str = "{\"error\":\"invalid_grant\",\"error_description\":\"The provided authorization code is invalid, expired, revoked or was already used\"}";
pub(crate) const OAUTH1_SECRET_MESSAGE: &str =
    "Failed to exchange the OAuth 1 verifier for a token at the provider";
pub(crate) const OAUTH1_SECRET_PROVIDER_MESSAGE: &str = "{\"error\":\"signature_invalid\",\"error_description\":\"The secret does not match the request token\"}";

/// Is this configuration key's value masked in responses, whatever the element?
pub(crate) fn is_secret_key(key: &str) -> bool {
    if matches!(key, "password" | "oauth.api.key" | "oauth.api.secret") {
        return true;
    }
    let lower = key.to_ascii_lowercase();
    lower.contains("secret") || lower.contains("password") || lower.contains("token")
}

/// Is this key's value masked in the answers about an instance of `element`? The
/// secret-looking keys, and the keys the element types `PASSWORD`.
fn is_masked(element: &Element, key: &str) -> bool {
    is_secret_key(key) || element.is_password(key)
}

/// An instance, kept for the other instance routes. Updates replace it with a
/// changed copy.
#[derive(Clone)]
pub(crate) struct Instance {
    pub id: u64,
    /// The organization secret of the credentials that created it: only they see it.
    organization: String,
    name: String,
    created_date: String,
    token: String,
    element: &'static Element,
    tags: Vec<String>,
    /// Every value a string, secrets masked, defaults added.
    configuration: Vec<(String, String)>,
    events_enabled: bool,
    external_authentication: String,
    disabled: bool,
    /// Other top-level fields set by an update, echoed after `user`.
    extra: Vec<(String, Value)>,
    /// `event.notification.signature.key` as sent (the configuration holds it
    /// masked): the key of the webhook signatures.
    signature_key: Option<String>,
    /// The CRM hub's records, shared by the copies an update makes.
    pub hub: Arc<Hub>,
}

/// The configuration key of the webhook signature key.
const SIGNATURE_KEY: &str = "event.notification.signature.key";

/// Which fields an answer shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum View {
    /// Everything (create, GET, a plain update).
    Full,
    /// `hydrate=false`: no `configuration` or `providerData`, `element` as
    /// `{id, key, name}`.
    Light,
    /// The answer of a re-provisioning update: no `providerData`.
    Reprovisioned,
}

impl Instance {
    pub(crate) fn render(&self, out: &mut Vec<u8>, view: View) {
        out.extend_from_slice(b"{\"id\":");
        write_u64(out, self.id);
        out.extend_from_slice(b",\"name\":");
        write_json_str(out, &self.name);
        out.extend_from_slice(b",\"createdDate\":");
        write_json_str(out, &self.created_date);
        out.extend_from_slice(b",\"token\":");
        write_json_str(out, &self.token);
        out.extend_from_slice(b",\"element\":");
        let element = if view == View::Light {
            self.element.light_json()
        } else {
            self.element.json()
        };
        out.extend_from_slice(element.as_bytes());
        out.extend_from_slice(b",\"elementId\":");
        write_u64(out, self.element.id);
        out.extend_from_slice(b",\"tags\":");
        write_json(out, &self.tags);
        out.extend_from_slice(b",\"provisionInteractions\":[],\"valid\":true,\"disabled\":");
        write_bool(out, self.disabled);
        out.extend_from_slice(b",\"maxCacheSize\":0,\"cacheTimeToLive\":0");
        if view != View::Light {
            out.extend_from_slice(b",\"configuration\":{");
            for (i, (k, v)) in self.configuration.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_str(out, k);
                out.push(b':');
                write_json_str(out, v);
            }
            out.push(b'}');
        }
        out.extend_from_slice(b",\"eventsEnabled\":");
        write_bool(out, self.events_enabled);
        out.extend_from_slice(
            b",\"traceLoggingEnabled\":false,\"cachingEnabled\":false,\"externalAuthentication\":",
        );
        write_json_str(out, &self.external_authentication);
        out.extend_from_slice(
            b",\"user\":{\"id\":12345,\"emailAddress\":\"sandbox@example.com\",\"firstName\":\"Sandbox\",\"lastName\":\"User\"}",
        );
        for (k, v) in &self.extra {
            out.push(b',');
            write_json_str(out, k);
            out.push(b':');
            write_json(out, v);
        }
        if view == View::Full && self.element.auth == Auth::OAuth2 {
            out.extend_from_slice(
                b",\"providerData\":{\"tokenType\":\"Bearer\",\"expiresIn\":3600}",
            );
        }
        out.push(b'}');
    }

    fn config(&self, key: &str) -> Option<&str> {
        self.configuration
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn disabled(&self) -> bool {
        self.disabled
    }

    pub(crate) fn element_key(&self) -> &'static str {
        self.element.key
    }

    /// `event.notification.enabled` is true.
    pub(crate) fn events_enabled(&self) -> bool {
        self.events_enabled
    }

    /// `event.notification.callback.url`, when set and not blank.
    pub(crate) fn callback_url(&self) -> Option<&str> {
        self.config("event.notification.callback.url")
            .map(str::trim)
            .filter(|u| !u.is_empty())
    }

    /// `event.notification.signature.key` as it was sent, when set and not empty.
    pub(crate) fn signature_key(&self) -> Option<&str> {
        self.signature_key.as_deref()
    }

    /// `filter.response.nulls` (default true): hub answers leave out `null` members.
    pub(crate) fn strips_nulls(&self) -> bool {
        !self
            .config("filter.response.nulls")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("false"))
    }

    /// `200` with this instance as the body.
    fn reply(&self, view: View) -> Reply {
        let mut out = Vec::with_capacity(1024);
        self.render(&mut out, view);
        Reply::json(StatusCode::OK, out)
    }
}

fn write_bool(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

/// How the element of a create is chosen.
pub(crate) enum ElementRef<'a> {
    /// `POST /instances`: `element.key` in the body.
    Body,
    /// `POST /elements/{keyOrId}/instances`.
    Path(&'a str),
}

/// Which instance a route is about.
pub(crate) enum Target<'a> {
    /// `/instances/{id}`.
    Id(&'a str),
    /// `/instances/enabled`: the instance whose token is the `Element` part of the
    /// `Authorization` header.
    Token,
}

// ---------------------------------------------------------------------------------
// Lookups

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

/// The caller's instance `target` names: 404 for an id of no instance of the
/// caller's organization, 401 for a missing or unknown `Element` token.
fn find(
    state: &State,
    caller: &Caller<'_>,
    target: &Target<'_>,
) -> Result<Arc<Instance>, PlatformError> {
    match *target {
        Target::Id(id) => {
            let n = parse_id(id)?;
            state
                .instances
                .get(&n)
                .filter(|i| i.organization == caller.organization)
                .cloned()
                .ok_or_else(|| no_instance(id))
        }
        Target::Token => {
            let token = caller.element_token.ok_or_else(|| {
                err(
                    StatusCode::UNAUTHORIZED,
                    "Missing Element token: this route chooses the instance by 'Element <instance token>' in the Authorization header",
                )
            })?;
            state
                .instances
                .values()
                .find(|i| i.organization == caller.organization && i.token == token)
                .cloned()
                .ok_or_else(|| {
                    err(
                        StatusCode::UNAUTHORIZED,
                        "Invalid Element token: no instance of this organization has it",
                    )
                })
        }
    }
}

/// The instance whose token is `token`, when its organization is one `org_ok`
/// accepts (for the hub routes' `Element <token>`).
pub(crate) fn by_token(
    state: &State,
    token: &str,
    org_ok: impl Fn(&str) -> bool,
) -> Option<Arc<Instance>> {
    state
        .instances
        .values()
        .find(|i| i.token == token && org_ok(&i.organization))
        .cloned()
}

// ---------------------------------------------------------------------------------
// GET /instances

/// The filters of `GET /instances`.
struct ListFilter {
    /// `tags[]`: an instance must have every one.
    tags: Vec<String>,
    /// `searchText`, lowercased: a substring of the name or the element key.
    search: Option<String>,
    /// `hydrate`: `false` answers the light view.
    hydrate: bool,
}

impl ListFilter {
    fn parse(params: &Params) -> Result<ListFilter, PlatformError> {
        let tags = params
            .iter()
            .filter(|(n, _)| n == "tags[]")
            .map(|(_, v)| v.clone())
            .collect();
        let search = single(params, "searchText")?
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase);
        let hydrate = match single(params, "hydrate")? {
            None => true,
            Some(v) if v.eq_ignore_ascii_case("true") => true,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            Some(v) => {
                return Err(bad_request(format!(
                    "Invalid hydrate '{v}': expected true or false"
                )));
            }
        };
        Ok(ListFilter {
            tags,
            search,
            hydrate,
        })
    }

    fn matches(&self, instance: &Instance) -> bool {
        self.tags.iter().all(|t| instance.tags.contains(t))
            && self.search.as_deref().is_none_or(|s| {
                instance.name.to_lowercase().contains(s)
                    || instance.element.key.to_lowercase().contains(s)
            })
    }
}

/// `GET /instances`: the caller's instances, oldest first, filtered and
/// cursor-paginated.
pub(crate) fn list(
    shared: &Shared,
    caller: &Caller<'_>,
    params: &Params,
) -> Result<Reply, PlatformError> {
    let query = pagination::parse(List::Instances, params)?;
    let filter = ListFilter::parse(params)?;
    let (instances, quirks) = {
        let state = shared.state();
        let mine: Vec<Arc<Instance>> = state
            .instances
            .values()
            .filter(|i| i.organization == caller.organization && filter.matches(i))
            .cloned()
            .collect();
        (mine, state.pagination)
    };
    let page = pagination::paginate(&query, instances, |i| i.id);
    let view = if filter.hydrate {
        View::Full
    } else {
        View::Light
    };
    let mut out = Vec::with_capacity(page.items.len() * 1024 + 2);
    out.push(b'[');
    for (i, instance) in page.items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        instance.render(&mut out, view);
    }
    out.push(b']');
    let mut reply = Reply::json(StatusCode::OK, out);
    page.set_headers(&mut reply, &query, quirks);
    Ok(reply)
}

// ---------------------------------------------------------------------------------
// GET /instances/{id}, DELETE /instances/{id}, PUT/DELETE .../enabled

/// `GET /instances/{id}`: the instance exactly as its create (or last update)
/// answered it.
pub(crate) fn get(shared: &Shared, caller: &Caller<'_>, id: &str) -> Result<Reply, PlatformError> {
    let instance = find(&shared.state(), caller, &Target::Id(id))?;
    Ok(instance.reply(View::Full))
}

/// `DELETE /instances/{id}`: `200` with an empty body.
pub(crate) fn delete(
    shared: &Shared,
    caller: &Caller<'_>,
    id: &str,
) -> Result<Reply, PlatformError> {
    let mut state = shared.state();
    let instance = find(&state, caller, &Target::Id(id))?;
    state.instances.remove(&instance.id);
    Ok(Reply::new(StatusCode::OK, Bytes::new()))
}

/// `PUT` (enable) or `DELETE` (disable) `/instances/{id}/enabled` or
/// `/instances/enabled`: `200` with an empty body.
pub(crate) fn set_disabled(
    shared: &Shared,
    caller: &Caller<'_>,
    target: &Target<'_>,
    disabled: bool,
) -> Result<Reply, PlatformError> {
    let mut state = shared.state();
    let current = find(&state, caller, target)?;
    if current.disabled != disabled {
        let mut changed = (*current).clone();
        changed.disabled = disabled;
        state.instances.insert(changed.id, Arc::new(changed));
    }
    Ok(Reply::new(StatusCode::OK, Bytes::new()))
}

// ---------------------------------------------------------------------------------
// PATCH /instances/{id}, PUT /instances/{id}[?reAuthenticate=true]

/// Fields of the Instance object an update does not set: ignored when sent, so
/// that a GET answer can be sent back as is.
const SERVER_FIELDS: &[&str] = &[
    "id",
    "createdDate",
    "token",
    "element",
    "elementId",
    "provisionInteractions",
    "valid",
    "disabled",
    "maxCacheSize",
    "cacheTimeToLive",
    "eventsEnabled",
    "traceLoggingEnabled",
    "cachingEnabled",
    "externalAuthentication",
    "user",
];

/// The fields of an update body, their types checked.
struct UpdateFields {
    name: Option<String>,
    tags: Option<Vec<String>>,
    configuration: Option<Map<String, Value>>,
    provider_data: Map<String, Value>,
    extra: Vec<(String, Value)>,
}

fn take_update(mut body: Map<String, Value>) -> Result<UpdateFields, PlatformError> {
    let name = match body.shift_remove("name") {
        None => None,
        Some(Value::String(s)) => Some(sanitized(s)),
        Some(v) => {
            return Err(bad_request(format!(
                "name must be a string, not {}",
                type_name(&v)
            )));
        }
    };
    let tags = if body.contains_key("tags") {
        Some(take_tags(&mut body)?)
    } else {
        None
    };
    let configuration = if body.contains_key("configuration") {
        Some(take_object(&mut body, "configuration")?)
    } else {
        None
    };
    let provider_data = take_object(&mut body, "providerData")?;
    let extra = body
        .into_iter()
        .filter(|(k, _)| !SERVER_FIELDS.contains(&k.as_str()))
        .collect();
    Ok(UpdateFields {
        name,
        tags,
        configuration,
        provider_data,
        extra,
    })
}

/// `PATCH /instances/{id}` and `PUT /instances/{id}` (`reauthenticate` for
/// `?reAuthenticate=true`): `name` and `tags` replaced, `configuration` merged key by
/// key (`null` removes a key), other fields stored; `providerData.code` (or an OAuth
/// 1 verifier) re-provisions. `200` with the whole instance.
pub(crate) fn update(
    shared: &Shared,
    caller: &Caller<'_>,
    parts: &Parts,
    body: &[u8],
    id: &str,
    reauthenticate: bool,
) -> Result<Reply, PlatformError> {
    check_content_type(parts)?;
    let body = parse_body(body)?;
    let mut state = shared.state();
    let current = find(&state, caller, &Target::Id(id))?;
    let element = current.element;
    let mut fields = take_update(body)?;
    let reprovision = reauthenticate
        || fields.provider_data.contains_key("code")
        || (element.auth == Auth::OAuth1 && fields.provider_data.contains_key("oauth_verifier"));
    let grant = if reprovision {
        if !element.auth.is_oauth() {
            return Err(bad_request(format!(
                "Instance {} does not use OAuth",
                current.id
            )));
        }
        Some(take_grant(
            element,
            &mut fields.provider_data,
            Purpose::Reauthenticate,
        )?)
    } else {
        None
    };
    let mut updated = (*current).clone();
    if let Some(patch) = &fields.configuration {
        match patch.get(SIGNATURE_KEY) {
            None => {}
            // The masked value a GET answered: the key stays.
            Some(Value::String(s)) if s == MASK => {}
            Some(v) => updated.signature_key = config_text(v),
        }
    }
    if let Some(patch) = fields.configuration {
        let merged = merge_configuration(&current.configuration, patch);
        check_required_configuration(element, &merged)?;
        let (configuration, events_enabled) = response_configuration(element, merged);
        updated.configuration = configuration;
        updated.events_enabled = events_enabled;
    }
    if let Some(name) = fields.name {
        updated.name = name;
    }
    if let Some(tags) = fields.tags {
        updated.tags = tags;
    }
    for (k, v) in fields.extra {
        match updated.extra.iter_mut().find(|(key, _)| *key == k) {
            Some(slot) => slot.1 = v,
            None => updated.extra.push((k, v)),
        }
    }
    if let Some(grant) = &grant {
        consume_grant(&mut state, grant)?;
    }
    let reply = updated.reply(if grant.is_some() {
        View::Reprovisioned
    } else {
        View::Full
    });
    state.instances.insert(updated.id, Arc::new(updated));
    Ok(reply)
}

/// The stored configuration with `patch` applied: a new value replaces the old one
/// in place, a new key goes last, `null` removes the key.
fn merge_configuration(
    current: &[(String, String)],
    patch: Map<String, Value>,
) -> Map<String, Value> {
    let mut merged: Map<String, Value> = current
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    for (k, v) in patch {
        if v.is_null() {
            merged.shift_remove(&k);
        } else {
            merged.insert(k, v);
        }
    }
    merged
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

/// The create checks 2 to 7 of the README, then the new instance, which belongs to
/// the caller's organization.
pub(crate) fn create(
    shared: &Shared,
    caller: &Caller<'_>,
    parts: &Parts,
    body: &[u8],
    by: ElementRef<'_>,
) -> Result<Reply, PlatformError> {
    check_content_type(parts)?;
    let mut body = parse_body(body)?;
    let element = resolve_element(&body, by)?;
    let mut fields = take_fields(&mut body, element)?;
    check_required_configuration(element, &fields.configuration)?;
    let grant = if element.auth.is_oauth() && fields.external_authentication != "initial" {
        Some(take_grant(
            element,
            &mut fields.provider_data,
            Purpose::Create,
        )?)
    } else {
        None
    };
    let instance = new_instance(shared, caller, element, fields);
    let instance = {
        let mut state = shared.state();
        if let Some(grant) = &grant {
            consume_grant(&mut state, grant)?;
        }
        store(&mut state, instance)
    };
    Ok(instance.reply(View::Full))
}

/// Check 2: `Content-Type: application/json` (parameters allowed), else 415.
pub(crate) fn check_content_type(parts: &Parts) -> Result<(), PlatformError> {
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
pub(crate) fn parse_body(body: &[u8]) -> Result<Map<String, Value>, PlatformError> {
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

/// HTML tags stripped, as the platform does with names and tags.
fn sanitized(s: String) -> String {
    match strip_tags(&s) {
        Cow::Owned(stripped) => stripped,
        Cow::Borrowed(_) => s,
    }
}

/// `name`, HTML tags stripped; `"<element name> Instance"` when absent.
fn take_name(body: &mut Map<String, Value>, element: &Element) -> Result<String, PlatformError> {
    match body.shift_remove("name") {
        None => Ok(format!("{} Instance", element.name)),
        Some(Value::String(s)) => Ok(sanitized(s)),
        Some(v) => Err(bad_request(format!(
            "name must be a string, not {}",
            type_name(&v)
        ))),
    }
}

/// `tags`: an array of strings, each with HTML tags stripped; empty when absent.
fn take_tags(body: &mut Map<String, Value>) -> Result<Vec<String>, PlatformError> {
    let items = match body.shift_remove("tags") {
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
            Value::String(s) => Ok(sanitized(s)),
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
    match body.shift_remove(field) {
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
    match body.shift_remove("externalAuthentication") {
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
        .required()
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

// ---------------------------------------------------------------------------------
// OAuth grants (check 7 and re-authentication)

/// What the provider gave for the user's consent.
enum Grant {
    /// An OAuth 2 authorization code (also accepted for OAuth 1 elements).
    Code(String),
    /// The OAuth 1 answer: the request token, its secret and the verifier.
    OAuth1 {
        token: String,
        verifier: String,
        secret: String,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Create,
    Reauthenticate,
}

/// Check 7: the grant in `providerData`: `code` (a non-blank string), or for an OAuth
/// 1 element `oauth_token`, `oauth_verifier` and `secret`. Whether it was used
/// already is checked when the instance is stored ([`consume_grant`]).
fn take_grant(
    element: &Element,
    provider_data: &mut Map<String, Value>,
    purpose: Purpose,
) -> Result<Grant, PlatformError> {
    match provider_data.shift_remove("code") {
        Some(Value::String(c)) if !c.trim().is_empty() => return Ok(Grant::Code(c)),
        Some(Value::String(_)) | None | Some(Value::Null) => {}
        Some(v) => {
            return Err(bad_request(format!(
                "providerData.code must be a string, not {}",
                type_name(&v)
            )));
        }
    }
    if element.auth == Auth::OAuth1 {
        let mut missing = Vec::new();
        let mut values = Vec::new();
        for k in ["oauth_token", "oauth_verifier", "secret"] {
            match provider_data.get(k) {
                Some(Value::String(s)) if !s.trim().is_empty() => values.push(s.clone()),
                Some(Value::String(_)) | None | Some(Value::Null) => missing.push(k),
                Some(v) => {
                    return Err(bad_request(format!(
                        "providerData.{k} must be a string, not {}",
                        type_name(v)
                    )));
                }
            }
        }
        if missing.is_empty() {
            let [token, verifier, secret]: [String; 3] =
                values.try_into().expect("one value per field");
            return Ok(Grant::OAuth1 {
                token,
                verifier,
                secret,
            });
        }
        let missing = missing.join(", providerData.");
        return Err(bad_request(match purpose {
            Purpose::Create => format!(
                "Missing providerData.{missing}: OAuth 1 element '{}' needs oauth_token, oauth_verifier and secret from the provider (or providerData.code, or externalAuthentication 'initial')",
                element.key
            ),
            Purpose::Reauthenticate => format!(
                "providerData.code is required to re-authenticate (or providerData.oauth_token, oauth_verifier and secret for OAuth 1 element '{}'; missing providerData.{missing})",
                element.key
            ),
        }));
    }
    Err(bad_request(match purpose {
        Purpose::Create => format!(
            "Missing providerData.code: OAuth 2 element '{}' needs the authorization code from the provider (or externalAuthentication 'initial')",
            element.key
        ),
        Purpose::Reauthenticate => "providerData.code is required to re-authenticate".to_owned(),
    }))
}

/// Uses up a grant: a code or verifier used before is a 400 with the provider's
/// `invalid_grant` as `providerMessage`; an OAuth 1 secret that is not the one
/// `GET /elements/{keyOrId}/oauth/token` gave with the token is a 400 too.
fn consume_grant(state: &mut State, grant: &Grant) -> Result<(), PlatformError> {
    let code = match grant {
        Grant::Code(code) => code,
        Grant::OAuth1 {
            token,
            verifier,
            secret,
        } => {
            if state
                .oauth1_secrets
                .get(token)
                .is_some_and(|issued| issued != secret)
            {
                return Err(PlatformError {
                    status: StatusCode::BAD_REQUEST,
                    message: OAUTH1_SECRET_MESSAGE.to_owned(),
                    provider_message: Some(OAUTH1_SECRET_PROVIDER_MESSAGE),
                    allow: None,
                });
            }
            verifier
        }
    };
    if state.used_codes.insert(code.clone()) {
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

// ---------------------------------------------------------------------------------
// The new instance

/// The instance a create makes, without its id (given by [`store`]).
fn new_instance(
    shared: &Shared,
    caller: &Caller<'_>,
    element: &'static Element,
    fields: CreateFields,
) -> Instance {
    let signature_key = fields
        .configuration
        .get(SIGNATURE_KEY)
        .and_then(config_text);
    let (configuration, events_enabled) = response_configuration(element, fields.configuration);
    Instance {
        id: 0,
        organization: caller.organization.to_owned(),
        name: fields.name,
        created_date: now_iso8601(),
        token: shared.ids.token(),
        element,
        tags: fields.tags,
        configuration,
        events_enabled,
        external_authentication: fields.external_authentication,
        disabled: false,
        extra: Vec::new(),
        signature_key,
        hub: Arc::new(Hub::default()),
    }
}

/// A configuration value as text (`null` and `""` are none).
fn config_text(v: &Value) -> Option<String> {
    let text = match v {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    (!text.is_empty()).then_some(text)
}

/// The configuration as answered: nulls dropped, every value a string, secrets
/// masked, `event.notification.enabled` (`false`) and `filter.response.nulls`
/// (`true`) added when absent. Also whether events are enabled.
fn response_configuration(
    element: &Element,
    configuration: Map<String, Value>,
) -> (Vec<(String, String)>, bool) {
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
        let text = if is_masked(element, &k) {
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

/// Gives the instance the next id (ids are global, shared by every organization)
/// and keeps it.
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
            "event.notification.signature.key",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
        // Typed PASSWORD by every element's definitions.
        let insightly = element_by_key("insightly").unwrap();
        assert!(is_masked(insightly, "event.notification.signature.key"));
        assert!(!is_masked(insightly, "username"));
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
        let (config, events) = response_configuration(element_by_key("insightly").unwrap(), m);
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

    #[test]
    fn merge_keeps_positions_and_removes_nulls() {
        let current = vec![
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "2".to_owned()),
            ("c".to_owned(), "3".to_owned()),
        ];
        let Value::Object(patch) = serde_json::json!({"a": null, "b": 20, "d": "4"}) else {
            unreachable!()
        };
        let merged = merge_configuration(&current, patch);
        assert_eq!(
            Value::Object(merged).to_string(),
            r#"{"b":20,"c":"3","d":"4"}"#
        );
    }
}
