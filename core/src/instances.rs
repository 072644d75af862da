//! Creating an authenticated connector instance.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::model::json_kind;
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

/// Which create route to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST /instances` with `element.key` in the body (the default for keys).
    Instances,
    /// `POST /elements/{keyOrId}/instances` with the element in the path (the default for ids).
    Elements,
}

impl Endpoint {
    /// `"instances"` or `"elements"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Endpoint::Instances => "instances",
            Endpoint::Elements => "elements",
        }
    }
}

impl FromStr for Endpoint {
    type Err = Error;
    fn from_str(s: &str) -> Result<Endpoint> {
        match s {
            "instances" => Ok(Endpoint::Instances),
            "elements" => Ok(Endpoint::Elements),
            other => Err(Error::invalid(
                "endpoint",
                format!("{other:?} is not a route; expected \"instances\" or \"elements\""),
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
/// use open_connectors::CreateInstance;
/// use serde_json::json;
///
/// let basic = CreateInstance::basic("insightly", "claudeelements", "password")
///     .name("Element Instance Name")
///     .tag("Docs");
///
/// let oauth = CreateInstance::oauth2(
///     "onedrivev2", "WCT3Ny3QRbA6HDXY", "Rand0MAP1-key", "fak3AP1-s3Cr3t", "https://mycoolapp.com",
/// )
/// .name("Element Instance Name")
/// .config("event.notification.enabled", true)
/// .config("event.poller.configuration", json!({"contacts": {"url": "/hubs/crm/contacts"}}));
/// ```
#[derive(Clone)]
pub struct CreateInstance {
    element: ElementRef,
    endpoint: Option<Endpoint>,
    name: Option<String>,
    tags: Option<Vec<String>>,
    configuration: Option<Value>,
    provider_data: Option<Value>,
    external_authentication: Option<String>,
    extra: Map<String, Value>,
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
    /// `oauth.callback.url` in the configuration.
    pub fn oauth2(
        element: impl Into<ElementRef>,
        code: impl Into<String>,
        api_key: impl Into<String>,
        api_secret: impl Into<String>,
        callback_url: impl Into<String>,
    ) -> Self {
        CreateInstance::new(element)
            .code(code)
            .config("oauth.api.key", api_key.into())
            .config("oauth.api.secret", api_secret.into())
            .config("oauth.callback.url", callback_url.into())
    }

    /// Chooses the route (by default `instances` for a key, `elements` for an id).
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
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
    pub fn code(mut self, code: impl Into<String>) -> Self {
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

    /// The element.
    pub fn element(&self) -> &ElementRef {
        &self.element
    }

    /// The route this request will use.
    pub fn resolved_endpoint(&self) -> Endpoint {
        self.endpoint.unwrap_or(match self.element {
            ElementRef::Key(_) => Endpoint::Instances,
            ElementRef::Id(_) => Endpoint::Elements,
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
            (ElementRef::Key(key), Endpoint::Instances) => {
                ("/instances".to_owned(), Some(ElementKey { key }))
            }
            (ElementRef::Key(key), Endpoint::Elements) => {
                (format!("/elements/{key}/instances"), None)
            }
            (ElementRef::Id(id), Endpoint::Elements) => (format!("/elements/{id}/instances"), None),
            (ElementRef::Id(_), Endpoint::Instances) => {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn wire(r: &CreateInstance) -> (String, Value) {
        let (p, b) = r.to_wire().unwrap();
        (p, serde_json::from_slice(&b).unwrap())
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
        let (p, b) = wire(&CreateInstance::new("sfdc").endpoint(Endpoint::Elements));
        assert_eq!(p, "/elements/sfdc/instances");
        assert!(b.get("element").is_none());
        let e = CreateInstance::new(1u64)
            .endpoint(Endpoint::Instances)
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
        let r = CreateInstance::oauth2("onedrivev2", "c0de", "k", "s3cr3t", "https://cb")
            .field("retrieveObjectsAfterInstantiation", true)
            .external_authentication("none");
        let (_, b) = wire(&r);
        assert_eq!(b["retrieveObjectsAfterInstantiation"], json!(true));
        assert_eq!(b["providerData"], json!({"code": "c0de"}));
        let d = format!("{r:?}");
        assert!(!d.contains("c0de") && !d.contains("s3cr3t"), "{d}");
    }
}

/// The arguments of a create as one JSON object, the form the language bindings
/// pass: `element` (a key string or a numeric id), `name`, `tags`, `configuration`,
/// `provider_data`/`providerData`, `external_authentication`/`externalAuthentication`,
/// `endpoint` (`"instances"` or `"elements"`) and `extra` (more top-level body fields).
///
/// Every check lives here, once, so Rust, Python and Node refuse the same input the
/// same way.
pub fn create_instance_from_options(options: Value) -> Result<CreateInstance> {
    let Value::Object(map) = options else {
        return Err(Error::invalid(
            "options",
            format!("must be an object, got {}", json_kind(&options)),
        ));
    };
    let mut element: Option<ElementRef> = None;
    let mut req_fields: Vec<(String, Value)> = Vec::new();
    for (key, value) in map {
        match key.as_str() {
            "element" => element = Some(element_from_json(value)?),
            _ => req_fields.push((key, value)),
        }
    }
    let element = element.ok_or_else(|| Error::invalid("element", "is required"))?;
    let mut req = CreateInstance::new(element);
    for (key, value) in req_fields {
        if value.is_null() {
            continue;
        }
        req = match key.as_str() {
            "name" => match value {
                Value::String(s) => req.name(s),
                other => {
                    return Err(Error::invalid(
                        "name",
                        format!("must be a string, got {}", json_kind(&other)),
                    ));
                }
            },
            "tags" => {
                let Value::Array(items) = value else {
                    return Err(Error::invalid(
                        "tags",
                        format!("must be a list of strings, got {}", json_kind(&value)),
                    ));
                };
                let mut tags = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(s) => tags.push(s),
                        other => {
                            return Err(Error::invalid(
                                "tags",
                                format!("must be a list of strings, found {}", json_kind(&other)),
                            ));
                        }
                    }
                }
                req.tags(tags)
            }
            "configuration" => req.configuration(value),
            "provider_data" | "providerData" => req.provider_data(value),
            "external_authentication" | "externalAuthentication" => match value {
                Value::String(s) => req.external_authentication(s),
                other => {
                    return Err(Error::invalid(
                        "external_authentication",
                        format!("must be a string, got {}", json_kind(&other)),
                    ));
                }
            },
            "endpoint" => match value {
                Value::String(s) => req.endpoint(s.parse()?),
                other => {
                    return Err(Error::invalid(
                        "endpoint",
                        format!(
                            "must be \"instances\" or \"elements\", got {}",
                            json_kind(&other)
                        ),
                    ));
                }
            },
            "extra" => {
                let Value::Object(extra) = value else {
                    return Err(Error::invalid(
                        "extra",
                        format!("must be an object, got {}", json_kind(&value)),
                    ));
                };
                extra.into_iter().fold(req, |r, (k, v)| r.field(k, v))
            }
            other => {
                return Err(Error::invalid(
                    other,
                    "is not an argument of create_instance (expected element, name, tags, configuration, provider_data, external_authentication, endpoint, extra)",
                ));
            }
        };
    }
    Ok(req)
}

/// An element given as JSON: a key string or a non-negative integer id.
pub fn element_from_json(value: Value) -> Result<ElementRef> {
    match value {
        Value::String(s) => Ok(ElementRef::Key(s)),
        Value::Number(n) => n.as_u64().map(ElementRef::Id).ok_or_else(|| {
            Error::invalid(
                "element",
                format!("an element id must be a positive integer, got {n}"),
            )
        }),
        other => Err(Error::invalid(
            "element",
            format!(
                "must be an element key (string) or id (integer), got {}",
                json_kind(&other)
            ),
        )),
    }
}

#[cfg(test)]
mod option_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn options_map_to_the_builder() {
        let r = create_instance_from_options(json!({
            "element": "onedrivev2", "name": "n", "tags": ["a"], "providerData": {"code": "c"},
            "configuration": {"k": 1}, "external_authentication": "none", "endpoint": "elements",
            "extra": {"retrieveObjectsAfterInstantiation": true}
        }))
        .unwrap();
        let (path, body) = r.to_wire().unwrap();
        assert_eq!(path, "/elements/onedrivev2/instances");
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body,
            json!({"name": "n", "tags": ["a"], "configuration": {"k": 1}, "providerData": {"code": "c"},
                   "externalAuthentication": "none", "retrieveObjectsAfterInstantiation": true})
        );
        let r = create_instance_from_options(json!({"element": 5993})).unwrap();
        assert_eq!(r.element(), &ElementRef::Id(5993));
    }

    #[test]
    fn options_refuse_bad_types() {
        for (opts, field) in [
            (json!({"element": true}), "element"),
            (json!({"element": -1}), "element"),
            (json!({"element": 1.5}), "element"),
            (json!({}), "element"),
            (json!({"element": "x", "tags": [1]}), "tags"),
            (json!({"element": "x", "tags": "a"}), "tags"),
            (json!({"element": "x", "name": 3}), "name"),
            (json!({"element": "x", "endpoint": "nope"}), "endpoint"),
            (json!({"element": "x", "bogus": 1}), "bogus"),
            (json!([]), "options"),
        ] {
            let e = create_instance_from_options(opts.clone()).unwrap_err();
            assert_eq!(e.field(), Some(field), "{opts}");
        }
    }
}
