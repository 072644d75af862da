//! Sync calls driven on the calling thread: no hand-off to another thread.
//!
//! A [`Lane`] is a current-thread tokio runtime and a core client with a connection
//! pool of its own ([`Client::with_own_pool`]), whose connections are tasks of that
//! runtime. A sync call takes an idle lane of its client, drives the call with
//! `block_on` on the calling thread (the GIL released), and gives the lane back. The
//! thread that asked does the work: the socket is read where the answer is wanted,
//! with no wake-up of a worker thread and none of the caller (the multi-thread
//! runtime's path cost two context switches per call, and the CPU of both threads).
//!
//! Lanes belong to the client, not to threads, so they outlive the threads that used
//! them: a server that starts a thread per request reuses warm connections rather than
//! opening a new pool each time. A client has as many lanes as it has had sync calls
//! at once. A lane left idle for [`LANE_IDLE`] is closed when another is given back;
//! one idle for longer than [`STALE_AFTER`] first lets its connections notice whether
//! the server closed them while nothing drove the runtime (below).
//!
//! Pagers and the async client stay on the shared multi-thread runtime (`runtime`):
//! a pager fetches the next page while the current one is read, which needs a runtime
//! that runs without being waited on.

use std::collections::VecDeque;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use open_connectors::{Client, Error, RequestSent};
use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::runtime::SIGNAL_POLL;

/// A lane idle this long is closed (its connections with it) when another lane of the
/// same client is given back.
pub const LANE_IDLE: Duration = Duration::from_secs(60);

/// Idle longer than this, a lane lets its connections read what arrived meanwhile
/// before the call is polled: a keep-alive connection the server closed is then seen
/// closed and not picked (a request written to it could not be retried if unsafe).
pub const STALE_AFTER: Duration = Duration::from_millis(100);

/// A current-thread runtime and a client whose pool belongs to it.
pub struct Lane {
    /// Dropped before the runtime: the pool's connection tasks live on it.
    client: Option<Client>,
    runtime: Option<Runtime>,
    idle_since: Instant,
}

impl Lane {
    /// A new lane for `client`'s settings, with its own pool.
    pub fn new(client: &Client) -> Result<Lane, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name("open-connectors-lane")
            .build()
            .map_err(|e| Error::Connection {
                reason: format!("could not start a tokio runtime: {e}"),
                request_sent: RequestSent::No,
                attempts: 0,
            })?;
        Ok(Lane {
            client: Some(client.with_own_pool()?),
            runtime: Some(runtime),
            idle_since: Instant::now(),
        })
    }

    /// Runs `call(client)` on the calling thread with the GIL released, waking every
    /// [`SIGNAL_POLL`] to let Python raise `KeyboardInterrupt` (the call is then
    /// dropped, which closes its connection). `Err` when the call panicked: the lane
    /// must then be dropped, not given back.
    pub fn drive<F, T>(
        &self,
        py: Python<'_>,
        call: impl FnOnce(Client) -> F,
    ) -> PyResult<Result<T, String>>
    where
        F: Future<Output = T> + Send,
        T: Send,
    {
        let (Some(client), Some(runtime)) = (&self.client, &self.runtime) else {
            return Ok(Err("the lane was taken apart".to_owned()));
        };
        let mut fut = std::pin::pin!(call(client.clone()));
        let stale = self.idle_since.elapsed() > STALE_AFTER;
        let polled = crate::runtime::wait_detached(py, |first| {
            let polled = std::panic::catch_unwind(AssertUnwindSafe(|| {
                runtime.block_on(async {
                    if first && stale {
                        see_closed_connections().await;
                    }
                    tokio::time::timeout(SIGNAL_POLL, fut.as_mut()).await
                })
            }));
            match polled {
                Ok(Ok(value)) => Some(Ok(value)),
                Ok(Err(_elapsed)) => None,
                Err(payload) => Some(Err(
                    crate::runtime::panic_message(payload.as_ref()).to_owned()
                )),
            }
        })?;
        Ok(polled)
    }
}

/// Lets the connection tasks of the current-thread runtime read what arrived while it
/// was not driven (a server's FIN on an idle keep-alive connection), so that the pool
/// drops the connections the server closed before the call picks one.
///
/// `block_on` polls its future first after a wake-up, then the other tasks: the first
/// yield makes the runtime poll the I/O driver (which schedules the connection tasks
/// with news), the second lets those tasks run before the call is polled.
async fn see_closed_connections() {
    tokio::task::yield_now().await;
    tokio::task::yield_now().await;
}

impl Drop for Lane {
    fn drop(&mut self) {
        drop(self.client.take());
        if let Some(runtime) = self.runtime.take() {
            // Never wait: a blocking task (a DNS lookup of a call interrupted by Ctrl-C)
            // may still run on its blocking pool.
            runtime.shutdown_background();
        }
    }
}

/// A client's idle lanes, most recently used last.
#[derive(Default)]
pub struct Lanes {
    idle: VecDeque<Lane>,
}

impl Lanes {
    /// The most recently used idle lane (its connections are the warmest).
    pub fn take(&mut self) -> Option<Lane> {
        self.idle.pop_back()
    }

    /// Gives `lane` back; returns the lane idle for over [`LANE_IDLE`], if any, for the
    /// caller to drop outside its lock.
    #[must_use]
    pub fn give_back(&mut self, mut lane: Lane) -> Option<Lane> {
        let now = Instant::now();
        lane.idle_since = now;
        self.idle.push_back(lane);
        match self.idle.front() {
            Some(oldest) if now.duration_since(oldest.idle_since) > LANE_IDLE => {
                self.idle.pop_front()
            }
            _ => None,
        }
    }

    /// Every idle lane, for the caller to drop (closing) or leak (after a fork).
    pub fn take_all(&mut self) -> VecDeque<Lane> {
        std::mem::take(&mut self.idle)
    }

    /// How many lanes are idle.
    pub fn len(&self) -> usize {
        self.idle.len()
    }
}
