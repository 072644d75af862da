//! Python objects <-> `serde_json::Value`, with no dependency beyond pyo3.
//!
//! Python to JSON accepts exactly what `json.dumps` would without options: dicts with
//! `str` keys, lists and tuples, `str`, `int` (64-bit), finite `float`, `bool` and
//! `None`. Anything else is an `InvalidInputError` naming the argument; messages
//! name the place (`configuration['key'][0]`) and the type, never the value, which may
//! be a secret.

use std::fmt::Write as _;

use open_connectors::model::FieldValue;
use open_connectors::{Error, Output};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// Deeper than this is refused (it also stops self-referencing lists).
const MAX_DEPTH: usize = 100;

fn invalid(field: &str, path: &str, reason: String) -> Error {
    let reason = if path == field {
        reason
    } else {
        format!("{path}: {reason}")
    };
    Error::InvalidInput {
        field: field.to_owned(),
        reason,
    }
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "?".to_owned())
}

/// Converts the value of argument `field` to JSON.
pub fn to_json(obj: &Bound<'_, PyAny>, field: &str) -> Result<Value, Error> {
    convert(obj, 0).map_err(|bad| {
        // The place is spelled only now, for the error: a call that converts fine
        // formats no keys or indexes.
        let mut path = field.to_owned();
        for step in bad.path.iter().rev() {
            let _ = match step {
                Step::Key(key) => write!(path, "[{key:?}]"),
                Step::Index(i) => write!(path, "[{i}]"),
            };
        }
        invalid(field, &path, bad.reason)
    })
}

/// One step into a value: a dict's key or a list's index.
enum Step {
    Key(String),
    Index(usize),
}

/// Why a value cannot be JSON, and where: the steps from the place up to the argument
/// (innermost first, pushed as the error goes up).
struct Bad {
    path: Vec<Step>,
    reason: String,
}

impl Bad {
    fn new(reason: String) -> Bad {
        Bad {
            path: Vec::new(),
            reason,
        }
    }

    fn at(mut self, step: Step) -> Bad {
        self.path.push(step);
        self
    }
}

fn convert(obj: &Bound<'_, PyAny>, depth: usize) -> Result<Value, Bad> {
    if depth > MAX_DEPTH {
        return Err(Bad::new(format!(
            "nested deeper than {MAX_DEPTH} levels (or contains itself)"
        )));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let s = s
            .to_cow()
            .map_err(|_| Bad::new("is not valid Unicode (lone surrogate)".to_owned()))?;
        return Ok(Value::String(s.into_owned()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::Number(u.into()));
        }
        return Err(Bad::new(
            "the integer is out of range (JSON integers here must fit in 64 bits)".to_owned(),
        ));
    }
    if obj.is_instance_of::<PyFloat>() {
        let f: f64 = obj
            .extract()
            .map_err(|_| Bad::new("is not a float".to_owned()))?;
        return Number::from_f64(f).map(Value::Number).ok_or_else(|| {
            Bad::new("a float must be finite (NaN and infinity are not JSON)".to_owned())
        });
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let mut map = Map::with_capacity(dict.len());
        for (key, value) in dict.iter() {
            let key = match key.cast::<PyString>() {
                Ok(k) => k.to_cow().map_err(|_| {
                    Bad::new("a key is not valid Unicode (lone surrogate)".to_owned())
                })?,
                Err(_) => {
                    return Err(Bad::new(format!(
                        "dict keys must be str, found a key of type {}",
                        type_name(&key)
                    )));
                }
            };
            match convert(&value, depth + 1) {
                Ok(v) => {
                    map.insert(key.into_owned(), v);
                }
                Err(bad) => return Err(bad.at(Step::Key(key.into_owned()))),
            }
        }
        return Ok(Value::Object(map));
    }
    let items = if let Ok(list) = obj.cast::<PyList>() {
        Some(list.iter().collect::<Vec<_>>())
    } else if let Ok(tuple) = obj.cast::<PyTuple>() {
        Some(tuple.iter().collect::<Vec<_>>())
    } else {
        None
    };
    if let Some(items) = items {
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            out.push(convert(item, depth + 1).map_err(|bad| bad.at(Step::Index(i)))?);
        }
        return Ok(Value::Array(out));
    }
    Err(Bad::new(format!(
        "values of type {} are not supported; use dict (str keys), list, tuple, str, int, float, bool or None",
        type_name(obj)
    )))
}

/// Converts JSON to plain Python objects (dict, list, str, int, float, bool, None).
pub fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                // Beyond 64 bits: an integer stays exact (as Python's json reads it),
                // anything else is a float.
                let text = n.to_string();
                let digits = text.strip_prefix('-').unwrap_or(&text);
                if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    py.get_type::<pyo3::types::PyInt>().call1((text,))?
                } else {
                    PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
                }
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => map_to_py(py, map)?.into_any(),
    })
}

/// Converts a JSON object to a Python dict.
pub fn map_to_py<'py>(py: Python<'py>, map: &Map<String, Value>) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (k, v) in map {
        dict.set_item(k, to_py(py, v)?)?;
    }
    Ok(dict)
}

/// A model result as the generated classes hold it: the core's decoded value, kept in
/// Rust. `fields[name]` converts one typed field when it is read, and `raw()` gives the
/// JSON as received (UTF-8 bytes) for `to_dict()`: a call converts nothing it does not
/// need. Generic: fields are found by the table names the core visits.
#[pyclass(frozen, module = "open_connectors._native", name = "NativeModel")]
pub struct NativeModel {
    out: Output,
}

fn field_to_py<'py>(py: Python<'py>, value: FieldValue<'_>) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        FieldValue::Null => py.None().into_bound(py),
        FieldValue::Int(i) => match i.into_pyobject(py) {
            Ok(v) => v.into_any(),
            Err(never) => match never {},
        },
        FieldValue::Bool(b) => PyBool::new(py, b).to_owned().into_any(),
        FieldValue::Text(s) => PyString::new(py, s).into_any(),
        FieldValue::Texts(tags) => PyList::new(py, tags.iter().map(|t| t.name()))?.into_any(),
        FieldValue::Strs(items) => PyList::new(py, items.iter().map(String::as_str))?.into_any(),
    })
}

impl NativeModel {
    fn field<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        let mut found: Option<PyResult<Bound<'py, PyAny>>> = None;
        self.out.for_each_field(|n, v| {
            if found.is_none() && n == name {
                found = Some(field_to_py(py, v));
            }
        });
        found.transpose()
    }
}

#[pymethods]
impl NativeModel {
    /// The typed field `name` (a table name), converted now.
    fn __getitem__<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyAny>> {
        let name = key;
        self.field(py, name)?
            .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(name.to_owned()))
    }

    /// The typed field `name`, or `default`.
    #[pyo3(signature = (name, default=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self.field(py, name)? {
            Some(v) => v,
            None => default.unwrap_or_else(|| py.None().into_bound(py)),
        })
    }

    /// The JSON as received, as UTF-8 bytes.
    fn raw<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let bytes = self.out.json_bytes().unwrap_or_default();
        PyBytes::new(py, &bytes)
    }
}

/// The Python form of an operation's result: `None`, a `str` for a text, a list of
/// [`NativeModel`]s for a list, or a [`NativeModel`] for a model.
pub fn output_to_py(py: Python<'_>, out: Output) -> PyResult<Bound<'_, PyAny>> {
    match out {
        Output::Text(t) => Ok(PyString::new(py, &t).into_any()),
        Output::List(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(output_to_py(py, item)?)?;
            }
            Ok(list.into_any())
        }
        Output::Json(v) => to_py(py, &v),
        Output::Response(r) => {
            let headers: Vec<(String, String)> = r.headers.clone();
            (
                r.status,
                headers,
                r.request_id.clone(),
                r.next_cursor.clone(),
                r.total_count,
                pyo3::types::PyBytes::new(py, r.body()),
            )
                .into_pyobject(py)
                .map(|t| t.into_any())
        }
        out if out.model().is_none() => Ok(py.None().into_bound(py)),
        out => Ok(Bound::new(py, NativeModel { out })?.into_any()),
    }
}

/// One page for Python: `(items, next_cursor, total_count)`, the items as
/// [`NativeModel`]s.
pub fn page_to_py(
    py: Python<'_>,
    page: open_connectors::pager::Page,
) -> PyResult<Bound<'_, PyAny>> {
    if let Some(text) = page.records_text() {
        // Records kept as text (the page's JSON array), parsed straight into dicts.
        return (
            crate::json::loads(py, text)?,
            page.next_cursor,
            page.total_count,
        )
            .into_pyobject(py)
            .map(|t| t.into_any());
    }
    let items = PyList::empty(py);
    for item in page.items {
        items.append(output_to_py(py, item)?)?;
    }
    (items, page.next_cursor, page.total_count)
        .into_pyobject(py)
        .map(|t| t.into_any())
}

/// The arguments of a call: a dict of JSON values, each converted with its key as the
/// argument named in errors.
pub fn args_to_json(obj: &Bound<'_, PyAny>, what: &str) -> Result<Value, Error> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    let Ok(dict) = obj.cast::<PyDict>() else {
        return Err(invalid(what, what, "must be a dict".to_owned()));
    };
    let mut map = Map::with_capacity(dict.len());
    for (key, value) in dict.iter() {
        if value.is_none() {
            continue; // not given: the core treats a null the same way
        }
        let key: String = key
            .extract()
            .map_err(|_| invalid(what, what, "keys must be str".to_owned()))?;
        let v = to_json(&value, &key)?;
        map.insert(key, v);
    }
    Ok(Value::Object(map))
}
