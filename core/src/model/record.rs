//! Models decoded from their table alone (`Element`, `ConfigField`, `OAuth1Token`):
//! each typed field is read from the JSON object by its wire key (a dotted key reads a
//! nested object, e.g. `authentication.type`), leniently where the platform varies,
//! and the whole object is kept exactly as received.
//!
//! A model with a hand-written decoder ([`Instance`](crate::model::Instance)) is not
//! a record; every other model of [`MODELS`](crate::model::MODELS) is.

use std::fmt;

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::model::{FieldType, FieldValue, MAX_JSON_DEPTH, Model, Timestamp, a_model, json_kind};
use crate::redact::redact_json;

/// One decoded field value, owned.
#[derive(Clone, PartialEq, Eq)]
enum Owned {
    Null,
    Int(i64),
    Bool(bool),
    Text(String),
    Texts(Vec<String>),
}

/// A model object decoded by its table: the typed fields of [`Model::fields`] and the
/// JSON object as received.
#[derive(Clone)]
pub struct Record {
    model: &'static Model,
    /// The JSON object as received.
    body: Bytes,
    /// Parallel to the model's fields that are not read from the raw JSON.
    values: Vec<(&'static str, Owned)>,
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Secret fields and secret-looking keys are never shown.
        let mut s = f.debug_struct(self.model.name);
        for (name, value) in &self.values {
            let secret = self
                .model
                .fields
                .iter()
                .any(|fd| fd.name == *name && fd.ty == FieldType::Secret);
            if secret {
                s.field(name, &crate::redact::REDACTED);
            } else {
                s.field(name, &self.field_json(value));
            }
        }
        s.finish_non_exhaustive()
    }
}

fn lookup<'a>(object: &'a Map<String, Value>, wire: &str) -> Option<&'a Value> {
    let mut parts = wire.split('.');
    let mut current = object.get(parts.next()?)?;
    for part in parts {
        current = current.as_object()?.get(part)?;
    }
    Some(current)
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn decode_field(ty: FieldType, v: &Value) -> Result<Owned, String> {
    let wrong = |what: &str| Err(format!("expected {what}, got {}", json_kind(v)));
    match ty {
        FieldType::Int => match int_of(v) {
            Some(i) => Ok(Owned::Int(i)),
            None => wrong("an integer"),
        },
        FieldType::Text | FieldType::Secret => match v {
            Value::String(s) => Ok(Owned::Text(s.clone())),
            Value::Number(n) => Ok(Owned::Text(n.to_string())),
            Value::Bool(b) => Ok(Owned::Text(b.to_string())),
            _ => wrong("text"),
        },
        FieldType::Bool => match v {
            Value::Bool(b) => Ok(Owned::Bool(*b)),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Owned::Bool(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Owned::Bool(false)),
            _ => wrong("a boolean"),
        },
        FieldType::Date => match serde_json::from_value::<Timestamp>(v.clone()) {
            Ok(t) => Ok(t.epoch_millis().map_or(Owned::Null, Owned::Int)),
            Err(_) => wrong("a date"),
        },
        FieldType::TextList => match v {
            Value::Array(items) => items
                .iter()
                .map(|i| match i {
                    Value::String(s) => Ok(s.clone()),
                    Value::Object(o) => match o.get("name") {
                        Some(Value::String(s)) => Ok(s.clone()),
                        _ => Err("expected a list of text".to_owned()),
                    },
                    _ => Err("expected a list of text".to_owned()),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Owned::Texts),
            _ => wrong("a list"),
        },
        // Read by the bindings from the JSON as received.
        FieldType::Object | FieldType::List => Ok(Owned::Null),
    }
}

impl Record {
    /// Decodes a JSON object (as bytes) as `model`. A missing required field, a field
    /// of the wrong type or nesting deeper than [`MAX_JSON_DEPTH`] is an error whose
    /// text names the field but never quotes a value.
    pub fn from_body(model: &'static Model, body: Bytes) -> Result<Record, String> {
        if crate::model::nests_deeper_than(&body, MAX_JSON_DEPTH) {
            return Err(format!(
                "the JSON nests deeper than {MAX_JSON_DEPTH} levels"
            ));
        }
        let value: Value = serde_json::from_slice(&body).map_err(|e| {
            format!(
                "not JSON (line {}, column {}): {:?}",
                e.line(),
                e.column(),
                e.classify()
            )
        })?;
        if crate::model::nests_deeper_than(&body, MAX_JSON_DEPTH) {
            return Err(format!(
                "the JSON nests deeper than {MAX_JSON_DEPTH} levels"
            ));
        }
        Record::decode(model, &value).map(|values| Record {
            model,
            body,
            values,
        })
    }

    /// Decodes a JSON value as `model`.
    pub fn from_json(model: &'static Model, value: Value) -> Result<Record, String> {
        let values = Record::decode(model, &value)?;
        Ok(Record {
            model,
            body: Bytes::from(value.to_string()),
            values,
        })
    }

    fn decode(model: &'static Model, value: &Value) -> Result<Vec<(&'static str, Owned)>, String> {
        let Value::Object(object) = value else {
            return Err(format!(
                "expected {} object, got {}",
                a_model(model.name),
                json_kind(value)
            ));
        };
        let mut values = Vec::with_capacity(model.fields.len());
        for field in model.typed_fields() {
            let found = field
                .wire
                .and_then(|w| lookup(object, w))
                .filter(|v| !v.is_null());
            let owned = match found {
                None if field.optional => Owned::Null,
                None => {
                    return Err(format!(
                        "missing field `{}`",
                        field.wire.unwrap_or(field.name)
                    ));
                }
                Some(v) => decode_field(field.ty, v)
                    .map_err(|e| format!("field `{}`: {e}", field.wire.unwrap_or(field.name)))?,
            };
            values.push((field.name, owned));
        }
        Ok(values)
    }

    /// The model this record is.
    pub fn model(&self) -> &'static Model {
        self.model
    }

    /// The JSON object as received, as UTF-8 bytes.
    pub fn json_bytes(&self) -> &[u8] {
        &self.body
    }

    /// The JSON object as received.
    pub fn raw(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// A typed field by table name: `None` when the model has no such decoded field.
    pub fn get(&self, name: &str) -> Option<FieldValue<'_>> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| Self::view(v))
    }

    /// A text field by table name (secret ones included), when present.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name)? {
            FieldValue::Text(s) => Some(s),
            _ => None,
        }
    }

    fn view(v: &Owned) -> FieldValue<'_> {
        match v {
            Owned::Null => FieldValue::Null,
            Owned::Int(i) => FieldValue::Int(*i),
            Owned::Bool(b) => FieldValue::Bool(*b),
            Owned::Text(s) => FieldValue::Text(s),
            Owned::Texts(t) => FieldValue::Strs(t),
        }
    }

    fn field_json(&self, v: &Owned) -> Value {
        redact_json(&Self::view(v).to_json())
    }

    /// Visits the typed fields by table name (those not read from the raw JSON).
    pub fn for_each_field<'a>(&'a self, mut f: impl FnMut(&'static str, FieldValue<'a>)) {
        for (name, v) in &self.values {
            f(name, Self::view(v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CONFIG_FIELD_MODEL, ELEMENT_MODEL, OAUTH1_TOKEN_MODEL};
    use serde_json::json;

    #[test]
    fn element_fields_leniently() {
        let raw = json!({"id": "41", "key": "zendesk", "name": "Zendesk", "active": "true",
                         "authentication": {"type": "oauth2"}, "hub": "helpdesk", "brandNew": [1]});
        let r = Record::from_json(&ELEMENT_MODEL, raw.clone()).unwrap();
        assert_eq!(r.get("id").unwrap().to_json(), json!(41));
        assert_eq!(r.text("key"), Some("zendesk"));
        assert_eq!(r.get("active").unwrap().to_json(), json!(true));
        assert_eq!(r.text("authentication_type"), Some("oauth2"));
        assert_eq!(r.get("description").unwrap().to_json(), Value::Null);
        assert!(r.get("nope").is_none());
        assert_eq!(r.raw(), raw);
        // Missing required fields and wrong types are named, values never quoted.
        let e = Record::from_json(&ELEMENT_MODEL, json!({"id": 1, "name": "n"})).unwrap_err();
        assert_eq!(e, "missing field `key`");
        let e = Record::from_json(&ELEMENT_MODEL, json!({"id": "x1", "key": "k", "name": "n"}))
            .unwrap_err();
        assert_eq!(e, "field `id`: expected an integer, got a string");
        let e = Record::from_json(
            &ELEMENT_MODEL,
            json!({"id": 1, "key": "k", "name": "n", "active": "maybe"}),
        )
        .unwrap_err();
        assert!(e.contains("`active`") && !e.contains("maybe"), "{e}");
        let e = Record::from_json(&ELEMENT_MODEL, json!([1])).unwrap_err();
        assert_eq!(e, "expected an Element object, got an array");
        let e = Record::from_body(&ELEMENT_MODEL, Bytes::from_static(b"{\"id\": 1,")).unwrap_err();
        assert!(e.starts_with("not JSON"), "{e}");
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let r = Record::from_json(
            &OAUTH1_TOKEN_MODEL,
            json!({"token": "tok-123", "secret": "s3cr3t-v"}),
        )
        .unwrap();
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("s3cr3t-v"), "{dbg}");
        assert!(
            dbg.starts_with("OAuth1Token {")
                && dbg.contains("token: String(\"tok-123\")")
                && dbg.contains("secret: \"[REDACTED]\""),
            "{dbg}"
        );
        assert_eq!(r.text("secret"), Some("s3cr3t-v"));
        let c = Record::from_json(
            &CONFIG_FIELD_MODEL,
            json!({"key": "password", "name": "Password", "mandatory": true, "configDataType": "PASSWORD", "defaultValue": null}),
        )
        .unwrap();
        assert_eq!(c.get("required").unwrap().to_json(), json!(true));
        assert_eq!(c.text("type"), Some("PASSWORD"));
        assert_eq!(c.get("default").unwrap().to_json(), Value::Null);
    }

    #[test]
    fn depth_limit_applies() {
        let nested = |arrays: usize| {
            let mut body = String::from("{\"id\":1,\"key\":\"k\",\"name\":\"n\",\"x\":");
            body.push_str(&"[".repeat(arrays));
            body.push_str(&"]".repeat(arrays));
            body.push('}');
            Bytes::from(body)
        };
        // The object and 126 arrays: at the limit, kept whole.
        let r = Record::from_body(&ELEMENT_MODEL, nested(MAX_JSON_DEPTH - 1)).unwrap();
        assert!(r.raw()["x"].is_array());
        let e = Record::from_body(&ELEMENT_MODEL, nested(MAX_JSON_DEPTH)).unwrap_err();
        assert_eq!(
            e,
            format!("the JSON nests deeper than {MAX_JSON_DEPTH} levels")
        );
    }
}
