//! The napi-rs binding of the `open-connectors` core: the `open-connectors` npm module.
//!
//! Generic, and a thin layer: it names no operation, no model and no error class.
//! `NativeClient.call(name, args, options)` sends any operation of the core's table;
//! arguments and options cross as JSON text (Node names, milliseconds) and are parsed
//! and checked by the core; the result comes back as JSON text for the generated model
//! classes. The JavaScript methods users call are generated from the core's tables by
//! `make gen` (`_generated.js`, `index.d.ts`).
//!
//! Errors cross the boundary as a `napi::Error` whose message is the core's error
//! payload (class name and attributes, see `open_connectors::Error::payload`) as JSON,
//! marked with `"$openConnectors": 1`.
#![deny(clippy::all)]

mod completion;
mod log;

use napi::bindgen_prelude::PromiseRaw;
use napi::{Env, Status};
use napi_derive::napi;
use open_connectors::{CallOptions, Client, ClientBuilder, Error, Lang, Model};
use serde_json::Value;
use tracing::Dispatch;
use tracing::instrument::WithSubscriber;

/// mimalloc for the module's own allocations (requests, answers, decoded models): the
/// calls of many threads at once allocate and free on different threads, which glibc's
/// allocator serves with locked arenas (see benches/PROFILE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The marker key of an error payload.
const MARKER: &str = "$openConnectors";

/// The JSON payload of a rejected call: the core's, plus the marker.
fn error_payload(e: &Error) -> Value {
    let mut p = e.payload(Lang::Node);
    p.insert(MARKER.to_owned(), Value::from(1));
    Value::Object(p)
}

/// A core error as a napi error that the JavaScript layer turns into an error class.
fn to_napi(e: Error) -> napi::Error {
    napi::Error::new(Status::GenericFailure, error_payload(&e).to_string())
}

/// JSON text from the JavaScript layer (it serializes what the caller gave).
fn parse(text: &str, field: &str) -> napi::Result<Value> {
    serde_json::from_str(text).map_err(|e| {
        to_napi(Error::invalid(
            field,
            format!(
                "cannot be read as JSON (line {}, column {})",
                e.line(),
                e.column()
            ),
        ))
    })
}

/// The native client. Not the public API: the generated `Client` wraps it and keeps
/// this handle private.
#[napi]
pub struct NativeClient {
    inner: Client,
    /// Where this client's log events go, when it has a logger.
    log: Option<Dispatch>,
}

#[napi]
impl NativeClient {
    /// Builds a client from the settings (JSON text, Node names, milliseconds);
    /// missing settings fall back to the `OPEN_CONNECTORS_*` environment (in the core).
    /// `log` receives the core's events at `log_level` and above (`debug`, `info`,
    /// `warn`, `error`), as JSON text.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        settings: String,
        runtime_version: Option<String>,
        log: Option<log::Sink>,
        log_level: Option<String>,
    ) -> napi::Result<Self> {
        let settings = parse(&settings, "options")?;
        let inner = ClientBuilder::from_json(Lang::Node, &settings)
            .map_err(to_napi)?
            .language(
                "node",
                runtime_version.unwrap_or_else(|| "unknown".to_owned()),
            )
            .build_in(Lang::Node)
            .map_err(to_napi)?;
        let log = match log {
            None => None,
            Some(sink) => {
                let name = log_level.unwrap_or_else(|| "info".to_owned());
                let level = log::parse_level(&name).ok_or_else(|| {
                    to_napi(Error::invalid(
                        "logLevel",
                        format!(
                            "{:?} is not a level; expected debug, info, warn or error",
                            name.escape_default().to_string()
                        ),
                    ))
                })?;
                Some(log::dispatch(sink, level))
            }
        };
        Ok(NativeClient { inner, log })
    }

    /// Sends operation `name` (its table name) with `args` and per-call `options`
    /// (JSON text, Node names); resolves to `[]` for nothing, or
    /// `[model name, the JSON as received, the typed values as a JSON array]`.
    #[napi(catch_unwind, ts_return_type = "Promise<Array<string>>")]
    pub fn call<'env>(
        &self,
        env: &'env Env,
        name: String,
        args: String,
        options: String,
    ) -> napi::Result<PromiseRaw<'env, Vec<String>>> {
        let args = parse(&args, "options")?;
        let options = CallOptions::from_json(Lang::Node, &parse(&options, "requestOptions")?)
            .map_err(to_napi)?;
        let client = self.inner.clone();
        let log = self.log.clone();
        // Boxed: the call's state machine is several kilobytes, and spawning moves a
        // future more than once (into the task, into its cell); a box moves as a pointer.
        completion::start(
            env,
            Box::pin(async move {
                let call = client.call_with(Lang::Node, &name, args, &options);
                let out = match log {
                    Some(d) => call.with_subscriber(d).await,
                    None => call.await,
                };
                match out {
                    Ok(out) => completion::Answer::Texts(out.to_binding_list()),
                    Err(e) => completion::Answer::Failed(error_payload(&e).to_string()),
                }
            }),
        )
    }

    /// The request operation `name` would send with `args` and `options` (JSON text,
    /// Node names), as a `curl` command line, secrets as placeholders unless
    /// `show_secrets`. Sends nothing; bad input throws as a call would.
    #[napi(js_name = "dryRun", catch_unwind)]
    pub fn dry_run(
        &self,
        name: String,
        args: String,
        options: String,
        show_secrets: bool,
    ) -> napi::Result<String> {
        let args = parse(&args, "options")?;
        let options = CallOptions::from_json(Lang::Node, &parse(&options, "requestOptions")?)
            .map_err(to_napi)?;
        let (_, request) = self
            .inner
            .build_call(Lang::Node, &name, args, &options)
            .map_err(to_napi)?;
        Ok(open_connectors::curl::to_curl(&request, show_secrets))
    }

    /// A pager over paged operation `name` with `args` and per-call `options` (JSON
    /// text, Node names). Bad input throws here, before anything is sent.
    #[napi(catch_unwind)]
    pub fn pager(&self, name: String, args: String, options: String) -> napi::Result<NativePager> {
        let args = parse(&args, "options")?;
        let options = CallOptions::from_json(Lang::Node, &parse(&options, "requestOptions")?)
            .map_err(to_napi)?;
        let pager = self
            .inner
            .pager_with(Lang::Node, &name, args, &options)
            .map_err(to_napi)?
            // Hub records: one `JSON.parse` of the page's array on the JavaScript side,
            // not the core's decoder and a text per record.
            .records_as_text();
        Ok(NativePager {
            pager: std::sync::Arc::new(tokio::sync::Mutex::new(pager)),
            log: self.log.clone(),
        })
    }

    /// A handle on the same client (pool, settings, logger) whose calls carry the
    /// instance `token`.
    #[napi(js_name = "forInstance", catch_unwind)]
    pub fn for_instance(&self, token: String) -> napi::Result<NativeClient> {
        Ok(NativeClient {
            inner: self.inner.for_instance(token).map_err(to_napi)?,
            log: self.log.clone(),
        })
    }

    /// The base URL in use.
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.inner.base_url().to_owned()
    }

    /// The timeout of one attempt, in milliseconds.
    #[napi(getter)]
    pub fn timeout(&self) -> f64 {
        Lang::Node.duration_unit().count(self.inner.timeout())
    }

    /// The retry budget.
    #[napi(getter)]
    pub fn max_retries(&self) -> u32 {
        self.inner.max_retries()
    }

    /// The user agent sent.
    #[napi(getter)]
    pub fn user_agent(&self) -> String {
        self.inner.user_agent().to_owned()
    }
}

/// A listing, fetched page by page (the core's pager: its stop rules and retries).
#[napi]
pub struct NativePager {
    pager: std::sync::Arc<tokio::sync::Mutex<open_connectors::pager::Pager>>,
    log: Option<Dispatch>,
}

#[napi]
impl NativePager {
    /// The next page as `[next cursor or "", total count or "", model name, json 1,
    /// values 1, ...]`, or `null` once the listing is over.
    #[napi(catch_unwind)]
    pub async fn next_page(&self) -> napi::Result<Option<Vec<String>>> {
        let pager = self.pager.clone();
        let fetch = async move { pager.lock().await.next_page().await };
        let page = match &self.log {
            Some(d) => fetch.with_subscriber(d.clone()).await,
            None => fetch.await,
        }
        .map_err(to_napi)?;
        Ok(page.map(|p| p.to_binding_list()))
    }
}

/// Reads the provider's OAuth redirect (the callback URL or its query string) and
/// checks its state: the texts of an `OAuthCallback` model.
#[napi(js_name = "parseOAuthCallback", catch_unwind)]
pub fn parse_oauth_callback(
    url: String,
    expected_state: Option<String>,
) -> napi::Result<Vec<String>> {
    open_connectors::oauth::parse_callback(Lang::Node, &url, expected_state.as_deref())
        .map(|o| o.to_binding_list())
        .map_err(to_napi)
}

/// Runs the `open-connectors` command line (the Rust crate `open-connectors-cli`) with
/// `argv` (the program's name first) over the process's own standard streams and
/// environment; returns the exit status. Blocking: for the npm `bin` (`cli.js`), not
/// for a program's event loop.
#[napi(js_name = "runCli", catch_unwind)]
pub fn run_cli(argv: Vec<String>) -> i32 {
    open_connectors_cli::run_std(argv)
}

/// Checks a webhook's `Elements-Webhook-Signature` over the raw body (the core's
/// `webhook::verify`, constant time): nothing when it holds (the runtime then parses
/// the body), an error with code `webhook_signature` or `invalid_input` when not.
#[napi(js_name = "verifyWebhook", catch_unwind)]
pub fn verify_webhook(
    body: napi::bindgen_prelude::Buffer,
    signature: Option<String>,
    key: napi::bindgen_prelude::Buffer,
) -> napi::Result<()> {
    open_connectors::webhook::verify(&body, signature.as_deref(), &key)
        .map(drop)
        .map_err(to_napi)
}

/// An OCNQL `where` from a template and the JSON text of its values (the core's
/// `ocnql::query`).
#[napi(js_name = "ocnqlQuery", catch_unwind)]
pub fn ocnql_query(template: String, values: String) -> napi::Result<String> {
    let Value::Array(values) = parse(&values, "values")? else {
        return Err(to_napi(Error::invalid("values", "must be a list")));
    };
    open_connectors::ocnql::query(&template, &values).map_err(to_napi)
}

/// A field name for an OCNQL template (the core's `ocnql::field`).
#[napi(js_name = "ocnqlField", catch_unwind)]
pub fn ocnql_field(name: String) -> napi::Result<String> {
    open_connectors::ocnql::field(&name).map_err(to_napi)
}

/// Decodes and checks JSON text as model `name` (the core's decoder, for
/// `Instance.fromJSON`): the same texts as a call's answer.
#[napi(js_name = "decodeModel", catch_unwind)]
pub fn decode_model(name: String, json: String) -> napi::Result<Vec<String>> {
    let model = Model::named(&name)
        .ok_or_else(|| to_napi(Error::invalid("name", format!("no model {name:?}"))))?;
    let raw = parse(&json, "json")?;
    let out = model.decode("json", raw).map_err(to_napi)?;
    Ok(out.to_binding_texts().map(Vec::from).unwrap_or_default())
}

/// A copy of a JSON value with every secret-looking value replaced by `[REDACTED]`,
/// by the core's rule (used by `util.inspect` of the models).
#[napi(js_name = "redactJson")]
pub fn redact_json(value: Value) -> Value {
    open_connectors::redact::redact_json(&value)
}

/// The core's version.
#[napi(js_name = "coreVersion")]
pub fn core_version() -> &'static str {
    open_connectors::VERSION
}

/// Test hook: panics inside an async call, to prove a panic rejects the Promise
/// instead of aborting the process. Not re-exported by `index.js`.
#[napi(
    js_name = "__panicForTestsAsync",
    catch_unwind,
    ts_return_type = "Promise<void>"
)]
pub fn panic_for_tests_async(env: &Env) -> napi::Result<PromiseRaw<'_, Vec<String>>> {
    completion::start(env, async {
        if std::hint::black_box(true) {
            panic!("deliberate panic for tests (async)");
        }
        completion::Answer::Texts(Vec::new())
    })
}

/// Bench hook (`benches/floor.py`): a call that does nothing on the runtime, settled
/// as `call`s are (`completion`): the hand-off to a tokio worker and back to the event
/// loop alone. Not re-exported by `index.js`.
#[napi(
    js_name = "__handOffForBench",
    catch_unwind,
    ts_return_type = "Promise<Array<string>>"
)]
pub fn hand_off_for_bench(env: &Env) -> napi::Result<PromiseRaw<'_, Vec<String>>> {
    completion::start(env, async { completion::Answer::Texts(Vec::new()) })
}

/// Bench hook (`benches/floor.py`): the same through napi-rs' own `async fn` (a
/// threadsafe function per call), for comparison. Not re-exported by `index.js`.
#[napi(js_name = "__napiAsyncForBench", catch_unwind)]
pub async fn napi_async_for_bench() -> napi::Result<()> {
    Ok(())
}

/// Test hook: panics inside a sync call (see [`panic_for_tests_async`]).
#[napi(js_name = "__panicForTestsSync", catch_unwind)]
pub fn panic_for_tests_sync() -> napi::Result<()> {
    panic!("deliberate panic for tests (sync)");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_carry_the_core_table() {
        let e = "mars".parse::<open_connectors::Region>().unwrap_err();
        let p = error_payload(&e);
        assert_eq!(p[MARKER], 1);
        assert_eq!(p["class"], "InvalidInputError");
        assert_eq!(p["code"], "invalid_input");
        assert_eq!(p["field"], "region");
        assert_eq!(p["message"], e.to_string());
        let e = Error::Timeout {
            timeout: std::time::Duration::from_millis(300),
            request_sent: open_connectors::RequestSent::Maybe,
            attempts: 1,
        };
        let p = error_payload(&e);
        assert_eq!(p["requestSent"], "maybe");
        assert_eq!(p["timeout"], 300.0);
    }
}
