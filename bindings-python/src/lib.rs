//! The native module `open_connectors._native` of the Python package `open-connectors`.
//!
//! Generic, and a thin layer: it names no operation, no model and no error class.
//! `NativeClient.call(name, args, options)` sends any operation of the core's table
//! (blocking, GIL released) and `call_async` returns an asyncio future; arguments cross
//! as JSON values, results come back as `(raw, fields)` dicts for the generated model
//! classes, and core errors become the generated exception classes by name (the core's
//! error table). The Python methods users call are generated from the core's tables by
//! `make gen` (`python/open_connectors/_client.py` and friends).

mod client;
mod completion;
mod convert;
mod errors;
mod json;
mod lane;
mod log;
mod runtime;

use open_connectors::Model;
use pyo3::prelude::*;

use crate::convert::{to_json, to_py};
use crate::errors::to_pyerr;

/// A copy of a JSON value with every secret-looking value replaced by `[REDACTED]`,
/// by the core's rule (used by `repr()` of the models).
#[pyfunction]
fn redact_json<'py>(py: Python<'py>, value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let v = to_json(value, "value").map_err(|e| to_pyerr(py, &e))?;
    to_py(py, &open_connectors::redact::redact_json(&v))
}

/// Decodes and checks `data` as model `name` (the core's decoder): returns the
/// `NativeModel`, or raises InvalidInputError naming `data`.
/// JSON text (bytes) into Python objects, as `json.loads` gives them, in one pass
/// (`json.rs`); text that is not JSON is a `ValueError`.
#[pyfunction]
fn json_loads<'py>(py: Python<'py>, text: &[u8]) -> PyResult<Bound<'py, PyAny>> {
    json::loads(py, text)
}

#[pyfunction]
fn decode_model<'py>(
    py: Python<'py>,
    name: &str,
    data: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let model = Model::named(name).ok_or_else(|| {
        to_pyerr(
            py,
            &open_connectors::Error::invalid("name", format!("no model {name:?}")),
        )
    })?;
    let raw = to_json(data, "data").map_err(|e| to_pyerr(py, &e))?;
    let out = model.decode("data", raw).map_err(|e| to_pyerr(py, &e))?;
    convert::output_to_py(py, out)
}

/// Reads the provider's OAuth redirect (the callback URL or its query string) and
/// checks its state: a `NativeModel` of the `OAuthCallback` model.
#[pyfunction]
#[pyo3(signature = (url_or_query, expected_state=None))]
fn read_oauth_callback<'py>(
    py: Python<'py>,
    url_or_query: &str,
    expected_state: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let out = open_connectors::oauth::parse_callback(
        open_connectors::Lang::Python,
        url_or_query,
        expected_state,
    )
    .map_err(|e| to_pyerr(py, &e))?;
    convert::output_to_py(py, out)
}

/// Checks a webhook's `Elements-Webhook-Signature` over the raw body (the core's
/// `webhook::verify`, constant time) and returns the decoded notification.
#[pyfunction]
#[pyo3(signature = (body, signature, key))]
fn webhook_verify<'py>(
    py: Python<'py>,
    body: &[u8],
    signature: Option<&str>,
    key: &[u8],
) -> PyResult<Bound<'py, PyAny>> {
    let v = open_connectors::webhook::verify(body, signature, key).map_err(|e| to_pyerr(py, &e))?;
    to_py(py, &v)
}

/// An OCNQL `where` from a template and values (the core's `ocnql::query`).
#[pyfunction]
fn ocnql_query(py: Python<'_>, template: &str, values: &Bound<'_, PyAny>) -> PyResult<String> {
    let values = match to_json(values, "values").map_err(|e| to_pyerr(py, &e))? {
        serde_json::Value::Array(v) => v,
        _ => {
            return Err(to_pyerr(
                py,
                &open_connectors::Error::invalid("values", "must be a list"),
            ));
        }
    };
    open_connectors::ocnql::query(template, &values).map_err(|e| to_pyerr(py, &e))
}

/// A field name for an OCNQL template, in backticks when it is not a plain identifier.
#[pyfunction]
fn ocnql_quote_field(py: Python<'_>, name: &str) -> PyResult<String> {
    open_connectors::ocnql::field(name).map_err(|e| to_pyerr(py, &e))
}

/// Runs the `open-connectors` command line (the Rust crate `open-connectors-cli`) with
/// `argv` (the program's name first) over the process's own standard streams and
/// environment, the GIL released; returns the exit status. The console script
/// (`open_connectors._cli:main`) calls it.
#[pyfunction]
fn run_cli(py: Python<'_>, argv: Vec<String>) -> i32 {
    py.detach(|| open_connectors_cli::run_std(argv))
}

/// Test hook: panics inside a guarded call, to prove a panic is an `InternalError`.
/// The panic is the point (the tests call it on purpose); `guard` turns it into an error.
#[pyfunction]
fn _panic_for_tests(py: Python<'_>) -> PyResult<()> {
    client::guard(py, || panic!("deliberate panic for tests (sync)"))
}

/// Test hook: a task that panics on the runtime, completing an asyncio future. The
/// panic is deliberate: the completion turns it into an `InternalError`.
#[pyfunction]
fn _panic_in_task_for_tests(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let event_loop = runtime::running_loop(py, "_panic_in_task_for_tests")?;
    let task = async {
        if std::hint::black_box(true) {
            panic!("deliberate panic for tests (async)");
        }
        completion::Outcome::Lost { panicked: false }
    };
    match completion::spawn(py, &event_loop, task)? {
        Ok(fut) => Ok(fut),
        Err(_) => Err(errors::internal(py, "no add_reader on this loop")),
    }
}

/// Bench hook (`benches/floor.py`): a future of the running loop completed by a task
/// that does nothing on the runtime: the asyncio hand-off alone, both ways.
#[pyfunction]
fn _hand_off_for_bench(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let event_loop = runtime::running_loop(py, "_hand_off_for_bench")?;
    let task = async { completion::Outcome::Done(Box::new(Ok(open_connectors::Output::Nothing))) };
    match completion::spawn(py, &event_loop, task)? {
        Ok(fut) => Ok(fut),
        Err(_) => Err(errors::internal(py, "no add_reader on this loop")),
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<client::NativeClient>()?;
    m.add_class::<convert::NativeModel>()?;
    m.add_class::<client::NativePager>()?;
    m.add_function(wrap_pyfunction!(read_oauth_callback, m)?)?;
    m.add_function(wrap_pyfunction!(webhook_verify, m)?)?;
    m.add_function(wrap_pyfunction!(json_loads, m)?)?;
    m.add_function(wrap_pyfunction!(ocnql_query, m)?)?;
    m.add_function(wrap_pyfunction!(ocnql_quote_field, m)?)?;
    m.add_function(wrap_pyfunction!(redact_json, m)?)?;
    m.add_function(wrap_pyfunction!(decode_model, m)?)?;
    m.add_function(wrap_pyfunction!(run_cli, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_in_task_for_tests, m)?)?;
    m.add_function(wrap_pyfunction!(_hand_off_for_bench, m)?)?;
    m.add("__version__", open_connectors::VERSION)?;
    log::install();
    let threading = m.py().import("threading")?;
    if threading
        .call_method0("current_thread")?
        .is(&threading.call_method0("main_thread")?)
    {
        let _ = log::MAIN_THREAD.set(std::thread::current().id());
    }
    m.add_function(wrap_pyfunction!(log::take_log_records, m)?)?;
    let stop = wrap_pyfunction!(log::_interpreter_exiting, m)?;
    m.py().import("atexit")?.call_method1("register", (stop,))?;
    Ok(())
}
