//! The tokio runtime the binding runs on: one per process, rebuilt after `os.fork()`.
//!
//! A forked child inherits the parent's runtime object but none of its threads, so a
//! future spawned on it never runs (build notes, pitfall 9). The runtime is therefore
//! tagged with the pid that built it; a child sees a different pid, leaks the stale
//! runtime (dropping it would wait for threads that do not exist, or touch the
//! parent's epoll instance) and builds a fresh one.
//!
//! `pyo3_async_runtimes::tokio` keeps its runtime in a `OnceLock` that cannot be
//! replaced after a fork, so where the async client uses pyo3-async-runtimes (loops
//! without `add_reader`; see `completion`) it goes through its generic machinery with
//! [`ForkAwareTokio`] instead: the same `future_into_py`, on this runtime.

use std::cell::OnceCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;

use pyo3::exceptions::{PyRuntimeError, PySystemError};
use pyo3::prelude::*;
use pyo3_async_runtimes::TaskLocals;
use pyo3_async_runtimes::generic::{ContextExt, Runtime as GenericRuntime};
use tokio::runtime::{Handle, Runtime};

struct Slot {
    pid: u32,
    runtime: Runtime,
}

/// Locked only by threads attached to Python (which hold the GIL throughout), so a
/// Python `os.fork()` never copies it in a locked state.
static SLOT: Mutex<Option<Slot>> = Mutex::new(None);

/// How often a waiting sync call wakes up to let Python handle signals (Ctrl-C).
pub const SIGNAL_POLL: Duration = Duration::from_millis(100);

/// This process's id, as `std::process::id()` but without a system call per use (glibc
/// does not cache it): remembered, and forgotten in a forked child by a `pthread_atfork`
/// handler. The sync calls check it to tell a forked child, twice per call.
pub fn pid() -> u32 {
    #[cfg(unix)]
    {
        use std::sync::Once;
        use std::sync::atomic::{AtomicU32, Ordering};
        static PID: AtomicU32 = AtomicU32::new(0);
        static WATCH_FORKS: Once = Once::new();
        extern "C" fn forget_in_child() {
            // Async-signal-safe: one atomic store.
            PID.store(0, Ordering::Relaxed);
        }
        WATCH_FORKS.call_once(|| {
            // SAFETY: registers a handler that only stores to an atomic. Should the
            // registration fail (ENOMEM), the id is never remembered (below).
            if unsafe { libc::pthread_atfork(None, None, Some(forget_in_child)) } != 0 {
                PID.store(u32::MAX, Ordering::Relaxed);
            }
        });
        match PID.load(Ordering::Relaxed) {
            0 => {
                let pid = std::process::id();
                // Not remembered when the handler could not be registered.
                let _ = PID.compare_exchange(0, pid, Ordering::Relaxed, Ordering::Relaxed);
                pid
            }
            u32::MAX => std::process::id(),
            pid => pid,
        }
    }
    #[cfg(not(unix))]
    {
        std::process::id()
    }
}

/// The runtime's handle, building the runtime on first use and again in a forked child.
pub fn handle() -> std::io::Result<Handle> {
    let pid = pid();
    let mut slot = SLOT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = slot.as_ref()
        && s.pid == pid
    {
        return Ok(s.runtime.handle().clone());
    }
    if let Some(stale) = slot.take() {
        // Inherited from the parent process: its worker threads do not exist here.
        std::mem::forget(stale);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("open-connectors")
        .build()?;
    let handle = runtime.handle().clone();
    *slot = Some(Slot { pid, runtime });
    Ok(handle)
}

/// [`handle`] for code attached to Python: a failure becomes a Python exception.
pub fn py_handle() -> PyResult<Handle> {
    handle().map_err(|e| PySystemError::new_err(format!("could not start the tokio runtime: {e}")))
}

/// Runs `fut` on the runtime and waits for it with the GIL released, waking up every
/// [`SIGNAL_POLL`] to let Python raise `KeyboardInterrupt` (the task is then aborted).
pub fn wait<T, F>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handle = py_handle()?;
    let mut task = handle.spawn(fut);
    let joined = wait_detached(py, |_first| {
        handle
            .block_on(async { tokio::time::timeout(SIGNAL_POLL, &mut task).await })
            .ok()
    });
    let joined = match joined {
        Ok(joined) => joined,
        Err(interrupted) => {
            task.abort();
            return Err(interrupted);
        }
    };
    joined.map_err(|e| {
        let reason = if e.is_panic() {
            format!(
                "the request task panicked: {}",
                panic_message(e.into_panic().as_ref())
            )
        } else {
            format!("the request task was cancelled: {e}")
        };
        crate::errors::internal(py, reason)
    })
}

/// Calls `step` with the GIL released until it returns `Some` (each call waits at most
/// about [`SIGNAL_POLL`]; `first` is true the first time), letting Python handle
/// signals in between: a `KeyboardInterrupt` is returned as the error. The sync
/// waiting of `wait` and of the lanes (`lane`).
pub fn wait_detached<T: Send>(
    py: Python<'_>,
    mut step: impl FnMut(bool) -> Option<T> + Send,
) -> PyResult<T> {
    let mut first = true;
    loop {
        let (done, reattaching) = py.detach(|| {
            let done = step(std::mem::take(&mut first));
            // The interpreter is exiting: a daemon thread must not take the GIL again
            // (CPython would end it with pthread_exit mid-Rust and abort the process).
            // It waits here for the process to end.
            (done, crate::log::reattach_or_park())
        });
        drop(reattaching);
        match done {
            Some(value) => return Ok(value),
            None => py.check_signals()?,
        }
    }
}

pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "unknown panic"
    }
}

/// pyo3-async-runtimes' generic runtime over [`handle`].
pub struct ForkAwareTokio;

tokio::task_local! {
    static TASK_LOCALS: OnceCell<TaskLocals>;
}

/// The current runtime when called from one of its threads (no lock needed), else the
/// process's runtime.
fn spawn_handle() -> Handle {
    match Handle::try_current() {
        Ok(h) => h,
        Err(_) => handle().expect("open_connectors: could not start the tokio runtime"),
    }
}

impl GenericRuntime for ForkAwareTokio {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        spawn_handle().spawn(fut)
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        spawn_handle().spawn_blocking(f)
    }
}

impl ContextExt for ForkAwareTokio {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cell = OnceCell::new();
        let _ = cell.set(locals);
        Box::pin(TASK_LOCALS.scope(cell, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS
            .try_with(|c| c.get().cloned())
            .unwrap_or_default()
    }
}

/// The running asyncio loop, or a clear error when there is none.
pub fn running_loop<'py>(py: Python<'py>, what: &str) -> PyResult<Bound<'py, PyAny>> {
    pyo3_async_runtimes::get_running_loop(py).map_err(|e| no_running_loop(py, e, what))
}

fn no_running_loop(py: Python<'_>, e: PyErr, what: &str) -> PyErr {
    if !e.is_instance_of::<PyRuntimeError>(py) {
        return e;
    }
    let err = PyRuntimeError::new_err(format!(
        "{what} must be awaited inside a running asyncio event loop (no running event loop); \
         call it from a coroutine (e.g. under asyncio.run()), or use open_connectors.Client for synchronous code"
    ));
    err.set_cause(py, Some(e));
    err
}
