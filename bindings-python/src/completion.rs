//! Completing asyncio futures from tokio tasks in batches, on the event loop's thread.
//!
//! pyo3-async-runtimes completes each future from a blocking-pool thread that takes
//! the GIL (held by the busy loop thread) to call `loop.call_soon_threadsafe`: several
//! context switches per call. Here a finished task pushes (future, outcome) onto a
//! per-loop queue and, only when the queue was empty, writes one byte to a socket
//! pair whose read end is registered once per loop with `loop.add_reader`. The reader
//! callback runs on the loop thread with the GIL already held, drains the queue and
//! sets every result: no extra thread, no GIL contention, one wake-up per batch.
//!
//! The per-loop state is keyed by (pid, id(loop)) and checked against a weak
//! reference to the loop (ids are reused): a forked child never reuses the parent's
//! queue or registration. The registered callback owns the state, so it lives as long
//! as the loop's selector keeps it (until `loop.close()`) or a task still holds it;
//! results finishing after the loop closed are dropped with it.

//!
//! The socket pair is Unix-only: elsewhere (Windows) [`spawn`] always hands the task
//! back, and the caller completes it through pyo3-async-runtimes, the portable path.

#[cfg(not(unix))]
use std::future::Future;

use open_connectors::{Error, Output};
use pyo3::prelude::*;

use crate::convert::output_to_py;
use crate::errors::{internal, to_pyerr};

#[cfg(unix)]
pub use unix::spawn;

/// Where Unix socket pairs are missing: always the portable path.
#[cfg(not(unix))]
pub fn spawn<'py, F>(
    _py: Python<'py>,
    _event_loop: &Bound<'py, PyAny>,
    task: F,
) -> PyResult<Result<Bound<'py, PyAny>, F>>
where
    F: Future<Output = Outcome> + Send + 'static,
{
    Ok(Err(task))
}

/// What a call resolves to.
pub enum Outcome {
    Done(Box<Result<Output, Error>>),
    /// A page of a pager: `None` once the listing is over.
    Page(Box<Result<Option<open_connectors::pager::Page>, Error>>),
    /// The task panicked or was dropped by the runtime before it finished.
    Lost {
        panicked: bool,
    },
}

#[cfg(unix)]
mod unix {
    use std::collections::HashMap;
    use std::future::Future;
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;
    use std::sync::{Arc, Mutex, Weak};

    use pyo3::exceptions::PyNotImplementedError;
    use pyo3::prelude::*;
    use pyo3::types::PyWeakrefReference;

    use super::{Cancel, Outcome, into_result};
    use crate::runtime;

    type Entry = (Py<PyAny>, Outcome);

    struct LoopState {
        pid: u32,
        /// A weak reference to the loop (a strong one if it does not support weak references).
        loop_ref: Py<PyAny>,
        queue: Mutex<Vec<Entry>>,
        wake_tx: UnixStream,
        wake_rx: UnixStream,
    }

    impl LoopState {
        fn is_loop(&self, py: Python<'_>, event_loop: &Bound<'_, PyAny>) -> bool {
            let r = self.loop_ref.bind(py);
            match r.cast::<PyWeakrefReference>() {
                Ok(weak) => weak.upgrade().is_some_and(|l| l.is(event_loop)),
                Err(_) => r.is(event_loop),
            }
        }

        /// Called from any thread, without the GIL.
        fn push(&self, fut: Py<PyAny>, outcome: Outcome) {
            let was_empty = {
                let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                let was_empty = q.is_empty();
                q.push((fut, outcome));
                was_empty
            };
            if was_empty {
                // WouldBlock means the buffer is full of wake-ups already: nothing to do.
                let _ = (&self.wake_tx).write(&[1]);
            }
        }
    }

    /// Locked only by threads attached to Python, never across Python code, so
    /// `os.fork()` never copies it in a locked state.
    static LOOPS: Mutex<Option<LoopMap>> = Mutex::new(None);

    /// (pid, id(loop)) -> the loop's state.
    type LoopMap = HashMap<(u32, usize), Weak<LoopState>>;

    /// The state of `event_loop` (the running loop of this thread), registering its reader
    /// on first use; `None` when the loop cannot watch file descriptors (`add_reader`).
    fn state_for(
        py: Python<'_>,
        event_loop: &Bound<'_, PyAny>,
    ) -> PyResult<Option<Arc<LoopState>>> {
        let pid = crate::runtime::pid();
        let key = (pid, event_loop.as_ptr() as usize);
        // No Python code runs under the lock (it could switch to a thread waiting for it).
        let known = LOOPS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .and_then(|map| map.get(&key).and_then(Weak::upgrade));
        if let Some(state) = known
            && state.is_loop(py, event_loop)
        {
            return Ok(Some(state));
        }
        let (wake_tx, wake_rx) = UnixStream::pair()?;
        wake_tx.set_nonblocking(true)?;
        wake_rx.set_nonblocking(true)?;
        let loop_ref = match PyWeakrefReference::new(event_loop) {
            Ok(w) => w.into_any().unbind(),
            Err(_) => event_loop.clone().unbind(),
        };
        let state = Arc::new(LoopState {
            pid,
            loop_ref,
            queue: Mutex::new(Vec::new()),
            wake_tx,
            wake_rx,
        });
        let fd = state.wake_rx.as_raw_fd();
        let drain = Bound::new(
            py,
            Drain {
                state: state.clone(),
            },
        )?;
        match event_loop.call_method1(pyo3::intern!(py, "add_reader"), (fd, drain)) {
            Ok(_) => {}
            Err(e) if e.is_instance_of::<PyNotImplementedError>(py) => return Ok(None),
            Err(e) => return Err(e),
        }
        let mut loops = LOOPS.lock().unwrap_or_else(|e| e.into_inner());
        let map = loops.get_or_insert_with(HashMap::new);
        // Forget the states of dead loops and of the parent process.
        map.retain(|k, w| k.0 == pid && w.strong_count() > 0);
        map.insert(key, Arc::downgrade(&state));
        Ok(Some(state))
    }

    /// Completes the future if the task ends without delivering (panic, runtime shutdown,
    /// abort after a cancellation).
    struct Completion {
        state: Arc<LoopState>,
        fut: Option<Py<PyAny>>,
    }

    impl Completion {
        fn complete(mut self, outcome: Outcome) {
            if let Some(fut) = self.fut.take() {
                self.state.push(fut, outcome);
            }
        }
    }

    impl Drop for Completion {
        fn drop(&mut self) {
            if let Some(fut) = self.fut.take() {
                let panicked = std::thread::panicking();
                self.state.push(fut, Outcome::Lost { panicked });
            }
        }
    }

    /// Runs `task` on the tokio runtime and returns an asyncio future of `event_loop` (the
    /// running loop) that it completes. `Err(task)` when the loop cannot watch file
    /// descriptors: the caller completes it another way.
    pub fn spawn<'py, F>(
        py: Python<'py>,
        event_loop: &Bound<'py, PyAny>,
        task: F,
    ) -> PyResult<Result<Bound<'py, PyAny>, F>>
    where
        F: Future<Output = Outcome> + Send + 'static,
    {
        let handle = runtime::py_handle()?;
        let Some(state) = state_for(py, event_loop)? else {
            return Ok(Err(task));
        };
        let fut = event_loop.call_method0(pyo3::intern!(py, "create_future"))?;
        let completion = Completion {
            state,
            fut: Some(fut.clone().unbind()),
        };
        let join = handle.spawn(async move {
            let outcome = task.await;
            completion.complete(outcome);
        });
        let cancel = Cancel {
            abort: join.abort_handle(),
        };
        fut.call_method1(pyo3::intern!(py, "add_done_callback"), (cancel,))?;
        Ok(Ok(fut))
    }

    /// The reader callback of a loop: drains its queue.
    #[pyclass(frozen)]
    struct Drain {
        state: Arc<LoopState>,
    }

    #[pymethods]
    impl Drain {
        fn __call__(&self, py: Python<'_>) {
            let state = &self.state;
            if state.pid != crate::runtime::pid() {
                // Inherited from the parent process, whose tasks never finish here.
                return;
            }
            let mut buf = [0u8; 64];
            while let Ok(n) = (&state.wake_rx).read(&mut buf) {
                if n < buf.len() {
                    break;
                }
            }
            let batch = std::mem::take(&mut *state.queue.lock().unwrap_or_else(|e| e.into_inner()));
            for (fut, outcome) in batch {
                let fut = fut.bind(py);
                if let Err(e) = deliver(py, fut, outcome) {
                    e.write_unraisable(py, Some(fut));
                }
            }
        }
    }

    fn deliver(py: Python<'_>, fut: &Bound<'_, PyAny>, outcome: Outcome) -> PyResult<()> {
        if fut
            .call_method0(pyo3::intern!(py, "cancelled"))?
            .is_truthy()?
        {
            return Ok(());
        }
        match into_result(py, outcome) {
            Ok(value) => fut.call_method1(pyo3::intern!(py, "set_result"), (value,))?,
            Err(e) => fut.call_method1(pyo3::intern!(py, "set_exception"), (e.into_value(py),))?,
        };
        Ok(())
    }
}

/// The Python value of an outcome, or the exception it raises.
pub(crate) fn into_result(py: Python<'_>, outcome: Outcome) -> PyResult<Bound<'_, PyAny>> {
    match outcome {
        Outcome::Done(done) => match *done {
            Ok(out) => output_to_py(py, out),
            Err(e) => Err(to_pyerr(py, &e)),
        },
        Outcome::Page(page) => match *page {
            Ok(Some(p)) => crate::convert::page_to_py(py, p),
            Ok(None) => Ok(py.None().into_bound(py)),
            Err(e) => Err(to_pyerr(py, &e)),
        },
        Outcome::Lost { panicked: true } => Err(internal(py, "the request task panicked")),
        Outcome::Lost { panicked: false } => Err(internal(
            py,
            "the request task was dropped before it finished (runtime shut down)",
        )),
    }
}

/// pyo3-async-runtimes' hand-off delivers an outcome through this.
impl<'py> IntoPyObject<'py> for Outcome {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        into_result(py, self)
    }
}

/// The done callback of a future: a cancelled future aborts its task (the request).
#[pyclass(frozen)]
pub(crate) struct Cancel {
    pub(crate) abort: tokio::task::AbortHandle,
}

#[pymethods]
impl Cancel {
    fn __call__(&self, fut: &Bound<'_, PyAny>) -> PyResult<()> {
        if fut
            .call_method0(pyo3::intern!(fut.py(), "cancelled"))?
            .is_truthy()?
        {
            self.abort.abort();
        }
        Ok(())
    }
}
