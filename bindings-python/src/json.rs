//! JSON text straight into Python objects, in one pass: `serde_json` reads the text and
//! a [`DeserializeSeed`] builds the `dict`, `list`, `str`, `int`, `float`, `bool` and
//! `None` that `json.loads` would give, as it goes. No `serde_json::Value` tree in
//! between (building and freeing it cost more than the parse: benches/PROFILE.md §8).
//!
//! The keys of objects are made once per document: a record's sixteen keys are the same
//! sixteen `str` objects in every record of a page, each hashed once (as `json.loads`
//! memoizes keys and orjson keeps a key cache). Numbers: an integer is an exact `int`
//! of any size; a number with a fraction or an exponent is a `float` (`1e999` is `inf`,
//! as with `json.loads`). Nesting is bounded by `serde_json`'s limit (128 levels).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The key `serde_json` (feature `arbitrary_precision`, on in this workspace) hands a
/// number as: a one-entry map from this key to the number's text.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";
/// Keys longer than this are made afresh each time (an id used as a key, say).
const MAX_CACHED_KEY_LEN: usize = 64;
/// At most this many distinct keys are kept per document, however many it has.
const MAX_CACHED_KEYS: usize = 1024;

/// Parses JSON text (UTF-8) into Python objects. Text that is not JSON is a `ValueError`
/// whose message gives the position, never the text.
pub fn loads<'py>(py: Python<'py>, text: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    let mut ctx = Ctx {
        py,
        keys: HashMap::default(),
        failed: None,
    };
    let mut de = serde_json::Deserializer::from_slice(text);
    let parsed = Seed { ctx: &mut ctx }
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    match parsed {
        Ok(v) => Ok(v),
        // A Python error while building (MemoryError, say) wins over serde's wrapper.
        Err(e) => Err(ctx
            .failed
            .take()
            .unwrap_or_else(|| pyo3::exceptions::PyValueError::new_err(format!("not JSON: {e}")))),
    }
}

struct Ctx<'py> {
    py: Python<'py>,
    keys: HashMap<Box<str>, Py<PyString>, foldhash::fast::RandomState>,
    failed: Option<PyErr>,
}

impl<'py> Ctx<'py> {
    /// Keeps a Python error for [`loads`] and stops the parse with a serde error.
    fn fail<E: de::Error>(&mut self, err: PyErr) -> E {
        self.failed = Some(err);
        E::custom("a Python error")
    }

    fn key(&mut self, s: &str) -> Bound<'py, PyString> {
        if s.len() > MAX_CACHED_KEY_LEN {
            return PyString::new(self.py, s);
        }
        if let Some(k) = self.keys.get(s) {
            return k.bind(self.py).clone();
        }
        let k = PyString::new(self.py, s);
        if self.keys.len() < MAX_CACHED_KEYS {
            self.keys.insert(s.into(), k.clone().unbind());
        }
        k
    }

    /// A number from its JSON text: `int` (exact, any size) or `float`.
    fn number<E: de::Error>(&mut self, text: &str) -> Result<Bound<'py, PyAny>, E> {
        let py = self.py;
        let made = if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
            match text.parse::<f64>() {
                Ok(f) => Ok(PyFloat::new(py, f).into_any()),
                Err(_) => return Err(E::custom("a number that is not a number")),
            }
        } else if let Ok(i) = text.parse::<i64>() {
            Ok(i.into_pyobject(py)
                .map_or_else(|e| match e {}, Bound::into_any))
        } else {
            py.get_type::<PyInt>().call1((text,))
        };
        made.map_err(|e| self.fail(e))
    }
}

/// One value of the document.
struct Seed<'a, 'py> {
    ctx: &'a mut Ctx<'py>,
}

impl<'de, 'py> DeserializeSeed<'de> for Seed<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'py> Visitor<'de> for Seed<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.ctx.py.None().into_bound(self.ctx.py))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.ctx.py, v).to_owned().into_any())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into_pyobject(self.ctx.py)
            .map_or_else(|e| match e {}, Bound::into_any))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into_pyobject(self.ctx.py)
            .map_or_else(|e| match e {}, Bound::into_any))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(PyFloat::new(self.ctx.py, v).into_any())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.ctx.py, v).into_any())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(Seed {
            ctx: &mut *self.ctx,
        })? {
            items.push(item);
        }
        PyList::new(self.ctx.py, items)
            .map(Bound::into_any)
            .map_err(|e| self.ctx.fail(e))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let dict = PyDict::new(self.ctx.py);
        while let Some(key) = map.next_key_seed(KeySeed {
            ctx: &mut *self.ctx,
        })? {
            let key = match key {
                Key::Str(k) => k,
                Key::Number => {
                    // `arbitrary_precision`: the whole "map" is one number's text.
                    let text: Cow<'de, str> = map.next_value()?;
                    return self.ctx.number(&text);
                }
            };
            let value = map.next_value_seed(Seed {
                ctx: &mut *self.ctx,
            })?;
            dict.set_item(key, value).map_err(|e| self.ctx.fail(e))?;
        }
        Ok(dict.into_any())
    }
}

enum Key<'py> {
    Str(Bound<'py, PyString>),
    /// `serde_json`'s private key of a number ([`NUMBER_TOKEN`]).
    Number,
}

struct KeySeed<'a, 'py> {
    ctx: &'a mut Ctx<'py>,
}

impl<'de, 'py> DeserializeSeed<'de> for KeySeed<'_, 'py> {
    type Value = Key<'py>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, 'py> Visitor<'de> for KeySeed<'_, 'py> {
    type Value = Key<'py>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.len() == NUMBER_TOKEN.len() && v == NUMBER_TOKEN {
            return Ok(Key::Number);
        }
        Ok(Key::Str(self.ctx.key(v)))
    }
}
