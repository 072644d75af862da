//! Core errors -> the exception classes of `open_connectors/_exceptions.py`, which
//! `make gen` writes from the core's error table. Generic: the class is looked up by
//! the name the core gives, and every attribute of the core's payload becomes a
//! keyword argument, so no error class or attribute is named here.

use open_connectors::{Error, Lang};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

use crate::convert::to_py;

static EXCEPTIONS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    EXCEPTIONS
        .get_or_try_init(py, || {
            Ok(py.import("open_connectors._exceptions")?.unbind())
        })
        .map(|m| m.bind(py))
}

fn build(py: Python<'_>, err: &Error) -> PyResult<PyErr> {
    let payload = err.payload(Lang::Python);
    let kw = PyDict::new(py);
    let mut class = "OpenConnectorsError";
    let mut message = String::new();
    for (k, v) in &payload {
        match k.as_str() {
            "class" => class = v.as_str().unwrap_or(class),
            "message" => message = v.as_str().unwrap_or_default().to_owned(),
            _ => kw.set_item(k, to_py(py, v)?)?,
        }
    }
    let exc = module(py)?.getattr(class)?.call((message,), Some(&kw))?;
    Ok(PyErr::from_value(exc))
}

/// The Python exception for a core error.
pub fn to_pyerr(py: Python<'_>, err: &Error) -> PyErr {
    build(py, err).unwrap_or_else(|e| e)
}

/// The `InternalError` for a fault of the SDK itself (a panic caught at the boundary).
pub fn internal(py: Python<'_>, reason: impl Into<String>) -> PyErr {
    to_pyerr(
        py,
        &Error::Internal {
            reason: reason.into(),
        },
    )
}
