//! The seam between building a request and sending it.
//!
//! [`HttpRequest`] is a plain value (method, URL, headers, body) built by pure
//! functions such as [`Client::build_create_instance`](crate::Client::build_create_instance).
//! A [`Transport`] sends one and returns an [`HttpResponse`]. The default is
//! [`ReqwestTransport`]; tests and users can plug in their own.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
pub use reqwest::Method;
pub use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::redact::redact_json;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A request ready to send. Building one touches no network.
#[derive(Clone)]
pub struct HttpRequest {
    /// The HTTP method.
    pub method: Method,
    /// The full URL.
    pub url: String,
    /// Headers, including `Authorization` (marked sensitive).
    pub headers: HeaderMap,
    /// The JSON body, serialized.
    pub body: Option<Bytes>,
    /// Whether sending it twice is harmless. Only idempotent requests are
    /// retried after they may have reached the server.
    pub idempotent: bool,
}

impl HttpRequest {
    /// The body parsed back as JSON (for inspection and tests).
    pub fn json(&self) -> Option<serde_json::Value> {
        self.body
            .as_ref()
            .and_then(|b| serde_json::from_slice(b).ok())
    }

    /// The path of the URL (without the query).
    pub fn path(&self) -> String {
        url::Url::parse(&self.url)
            .map(|u| u.path().to_owned())
            .unwrap_or_default()
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let shown = if v.is_sensitive() {
                    "[REDACTED]"
                } else {
                    v.to_str().unwrap_or("<binary>")
                };
                (k.as_str(), shown)
            })
            .collect();
        let body = self.json().map(|v| redact_json(&v));
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &crate::redact::redact_url(&self.url))
            .field("headers", &headers)
            .field("body", &body)
            .field("idempotent", &self.idempotent)
            .finish()
    }
}

/// A complete answer from the server, any status.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

impl HttpResponse {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Why a transport could not produce a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// No connection was made (refused, DNS failure, connect timeout): the request
    /// surely did not reach the server, so it is safe to send again.
    Connect(String),
    /// No full answer within the timeout; the request may have reached the server.
    Timeout,
    /// The connection broke after it was made; the request may have reached the server.
    Io(String),
    /// The answer is larger than the transport's limit: reading stopped there.
    TooLarge(Box<Oversized>),
}

/// What was read of an answer over the size limit, for the error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oversized {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The first bytes of the body (at most a few KiB).
    pub start: Bytes,
    /// The limit, in bytes.
    pub limit: usize,
}

/// Sends [`HttpRequest`]s. Implement it to swap the HTTP stack (or to script
/// answers in tests).
pub trait Transport: Send + Sync + 'static {
    /// Sends one request and reads the whole response, all within `timeout`.
    fn send(
        &self,
        request: HttpRequest,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<HttpResponse, TransportError>>;
}

/// The default largest answer read: 32 MiB (the platform's own limit on a
/// non-streaming payload is 8 MB).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 33_554_432; // 32 MiB

/// How much of an oversized body an error keeps.
const KEPT_OF_OVERSIZED: usize = 8192; // 8 KiB

/// Settings of the default transport.
#[derive(Clone, Debug)]
pub struct TransportOptions {
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// The largest body read; beyond it reading stops ([`TransportError::TooLarge`]).
    pub max_response_bytes: usize,
    /// Whether `HTTPS_PROXY`/`ALL_PROXY`/`NO_PROXY` are honoured (for `https://` only,
    /// never for loopback).
    pub env_proxy: bool,
}

impl Default for TransportOptions {
    fn default() -> Self {
        TransportOptions {
            connect_timeout: Duration::from_secs(10),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            env_proxy: true,
        }
    }
}

/// The default transport: reqwest with rustls, HTTP keep-alive and a connection pool.
#[derive(Clone, Debug)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    max_response_bytes: usize,
    origin: Origin,
}

/// The origin (`scheme://host:port`) of a transport's first request, parsed once.
///
/// Every request of an SDK client goes to its base URL's origin, and the origin is most of
/// the cost of parsing a URL (the host's IDNA pass above all): joining a request's path to
/// the parsed origin costs a third of a whole parse and gives the same URL. Anything but a
/// plain `http(s)://origin/path` is left to reqwest to parse whole, as before.
#[derive(Clone, Debug, Default)]
struct Origin(std::sync::OnceLock<(String, url::Url)>);

impl Origin {
    /// `url` parsed by joining its path to the cached origin; `None` when that does not
    /// apply (another origin, not `http(s)://`, no plain absolute path).
    fn parse(&self, url: &str) -> Option<url::Url> {
        let after_scheme = if url.starts_with("https://") {
            8
        } else if url.starts_with("http://") {
            7
        } else {
            return None;
        };
        let end = url[after_scheme..]
            .find(['/', '?', '#', '\\'])
            .map_or(url.len(), |i| after_scheme + i);
        let (origin, rest) = url.split_at(end);
        // `//` would name another host and `\` reads as `/` in these schemes: whole parse.
        if !rest.starts_with('/') || rest.starts_with("//") || rest.contains('\\') {
            return None;
        }
        let (cached, base) = match self.0.get() {
            Some(known) => known,
            None => {
                let base = url::Url::parse(origin).ok()?;
                self.0.get_or_init(|| (origin.to_owned(), base))
            }
        };
        if cached != origin {
            return None;
        }
        base.join(rest).ok()
    }
}

/// The proxy from the environment, as users expect: `HTTPS_PROXY`, else `ALL_PROXY`
/// (either case). A value without a scheme is read as `http://`.
fn env_proxy_url() -> Option<url::Url> {
    ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .map(|v| v.trim().to_owned())
        .find(|v| !v.is_empty())
        .and_then(|v| {
            if v.contains("://") {
                url::Url::parse(&v).ok()
            } else {
                url::Url::parse(&format!("http://{v}")).ok()
            }
        })
}

/// The `NO_PROXY` (else `no_proxy`) list: hosts, domains with their subdomains, IP
/// addresses and CIDR blocks, `*` for all, reached directly (hyper-util's rules, as curl's).
struct NoProxyList(hyper_util::client::proxy::matcher::Matcher);

impl NoProxyList {
    fn from_env() -> Self {
        let list = std::env::var("NO_PROXY")
            .or_else(|_| std::env::var("no_proxy"))
            .unwrap_or_default();
        Self::new(&list)
    }

    fn new(list: &str) -> Self {
        // A matcher that would send every destination to a placeholder proxy, but for
        // the listed ones: it intercepts exactly the destinations not on the list.
        NoProxyList(
            hyper_util::client::proxy::matcher::Matcher::builder()
                .all("http://no-proxy.invalid:1")
                .no(list)
                .build(),
        )
    }

    /// Whether `url`'s host is on the list.
    fn bypasses(&self, url: &url::Url) -> bool {
        let Ok(uri) = url.as_str().parse::<http::Uri>() else {
            return false;
        };
        self.0.intercept(&uri).is_none()
    }
}

/// Whether a request to `url` may go through a proxy: only `https://` (a CONNECT
/// tunnel keeps the `Authorization` header encrypted) and never to loopback.
pub fn may_proxy(url: &url::Url) -> bool {
    url.scheme() == "https" && !crate::config::is_loopback_host(url)
}

/// The TLS settings of every transport of the process: what reqwest builds for its
/// `rustls` feature (TLS 1.3 and 1.2, the crypto provider installed for the process or
/// aws-lc-rs, the platform's certificate verifier, HTTP/1.1 by ALPN), built once.
///
/// Building them reads the system's CA store (about 150 files here, some 2.4 ms), which
/// reqwest would do again for every client: each `Client`, and each lane of the Python
/// sync client. A change to the CA store is seen by the next process, not by this one.
/// A failure (no CA certificates at all) is not remembered: the next client tries again.
fn shared_tls() -> Result<rustls::ClientConfig, TransportError> {
    static TLS: std::sync::OnceLock<rustls::ClientConfig> = std::sync::OnceLock::new();
    if let Some(config) = TLS.get() {
        return Ok(config.clone());
    }
    let failed = |e: rustls::Error| TransportError::Connect(format!("request failed: {e}"));
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone()).map_err(failed)?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(failed)?
        .dangerous()
        .with_custom_certificate_verifier(std::sync::Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TLS.get_or_init(|| config).clone())
}

impl ReqwestTransport {
    /// A transport with the given connect timeout (and the other defaults).
    pub fn new(connect_timeout: Duration) -> Result<Self, TransportError> {
        Self::with_options(TransportOptions {
            connect_timeout,
            ..TransportOptions::default()
        })
    }

    /// A transport with these settings. Environment proxies are never used for plain
    /// `http://` or loopback; with `env_proxy: false`, never at all.
    pub fn with_options(options: TransportOptions) -> Result<Self, TransportError> {
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(shared_tls()?)
            .connect_timeout(options.connect_timeout)
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy();
        if options.env_proxy
            && let Some(proxy) = env_proxy_url()
        {
            // reqwest 0.13 keeps the `no_proxy` of a custom proxy but never reads it: the
            // `NO_PROXY` list is checked here, by hyper-util's matcher (the one reqwest
            // uses for its own proxies).
            let no_proxy = NoProxyList::from_env();
            let p = reqwest::Proxy::custom(move |url| {
                (may_proxy(url) && !no_proxy.bypasses(url)).then(|| proxy.clone())
            });
            builder = builder.proxy(p);
        }
        let client = builder
            .build()
            .map_err(|e| TransportError::Connect(error_chain(&e)))?;
        Ok(ReqwestTransport {
            client,
            max_response_bytes: options.max_response_bytes,
            origin: Origin::default(),
        })
    }

    /// Wraps a reqwest client configured by the caller.
    pub fn from_client(client: reqwest::Client) -> Self {
        ReqwestTransport {
            client,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            origin: Origin::default(),
        }
    }
}

/// An error and its sources, joined with `: `, without the URL.
fn error_chain(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut out = String::new();
    let mut cur: Option<&dyn std::error::Error> = e.source();
    out.push_str(if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "could not read the response body"
    } else {
        "request failed"
    });
    while let Some(s) = cur {
        let text = s.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = s.source();
    }
    out
}

fn map_err(e: reqwest::Error) -> TransportError {
    let e = e.without_url();
    if e.is_connect() {
        TransportError::Connect(error_chain(&e))
    } else if e.is_timeout() {
        TransportError::Timeout
    } else {
        TransportError::Io(error_chain(&e))
    }
}

impl Transport for ReqwestTransport {
    fn send(
        &self,
        request: HttpRequest,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let builder = match self.origin.parse(&request.url) {
                Some(url) => self.client.request(request.method, url),
                None => self.client.request(request.method, &request.url),
            };
            let mut builder = builder.headers(request.headers).timeout(timeout);
            if let Some(body) = request.body {
                builder = builder.body(body);
            }
            let mut response = builder.send().await.map_err(map_err)?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let limit = self.max_response_bytes;
            let too_large = |headers: HeaderMap, start: Bytes| {
                TransportError::TooLarge(Box::new(Oversized {
                    status,
                    headers,
                    start,
                    limit,
                }))
            };
            // Refuse a declared size over the limit without reading it.
            if response.content_length().is_some_and(|n| n > limit as u64) {
                return Err(too_large(headers, Bytes::new()));
            }
            // Read chunk by chunk, never past the limit, whatever the server sends, into
            // a buffer of the declared size (at most the limit, checked above): no
            // reallocation and copy as a large page arrives.
            let declared = response.content_length().map_or(0, |n| n as usize);
            let mut body = bytes::BytesMut::with_capacity(declared.min(limit));
            while let Some(chunk) = response.chunk().await.map_err(map_err)? {
                if body.len() + chunk.len() > limit {
                    body.truncate(KEPT_OF_OVERSIZED);
                    return Err(too_large(headers, body.freeze()));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(HttpResponse {
                status,
                headers,
                body: body.freeze(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_no_proxy_list_names_hosts_domains_and_addresses() {
        let url = |u: &str| url::Url::parse(u).unwrap();
        let list = NoProxyList::new("api.example.com, .corp.example, 10.0.0.0/8");
        assert!(list.bypasses(&url("https://api.example.com/x")));
        assert!(list.bypasses(&url("https://eu.api.example.com:8443/x")));
        assert!(!list.bypasses(&url("https://xapi.example.com/x")));
        assert!(!list.bypasses(&url("https://example.com/x")));
        assert!(list.bypasses(&url("https://hub.corp.example/x")));
        assert!(list.bypasses(&url("https://10.1.2.3/x")));
        assert!(!list.bypasses(&url("https://11.1.2.3/x")));
        assert!(NoProxyList::new("*").bypasses(&url("https://anything.example/x")));
        assert!(!NoProxyList::new("").bypasses(&url("https://api.example.com/x")));
    }

    #[test]
    fn proxies_only_for_https_and_never_loopback() {
        let url = |u: &str| url::Url::parse(u).unwrap();
        assert!(may_proxy(&url("https://api.example.com/x")));
        assert!(!may_proxy(&url("http://api.example.com/x")));
        assert!(!may_proxy(&url("https://127.0.0.1:9/x")));
        assert!(!may_proxy(&url("http://localhost:9/x")));
    }

    #[test]
    fn a_url_joined_to_the_cached_origin_is_the_url_parsed_whole() {
        let whole = |u: &str| url::Url::parse(u).unwrap();
        let origin = Origin::default();
        for u in [
            "http://127.0.0.1:9/elements/api-v2/instances",
            "http://127.0.0.1:9/elements/api-v2/instances/12?x=1&y=%20z#frag",
            "http://127.0.0.1:9/a/../b/./c%2Fd/%E2%82%AC/\u{e9}?q=\u{e9}",
            "http://127.0.0.1:9/",
        ] {
            assert_eq!(origin.parse(u).as_ref(), Some(&whole(u)), "{u}");
        }
        let origin = Origin::default();
        let u = "https://API.Example.com:443/elements/api-v2/instances?a=b";
        assert_eq!(origin.parse(u), Some(whole(u)));
        assert_eq!(
            origin.parse(u).unwrap().as_str(),
            "https://api.example.com/elements/api-v2/instances?a=b"
        );
        // Another origin, or anything but a plain path: left to a whole parse.
        for u in [
            "https://api.example.com/x",
            "https://API.Example.com:443//evil.example/x",
            "https://API.Example.com:443?x=1",
            "https://API.Example.com:443#f",
            "https://API.Example.com:443",
            "https://API.Example.com:443/a\\b",
            "ftp://API.Example.com:443/x",
            "HTTPS://API.Example.com:443/x",
        ] {
            assert_eq!(origin.parse(u), None, "{u}");
        }
        // An origin that does not parse is never cached.
        let origin = Origin::default();
        assert_eq!(origin.parse("http://[::1/x"), None);
        assert_eq!(origin.parse("http://h:99999/x"), None);
        let u = "http://[::1]:9/x";
        assert_eq!(origin.parse(u), Some(whole(u)));
    }

    #[tokio::test]
    async fn a_refused_connection_says_why_once() {
        let t = ReqwestTransport::new(Duration::from_secs(2)).unwrap();
        let request = HttpRequest {
            method: Method::GET,
            url: "http://127.0.0.1:1/elements/api-v2/instances".into(),
            headers: HeaderMap::new(),
            body: None,
            idempotent: true,
        };
        match t.send(request, Duration::from_secs(2)).await {
            Err(TransportError::Connect(reason)) => {
                assert!(reason.starts_with("could not connect: "), "{reason}");
                assert!(reason.to_lowercase().contains("refused"), "{reason}");
                let parts: Vec<&str> = reason.split(": ").collect();
                let mut unique = parts.clone();
                unique.dedup();
                assert_eq!(parts, unique, "a source repeated: {reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn request_debug_hides_every_secret() {
        let client = crate::Client::builder()
            .use_env(false)
            .base_url("https://api.example.com/elements/api-v2")
            .user_secret("user-s3cr3t-1")
            .organization_secret("org-s3cr3t-2")
            .build()
            .unwrap();
        let (_, request) = client
            .build_call(
                crate::Lang::Rust,
                "get_oauth_url",
                serde_json::json!({"element": "sfdc", "api_key": "k-1", "api_secret": "app-s3cr3t-3",
                                   "callback_url": "https://app.example/cb"}),
                &crate::CallOptions::new(),
            )
            .unwrap();
        let dbg = format!("{request:?}");
        assert!(
            dbg.starts_with("HttpRequest { method: GET, url: \"https://api.example.com/"),
            "{dbg}"
        );
        assert!(dbg.contains("(\"authorization\", \"[REDACTED]\")"), "{dbg}");
        assert!(
            dbg.contains("callbackUrl=https%3A%2F%2Fapp.example%2Fcb"),
            "{dbg}"
        );
        for secret in ["user-s3cr3t-1", "org-s3cr3t-2", "app-s3cr3t-3"] {
            assert!(!dbg.contains(secret), "{secret} in {dbg}");
        }
        let create = client
            .build_create_instance(
                &crate::CreateInstance::basic("insightly", "u", "pw-s3cr3t-4").name("n"),
            )
            .unwrap();
        let dbg = format!("{create:?}");
        assert!(
            dbg.contains("\"name\": String(\"n\")") && !dbg.contains("pw-s3cr3t-4"),
            "{dbg}"
        );
        assert!(dbg.contains("idempotent: false"), "{dbg}");
    }

    #[test]
    fn path_and_debug() {
        let mut headers = HeaderMap::new();
        let mut auth = HeaderValue::from_static("User s3cr3t, Organization 0rg");
        auth.set_sensitive(true);
        headers.insert("authorization", auth);
        let r = HttpRequest {
            method: Method::POST,
            url: "http://127.0.0.1:1/elements/api-v2/instances?x=1".into(),
            headers,
            body: Some(Bytes::from_static(
                br#"{"configuration":{"password":"pw"}}"#,
            )),
            idempotent: false,
        };
        assert_eq!(r.path(), "/elements/api-v2/instances");
        let d = format!("{r:?}");
        assert!(
            !d.contains("s3cr3t") && !d.contains("0rg") && !d.contains("\"pw\""),
            "{d}"
        );
    }
}
