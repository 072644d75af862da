//! Core errors -> the exception classes of `open_connectors/_exceptions.py`.
//!
//! The classes are plain Python (so they pickle and subclass like any exception);
//! this module imports them once and calls them.

use open_connectors::{Error, ErrorCode, RequestSent};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

static EXCEPTIONS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    EXCEPTIONS
        .get_or_try_init(py, || {
            Ok(py.import("open_connectors._exceptions")?.unbind())
        })
        .map(|m| m.bind(py))
}

fn request_sent(sent: RequestSent) -> &'static str {
    match sent {
        RequestSent::No => "no",
        RequestSent::Maybe => "maybe",
    }
}

fn status_class(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::BadRequest => "BadRequestError",
        ErrorCode::Authentication => "AuthenticationError",
        ErrorCode::PermissionDenied => "PermissionDeniedError",
        ErrorCode::NotFound => "NotFoundError",
        ErrorCode::Conflict => "ConflictError",
        ErrorCode::RateLimited => "RateLimitError",
        _ => "InternalServerError",
    }
}

fn build(py: Python<'_>, err: &Error) -> PyResult<PyErr> {
    let kw = PyDict::new(py);
    kw.set_item("code", err.code().as_str())?;
    let class = match err {
        Error::InvalidInput { field, reason } => {
            kw.set_item("field", field)?;
            kw.set_item("reason", reason)?;
            "InvalidInputError"
        }
        Error::Connection {
            reason,
            request_sent: sent,
            attempts,
        } => {
            kw.set_item("request_sent", request_sent(*sent))?;
            kw.set_item("attempts", attempts)?;
            kw.set_item("reason", reason)?;
            "ApiConnectionError"
        }
        Error::Timeout {
            timeout,
            request_sent: sent,
            attempts,
        } => {
            kw.set_item("request_sent", request_sent(*sent))?;
            kw.set_item("attempts", attempts)?;
            kw.set_item("timeout", timeout.as_secs_f64())?;
            "ApiTimeoutError"
        }
        Error::Status(s) => {
            kw.set_item("status", s.status)?;
            kw.set_item("request_id", s.request_id.as_deref())?;
            kw.set_item("header_request_id", s.header_request_id.as_deref())?;
            kw.set_item("message", s.message.as_deref())?;
            kw.set_item("provider_message", s.provider_message.as_deref())?;
            kw.set_item("body", &s.body)?;
            kw.set_item("retry_after", s.retry_after.map(|d| d.as_secs_f64()))?;
            status_class(s.code())
        }
        Error::Decode(d) => {
            kw.set_item("status", d.status)?;
            kw.set_item("request_id", d.request_id.as_deref())?;
            kw.set_item("body", &d.body)?;
            kw.set_item("reason", &d.reason)?;
            "ResponseDecodeError"
        }
        _ => "OpenConnectorsError",
    };
    let exc = module(py)?
        .getattr(class)?
        .call((err.to_string(),), Some(&kw))?;
    Ok(PyErr::from_value(exc))
}

/// The Python exception for a core error.
pub fn to_pyerr(py: Python<'_>, err: &Error) -> PyErr {
    build(py, err).unwrap_or_else(|e| e)
}

/// An `InvalidInputError` for argument `field`.
pub fn invalid(py: Python<'_>, field: &str, reason: impl Into<String>) -> PyErr {
    to_pyerr(
        py,
        &Error::InvalidInput {
            field: field.to_owned(),
            reason: reason.into(),
        },
    )
}
