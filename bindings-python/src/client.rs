//! `open_connectors.Client` (blocking) and `open_connectors.AsyncClient` (asyncio).
//!
//! Both hold the core builder's settings and a core client tagged with the pid that
//! built it: after `os.fork()` the child rebuilds its own (the parent's connection
//! pool belongs to a runtime whose threads the child does not have).

use std::sync::Mutex;
use std::time::Duration;

use open_connectors::{Client, ClientBuilder, CreateInstance, Error, Region};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyInt, PyString};
use pyo3_async_runtimes::TaskLocals;
use serde_json::{Map, Value};

use crate::completion::{self, Outcome};
use crate::convert::to_json;
use crate::errors::{invalid, to_pyerr};
use crate::instance::PyInstance;
use crate::{log, runtime};

static PYTHON_VERSION: PyOnceLock<String> = PyOnceLock::new();

fn python_version(py: Python<'_>) -> String {
    PYTHON_VERSION
        .get_or_try_init(py, || -> PyResult<String> {
            py.import("platform")?
                .call_method0("python_version")?
                .extract()
        })
        .cloned()
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn given<'a, 'py>(obj: &'a Option<Bound<'py, PyAny>>) -> Option<&'a Bound<'py, PyAny>> {
    obj.as_ref().filter(|o| !o.is_none())
}

fn str_arg(
    py: Python<'_>,
    field: &str,
    obj: &Option<Bound<'_, PyAny>>,
) -> PyResult<Option<String>> {
    let Some(obj) = given(obj) else {
        return Ok(None);
    };
    match obj.cast::<PyString>() {
        Ok(s) => Ok(Some(
            s.to_cow()
                .map_err(|_| invalid(py, field, "is not valid Unicode"))?
                .into_owned(),
        )),
        Err(_) => Err(invalid(py, field, "must be a str")),
    }
}

fn seconds_arg(
    py: Python<'_>,
    field: &str,
    obj: &Option<Bound<'_, PyAny>>,
) -> PyResult<Option<Duration>> {
    let Some(obj) = given(obj) else {
        return Ok(None);
    };
    if obj.is_instance_of::<PyBool>() {
        return Err(invalid(
            py,
            field,
            "must be a number of seconds, not a bool",
        ));
    }
    let secs: f64 = obj
        .extract()
        .map_err(|_| invalid(py, field, "must be a number of seconds (int or float)"))?;
    if secs.is_nan() || secs < 0.0 {
        return Err(invalid(
            py,
            field,
            "must be a non-negative number of seconds",
        ));
    }
    Duration::try_from_secs_f64(secs)
        .map(Some)
        .map_err(|_| invalid(py, field, "is too large"))
}

fn retries_arg(py: Python<'_>, obj: &Option<Bound<'_, PyAny>>) -> PyResult<Option<u32>> {
    const FIELD: &str = "max_retries";
    let Some(obj) = given(obj) else {
        return Ok(None);
    };
    if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
        return Err(invalid(py, FIELD, "must be an int"));
    }
    match obj.extract::<i64>() {
        Ok(n) if n >= 0 => Ok(Some(u32::try_from(n).unwrap_or(u32::MAX))),
        _ => Err(invalid(py, FIELD, "must be a non-negative int")),
    }
}

/// The settings given to a client's constructor, as a core builder.
#[allow(clippy::too_many_arguments)]
fn builder(
    py: Python<'_>,
    base_url: Option<Bound<'_, PyAny>>,
    region: Option<Bound<'_, PyAny>>,
    user_secret: Option<Bound<'_, PyAny>>,
    organization_secret: Option<Bound<'_, PyAny>>,
    timeout: Option<Bound<'_, PyAny>>,
    max_retries: Option<Bound<'_, PyAny>>,
    connect_timeout: Option<Bound<'_, PyAny>>,
    user_agent_suffix: Option<Bound<'_, PyAny>>,
) -> PyResult<ClientBuilder> {
    let mut b = Client::builder().language("python", python_version(py));
    if let Some(url) = str_arg(py, "base_url", &base_url)? {
        b = b.base_url(url);
    }
    if let Some(region) = str_arg(py, "region", &region)? {
        b = b.region(region.parse::<Region>().map_err(|e| to_pyerr(py, &e))?);
    }
    if let Some(s) = str_arg(py, "user_secret", &user_secret)? {
        b = b.user_secret(s);
    }
    if let Some(s) = str_arg(py, "organization_secret", &organization_secret)? {
        b = b.organization_secret(s);
    }
    if let Some(t) = seconds_arg(py, "timeout", &timeout)? {
        b = b.timeout(t);
    }
    if let Some(t) = seconds_arg(py, "connect_timeout", &connect_timeout)? {
        b = b.connect_timeout(t);
    }
    if let Some(n) = retries_arg(py, &max_retries)? {
        b = b.max_retries(n);
    }
    if let Some(s) = str_arg(py, "user_agent_suffix", &user_agent_suffix)? {
        b = b.user_agent_suffix(s);
    }
    Ok(b)
}

struct Slot {
    pid: u32,
    /// None once closed.
    client: Option<Client>,
}

/// What both clients share: the settings, and the core client of this process.
struct Shared {
    builder: ClientBuilder,
    slot: Mutex<Slot>,
    base_url: String,
    timeout: Duration,
    max_retries: u32,
    user_agent: String,
}

impl Shared {
    fn new(py: Python<'_>, builder: ClientBuilder) -> PyResult<Shared> {
        let client = builder.clone().build().map_err(|e| to_pyerr(py, &e))?;
        Ok(Shared {
            builder,
            base_url: client.base_url().to_owned(),
            timeout: client.timeout(),
            max_retries: client.max_retries(),
            user_agent: client.user_agent().to_owned(),
            slot: Mutex::new(Slot {
                pid: std::process::id(),
                client: Some(client),
            }),
        })
    }

    /// The core client of this process. The lock is taken only attached to Python and
    /// no Python code runs while it is held (so the GIL is never given up with it held,
    /// and `os.fork()` cannot copy it locked).
    fn client(&self, py: Python<'_>) -> PyResult<Client> {
        let pid = std::process::id();
        let rebuilt = {
            let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
            match &slot.client {
                None => None,
                Some(c) if slot.pid == pid => Some(Ok(c.clone())),
                Some(_) => {
                    // Forked: build this process's own client. The inherited one (its
                    // pool belongs to the parent's runtime) is leaked untouched.
                    let built = self.builder.clone().build();
                    if let Ok(c) = &built {
                        std::mem::forget(slot.client.replace(c.clone()));
                        slot.pid = pid;
                    }
                    Some(built)
                }
            }
        };
        match rebuilt {
            None => Err(PyRuntimeError::new_err("the client is closed")),
            Some(built) => built.map_err(|e| to_pyerr(py, &e)),
        }
    }

    fn close(&self) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        let old = slot.client.take();
        if slot.pid != std::process::id() {
            std::mem::forget(old);
        }
    }

    fn is_closed(&self) -> bool {
        self.slot
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .client
            .is_none()
    }

    fn repr(&self, py: Python<'_>, class: &str) -> PyResult<String> {
        let url = PyString::new(py, &self.base_url).repr()?;
        Ok(format!(
            "{class}(base_url={}, timeout={:?}, max_retries={}, user_secret='[REDACTED]', organization_secret='[REDACTED]'{})",
            url.to_string_lossy(),
            self.timeout.as_secs_f64(),
            self.max_retries,
            if self.is_closed() {
                ", closed=True"
            } else {
                ""
            },
        ))
    }
}

/// The create arguments as ONE JSON object, checked by the core.
#[allow(clippy::too_many_arguments)]
fn create_request(
    element: &Bound<'_, PyAny>,
    name: Option<Bound<'_, PyAny>>,
    tags: Option<Bound<'_, PyAny>>,
    configuration: Option<Bound<'_, PyAny>>,
    provider_data: Option<Bound<'_, PyAny>>,
    external_authentication: Option<Bound<'_, PyAny>>,
    endpoint: Option<Bound<'_, PyAny>>,
    extra: Option<Bound<'_, PyAny>>,
) -> Result<CreateInstance, Error> {
    let mut options = Map::new();
    options.insert("element".to_owned(), to_json(element, "element")?);
    for (key, arg) in [
        ("name", name),
        ("tags", tags),
        ("configuration", configuration),
        ("provider_data", provider_data),
        ("external_authentication", external_authentication),
        ("endpoint", endpoint),
        ("extra", extra),
    ] {
        if let Some(obj) = arg {
            options.insert(key.to_owned(), to_json(&obj, key)?);
        }
    }
    open_connectors::create_instance_from_options(Value::Object(options))
}

/// A blocking client of the Open Connectors platform API. Safe to share across
/// threads; every call releases the GIL while it waits.
#[pyclass(frozen, module = "open_connectors", name = "Client")]
pub struct PyClient {
    shared: Shared,
}

#[pymethods]
impl PyClient {
    #[new]
    #[pyo3(signature = (*, base_url=None, region=None, user_secret=None, organization_secret=None,
                        timeout=None, max_retries=None, connect_timeout=None, user_agent_suffix=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        base_url: Option<Bound<'_, PyAny>>,
        region: Option<Bound<'_, PyAny>>,
        user_secret: Option<Bound<'_, PyAny>>,
        organization_secret: Option<Bound<'_, PyAny>>,
        timeout: Option<Bound<'_, PyAny>>,
        max_retries: Option<Bound<'_, PyAny>>,
        connect_timeout: Option<Bound<'_, PyAny>>,
        user_agent_suffix: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let b = builder(
            py,
            base_url,
            region,
            user_secret,
            organization_secret,
            timeout,
            max_retries,
            connect_timeout,
            user_agent_suffix,
        )?;
        Ok(PyClient {
            shared: Shared::new(py, b)?,
        })
    }

    /// Creates an authenticated connector instance.
    #[pyo3(signature = (element, *, name=None, tags=None, configuration=None, provider_data=None,
                        external_authentication=None, endpoint=None, extra=None))]
    #[allow(clippy::too_many_arguments)]
    fn create_instance(
        &self,
        py: Python<'_>,
        element: &Bound<'_, PyAny>,
        name: Option<Bound<'_, PyAny>>,
        tags: Option<Bound<'_, PyAny>>,
        configuration: Option<Bound<'_, PyAny>>,
        provider_data: Option<Bound<'_, PyAny>>,
        external_authentication: Option<Bound<'_, PyAny>>,
        endpoint: Option<Bound<'_, PyAny>>,
        extra: Option<Bound<'_, PyAny>>,
    ) -> PyResult<PyInstance> {
        let request = create_request(
            element,
            name,
            tags,
            configuration,
            provider_data,
            external_authentication,
            endpoint,
            extra,
        )
        .map_err(|e| to_pyerr(py, &e))?;
        let client = self.shared.client(py)?;
        log::refresh(py);
        let result = runtime::wait(py, async move { client.create_instance(&request).await })?;
        result.map(PyInstance::from).map_err(|e| to_pyerr(py, &e))
    }

    /// Closes the client: later calls raise RuntimeError. Calls in flight finish.
    fn close(&self) {
        self.shared.close();
    }

    /// True once `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// The base URL, e.g. "https://api.openconnectors.us2.ext.hana.ondemand.com/elements/api-v2".
    #[getter]
    fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The timeout of one attempt, in seconds.
    #[getter]
    fn timeout(&self) -> f64 {
        self.shared.timeout.as_secs_f64()
    }

    /// Retries after the first attempt.
    #[getter]
    fn max_retries(&self) -> u32 {
        self.shared.max_retries
    }

    /// The User-Agent sent.
    #[getter]
    fn user_agent(&self) -> &str {
        &self.shared.user_agent
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (exc_type, exc, tb, /))]
    #[allow(unused_variables)]
    fn __exit__(&self, exc_type: &Bound<'_, PyAny>, exc: &Bound<'_, PyAny>, tb: &Bound<'_, PyAny>) {
        self.shared.close();
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.shared.repr(py, "Client")
    }
}

/// An asyncio client of the Open Connectors platform API. Its calls return awaitables
/// and never block the event loop. Safe to share across tasks and threads.
#[pyclass(frozen, module = "open_connectors", name = "AsyncClient")]
pub struct PyAsyncClient {
    shared: Shared,
}

#[pymethods]
impl PyAsyncClient {
    #[new]
    #[pyo3(signature = (*, base_url=None, region=None, user_secret=None, organization_secret=None,
                        timeout=None, max_retries=None, connect_timeout=None, user_agent_suffix=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        base_url: Option<Bound<'_, PyAny>>,
        region: Option<Bound<'_, PyAny>>,
        user_secret: Option<Bound<'_, PyAny>>,
        organization_secret: Option<Bound<'_, PyAny>>,
        timeout: Option<Bound<'_, PyAny>>,
        max_retries: Option<Bound<'_, PyAny>>,
        connect_timeout: Option<Bound<'_, PyAny>>,
        user_agent_suffix: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let b = builder(
            py,
            base_url,
            region,
            user_secret,
            organization_secret,
            timeout,
            max_retries,
            connect_timeout,
            user_agent_suffix,
        )?;
        Ok(PyAsyncClient {
            shared: Shared::new(py, b)?,
        })
    }

    /// Creates an authenticated connector instance; returns an awaitable. Every error,
    /// bad input included, is raised when it is awaited.
    #[pyo3(signature = (element, *, name=None, tags=None, configuration=None, provider_data=None,
                        external_authentication=None, endpoint=None, extra=None))]
    #[allow(clippy::too_many_arguments)]
    fn create_instance<'py>(
        &self,
        py: Python<'py>,
        element: &Bound<'py, PyAny>,
        name: Option<Bound<'py, PyAny>>,
        tags: Option<Bound<'py, PyAny>>,
        configuration: Option<Bound<'py, PyAny>>,
        provider_data: Option<Bound<'py, PyAny>>,
        external_authentication: Option<Bound<'py, PyAny>>,
        endpoint: Option<Bound<'py, PyAny>>,
        extra: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let event_loop = runtime::running_loop(py, "AsyncClient.create_instance()")?;
        let request = create_request(
            element,
            name,
            tags,
            configuration,
            provider_data,
            external_authentication,
            endpoint,
            extra,
        );
        let client = self.shared.client(py);
        log::refresh(py);
        let task = async move {
            match (request, client) {
                (Ok(request), Ok(client)) => {
                    Outcome::Done(Box::new(client.create_instance(&request).await))
                }
                (Err(e), _) => Outcome::Done(Box::new(Err(e))),
                (_, Err(e)) => Outcome::Failed(e),
            }
        };
        match completion::spawn(py, &event_loop, task)? {
            Ok(fut) => Ok(fut),
            // A loop that cannot watch file descriptors: pyo3-async-runtimes' hand-off.
            Err(task) => {
                let locals = TaskLocals::new(event_loop).copy_context(py)?;
                pyo3_async_runtimes::generic::future_into_py_with_locals::<
                    runtime::ForkAwareTokio,
                    _,
                    _,
                >(py, locals, async move { Ok(task.await) })
            }
        }
    }

    /// Closes the client: later calls raise RuntimeError. Calls in flight finish.
    fn close(&self) {
        self.shared.close();
    }

    /// Closes the client; returns an awaitable (for `await client.aclose()`).
    fn aclose<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.shared.close();
        runtime::ready(py, py.None().into_bound(py), "AsyncClient.aclose()")
    }

    /// True once `close()` or `aclose()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// The base URL, e.g. "https://api.openconnectors.us2.ext.hana.ondemand.com/elements/api-v2".
    #[getter]
    fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The timeout of one attempt, in seconds.
    #[getter]
    fn timeout(&self) -> f64 {
        self.shared.timeout.as_secs_f64()
    }

    /// Retries after the first attempt.
    #[getter]
    fn max_retries(&self) -> u32 {
        self.shared.max_retries
    }

    /// The User-Agent sent.
    #[getter]
    fn user_agent(&self) -> &str {
        &self.shared.user_agent
    }

    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        runtime::ready(py, slf.into_any(), "async with AsyncClient(...)")
    }

    #[pyo3(signature = (exc_type, exc, tb, /))]
    #[allow(unused_variables)]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        exc_type: &Bound<'py, PyAny>,
        exc: &Bound<'py, PyAny>,
        tb: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.shared.close();
        runtime::ready(py, py.None().into_bound(py), "async with AsyncClient(...)")
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.shared.repr(py, "AsyncClient")
    }
}
