//! Event notifications (webhooks): when a hub record of an instance with
//! `event.notification.enabled` is created, updated or deleted, the sandbox POSTs a
//! notification to the instance's `event.notification.callback.url`, signed with its
//! `event.notification.signature.key` (`Elements-Webhook-Signature: sha256=<base64
//! HMAC-SHA256>`), in the background: the hub call does not wait. A failed attempt
//! (no connection, a timeout, a status other than 2xx) is retried a few times with a
//! short backoff; every attempt is journaled for `GET /__sandbox/webhooks`.
//!
//! Only `http://` loopback URLs are ever contacted (127.0.0.0/8, `localhost`,
//! `[::1]`); a notification for any other URL is journaled as `skipped`.
//!
//! Deliveries of one instance go out one at a time, in the order of the changes;
//! instances do not wait for each other.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value, json};
use sha2::Sha256;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};

use crate::hub::Object;
use crate::instances::Instance;
use crate::server::Shared;
use crate::util::{now_iso8601, write_json_str, write_u64};

/// Attempts after the first (the platform's policy is 9 over days; tests need fast).
pub(crate) const DEFAULT_RETRIES: u32 = 3;
/// The first backoff; each next one is 4 times longer, like the platform's `2^(2x)`
/// seconds (default: 25 ms, 100 ms, 400 ms).
pub(crate) const DEFAULT_BACKOFF_MS: u64 = 25;
const MAX_RETRIES: u64 = 9;
const MAX_BACKOFF_MS: u64 = 10_000;
/// One attempt, from connecting to the end of the response.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// Deliveries kept in the journal (oldest dropped first).
const JOURNAL_LIMIT: usize = 10_000;

/// The retry policy, set by `POST /__sandbox/webhooks`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Settings {
    pub retries: u32,
    pub backoff_ms: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            retries: DEFAULT_RETRIES,
            backoff_ms: DEFAULT_BACKOFF_MS,
        }
    }
}

impl Settings {
    pub(crate) fn json(self) -> Value {
        json!({"retries": self.retries, "backoff_ms": self.backoff_ms})
    }

    /// `{"retries": 0..=9, "backoff_ms": 0..=10000}`; an absent field is its default.
    pub(crate) fn parse(m: &Map<String, Value>) -> Result<Settings, String> {
        let field = |name: &str, default: u64, max: u64| match m.get(name) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v
                .as_u64()
                .filter(|n| *n <= max)
                .ok_or_else(|| format!("{name} must be an integer from 0 to {max}, not {v}")),
        };
        Ok(Settings {
            retries: field("retries", u64::from(DEFAULT_RETRIES), MAX_RETRIES)? as u32,
            backoff_ms: field("backoff_ms", DEFAULT_BACKOFF_MS, MAX_BACKOFF_MS)?,
        })
    }
}

/// What happened to a hub record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventType {
    Created,
    Updated,
    Deleted,
}

impl EventType {
    fn name(self) -> &'static str {
        match self {
            EventType::Created => "CREATED",
            EventType::Updated => "UPDATED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// A notification to deliver.
pub(crate) struct Job {
    /// The state epoch it belongs to: a reset drops the older ones.
    epoch: u64,
    instance_id: u64,
    url: String,
    key: Option<String>,
    event_id: String,
    event_type: EventType,
    object: Object,
    object_id: u64,
    body: Bytes,
}

/// The queue between the hub calls and the delivery tasks.
pub(crate) struct Queue {
    tx: mpsc::UnboundedSender<Job>,
    rx: Mutex<Option<mpsc::UnboundedReceiver<Job>>>,
    /// Notifications queued or being delivered.
    pending: AtomicUsize,
}

impl Queue {
    pub(crate) fn new() -> Queue {
        let (tx, rx) = mpsc::unbounded_channel();
        Queue {
            tx,
            rx: Mutex::new(Some(rx)),
            pending: AtomicUsize::new(0),
        }
    }

    pub(crate) fn pending(&self) -> usize {
        self.pending.load(Ordering::SeqCst)
    }
}

/// One delivery attempt, as `GET /__sandbox/webhooks` lists it.
pub(crate) struct Delivery {
    job_event_id: String,
    instance_id: u64,
    event_type: EventType,
    object: Object,
    object_id: u64,
    url: String,
    attempt: u32,
    /// `delivered`, `failed` or `skipped`.
    outcome: &'static str,
    status: Option<u16>,
    error: Option<String>,
    /// No other attempt follows.
    last: bool,
    sent_at: String,
    headers: Vec<(&'static str, String)>,
    body: Bytes,
}

impl Delivery {
    pub(crate) fn to_json(&self) -> Value {
        let headers: Map<String, Value> = self
            .headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String(v.clone())))
            .collect();
        json!({
            "event_id": self.job_event_id,
            "instance_id": self.instance_id,
            "event_type": self.event_type.name(),
            "object_type": self.object.name(),
            "object_id": self.object_id.to_string(),
            "url": self.url,
            "attempt": self.attempt,
            "outcome": self.outcome,
            "status": self.status,
            "error": self.error,
            "final": self.last,
            "sent_at": self.sent_at,
            "headers": headers,
            "body": String::from_utf8_lossy(&self.body),
            "json": serde_json::from_slice::<Value>(&self.body).unwrap_or(Value::Null),
        })
    }
}

/// `sha256=` and the base64 of HMAC-SHA256(key, body): the `Elements-Webhook-Signature`.
pub(crate) fn signature(key: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", BASE64.encode(mac.finalize().into_bytes()))
}

/// The notification body: `{"message": {"eventId", "instanceId", "elementKey",
/// "events": [{"objectType", "objectId", "eventType", "elementKey", "eventDate"}],
/// "raw": {"objectType", "eventType", "object"}}}`.
fn notification(
    event_id: &str,
    instance: &Instance,
    object: Object,
    id: u64,
    event_type: EventType,
    record: &[u8],
) -> Bytes {
    let key = instance.element_key();
    let date = now_iso8601();
    let mut out = Vec::with_capacity(256 + record.len());
    out.extend_from_slice(b"{\"message\":{\"eventId\":");
    write_json_str(&mut out, event_id);
    out.extend_from_slice(b",\"instanceId\":");
    write_u64(&mut out, instance.id);
    out.extend_from_slice(b",\"elementKey\":");
    write_json_str(&mut out, key);
    out.extend_from_slice(b",\"events\":[{\"objectType\":");
    write_json_str(&mut out, object.name());
    out.extend_from_slice(b",\"objectId\":");
    write_json_str(&mut out, &id.to_string());
    out.extend_from_slice(b",\"eventType\":");
    write_json_str(&mut out, event_type.name());
    out.extend_from_slice(b",\"elementKey\":");
    write_json_str(&mut out, key);
    out.extend_from_slice(b",\"eventDate\":");
    write_json_str(&mut out, &date);
    out.extend_from_slice(b"}],\"raw\":{\"objectType\":");
    write_json_str(&mut out, object.name());
    out.extend_from_slice(b",\"eventType\":");
    write_json_str(&mut out, event_type.name());
    out.extend_from_slice(b",\"object\":");
    out.extend_from_slice(if record.is_empty() { b"null" } else { record });
    out.extend_from_slice(b"}}}");
    Bytes::from(out)
}

/// Queues the notification of a change to record `id` when the instance has events
/// enabled and a callback URL. `record` is the record as GET answered it (for a
/// deletion: before it was deleted).
pub(crate) fn notify(
    shared: &Shared,
    instance: &Instance,
    object: Object,
    id: u64,
    event_type: EventType,
    record: &[u8],
) {
    if !instance.events_enabled() {
        return;
    }
    let Some(url) = instance.callback_url() else {
        return;
    };
    let event_id = shared.ids.request_id();
    let body = notification(&event_id, instance, object, id, event_type, record);
    let epoch = shared.state().webhook_epoch;
    let job = Job {
        epoch,
        instance_id: instance.id,
        url: url.to_owned(),
        key: instance.signature_key().map(str::to_owned),
        event_id,
        event_type,
        object,
        object_id: id,
        body,
    };
    shared.webhooks.pending.fetch_add(1, Ordering::SeqCst);
    if shared.webhooks.tx.send(job).is_err() {
        shared.webhooks.pending.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Routes queued notifications to one task per instance, until shutdown.
pub(crate) async fn run(shared: Arc<Shared>, mut shutdown: watch::Receiver<()>) {
    let rx = shared
        .webhooks
        .rx
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    let Some(mut rx) = rx else {
        return;
    };
    let mut workers: HashMap<u64, mpsc::UnboundedSender<Job>> = HashMap::new();
    loop {
        let job = tokio::select! {
            job = rx.recv() => match job {
                Some(job) => job,
                None => break,
            },
            _ = shutdown.changed() => break,
        };
        let tx = workers.entry(job.instance_id).or_insert_with(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(worker(Arc::clone(&shared), rx, shutdown.clone()));
            tx
        });
        if tx.send(job).is_err() {
            shared.webhooks.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

async fn worker(
    shared: Arc<Shared>,
    mut rx: mpsc::UnboundedReceiver<Job>,
    mut shutdown: watch::Receiver<()>,
) {
    loop {
        let job = tokio::select! {
            job = rx.recv() => match job {
                Some(job) => job,
                None => break,
            },
            _ = shutdown.changed() => break,
        };
        tokio::select! {
            _ = deliver(&shared, &job) => {}
            _ = shutdown.changed() => break,
        }
        shared.webhooks.pending.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Where a loopback callback URL points.
struct Target {
    addr: SocketAddr,
    /// The `Host` header: the URL's host and port as written.
    host: String,
    /// Path and query.
    path: String,
}

const LOOPBACK_ONLY: &str = "not delivered: the sandbox delivers notifications only to http:// URLs on loopback (127.0.0.0/8, localhost, [::1])";

fn target(url: &str) -> Result<Target, String> {
    let parsed =
        url::Url::parse(url).map_err(|e| format!("not delivered: '{url}' is not a URL ({e})"))?;
    if parsed.scheme() != "http" {
        return Err(LOOPBACK_ONLY.to_owned());
    }
    let ip = match parsed.host() {
        Some(url::Host::Ipv4(a)) if a.is_loopback() => IpAddr::V4(a),
        Some(url::Host::Ipv6(a)) if a.is_loopback() => IpAddr::V6(a),
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        }
        _ => return Err(LOOPBACK_ONLY.to_owned()),
    };
    let port = parsed.port_or_known_default().unwrap_or(80);
    let host = match (parsed.host_str(), parsed.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        (None, _) => return Err(LOOPBACK_ONLY.to_owned()),
    };
    let mut path = parsed.path().to_owned();
    if let Some(q) = parsed.query() {
        path.push('?');
        path.push_str(q);
    }
    Ok(Target {
        addr: SocketAddr::new(ip, port),
        host,
        path,
    })
}

/// Whether a reset came after the job was queued.
fn stale(shared: &Shared, job: &Job) -> bool {
    shared.state().webhook_epoch != job.epoch
}

fn record(shared: &Shared, job: &Job, delivery: Delivery) {
    let mut state = shared.state();
    if state.webhook_epoch != job.epoch {
        return;
    }
    while state.webhook_journal.len() >= JOURNAL_LIMIT {
        state.webhook_journal.pop_front();
    }
    state.webhook_journal.push_back(Arc::new(delivery));
}

async fn deliver(shared: &Shared, job: &Job) {
    if stale(shared, job) {
        return;
    }
    let settings = shared.state().webhook_settings;
    let mut headers: Vec<(&'static str, String)> = vec![
        ("content-type", "application/json".to_owned()),
        (
            "user-agent",
            concat!("oc-sandbox/", env!("CARGO_PKG_VERSION")).to_owned(),
        ),
        ("elements-webhook-id", job.event_id.clone()),
    ];
    if let Some(key) = job.key.as_deref() {
        headers.push((
            "elements-webhook-signature",
            signature(key.as_bytes(), &job.body),
        ));
    }
    let entry =
        |attempt, outcome, status, error, last, headers: &[(&'static str, String)]| Delivery {
            job_event_id: job.event_id.clone(),
            instance_id: job.instance_id,
            event_type: job.event_type,
            object: job.object,
            object_id: job.object_id,
            url: job.url.clone(),
            attempt,
            outcome,
            status,
            error,
            last,
            sent_at: now_iso8601(),
            headers: headers.to_vec(),
            body: job.body.clone(),
        };
    let target = match target(&job.url) {
        Ok(t) => t,
        Err(reason) => {
            record(
                shared,
                job,
                entry(1, "skipped", None, Some(reason), true, &headers),
            );
            return;
        }
    };
    let attempts = settings.retries + 1;
    for attempt in 1..=attempts {
        if attempt > 1 {
            let factor = 4u64.saturating_pow(attempt - 2);
            tokio::time::sleep(Duration::from_millis(
                settings.backoff_ms.saturating_mul(factor),
            ))
            .await;
            if stale(shared, job) {
                return;
            }
        }
        let result = post(&target, &headers, job.body.clone()).await;
        let (outcome, status, error) = match result {
            Ok(s) if (200..300).contains(&s) => ("delivered", Some(s), None),
            Ok(s) => (
                "failed",
                Some(s),
                Some(format!("the receiver answered {s}")),
            ),
            Err(e) => ("failed", None, Some(e)),
        };
        let last = outcome == "delivered" || attempt == attempts;
        record(
            shared,
            job,
            entry(attempt, outcome, status, error, last, &headers),
        );
        if last {
            return;
        }
    }
}

/// Aborts the connection task when the attempt ends (or times out).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One HTTP/1.1 POST; the status, or why there is none.
async fn post(
    target: &Target,
    headers: &[(&'static str, String)],
    body: Bytes,
) -> Result<u16, String> {
    let exchange = async {
        let stream = TcpStream::connect(target.addr)
            .await
            .map_err(|e| format!("cannot connect to {}: {e}", target.addr))?;
        let _ = stream.set_nodelay(true);
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake failed: {e}"))?;
        let _conn = AbortOnDrop(tokio::spawn(async move {
            let _ = conn.await;
        }));
        let mut request =
            Request::post(target.path.as_str()).header(hyper::header::HOST, target.host.as_str());
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        let request = request
            .body(Full::new(body))
            .map_err(|e| format!("cannot build the request: {e}"))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("no response: {e}"))?;
        let status = response.status().as_u16();
        // Read the answer to its end, so the receiver is not cut off mid-body.
        let _ = response.into_body().collect().await;
        Ok(status)
    };
    match tokio::time::timeout(ATTEMPT_TIMEOUT, exchange).await {
        Ok(result) => result,
        Err(_) => Err(format!(
            "no complete response within {} s",
            ATTEMPT_TIMEOUT.as_secs()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_base64_hmac_sha256() {
        // RFC 4231 test case 2.
        let sig = signature(b"Jefe", b"what do ya want for nothing?");
        let hex = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        let bytes: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        assert_eq!(sig, format!("sha256={}", BASE64.encode(bytes)));
    }

    #[test]
    fn only_loopback_http_is_contacted() {
        for (url, addr, host, path) in [
            (
                "http://127.0.0.1:8080/hook?x=1",
                "127.0.0.1:8080",
                "127.0.0.1:8080",
                "/hook?x=1",
            ),
            ("http://localhost:9/", "127.0.0.1:9", "localhost:9", "/"),
            ("http://LOCALHOST/a", "127.0.0.1:80", "localhost", "/a"),
            ("http://[::1]:7/e", "[::1]:7", "[::1]:7", "/e"),
            ("http://127.9.9.9:1", "127.9.9.9:1", "127.9.9.9:1", "/"),
        ] {
            let t = target(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(t.addr.to_string(), addr, "{url}");
            assert_eq!(t.host, host, "{url}");
            assert_eq!(t.path, path, "{url}");
        }
        for url in [
            "https://127.0.0.1/hook",
            "https://app.example/events",
            "http://10.0.0.1/hook",
            "http://192.168.1.1/hook",
            "http://example.com/hook",
            "http://localhost.example.com/",
            "ftp://127.0.0.1/",
            "not a url",
        ] {
            assert!(target(url).is_err(), "{url}");
        }
    }

    #[test]
    fn settings_are_checked() {
        let parse = |v: Value| Settings::parse(v.as_object().unwrap());
        assert_eq!(parse(json!({})).unwrap(), Settings::default());
        assert_eq!(
            parse(json!({"retries": 0, "backoff_ms": 1})).unwrap(),
            Settings {
                retries: 0,
                backoff_ms: 1
            }
        );
        for bad in [
            json!({"retries": 10}),
            json!({"retries": -1}),
            json!({"backoff_ms": "1"}),
        ] {
            assert!(parse(bad).is_err());
        }
    }
}
