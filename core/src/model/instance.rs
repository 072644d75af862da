//! The Instance object and its parts.
//!
//! Decoding is lenient where the platform is known to vary (tags as strings or
//! objects, dates as ISO strings or epoch numbers, booleans and numbers sent as
//! strings) and keeps the whole JSON as received, so no field is ever lost.

use std::fmt;
use std::sync::OnceLock;

use bytes::Bytes;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::lang::Lang;
use crate::model::{Timestamp, json_kind};
use crate::redact::{REDACTED, is_sensitive_key};
use crate::secret::Secret;

/// An authenticated connector instance, as `POST /instances` returns it.
///
/// Typed fields cover the platform's documented Instance object; [`Instance::raw`]
/// is the whole JSON object as received, unknown fields included.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Instance {
    /// The numeric instance id.
    #[serde(deserialize_with = "de::int")]
    pub id: i64,
    /// The display name.
    pub name: String,
    /// The instance token: the credential of every later instance-scoped call.
    pub token: Secret,
    /// When the instance was created.
    #[serde(default)]
    pub created_date: Option<Timestamp>,
    /// The element (connector) the instance belongs to.
    #[serde(default)]
    pub element: Option<ElementSummary>,
    /// The element's numeric id.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub element_id: Option<i64>,
    /// Tags, as strings or `{id, name}` objects.
    #[serde(default, deserialize_with = "de::null_default")]
    pub tags: Vec<Tag>,
    /// Provisioning interactions (usually empty).
    #[serde(default, deserialize_with = "de::null_default")]
    pub provision_interactions: Vec<Value>,
    /// Whether the instance is valid.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub valid: Option<bool>,
    /// Whether the instance is disabled.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub disabled: Option<bool>,
    /// Cache size.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub max_cache_size: Option<i64>,
    /// Cache time to live.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub cache_time_to_live: Option<i64>,
    /// The configuration as the platform echoes it: values are usually strings, and
    /// secrets come back masked as `"********"`.
    #[serde(default, deserialize_with = "de::null_default")]
    pub configuration: Map<String, Value>,
    /// Whether events are configured.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub events_enabled: Option<bool>,
    /// Whether trace logging is on.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub trace_logging_enabled: Option<bool>,
    /// Whether caching is on.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub caching_enabled: Option<bool>,
    /// `"none"`, or `"initial"` for instances created with tokens brought by the caller.
    #[serde(default)]
    pub external_authentication: Option<String>,
    /// The user who owns the instance.
    #[serde(default)]
    pub user: Option<InstanceUser>,
    /// Provider data echoed by the platform, when present.
    #[serde(default)]
    pub provider_data: Option<Map<String, Value>>,
    /// The body the instance was decoded from, when it was.
    #[serde(skip)]
    body: Option<Bytes>,
    /// The whole JSON object, parsed from `body` on first use.
    #[serde(skip)]
    raw: OnceLock<Value>,
}

/// The keys [`Instance`] has typed fields for.
pub const INSTANCE_FIELDS: [&str; 19] = [
    "id",
    "name",
    "token",
    "createdDate",
    "element",
    "elementId",
    "tags",
    "provisionInteractions",
    "valid",
    "disabled",
    "maxCacheSize",
    "cacheTimeToLive",
    "configuration",
    "eventsEnabled",
    "traceLoggingEnabled",
    "cachingEnabled",
    "externalAuthentication",
    "user",
    "providerData",
];

impl Instance {
    /// Decodes an Instance from a JSON object, keeping the object as [`Instance::raw`].
    pub fn from_json(raw: Value) -> Result<Instance, serde_json::Error> {
        if !raw.is_object() {
            return Err(serde::de::Error::custom(format!(
                "expected an Instance object, got {}",
                json_kind(&raw)
            )));
        }
        let instance = Instance::deserialize(&raw)?;
        let _ = instance.raw.set(raw);
        Ok(instance)
    }

    /// Decodes an Instance straight from a JSON body, in one pass. The body is kept:
    /// [`Instance::raw`] parses it on first use, so an answer whose unknown fields
    /// nobody reads costs no second parse.
    pub fn from_body(body: Bytes) -> Result<Instance, serde_json::Error> {
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        if first.is_some_and(|b| *b != b'{') {
            // A struct would also accept a JSON array, field by field; refuse it.
            let v: Value = serde_json::from_slice(&body)?;
            return Err(serde::de::Error::custom(format!(
                "expected an Instance object, got {}",
                json_kind(&v)
            )));
        }
        // One UTF-8 check of the whole body, then strings are read without checking
        // each again (and borrowed where they have no escapes). Invalid UTF-8 takes
        // the byte reader, whose error says where.
        let mut instance: Instance = match std::str::from_utf8(&body) {
            Ok(text) => serde_json::from_str(text)?,
            Err(_) => serde_json::from_slice(&body)?,
        };
        // Unknown fields were skipped without a depth limit; `raw()` parses them into
        // a `Value`, which has one. Fail now rather than lose them then.
        if crate::model::nests_deeper_than(&body, crate::model::MAX_JSON_DEPTH) {
            return Err(serde::de::Error::custom(format!(
                "the JSON nests deeper than {} levels",
                crate::model::MAX_JSON_DEPTH
            )));
        }
        instance.body = Some(body);
        Ok(instance)
    }

    /// The whole JSON object as received, unknown fields included.
    pub fn raw(&self) -> &Value {
        self.raw.get_or_init(|| self.parse_body())
    }

    fn parse_body(&self) -> Value {
        // The body already decoded as an Instance, so it is valid JSON.
        self.body
            .as_deref()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Value::Null)
    }

    /// Consumes the instance, returning the JSON object as received.
    pub fn into_raw(mut self) -> Value {
        match self.raw.take() {
            Some(v) => v,
            None => self.parse_body(),
        }
    }

    /// The JSON object as received, as UTF-8 bytes: the body itself when the instance
    /// was decoded from one.
    pub fn json_bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        match &self.body {
            Some(b) => std::borrow::Cow::Borrowed(&b[..]),
            None => std::borrow::Cow::Owned(self.to_json_string().into_bytes()),
        }
    }

    /// The JSON object as received, as text: the body itself when the instance was
    /// decoded from one (the cheapest way to hand it to another language's JSON parser).
    pub fn to_json_string(&self) -> String {
        match (&self.body, self.raw.get()) {
            (Some(b), _) => crate::model::utf8_text(b),
            (None, Some(v)) => v.to_string(),
            (None, None) => "null".to_owned(),
        }
    }

    /// The fields the SDK has no typed field for: nothing the server sent is lost.
    pub fn extra(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.raw()
            .as_object()
            .into_iter()
            .flat_map(|m| m.iter())
            .filter(|(k, _)| !INSTANCE_FIELDS.contains(&k.as_str()))
    }

    /// The element key, when the answer carries one.
    pub fn element_key(&self) -> Option<&str> {
        self.element.as_ref().and_then(|e| e.key.as_deref())
    }

    /// Visits the typed fields of [`INSTANCE_MODEL`] that need decoding (ids as
    /// integers, tags as names, dates as epoch milliseconds, booleans sent as text), by
    /// table name, without allocating: the bindings build their language's values
    /// straight from these. Object and list fields are exactly the JSON as received, so
    /// the bindings read those from it ([`Field::from_raw`](crate::model::Field::from_raw)).
    pub fn for_each_field<'a>(&'a self, mut f: impl FnMut(&'static str, FieldValue<'a>)) {
        use FieldValue::{Bool, Int, Null, Text, Texts};
        let int = |v: Option<i64>| v.map_or(Null, Int);
        let boolean = |v: Option<bool>| v.map_or(Null, Bool);
        f("id", Int(self.id));
        f("name", Text(&self.name));
        f("token", Text(self.token.expose()));
        f(
            "created_date",
            int(self.created_date.as_ref().and_then(Timestamp::epoch_millis)),
        );
        f("element_key", self.element_key().map_or(Null, Text));
        f("element_id", int(self.element_id));
        f("tags", Texts(&self.tags));
        f("valid", boolean(self.valid));
        f("disabled", boolean(self.disabled));
        f("max_cache_size", int(self.max_cache_size));
        f("cache_time_to_live", int(self.cache_time_to_live));
        f("events_enabled", boolean(self.events_enabled));
        f("trace_logging_enabled", boolean(self.trace_logging_enabled));
        f("caching_enabled", boolean(self.caching_enabled));
        f(
            "external_authentication",
            self.external_authentication.as_deref().map_or(Null, Text),
        );
    }

    /// [`Instance::for_each_field`] as a JSON object, named as `lang` spells them.
    pub fn fields_json(&self, lang: Lang) -> Value {
        let mut map = serde_json::Map::new();
        self.for_each_field(|name, v| {
            map.insert(lang.spell(name), v.to_json());
        });
        Value::Object(map)
    }
}

struct RedactedMap<'a>(&'a Map<String, Value>);

impl fmt::Debug for RedactedMap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in self.0 {
            if is_sensitive_key(k) {
                m.entry(k, &REDACTED);
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

impl fmt::Debug for Instance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Instance")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("token", &self.token)
            .field("created_date", &self.created_date)
            .field("element_key", &self.element_key())
            .field("element_id", &self.element_id)
            .field("tags", &self.tags)
            .field("valid", &self.valid)
            .field("disabled", &self.disabled)
            .field("configuration", &RedactedMap(&self.configuration))
            .field("events_enabled", &self.events_enabled)
            .field("external_authentication", &self.external_authentication)
            .field(
                "provider_data",
                &self.provider_data.as_ref().map(RedactedMap),
            )
            .finish_non_exhaustive()
    }
}

/// The value of a typed model field, borrowed from the model.
#[derive(Debug, Clone, Copy)]
pub enum FieldValue<'a> {
    /// Absent.
    Null,
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// Text.
    Text(&'a str),
    /// A list of tags, as their names.
    Texts(&'a [Tag]),
    /// A list of text.
    Strs(&'a [String]),
}

impl FieldValue<'_> {
    /// The value as JSON.
    pub fn to_json(self) -> Value {
        match self {
            FieldValue::Null => Value::Null,
            FieldValue::Int(i) => Value::from(i),
            FieldValue::Bool(b) => Value::from(b),
            FieldValue::Text(s) => Value::from(s),
            FieldValue::Texts(tags) => {
                Value::Array(tags.iter().map(|t| Value::from(t.name())).collect())
            }
            FieldValue::Strs(items) => {
                Value::Array(items.iter().map(|s| Value::from(s.as_str())).collect())
            }
        }
    }
}

/// The element summary inside an Instance. The full object is in [`Instance::raw`].
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ElementSummary {
    /// Numeric element id.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub id: Option<i64>,
    /// Element key, e.g. `"sfdc"`.
    #[serde(default)]
    pub key: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
}

/// The owner of an instance.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InstanceUser {
    /// Numeric user id.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub id: Option<i64>,
    /// E-mail address.
    #[serde(default)]
    pub email_address: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
}

/// A tag: the platform sends plain strings, but early docs show `{id, name}` objects.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Tag {
    /// A plain tag.
    Name(String),
    /// A tag object.
    Object {
        /// The tag's id, when sent.
        #[serde(default)]
        id: Option<i64>,
        /// The tag's name.
        name: String,
    },
}

impl Tag {
    /// The tag's name.
    pub fn name(&self) -> &str {
        match self {
            Tag::Name(n) | Tag::Object { name: n, .. } => n,
        }
    }
}

/// Lenient field decoders.
mod de {
    use serde::{Deserialize, Deserializer, de::Error};
    use serde_json::Value;

    use crate::model::scalar::Scalar;

    pub fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de> + Default,
    {
        Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
    }

    fn to_int<E: Error>(v: Scalar<'_>) -> Result<Option<i64>, E> {
        match v {
            Scalar::Null => Ok(None),
            Scalar::I64(i) => Ok(Some(i)),
            Scalar::U64(u) => i64::try_from(u)
                .map(Some)
                .map_err(|_| E::custom(format!("expected an integer, got {u}"))),
            Scalar::F64(f) => Err(E::custom(format!(
                "expected an integer, got {}",
                serde_json::Number::from_f64(f).map_or_else(|| f.to_string(), |n| n.to_string())
            ))),
            Scalar::Str(s) if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) => s
                .parse()
                .map(Some)
                .map_err(|_| E::custom("integer out of range")),
            Scalar::Other(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| E::custom(format!("expected an integer, got {n}"))),
            other => Err(E::custom(format!(
                "expected an integer, got {}",
                other.kind()
            ))),
        }
    }

    pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        to_int(Scalar::deserialize(d)?)?
            .ok_or_else(|| D::Error::custom("expected an integer, got null"))
    }

    pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        to_int(Scalar::deserialize(d)?)
    }

    pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        match Scalar::deserialize(d)? {
            Scalar::Null => Ok(None),
            Scalar::Bool(b) => Ok(Some(b)),
            Scalar::Str(s) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Scalar::Str(s) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            other => Err(D::Error::custom(format!(
                "expected a boolean, got {}",
                other.kind()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn seed() -> Value {
        json!({
          "id":477858, "name":"New Element", "createdDate":"2018-04-11T18:25:46Z",
          "token":"s1GKjbAO37W1UNsBd4GI80RmUPXk/nzTPFmLKwL1Tws=", "element":{ }, "elementId":5993,
          "tags":[ ], "provisionInteractions":[ ], "valid":true, "disabled":false, "maxCacheSize":0,
          "cacheTimeToLive":0, "configuration":{ }, "eventsEnabled":false, "traceLoggingEnabled":false,
          "cachingEnabled":false, "externalAuthentication":"none", "user":{ }
        })
    }

    #[test]
    fn decodes_the_seed_example() {
        let i = Instance::from_json(seed()).unwrap();
        assert_eq!(i.id, 477858);
        assert_eq!(
            i.token.expose(),
            "s1GKjbAO37W1UNsBd4GI80RmUPXk/nzTPFmLKwL1Tws="
        );
        assert_eq!(i.element_id, Some(5993));
        assert_eq!(
            i.created_date.as_ref().unwrap().epoch_millis(),
            Some(1_523_471_146_000)
        );
        assert_eq!(i.external_authentication.as_deref(), Some("none"));
        assert_eq!(i.extra().count(), 0);
        let dbg = format!("{i:?}");
        assert!(!dbg.contains("s1GKjbAO"), "{dbg}");
    }

    #[test]
    fn lenient_and_keeps_unknown_fields() {
        let mut v = seed();
        v["tags"] = json!(["a", {"id": 3, "name": "b"}]);
        v["createdDate"] = json!(1_523_471_146_000i64);
        v["valid"] = json!("true");
        v["id"] = json!("477858");
        v["brandNewField"] = json!({"x": 1});
        v["configuration"] = json!({"username": "u", "password": "********"});
        let i = Instance::from_json(v).unwrap();
        assert_eq!(i.tags.iter().map(Tag::name).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(
            i.created_date.clone().unwrap().to_iso8601(),
            "2018-04-11T18:25:46Z"
        );
        assert_eq!(i.valid, Some(true));
        assert_eq!(i.id, 477858);
        let extra: Vec<_> = i.extra().map(|(k, _)| k.as_str()).collect();
        assert_eq!(extra, ["brandNewField"]);
        assert_eq!(i.raw()["brandNewField"], json!({"x": 1}));
    }

    /// Decodes the seed with `key` set to the JSON text `value`, from bytes (the path of
    /// every answer) and from a `Value` (`from_json`), which must agree.
    fn with_field(key: &str, value: &str) -> Result<Instance, String> {
        let mut without = seed();
        without.as_object_mut().unwrap().remove(key);
        let mut text = serde_json::to_string(&without).unwrap();
        text.insert_str(1, &format!("{key:?}:{value},"));
        let from_body = Instance::from_body(Bytes::from(text.clone())).map_err(|e| e.to_string());
        let mut v = seed();
        v[key] = serde_json::from_str(value).unwrap();
        let from_json = Instance::from_json(v).map_err(|e| e.to_string());
        match (&from_body, &from_json) {
            (Ok(a), Ok(b)) => assert_eq!(
                (a.id, a.element_id, a.valid, a.created_date.clone()),
                (b.id, b.element_id, b.valid, b.created_date.clone()),
                "{key}: {value}"
            ),
            (Err(a), Err(b)) => assert_eq!(a.split(" at line").next(), Some(&b[..]), "{value}"),
            _ => panic!("{key}: {value}: {from_body:?} against {from_json:?}"),
        }
        from_body
    }

    /// Each `(text, kind)` fails to decode with an error that starts `expected {what},
    /// got {kind}`.
    fn refuses<T: std::fmt::Debug>(
        decode: impl Fn(&str) -> Result<T, String>,
        what: &str,
        cases: &[(&str, &str)],
    ) {
        for (text, kind) in cases {
            let e = decode(text).unwrap_err();
            assert!(
                e.starts_with(&format!("expected {what}, got {kind}")),
                "{text}: {e}"
            );
        }
    }

    #[test]
    fn lenient_scalars_at_their_boundaries() {
        let id = |v: &str| with_field("id", v).map(|i| i.id);
        assert_eq!(id("9223372036854775807"), Ok(i64::MAX));
        assert_eq!(id("-9223372036854775808"), Ok(i64::MIN));
        let e = id("9223372036854775808").unwrap_err();
        assert!(
            e.starts_with("expected an integer, got 9223372036854775808"),
            "{e}"
        );
        assert_eq!(id(r#""9223372036854775807""#), Ok(i64::MAX));
        assert!(
            id(r#""9223372036854775808""#)
                .unwrap_err()
                .starts_with("integer out of range")
        );
        assert_eq!(id(r#""0""#), Ok(0));
        assert_eq!(id(r#""\u0037""#), Ok(7), "an escaped string is read too");
        refuses(
            id,
            "an integer",
            &[
                ("1.5", "1.5"),
                ("1e400", "1e+400"),
                (r#""""#, "a string"),
                (r#""-1""#, "a string"),
                (r#"" 1""#, "a string"),
                ("true", "a boolean"),
                ("[1]", "an array"),
                (r#"{"a":1}"#, "an object"),
                ("null", "null"),
            ],
        );
        let element_id = |v: &str| with_field("elementId", v).map(|i| i.element_id);
        assert_eq!(element_id("null"), Ok(None));
        assert_eq!(element_id("-1"), Ok(Some(-1)));
        assert!(element_id("[]").is_err());

        let valid = |v: &str| with_field("valid", v).map(|i| i.valid);
        assert_eq!(valid("true"), Ok(Some(true)));
        assert_eq!(valid(r#""FALSE""#), Ok(Some(false)));
        assert_eq!(valid(r#""tru\u0065""#), Ok(Some(true)));
        assert_eq!(valid("null"), Ok(None));
        refuses(
            valid,
            "a boolean",
            &[
                ("1", "a number"),
                (r#""yes""#, "a string"),
                ("{}", "an object"),
            ],
        );

        let date = |v: &str| with_field("createdDate", v).map(|i| i.created_date);
        assert_eq!(date("-1"), Ok(Some(Timestamp::EpochMillis(-1))));
        assert_eq!(
            date("9223372036854775807"),
            Ok(Some(Timestamp::EpochMillis(i64::MAX)))
        );
        assert_eq!(
            date("1.5e12"),
            Ok(Some(Timestamp::EpochMillis(1_500_000_000_000)))
        );
        assert!(
            date("9223372036854775808")
                .unwrap_err()
                .starts_with("timestamp out of range")
        );
        assert!(
            date("9.2e18")
                .unwrap_err()
                .starts_with("timestamp out of range")
        );
        assert_eq!(
            date("9.1e18"),
            Ok(Some(Timestamp::EpochMillis(9_100_000_000_000_000_000)))
        );
        assert_eq!(date("null"), Ok(None));
        assert_eq!(
            date(r#""x\ty""#),
            Ok(Some(Timestamp::Text("x\ty".to_owned())))
        );
        let e = date("true").unwrap_err();
        assert!(
            e.starts_with("expected a date as text or epoch milliseconds, got a boolean"),
            "{e}"
        );
    }

    #[test]
    fn invalid_utf8_takes_the_byte_reader() {
        // In a known field: an error, as before.
        let mut text = serde_json::to_vec(&seed()).unwrap();
        let at = text.windows(3).position(|w| w == b"New").unwrap();
        text[at] = 0xff;
        assert!(Instance::from_body(Bytes::from(text)).is_err());
        // In an unknown field the byte reader skips it unread; the typed fields decode.
        let mut text = serde_json::to_vec(&seed()).unwrap();
        text.splice(1..1, b"\"x\":\"\xff\",".iter().copied());
        let i = Instance::from_body(Bytes::from(text)).unwrap();
        assert_eq!(i.id, 477858);
    }

    #[test]
    fn missing_or_wrong_fields_fail() {
        for key in ["id", "token", "name"] {
            let mut v = seed();
            v.as_object_mut().unwrap().remove(key);
            let e = Instance::from_json(v).unwrap_err();
            assert!(e.to_string().contains(key), "{e}");
        }
        let mut v = seed();
        v["token"] = json!(12);
        let e = Instance::from_json(v).unwrap_err().to_string();
        assert!(!e.contains("12"), "{e}");
        assert!(Instance::from_json(json!([1])).is_err());
    }

    #[test]
    fn from_body_matches_from_json() {
        let mut v = seed();
        v["brandNewField"] = json!([1, {"a": "b"}]);
        let body = Bytes::from(serde_json::to_vec(&v).unwrap());
        let i = Instance::from_body(body.clone()).unwrap();
        assert_eq!(i.id, 477858);
        assert_eq!(i.raw(), &v);
        assert_eq!(i.to_json_string().as_bytes(), &body[..]);
        assert_eq!(i.extra().count(), 1);
        assert_eq!(i.clone().into_raw(), v);
        let e = Instance::from_body(Bytes::from_static(b" [1, \"n\", \"t\"]")).unwrap_err();
        assert!(e.to_string().contains("an array"), "{e}");
    }

    /// The seed with an unknown field nested `depth` levels deep in all (the
    /// Instance object itself is the first level).
    fn nested(depth: usize) -> Bytes {
        let mut v = seed();
        let mut deep = json!("x]}[{\"");
        for _ in 0..depth - 1 {
            deep = json!([deep]);
        }
        v["deep"] = deep;
        Bytes::from(serde_json::to_vec(&v).unwrap())
    }

    #[test]
    fn unknown_fields_at_the_depth_limit_are_kept_and_deeper_fails() {
        use crate::model::MAX_JSON_DEPTH;
        let body = nested(MAX_JSON_DEPTH);
        let i = Instance::from_body(body.clone()).unwrap();
        assert_eq!(i.raw(), &serde_json::from_slice::<Value>(&body).unwrap());
        assert!(i.raw()["deep"].is_array());
        let e = Instance::from_body(nested(MAX_JSON_DEPTH + 1)).unwrap_err();
        assert!(e.to_string().contains("deeper than 127 levels"), "{e}");
        // A Value parse agrees on where the limit is.
        assert!(serde_json::from_slice::<Value>(&nested(MAX_JSON_DEPTH + 1)).is_err());
    }

    #[test]
    fn depth_counts_brackets_outside_strings_only() {
        use crate::model::nests_deeper_than;
        assert!(!nests_deeper_than(br#"{"a":"[[[[\"[[["}"#, 1));
        assert!(nests_deeper_than(br#"{"a":[]}"#, 1));
        assert!(!nests_deeper_than(br#"{"a":[]}"#, 2));
        assert!(!nests_deeper_than(br#"{"a":[],"b":{}}"#, 2));
        assert!(!nests_deeper_than(br#"{"a":"\\"}"#, 1));
        assert!(nests_deeper_than(br#"{"a":"\\",[]}"#, 1));
    }

    #[test]
    fn depth_at_the_count_of_opening_brackets() {
        use crate::model::nests_deeper_than;
        // As many openers as the limit: never deeper (the count alone decides).
        assert!(!nests_deeper_than(b"[[[]]]", 3));
        // One more, all nested: deeper.
        assert!(nests_deeper_than(b"[[[[]]]]", 3));
        // More openers than the limit but side by side: the scan decides, not deeper.
        assert!(!nests_deeper_than(b"[[],[],[],{}]", 3));
        assert!(!nests_deeper_than(br#"["[[[[[", {"b": "{{{{"}]"#, 3));
    }

    #[test]
    fn numbers_beyond_f64_and_i64_are_kept_exactly() {
        let mut text = serde_json::to_string(&seed()).unwrap();
        text.pop();
        text.push_str(
            r#","huge":1e999,"big":18446744073709551617,"exact":0.10000000000000000001}"#,
        );
        let i = Instance::from_body(Bytes::from(text.clone())).unwrap();
        // serde_json writes the exponent with its sign; the value is the same and the
        // body itself is kept byte for byte.
        assert_eq!(i.raw()["huge"].to_string(), "1e+999");
        assert_eq!(i.to_json_string(), text);
        assert_eq!(i.raw()["big"].to_string(), "18446744073709551617");
        assert_eq!(i.raw()["exact"].to_string(), "0.10000000000000000001");
        assert_eq!(i.clone().into_raw(), *i.raw());
        // An id beyond i64 is a typed error, not a wrapped or rounded number.
        let v = text.replace("\"id\":477858", "\"id\":9223372036854775808");
        assert!(Instance::from_body(Bytes::from(v)).is_err());
        let v = text.replace("\"id\":477858", "\"id\":9223372036854775807");
        assert_eq!(Instance::from_body(Bytes::from(v)).unwrap().id, i64::MAX);
    }
}
