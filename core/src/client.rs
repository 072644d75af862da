//! The client: configuration, sending with retries, and decoding answers.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use serde_json::Value;

use crate::config::{
    ENV_BASE_URL, ENV_ORGANIZATION_SECRET, ENV_REGION, ENV_USER_SECRET, Region, normalize_base_url,
    secret_arg,
};
use crate::error::{DecodeError, Error, RequestSent, Result, StatusError};
use crate::instances::CreateInstance;
use crate::model::Instance;
use crate::secret::Secret;
use crate::transport::{
    HttpRequest, HttpResponse, Method, ReqwestTransport, Transport, TransportError,
};

/// The SDK's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Default timeout of one attempt, from sending to the last byte of the answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default number of retries (attempts after the first).
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// The most `max_retries` may be.
pub const MAX_RETRIES_LIMIT: u32 = 10;
/// The longest `Retry-After` the client waits for; a longer one goes to the caller.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

const INITIAL_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// Builds a [`Client`].
///
/// Whatever is not given falls back to the environment: `OPEN_CONNECTORS_BASE_URL`
/// (or `OPEN_CONNECTORS_REGION`), `OPEN_CONNECTORS_USER_SECRET`,
/// `OPEN_CONNECTORS_ORGANIZATION_SECRET`.
#[derive(Clone)]
pub struct ClientBuilder {
    base_url: Option<String>,
    region: Option<Region>,
    user_secret: Option<Secret>,
    organization_secret: Option<Secret>,
    timeout: Duration,
    connect_timeout: Duration,
    max_retries: u32,
    language: Option<(String, String)>,
    user_agent_suffix: Option<String>,
    transport: Option<Arc<dyn Transport>>,
    use_env: bool,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: None,
            region: None,
            user_secret: None,
            organization_secret: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            language: None,
            user_agent_suffix: None,
            transport: None,
            use_env: true,
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("region", &self.region)
            .field("user_secret", &self.user_secret)
            .field("organization_secret", &self.organization_secret)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The full base URL, e.g. `https://api.openconnectors.us2.ext.hana.ondemand.com/elements/api-v2`.
    /// A bare host gets `/elements/api-v2` appended. `http://` only to loopback.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// A region preset instead of a base URL.
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// The user secret.
    pub fn user_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.user_secret = Some(secret.into());
        self
    }

    /// The organization secret.
    pub fn organization_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.organization_secret = Some(secret.into());
        self
    }

    /// Timeout of one attempt (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Retries after the first attempt (default 2, at most 10). A request is retried
    /// only when it surely did not reach the server, or when it is idempotent.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Names the language binding in the user agent (used by the Python and Node packages).
    pub fn language(mut self, name: impl Into<String>, runtime_version: impl Into<String>) -> Self {
        self.language = Some((name.into(), runtime_version.into()));
        self
    }

    /// Text appended to the user agent, e.g. your application's name and version.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Sends through this transport instead of the default reqwest one.
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Whether missing settings are read from the environment (default true).
    pub fn use_env(mut self, use_env: bool) -> Self {
        self.use_env = use_env;
        self
    }

    fn env(&self, name: &str) -> Option<String> {
        if !self.use_env {
            return None;
        }
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }

    fn resolve_base_url(&self) -> Result<String> {
        if self.base_url.is_some() && self.region.is_some() {
            return Err(Error::invalid(
                "base_url",
                "give a base URL or a region, not both",
            ));
        }
        if let Some(url) = &self.base_url {
            return normalize_base_url(url);
        }
        if let Some(region) = self.region {
            return Ok(region.base_url());
        }
        if let Some(url) = self.env(ENV_BASE_URL) {
            return normalize_base_url(&url).map_err(|e| match e {
                Error::InvalidInput { reason, .. } => {
                    Error::invalid("base_url", format!("{ENV_BASE_URL}: {reason}"))
                }
                other => other,
            });
        }
        if let Some(region) = self.env(ENV_REGION) {
            return Ok(region.parse::<Region>()?.base_url());
        }
        Err(Error::invalid(
            "base_url",
            format!("not given: pass a base URL or a region, or set {ENV_BASE_URL}"),
        ))
    }

    fn resolve_secret(&self, field: &str, given: &Option<Secret>, env: &str) -> Result<Secret> {
        match given {
            Some(s) => secret_arg(field, s.clone()),
            None => match self.env(env) {
                Some(v) => secret_arg(field, Secret::new(v)).map_err(|e| match e {
                    Error::InvalidInput { reason, .. } => {
                        Error::invalid(field, format!("{env}: {reason}"))
                    }
                    other => other,
                }),
                None => Err(Error::invalid(
                    field,
                    format!("not given: pass it, or set {env}"),
                )),
            },
        }
    }

    fn user_agent(&self) -> String {
        let mut ua = match &self.language {
            Some((lang, runtime)) => format!(
                "open-connectors-{lang}/{VERSION} ({lang} {runtime}; {}-{}; rust-core {VERSION})",
                std::env::consts::OS,
                std::env::consts::ARCH
            ),
            None => format!(
                "open-connectors-rust/{VERSION} (rust; {}-{})",
                std::env::consts::OS,
                std::env::consts::ARCH
            ),
        };
        if let Some(s) = &self.user_agent_suffix {
            ua.push(' ');
            ua.push_str(s);
        }
        ua
    }

    /// Checks everything and builds the client. Fails with `invalid_input` naming
    /// the setting at fault.
    pub fn build(self) -> Result<Client> {
        let base_url = self.resolve_base_url()?;
        let user = self.resolve_secret("user_secret", &self.user_secret, ENV_USER_SECRET)?;
        let org = self.resolve_secret(
            "organization_secret",
            &self.organization_secret,
            ENV_ORGANIZATION_SECRET,
        )?;
        if self.timeout.is_zero() {
            return Err(Error::invalid("timeout", "must be greater than zero"));
        }
        if self.connect_timeout.is_zero() {
            return Err(Error::invalid(
                "connect_timeout",
                "must be greater than zero",
            ));
        }
        if self.max_retries > MAX_RETRIES_LIMIT {
            return Err(Error::invalid(
                "max_retries",
                format!("must be at most {MAX_RETRIES_LIMIT}"),
            ));
        }
        let mut auth = HeaderValue::from_str(&format!(
            "User {}, Organization {}",
            user.expose(),
            org.expose()
        ))
        .map_err(|_| Error::invalid("user_secret", "cannot be sent in a header"))?;
        auth.set_sensitive(true);
        let ua = self.user_agent();
        let user_agent = HeaderValue::from_str(&ua)
            .map_err(|_| Error::invalid("user_agent", "must be printable ASCII"))?;
        let transport = match self.transport {
            Some(t) => t,
            None => Arc::new(ReqwestTransport::new(self.connect_timeout).map_err(|e| {
                Error::Connection {
                    reason: format!("could not set up the HTTP client: {e:?}"),
                    request_sent: RequestSent::No,
                    attempts: 0,
                }
            })?),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                base_url,
                auth,
                user_agent,
                timeout: self.timeout,
                max_retries: self.max_retries,
                transport,
            }),
        })
    }
}

struct Inner {
    base_url: String,
    auth: HeaderValue,
    user_agent: HeaderValue,
    timeout: Duration,
    max_retries: u32,
    transport: Arc<dyn Transport>,
}

/// A client of the platform API. Cheap to clone (one shared connection pool); safe
/// to share across threads and tasks.
///
/// ```no_run
/// use open_connectors::{Client, CreateInstance};
///
/// # async fn demo() -> Result<(), open_connectors::Error> {
/// let client = Client::builder()
///     .base_url("https://api.openconnectors.us2.ext.hana.ondemand.com/elements/api-v2")
///     .user_secret("sAfK7LJGNz5ZHcNrvdJvLI=f03WbTbH6aRKc0HJ3oOIi")
///     .organization_secret("58168435e3b9959a929eb04b6218b9a2")
///     .build()?;
/// let instance = client
///     .create_instance(&CreateInstance::basic("insightly", "claudeelements", "password").name("CRM"))
///     .await?;
/// println!("instance {} token {}", instance.id, instance.token.expose());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("user_secret", &"[REDACTED]")
            .field("organization_secret", &"[REDACTED]")
            .field("timeout", &self.inner.timeout)
            .field("max_retries", &self.inner.max_retries)
            .finish()
    }
}

impl Client {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured entirely from the environment.
    pub fn from_env() -> Result<Client> {
        ClientBuilder::default().build()
    }

    /// The base URL, e.g. `https://api.openconnectors.us2.ext.hana.ondemand.com/elements/api-v2`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The timeout of one attempt.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// The retry budget.
    pub fn max_retries(&self) -> u32 {
        self.inner.max_retries
    }

    /// The user agent sent.
    pub fn user_agent(&self) -> &str {
        // Built from printable ASCII in `ClientBuilder::build`.
        self.inner.user_agent.to_str().unwrap_or_default()
    }

    fn headers(&self, json_body: bool) -> HeaderMap {
        let mut h = HeaderMap::with_capacity(4);
        h.insert(AUTHORIZATION, self.inner.auth.clone());
        h.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if json_body {
            h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        h.insert(USER_AGENT, self.inner.user_agent.clone());
        h
    }

    /// Builds, without sending, the request that [`Client::create_instance`] sends.
    /// Bad input is refused here as `invalid_input`.
    ///
    /// ```
    /// use open_connectors::{Client, CreateInstance, ErrorCode};
    /// use serde_json::json;
    ///
    /// let client = Client::builder()
    ///     .use_env(false)
    ///     .base_url("https://api.openconnectors.us2.ext.hana.ondemand.com/elements/api-v2")
    ///     .user_secret("zn96SWr/RjPPWztl+oQcFkT0mbKPpW7hEvPkYcRy6xM=")
    ///     .organization_secret("4c193728a11e2d03025e29992948b12c")
    ///     .build()?;
    /// let request = client.build_create_instance(&CreateInstance::new(5993u64).name("CRM"))?;
    /// assert_eq!(
    ///     request.url,
    ///     "https://api.openconnectors.us2.ext.hana.ondemand.com/elements/api-v2/elements/5993/instances"
    /// );
    /// assert_eq!(
    ///     request.header("authorization"),
    ///     Some("User zn96SWr/RjPPWztl+oQcFkT0mbKPpW7hEvPkYcRy6xM=, Organization 4c193728a11e2d03025e29992948b12c")
    /// );
    /// assert_eq!(request.json(), Some(json!({"name": "CRM"})));
    /// assert!(!format!("{request:?}").contains("zn96SWr")); // Debug hides the secrets
    ///
    /// let bad = client.build_create_instance(&CreateInstance::new("../users")).unwrap_err();
    /// assert_eq!((bad.code(), bad.field()), (ErrorCode::InvalidInput, Some("element")));
    /// # Ok::<(), open_connectors::Error>(())
    /// ```
    pub fn build_create_instance(&self, request: &CreateInstance) -> Result<HttpRequest> {
        let (path, body) = request.to_wire()?;
        Ok(HttpRequest {
            method: Method::POST,
            url: format!("{}{path}", self.inner.base_url),
            headers: self.headers(true),
            body: Some(Bytes::from(body)),
            idempotent: false,
        })
    }

    /// Creates an authenticated connector instance (`POST /instances` or
    /// `POST /elements/{keyOrId}/instances`).
    ///
    /// Never retried once it may have reached the server (an OAuth code is single-use):
    /// a timeout, a 5xx or a 429 goes to the caller. The answer's `token` is the
    /// credential of every later call on the instance.
    pub async fn create_instance(&self, request: &CreateInstance) -> Result<Instance> {
        let http = self.build_create_instance(request)?;
        let response = self.execute(http).await?;
        decode_instance(response)
    }

    /// Sends a request with the client's retry policy and returns the 2xx answer;
    /// any other status becomes a status error.
    pub async fn execute(&self, request: HttpRequest) -> Result<HttpResponse> {
        let timeout = self.inner.timeout;
        let max_retries = self.inner.max_retries;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let outcome = self.inner.transport.send(request.clone(), timeout).await;
            let elapsed = started.elapsed();
            let (error, delay) = match outcome {
                Ok(response) if (200..300).contains(&response.status) => {
                    tracing::debug!(
                        target: "open_connectors",
                        method = %request.method,
                        path = request.path(),
                        status = response.status,
                        request_id = response.header("elements-request-id"),
                        attempt,
                        elapsed_ms = elapsed.as_millis() as u64,
                        "request succeeded"
                    );
                    return Ok(response);
                }
                Ok(response) => {
                    let err = status_error(&response);
                    let delay = (request.idempotent && attempt <= max_retries)
                        .then(|| retry_delay_for_status(&err, attempt))
                        .flatten();
                    tracing::debug!(
                        target: "open_connectors",
                        method = %request.method,
                        path = request.path(),
                        status = err.status,
                        request_id = err.request_id.as_deref(),
                        attempt,
                        elapsed_ms = elapsed.as_millis() as u64,
                        "request failed"
                    );
                    (Error::Status(Box::new(err)), delay)
                }
                Err(TransportError::Connect(reason)) => {
                    let delay = (attempt <= max_retries).then(|| backoff(attempt));
                    (
                        Error::Connection {
                            reason,
                            request_sent: RequestSent::No,
                            attempts: attempt,
                        },
                        delay,
                    )
                }
                Err(TransportError::Timeout) => {
                    let delay =
                        (request.idempotent && attempt <= max_retries).then(|| backoff(attempt));
                    (
                        Error::Timeout {
                            timeout,
                            request_sent: RequestSent::Maybe,
                            attempts: attempt,
                        },
                        delay,
                    )
                }
                Err(TransportError::Io(reason)) => {
                    let delay =
                        (request.idempotent && attempt <= max_retries).then(|| backoff(attempt));
                    (
                        Error::Connection {
                            reason,
                            request_sent: RequestSent::Maybe,
                            attempts: attempt,
                        },
                        delay,
                    )
                }
            };
            match delay {
                Some(delay) => {
                    tracing::info!(
                        target: "open_connectors",
                        method = %request.method,
                        path = request.path(),
                        code = error.code().as_str(),
                        attempt,
                        retry_in_ms = delay.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
                None => {
                    tracing::debug!(
                        target: "open_connectors",
                        method = %request.method,
                        path = request.path(),
                        code = error.code().as_str(),
                        attempt,
                        "giving up"
                    );
                    return Err(error);
                }
            }
        }
    }
}

/// Exponential backoff with jitter: `min(0.5 s · 2^(n-1), 8 s)`, times 0.75–1.0.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let exp = INITIAL_BACKOFF.saturating_mul(1 << attempt.saturating_sub(1).min(16));
    let base = exp.min(MAX_BACKOFF);
    base.mul_f64(1.0 - 0.25 * fastrand::f64())
}

/// For an idempotent request: how long to wait before retrying this status, if at all.
fn retry_delay_for_status(err: &StatusError, attempt: u32) -> Option<Duration> {
    match err.status {
        429 => match err.retry_after {
            // The platform also answers 429 for size limits; retry only when told when.
            Some(d) if d <= MAX_RETRY_AFTER => Some(d),
            _ => None,
        },
        502..=504 => match err.retry_after {
            Some(d) if d <= MAX_RETRY_AFTER => Some(d),
            Some(_) => None,
            None => Some(backoff(attempt)),
        },
        _ => None,
    }
}

/// `Retry-After` as seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

fn json_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Turns a non-2xx answer into a [`StatusError`], reading the platform's error body
/// when there is one (and keeping the raw body whatever it is).
pub(crate) fn status_error(response: &HttpResponse) -> StatusError {
    let header_request_id = response.header("elements-request-id").map(str::to_owned);
    let parsed: Option<serde_json::Map<String, Value>> =
        serde_json::from_slice::<Value>(&response.body)
            .ok()
            .and_then(|v| match v {
                Value::Object(m) => Some(m),
                _ => None,
            });
    let field = |k: &str| parsed.as_ref().and_then(|m| m.get(k)).and_then(json_text);
    StatusError {
        status: response.status,
        request_id: field("requestId").or_else(|| header_request_id.clone()),
        header_request_id,
        message: field("message"),
        provider_message: field("providerMessage"),
        retry_after: response.header("retry-after").and_then(parse_retry_after),
        body: text(&response.body),
    }
}

/// Decodes a 2xx answer into an [`Instance`].
pub(crate) fn decode_instance(response: HttpResponse) -> Result<Instance> {
    let decode_err = |reason: String| {
        Error::Decode(Box::new(DecodeError {
            status: response.status,
            request_id: response.header("elements-request-id").map(str::to_owned),
            reason,
            body: text(&response.body),
        }))
    };
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Err(decode_err("the body is empty".to_owned()));
    }
    Instance::from_body(response.body.clone()).map_err(|e| {
        use serde_json::error::Category;
        decode_err(match e.classify() {
            Category::Eof => format!("the JSON body is truncated ({e})"),
            Category::Syntax | Category::Io => format!("the body is not JSON ({e})"),
            Category::Data => format!("not an Instance: {e}"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn backoff_grows_and_caps() {
        for attempt in 1..20 {
            let d = backoff(attempt);
            assert!(d <= MAX_BACKOFF, "{d:?}");
            assert!(d >= Duration::from_millis(375), "{d:?}");
        }
        assert!(backoff(3) >= Duration::from_millis(1500));
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    /// A transport that answers from a script and records what it was sent.
    struct Scripted {
        answers: Mutex<Vec<Result<HttpResponse, TransportError>>>,
        sent: Arc<Mutex<u32>>,
    }

    impl Transport for Scripted {
        fn send(
            &self,
            _request: HttpRequest,
            _timeout: Duration,
        ) -> crate::transport::BoxFuture<'_, Result<HttpResponse, TransportError>> {
            *self.sent.lock().unwrap() += 1;
            let next = self.answers.lock().unwrap().remove(0);
            Box::pin(async move { next })
        }
    }

    fn response(
        status: u16,
        headers: &[(&'static str, &'static str)],
        body: &'static str,
    ) -> HttpResponse {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, HeaderValue::from_static(v));
        }
        HttpResponse {
            status,
            headers: h,
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    fn client(
        answers: Vec<Result<HttpResponse, TransportError>>,
        max_retries: u32,
    ) -> (Client, Arc<Mutex<u32>>) {
        let sent = Arc::new(Mutex::new(0));
        let c = Client::builder()
            .use_env(false)
            .base_url("http://127.0.0.1:9/elements/api-v2")
            .user_secret("u")
            .organization_secret("o")
            .max_retries(max_retries)
            .transport(Scripted {
                answers: Mutex::new(answers),
                sent: sent.clone(),
            })
            .build()
            .unwrap();
        (c, sent)
    }

    fn get(c: &Client) -> HttpRequest {
        let mut r = c.build_create_instance(&CreateInstance::new("x")).unwrap();
        r.method = Method::GET;
        r.idempotent = true;
        r
    }

    const OK: &str = r#"{"id":1,"name":"n","token":"t"}"#;

    #[tokio::test(start_paused = true)]
    async fn create_retries_only_refused_connections() {
        let (c, sent) = client(
            vec![
                Err(TransportError::Connect("refused".into())),
                Err(TransportError::Connect("refused".into())),
                Ok(response(200, &[], OK)),
            ],
            2,
        );
        let i = c.create_instance(&CreateInstance::new("x")).await.unwrap();
        assert_eq!(i.id, 1);
        assert_eq!(*sent.lock().unwrap(), 3);

        let (c, sent) = client(vec![Err(TransportError::Connect("refused".into())); 3], 2);
        let e = c
            .create_instance(&CreateInstance::new("x"))
            .await
            .unwrap_err();
        assert_eq!(e.code().as_str(), "connection");
        assert_eq!(e.request_sent(), Some(RequestSent::No));
        assert_eq!(*sent.lock().unwrap(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn create_is_never_retried_once_it_may_have_arrived() {
        let cases: Vec<(Result<HttpResponse, TransportError>, &str)> = vec![
            (Ok(response(503, &[], "")), "server"),
            (Ok(response(500, &[], "<html>oops</html>")), "server"),
            (
                Ok(response(429, &[("retry-after", "1")], "{}")),
                "rate_limited",
            ),
            (Err(TransportError::Timeout), "timeout"),
            (Err(TransportError::Io("reset".into())), "connection"),
        ];
        for (answer, code) in cases {
            let (c, sent) = client(vec![answer], 2);
            let e = c
                .create_instance(&CreateInstance::new("x"))
                .await
                .unwrap_err();
            assert_eq!(e.code().as_str(), code);
            assert_eq!(*sent.lock().unwrap(), 1, "{code}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn idempotent_requests_retry_with_retry_after() {
        let (c, sent) = client(
            vec![
                Ok(response(429, &[("retry-after", "3")], "{}")),
                Ok(response(503, &[], "")),
                Ok(response(200, &[], OK)),
            ],
            2,
        );
        let start = tokio::time::Instant::now();
        let r = c.execute(get(&c)).await.unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(*sent.lock().unwrap(), 3);
        assert!(start.elapsed() >= Duration::from_secs(3));

        // 429 without Retry-After (a size limit) and a too-long Retry-After go to the caller.
        for retry_after in [None, Some("3600")] {
            let headers: Vec<(&str, &str)> = retry_after
                .map(|v| ("retry-after", v))
                .into_iter()
                .collect();
            let (c, sent) = client(vec![Ok(response(429, &headers, "{}"))], 2);
            let e = c.execute(get(&c)).await.unwrap_err();
            assert_eq!(e.code().as_str(), "rate_limited");
            assert_eq!(*sent.lock().unwrap(), 1);
        }
    }

    #[test]
    fn status_errors_keep_everything() {
        let r = response(
            502,
            &[("elements-request-id", "hdr")],
            r#"{"requestId":"5aabbccddeeff00112233445","message":"Provider failed","providerMessage":{"error":"x"}}"#,
        );
        let e = status_error(&r);
        assert_eq!(e.request_id.as_deref(), Some("5aabbccddeeff00112233445"));
        assert_eq!(e.header_request_id.as_deref(), Some("hdr"));
        assert_eq!(e.provider_message.as_deref(), Some(r#"{"error":"x"}"#));
        let html = status_error(&response(
            503,
            &[("elements-request-id", "h")],
            "<html>down</html>",
        ));
        assert_eq!(html.message, None);
        assert_eq!(html.request_id.as_deref(), Some("h"));
        assert_eq!(html.body, "<html>down</html>");
    }

    #[test]
    fn decode_errors() {
        for (body, needle) in [
            ("", "empty"),
            ("<html>", "not JSON"),
            (r#"{"id":1,"na"#, "truncated"),
            (r#"{"id":1,"name":"n"}"#, "token"),
            ("[]", "Instance"),
        ] {
            let e =
                decode_instance(response(200, &[("elements-request-id", "r")], body)).unwrap_err();
            assert_eq!(e.code().as_str(), "decode");
            assert!(e.to_string().contains(needle), "{e}");
            assert_eq!(e.request_id(), Some("r"));
            assert_eq!(e.body(), Some(body));
        }
    }

    #[test]
    fn builder_checks_and_env() {
        let e = Client::builder().use_env(false).build().unwrap_err();
        assert_eq!(e.field(), Some("base_url"));
        let e = Client::builder()
            .use_env(false)
            .region(Region::Us2)
            .user_secret("a b")
            .organization_secret("o")
            .build()
            .unwrap_err();
        assert_eq!(e.field(), Some("user_secret"));
        assert!(!e.to_string().contains("a b"));
        let c = Client::builder()
            .use_env(false)
            .region(Region::Us2)
            .user_secret("u")
            .organization_secret("o")
            .language("python", "3.11.7")
            .build()
            .unwrap();
        assert_eq!(
            c.base_url(),
            "https://api.openconnectors.us2.ext.hana.ondemand.com/elements/api-v2"
        );
        assert!(c.user_agent().starts_with("open-connectors-python/"));
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("\"u\"") && dbg.contains("REDACTED"));
        let r = c.build_create_instance(&CreateInstance::new("x")).unwrap();
        assert_eq!(r.header("authorization"), Some("User u, Organization o"));
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("accept"), Some("application/json"));
    }
}
