//! Settling the Promises of calls in batches, through one threadsafe function per
//! JavaScript thread.
//!
//! napi-rs' `async fn` makes a threadsafe function per call (a libuv async handle
//! opened and closed, a cleanup hook added and removed) and wakes the event loop once per
//! call. Here a call's Promise is made on the JavaScript thread, its task runs on the
//! tokio runtime, and its answer goes into this thread's queue; only the answer that finds
//! the queue empty wakes the loop, which then settles every answer queued meanwhile. The
//! threadsafe function is made once per JavaScript thread (main or worker), kept
//! un-referenced while no call is pending (an idle client never keeps the process alive)
//! and referenced while one is (as a pending `async fn` call is).

use std::cell::RefCell;
use std::ffi::c_void;
use std::future::Future;
use std::pin::Pin;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use napi::bindgen_prelude::{PromiseRaw, sys};
use napi::{Env, Status};

/// What a finished call settles its Promise with.
pub enum Answer {
    /// Resolved with an array of strings.
    Texts(Vec<String>),
    /// Rejected with an `Error` whose message is this (the core's error payload as JSON,
    /// or what a panic said) and whose `code` is `GenericFailure`, as napi-rs' errors.
    Failed(String),
}

/// A Promise's deferred, usable only on the JavaScript thread that made it.
struct Deferred(sys::napi_deferred);

// SAFETY: the handle is only carried by other threads; it is used (resolved or rejected)
// only in `drain`, on the JavaScript thread that made it.
unsafe impl Send for Deferred {}

/// One JavaScript thread's queue of finished calls and its threadsafe function.
struct Queue {
    /// Set once, right after the threadsafe function is made.
    tsfn: AtomicPtr<sys::napi_threadsafe_function__>,
    done: Mutex<Vec<(Deferred, Answer)>>,
    /// Set when Node finalized the threadsafe function (its environment is going away):
    /// it must not be called again.
    closed: AtomicBool,
}

// SAFETY: `napi_call_threadsafe_function` may be called from any thread; the rest of
// `Queue` is behind a mutex or atomics.
unsafe impl Send for Queue {}
unsafe impl Sync for Queue {}

impl Queue {
    fn tsfn(&self) -> sys::napi_threadsafe_function {
        self.tsfn.load(Ordering::Acquire)
    }
}

/// This JavaScript thread's queue, and how many of its calls are pending (only touched on
/// this thread: counted up in `start`, down in `drain`).
struct Local {
    queue: Arc<Queue>,
    pending: usize,
}

thread_local! {
    static LOCAL: RefCell<Option<Local>> = const { RefCell::new(None) };
}

fn check(status: sys::napi_status, what: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(
            Status::GenericFailure,
            format!("{what} failed (napi status {status})"),
        ))
    }
}

/// This thread's queue, made on first use.
fn queue(env: sys::napi_env) -> napi::Result<Arc<Queue>> {
    LOCAL.with(|local| {
        let mut local = local.borrow_mut();
        if let Some(l) = local.as_ref()
            && !l.queue.closed.load(Ordering::Acquire)
        {
            return Ok(l.queue.clone());
        }
        let queue = Arc::new(Queue {
            tsfn: AtomicPtr::new(ptr::null_mut()),
            done: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        });
        let mut name = ptr::null_mut();
        let label = "open-connectors completions";
        check(
            unsafe {
                sys::napi_create_string_utf8(
                    env,
                    label.as_ptr().cast(),
                    label.len() as isize,
                    &mut name,
                )
            },
            "napi_create_string_utf8",
        )?;
        // The threadsafe function's context owns one reference to the queue, given back in
        // `finalize`.
        let context = Arc::into_raw(queue.clone()) as *mut c_void;
        let mut tsfn = ptr::null_mut();
        let status = unsafe {
            sys::napi_create_threadsafe_function(
                env,
                ptr::null_mut(),
                ptr::null_mut(),
                name,
                0,
                1,
                context,
                Some(finalize),
                context,
                Some(drain),
                &mut tsfn,
            )
        };
        if let Err(e) = check(status, "napi_create_threadsafe_function") {
            drop(unsafe { Arc::from_raw(context as *const Queue) });
            return Err(e);
        }
        queue.tsfn.store(tsfn, Ordering::Release);
        check(
            unsafe { sys::napi_unref_threadsafe_function(env, tsfn) },
            "napi_unref_threadsafe_function",
        )?;
        *local = Some(Local {
            queue: queue.clone(),
            pending: 0,
        });
        Ok(queue)
    })
}

/// Starts `task` on napi-rs' tokio runtime and returns its Promise, settled on this
/// JavaScript thread with the task's answer. A panic in the task rejects the Promise.
pub fn start<'env, F>(env: &'env Env, task: F) -> napi::Result<PromiseRaw<'env, Vec<String>>>
where
    F: Future<Output = Answer> + Send + 'static,
{
    let raw_env = env.raw();
    let queue = queue(raw_env)?;
    let mut deferred = ptr::null_mut();
    let mut promise = ptr::null_mut();
    check(
        unsafe { sys::napi_create_promise(raw_env, &mut deferred, &mut promise) },
        "napi_create_promise",
    )?;
    LOCAL.with(|local| -> napi::Result<()> {
        let mut local = local.borrow_mut();
        if let Some(l) = local.as_mut() {
            if l.pending == 0 {
                check(
                    unsafe { sys::napi_ref_threadsafe_function(raw_env, queue.tsfn()) },
                    "napi_ref_threadsafe_function",
                )?;
            }
            l.pending += 1;
        }
        Ok(())
    })?;
    let deferred = Deferred(deferred);
    napi::bindgen_prelude::spawn(async move {
        let answer = CatchUnwind(task).await.unwrap_or_else(|panic| {
            Answer::Failed(format!(
                "a call panicked: {}",
                panic_message(panic.as_ref())
            ))
        });
        finish(&queue, deferred, answer);
    });
    Ok(PromiseRaw::new(raw_env, promise))
}

/// Queues a finished call; the first of a batch wakes the JavaScript thread.
fn finish(queue: &Queue, deferred: Deferred, answer: Answer) {
    let first = {
        let mut done = queue.done.lock().unwrap_or_else(|e| e.into_inner());
        done.push((deferred, answer));
        done.len() == 1
    };
    if first && !queue.closed.load(Ordering::Acquire) {
        // Fails only once the environment is going away: nothing is left to settle.
        let _ = unsafe {
            sys::napi_call_threadsafe_function(
                queue.tsfn(),
                ptr::null_mut(),
                sys::ThreadsafeFunctionCallMode::nonblocking,
            )
        };
    }
}

/// On the JavaScript thread: settles every queued answer.
unsafe extern "C" fn drain(
    env: sys::napi_env,
    _js_callback: sys::napi_value,
    context: *mut c_void,
    _data: *mut c_void,
) {
    if env.is_null() || context.is_null() {
        // The environment is being torn down: no Promise can be settled any more.
        return;
    }
    // SAFETY: the context holds a reference to the queue until `finalize`.
    let queue = unsafe { &*(context as *const Queue) };
    let done = std::mem::take(&mut *queue.done.lock().unwrap_or_else(|e| e.into_inner()));
    let settled = done.len();
    for (deferred, answer) in done {
        // SAFETY: on the JavaScript thread that made the deferred, with its env.
        unsafe { settle(env, deferred.0, answer) };
    }
    let _ = LOCAL.try_with(|local| {
        if let Ok(mut local) = local.try_borrow_mut()
            && let Some(l) = local.as_mut()
        {
            l.pending = l.pending.saturating_sub(settled);
            if l.pending == 0 && settled > 0 {
                unsafe { sys::napi_unref_threadsafe_function(env, queue.tsfn()) };
            }
        }
    });
}

/// Resolves or rejects one Promise. A failure to build the value rejects it with a plain
/// `Error` saying so (never leaves it pending).
unsafe fn settle(env: sys::napi_env, deferred: sys::napi_deferred, answer: Answer) {
    let resolved = match answer {
        Answer::Texts(texts) => unsafe { texts_array(env, &texts) }.map(Ok),
        Answer::Failed(message) => unsafe { error(env, &message) }.map(Err),
    };
    unsafe {
        match resolved {
            Ok(Ok(value)) => sys::napi_resolve_deferred(env, deferred, value),
            Ok(Err(value)) => sys::napi_reject_deferred(env, deferred, value),
            Err(()) => match error(env, "could not build the answer of a call") {
                Ok(value) => sys::napi_reject_deferred(env, deferred, value),
                Err(()) => {
                    let mut undefined = ptr::null_mut();
                    sys::napi_get_undefined(env, &mut undefined);
                    sys::napi_reject_deferred(env, deferred, undefined)
                }
            },
        };
    }
}

unsafe fn string(env: sys::napi_env, text: &str) -> Result<sys::napi_value, ()> {
    let mut value = ptr::null_mut();
    let status = unsafe {
        sys::napi_create_string_utf8(env, text.as_ptr().cast(), text.len() as isize, &mut value)
    };
    if status == sys::Status::napi_ok {
        Ok(value)
    } else {
        Err(())
    }
}

unsafe fn texts_array(env: sys::napi_env, texts: &[String]) -> Result<sys::napi_value, ()> {
    let mut array = ptr::null_mut();
    if unsafe { sys::napi_create_array_with_length(env, texts.len(), &mut array) }
        != sys::Status::napi_ok
    {
        return Err(());
    }
    for (i, text) in texts.iter().enumerate() {
        let value = unsafe { string(env, text) }?;
        if unsafe { sys::napi_set_element(env, array, i as u32, value) } != sys::Status::napi_ok {
            return Err(());
        }
    }
    Ok(array)
}

/// An `Error` with `message` and `code: 'GenericFailure'`, as napi-rs rejects with.
unsafe fn error(env: sys::napi_env, message: &str) -> Result<sys::napi_value, ()> {
    let code = unsafe { string(env, "GenericFailure") }?;
    let message = unsafe { string(env, message) }?;
    let mut value = ptr::null_mut();
    if unsafe { sys::napi_create_error(env, code, message, &mut value) } == sys::Status::napi_ok {
        Ok(value)
    } else {
        Err(())
    }
}

/// Node finalized the threadsafe function (its environment is going away).
unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    if data.is_null() {
        return;
    }
    // SAFETY: `data` is the reference made in `queue`, given back once, here.
    let queue = unsafe { Arc::from_raw(data as *const Queue) };
    queue.closed.store(true, Ordering::Release);
}

/// The text of a panic's payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "unknown panic"
    }
}

/// A future whose panics are caught (as `Err` of the panic's payload).
struct CatchUnwind<F>(F);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn std::any::Any + Send>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning of the only field.
        let inner = unsafe { self.map_unchecked_mut(|s| &mut s.0) };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}
