//! Forwards the core's `tracing` events (target `open_connectors`) to the standard
//! `logging` logger `open_connectors`.
//!
//! Kept cheap: the logger's effective level is read (with the GIL, which the caller
//! holds anyway) at the start of every client call and cached in an atomic; an event
//! below it costs one atomic load and never touches Python. Only an event the logger
//! wants takes the GIL. The core never puts a secret in an event's fields.

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Mutex, OnceLock};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

const TARGET: &str = "open_connectors";

/// Python's level number below which events are dropped without touching Python.
/// Starts above CRITICAL: nothing is forwarded until a client call has read the level.
static MIN_LEVEL: AtomicI64 = AtomicI64::new(i64::MAX);

static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Set by an `atexit` hook (`_interpreter_exiting`): once the interpreter is shutting
/// down, no thread of ours attaches to Python again. Attaching during finalization
/// aborts the process (a daemon thread that re-takes the GIL then is ended with
/// `pthread_exit`, whose forced unwind cannot cross Rust's panic guards).
pub static SHUTTING_DOWN: AtomicBool = AtomicBool::new(false);

/// How many of our threads are between "not exiting yet" and holding the GIL again.
static REATTACHING: AtomicUsize = AtomicUsize::new(0);

/// The `atexit` hook. Once it returns, none of our threads is on its way back into
/// the interpreter: each one either saw the flag (and parks) or had the GIL before the
/// hook went on (it let them take it while it waited).
#[pyfunction]
pub fn _interpreter_exiting(py: Python<'_>) {
    SHUTTING_DOWN.store(true, Ordering::SeqCst);
    if REATTACHING.load(Ordering::SeqCst) == 0 {
        return;
    }
    py.detach(|| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while REATTACHING.load(Ordering::SeqCst) != 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
    });
}

/// Held by a thread from the moment it decided to take the GIL again until it has it
/// (see [`reattach_or_park`]).
#[must_use]
pub struct Reattaching(());

impl Drop for Reattaching {
    fn drop(&mut self) {
        REATTACHING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Called without the GIL just before taking it again: parks this thread for good when
/// the interpreter is exiting and it is not the main thread (CPython would end it with
/// `pthread_exit` while Rust frames are on its stack, which aborts the process), and
/// otherwise returns a token to drop once the GIL is held. The count and the flag are
/// both sequentially consistent, so the `atexit` hook and this thread cannot miss each
/// other: either the thread sees the flag, or the hook sees the count and waits.
pub fn reattach_or_park() -> Reattaching {
    REATTACHING.fetch_add(1, Ordering::SeqCst);
    if must_not_reattach() {
        REATTACHING.fetch_sub(1, Ordering::SeqCst);
        loop {
            std::thread::park();
        }
    }
    Reattaching(())
}

/// The Rust id of Python's main thread (the one that runs `atexit` handlers and
/// finalizes), when the module was imported on it.
pub static MAIN_THREAD: OnceLock<std::thread::ThreadId> = OnceLock::new();

/// Whether this thread must not take the GIL again: the interpreter is exiting and this
/// is not its main thread (a daemon thread; a call made from an `atexit` handler runs on
/// the main thread and goes on).
pub fn must_not_reattach() -> bool {
    SHUTTING_DOWN.load(Ordering::SeqCst)
        && MAIN_THREAD
            .get()
            .is_some_and(|main| *main != std::thread::current().id())
}

fn logger(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    LOGGER
        .get_or_try_init(py, || {
            Ok(py
                .import("logging")?
                .call_method1("getLogger", (TARGET,))?
                .unbind())
        })
        .map(|l| l.bind(py))
}

/// Re-reads the logger's effective level. Called at the start of each client call.
///
/// Reads attributes only (`manager.disable`, then `level` up the `parent` chain, as
/// `Logger.isEnabledFor` does): no Python bytecode runs beneath this Rust frame, so a
/// daemon thread is never switched out here and ended by a finalizing interpreter.
pub fn refresh(py: Python<'_>) {
    let level = effective_level(py).unwrap_or(i64::MAX);
    MIN_LEVEL.store(level, Ordering::Relaxed);
}

fn effective_level(py: Python<'_>) -> PyResult<i64> {
    let logger = logger(py)?;
    if logger.getattr(pyo3::intern!(py, "disabled"))?.is_truthy()? {
        return Ok(i64::MAX);
    }
    let disable: i64 = logger
        .getattr(pyo3::intern!(py, "manager"))?
        .getattr(pyo3::intern!(py, "disable"))?
        .extract()?;
    let mut node = logger.clone();
    let level = loop {
        let level: i64 = node.getattr(pyo3::intern!(py, "level"))?.extract()?;
        if level != 0 {
            break level;
        }
        let parent = node.getattr(pyo3::intern!(py, "parent"))?;
        if parent.is_none() {
            break 0;
        }
        node = parent;
    };
    Ok(level.max(disable.saturating_add(1)))
}

fn py_level(level: &Level) -> i64 {
    match *level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        Level::TRACE => 5,
    }
}

fn ours(meta: &Metadata<'_>) -> bool {
    let t = meta.target();
    t == TARGET || t.starts_with("open_connectors::")
}

/// Formats an event as `message key=value ...`.
#[derive(Default)]
struct Line {
    message: String,
    fields: String,
}

impl Visit for Line {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={}", field.name(), value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={:?}", field.name(), value);
        }
    }
}

struct PyLogging;

impl Subscriber for PyLogging {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if ours(meta) && meta.is_event() {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        ours(meta)
            && py_level(meta.level()) >= MIN_LEVEL.load(Ordering::Relaxed)
            && !SHUTTING_DOWN.load(Ordering::Relaxed)
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let level = py_level(event.metadata().level());
        let mut line = Line::default();
        event.record(&mut line);
        let text = format!("{}{}", line.message, line.fields);
        // Never attach to Python from here (a runtime thread): the record waits for a
        // thread that holds the GIL anyway (the caller's, or the event loop's) to emit it.
        // A full queue drops the record rather than block a runtime thread.
        let _ = pending().0.try_send((level, text));
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

type LogRecord = (i64, String);

/// Records waiting to be emitted by a thread attached to Python: a bounded channel,
/// lock-free for the runtime threads that send; its receiver is taken only by threads
/// attached to Python (so `os.fork()` never copies it locked).
fn pending() -> &'static (SyncSender<LogRecord>, Mutex<Receiver<LogRecord>>) {
    static PENDING: OnceLock<(SyncSender<LogRecord>, Mutex<Receiver<LogRecord>>)> = OnceLock::new();
    PENDING.get_or_init(|| {
        let (tx, rx) = sync_channel(PENDING_LIMIT);
        (tx, Mutex::new(rx))
    })
}

/// The most records kept waiting (newer ones are dropped beyond it).
const PENDING_LIMIT: usize = 10_000;

/// The records waiting to be emitted, oldest first, or `None` when there are none.
///
/// Python emits them (`_base.emit_logs`, after every call, in the caller's thread or
/// coroutine): `logging` handlers run Python code and I/O, which must not run beneath a
/// Rust frame (a daemon thread switched out there while the interpreter finalizes is
/// ended with `pthread_exit`, and that unwind aborts the process at a Rust frame).
#[pyfunction]
pub fn take_log_records() -> Option<Vec<(i64, String)>> {
    let rx = pending().1.lock().unwrap_or_else(|e| e.into_inner());
    let batch: Vec<LogRecord> = rx.try_iter().collect();
    (!batch.is_empty()).then_some(batch)
}

/// Installs the forwarding subscriber as this extension's global `tracing` default.
pub fn install() {
    // Fails only if already installed (the module initialised twice): keep the first.
    let _ = tracing::subscriber::set_global_default(PyLogging);
}
