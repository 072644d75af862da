//! `oc-sandbox`: a local emulator of the SAP Open Connectors platform API, for tests,
//! demos and benchmarks (see `README.md` beside this crate for the behaviour).
//!
//! ```no_run
//! use open_connectors_sandbox::{Config, Sandbox};
//!
//! let sandbox = Sandbox::spawn_thread(Config::default()).unwrap();
//! println!("{}", sandbox.base_url()); // http://127.0.0.1:PORT/elements/api-v2
//! // The server stops when `sandbox` is dropped.
//! ```

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio::sync::watch;

mod control;
mod elements;
mod hub;
mod instances;
mod oauth;
mod ocnql;
mod pagination;
mod platform;
mod seed;
mod server;
mod util;
mod webhooks;

/// The user secret of the platform docs' Basic example (first default pair).
pub const DEFAULT_USER_SECRET: &str = "sAfK7LJGNz5ZHcNrvdJvLI=f03WbTbH6aRKc0HJ3oOIi";
/// The organization secret of the platform docs' Basic example (first default pair).
pub const DEFAULT_ORGANIZATION_SECRET: &str = "58168435e3b9959a929eb04b6218b9a2";
/// The user secret of the platform docs' OAuth 2 example (second default pair).
pub const SECOND_USER_SECRET: &str = "zn96SWr/RjPPWztl+oQcFkT0mbKPpW7hEvPkYcRy6xM=";
/// The organization secret of the platform docs' OAuth 2 example (second default pair).
pub const SECOND_ORGANIZATION_SECRET: &str = "4c193728a11e2d03025e29992948b12c";

/// The platform path prefix, `/elements/api-v2`.
pub const API_PREFIX: &str = platform::PREFIX;

/// How a sandbox listens and whom it lets in.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to bind (default `127.0.0.1`).
    pub host: IpAddr,
    /// Port; `0` picks a free one (default).
    pub port: u16,
    /// Accepted `(user secret, organization secret)` pairs (default: the two pairs
    /// of the platform docs' examples).
    pub credentials: Vec<(String, String)>,
    /// Requests kept in the journal, oldest dropped first; `0` disables it
    /// (default 10000).
    pub journal_limit: usize,
    /// No request log on stderr (default `true` for the library).
    pub quiet: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            credentials: vec![
                (
                    DEFAULT_USER_SECRET.to_owned(),
                    DEFAULT_ORGANIZATION_SECRET.to_owned(),
                ),
                (
                    SECOND_USER_SECRET.to_owned(),
                    SECOND_ORGANIZATION_SECRET.to_owned(),
                ),
            ],
            journal_limit: 10_000,
            quiet: true,
        }
    }
}

/// A running sandbox server. Dropping it shuts the server down.
pub struct Sandbox {
    addr: SocketAddr,
    /// Dropping the sender stops the accept loop and every connection.
    shutdown: Option<watch::Sender<()>>,
    /// The server's own thread and runtime, for [`Sandbox::spawn_thread`].
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

fn bind(config: &Config) -> std::io::Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind((config.host, config.port))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

impl Sandbox {
    /// Binds and serves on the current tokio runtime.
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn start(config: Config) -> std::io::Result<Sandbox> {
        let listener = tokio::net::TcpListener::from_std(bind(&config)?)?;
        let addr = listener.local_addr()?;
        let (tx, rx) = watch::channel(());
        let shared = Arc::new(server::Shared::new(config, addr));
        tokio::spawn(server::serve(listener, shared, rx));
        Ok(Sandbox {
            addr,
            shutdown: Some(tx),
            thread: None,
        })
    }

    /// Binds and serves on a thread of its own with its own multi-thread tokio
    /// runtime (2 workers), so it can be used from synchronous code.
    ///
    /// # Errors
    /// When the address cannot be bound or the runtime or thread cannot start.
    pub fn spawn_thread(config: Config) -> std::io::Result<Sandbox> {
        let listener = bind(&config)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("oc-sandbox-worker")
            .enable_all()
            .build()?;
        let (tx, rx) = watch::channel(());
        let shared = Arc::new(server::Shared::new(config, addr));
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let thread = std::thread::Builder::new()
            .name("oc-sandbox".to_owned())
            .spawn(move || {
                runtime.block_on(server::serve(listener, shared, rx));
                // Dropping the runtime here cancels every connection task.
            })?;
        Ok(Sandbox {
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`.
    pub fn root_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://HOST:PORT/elements/api-v2`.
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.addr, API_PREFIX)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        drop(self.shutdown.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
