//! What the platform answers, and the model table the language bindings are
//! generated from.
//!
//! Decoding is lenient where the platform is known to vary (tags as strings or
//! objects, dates as ISO strings or epoch numbers, booleans and numbers sent as
//! strings) and keeps the whole JSON as received, so no field is ever lost.

mod instance;
mod record;
mod response;
mod scalar;
mod time;

pub use instance::{ElementSummary, FieldValue, INSTANCE_FIELDS, Instance, InstanceUser, Tag};
pub use record::Record;
pub use response::Response;
pub(crate) use response::{json_body, pagination_headers};
pub use time::Timestamp;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::lang::Lang;

/// The type of a model field, for the generated classes of each language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// An integer.
    Int,
    /// Text.
    Text,
    /// A credential: readable, but never shown by `repr`/`inspect`/`Debug`.
    Secret,
    /// A boolean.
    Bool,
    /// A date: Python `datetime`, Node `Date`, Rust [`Timestamp`].
    Date,
    /// A list of strings.
    TextList,
    /// A JSON object.
    Object,
    /// A JSON array.
    List,
}

/// One typed field of a model.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The name, `snake_case` (Node spells it `camelCase`).
    pub name: &'static str,
    /// The JSON key it is read from; `None` for a derived field.
    pub wire: Option<&'static str>,
    /// Its type.
    pub ty: FieldType,
    /// Whether it may be absent (`None` / `null`).
    pub optional: bool,
    /// One line of documentation.
    pub doc: &'static str,
}

/// A model class of the Python and Node packages (`Instance`, ...).
#[derive(Debug, Clone, Copy)]
pub struct Model {
    /// The class name.
    pub name: &'static str,
    /// Documentation.
    pub doc: &'static str,
    /// The typed fields.
    pub fields: &'static [Field],
    /// The fields shown by `repr()` / `inspect`, in order.
    pub repr: &'static [&'static str],
}

impl Field {
    /// Whether the bindings read this field straight from the JSON as received (objects
    /// and lists are passed through as sent) rather than from the core's decoded fields.
    pub const fn from_raw(&self) -> bool {
        matches!(self.ty, FieldType::Object | FieldType::List)
    }
}

impl Model {
    /// The typed fields the core decodes (not [`Field::from_raw`]), in the table's order:
    /// the order of [`Output::for_each_field`] and of [`Output::to_binding_texts`]' values.
    pub fn typed_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| !f.from_raw())
    }

    /// The model by name.
    pub fn named(name: &str) -> Option<&'static Model> {
        MODELS.iter().find(|m| m.name == name)
    }

    /// Decodes and checks a JSON object as this model (`Instance.from_dict`,
    /// `Instance.fromJSON`): a wrong shape is `invalid_input` on argument `field`.
    pub fn decode(&'static self, field: &str, raw: Value) -> Result<Output> {
        match self.name {
            "Instance" => Instance::from_json(raw)
                .map(|i| Output::Instance(Box::new(i)))
                .map_err(|e| Error::invalid(field, format!("not an Instance: {e}"))),
            name => Record::from_json(self, raw)
                .map(|r| Output::Record(Box::new(r)))
                .map_err(|e| {
                    Error::invalid(
                        field,
                        format!(
                            "not {} {name}: {e}",
                            if name.starts_with(['A', 'E', 'I', 'O', 'U']) {
                                "an"
                            } else {
                                "a"
                            }
                        ),
                    )
                }),
        }
    }

    /// The wire keys of the typed fields, top-level only (`authentication.type` is
    /// `authentication`): what `extra` leaves out.
    pub fn top_level_keys(&self) -> Vec<&'static str> {
        let mut keys: Vec<&'static str> = Vec::new();
        for f in self.fields {
            if let Some(w) = f.wire {
                let top = w.split('.').next().unwrap_or(w);
                if !keys.contains(&top) {
                    keys.push(top);
                }
            }
        }
        keys
    }
}

const fn field(
    name: &'static str,
    wire: Option<&'static str>,
    ty: FieldType,
    optional: bool,
    doc: &'static str,
) -> Field {
    Field {
        name,
        wire,
        ty,
        optional,
        doc,
    }
}

/// The Instance model: the typed fields every language exposes.
pub const INSTANCE_MODEL: Model = Model {
    name: "Instance",
    doc: "An authenticated connector instance. Its `token` is the credential of every later call on it; it is never shown by repr or inspect.",
    fields: &[
        field(
            "id",
            Some("id"),
            FieldType::Int,
            false,
            "The numeric instance id.",
        ),
        field(
            "name",
            Some("name"),
            FieldType::Text,
            false,
            "The display name.",
        ),
        field(
            "token",
            Some("token"),
            FieldType::Secret,
            false,
            "The instance token: the credential of every later call on the instance.",
        ),
        field(
            "created_date",
            Some("createdDate"),
            FieldType::Date,
            true,
            "When the instance was created.",
        ),
        field(
            "element",
            Some("element"),
            FieldType::Object,
            true,
            "The element (connector) the instance belongs to, as sent.",
        ),
        field(
            "element_key",
            None,
            FieldType::Text,
            true,
            "The element key, e.g. `sfdc`.",
        ),
        field(
            "element_id",
            Some("elementId"),
            FieldType::Int,
            true,
            "The element's numeric id.",
        ),
        field(
            "tags",
            Some("tags"),
            FieldType::TextList,
            false,
            "The tags (names).",
        ),
        field(
            "provision_interactions",
            Some("provisionInteractions"),
            FieldType::List,
            false,
            "Provisioning interactions (usually empty).",
        ),
        field(
            "valid",
            Some("valid"),
            FieldType::Bool,
            true,
            "Whether the instance is valid.",
        ),
        field(
            "disabled",
            Some("disabled"),
            FieldType::Bool,
            true,
            "Whether the instance is disabled.",
        ),
        field(
            "max_cache_size",
            Some("maxCacheSize"),
            FieldType::Int,
            true,
            "Cache size.",
        ),
        field(
            "cache_time_to_live",
            Some("cacheTimeToLive"),
            FieldType::Int,
            true,
            "Cache time to live.",
        ),
        field(
            "configuration",
            Some("configuration"),
            FieldType::Object,
            false,
            "The configuration as the platform echoes it (secrets come back masked as `********`).",
        ),
        field(
            "events_enabled",
            Some("eventsEnabled"),
            FieldType::Bool,
            true,
            "Whether events are configured.",
        ),
        field(
            "trace_logging_enabled",
            Some("traceLoggingEnabled"),
            FieldType::Bool,
            true,
            "Whether trace logging is on.",
        ),
        field(
            "caching_enabled",
            Some("cachingEnabled"),
            FieldType::Bool,
            true,
            "Whether caching is on.",
        ),
        field(
            "external_authentication",
            Some("externalAuthentication"),
            FieldType::Text,
            true,
            "`none`, or `initial` for an instance created with tokens of your own.",
        ),
        field(
            "user",
            Some("user"),
            FieldType::Object,
            true,
            "The user who owns the instance, as sent.",
        ),
        field(
            "provider_data",
            Some("providerData"),
            FieldType::Object,
            true,
            "Provider data echoed by the platform, when present.",
        ),
    ],
    repr: &["id", "name", "element_key", "token"],
};

/// An element (connector) of the catalogue.
pub const ELEMENT_MODEL: Model = Model {
    name: "Element",
    doc: "An element (connector) of the platform's catalogue: what an instance is created from.",
    fields: &[
        field(
            "id",
            Some("id"),
            FieldType::Int,
            false,
            "The numeric element id.",
        ),
        field(
            "key",
            Some("key"),
            FieldType::Text,
            false,
            "The element key, e.g. `sfdc`.",
        ),
        field(
            "name",
            Some("name"),
            FieldType::Text,
            false,
            "The display name.",
        ),
        field(
            "description",
            Some("description"),
            FieldType::Text,
            true,
            "What it connects to.",
        ),
        field(
            "active",
            Some("active"),
            FieldType::Bool,
            true,
            "Whether it can be used.",
        ),
        field(
            "hub",
            Some("hub"),
            FieldType::Text,
            true,
            "The hub it belongs to, e.g. `crm`.",
        ),
        field(
            "authentication_type",
            Some("authentication.type"),
            FieldType::Text,
            true,
            "How instances authenticate: `oauth2`, `oauth1`, `basic`, ...",
        ),
        field(
            "type_oauth",
            Some("typeOauth"),
            FieldType::Bool,
            true,
            "Whether it uses OAuth.",
        ),
        field(
            "image",
            Some("image"),
            FieldType::Text,
            true,
            "The URL of its logo.",
        ),
    ],
    repr: &["id", "key", "name", "authentication_type"],
};

/// One configuration definition of an element (`GET /elements/{keyOrId}/configuration`).
pub const CONFIG_FIELD_MODEL: Model = Model {
    name: "ConfigField",
    doc: "One configuration key an element's instances take: what a create form asks for.",
    fields: &[
        field(
            "key",
            Some("key"),
            FieldType::Text,
            false,
            "The configuration key, e.g. `oauth.api.key`.",
        ),
        field(
            "name",
            Some("name"),
            FieldType::Text,
            true,
            "Its display name.",
        ),
        field(
            "required",
            Some("mandatory"),
            FieldType::Bool,
            true,
            "Whether a create must give it.",
        ),
        field(
            "type",
            Some("configDataType"),
            FieldType::Text,
            true,
            "Its data type, e.g. `TEXTFIELD_32`, `PASSWORD`, `BOOLEAN`.",
        ),
        field(
            "default",
            Some("defaultValue"),
            FieldType::Text,
            true,
            "Its default value, if any.",
        ),
        field(
            "description",
            Some("description"),
            FieldType::Text,
            true,
            "What it is for.",
        ),
        field(
            "hidden",
            Some("hideFromConsole"),
            FieldType::Bool,
            true,
            "Whether the platform's console hides it.",
        ),
        field(
            "internal",
            Some("internal"),
            FieldType::Bool,
            true,
            "Whether it is internal to the platform.",
        ),
    ],
    repr: &["key", "required", "type"],
};

/// The request token of an OAuth 1 flow (`GET /elements/{keyOrId}/oauth/token`).
pub const OAUTH1_TOKEN_MODEL: Model = Model {
    name: "OAuth1Token",
    doc: "The request token and its secret for an OAuth 1 element (step 1 of OAuth 1); the secret is never shown by repr or inspect.",
    fields: &[
        field(
            "token",
            Some("token"),
            FieldType::Text,
            false,
            "The request token: pass it as `request_token` when getting the OAuth URL.",
        ),
        field(
            "secret",
            Some("secret"),
            FieldType::Secret,
            false,
            "The request token's secret: `providerData.secret` of the create.",
        ),
    ],
    repr: &["token", "secret"],
};

/// What the provider's OAuth redirect carried ([`crate::oauth::parse_callback`]).
pub const OAUTH_CALLBACK_MODEL: Model = Model {
    name: "OAuthCallback",
    doc: "What the provider's redirect to your callback URL carried: the single-use `code` for `create_instance` or `reauthenticate_instance` (never shown by repr or inspect), and the `state` you sent.",
    fields: &[
        field(
            "code",
            Some("code"),
            FieldType::Secret,
            true,
            "The authorization code (OAuth 2): `provider_data={\"code\": ...}` of the create.",
        ),
        field(
            "state",
            Some("state"),
            FieldType::Text,
            true,
            "The state, as sent with the authorization request.",
        ),
        field(
            "oauth_token",
            Some("oauth_token"),
            FieldType::Text,
            true,
            "OAuth 1: the request token.",
        ),
        field(
            "oauth_verifier",
            Some("oauth_verifier"),
            FieldType::Secret,
            true,
            "OAuth 1: the verifier.",
        ),
    ],
    repr: &["code", "state"],
};

/// Every model, for the generator.
pub const MODELS: &[Model] = &[
    INSTANCE_MODEL,
    ELEMENT_MODEL,
    CONFIG_FIELD_MODEL,
    OAUTH1_TOKEN_MODEL,
    OAUTH_CALLBACK_MODEL,
];

/// The result of an operation, whatever the operation.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Output {
    /// An Instance.
    Instance(Box<Instance>),
    /// Any other model object.
    Record(Box<Record>),
    /// One text value (e.g. the OAuth URL).
    Text(String),
    /// A list of model objects (not paged).
    List(Vec<Output>),
    /// Decoded JSON of any shape (hub calls; each record of a hub listing).
    Json(Value),
    /// The whole answer of a hub request.
    Response(Box<Response>),
    /// Nothing (`()`, `None`, `undefined`): the call succeeded.
    Nothing,
}

impl Output {
    /// The model of the result, if it is one.
    pub fn model(&self) -> Option<&'static Model> {
        match self {
            Output::Instance(_) => Some(&INSTANCE_MODEL),
            Output::Record(r) => Some(r.model()),
            Output::Text(_)
            | Output::List(_)
            | Output::Json(_)
            | Output::Response(_)
            | Output::Nothing => None,
        }
    }

    /// The whole JSON as received (`Value::Null` for nothing; a list of them for a
    /// list; the text for a text).
    pub fn raw(&self) -> Value {
        match self {
            Output::Instance(i) => i.raw().clone(),
            Output::Record(r) => r.raw(),
            Output::Text(t) => Value::from(t.as_str()),
            Output::List(items) => Value::Array(items.iter().map(Output::raw).collect()),
            Output::Json(v) => v.clone(),
            Output::Response(r) => r.raw(),
            Output::Nothing => Value::Null,
        }
    }

    /// The whole JSON object of a model as received, as UTF-8 bytes, borrowed where
    /// possible; `None` for anything but a model.
    pub fn json_bytes(&self) -> Option<std::borrow::Cow<'_, [u8]>> {
        match self {
            Output::Instance(i) => Some(i.json_bytes()),
            Output::Record(r) => Some(std::borrow::Cow::Borrowed(r.json_bytes())),
            Output::Text(_)
            | Output::List(_)
            | Output::Json(_)
            | Output::Response(_)
            | Output::Nothing => None,
        }
    }

    /// Visits a model's typed fields by table name (nothing for anything else).
    pub fn for_each_field<'a>(&'a self, f: impl FnMut(&'static str, FieldValue<'a>)) {
        match self {
            Output::Instance(i) => i.for_each_field(f),
            Output::Record(r) => r.for_each_field(f),
            Output::Text(_)
            | Output::List(_)
            | Output::Json(_)
            | Output::Response(_)
            | Output::Nothing => {}
        }
    }

    /// A model's typed fields, named as `lang` spells them (`Value::Null` for anything
    /// else).
    pub fn fields(&self, lang: Lang) -> Value {
        match self {
            Output::Instance(i) => i.fields_json(lang),
            Output::Record(_) => {
                let mut map = serde_json::Map::new();
                self.for_each_field(|name, v| {
                    map.insert(lang.spell(name), v.to_json());
                });
                Value::Object(map)
            }
            Output::Text(_)
            | Output::List(_)
            | Output::Json(_)
            | Output::Response(_)
            | Output::Nothing => Value::Null,
        }
    }

    /// The text of a text result.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Output::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The result for a binding that takes JSON text (Node), as one flat list:
    /// - `[]`: nothing;
    /// - `[model name, the JSON as received, the typed values]`: a model
    ///   ([`Output::to_binding_texts`]);
    /// - `["", text]`: a text;
    /// - `["[]", model name, json 1, values 1, json 2, values 2, ...]`: a list;
    /// - `["{}", json]`: decoded JSON of any shape;
    /// - `["<>", the response without its body ([`Response::meta`]), the body as
    ///   text]`: a whole response.
    pub fn to_binding_list(&self) -> Vec<String> {
        match self {
            Output::Nothing => Vec::new(),
            Output::Text(t) => vec![String::new(), t.clone()],
            Output::Json(v) => vec!["{}".to_owned(), v.to_string()],
            Output::Response(r) => vec!["<>".to_owned(), r.meta().to_string(), r.text()],
            Output::List(items) => {
                let mut out = vec!["[]".to_owned()];
                push_models(&mut out, items);
                out
            }
            Output::Instance(_) | Output::Record(_) => {
                self.to_binding_texts().map(Vec::from).unwrap_or_default()
            }
        }
    }

    /// The result for a binding that takes JSON text (Node): `None` for nothing, else
    /// the model's name, the JSON as received (the body itself, not re-serialized) and
    /// the typed fields' values as a JSON array, in the order of the model's table
    /// ([`Model::fields`] that are not [`Field::from_raw`]), written straight from the
    /// model (no intermediate JSON values). Positions, not names: the binding's generated
    /// model class holds the names (in its language's spelling), so no name is written,
    /// sent or parsed per model.
    pub fn to_binding_texts(&self) -> Option<[String; 3]> {
        let model = self.model()?;
        let raw = utf8_text(&self.json_bytes()?);
        let mut out: Vec<u8> = Vec::with_capacity(256);
        out.push(b'[');
        let mut first = true;
        self.for_each_field(|_name, value| {
            if !first {
                out.push(b',');
            }
            first = false;
            // Writing JSON into a Vec cannot fail.
            let _ = match value {
                FieldValue::Texts(tags) => {
                    let names: Vec<&str> = tags.iter().map(Tag::name).collect();
                    serde_json::to_writer(&mut out, &names)
                }
                FieldValue::Text(s) => serde_json::to_writer(&mut out, s),
                FieldValue::Int(i) => serde_json::to_writer(&mut out, &i),
                FieldValue::Bool(b) => serde_json::to_writer(&mut out, &b),
                FieldValue::Strs(items) => serde_json::to_writer(&mut out, items),
                FieldValue::Null => serde_json::to_writer(&mut out, &()),
            };
        });
        out.push(b']');
        // serde_json writes UTF-8: no check or copy needed, but never a panic either.
        let values = String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Some([model.name.to_owned(), raw, values])
    }

    /// The Instance, if that is what it is.
    pub fn into_instance(self) -> Option<Instance> {
        match self {
            Output::Instance(i) => Some(*i),
            _ => None,
        }
    }

    /// The record, if that is what it is.
    pub fn into_record(self) -> Option<Record> {
        match self {
            Output::Record(r) => Some(*r),
            _ => None,
        }
    }
}

/// Bytes as text, invalid UTF-8 replaced: `String::from_utf8_lossy`, but valid input
/// (nearly every answer) takes the standard library's fast check rather than the
/// character-by-character walk of the lossy decoder.
pub(crate) fn utf8_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// How deep JSON may nest in an answer: the depth `serde_json` parses into a
/// [`Value`]. A deeper answer fails with a typed decode error rather than decoding
/// with its unknown fields silently dropped.
pub const MAX_JSON_DEPTH: usize = 127;

/// Whether `body` nests arrays and objects more than `limit` levels deep (brackets
/// inside strings do not count). One pass over the bytes, no allocation; the body is
/// assumed to be JSON that already parsed.
pub(crate) fn nests_deeper_than(body: &[u8], limit: usize) -> bool {
    // Nesting deeper than `limit` needs more than `limit` opening brackets: counting them
    // anywhere (strings included, SIMD search, stopping at `limit + 1`) settles most
    // bodies at a fraction of the scan below (an Instance has about ten); a body with
    // more goes on to the scan having spent little.
    if memchr::memchr2_iter(b'[', b'{', body)
        .take(limit + 1)
        .count()
        <= limit
    {
        return false;
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in body {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Appends models as a binding takes them: the model name, then the received JSON and
/// the typed values of each (`name, json 1, values 1, json 2, values 2, ...`); records
/// of a hub listing as `{}, json 1, json 2, ...`.
pub(crate) fn push_models(out: &mut Vec<String>, items: &[Output]) {
    if let Some(Output::Json(_)) = items.first() {
        // Records of a hub listing: `{}`, then the JSON text of each.
        out.reserve(1 + items.len());
        out.push("{}".to_owned());
        // Written from the values themselves (`raw()` would clone each record first).
        out.extend(items.iter().filter_map(|i| match i {
            Output::Json(v) => Some(v.to_string()),
            _ => None,
        }));
        return;
    }
    out.reserve(1 + 2 * items.len());
    let name = items.first().and_then(Output::model).map_or("", |m| m.name);
    out.push(name.to_owned());
    for item in items {
        if let Some([_, raw, values]) = item.to_binding_texts() {
            out.push(raw);
            out.push(values);
        }
    }
}

/// A model's name with its article, for messages: `an Element`, `a ConfigField`.
pub(crate) fn a_model(name: &str) -> String {
    let article = if name.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

pub(crate) fn json_kind(v: &Value) -> &'static str {
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
    use serde_json::json;

    #[test]
    fn utf8_text_keeps_valid_text_and_replaces_invalid_bytes() {
        assert_eq!(utf8_text(b""), "");
        assert_eq!(
            utf8_text("{\"n\":\"\u{e9}t\u{e9}\"}".as_bytes()),
            "{\"n\":\"\u{e9}t\u{e9}\"}"
        );
        assert_eq!(utf8_text(b"{\"n\":\"a\xffb\"}"), "{\"n\":\"a\u{fffd}b\"}");
        // A cut multi-byte character at the end.
        assert_eq!(utf8_text(b"ab\xc3"), "ab\u{fffd}");
    }

    #[test]
    fn models_by_name() {
        assert_eq!(Model::named("Instance").map(|m| m.name), Some("Instance"));
        assert_eq!(
            Model::named("ConfigField").map(|m| m.name),
            Some("ConfigField")
        );
        assert!(Model::named("instance").is_none() && Model::named("").is_none());
    }

    #[test]
    fn outputs_as_the_bindings_take_them() {
        assert_eq!(Output::Text("u".into()).as_text(), Some("u"));
        assert_eq!(Output::Nothing.as_text(), None);
        assert!(Output::Nothing.to_binding_list().is_empty());
        assert_eq!(
            Output::Text("https://x".into()).to_binding_list(),
            ["", "https://x"]
        );
        assert_eq!(
            Output::Json(json!({"a": [1, null]})).to_binding_list(),
            ["{}", r#"{"a":[1,null]}"#]
        );
        let list = Output::List(vec![Output::Json(json!(1)), Output::Json(json!("b"))]);
        assert_eq!(list.to_binding_list(), ["[]", "{}", "1", "\"b\""]);
        let rec =
            Record::from_json(&ELEMENT_MODEL, json!({"id": 3, "key": "k", "name": "N"})).unwrap();
        let texts = Output::Record(Box::new(rec)).to_binding_list();
        assert_eq!(texts[0], "Element");
        assert_eq!(texts.len(), 3);
        // The values in the table's order (the generated Node class holds the names).
        let values: Vec<Value> = serde_json::from_str(&texts[2]).unwrap();
        let names: Vec<&str> = ELEMENT_MODEL.typed_fields().map(|f| f.name).collect();
        assert_eq!(values.len(), names.len(), "{texts:?}");
        let at = |n: &str| &values[names.iter().position(|x| *x == n).unwrap()];
        assert_eq!(at("key"), "k");
        assert_eq!(at("id"), 3);
        assert_eq!(at("name"), "N");
    }

    #[test]
    fn instance_fields_follow_the_table() {
        let raw = json!({"id": "7", "name": "n", "token": "t", "createdDate": "1970-01-01T00:00:01Z",
                         "element": {"key": "sfdc", "id": 1}, "tags": ["a", {"name": "b"}], "valid": "true",
                         "brandNew": 1});
        let out = INSTANCE_MODEL.decode("data", raw.clone()).unwrap();
        let f = out.fields(Lang::Python);
        let names: Vec<&str> = INSTANCE_MODEL.typed_fields().map(|f| f.name).collect();
        let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(names, keys);
        assert_eq!(f["id"], 7);
        assert_eq!(f["created_date"], 1000);
        assert_eq!(f["element_key"], "sfdc");
        assert_eq!(f["tags"], json!(["a", "b"]));
        assert_eq!(f["valid"], true);
        assert_eq!(out.fields(Lang::Node)["elementKey"], "sfdc");
        assert_eq!(out.raw(), raw);
        let [name, raw_text, values_text] = out.to_binding_texts().unwrap();
        assert_eq!(name, "Instance");
        assert_eq!(serde_json::from_str::<Value>(&raw_text).unwrap(), raw);
        // The values, in the table's order: the same as the named fields.
        let values: Vec<Value> = serde_json::from_str(&values_text).unwrap();
        let named: Vec<Value> = out
            .fields(Lang::Node)
            .as_object()
            .unwrap()
            .values()
            .cloned()
            .collect();
        assert_eq!(values, named);
        assert_eq!(values.len(), names.len());
        assert_eq!(
            values[names.iter().position(|n| *n == "created_date").unwrap()],
            1000
        );
        assert_eq!(
            values[names.iter().position(|n| *n == "tags").unwrap()],
            json!(["a", "b"])
        );
        assert!(Output::Nothing.to_binding_texts().is_none());
        assert!(Output::Nothing.json_bytes().is_none());
        let again: Value = serde_json::from_slice(&out.json_bytes().unwrap()).unwrap();
        assert_eq!(again, raw);
        let e = INSTANCE_MODEL.decode("data", json!({"id": 1})).unwrap_err();
        assert_eq!(e.field(), Some("data"));
        for f in INSTANCE_MODEL.fields {
            if let Some(w) = f.wire {
                assert!(INSTANCE_FIELDS.contains(&w), "{w}");
            }
        }
    }
}
