//! `NativeClient`: the one native class behind `open_connectors.Client` and
//! `open_connectors.AsyncClient` (generated Python, `python/open_connectors/_client.py`).
//!
//! It holds the core builder's settings and a core client tagged with the pid that
//! built it: after `os.fork()` the child rebuilds its own (the parent's connection
//! pool belongs to a runtime whose threads the child does not have). It knows no
//! operation: `call` and `call_async` send whichever the core's table names.

use std::sync::{Arc, Mutex};

use open_connectors::{CallOptions, Client, ClientBuilder, Error, Lang};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3_async_runtimes::TaskLocals;
use serde_json::Value;

use crate::completion::{self, Outcome};
use crate::convert::{args_to_json, output_to_py};
use crate::errors::to_pyerr;
use crate::lane::{Lane, Lanes};
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

/// At most this many sync calls of one client run on lanes at once (`lane`); the
/// others are handed to the shared runtime's worker, and while any call runs there, new
/// calls go there too (`take_lane`). Measured with 64 threads calling at once (`make
/// bench`, client on one CPU): lanes for every call cost as much CPU per call as the
/// shared runtime alone or 4 lanes (35-54 µs against 34-42, run to run), and 4 lanes
/// taken back call after call by their threads left the others a p99 of 13-15 ms;
/// sending every call to the shared runtime while one runs there gave 8-10 % more calls
/// per second and a p99 of 3.4-3.9 ms. Each lane's thread wakes for its own answer and
/// then queues for the GIL; the shared worker reads many answers per wake-up.
const LANES_AT_ONCE: usize = 4;

struct Slot {
    pid: u32,
    /// None once closed.
    client: Option<Client>,
    /// The idle lanes of sync calls (`lane`): each a runtime and a pool of its own.
    lanes: Lanes,
    /// How many lanes are in use (taken and not given back).
    lanes_busy: usize,
    /// How many sync calls are running on the shared runtime (not on lanes).
    shared_busy: usize,
}

/// A sync call that [`NativeClient::take_lane`] sent to the shared runtime: counted
/// off `shared_busy` when dropped (the call ended, failed, was interrupted or panicked).
struct SharedCall<'a>(&'a NativeClient);

impl Drop for SharedCall<'_> {
    fn drop(&mut self) {
        self.0.release_shared();
    }
}

/// The native client: settings, and the core client of this process.
#[pyclass(frozen, module = "open_connectors._native", name = "NativeClient")]
pub struct NativeClient {
    builder: ClientBuilder,
    /// Shared with the instance handles made from this client (`for_instance`).
    slot: Arc<Mutex<Slot>>,
    /// The instance token of an instance handle (its calls are scoped to it).
    instance: Option<open_connectors::Secret>,
    base_url: String,
    timeout: f64,
    max_retries: u32,
    user_agent: String,
}

/// A call's arguments and options, checked by the core's parsers.
fn prepare(
    args: &Bound<'_, PyAny>,
    options: Option<&Bound<'_, PyAny>>,
) -> Result<(Value, CallOptions), Error> {
    let args = args_to_json(args, "args")?;
    let options = match options {
        Some(o) => CallOptions::from_json(Lang::Python, &args_to_json(o, "options")?)?,
        None => CallOptions::default(),
    };
    Ok((args, options))
}

/// The table's own spelling of operation `name` (a `'static` name moves into the call's
/// future without a copy); the core's error for a name that is not an operation.
fn operation_name(name: &str) -> Result<&'static str, Error> {
    open_connectors::ops::find(name).map(|op| op.name)
}

/// Runs `f`; a Rust panic inside becomes an `InternalError`, never a
/// `PanicException` (which `except Exception` would miss).
pub(crate) fn guard<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => Err(crate::errors::internal(
            py,
            format!(
                "a call panicked: {}",
                crate::runtime::panic_message(payload.as_ref())
            ),
        )),
    }
}

/// `task` as a future of `event_loop`: completed in batches on the loop's thread, or,
/// for a loop that cannot watch file descriptors, through pyo3-async-runtimes' hand-off.
fn future_on_loop<'py>(
    py: Python<'py>,
    event_loop: Bound<'py, PyAny>,
    task: impl Future<Output = Outcome> + Send + 'static,
) -> PyResult<Bound<'py, PyAny>> {
    match completion::spawn(py, &event_loop, task)? {
        Ok(fut) => Ok(fut),
        Err(task) => {
            let locals = TaskLocals::new(event_loop).copy_context(py)?;
            pyo3_async_runtimes::generic::future_into_py_with_locals::<runtime::ForkAwareTokio, _, _>(
                py,
                locals,
                async move { Ok(task.await) },
            )
        }
    }
}

impl NativeClient {
    /// [`prepare`], with this handle's instance token.
    fn prepare(
        &self,
        args: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyAny>>,
    ) -> Result<(Value, CallOptions), Error> {
        let (args, mut options) = prepare(args, options)?;
        if self.instance.is_some() {
            options.instance_token = self.instance.clone();
        }
        Ok((args, options))
    }

    fn call_inner<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        args: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (args, options) = self.prepare(args, options).map_err(|e| to_pyerr(py, &e))?;
        let name = operation_name(name).map_err(|e| to_pyerr(py, &e))?;
        log::refresh(py);
        let result = self.on_lane(py, move |client| async move {
            client.call_with(Lang::Python, name, args, &options).await
        })?;
        match result {
            Ok(out) => output_to_py(py, out),
            Err(e) => Err(to_pyerr(py, &e)),
        }
    }

    /// Runs `call` on a lane of this client, on the calling thread (`lane`); when
    /// [`LANES_AT_ONCE`] are in use, on the shared runtime instead. A panic inside
    /// becomes an `InternalError`, and that lane is not reused.
    fn on_lane<F, T>(&self, py: Python<'_>, call: impl FnOnce(Client) -> F) -> PyResult<T>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let lane = match self.take_lane().map_err(|e| to_pyerr(py, &e))? {
            Ok(lane) => lane,
            // Boxed: the call's state machine is several kilobytes, and spawning moves a
            // future more than once; a box moves as a pointer.
            Err(shared) => {
                // Counted off when the call ends, however it ends.
                let _counted = SharedCall(self);
                return runtime::wait(py, Box::pin(call(shared)));
            }
        };
        match lane.drive(py, call) {
            Ok(Ok(value)) => {
                self.give_back(lane);
                Ok(value)
            }
            Ok(Err(panic)) => {
                // Its runtime may be left mid-task: the lane is dropped.
                drop(lane);
                self.release_lane();
                Err(crate::errors::internal(
                    py,
                    format!("the request panicked: {panic}"),
                ))
            }
            Err(interrupted) => {
                // Ctrl-C: the call was dropped (its connection closed); the lane is fine.
                self.give_back(lane);
                Err(interrupted)
            }
        }
    }

    /// An idle lane of this client or a new one (built outside the lock); or the client
    /// of the shared runtime (`Err`, counted in `shared_busy` until
    /// [`release_shared`](Self::release_shared)) when [`LANES_AT_ONCE`] are in use, or
    /// while any call runs there: the shared runtime's callers are then served in
    /// turn, not after the lane holders, who would otherwise take their lanes back at
    /// once, call after call.
    fn take_lane(&self) -> Result<Result<Lane, Client>, Error> {
        let client = {
            let mut slot = self.lock_current()?;
            let lanes_open = slot.lanes_busy < LANES_AT_ONCE && slot.shared_busy == 0;
            if lanes_open && let Some(lane) = slot.lanes.take() {
                slot.lanes_busy += 1;
                return Ok(Ok(lane));
            }
            let shared = slot.client.clone().ok_or(Error::ClientClosed)?;
            if !lanes_open {
                slot.shared_busy += 1;
                return Ok(Err(shared));
            }
            slot.lanes_busy += 1;
            shared
        };
        match Lane::new(&client) {
            Ok(lane) => Ok(Ok(lane)),
            Err(e) => {
                self.release_lane();
                Err(e)
            }
        }
    }

    /// Counts a call that [`take_lane`](Self::take_lane) sent to the shared runtime as
    /// finished.
    fn release_shared(&self) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.shared_busy = slot.shared_busy.saturating_sub(1);
    }

    /// Counts a lane taken by [`take_lane`](Self::take_lane) as no longer in use.
    fn release_lane(&self) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.lanes_busy = slot.lanes_busy.saturating_sub(1);
    }

    /// Gives `lane` back to this client's idle lanes, unless the client was closed (or
    /// this is a forked child, which does not own it).
    fn give_back(&self, lane: Lane) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.lanes_busy = slot.lanes_busy.saturating_sub(1);
        if slot.pid != crate::runtime::pid() {
            // Not this process's lane: leaked untouched, as at `lock_current`.
            drop(slot);
            std::mem::forget(lane);
            return;
        }
        if slot.client.is_none() {
            drop(slot);
            drop(lane);
            return;
        }
        let expired = slot.lanes.give_back(lane);
        drop(slot);
        drop(expired);
    }

    fn call_async_inner<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        args: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let event_loop = runtime::running_loop(py, "AsyncClient")?;
        let (args, options) = self.prepare(args, options).map_err(|e| to_pyerr(py, &e))?;
        let name = operation_name(name).map_err(|e| to_pyerr(py, &e))?;
        let client = self.client().map_err(|e| to_pyerr(py, &e))?;
        log::refresh(py);
        // Boxed, as in `on_lane`.
        let task = Box::pin(async move {
            Outcome::Done(Box::new(
                client.call_with(Lang::Python, name, args, &options).await,
            ))
        });
        future_on_loop(py, event_loop, task)
    }

    /// The core client of this process. The lock is taken only attached to Python and
    /// no Python code runs while it is held (so the GIL is never given up with it held,
    /// and `os.fork()` cannot copy it locked).
    fn client(&self) -> Result<Client, Error> {
        self.lock_current()?
            .client
            .clone()
            .ok_or(Error::ClientClosed)
    }

    /// The slot, locked, holding this process's client (and lanes); `ClientClosed`
    /// once closed.
    fn lock_current(&self) -> Result<std::sync::MutexGuard<'_, Slot>, Error> {
        let pid = crate::runtime::pid();
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        if slot.client.is_none() {
            return Err(Error::ClientClosed);
        }
        if slot.pid != pid {
            // Forked: build this process's own client. The inherited one and the
            // inherited lanes (their pools belong to the parent's runtimes, their
            // epoll instances are shared with the parent) are leaked untouched.
            let built = self.builder.clone().build()?;
            std::mem::forget(slot.client.replace(built));
            std::mem::forget(slot.lanes.take_all());
            // The calls in the parent are not in this process.
            slot.lanes_busy = 0;
            slot.shared_busy = 0;
            slot.pid = pid;
        }
        Ok(slot)
    }
}

#[pymethods]
impl NativeClient {
    /// Builds a client from the settings dict (Python names, seconds); missing
    /// settings fall back to the `OPEN_CONNECTORS_*` environment (in the core).
    #[new]
    fn new(py: Python<'_>, settings: &Bound<'_, PyAny>) -> PyResult<Self> {
        let json = args_to_json(settings, "settings").map_err(|e| to_pyerr(py, &e))?;
        let builder = ClientBuilder::from_json(Lang::Python, &json)
            .map_err(|e| to_pyerr(py, &e))?
            .language("python", python_version(py));
        let client = builder.clone().build().map_err(|e| to_pyerr(py, &e))?;
        Ok(NativeClient {
            builder,
            base_url: client.base_url().to_owned(),
            timeout: client.timeout().as_secs_f64(),
            max_retries: client.max_retries(),
            user_agent: client.user_agent().to_owned(),
            slot: Arc::new(Mutex::new(Slot {
                pid: crate::runtime::pid(),
                client: Some(client),
                lanes: Lanes::default(),
                lanes_busy: 0,
                shared_busy: 0,
            })),
            instance: None,
        })
    }

    /// A handle on the same client (pool, settings, closing) whose calls carry the
    /// instance `token`.
    fn for_instance(&self, py: Python<'_>, token: &str) -> PyResult<NativeClient> {
        open_connectors::validate_secret("token", token).map_err(|e| to_pyerr(py, &e))?;
        Ok(NativeClient {
            builder: self.builder.clone(),
            slot: self.slot.clone(),
            instance: Some(open_connectors::Secret::from(token.to_owned())),
            base_url: self.base_url.clone(),
            timeout: self.timeout,
            max_retries: self.max_retries,
            user_agent: self.user_agent.clone(),
        })
    }

    /// Sends operation `name` with `args` (a dict, Python names) and per-call
    /// `options`; blocks with the GIL released. Returns None or `(raw, fields)`.
    #[pyo3(signature = (name, args, options=None))]
    fn call<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        args: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || self.call_inner(py, name, args, options))
    }

    /// [`call`](Self::call) for asyncio: returns a future of the running loop. Raises
    /// at once for bad input (the generated coroutine calls it when awaited).
    #[pyo3(signature = (name, args, options=None))]
    fn call_async<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        args: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || self.call_async_inner(py, name, args, options))
    }
    /// The request operation `name` would send, as a `curl` command line, secrets as
    /// placeholders unless `show_secrets`. Sends nothing; bad input raises as a call would.
    #[pyo3(signature = (name, args, options=None, show_secrets=false))]
    fn dry_run(
        &self,
        py: Python<'_>,
        name: &str,
        args: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyAny>>,
        show_secrets: bool,
    ) -> PyResult<String> {
        guard(py, || {
            let (args, options) = self.prepare(args, options).map_err(|e| to_pyerr(py, &e))?;
            let client = self.client().map_err(|e| to_pyerr(py, &e))?;
            let (_, request) = client
                .build_call(Lang::Python, name, args, &options)
                .map_err(|e| to_pyerr(py, &e))?;
            Ok(open_connectors::curl::to_curl(&request, show_secrets))
        })
    }

    /// A pager over paged operation `name` (checks `args` now; sends nothing yet).
    #[pyo3(signature = (name, args, options=None))]
    fn pager(
        &self,
        py: Python<'_>,
        name: &str,
        args: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<NativePager> {
        guard(py, || {
            let (args, options) = self.prepare(args, options).map_err(|e| to_pyerr(py, &e))?;
            let client = self.client().map_err(|e| to_pyerr(py, &e))?;
            let pager = client
                .pager_with(Lang::Python, name, args, &options)
                .map_err(|e| to_pyerr(py, &e))?
                // Hub records: the page's array is parsed straight into Python objects
                // on the caller's thread (`json.rs`), not into `Value`s and converted.
                .records_as_text();
            Ok(NativePager {
                pager: Arc::new(tokio::sync::Mutex::new(pager)),
            })
        })
    }

    /// Closes the client: later calls raise ClientClosedError. Calls in flight finish.
    fn close(&self) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        let old = slot.client.take();
        let lanes = slot.lanes.take_all();
        let forked = slot.pid != crate::runtime::pid();
        drop(slot);
        if forked {
            std::mem::forget(old);
            std::mem::forget(lanes);
        } else {
            // Closes the idle lanes' connections now; a lane in use is dropped when
            // its call ends (`give_back`).
            drop(lanes);
        }
    }

    /// True once closed.
    #[getter]
    fn closed(&self) -> bool {
        self.slot
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .client
            .is_none()
    }

    /// Test hook: panics inside a lane's runtime on purpose (the point of the hook):
    /// `on_lane` turns it into `InternalError`, and the lane is not reused.
    fn _panic_in_lane_for_tests(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || {
            self.on_lane(py, |_client| async {
                panic!("a test panic in a lane");
            })
        })
    }

    /// Bench hook (`benches/floor.py`): a call that does nothing, on a lane as a sync
    /// call is: the lane's cost alone (GIL released and taken back, `block_on`).
    fn _lane_for_bench(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || self.on_lane(py, |_client| async {}))
    }

    /// How many lanes of sync calls are idle (each a runtime and a connection pool
    /// driven on the calling thread): for tests and diagnostics.
    #[getter]
    fn _idle_lanes(&self) -> usize {
        self.slot
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .lanes
            .len()
    }

    /// The base URL.
    #[getter]
    fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The timeout of one attempt, in seconds.
    #[getter]
    fn timeout(&self) -> f64 {
        self.timeout
    }

    /// Retries after the first attempt.
    #[getter]
    fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The User-Agent sent.
    #[getter]
    fn user_agent(&self) -> &str {
        &self.user_agent
    }
}

/// A listing, fetched page by page by the core's pager (its stop rules and retries).
#[pyclass(frozen, module = "open_connectors._native", name = "NativePager")]
pub struct NativePager {
    pager: Arc<tokio::sync::Mutex<open_connectors::pager::Pager>>,
}

#[pymethods]
impl NativePager {
    /// The next page as `(items, next_cursor, total_count)`, or None once the listing
    /// is over; blocks with the GIL released.
    fn next_page<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let pager = self.pager.clone();
            log::refresh(py);
            let page = runtime::wait(py, async move { pager.lock().await.next_page().await })?;
            completion::into_result(py, Outcome::Page(Box::new(page)))
        })
    }

    /// [`next_page`](Self::next_page) for asyncio: a future of the running loop.
    fn next_page_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let event_loop = runtime::running_loop(py, "AsyncClient")?;
            let pager = self.pager.clone();
            log::refresh(py);
            let task = async move { Outcome::Page(Box::new(pager.lock().await.next_page().await)) };
            future_on_loop(py, event_loop, task)
        })
    }
}
