//! The client: sending any operation of the table with the retry policy, and the
//! typed Rust methods on top.
//!
//! - `settings`: the builder, the settings table and the one options parser;
//! - `auth`: the `Authorization` header of each scope;
//! - `retry`: which failures are retried and how long to wait;
//! - `response`: error statuses and decoding.

mod auth;
mod response;
mod retry;
mod settings;
pub(crate) mod typed;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, USER_AGENT};
use serde_json::Value;

pub(crate) use response::redacted_body as redacted_body_text;
pub use retry::MAX_RETRY_AFTER;
pub(crate) use settings::headers as check_headers;
pub use settings::{
    CALL_OPTIONS, CallOptions, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RETRIES,
    DEFAULT_RETRY_BUDGET, DEFAULT_TIMEOUT, MAX_RETRIES_LIMIT, MAX_TIMEOUT, MIN_TIMEOUT, SETTINGS,
    Setting, SettingType, VERSION,
};

use crate::error::{Error, RequestSent, Result};
use crate::lang::Lang;
use crate::model::{Instance, Output};
use crate::ops::elements::{GET_ELEMENT_CONFIGURATION, required_keys};
use crate::ops::instances::{
    CREATE_INSTANCE, CreateInstance, DELETE_INSTANCE, ElementRef, GET_INSTANCE,
    missing_configuration,
};
use crate::ops::{self, Args, Operation, Precheck, Wire};
use crate::transport::{HeaderValue, HttpRequest, HttpResponse, Transport, TransportError};
use auth::Credentials;
use response::{decode, status_error};
use retry::{backoff, retry_delay_for_status};

pub(crate) struct Inner {
    base_url: String,
    credentials: Credentials,
    user_agent: HeaderValue,
    timeout: Duration,
    max_retries: u32,
    retry_budget: Duration,
    transport: Arc<dyn Transport>,
    /// How the default transport was made, to make another with its own pool
    /// ([`Client::with_own_pool`]); None for a transport given by the caller.
    pub(crate) pool_options: Option<crate::transport::TransportOptions>,
    /// The configuration keys each element requires of a create (`validate`), by the
    /// element's key or id as given; fetched once per element (shared by the handles
    /// of [`Client::with_own_pool`]).
    pub(crate) required_config: Arc<Mutex<HashMap<String, Arc<[String]>>>>,
}

/// At most this many elements' required keys are kept ([`Inner::required_config`]);
/// beyond it the cache starts over (a catalogue is a few hundred elements).
const REQUIRED_CONFIG_CACHE: usize = 256;

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
    /// Options every call of this handle uses ([`Client::with_options`]).
    options: Option<Arc<CallOptions>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("user_secret", &"[REDACTED]")
            .field("organization_secret", &"[REDACTED]")
            .field("timeout", &self.timeout())
            .field("max_retries", &self.max_retries())
            .finish()
    }
}

impl Client {
    pub(crate) fn from_inner(inner: Inner) -> Client {
        Client {
            inner: Arc::new(inner),
            options: None,
        }
    }

    /// A builder; see [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured entirely from the `OPEN_CONNECTORS_*` environment.
    pub fn from_env() -> Result<Client> {
        ClientBuilder::default().build()
    }

    /// A handle on the same connection pool whose calls use `options` (a timeout, a
    /// retry budget, extra headers) instead of the client's.
    ///
    /// ```
    /// # use open_connectors::{CallOptions, Client};
    /// # use std::time::Duration;
    /// let client = Client::builder().use_env(false).base_url("http://127.0.0.1:9")
    ///     .user_secret("u").organization_secret("o").build()?;
    /// let quick = client.with_options(CallOptions::new().timeout(Duration::from_secs(2)).max_retries(0))?;
    /// assert_eq!(quick.timeout(), Duration::from_secs(2));
    /// assert_eq!(client.timeout(), Duration::from_secs(60));
    /// # Ok::<(), open_connectors::Error>(())
    /// ```
    pub fn with_options(&self, options: CallOptions) -> Result<Client> {
        options.check()?;
        let merged = self.merged(&options);
        Ok(Client {
            inner: self.inner.clone(),
            options: Some(Arc::new(merged)),
        })
    }

    /// A handle with this client's settings, options and caches but a connection pool
    /// of its own, whose connections belong to the tokio runtime that first uses them.
    ///
    /// A pool's connections are tasks of the runtime that opened them, and make
    /// progress only while it runs. To drive calls from several runtimes (say a
    /// current-thread runtime per thread, with no hand-off between threads), give each
    /// its own handle. With a transport given to [`ClientBuilder::transport`], the
    /// handle shares that transport (there is no pool of ours to duplicate).
    ///
    /// ```
    /// # use open_connectors::Client;
    /// let client = Client::builder().use_env(false).base_url("http://127.0.0.1:9")
    ///     .user_secret("u").organization_secret("o").build()?;
    /// let local = client.with_own_pool()?;
    /// assert_eq!(local.base_url(), client.base_url());
    /// # Ok::<(), open_connectors::Error>(())
    /// ```
    pub fn with_own_pool(&self) -> Result<Client> {
        let inner = &*self.inner;
        let transport: Arc<dyn Transport> = match &inner.pool_options {
            Some(options) => Arc::new(
                crate::transport::ReqwestTransport::with_options(options.clone())
                    .map_err(settings::transport_setup_error)?,
            ),
            None => inner.transport.clone(),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                base_url: inner.base_url.clone(),
                credentials: inner.credentials.clone(),
                user_agent: inner.user_agent.clone(),
                timeout: inner.timeout,
                max_retries: inner.max_retries,
                retry_budget: inner.retry_budget,
                transport,
                pool_options: inner.pool_options.clone(),
                required_config: inner.required_config.clone(),
            }),
            options: self.options.clone(),
        })
    }

    /// The base URL, e.g. `https://api.openconnectors.us2.ext.hana.ondemand.com/elements/api-v2`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The timeout of one attempt.
    pub fn timeout(&self) -> Duration {
        self.options
            .as_ref()
            .and_then(|o| o.timeout)
            .unwrap_or(self.inner.timeout)
    }

    /// Retries after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.options
            .as_ref()
            .and_then(|o| o.max_retries)
            .unwrap_or(self.inner.max_retries)
    }

    /// The `User-Agent` sent.
    pub fn user_agent(&self) -> &str {
        // Built from printable ASCII in `ClientBuilder::build`.
        self.inner.user_agent.to_str().unwrap_or_default()
    }

    /// This handle's options with `call`'s on top.
    pub(crate) fn merged(&self, call: &CallOptions) -> CallOptions {
        let base = self.options.as_deref();
        let mut extra_headers = base.map(|b| b.extra_headers.clone()).unwrap_or_default();
        extra_headers.extend(call.extra_headers.iter().cloned());
        CallOptions {
            timeout: call.timeout.or(base.and_then(|b| b.timeout)),
            max_retries: call.max_retries.or(base.and_then(|b| b.max_retries)),
            extra_headers,
            instance_token: call
                .instance_token
                .clone()
                .or(base.and_then(|b| b.instance_token.clone())),
        }
    }

    /// The request of `op` for `wire`: URL, headers (authorization of the operation's
    /// scope, extra headers), body. Pure: nothing is sent.
    pub(crate) fn request(
        &self,
        op: &Operation,
        wire: Wire,
        options: &CallOptions,
    ) -> Result<HttpRequest> {
        let method = wire.method.unwrap_or(op.method);
        let mut url = String::with_capacity(self.inner.base_url.len() + wire.path.len() + 16);
        url.push_str(&self.inner.base_url);
        url.push_str(&wire.path);
        if !wire.query.is_empty() {
            url.push('?');
            url.push_str(
                &url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(&wire.query)
                    .finish(),
            );
        }
        let mut h = HeaderMap::with_capacity(4 + options.extra_headers.len());
        h.insert(
            AUTHORIZATION,
            self.inner
                .credentials
                .header(op.auth, options.instance_token.as_ref())?,
        );
        h.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if wire.body.is_some() {
            h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        h.insert(USER_AGENT, self.inner.user_agent.clone());
        for (k, v) in wire.headers.iter().chain(&options.extra_headers) {
            let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) else {
                return Err(Error::invalid("extra_headers", "holds an invalid header"));
            };
            h.insert(name, value);
        }
        Ok(HttpRequest {
            method: method.to_reqwest(),
            url,
            headers: h,
            body: wire.body.map(Bytes::from),
            idempotent: op.retry.idempotent(method),
        })
    }

    /// Builds the request of any operation without sending it: `name` is the table
    /// name (`"get_instance"`), `args` one JSON object spelled as `lang` spells
    /// arguments. Bad input fails here, before anything is sent.
    pub fn build_call(
        &self,
        lang: Lang,
        name: &str,
        args: Value,
        options: &CallOptions,
    ) -> Result<(&'static Operation, HttpRequest)> {
        self.build_merged(lang, name, args, &self.merged(options))
    }

    /// [`Client::build_call`] with options already merged with this handle's.
    fn build_merged(
        &self,
        lang: Lang,
        name: &str,
        args: Value,
        merged: &CallOptions,
    ) -> Result<(&'static Operation, HttpRequest)> {
        let op = ops::find(name)?;
        let args = ops::parse_args(op, lang, args)?;
        let request = self.build_args(lang, op, args, merged)?;
        Ok((op, request))
    }

    /// The request of `op` for checked arguments.
    fn build_args(
        &self,
        lang: Lang,
        op: &'static Operation,
        args: Args,
        merged: &CallOptions,
    ) -> Result<HttpRequest> {
        let wire = (op.build)(op, args).map_err(|e| e.spelled(lang))?;
        self.request(op, wire, merged).map_err(|e| e.spelled(lang))
    }

    /// Sends any operation of the table by name, with arguments as one JSON object
    /// (Rust spelling, `snake_case`). The typed methods are the usual way for Rust
    /// callers; the language bindings and the case runners come through here.
    ///
    /// ```no_run
    /// # async fn demo(client: open_connectors::Client) -> Result<(), open_connectors::Error> {
    /// let instance = client.call("get_instance", serde_json::json!({"instance_id": 12})).await?;
    /// # Ok(()) }
    /// ```
    pub async fn call(&self, name: &str, args: Value) -> Result<Output> {
        self.call_with(Lang::Rust, name, args, &CallOptions::default())
            .await
    }

    /// [`Client::call`] in the spelling of `lang`, with per-call options.
    pub async fn call_with(
        &self,
        lang: Lang,
        name: &str,
        args: Value,
        options: &CallOptions,
    ) -> Result<Output> {
        options.check().map_err(|e| e.spelled(lang))?;
        let options = self.merged(options);
        let op = ops::find(name)?;
        let args = ops::parse_args(op, lang, args)?;
        // What a precheck reads, taken before the builder consumes the arguments.
        let precheck = op
            .precheck
            .filter(|c| args.get(c.flag()) == Some(&Value::Bool(true)))
            .map(|c| {
                (
                    c,
                    args.get("element").cloned(),
                    args.get("configuration").cloned(),
                )
            });
        let request = self.build_args(lang, op, args, &options)?;
        if op.pagination.is_some() {
            return Err(Error::invalid(
                "operation",
                format!(
                    "{} is paged: list it with a pager (Client::pager), page by page",
                    lang.spell(op.name)
                ),
            ));
        }
        if let Some((Precheck::RequiredConfiguration, element, configuration)) = precheck {
            let element = match element {
                Some(Value::String(key)) => ElementRef::Key(key),
                Some(id) => ElementRef::Id(id.as_u64().unwrap_or_default()),
                None => return Err(Error::invalid(lang.spell("element"), "is required")),
            };
            self.check_configuration(&element, configuration.as_ref(), &options)
                .await
                .map_err(|e| e.spelled(lang))?;
        }
        self.send_request(op, request, &options).await
    }

    /// The configuration keys `element` requires of a create, from its definitions
    /// (fetched once per element for the client's life; see [`Precheck`]).
    async fn required_configuration(
        &self,
        element: &ElementRef,
        options: &CallOptions,
    ) -> Result<Arc<[String]>> {
        let cache_key = element.to_string();
        let cached = |inner: &Inner| {
            inner
                .required_config
                .lock()
                .ok()
                .and_then(|m| m.get(&cache_key).cloned())
        };
        if let Some(keys) = cached(&self.inner) {
            return Ok(keys);
        }
        let op = &GET_ELEMENT_CONFIGURATION;
        let args = Args::default().with("key_or_id", element);
        let wire = (op.build)(op, args).map_err(|e| match e {
            Error::InvalidInput { reason, .. } => Error::invalid("element", reason),
            other => other,
        })?;
        let request = self.request(op, wire, options)?;
        let keys: Arc<[String]> =
            required_keys(&self.send_request(op, request, options).await?).into();
        if let Ok(mut cache) = self.inner.required_config.lock() {
            if cache.len() >= REQUIRED_CONFIG_CACHE {
                cache.clear();
            }
            cache.insert(cache_key, keys.clone());
        }
        Ok(keys)
    }

    /// [`Precheck::RequiredConfiguration`]: refuses a `configuration` that lacks a key
    /// the element requires, naming every missing key.
    async fn check_configuration(
        &self,
        element: &ElementRef,
        configuration: Option<&Value>,
        options: &CallOptions,
    ) -> Result<()> {
        let required = self.required_configuration(element, options).await?;
        let missing = missing_configuration(&required, configuration);
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::invalid(
            "configuration",
            format!(
                "lacks {} required by element {:?}: {} (checked before sending, as validate asked)",
                if missing.len() == 1 { "a key" } else { "keys" },
                element.to_string(),
                missing.join(", ")
            ),
        ))
    }

    /// Sends one page's request and decodes it; errors carry no secret of the request.
    pub(crate) async fn send_page(
        &self,
        kind: ops::ResultKind,
        records_as_text: bool,
        request: HttpRequest,
        options: &CallOptions,
    ) -> Result<crate::pager::Page> {
        let auth = request.headers.get(AUTHORIZATION).cloned();
        let url = request.url.clone();
        let response = self.execute_with(request, options).await?;
        response::decode_page(kind, records_as_text, response)
            .map_err(|e| mask_error(e, auth.as_ref(), None, Some(&url)))
    }

    /// Sends a built request and decodes the answer as `op` says; errors carry no
    /// secret of the request, whatever the server echoed.
    async fn send_request(
        &self,
        op: &'static Operation,
        request: HttpRequest,
        options: &CallOptions,
    ) -> Result<Output> {
        // Cheap to keep (shared buffers): what a decode error must not echo.
        let auth = request.headers.get(AUTHORIZATION).cloned();
        let body = request.body.clone();
        let url = request.url.contains('?').then(|| request.url.clone());
        let response = self.execute_with(request, options).await?;
        decode(op.result, response)
            .map_err(|e| mask_error(e, auth.as_ref(), body.as_deref(), url.as_deref()))
    }

    async fn send_op(&self, op: &'static Operation, wire: Wire) -> Result<Output> {
        let options = self.merged(&CallOptions::default());
        let request = self.request(op, wire, &options)?;
        self.send_request(op, request, &options).await
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
        let options = self.merged(&CallOptions::default());
        self.request(&CREATE_INSTANCE, request.to_request()?, &options)
    }

    /// Creates an authenticated connector instance (`POST /instances` or
    /// `POST /elements/{keyOrId}/instances`).
    ///
    /// Never retried once it may have reached the server (an OAuth code is single-use):
    /// a timeout, a 5xx or a 429 goes to the caller. The answer's `token` is the
    /// credential of every later call on the instance.
    pub async fn create_instance(&self, request: &CreateInstance) -> Result<Instance> {
        let wire = request.to_request()?;
        if request.validates() {
            let options = self.merged(&CallOptions::default());
            self.check_configuration(request.element(), request.configuration_value(), &options)
                .await?;
        }
        let out = self.send_op(&CREATE_INSTANCE, wire).await?;
        Self::instance(out)
    }

    fn instance(out: Output) -> Result<Instance> {
        out.into_instance().ok_or_else(|| Error::Internal {
            reason: "the operation's result is not an Instance".to_owned(),
        })
    }

    fn instance_wire(op: &Operation, instance_id: u64) -> Result<Wire> {
        let id = ops::check_id("instance_id", &Value::from(instance_id))?;
        (op.build)(op, Args::default().with("instance_id", id))
    }

    /// Gets an instance by id (`GET /instances/{id}`). Safe to retry. An id must be a
    /// positive integer.
    pub async fn get_instance(&self, instance_id: u64) -> Result<Instance> {
        let wire = Self::instance_wire(&GET_INSTANCE, instance_id)?;
        Self::instance(self.send_op(&GET_INSTANCE, wire).await?)
    }

    /// Deletes an instance by id (`DELETE /instances/{id}`). Safe to retry.
    pub async fn delete_instance(&self, instance_id: u64) -> Result<()> {
        let wire = Self::instance_wire(&DELETE_INSTANCE, instance_id)?;
        self.send_op(&DELETE_INSTANCE, wire).await.map(|_| ())
    }

    /// Sends a request with the client's retry policy and returns the 2xx answer;
    /// any other status becomes a status error.
    pub async fn execute(&self, request: HttpRequest) -> Result<HttpResponse> {
        let options = self.merged(&CallOptions::default());
        self.execute_with(request, &options).await
    }

    async fn execute_with(
        &self,
        request: HttpRequest,
        options: &CallOptions,
    ) -> Result<HttpResponse> {
        let timeout = options.timeout.unwrap_or(self.inner.timeout);
        let max_retries = options.max_retries.unwrap_or(self.inner.max_retries);
        let budget = self.inner.retry_budget;
        // tokio's clock: the tests run it paused.
        let call_started = tokio::time::Instant::now();
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
                        path = %request.path(),
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
                        path = %request.path(),
                        status = err.status,
                        request_id = err.request_id.as_deref(),
                        attempt,
                        elapsed_ms = elapsed.as_millis() as u64,
                        "request failed"
                    );
                    (Error::Status(Box::new(err)), delay)
                }
                Err(TransportError::TooLarge(oversized)) => {
                    let crate::transport::Oversized {
                        status,
                        headers,
                        start,
                        limit,
                    } = *oversized;
                    // A 2xx is never retried (the same answer would come again); an
                    // error status is the error it would be with a short body.
                    let what = format!(
                        "the response is larger than the client's limit of {limit} bytes (max_response_size); reading stopped there"
                    );
                    let partial = HttpResponse {
                        status,
                        headers,
                        body: start,
                    };
                    if (200..300).contains(&status) {
                        let error = Error::Decode(Box::new(crate::error::DecodeError {
                            status,
                            request_id: partial.header("elements-request-id").map(str::to_owned),
                            reason: what,
                            body: response::text(&partial.body),
                        }));
                        (error, None)
                    } else {
                        let mut err = status_error(&partial);
                        err.body = format!("{} … [{what}]", err.body);
                        let delay = (request.idempotent && attempt <= max_retries)
                            .then(|| retry_delay_for_status(&err, attempt))
                            .flatten();
                        (Error::Status(Box::new(err)), delay)
                    }
                }
                Err(TransportError::Connect(reason)) => {
                    let delay = (attempt <= max_retries).then(|| backoff(attempt));
                    let host = url::Url::parse(&request.url)
                        .ok()
                        .and_then(|u| {
                            u.host_str()
                                .map(|h| format!("{h}:{}", u.port_or_known_default().unwrap_or(0)))
                        })
                        .unwrap_or_default();
                    (
                        Error::Connection {
                            reason: format!("{reason} (connecting to {host})"),
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
            // Within the call's budget: a wait that would end past it is not started.
            let delay = delay.filter(|d| call_started.elapsed() + *d <= budget);
            match delay {
                Some(delay) => {
                    tracing::info!(
                        target: "open_connectors",
                        method = %request.method,
                        path = %request.path(),
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
                        path = %request.path(),
                        code = error.code().as_str(),
                        attempt,
                        "giving up"
                    );
                    return Err(mask_error(
                        error,
                        request.headers.get(AUTHORIZATION),
                        request.body.as_deref(),
                        Some(&request.url),
                    ));
                }
            }
        }
    }
}

/// For the fuzz targets: [`response::decode_instance`].
pub(crate) fn fuzz_decode_instance(r: HttpResponse) -> Result<Instance> {
    response::decode_instance(r)
}

/// For the fuzz targets: [`response::status_error`].
pub(crate) fn fuzz_status_error(r: &HttpResponse) -> crate::error::StatusError {
    status_error(r)
}

/// Masks, in whatever the server said, every secret the request carried (a server or
/// proxy may echo the request into its error).
fn mask_error(
    mut error: Error,
    authorization: Option<&HeaderValue>,
    body: Option<&[u8]>,
    url: Option<&str>,
) -> Error {
    let masker =
        crate::redact::Masker::for_request(authorization.and_then(|v| v.to_str().ok()), body, url);
    match &mut error {
        Error::Status(e) => {
            masker.mask_opt(&mut e.message);
            masker.mask_opt(&mut e.provider_message);
            masker.mask_opt(&mut e.request_id);
            masker.mask_opt(&mut e.header_request_id);
            e.body = masker.mask(&e.body);
        }
        Error::Decode(e) => {
            e.body = masker.mask(&e.body);
            e.reason = masker.mask(&e.reason);
        }
        Error::Connection { reason, .. } => *reason = masker.mask(reason),
        _ => {}
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::response::tests::response;
    use crate::config::Region;
    use crate::transport::Method;
    use std::sync::Mutex;

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

    #[tokio::test(start_paused = true)]
    async fn retries_stay_within_the_budget() {
        let budgeted = |budget: u64, answers: Vec<Result<HttpResponse, TransportError>>| {
            let sent = Arc::new(Mutex::new(0));
            let c = Client::builder()
                .use_env(false)
                .base_url("http://127.0.0.1:9/elements/api-v2")
                .user_secret("u")
                .organization_secret("o")
                .max_retries(5)
                .retry_budget(Duration::from_secs(budget))
                .transport(Scripted {
                    answers: Mutex::new(answers),
                    sent: sent.clone(),
                })
                .build()
                .unwrap();
            (c, sent)
        };
        // A wait that ends exactly at the budget is taken; one second more is not.
        for (budget, tries) in [(3, 2), (2, 1)] {
            let (c, sent) = budgeted(
                budget,
                vec![
                    Ok(response(503, &[("retry-after", "3")], "")),
                    Ok(response(200, &[], OK)),
                ],
            );
            let start = tokio::time::Instant::now();
            let outcome = c.execute(get(&c)).await;
            assert_eq!(*sent.lock().unwrap(), tries, "budget {budget}");
            assert_eq!(outcome.is_ok(), tries == 2, "budget {budget}");
            assert!(start.elapsed() <= Duration::from_secs(budget));
        }
        // Zero: no retry at all.
        let (c, sent) = budgeted(0, vec![Err(TransportError::Connect("refused".into()))]);
        assert_eq!(
            c.execute(get(&c)).await.unwrap_err().code().as_str(),
            "connection"
        );
        assert_eq!(*sent.lock().unwrap(), 1);
        // The setting's bounds.
        let e = Client::builder()
            .use_env(false)
            .base_url("http://127.0.0.1:9")
            .user_secret("u")
            .organization_secret("o")
            .retry_budget(MAX_TIMEOUT + Duration::from_nanos(1))
            .build()
            .unwrap_err();
        assert_eq!(e.field(), Some("retry_budget"));
    }

    fn secret_client(answers: Vec<Result<HttpResponse, TransportError>>) -> Client {
        Client::builder()
            .use_env(false)
            .base_url("http://127.0.0.1:9/elements/api-v2")
            .user_secret("user-secret-0123456789")
            .organization_secret("org-secret-0123456789")
            .max_retries(0)
            .transport(Scripted {
                answers: Mutex::new(answers),
                sent: Arc::new(Mutex::new(0)),
            })
            .build()
            .unwrap()
    }

    fn assert_masked(e: &Error) {
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(!text.contains("user-secret-0123456789"), "{text}");
            assert!(!text.contains("org-secret-0123456789"), "{text}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn secrets_echoed_into_decode_and_connection_errors_are_masked() {
        let c = secret_client(vec![Ok(response(
            200,
            &[],
            "not JSON: Authorization: User user-secret-0123456789, Organization org-secret-0123456789",
        ))]);
        let e = c.get_instance(5).await.unwrap_err();
        assert_eq!(e.code().as_str(), "decode");
        assert_masked(&e);
        let body = e.body().unwrap();
        assert!(
            body.contains("User [REDACTED], Organization [REDACTED]"),
            "{body}"
        );

        let c = secret_client(vec![Err(TransportError::Connect(
            "proxy refused User user-secret-0123456789".into(),
        ))]);
        let e = c.get_instance(5).await.unwrap_err();
        assert_eq!(e.code().as_str(), "connection");
        assert_masked(&e);
        assert!(
            e.to_string().contains("proxy refused User [REDACTED]"),
            "{e}"
        );

        let c = secret_client(vec![Err(TransportError::Io(
            "reset after org-secret-0123456789".into(),
        ))]);
        let e = c.get_instance(5).await.unwrap_err();
        assert_masked(&e);
        assert!(e.to_string().contains("reset after [REDACTED]"), "{e}");
    }

    #[test]
    fn max_retries_reads_the_client_then_the_call_options() {
        let (c, _) = client(vec![], 3);
        assert_eq!(c.max_retries(), 3);
        let per_call = c
            .with_options(CallOptions {
                max_retries: Some(7),
                ..CallOptions::default()
            })
            .unwrap();
        assert_eq!(per_call.max_retries(), 7);
        assert_eq!(c.max_retries(), 3);
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
