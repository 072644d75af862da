//! `open_connectors.Instance`: the created instance, typed fields in snake_case.

use open_connectors::{Instance, Tag};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString};
use serde_json::Value;

use crate::convert::{map_to_py, to_py};

/// An authenticated connector instance. Its `token` is the credential of every later
/// call on it; `repr()` never shows it.
#[pyclass(frozen, module = "open_connectors", name = "Instance")]
pub struct PyInstance {
    inner: Instance,
}

impl From<Instance> for PyInstance {
    fn from(inner: Instance) -> Self {
        PyInstance { inner }
    }
}

impl PyInstance {
    fn raw_object<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.inner.raw().get(key) {
            Some(Value::Object(m)) => Ok(Some(map_to_py(py, m)?.into_any())),
            _ => Ok(None),
        }
    }
}

static EPOCH: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static TIMEDELTA: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A timezone-aware UTC `datetime` for epoch milliseconds; `None` if out of range.
fn utc_datetime(py: Python<'_>, millis: i64) -> PyResult<Option<Bound<'_, PyAny>>> {
    let epoch = EPOCH.get_or_try_init(py, || -> PyResult<_> {
        let dt = py.import("datetime")?;
        let utc = dt.getattr("timezone")?.getattr("utc")?;
        let kw = PyDict::new(py);
        kw.set_item("tzinfo", utc)?;
        Ok(dt
            .getattr("datetime")?
            .call((1970, 1, 1), Some(&kw))?
            .unbind())
    })?;
    let timedelta = TIMEDELTA.import(py, "datetime", "timedelta")?;
    let kw = PyDict::new(py);
    kw.set_item("milliseconds", millis)?;
    match timedelta
        .call((), Some(&kw))
        .and_then(|delta| epoch.bind(py).add(delta))
    {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyOverflowError>(py) => Ok(None),
        Err(e) => Err(e),
    }
}

#[pymethods]
impl PyInstance {
    /// The numeric instance id.
    #[getter]
    fn id(&self) -> i64 {
        self.inner.id
    }

    /// The display name.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    /// The instance token: the credential of every later call on the instance.
    #[getter]
    fn token(&self) -> &str {
        self.inner.token.expose()
    }

    /// When the instance was created, as a timezone-aware UTC datetime (None if absent
    /// or not a date).
    #[getter]
    fn created_date<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self
            .inner
            .created_date
            .as_ref()
            .and_then(|t| t.epoch_millis())
        {
            Some(ms) => utc_datetime(py, ms),
            None => Ok(None),
        }
    }

    /// The element object as received (`id`, `key`, `name`, ...), or None.
    #[getter]
    fn element<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.raw_object(py, "element")
    }

    /// The element key, when the answer carries one.
    #[getter]
    fn element_key(&self) -> Option<&str> {
        self.inner.element_key()
    }

    /// The element's numeric id.
    #[getter]
    fn element_id(&self) -> Option<i64> {
        self.inner.element_id
    }

    /// The tag names.
    #[getter]
    fn tags(&self) -> Vec<&str> {
        self.inner.tags.iter().map(Tag::name).collect()
    }

    /// Provisioning interactions (usually empty).
    #[getter]
    fn provision_interactions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for v in &self.inner.provision_interactions {
            list.append(to_py(py, v)?)?;
        }
        Ok(list)
    }

    /// Whether the instance is valid.
    #[getter]
    fn valid(&self) -> Option<bool> {
        self.inner.valid
    }

    /// Whether the instance is disabled.
    #[getter]
    fn disabled(&self) -> Option<bool> {
        self.inner.disabled
    }

    /// Cache size.
    #[getter]
    fn max_cache_size(&self) -> Option<i64> {
        self.inner.max_cache_size
    }

    /// Cache time to live.
    #[getter]
    fn cache_time_to_live(&self) -> Option<i64> {
        self.inner.cache_time_to_live
    }

    /// The configuration as the platform echoes it (secrets masked as "********").
    #[getter]
    fn configuration<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        map_to_py(py, &self.inner.configuration)
    }

    /// Whether events are configured.
    #[getter]
    fn events_enabled(&self) -> Option<bool> {
        self.inner.events_enabled
    }

    /// Whether trace logging is on.
    #[getter]
    fn trace_logging_enabled(&self) -> Option<bool> {
        self.inner.trace_logging_enabled
    }

    /// Whether caching is on.
    #[getter]
    fn caching_enabled(&self) -> Option<bool> {
        self.inner.caching_enabled
    }

    /// "none", or "initial" for instances created with tokens brought by the caller.
    #[getter]
    fn external_authentication(&self) -> Option<&str> {
        self.inner.external_authentication.as_deref()
    }

    /// The owner of the instance as received (`id`, `emailAddress`, ...), or None.
    #[getter]
    fn user<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.raw_object(py, "user")
    }

    /// Provider data echoed by the platform, or None.
    #[getter]
    fn provider_data<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.inner
            .provider_data
            .as_ref()
            .map(|m| map_to_py(py, m))
            .transpose()
    }

    /// The fields the SDK has no typed attribute for, as received.
    #[getter]
    fn extra<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (k, v) in self.inner.extra() {
            dict.set_item(k, to_py(py, v)?)?;
        }
        Ok(dict)
    }

    /// The whole JSON object as received, unknown fields included (a new dict each call).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.inner.raw())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let quote = |s: Option<&str>| -> PyResult<String> {
            match s {
                Some(s) => Ok(PyString::new(py, s).repr()?.to_string_lossy().into_owned()),
                None => Ok("None".to_owned()),
            }
        };
        Ok(format!(
            "Instance(id={}, name={}, element_key={}, token='[REDACTED]')",
            self.inner.id,
            quote(Some(&self.inner.name))?,
            quote(self.inner.element_key())?,
        ))
    }
}
