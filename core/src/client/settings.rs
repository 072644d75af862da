//! The client's settings: the typed [`ClientBuilder`] for Rust, the table the
//! bindings' constructors are generated from ([`SETTINGS`]), and the one parser and
//! validator of options given as JSON ([`ClientBuilder::from_json`]), used by every
//! language.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::client::auth::Credentials;
use crate::client::{Client, Inner};
use crate::config::{
    ENV_BASE_URL, ENV_ORGANIZATION_SECRET, ENV_REGION, ENV_USER_SECRET, Region, normalize_base_url,
    secret_arg,
};
use crate::error::{Error, RequestSent, Result};
use crate::lang::Lang;
use crate::model::json_kind;
use crate::secret::Secret;
use crate::transport::{
    DEFAULT_MAX_RESPONSE_BYTES, HeaderValue, ReqwestTransport, Transport, TransportError,
    TransportOptions,
};

/// The SDK's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Default timeout of one attempt, from sending to the last byte of the answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default total time a call may spend on retries ([`ClientBuilder::retry_budget`]).
pub const DEFAULT_RETRY_BUDGET: Duration = Duration::from_secs(60);
/// Default number of retries (attempts after the first).
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// The most `max_retries` may be.
pub const MAX_RETRIES_LIMIT: u32 = 10;
/// The shortest timeout accepted (a smaller one is almost surely a unit mistake).
pub const MIN_TIMEOUT: Duration = Duration::from_millis(10);
/// The longest timeout accepted.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(86_400); // 24 hours
/// The smallest `max_response_size` accepted.
pub const MIN_RESPONSE_SIZE: usize = 1024;
/// The largest `max_response_size` accepted (1 GiB).
pub const MAX_RESPONSE_SIZE: usize = 1 << 30;

/// The kind of value a setting takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingType {
    /// Text.
    Text,
    /// A secret (text never shown).
    Secret,
    /// A region preset name.
    Region,
    /// A duration, in the language's unit (Python seconds, Node milliseconds).
    Duration,
    /// A retry count, 0 to [`MAX_RETRIES_LIMIT`].
    Retries,
    /// A boolean.
    Bool,
    /// Extra HTTP headers: an object of text values.
    Headers,
    /// A size in bytes, from [`MIN_RESPONSE_SIZE`] to [`MAX_RESPONSE_SIZE`].
    Bytes,
}

/// One setting of the client or of a call.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// The name, `snake_case` (Node spells it `camelCase`).
    pub name: &'static str,
    /// The kind of value.
    pub ty: SettingType,
    /// The environment variable it falls back to, if any.
    pub env: Option<&'static str>,
    /// One line of documentation.
    pub doc: &'static str,
}

const fn setting(
    name: &'static str,
    ty: SettingType,
    env: Option<&'static str>,
    doc: &'static str,
) -> Setting {
    Setting { name, ty, env, doc }
}

/// The client's settings, in every language.
pub const SETTINGS: &[Setting] = &[
    setting(
        "base_url",
        SettingType::Text,
        Some(ENV_BASE_URL),
        "The full base URL, e.g. `https://api.openconnectors.us2.ext.hana.ondemand.com/elements/api-v2` (`http://` only to loopback).",
    ),
    setting(
        "region",
        SettingType::Region,
        Some(ENV_REGION),
        "A region preset instead of a base URL: default, us2, us10, eu10, trial-us10, ce-us, ce-eu, ce-staging.",
    ),
    setting(
        "user_secret",
        SettingType::Secret,
        Some(ENV_USER_SECRET),
        "The user secret.",
    ),
    setting(
        "organization_secret",
        SettingType::Secret,
        Some(ENV_ORGANIZATION_SECRET),
        "The organization secret.",
    ),
    setting(
        "timeout",
        SettingType::Duration,
        None,
        "Timeout of one attempt (default 60 s, at least 10 ms).",
    ),
    setting(
        "connect_timeout",
        SettingType::Duration,
        None,
        "Connect timeout (default 10 s, at least 10 ms).",
    ),
    setting(
        "max_retries",
        SettingType::Retries,
        None,
        "Retries after the first attempt (default 2, at most 10); only where safe.",
    ),
    setting(
        "retry_budget",
        SettingType::Duration,
        None,
        "The time a call may spend in all, retries and their waits included (default 60 s; 0 turns retries off): no retry starts, and no wait runs, past it.",
    ),
    setting(
        "user_agent_suffix",
        SettingType::Text,
        None,
        "Text appended to the User-Agent, e.g. your application's name and version.",
    ),
    setting(
        "use_env",
        SettingType::Bool,
        None,
        "Whether missing settings are read from the OPEN_CONNECTORS_* environment (default true).",
    ),
    setting(
        "max_response_size",
        SettingType::Bytes,
        None,
        "The largest answer read, in bytes (default 32 MiB); a larger one fails the call, and reading stops there.",
    ),
    setting(
        "env_proxy",
        SettingType::Bool,
        None,
        "Whether HTTPS_PROXY/ALL_PROXY/NO_PROXY are honoured (default true); only for https:// base URLs, never for loopback or plain http://.",
    ),
];

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
    retry_budget: Duration,
    language: Option<(String, String)>,
    user_agent_suffix: Option<String>,
    transport: Option<Arc<dyn Transport>>,
    use_env: bool,
    max_response_size: usize,
    env_proxy: bool,
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
            retry_budget: DEFAULT_RETRY_BUDGET,
            language: None,
            user_agent_suffix: None,
            transport: None,
            use_env: true,
            max_response_size: DEFAULT_MAX_RESPONSE_BYTES,
            env_proxy: true,
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
            .field("connect_timeout", &self.connect_timeout)
            .field("max_retries", &self.max_retries)
            .field("use_env", &self.use_env)
            .finish_non_exhaustive()
    }
}

/// Checks that `value` is text, naming the setting as `lang` spells it.
fn text(lang: Lang, name: &str, value: &Value) -> Result<String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        other => Err(Error::invalid(
            lang.spell(name),
            format!("must be a string, got {}", json_kind(other)),
        )),
    }
}

fn boolean(lang: Lang, name: &str, value: &Value) -> Result<bool> {
    value.as_bool().ok_or_else(|| {
        Error::invalid(
            lang.spell(name),
            format!("must be a boolean, got {}", json_kind(value)),
        )
    })
}

/// A retry count: an integer from 0 to [`MAX_RETRIES_LIMIT`].
fn retries(lang: Lang, name: &str, value: &Value) -> Result<u32> {
    match value.as_u64() {
        Some(n) if n <= u64::from(MAX_RETRIES_LIMIT) => Ok(n as u32),
        Some(_) => Err(Error::invalid(
            lang.spell(name),
            format!("must be at most {MAX_RETRIES_LIMIT}"),
        )),
        None => Err(Error::invalid(
            lang.spell(name),
            format!(
                "must be a whole number from 0 to {MAX_RETRIES_LIMIT}, got {}",
                match value {
                    Value::Number(n) => n.to_string(),
                    other => json_kind(other).to_owned(),
                }
            ),
        )),
    }
}

/// Reads `options` (a JSON object) against a settings table: every key must be one
/// of `table`'s names as `lang` spells them; `null` counts as not given.
pub(crate) fn settings_map<'a>(
    lang: Lang,
    options: &'a Value,
    table: &'static [Setting],
    what: &str,
) -> Result<Vec<(&'static Setting, &'a Value)>> {
    let map = match options {
        Value::Null => return Ok(Vec::new()),
        Value::Object(m) => m,
        other => {
            return Err(Error::invalid(
                "options",
                format!("must be an object, got {}", json_kind(other)),
            ));
        }
    };
    let mut out = Vec::with_capacity(map.len());
    for (key, value) in map {
        let Some(s) = table.iter().find(|s| lang.is_spelling(s.name, key)) else {
            let expected: Vec<String> = table.iter().map(|s| lang.spell(s.name)).collect();
            return Err(Error::invalid(
                key.clone(),
                format!(
                    "is not an option of {what} (expected {})",
                    expected.join(", ")
                ),
            ));
        };
        if !value.is_null() {
            out.push((s, value));
        }
    }
    Ok(out)
}

/// Extra headers of a call: an object of text values whose names are valid HTTP
/// header names other than those the SDK sets itself.
pub(crate) fn headers(lang: Lang, name: &str, value: &Value) -> Result<Vec<(String, String)>> {
    const OWN: [&str; 6] = [
        "authorization",
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "user-agent",
    ];
    let Value::Object(map) = value else {
        return Err(Error::invalid(
            lang.spell(name),
            format!("must be an object of strings, got {}", json_kind(value)),
        ));
    };
    let mut out = Vec::with_capacity(map.len());
    for (k, v) in map {
        let at = format!("{}[{k:?}]", lang.spell(name));
        if reqwest::header::HeaderName::from_bytes(k.as_bytes()).is_err() {
            return Err(Error::invalid(at, "is not a valid HTTP header name"));
        }
        if OWN.contains(&k.to_ascii_lowercase().as_str()) {
            return Err(Error::invalid(
                at,
                "is set by the SDK itself and cannot be replaced",
            ));
        }
        let Value::String(v) = v else {
            return Err(Error::invalid(
                at,
                format!("must be a string, got {}", json_kind(v)),
            ));
        };
        if HeaderValue::from_str(v).is_err() {
            return Err(Error::invalid(
                at,
                "must be printable ASCII without line breaks",
            ));
        }
        out.push((k.clone(), v.clone()));
    }
    Ok(out)
}

impl ClientBuilder {
    /// The settings of `options`, a JSON object whose keys and units are `lang`'s
    /// (Python: `user_secret`, seconds; Node: `userSecret`, milliseconds). The one
    /// parser of client options: every language's constructor comes here.
    pub fn from_json(lang: Lang, options: &Value) -> Result<ClientBuilder> {
        let mut b = ClientBuilder::default();
        for (s, value) in settings_map(lang, options, SETTINGS, "Client")? {
            match s.name {
                "base_url" => b.base_url = Some(text(lang, s.name, value)?),
                "region" => b.region = Some(text(lang, s.name, value)?.parse()?),
                "user_secret" => b.user_secret = Some(Secret::new(text(lang, s.name, value)?)),
                "organization_secret" => {
                    b.organization_secret = Some(Secret::new(text(lang, s.name, value)?))
                }
                "timeout" => {
                    b.timeout = lang.parse_duration(s.name, value, MIN_TIMEOUT, MAX_TIMEOUT)?
                }
                "connect_timeout" => {
                    b.connect_timeout =
                        lang.parse_duration(s.name, value, MIN_TIMEOUT, MAX_TIMEOUT)?
                }
                "max_retries" => b.max_retries = retries(lang, s.name, value)?,
                "retry_budget" => {
                    b.retry_budget =
                        lang.parse_duration(s.name, value, Duration::ZERO, MAX_TIMEOUT)?
                }
                "user_agent_suffix" => b.user_agent_suffix = Some(text(lang, s.name, value)?),
                "use_env" => b.use_env = boolean(lang, s.name, value)?,
                "env_proxy" => b.env_proxy = boolean(lang, s.name, value)?,
                "max_response_size" => {
                    b.max_response_size = match value.as_u64() {
                        Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
                        None => {
                            return Err(Error::invalid(
                                lang.spell(s.name),
                                format!(
                                    "must be a whole number of bytes, got {}",
                                    json_kind(value)
                                ),
                            ));
                        }
                    }
                }
                other => return Err(Error::invalid(other, "is not handled")),
            }
        }
        Ok(b)
    }

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

    /// Timeout of one attempt (default 60 s, at least 10 ms).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connect timeout (default 10 s, at least 10 ms).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The time a call may spend in all, retries and their waits included (default
    /// 60 s, at most 24 hours; zero turns retries off): no retry starts, and no wait
    /// runs, past it.
    pub fn retry_budget(mut self, budget: Duration) -> Self {
        self.retry_budget = budget;
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

    /// The largest answer read, in bytes (default 32 MiB, from 1 KiB to 1 GiB): a
    /// larger one fails the call, and reading stops there.
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_size = bytes;
        self
    }

    /// Whether `HTTPS_PROXY`/`ALL_PROXY`/`NO_PROXY` are honoured (default true). They
    /// apply to `https://` base URLs only, never to loopback or plain `http://`.
    pub fn env_proxy(mut self, env_proxy: bool) -> Self {
        self.env_proxy = env_proxy;
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

    /// [`ClientBuilder::build`], naming the setting at fault as `lang` spells it.
    pub fn build_in(self, lang: Lang) -> Result<Client> {
        self.build().map_err(|e| e.spelled(lang))
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
        for (name, d) in [
            ("timeout", self.timeout),
            ("connect_timeout", self.connect_timeout),
        ] {
            if d < MIN_TIMEOUT || d > MAX_TIMEOUT {
                return Err(Error::invalid(
                    name,
                    format!("must be from 10 ms to 24 hours, got {d:?}"),
                ));
            }
        }
        if self.retry_budget > MAX_TIMEOUT {
            return Err(Error::invalid(
                "retry_budget",
                format!("must be at most 24 hours, got {:?}", self.retry_budget),
            ));
        }
        if self.max_retries > MAX_RETRIES_LIMIT {
            return Err(Error::invalid(
                "max_retries",
                format!("must be at most {MAX_RETRIES_LIMIT}"),
            ));
        }
        if !(MIN_RESPONSE_SIZE..=MAX_RESPONSE_SIZE).contains(&self.max_response_size) {
            return Err(Error::invalid(
                "max_response_size",
                format!(
                    "must be from {MIN_RESPONSE_SIZE} bytes to 1 GiB, got {}",
                    self.max_response_size
                ),
            ));
        }
        let credentials = Credentials::new(user, org)?;
        if let Some(s) = &self.user_agent_suffix
            && (s.is_empty() || HeaderValue::from_str(s).is_err() || !s.is_ascii())
        {
            return Err(Error::invalid(
                "user_agent_suffix",
                "must be non-empty printable ASCII",
            ));
        }
        let ua = self.user_agent();
        let user_agent = HeaderValue::from_str(&ua)
            .map_err(|_| Error::invalid("user_agent_suffix", "must be printable ASCII"))?;
        let (transport, pool_options) = match self.transport {
            Some(t) => (t, None),
            None => {
                let options = TransportOptions {
                    connect_timeout: self.connect_timeout,
                    max_response_bytes: self.max_response_size,
                    env_proxy: self.env_proxy,
                };
                let transport: Arc<dyn Transport> = Arc::new(
                    ReqwestTransport::with_options(options.clone())
                        .map_err(transport_setup_error)?,
                );
                (transport, Some(options))
            }
        };
        Ok(Client::from_inner(Inner {
            base_url,
            credentials,
            user_agent,
            timeout: self.timeout,
            max_retries: self.max_retries,
            retry_budget: self.retry_budget,
            transport,
            pool_options,
            required_config: Default::default(),
        }))
    }
}

/// The error of a default transport that could not be set up.
pub(crate) fn transport_setup_error(e: TransportError) -> Error {
    Error::Connection {
        reason: format!("could not set up the HTTP client: {e:?}"),
        request_sent: RequestSent::No,
        attempts: 0,
    }
}

/// The per-call options, in every language (Python keyword arguments, a Node options
/// object, [`CallOptions`] in Rust).
pub const CALL_OPTIONS: &[Setting] = &[
    setting(
        "timeout",
        SettingType::Duration,
        None,
        "Timeout of each attempt of this call, instead of the client's.",
    ),
    setting(
        "max_retries",
        SettingType::Retries,
        None,
        "Retries of this call, instead of the client's.",
    ),
    setting(
        "extra_headers",
        SettingType::Headers,
        None,
        "More HTTP headers to send with this call.",
    ),
];

/// Options of one call: a timeout, a retry budget and extra headers that replace the
/// client's for this call only.
#[derive(Clone, Default)]
pub struct CallOptions {
    /// Timeout of each attempt.
    pub timeout: Option<Duration>,
    /// Retries after the first attempt.
    pub max_retries: Option<u32>,
    /// Extra headers.
    pub extra_headers: Vec<(String, String)>,
    /// The instance token, for operations scoped to an instance.
    pub instance_token: Option<Secret>,
}

impl fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.extra_headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("CallOptions")
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("extra_headers", &names)
            .field("instance_token", &self.instance_token)
            .finish()
    }
}

impl CallOptions {
    /// No overrides.
    pub fn new() -> CallOptions {
        CallOptions::default()
    }

    /// Timeout of each attempt of the call (at least 10 ms).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Retries of the call (at most 10).
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// One more header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_headers.push((name.into(), value.into()));
        self
    }

    /// The options of a call given as JSON, keys and units as `lang`'s.
    pub fn from_json(lang: Lang, options: &Value) -> Result<CallOptions> {
        let mut o = CallOptions::default();
        for (s, value) in settings_map(lang, options, CALL_OPTIONS, "a call")? {
            match s.name {
                "timeout" => {
                    o.timeout =
                        Some(lang.parse_duration(s.name, value, MIN_TIMEOUT, MAX_TIMEOUT)?)
                }
                "max_retries" => o.max_retries = Some(retries(lang, s.name, value)?),
                "extra_headers" => o.extra_headers = headers(lang, s.name, value)?,
                other => return Err(Error::invalid(other, "is not handled")),
            }
        }
        Ok(o)
    }

    /// Checks the typed options (Rust callers), as [`CallOptions::from_json`] does.
    pub(crate) fn check(&self) -> Result<()> {
        if let Some(d) = self.timeout
            && (d < MIN_TIMEOUT || d > MAX_TIMEOUT)
        {
            return Err(Error::invalid(
                "timeout",
                format!("must be from 10 ms to 24 hours, got {d:?}"),
            ));
        }
        if self.max_retries.is_some_and(|n| n > MAX_RETRIES_LIMIT) {
            return Err(Error::invalid(
                "max_retries",
                format!("must be at most {MAX_RETRIES_LIMIT}"),
            ));
        }
        if self.extra_headers.is_empty() {
            return Ok(());
        }
        let map: Map<String, Value> = self
            .extra_headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        headers(Lang::Rust, "extra_headers", &Value::Object(map))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(v: Value) -> Result<ClientBuilder> {
        ClientBuilder::from_json(Lang::Node, &v)
    }

    fn py(v: Value) -> Result<ClientBuilder> {
        ClientBuilder::from_json(Lang::Python, &v)
    }

    fn local() -> ClientBuilder {
        Client::builder()
            .use_env(false)
            .base_url("http://127.0.0.1:9")
            .user_secret("user-s3cr3t")
            .organization_secret("org-s3cr3t")
    }

    #[test]
    fn debug_output_names_settings_and_hides_secrets() {
        let dbg = format!("{:?}", local().timeout(Duration::from_secs(7)));
        assert!(dbg.starts_with("ClientBuilder {"), "{dbg}");
        assert!(dbg.contains("127.0.0.1:9") && dbg.contains("7s"), "{dbg}");
        assert!(
            !dbg.contains("user-s3cr3t") && !dbg.contains("org-s3cr3t"),
            "{dbg}"
        );
        let o = CallOptions::new()
            .header("X-Trace", "trace-value-123")
            .max_retries(3);
        let o = CallOptions {
            instance_token: Some(Secret::from("instance-t0ken".to_owned())),
            ..o
        };
        let dbg = format!("{o:?}");
        assert!(
            dbg.contains("X-Trace") && dbg.contains("max_retries: Some(3)"),
            "{dbg}"
        );
        assert!(
            !dbg.contains("trace-value-123") && !dbg.contains("instance-t0ken"),
            "{dbg}"
        );
    }

    #[test]
    fn use_env_keeps_the_settings_given_before_it() {
        let c = Client::builder()
            .base_url("http://127.0.0.1:9")
            .user_secret("u")
            .organization_secret("o")
            .timeout(Duration::from_secs(3))
            .use_env(false)
            .build()
            .unwrap();
        assert_eq!(
            (c.base_url(), c.timeout()),
            ("http://127.0.0.1:9/elements/api-v2", Duration::from_secs(3))
        );
    }

    #[test]
    fn timeouts_at_their_bounds() {
        let one_ns = Duration::from_nanos(1);
        for (d, ok) in [
            (MIN_TIMEOUT, true),
            (MIN_TIMEOUT - one_ns, false),
            (MAX_TIMEOUT, true),
            (MAX_TIMEOUT + one_ns, false),
        ] {
            assert_eq!(local().timeout(d).build().is_ok(), ok, "timeout {d:?}");
            assert_eq!(
                local().connect_timeout(d).build().is_ok(),
                ok,
                "connect_timeout {d:?}"
            );
            assert_eq!(
                CallOptions::new().timeout(d).check().is_ok(),
                ok,
                "call timeout {d:?}"
            );
        }
        assert_eq!(MAX_TIMEOUT, Duration::from_secs(24 * 3600));
        for (n, ok) in [(MAX_RETRIES_LIMIT, true), (MAX_RETRIES_LIMIT + 1, false)] {
            assert_eq!(CallOptions::new().max_retries(n).check().is_ok(), ok, "{n}");
        }
    }

    #[test]
    fn one_parser_every_spelling() {
        let b = node(json!({"userSecret": "u", "organizationSecret": "o", "baseUrl": "http://127.0.0.1:1",
                            "timeout": 1500, "connectTimeout": 10, "maxRetries": 10, "useEnv": false,
                            "userAgentSuffix": "app/1"}))
        .unwrap();
        assert_eq!(b.timeout, Duration::from_millis(1500));
        assert_eq!(b.connect_timeout, MIN_TIMEOUT);
        assert_eq!(b.max_retries, 10);
        assert!(!b.use_env);
        let c = b.build().unwrap();
        assert!(c.user_agent().ends_with(" app/1"));
        let b = py(json!({"timeout": 1.5, "max_retries": 0, "use_env": false, "region": "us2"}))
            .unwrap();
        assert_eq!(b.timeout, Duration::from_millis(1500));
        assert_eq!(b.max_retries, 0);
        // The other language's spelling is refused, with the expected names in ours.
        let e = node(json!({"user_secret": "u"})).unwrap_err();
        assert_eq!(e.field(), Some("user_secret"));
        assert!(e.to_string().contains("userSecret"), "{e}");
        let e = py(json!({"userSecret": "u"})).unwrap_err();
        assert!(e.to_string().contains("user_secret"), "{e}");
        // Units: Node's 0.5 (seconds out of habit) is half a millisecond.
        let e = node(json!({"timeout": 0.5})).unwrap_err();
        assert_eq!(e.field(), Some("timeout"));
        assert!(e.to_string().contains("milliseconds"), "{e}");
        assert!(node(json!({"timeout": 9})).is_err());
        assert!(node(json!({"timeout": 10})).is_ok());
        assert!(py(json!({"timeout": 0.009})).is_err());
        assert!(py(json!({"timeout": 0})).is_err());
        let e = node(json!({"maxRetries": 11})).unwrap_err();
        assert_eq!(e.field(), Some("maxRetries"));
        for bad in [json!(-1), json!(1.5), json!("2"), json!(true)] {
            let e = py(json!({"max_retries": bad})).unwrap_err();
            assert_eq!(e.field(), Some("max_retries"), "{bad}");
        }
        let e = node(json!({"useEnv": "no"})).unwrap_err();
        assert_eq!(e.field(), Some("useEnv"));
        let e = node(json!({"baseUrl": 1})).unwrap_err();
        assert_eq!(e.field(), Some("baseUrl"));
        assert!(node(json!([])).is_err());
        assert!(node(json!(null)).is_ok());
        // A null is "not given".
        assert_eq!(
            py(json!({"timeout": null})).unwrap().timeout,
            DEFAULT_TIMEOUT
        );
    }

    #[test]
    fn user_agent_suffix_must_be_ascii() {
        let base = || {
            Client::builder()
                .use_env(false)
                .base_url("http://127.0.0.1:1")
                .user_secret("u")
                .organization_secret("o")
        };
        let e = base().user_agent_suffix("caf\u{e9}").build().unwrap_err();
        assert_eq!(e.field(), Some("user_agent_suffix"));
        let e = base().user_agent_suffix("").build().unwrap_err();
        assert_eq!(e.field(), Some("user_agent_suffix"));
        base().user_agent_suffix("a").build().unwrap();
        let e = base()
            .timeout(Duration::from_millis(9))
            .build()
            .unwrap_err();
        assert_eq!(e.field(), Some("timeout"));
        base().timeout(MIN_TIMEOUT).build().unwrap();
        base().max_response_size(MIN_RESPONSE_SIZE).build().unwrap();
        base().max_response_size(MAX_RESPONSE_SIZE).build().unwrap();
        for bad in [MIN_RESPONSE_SIZE - 1, MAX_RESPONSE_SIZE + 1] {
            let e = base().max_response_size(bad).build().unwrap_err();
            assert_eq!(e.field(), Some("max_response_size"));
        }
        let e = ClientBuilder::from_json(Lang::Node, &serde_json::json!({"maxResponseSize": -1}))
            .unwrap_err();
        assert_eq!(e.field(), Some("maxResponseSize"));
        let b = ClientBuilder::from_json(
            Lang::Python,
            &serde_json::json!({"env_proxy": false, "max_response_size": 2048}),
        )
        .unwrap();
        assert!(!b.env_proxy && b.max_response_size == 2048);
        let e = base().max_retries(11).build().unwrap_err();
        assert_eq!(e.field(), Some("max_retries"));
        base().max_retries(10).build().unwrap();
    }

    #[test]
    fn call_options() {
        let o = CallOptions::from_json(
            Lang::Node,
            &json!({"timeout": 250, "maxRetries": 0, "extraHeaders": {"X-Trace": "1"}}),
        )
        .unwrap();
        assert_eq!(o.timeout, Some(Duration::from_millis(250)));
        assert_eq!(o.max_retries, Some(0));
        assert_eq!(o.extra_headers, [("X-Trace".to_owned(), "1".to_owned())]);
        for (bad, field) in [
            (
                json!({"extraHeaders": {"Authorization": "x"}}),
                "extraHeaders[\"Authorization\"]",
            ),
            (
                json!({"extraHeaders": {"bad name": "x"}}),
                "extraHeaders[\"bad name\"]",
            ),
            (json!({"extraHeaders": {"x": 1}}), "extraHeaders[\"x\"]"),
            (
                json!({"extraHeaders": {"x": "a\nb"}}),
                "extraHeaders[\"x\"]",
            ),
            (json!({"extraHeaders": []}), "extraHeaders"),
            (json!({"extra_headers": {}}), "extra_headers"),
            (json!({"timeout": 5}), "timeout"),
        ] {
            let e = CallOptions::from_json(Lang::Node, &bad).unwrap_err();
            assert_eq!(e.field(), Some(field), "{bad}");
        }
        let dbg = format!("{:?}", CallOptions::new().header("X-Api-Key", "s3cr3t"));
        assert!(!dbg.contains("s3cr3t"), "{dbg}");
        assert!(CallOptions::new().max_retries(11).check().is_err());
        assert!(CallOptions::new().max_retries(10).check().is_ok());
        assert!(CallOptions::new().header("Host", "x").check().is_err());
    }
}
