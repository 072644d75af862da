//! The instance operations: create, get, delete, list, update, re-authenticate,
//! enable and disable.
//!
//! Each operation is declared once ([`CREATE_INSTANCE`], [`GET_INSTANCE`],
//! [`LIST_INSTANCES`], ...); [`CreateInstance`] is the typed builder Rust callers use
//! for a create, and the generic path builds one from checked arguments.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::model::{INSTANCE_MODEL, json_kind};
use crate::ops::{
    Args, AuthScope, HttpMethod, Location, Operation, Pagination, Param, ParamType, Precheck,
    ResultKind, RetryClass, Wire, build_from_locations, place,
};
use crate::redact::redact_json;

/// Which element (connector) an instance is for: its key or its numeric id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ElementRef {
    /// The element key, e.g. `"sfdc"`.
    Key(String),
    /// The numeric element id, e.g. `5993`.
    Id(u64),
}

impl From<&str> for ElementRef {
    fn from(key: &str) -> Self {
        ElementRef::Key(key.to_owned())
    }
}
impl From<String> for ElementRef {
    fn from(key: String) -> Self {
        ElementRef::Key(key)
    }
}
impl From<&String> for ElementRef {
    fn from(key: &String) -> Self {
        ElementRef::Key(key.clone())
    }
}
impl From<u64> for ElementRef {
    fn from(id: u64) -> Self {
        ElementRef::Id(id)
    }
}
impl From<u32> for ElementRef {
    fn from(id: u32) -> Self {
        ElementRef::Id(id.into())
    }
}

impl From<&ElementRef> for Value {
    /// The element as an argument takes it: its key as text, its id as a number.
    fn from(element: &ElementRef) -> Value {
        match element {
            ElementRef::Key(key) => Value::from(key.as_str()),
            ElementRef::Id(id) => Value::from(*id),
        }
    }
}

impl fmt::Display for ElementRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ElementRef::Key(k) => f.write_str(k),
            ElementRef::Id(id) => write!(f, "{id}"),
        }
    }
}

/// Checks an element key: non-empty, only ASCII letters, digits, `_`, `.` and `-`,
/// and not `.` or `..` (it goes into a URL path).
pub fn validate_element_key(key: &str) -> Result<()> {
    const FIELD: &str = "element";
    if key.is_empty() {
        return Err(Error::invalid(FIELD, "the element key must not be empty"));
    }
    if key == "." || key == ".." {
        return Err(Error::invalid(
            FIELD,
            format!("{key:?} is not an element key"),
        ));
    }
    if key.len() > 200 {
        return Err(Error::invalid(
            FIELD,
            "the element key is longer than 200 characters",
        ));
    }
    if let Some(c) = key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(Error::invalid(
            FIELD,
            format!(
                "the element key {:?} contains {c:?}; keys use only letters, digits, '_', '.' and '-'",
                key.escape_default().to_string()
            ),
        ));
    }
    Ok(())
}

/// Which of the two create routes to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CreateRoute {
    /// `POST /instances` with `element.key` in the body (the default for keys).
    Instances,
    /// `POST /elements/{keyOrId}/instances` with the element in the path (the default for ids).
    Elements,
}

impl CreateRoute {
    /// `"instances"` or `"elements"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            CreateRoute::Instances => "instances",
            CreateRoute::Elements => "elements",
        }
    }
}

impl FromStr for CreateRoute {
    type Err = Error;
    fn from_str(s: &str) -> Result<CreateRoute> {
        match s {
            "instances" => Ok(CreateRoute::Instances),
            "elements" => Ok(CreateRoute::Elements),
            other => Err(Error::invalid(
                "endpoint",
                format!(
                    "{:?} is not a route; expected \"instances\" or \"elements\"",
                    other.escape_default().to_string()
                ),
            )),
        }
    }
}

/// The body fields the SDK manages; `extra` may not set them.
const MANAGED_FIELDS: [&str; 6] = [
    "element",
    "name",
    "tags",
    "configuration",
    "providerData",
    "externalAuthentication",
];

/// A request to create an authenticated connector instance.
///
/// ```
/// use open_connectors::{CreateInstance, OAuth2};
/// use serde_json::json;
///
/// let basic = CreateInstance::basic("insightly", "claudeelements", "password")
///     .name("Element Instance Name")
///     .tag("Docs");
///
/// let oauth = CreateInstance::oauth2(
///     "onedrivev2",
///     OAuth2 {
///         code: "WCT3Ny3QRbA6HDXY",
///         api_key: "Rand0MAP1-key",
///         api_secret: "fak3AP1-s3Cr3t",
///         callback_url: "https://mycoolapp.com",
///     },
/// )
/// .name("Element Instance Name")
/// .config("event.notification.enabled", true)
/// .config("event.poller.configuration", json!({"contacts": {"url": "/hubs/crm/contacts"}}));
/// ```
#[derive(Clone)]
pub struct CreateInstance {
    element: ElementRef,
    endpoint: Option<CreateRoute>,
    name: Option<String>,
    tags: Option<Vec<String>>,
    configuration: Option<Value>,
    provider_data: Option<Value>,
    external_authentication: Option<String>,
    extra: Map<String, Value>,
    validate: bool,
}

impl CreateInstance {
    /// A request for the given element, by key (`&str`, `String`) or id (`u64`).
    pub fn new(element: impl Into<ElementRef>) -> Self {
        CreateInstance {
            element: element.into(),
            endpoint: None,
            name: None,
            tags: None,
            configuration: None,
            provider_data: None,
            external_authentication: None,
            extra: Map::new(),
            validate: false,
        }
    }

    /// Basic authentication: `username` and `password` in the configuration.
    pub fn basic(
        element: impl Into<ElementRef>,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        CreateInstance::new(element)
            .config("username", username.into())
            .config("password", password.into())
    }

    /// OAuth 2: the authorization `code` from the provider's redirect in
    /// `providerData`, and the app's `oauth.api.key`, `oauth.api.secret` and
    /// `oauth.callback.url` in the configuration, each named (so a swapped key and
    /// secret cannot compile unnoticed).
    pub fn oauth2(element: impl Into<ElementRef>, oauth: OAuth2<'_>) -> Self {
        CreateInstance::new(element)
            .oauth_code(oauth.code)
            .config("oauth.api.key", oauth.api_key)
            .config("oauth.api.secret", oauth.api_secret)
            .config("oauth.callback.url", oauth.callback_url)
    }

    /// Chooses the route (by default `instances` for a key, `elements` for an id).
    pub fn endpoint(mut self, endpoint: CreateRoute) -> Self {
        self.endpoint = Some(endpoint);
        self
    }

    /// The display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Replaces the tags.
    pub fn tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags = Some(tags.into_iter().map(Into::into).collect());
        self
    }

    /// Adds one tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.get_or_insert_with(Vec::new).push(tag.into());
        self
    }

    /// Replaces the whole configuration. It must be a JSON object (checked when the
    /// request is built); values may be strings, booleans, numbers or nested JSON.
    pub fn configuration(mut self, configuration: impl Into<Value>) -> Self {
        self.configuration = Some(configuration.into());
        self
    }

    /// Sets one configuration entry, e.g. `("oauth.api.key", "...")`.
    pub fn config(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        let cfg = self
            .configuration
            .get_or_insert_with(|| Value::Object(Map::new()));
        if !cfg.is_object() {
            *cfg = Value::Object(Map::new());
        }
        if let Value::Object(map) = cfg {
            map.insert(key.into(), value.into());
        }
        self
    }

    /// Replaces the whole `providerData` (an open JSON object: OAuth 2 `code`, OAuth 1
    /// `oauth_token`/`oauth_verifier`/`secret`, QuickBooks `realmId`, ...).
    pub fn provider_data(mut self, provider_data: impl Into<Value>) -> Self {
        self.provider_data = Some(provider_data.into());
        self
    }

    /// Sets the OAuth 2 authorization code (`providerData.code`).
    pub fn oauth_code(mut self, code: impl Into<String>) -> Self {
        let pd = self
            .provider_data
            .get_or_insert_with(|| Value::Object(Map::new()));
        if !pd.is_object() {
            *pd = Value::Object(Map::new());
        }
        if let Value::Object(map) = pd {
            map.insert("code".into(), Value::String(code.into()));
        }
        self
    }

    /// `externalAuthentication`, e.g. `"initial"` to bring tokens of your own.
    pub fn external_authentication(mut self, value: impl Into<String>) -> Self {
        self.external_authentication = Some(value.into());
        self
    }

    /// Any other top-level body field, passed through as is
    /// (e.g. `retrieveObjectsAfterInstantiation`, `oauthProxy`).
    pub fn field(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// Checks, before sending, that the configuration gives every key the element's
    /// definitions require (fetched once per element and cached for the client's life):
    /// a missing one is `invalid_input` on `configuration`, naming each missing key.
    /// Off by default, so a create costs one request.
    pub fn validate(mut self, validate: bool) -> Self {
        self.validate = validate;
        self
    }

    /// Whether [`CreateInstance::validate`] was asked for.
    pub fn validates(&self) -> bool {
        self.validate
    }

    /// The configuration given, if any.
    pub fn configuration_value(&self) -> Option<&Value> {
        self.configuration.as_ref()
    }

    /// The element.
    pub fn element(&self) -> &ElementRef {
        &self.element
    }

    /// The route this request will use.
    pub fn resolved_endpoint(&self) -> CreateRoute {
        self.endpoint.unwrap_or(match self.element {
            ElementRef::Key(_) => CreateRoute::Instances,
            ElementRef::Id(_) => CreateRoute::Elements,
        })
    }

    /// Checks the request and returns the path (relative to the base URL) and the
    /// serialized JSON body.
    pub(crate) fn to_wire(&self) -> Result<(String, Vec<u8>)> {
        let endpoint = self.resolved_endpoint();
        if let ElementRef::Key(key) = &self.element {
            validate_element_key(key)?;
        }
        let check_object = |field: &str, v: &Option<Value>| -> Result<()> {
            match v {
                Some(v) if !v.is_object() => Err(Error::invalid(
                    field,
                    format!("must be a JSON object, got {}", json_kind(v)),
                )),
                _ => Ok(()),
            }
        };
        check_object("configuration", &self.configuration)?;
        check_object("provider_data", &self.provider_data)?;
        if let Some(key) = self
            .extra
            .keys()
            .find(|k| MANAGED_FIELDS.contains(&k.as_str()))
        {
            return Err(Error::invalid(
                format!("extra.{key}"),
                "is set by the SDK from its own argument; pass it there",
            ));
        }
        let (path, element) = match (&self.element, endpoint) {
            (ElementRef::Key(key), CreateRoute::Instances) => {
                ("/instances".to_owned(), Some(ElementKey { key }))
            }
            (ElementRef::Key(key), CreateRoute::Elements) => {
                (format!("/elements/{key}/instances"), None)
            }
            (ElementRef::Id(id), CreateRoute::Elements) => {
                (format!("/elements/{id}/instances"), None)
            }
            (ElementRef::Id(_), CreateRoute::Instances) => {
                return Err(Error::invalid(
                    "endpoint",
                    "an element given by id needs the \"elements\" route (POST /elements/{id}/instances); POST /instances takes only an element key",
                ));
            }
        };
        let body = Body {
            element,
            name: self.name.as_deref(),
            tags: self.tags.as_deref(),
            configuration: self.configuration.as_ref(),
            provider_data: self.provider_data.as_ref(),
            external_authentication: self.external_authentication.as_deref(),
            extra: &self.extra,
        };
        let bytes = serde_json::to_vec(&body).map_err(|e| Error::invalid("body", e.to_string()))?;
        Ok((path, bytes))
    }
}

impl fmt::Debug for CreateInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateInstance")
            .field("element", &self.element)
            .field("endpoint", &self.endpoint)
            .field("name", &self.name)
            .field("tags", &self.tags)
            .field(
                "configuration",
                &self.configuration.as_ref().map(redact_json),
            )
            .field(
                "provider_data",
                &self.provider_data.as_ref().map(redact_json),
            )
            .field("external_authentication", &self.external_authentication)
            .field("extra", &redact_json(&Value::Object(self.extra.clone())))
            .field("validate", &self.validate)
            .finish()
    }
}

#[derive(Serialize)]
struct ElementKey<'a> {
    key: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    element: Option<ElementKey<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    configuration: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider_data: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_authentication: Option<&'a str>,
    #[serde(flatten)]
    extra: &'a Map<String, Value>,
}

/// The OAuth 2 part of a create: the authorization code and the app's credentials.
#[derive(Clone, Copy)]
pub struct OAuth2<'a> {
    /// The authorization `code` from the provider's redirect (single-use).
    pub code: &'a str,
    /// The app's key at the provider (`oauth.api.key`).
    pub api_key: &'a str,
    /// The app's secret at the provider (`oauth.api.secret`).
    pub api_secret: &'a str,
    /// The callback URL registered with the provider (`oauth.callback.url`).
    pub callback_url: &'a str,
}

impl fmt::Debug for OAuth2<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2")
            .field("code", &crate::redact::REDACTED)
            .field("api_key", &crate::redact::REDACTED)
            .field("api_secret", &crate::redact::REDACTED)
            .field("callback_url", &self.callback_url)
            .finish()
    }
}

impl CreateInstance {
    /// A create from the checked arguments of [`CREATE_INSTANCE`].
    pub fn from_args(mut args: Args) -> Result<CreateInstance> {
        let element = match args.take("element") {
            Some(Value::String(key)) => ElementRef::Key(key),
            Some(v) => ElementRef::Id(
                v.as_u64()
                    .ok_or_else(|| Error::invalid("element", "is required"))?,
            ),
            None => return Err(Error::invalid("element", "is required")),
        };
        let mut req = CreateInstance::new(element);
        let text = |v: Option<Value>| match v {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        if let Some(name) = text(args.take("name")) {
            req = req.name(name);
        }
        if let Some(Value::Array(tags)) = args.take("tags") {
            req = req.tags(tags.into_iter().filter_map(|t| match t {
                Value::String(s) => Some(s),
                _ => None,
            }));
        }
        if let Some(v) = args.take("configuration") {
            req = req.configuration(v);
        }
        if let Some(v) = args.take("provider_data") {
            req = req.provider_data(v);
        }
        if let Some(v) = text(args.take("external_authentication")) {
            req = req.external_authentication(v);
        }
        if let Some(v) = text(args.take("endpoint")) {
            req = req.endpoint(v.parse()?);
        }
        if let Some(Value::Object(extra)) = args.take("extra") {
            req = extra.into_iter().fold(req, |r, (k, v)| r.field(k, v));
        }
        if let Some(Value::Bool(validate)) = args.take("validate") {
            req = req.validate(validate);
        }
        Ok(req)
    }

    /// The request this create sends: path and JSON body.
    pub fn to_request(&self) -> Result<Wire> {
        let (path, body) = self.to_wire()?;
        Ok(Wire {
            path,
            body: Some(body),
            ..Wire::default()
        })
    }
}

/// The keys of `required` that `configuration` lacks: absent, `null` or blank text
/// (as the platform counts them), in the order of `required`.
pub(crate) fn missing_configuration<'a>(
    required: &'a [String],
    configuration: Option<&Value>,
) -> Vec<&'a str> {
    let given = configuration.and_then(Value::as_object);
    required
        .iter()
        .map(String::as_str)
        .filter(|key| match given.and_then(|c| c.get(*key)) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(_) => false,
        })
        .collect()
}

/// `/instances/{id}` of the checked `instance_id`.
fn instance_path(_: &Operation, args: Args) -> Result<Wire> {
    Ok(Wire::path(format!(
        "/instances/{}",
        args.id("instance_id")?
    )))
}

const INSTANCE_ID: Param = Param {
    name: "instance_id",
    ty: ParamType::Id,
    required: true,
    positional: true,
    secret: false,
    location: Location::Path("id"),
    doc: "The numeric instance id (a positive integer).",
};

/// `create_instance`: `POST /instances` or `POST /elements/{keyOrId}/instances`.
pub const CREATE_INSTANCE: Operation = Operation {
    name: "create_instance",
    group: "instances",
    command: "instances create",
    summary: "Creates an authenticated connector instance.",
    doc: "Sent to `POST /instances` (element by key, the default for keys) or `POST /elements/{keyOrId}/instances` (the default for ids). Never retried once it may have reached the server: an OAuth code is single-use. The answer's `token` is the credential of every later call on the instance.",
    method: HttpMethod::Post,
    routes: &["/instances", "/elements/{keyOrId}/instances"],
    params: &[
        Param {
            name: "element",
            ty: ParamType::ElementRef,
            required: true,
            positional: true,
            secret: false,
            location: Location::Custom,
            doc: "The element (connector): its key, e.g. `\"sfdc\"`, or its numeric id.",
        },
        Param {
            name: "name",
            ty: ParamType::Text,
            required: false,
            positional: false,
            secret: false,
            location: Location::Body("name"),
            doc: "The instance's display name.",
        },
        Param {
            name: "tags",
            ty: ParamType::TextList,
            required: false,
            positional: false,
            secret: false,
            location: Location::Body("tags"),
            doc: "Tags to find the instance by.",
        },
        Param {
            name: "configuration",
            ty: ParamType::Object,
            required: false,
            positional: false,
            secret: true,
            location: Location::Body("configuration"),
            doc: "The element's configuration: credentials (`username`/`password`, `oauth.api.key`/`oauth.api.secret`/`oauth.callback.url`) and settings.",
        },
        Param {
            name: "provider_data",
            ty: ParamType::Object,
            required: false,
            positional: false,
            secret: true,
            location: Location::Body("providerData"),
            doc: "What the provider's redirect gave: the OAuth 2 `code`, OAuth 1 `oauth_token`/`oauth_verifier`/`secret`, ...",
        },
        Param {
            name: "external_authentication",
            ty: ParamType::Text,
            required: false,
            positional: false,
            secret: false,
            location: Location::Body("externalAuthentication"),
            doc: "`\"initial\"` to bring tokens of your own.",
        },
        Param {
            name: "endpoint",
            ty: ParamType::OneOf(&["instances", "elements"]),
            required: false,
            positional: false,
            secret: false,
            location: Location::Custom,
            doc: "The route: `\"instances\"` (POST /instances, the default for keys) or `\"elements\"` (POST /elements/{keyOrId}/instances, the default for ids).",
        },
        Param {
            name: "extra",
            ty: ParamType::Object,
            required: false,
            positional: false,
            secret: false,
            location: Location::Custom,
            doc: "More top-level body fields, passed through as given (e.g. `retrieveObjectsAfterInstantiation`).",
        },
        Param {
            name: "validate",
            ty: ParamType::Bool,
            required: false,
            positional: false,
            secret: false,
            location: Location::Client,
            doc: "Check the configuration against the element's definitions before sending (fetched once per element and cached for the client's life): a missing required key is `invalid_input` on `configuration`, naming every missing key. Off by default, so a create costs one request.",
        },
    ],
    result: ResultKind::Model(&INSTANCE_MODEL),
    retry: RetryClass::Once,
    auth: AuthScope::Organization,
    pagination: None,
    node_single_object: true,
    precheck: Some(Precheck::RequiredConfiguration),
    example: r#"{"element": "insightly", "name": "Element Instance Name", "tags": ["Docs"], "configuration": {"username": "claudeelements", "password": "password"}}"#,
    build: |_, args| CreateInstance::from_args(args)?.to_request(),
};

/// `get_instance`: `GET /instances/{id}`.
pub const GET_INSTANCE: Operation = Operation {
    name: "get_instance",
    group: "instances",
    command: "instances get",
    summary: "Gets an instance by id.",
    doc: "`GET /instances/{id}`. Safe to retry.",
    method: HttpMethod::Get,
    routes: &["/instances/{id}"],
    params: &[INSTANCE_ID],
    result: ResultKind::Model(&INSTANCE_MODEL),
    retry: RetryClass::Idempotent,
    auth: AuthScope::Organization,
    pagination: None,
    node_single_object: false,
    precheck: None,
    example: r#"{"instance_id": 477858}"#,
    build: instance_path,
};

/// `delete_instance`: `DELETE /instances/{id}`.
pub const DELETE_INSTANCE: Operation = Operation {
    name: "delete_instance",
    group: "instances",
    command: "instances delete",
    summary: "Deletes an instance by id.",
    doc: "`DELETE /instances/{id}`; returns nothing. Safe to retry (a repeated delete of a deleted instance answers 404).",
    method: HttpMethod::Delete,
    routes: &["/instances/{id}"],
    params: &[INSTANCE_ID],
    result: ResultKind::Nothing,
    retry: RetryClass::Idempotent,
    auth: AuthScope::Organization,
    pagination: None,
    node_single_object: false,
    precheck: None,
    example: r#"{"instance_id": 477858}"#,
    build: instance_path,
};

/// `list_instances`: `GET /instances`, paged.
pub const LIST_INSTANCES: Operation = Operation {
    name: "list_instances",
    group: "instances",
    command: "instances list",
    summary: "Lists the organization's instances, page by page.",
    doc: "`GET /instances` with `tags[]`, `searchText`, `hydrate`, `pageSize` and `nextPage`. Returns a pager: iterate it for every instance, fetching pages as needed, or take its pages. It stops on an empty page or a page without a next-page token, and fails on a token that repeats. Each page is safe to retry.",
    method: HttpMethod::Get,
    routes: &["/instances"],
    params: &[
        Param {
            name: "tags",
            ty: ParamType::TextList,
            required: false,
            positional: false,
            secret: false,
            location: Location::Query("tags[]"),
            doc: "Only instances with these tags.",
        },
        Param {
            name: "search",
            ty: ParamType::Text,
            required: false,
            positional: false,
            secret: false,
            location: Location::Query("searchText"),
            doc: "Only instances whose name or element key contains this text.",
        },
        Param {
            name: "hydrate",
            ty: ParamType::Bool,
            required: false,
            positional: false,
            secret: false,
            location: Location::Query("hydrate"),
            doc: "`false` for a lighter answer (no configuration).",
        },
        PAGE_SIZE,
        CURSOR,
    ],
    result: ResultKind::Model(&INSTANCE_MODEL),
    retry: RetryClass::Idempotent,
    auth: AuthScope::Organization,
    pagination: Some(Pagination::Cursor),
    node_single_object: false,
    precheck: None,
    example: r#"{"tags": ["Docs"], "page_size": 50}"#,
    build: build_from_locations,
};

/// The `page_size` parameter of every paged operation.
pub(crate) const PAGE_SIZE: Param = Param {
    name: "page_size",
    ty: ParamType::PageSize(crate::ops::MAX_PAGE_SIZE),
    required: false,
    positional: false,
    secret: false,
    location: Location::Query("pageSize"),
    doc: "Items per page (1 to 200; the platform's default is 200).",
};

/// The `cursor` parameter of every paged operation.
pub(crate) const CURSOR: Param = Param {
    name: "cursor",
    ty: ParamType::Text,
    required: false,
    positional: false,
    secret: false,
    location: Location::Query("nextPage"),
    doc: "Where to start: the `next_cursor` of a page seen before (resumes a listing).",
};

/// The top-level fields `update_instance` sets from its own arguments.
const UPDATE_MANAGED: [&str; 3] = ["name", "tags", "configuration"];

/// `update_instance`: `PATCH /instances/{id}` with only the fields given.
pub const UPDATE_INSTANCE: Operation = Operation {
    name: "update_instance",
    group: "instances",
    command: "instances update",
    summary: "Updates an instance: only the fields given are sent.",
    doc: "`PATCH /instances/{id}`. Tags replace the instance's tags (the platform does not merge them); configuration keys are set one by one. Returns the updated instance. Not retried once it may have arrived.",
    method: HttpMethod::Patch,
    routes: &["/instances/{id}"],
    params: &[
        INSTANCE_ID,
        Param {
            name: "name",
            ty: ParamType::Text,
            required: false,
            positional: false,
            secret: false,
            location: Location::Body("name"),
            doc: "The new display name.",
        },
        Param {
            name: "tags",
            ty: ParamType::TextList,
            required: false,
            positional: false,
            secret: false,
            location: Location::Body("tags"),
            doc: "The new tags, replacing the old ones.",
        },
        Param {
            name: "configuration",
            ty: ParamType::Object,
            required: false,
            positional: false,
            secret: true,
            location: Location::Body("configuration"),
            doc: "Configuration keys to set (secret values are redacted from logs and errors).",
        },
        Param {
            name: "extra",
            ty: ParamType::Object,
            required: false,
            positional: false,
            secret: false,
            location: Location::Custom,
            doc: "More top-level body fields, passed through as given.",
        },
    ],
    result: ResultKind::Model(&INSTANCE_MODEL),
    retry: RetryClass::Once,
    auth: AuthScope::Organization,
    pagination: None,
    node_single_object: false,
    precheck: None,
    example: r#"{"instance_id": 477858, "name": "CRM (production)", "tags": ["prod"]}"#,
    build: build_update,
};

fn build_update(op: &Operation, mut args: Args) -> Result<Wire> {
    let extra = args.take("extra");
    let (mut wire, mut body) = place(op, args)?;
    if let Some(Value::Object(extra)) = extra {
        for (k, v) in extra {
            if UPDATE_MANAGED.contains(&k.as_str()) {
                return Err(Error::invalid(
                    format!("extra.{k}"),
                    "is set by the SDK from its own argument; pass it there",
                ));
            }
            body.insert(k, v);
        }
    }
    if body.is_empty() {
        return Err(Error::invalid(
            "options",
            "nothing to update: give name, tags, configuration or extra",
        ));
    }
    wire.set_json_body(body)?;
    Ok(wire)
}

/// `reauthenticate_instance`: `PUT /instances/{id}?reAuthenticate=true` with a fresh
/// OAuth code.
pub const REAUTHENTICATE_INSTANCE: Operation = Operation {
    name: "reauthenticate_instance",
    group: "instances",
    command: "instances reauthenticate",
    summary: "Re-authenticates an OAuth instance with a fresh authorization code.",
    doc: "`PUT /instances/{id}?reAuthenticate=true` with `providerData.code` (the platform's documented re-authentication; run the OAuth step again for the code). Only the code and the configuration given are sent, not the instance's current body (whose secret values the platform hands back masked). Never retried once it may have arrived: the code is single-use.",
    method: HttpMethod::Put,
    routes: &["/instances/{id}"],
    params: &[
        INSTANCE_ID,
        Param {
            name: "code",
            ty: ParamType::Text,
            required: true,
            positional: false,
            secret: true,
            location: Location::Custom,
            doc: "The authorization code the provider's redirect carried (single-use).",
        },
        Param {
            name: "configuration",
            ty: ParamType::Object,
            required: false,
            positional: false,
            secret: true,
            location: Location::Body("configuration"),
            doc: "Configuration keys to set at the same time.",
        },
    ],
    result: ResultKind::Model(&INSTANCE_MODEL),
    retry: RetryClass::Once,
    auth: AuthScope::Organization,
    pagination: None,
    node_single_object: false,
    precheck: None,
    example: r#"{"instance_id": 477858, "code": "xoz8AFqScK2ngM04kSSM"}"#,
    build: build_reauthenticate,
};

fn build_reauthenticate(op: &Operation, mut args: Args) -> Result<Wire> {
    let code = match args.take("code") {
        Some(Value::String(c)) if !c.trim().is_empty() => c,
        _ => {
            return Err(Error::invalid(
                "code",
                "must be a non-empty authorization code",
            ));
        }
    };
    let (mut wire, mut body) = place(op, args)?;
    body.insert(
        "providerData".to_owned(),
        serde_json::json!({ "code": code }),
    );
    wire.query
        .push(("reAuthenticate".to_owned(), "true".to_owned()));
    wire.set_json_body(body)?;
    Ok(wire)
}

/// `enable_instance`: `PUT /instances/{id}/enabled`.
pub const ENABLE_INSTANCE: Operation = Operation {
    name: "enable_instance",
    group: "instances",
    command: "instances enable",
    summary: "Enables an instance (after it was disabled, by hand or by failed token refreshes).",
    doc: "`PUT /instances/{id}/enabled`; returns nothing. Safe to retry.",
    method: HttpMethod::Put,
    routes: &["/instances/{id}/enabled"],
    params: &[INSTANCE_ID],
    result: ResultKind::Nothing,
    retry: RetryClass::Idempotent,
    auth: AuthScope::Organization,
    pagination: None,
    node_single_object: false,
    precheck: None,
    example: r#"{"instance_id": 477858}"#,
    build: build_from_locations,
};

/// `disable_instance`: `DELETE /instances/{id}/enabled`.
pub const DISABLE_INSTANCE: Operation = Operation {
    name: "disable_instance",
    group: "instances",
    command: "instances disable",
    summary: "Disables an instance: it stays, but the platform stops using it.",
    doc: "`DELETE /instances/{id}/enabled`; returns nothing. Safe to retry.",
    method: HttpMethod::Delete,
    routes: &["/instances/{id}/enabled"],
    params: &[INSTANCE_ID],
    result: ResultKind::Nothing,
    retry: RetryClass::Idempotent,
    auth: AuthScope::Organization,
    pagination: None,
    node_single_object: false,
    precheck: None,
    example: r#"{"instance_id": 477858}"#,
    build: build_from_locations,
};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn wire(r: &CreateInstance) -> (String, Value) {
        let (p, b) = r.to_wire().unwrap();
        (p, serde_json::from_slice(&b).unwrap())
    }

    #[test]
    fn missing_configuration_counts_absent_null_and_blank() {
        let required: Vec<String> = ["a", "b", "c", "d", "e", "f", "g"]
            .map(String::from)
            .to_vec();
        let given = json!({"b": null, "c": "", "d": " \t", "e": "x", "f": false, "g": 0});
        assert_eq!(
            missing_configuration(&required, Some(&given)),
            ["a", "b", "c", "d"]
        );
        assert_eq!(missing_configuration(&required, None), required);
        assert_eq!(missing_configuration(&required, Some(&json!([]))), required);
        assert!(missing_configuration(&[], None).is_empty());
        let req = CreateInstance::new("x");
        assert!(!req.validates());
        let req = req.validate(true);
        assert!(req.validates());
        assert!(format!("{req:?}").contains("validate: true"));
    }

    #[test]
    fn basic_by_key_on_instances() {
        let (p, b) = wire(
            &CreateInstance::basic("insightly", "claudeelements", "password")
                .tags(["Docs"])
                .name("Element Instance Name"),
        );
        assert_eq!(p, "/instances");
        assert_eq!(
            b,
            json!({"element": {"key": "insightly"}, "name": "Element Instance Name", "tags": ["Docs"],
                   "configuration": {"username": "claudeelements", "password": "password"}})
        );
    }

    #[test]
    fn routes() {
        let (p, b) = wire(&CreateInstance::new(5993u64));
        assert_eq!(p, "/elements/5993/instances");
        assert_eq!(b, json!({}));
        let (p, b) = wire(&CreateInstance::new("sfdc").endpoint(CreateRoute::Elements));
        assert_eq!(p, "/elements/sfdc/instances");
        assert!(b.get("element").is_none());
        let e = CreateInstance::new(1u64)
            .endpoint(CreateRoute::Instances)
            .to_wire()
            .unwrap_err();
        assert_eq!(e.field(), Some("endpoint"));
    }

    #[test]
    fn bad_input() {
        for key in ["", ".", "..", "a/b", "a b", "ü", "a?b", "a%2F"] {
            let e = CreateInstance::new(key).to_wire().unwrap_err();
            assert_eq!(e.field(), Some("element"), "{key}");
        }
        let e = CreateInstance::new("x")
            .configuration(json!("s"))
            .to_wire()
            .unwrap_err();
        assert_eq!(e.field(), Some("configuration"));
        let e = CreateInstance::new("x")
            .provider_data(json!([1]))
            .to_wire()
            .unwrap_err();
        assert_eq!(e.field(), Some("provider_data"));
        let e = CreateInstance::new("x")
            .field("element", json!({}))
            .to_wire()
            .unwrap_err();
        assert_eq!(e.field(), Some("extra.element"));
    }

    #[test]
    fn extra_fields_and_debug() {
        let r = CreateInstance::oauth2(
            "onedrivev2",
            OAuth2 {
                code: "c0de",
                api_key: "k",
                api_secret: "s3cr3t",
                callback_url: "https://cb",
            },
        )
        .field("retrieveObjectsAfterInstantiation", true)
        .external_authentication("none");
        let (_, b) = wire(&r);
        assert_eq!(b["retrieveObjectsAfterInstantiation"], json!(true));
        assert_eq!(b["providerData"], json!({"code": "c0de"}));
        let d = format!("{r:?}");
        assert!(!d.contains("c0de") && !d.contains("s3cr3t"), "{d}");
    }
}
