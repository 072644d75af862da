//! Forwards the core's `tracing` events (target `open_connectors`) to the standard
//! `logging` logger `open_connectors`.
//!
//! Kept cheap: the logger's effective level is read (with the GIL, which the caller
//! holds anyway) at the start of every client call and cached in an atomic; an event
//! below it costs one atomic load and never touches Python. Only an event the logger
//! wants takes the GIL. The core never puts a secret in an event's fields.

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
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

/// The `atexit` hook.
#[pyfunction]
pub fn _interpreter_exiting() {
    SHUTTING_DOWN.store(true, Ordering::SeqCst);
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

/// Re-reads the logger's effective level (and emits waiting records). Called at the
/// start of each client call.
pub fn refresh(py: Python<'_>) {
    flush(py);
    let level = logger(py)
        .and_then(|l| l.call_method0(pyo3::intern!(py, "getEffectiveLevel")))
        .and_then(|l| l.extract::<i64>())
        .unwrap_or(i64::MAX);
    MIN_LEVEL.store(level, Ordering::Relaxed);
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

/// Emits the waiting records to the `logging` logger. Called by threads attached to
/// Python: a sync call's thread (while and after it waits) and the event loop's thread
/// (when it completes async calls), so records come out in order, from Python threads.
pub fn flush(py: Python<'_>) {
    let batch: Vec<LogRecord> = pending()
        .1
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .try_iter()
        .collect();
    if batch.is_empty() {
        return;
    }
    let Ok(logger) = logger(py) else { return };
    for (level, text) in batch {
        let wanted = logger
            .call_method1(pyo3::intern!(py, "isEnabledFor"), (level,))
            .and_then(|b| b.is_truthy())
            .unwrap_or(false);
        if wanted && let Err(e) = logger.call_method1(pyo3::intern!(py, "log"), (level, text)) {
            e.write_unraisable(py, None);
        }
    }
}

/// Installs the forwarding subscriber as this extension's global `tracing` default.
pub fn install() {
    // Fails only if already installed (the module initialised twice): keep the first.
    let _ = tracing::subscriber::set_global_default(PyLogging);
}
