//! HTTP plumbing: the shared state, the accept loop, the per-request dispatch with
//! journal and faults, and the request log.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::Config;
use crate::control::{self, Action, CONTROL_PREFIX, Entry, Fault, Pending};
use crate::instances::{FIRST_INSTANCE_ID, Instance};
use crate::pagination::Quirks;
use crate::platform::{self, PREFIX};
use crate::util::{Ids, write_json_str};
use crate::webhooks::{self, Delivery, Queue, Settings};

/// What every connection shares.
pub(crate) struct Shared {
    pub credentials: Vec<(String, String)>,
    /// The bound address (the OAuth URL's host when a request has no Host header).
    pub addr: SocketAddr,
    journal_limit: usize,
    quiet: bool,
    pub ids: Ids,
    /// Event notifications waiting for delivery.
    pub webhooks: Queue,
    state: Mutex<State>,
}

/// Everything `POST /__sandbox/reset` forgets.
pub(crate) struct State {
    pub journal: VecDeque<Arc<Entry>>,
    pub faults: Vec<Pending>,
    pub instances: BTreeMap<u64, Arc<Instance>>,
    /// OAuth 2 codes and OAuth 1 verifiers already used.
    pub used_codes: HashSet<String>,
    /// The secret of each OAuth 1 request token issued.
    pub oauth1_secrets: HashMap<String, String>,
    /// How many of the next authorizations are denied.
    pub deny_authorizations: u64,
    pub pagination: Quirks,
    pub next_id: u64,
    /// Every webhook delivery attempt, oldest first.
    pub webhook_journal: VecDeque<Arc<Delivery>>,
    pub webhook_settings: Settings,
    /// Counts resets: a notification queued before the last one is dropped.
    pub webhook_epoch: u64,
}

impl State {
    fn new() -> State {
        State {
            journal: VecDeque::new(),
            faults: Vec::new(),
            instances: BTreeMap::new(),
            used_codes: HashSet::new(),
            oauth1_secrets: HashMap::new(),
            deny_authorizations: 0,
            pagination: Quirks::default(),
            next_id: FIRST_INSTANCE_ID,
            webhook_journal: VecDeque::new(),
            webhook_settings: Settings::default(),
            webhook_epoch: 0,
        }
    }

    pub(crate) fn reset(&mut self) {
        let epoch = self.webhook_epoch + 1;
        *self = State::new();
        self.webhook_epoch = epoch;
    }
}

impl Shared {
    pub(crate) fn new(config: Config, addr: SocketAddr) -> Shared {
        Shared {
            credentials: config.credentials,
            addr,
            journal_limit: config.journal_limit,
            quiet: config.quiet,
            ids: Ids::new(),
            webhooks: Queue::new(),
            state: Mutex::new(State::new()),
        }
    }

    /// The state, even if a panicking thread held the lock.
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Journals a platform request and takes the fault it triggers, if any.
    fn arrive(&self, parts: &Parts, body: &Bytes) -> Option<Arc<Fault>> {
        let entry = (self.journal_limit > 0).then(|| Arc::new(Entry::new(parts, body.clone())));
        let mut state = self.state();
        if let Some(entry) = entry {
            while state.journal.len() >= self.journal_limit {
                state.journal.pop_front();
            }
            state.journal.push_back(entry);
        }
        if state.faults.is_empty() {
            return None;
        }
        control::take_fault(&mut state.faults, &parts.method, parts.uri.path())
    }
}

/// A response before it goes to hyper (so a fault can still cut its body).
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// How the body goes out: whole, forever, or a byte at a time.
    pub pace: Pace,
}

/// How a reply's body is sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Pace {
    /// At once, with a `Content-Length`.
    #[default]
    Whole,
    /// The body, then the body again, forever, as fast as the client reads
    /// (chunked: there is no length to announce).
    Endless,
    /// One byte, then a pause, and so on, with the `Content-Length` of the whole
    /// body announced up front: a slow server, not a short answer.
    Trickle(std::time::Duration),
    /// The `Content-Length` of the whole body, its first half, then the connection
    /// closes: a reset in the middle of the body.
    Reset,
}

/// The response body hyper sends: see [`Pace`].
pub(crate) struct Body {
    body: Bytes,
    pace: Pace,
    sleep: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

/// What [`Pace::Endless`] repeats when the fault has no body: JSON-looking filler.
const FILLER: &[u8; 64] = b"\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",";

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        use std::task::Poll;
        let this = &mut *self;
        match this.pace {
            Pace::Whole if this.body.is_empty() => Poll::Ready(None),
            Pace::Reset if this.sleep.is_some() => Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "the sandbox resets the connection mid-body",
            )))),
            Pace::Reset => {
                // Marks the half as sent (the sleep is never polled).
                this.sleep = Some(Box::pin(tokio::time::sleep(std::time::Duration::ZERO)));
                let half = this.body.split_to(this.body.len() / 2);
                Poll::Ready(Some(Ok(hyper::body::Frame::data(half))))
            }
            Pace::Whole => Poll::Ready(Some(Ok(hyper::body::Frame::data(std::mem::take(
                &mut this.body,
            ))))),
            Pace::Endless => {
                if this.body.is_empty() {
                    this.body = Bytes::from_static(FILLER).repeat(1024).into();
                }
                Poll::Ready(Some(Ok(hyper::body::Frame::data(this.body.clone()))))
            }
            Pace::Trickle(every) => {
                if this.body.is_empty() {
                    return Poll::Ready(None);
                }
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(every)));
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.sleep = None;
                Poll::Ready(Some(Ok(hyper::body::Frame::data(this.body.split_to(1)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        !matches!(self.pace, Pace::Endless | Pace::Reset) && self.body.is_empty()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        match self.pace {
            Pace::Endless => hyper::body::SizeHint::default(),
            _ => hyper::body::SizeHint::with_exact(self.body.len() as u64),
        }
    }
}

impl Reply {
    pub(crate) fn new(status: StatusCode, body: Bytes) -> Reply {
        Reply {
            status,
            headers: HeaderMap::new(),
            body,
            pace: Pace::Whole,
        }
    }

    pub(crate) fn json(status: StatusCode, body: Vec<u8>) -> Reply {
        let mut reply = Reply::new(status, Bytes::from(body));
        reply.headers.insert(
            hyper::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        reply
    }

    /// Sets a header; `value` must be a valid header value.
    pub(crate) fn header(&mut self, name: &'static str, value: &str) {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.insert(HeaderName::from_static(name), v);
        }
    }

    /// The platform's error body `{"requestId", "message"[, "providerMessage"]}`.
    pub(crate) fn platform_error(
        status: StatusCode,
        request_id: &str,
        message: &str,
        provider_message: Option<&str>,
    ) -> Reply {
        let mut out = Vec::with_capacity(64 + message.len());
        out.extend_from_slice(b"{\"requestId\":");
        write_json_str(&mut out, request_id);
        out.extend_from_slice(b",\"message\":");
        write_json_str(&mut out, message);
        if let Some(p) = provider_message {
            out.extend_from_slice(b",\"providerMessage\":");
            write_json_str(&mut out, p);
        }
        out.push(b'}');
        Reply::json(status, out)
    }

    fn into_response(self) -> Response<Body> {
        let mut response = Response::new(Body {
            body: self.body,
            pace: self.pace,
            sleep: None,
        });
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response
    }
}

/// The error that makes hyper close the connection without answering.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the sandbox")
    }
}

impl std::error::Error for DropConnection {}

fn is_under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Err(DropConnection),
    };
    let path = parts.uri.path();
    let outcome = if is_under(path, PREFIX) {
        platform_request(&shared, &parts, body).await
    } else if is_under(path, CONTROL_PREFIX) {
        Ok(control::handle(&shared, &parts, &body))
    } else {
        let request_id = shared.ids.request_id();
        let mut reply = Reply::platform_error(
            StatusCode::NOT_FOUND,
            &request_id,
            &format!("No resource found for {} {path}", parts.method),
            None,
        );
        reply.header("elements-request-id", &request_id);
        Ok(reply)
    };
    if !shared.quiet {
        let status = match &outcome {
            Ok(r) => r.status.as_str().to_owned(),
            Err(_) => "dropped".to_owned(),
        };
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let _ = writeln!(
            std::io::stderr().lock(),
            "{} {path} {status} {ms:.3}ms",
            parts.method
        );
    }
    outcome.map(Reply::into_response)
}

async fn platform_request(
    shared: &Shared,
    parts: &Parts,
    body: Bytes,
) -> Result<Reply, DropConnection> {
    let request_id = shared.ids.request_id();
    let Some(fault) = shared.arrive(parts, &body) else {
        return Ok(platform_reply(shared, parts, &body, &request_id));
    };
    if !fault.delay.is_zero() {
        tokio::time::sleep(fault.delay).await;
    }
    let reply = match (fault.action, fault.status) {
        (Action::Drop, _) => return Err(DropConnection),
        (Action::Respond, None) => return Ok(platform_reply(shared, parts, &body, &request_id)),
        (Action::Respond, Some(status)) => scripted(&fault, status, &request_id),
        (Action::Truncate, status) => {
            let mut reply = if fault.body.is_some() {
                scripted(&fault, status.unwrap_or(StatusCode::OK), &request_id)
            } else {
                let mut reply = platform_reply(shared, parts, &body, &request_id);
                if let Some(status) = status {
                    reply.status = status;
                }
                apply_headers(&mut reply.headers, &fault);
                reply
            };
            let half = reply.body.len() / 2;
            reply.body.truncate(half);
            reply
        }
        (Action::Endless, status) => {
            let mut reply = scripted(&fault, status.unwrap_or(StatusCode::OK), &request_id);
            reply.pace = Pace::Endless;
            reply
        }
        (Action::Reset, status) => {
            let mut reply = if fault.body.is_some() {
                scripted(&fault, status.unwrap_or(StatusCode::OK), &request_id)
            } else {
                let mut reply = platform_reply(shared, parts, &body, &request_id);
                if let Some(status) = status {
                    reply.status = status;
                }
                apply_headers(&mut reply.headers, &fault);
                reply
            };
            reply.pace = Pace::Reset;
            reply
        }
        (Action::Echo, status) => {
            let auth = parts
                .headers
                .get(hyper::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let echoed = format!(
                "Rejected {} {}?{} with Authorization: {auth}; body: {}",
                parts.method,
                parts.uri.path(),
                parts.uri.query().unwrap_or(""),
                String::from_utf8_lossy(&body)
            );
            let mut reply = Reply::platform_error(
                status.unwrap_or(StatusCode::BAD_REQUEST),
                &request_id,
                &echoed,
                Some(&echoed),
            );
            reply.header("elements-request-id", &request_id);
            apply_headers(&mut reply.headers, &fault);
            reply
        }
        (Action::Trickle(every), status) => {
            let mut reply = if fault.body.is_some() {
                scripted(&fault, status.unwrap_or(StatusCode::OK), &request_id)
            } else {
                let mut reply = platform_reply(shared, parts, &body, &request_id);
                if let Some(status) = status {
                    reply.status = status;
                }
                apply_headers(&mut reply.headers, &fault);
                reply
            };
            reply.pace = Pace::Trickle(every);
            reply
        }
    };
    Ok(reply)
}

fn platform_reply(shared: &Shared, parts: &Parts, body: &[u8], request_id: &str) -> Reply {
    let mut reply = platform::handle(shared, parts, body, request_id);
    reply.header("elements-request-id", request_id);
    reply
}

/// A fault's own answer: its body (or, with none, a platform error body for an
/// error status), `Content-Type: application/json` and an `elements-request-id`
/// unless its headers say otherwise.
fn scripted(fault: &Fault, status: StatusCode, request_id: &str) -> Reply {
    let mut reply = match &fault.body {
        Some(body) => {
            let mut reply = Reply::json(status, Vec::new());
            reply.body = body.clone();
            reply
        }
        None if status.as_u16() >= 400 => {
            let reason = status.canonical_reason().unwrap_or("Error");
            Reply::platform_error(status, request_id, reason, None)
        }
        None => Reply::json(status, Vec::new()),
    };
    reply.header("elements-request-id", request_id);
    apply_headers(&mut reply.headers, fault);
    reply
}

fn apply_headers(headers: &mut HeaderMap, fault: &Fault) {
    for (name, value) in &fault.headers {
        match value {
            Some(v) => {
                headers.insert(name.clone(), v.clone());
            }
            None => {
                headers.remove(name);
            }
        }
    }
}

/// Accepts connections until `shutdown`'s sender is dropped or sends.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.keep_alive(true).header_read_timeout(None);
    let http = Arc::new(http);
    tokio::spawn(webhooks::run(Arc::clone(&shared), shutdown.clone()));
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = shutdown.changed() => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors or a connection reset while queued: wait a bit.
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let http = Arc::clone(&http);
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| handle(Arc::clone(&shared), req));
            let conn = http.serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = conn => {}
                _ = shutdown.changed() => {}
            }
        });
    }
}
