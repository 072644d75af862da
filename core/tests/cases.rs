//! The Rust runner of the shared cross-language cases in `tests/cases/`
//! (format: `tests/README.md`). Every case runs against its own in-process sandbox.

use std::path::{Path, PathBuf};
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};
use open_connectors::{CallOptions, Client, Error, Lang, Output, RequestSent, ops};
use open_connectors_sandbox::{Config, DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET, Sandbox};
use serde_json::{Map, Value, json};

const CASE_KEYS: [&str; 10] = [
    "description",
    "function",
    "client",
    "faults",
    "setup",
    "instance",
    "operation",
    "args",
    "options",
    "expect",
];
const OPTION_KEYS: [&str; 3] = ["timeout_ms", "max_retries", "extra_headers"];
const CLIENT_KEYS: [&str; 6] = [
    "base_url",
    "user_secret",
    "organization_secret",
    "timeout_ms",
    "max_retries",
    "max_response_size",
];
const EXPECT_KEYS: [&str; 4] = ["requests", "result", "error", "pages"];
const ERROR_KEYS: [&str; 11] = [
    "code",
    "status",
    "field",
    "message_contains",
    "provider_message_contains",
    "provider_error",
    "body_contains",
    "request_id",
    "retry_after",
    "request_sent",
    "description",
];

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cases")
}

fn main() {
    let mut args = Arguments::from_args();
    // Most cases spend their time waiting (timeouts, retry back-off, a stalled
    // sandbox), not computing: run more of them at once than there are cores.
    // `--test-threads N` still wins.
    if args.test_threads.is_none() {
        args.test_threads = Some(16);
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/cases exists")
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut trials: Vec<Trial> = paths
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            Trial::test(format!("cases::{name}"), move || run_case(&path))
        })
        .collect();
    if trials.is_empty() {
        trials.push(Trial::test("cases::none_found", || {
            Err("no case files in tests/cases".into())
        }));
    }
    libtest_mimic::run(&args, trials).exit();
}

fn fail(msg: impl Into<String>) -> Failed {
    Failed::from(msg.into())
}

fn check_keys(obj: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), Failed> {
    for k in obj.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(fail(format!(
                "{what}: unknown key {k:?}; this runner cannot run it"
            )));
        }
    }
    Ok(())
}

fn obj<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, Failed> {
    v.as_object()
        .ok_or_else(|| fail(format!("{what} must be an object")))
}

fn run_case(path: &Path) -> Result<(), Failed> {
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let case: Value =
        serde_json::from_str(&text).map_err(|e| fail(format!("invalid JSON: {e}")))?;
    let case = obj(&case, "case")?.clone();
    check_keys(&case, &CASE_KEYS, "case")?;
    if let Some(function) = case.get("function") {
        return run_function(&case, function);
    }
    let sandbox = Sandbox::spawn_thread(Config::default()).map_err(|e| fail(e.to_string()))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(e.to_string()))?;
    rt.block_on(run_case_async(&case, &sandbox))
}

struct Control {
    http: reqwest::Client,
    root: String,
}

impl Control {
    async fn post(&self, path: &str, body: &Value) -> Result<(), Failed> {
        let r = self
            .http
            .post(format!("{}{path}", self.root))
            .json(body)
            .send()
            .await
            .map_err(|e| fail(format!("sandbox control {path}: {e}")))?;
        if !r.status().is_success() {
            let status = r.status();
            let text = r.text().await.unwrap_or_default();
            return Err(fail(format!("sandbox control {path}: {status} {text}")));
        }
        Ok(())
    }

    async fn journal(&self) -> Result<Vec<Value>, Failed> {
        let v: Value = self
            .http
            .get(format!("{}/__sandbox/journal", self.root))
            .send()
            .await
            .map_err(|e| fail(e.to_string()))?
            .json()
            .await
            .map_err(|e| fail(e.to_string()))?;
        Ok(v["requests"].as_array().cloned().unwrap_or_default())
    }
}

fn build_client(settings: &Map<String, Value>, sandbox: &Sandbox) -> Result<Client, Error> {
    let s = |k: &str| settings.get(k).and_then(Value::as_str);
    let base_url = s("base_url")
        .map(|u| u.replace("{sandbox}", &sandbox.root_url()))
        .unwrap_or_else(|| sandbox.base_url());
    let mut b = Client::builder()
        .use_env(false)
        .base_url(base_url)
        .user_secret(s("user_secret").unwrap_or(DEFAULT_USER_SECRET))
        .organization_secret(s("organization_secret").unwrap_or(DEFAULT_ORGANIZATION_SECRET));
    if let Some(ms) = settings.get("timeout_ms").and_then(Value::as_u64) {
        b = b.timeout(Duration::from_millis(ms));
    }
    if let Some(n) = settings.get("max_retries").and_then(Value::as_u64) {
        b = b.max_retries(n as u32);
    }
    if let Some(n) = settings.get("max_response_size").and_then(Value::as_u64) {
        b = b.max_response_size(n as usize);
    }
    b.build()
}

/// Replaces every `{"$setup": [i, "key", ...]}` in `args` by that part of the raw JSON
/// result of setup step `i`.
fn resolve(args: &Value, setup: &[Value]) -> Result<Value, Failed> {
    Ok(match args {
        Value::Object(m) if m.contains_key("$setup") => {
            let path = m["$setup"]
                .as_array()
                .ok_or_else(|| fail("$setup must be [step, key...]"))?;
            let step = path
                .first()
                .and_then(Value::as_u64)
                .ok_or_else(|| fail("$setup must start with a step index"))?;
            let mut v = setup
                .get(step as usize)
                .ok_or_else(|| fail(format!("$setup: no setup step {step}")))?;
            for key in &path[1..] {
                let key = key
                    .as_str()
                    .ok_or_else(|| fail("$setup keys are strings"))?;
                v = v
                    .get(key)
                    .ok_or_else(|| fail(format!("$setup: no key {key}")))?;
            }
            v.clone()
        }
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| Ok((k.clone(), resolve(v, setup)?)))
                .collect::<Result<_, Failed>>()?,
        ),
        other => other.clone(),
    })
}

/// What a call gave: the result's JSON and its `Debug` (for the leak check), and the
/// typed output for a non-paged operation.
struct Got {
    raw: Value,
    debug: String,
    output: Option<Output>,
}

/// One page as the case format writes it.
fn page_json(page: &open_connectors::pager::Page) -> Value {
    json!({
        "items": page.items.iter().map(Output::raw).collect::<Vec<_>>(),
        "next_cursor": page.next_cursor,
        "total_count": page.total_count,
    })
}

/// Any operation, by name: the runner holds no per-operation code. A paged operation
/// is listed to the end through the core's pager: its result is `{"pages": [...]}`,
/// and the pages yielded before an error are returned beside it.
async fn call(
    client: &Client,
    operation: &str,
    args: &Value,
    options: &CallOptions,
) -> Result<(Result<Got, Error>, Vec<Value>), Failed> {
    let Some(op) = ops::operation(operation).filter(|o| o.name == operation) else {
        return Err(fail(format!(
            "unknown operation {operation:?}; this runner cannot run it"
        )));
    };
    if op.pagination.is_none() {
        let out = client
            .call_with(Lang::Rust, operation, args.clone(), options)
            .await
            .map(|o| Got {
                raw: o.raw(),
                debug: format!("{o:?}"),
                output: Some(o),
            });
        return Ok((out, Vec::new()));
    }
    let mut pager = match client.pager_with(Lang::Rust, operation, args.clone(), options) {
        Ok(p) => p,
        Err(e) => return Ok((Err(e), Vec::new())),
    };
    let mut pages = Vec::new();
    let mut debug = String::new();
    loop {
        match pager.next_page().await {
            Ok(Some(page)) => {
                debug.push_str(&format!("{page:?}"));
                pages.push(page_json(&page));
            }
            Ok(None) => break,
            Err(e) => return Ok((Err(e), pages)),
        }
    }
    let got = Got {
        raw: json!({ "pages": pages.clone() }),
        debug,
        output: None,
    };
    Ok((Ok(got), pages))
}

/// The handle of `for_instance` with a case's token (a string, as the case resolved it).
fn for_instance(client: &Client, token: &Value) -> Result<Client, Failed> {
    let token = token
        .as_str()
        .ok_or_else(|| fail(format!("instance must be a token (text), got {token}")))?;
    client
        .for_instance(token.to_owned())
        .map_err(|e| fail(format!("for_instance: {e}")))
}

fn call_options(case: &Map<String, Value>) -> Result<CallOptions, Failed> {
    let mut o = CallOptions::new();
    let Some(v) = case.get("options") else {
        return Ok(o);
    };
    let m = obj(v, "options")?;
    check_keys(m, &OPTION_KEYS, "options")?;
    if let Some(ms) = m.get("timeout_ms").and_then(Value::as_u64) {
        o = o.timeout(Duration::from_millis(ms));
    }
    if let Some(n) = m.get("max_retries").and_then(Value::as_u64) {
        o = o.max_retries(n as u32);
    }
    for (k, v) in m
        .get("extra_headers")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        o = o.header(k.clone(), v.as_str().unwrap_or_default());
    }
    Ok(o)
}

async fn run_case_async(case: &Map<String, Value>, sandbox: &Sandbox) -> Result<(), Failed> {
    let control = Control {
        http: reqwest::Client::new(),
        root: sandbox.root_url(),
    };
    let empty = Map::new();
    let settings = match case.get("client") {
        Some(v) => obj(v, "client")?,
        None => &empty,
    };
    check_keys(settings, &CLIENT_KEYS, "client")?;
    let operation = case
        .get("operation")
        .and_then(Value::as_str)
        .ok_or_else(|| fail("case has no operation"))?;
    let args = case.get("args").cloned().unwrap_or_else(|| json!({}));
    let expect = obj(
        case.get("expect")
            .ok_or_else(|| fail("case has no expect"))?,
        "expect",
    )?;
    check_keys(expect, &EXPECT_KEYS, "expect")?;
    if expect.contains_key("result") == expect.contains_key("error") {
        return Err(fail("expect needs exactly one of result and error"));
    }

    control.post("/__sandbox/reset", &json!({})).await?;
    for f in case
        .get("faults")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        control.post("/__sandbox/faults", f).await?;
    }

    let client = build_client(settings, sandbox);
    let options = call_options(case)?;
    let mut setup_results: Vec<Value> = Vec::new();
    for (i, step) in case
        .get("setup")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let step = obj(step, "setup step")?;
        check_keys(step, &["operation", "args", "instance"], "setup step")?;
        let op = step.get("operation").and_then(Value::as_str).unwrap_or("");
        let c = client
            .as_ref()
            .map_err(|e| fail(format!("setup needs a client: {e}")))?;
        let step_args = resolve(step.get("args").unwrap_or(&json!({})), &setup_results)?;
        let c = match step.get("instance") {
            Some(t) => for_instance(c, &resolve(t, &setup_results)?)?,
            None => c.clone(),
        };
        let out = call(&c, op, &step_args, &CallOptions::new())
            .await?
            .0
            .map_err(|e| fail(format!("setup step {i} failed: {e}")))?;
        setup_results.push(out.raw);
    }
    let args = resolve(&args, &setup_results)?;
    // An instance's call: made on the handle of `for_instance` with the case's token.
    let instance_token = match case.get("instance") {
        Some(t) => Some(resolve(t, &setup_results)?),
        None => None,
    };
    let client = match (&client, &instance_token) {
        (Ok(c), Some(t)) => Ok(for_instance(c, t)?),
        _ => client,
    };
    let before = control.journal().await?.len();

    let (outcome, pages) = match &client {
        Ok(c) => call(c, operation, &args, &options).await?,
        Err(e) => (Err(e.clone()), Vec::new()),
    };
    if let Some(expected) = expect.get("pages") {
        matches(expected, &Value::Array(pages), "pages", false)?;
    }

    let journal = control.journal().await?;
    let received = &journal[before.min(journal.len())..];
    if let Some(expected) = expect.get("requests") {
        check_requests(expected, received)?;
    }

    let mut secrets: Vec<String> = Vec::new();
    if let Some(Value::String(t)) = &instance_token {
        secrets.push(t.clone());
    }
    for k in ["user_secret", "organization_secret"] {
        secrets.push(
            settings
                .get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    if k == "user_secret" {
                        DEFAULT_USER_SECRET
                    } else {
                        DEFAULT_ORGANIZATION_SECRET
                    }
                    .to_owned()
                }),
        );
    }
    for (section, key) in [
        ("configuration", "password"),
        ("configuration", "oauth.api.secret"),
        ("provider_data", "code"),
    ] {
        if let Some(v) = args
            .get(section)
            .and_then(|s| s.get(key))
            .and_then(Value::as_str)
        {
            secrets.push(v.to_owned());
        }
    }

    match (outcome, expect.get("result"), expect.get("error")) {
        (Ok(got), Some(expected), None) => {
            let raw = got.raw;
            matches(expected, &raw, "result", false)?;
            if let Some(Output::Instance(instance)) = &got.output {
                secrets.push(instance.token.expose().to_owned());
                // The typed fields agree with the JSON.
                if raw["id"].as_i64() != Some(instance.id)
                    || raw["token"].as_str() != Some(instance.token.expose())
                {
                    return Err(fail("typed id/token disagree with the raw JSON"));
                }
            }
            no_leak(&got.debug, &secrets, "Debug of the result")?;
        }
        (Err(err), None, Some(expected)) => {
            check_error(&err, obj(expected, "expect.error")?)?;
            no_leak(&err.to_string(), &secrets, "Display of the error")?;
            no_leak(&format!("{err:?}"), &secrets, "Debug of the error")?;
        }
        (Ok(got), None, Some(expected)) => {
            return Err(fail(format!(
                "expected error {expected}, got result {}",
                got.raw
            )));
        }
        (Err(err), Some(_), None) => {
            return Err(fail(format!(
                "expected a result, got error [{}] {err}",
                err.code()
            )));
        }
        _ => unreachable!(),
    }
    if let Ok(c) = &client {
        for s in &secrets {
            no_leak(
                &format!("{c:?}"),
                std::slice::from_ref(s),
                "Debug of the client",
            )?;
        }
    }
    Ok(())
}

fn no_leak(text: &str, secrets: &[String], what: &str) -> Result<(), Failed> {
    for s in secrets {
        if s.len() >= 4 && text.contains(s.as_str()) {
            return Err(fail(format!("{what} leaks a secret")));
        }
    }
    Ok(())
}

fn check_requests(expected: &Value, received: &[Value]) -> Result<(), Failed> {
    let expected = expected
        .as_array()
        .ok_or_else(|| fail("expect.requests must be an array"))?;
    if expected.len() != received.len() {
        let seen: Vec<String> = received
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r["method"].as_str().unwrap_or("?"),
                    r["path"].as_str().unwrap_or("?")
                )
            })
            .collect();
        return Err(fail(format!(
            "expected {} request(s) at the sandbox, it received {}: {seen:?}",
            expected.len(),
            received.len()
        )));
    }
    for (i, (e, r)) in expected.iter().zip(received).enumerate() {
        let e = obj(e, "expected request")?;
        check_keys(
            e,
            &["method", "path", "headers", "body"],
            "expected request",
        )?;
        let what = format!("request {i}");
        for k in ["method", "path"] {
            if let Some(v) = e.get(k) {
                matches(v, &r[k], &format!("{what}.{k}"), false)?;
            }
        }
        if let Some(h) = e.get("headers") {
            matches(h, &r["headers"], &format!("{what}.headers"), false)?;
        }
        if let Some(b) = e.get("body") {
            matches(b, &r["json"], &format!("{what}.body"), true)?;
        }
    }
    Ok(())
}

/// A case of one of the SDK's local functions (no request): `verify_webhook`, `ocnql`.
fn run_function(case: &Map<String, Value>, function: &Value) -> Result<(), Failed> {
    let args = obj(case.get("args").unwrap_or(&json!({})), "args")?.clone();
    let text = |k: &str| {
        args.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let outcome: Result<Value, Error> = match function.as_str() {
        Some("verify_webhook") => {
            check_keys(&args, &["body", "signature", "key"], "args")?;
            let signature = args.get("signature").and_then(Value::as_str);
            open_connectors::webhook::verify(
                text("body").as_bytes(),
                signature,
                text("key").as_bytes(),
            )
        }
        Some("ocnql") => {
            check_keys(&args, &["template", "values"], "args")?;
            let values = args
                .get("values")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            open_connectors::ocnql::query(&text("template"), &values).map(Value::String)
        }
        other => {
            return Err(fail(format!(
                "unknown function {other:?}; this runner cannot run it"
            )));
        }
    };
    let expect = obj(
        case.get("expect")
            .ok_or_else(|| fail("case has no expect"))?,
        "expect",
    )?;
    check_keys(expect, &["result", "error"], "expect")?;
    match (outcome, expect.get("result"), expect.get("error")) {
        (Ok(got), Some(want), None) => matches(want, &got, "result", false),
        (Err(e), None, Some(want)) => {
            check_error(&e, obj(want, "expect.error")?)?;
            let key = text("key");
            if key.len() >= 4 && (e.to_string().contains(&key) || format!("{e:?}").contains(&key)) {
                return Err(fail("the error shows the key"));
            }
            Ok(())
        }
        (Ok(got), _, _) => Err(fail(format!("expected an error, got {got}"))),
        (Err(e), _, _) => Err(fail(format!(
            "expected a result, got [{}] {e}",
            e.code().as_str()
        ))),
    }
}

fn check_error(err: &Error, expected: &Map<String, Value>) -> Result<(), Failed> {
    check_keys(expected, &ERROR_KEYS, "expect.error")?;
    let got_code = err.code().as_str();
    let want_code = expected
        .get("code")
        .and_then(Value::as_str)
        .ok_or_else(|| fail("expect.error needs a code"))?;
    if got_code != want_code {
        return Err(fail(format!(
            "expected error code {want_code}, got {got_code}: {err}"
        )));
    }
    let status = err.as_status();
    for (key, want) in expected {
        let ok = match key.as_str() {
            "code" | "description" => true,
            "status" => err.status().map(u64::from) == want.as_u64(),
            "field" => err.field() == want.as_str(),
            "message_contains" => {
                let needle = want.as_str().unwrap_or_default();
                match status {
                    Some(s) => s.message.as_deref().is_some_and(|m| m.contains(needle)),
                    None => err.to_string().contains(needle),
                }
            }
            "provider_message_contains" => status
                .and_then(|s| s.provider_message.as_deref())
                .is_some_and(|m| m.contains(want.as_str().unwrap_or_default())),
            "provider_error" => status.and_then(|s| s.provider_error.as_deref()) == want.as_str(),
            "body_contains" => err
                .body()
                .is_some_and(|b| b.contains(want.as_str().unwrap_or_default())),
            "request_id" => {
                let got = err
                    .request_id()
                    .map_or(Value::Null, |s| Value::String(s.to_owned()));
                matches(want, &got, "error.request_id", false).is_ok()
            }
            "retry_after" => err.retry_after().map(|d| d.as_secs_f64()) == want.as_f64(),
            "request_sent" => {
                let got = match err.request_sent() {
                    Some(RequestSent::No) => "no",
                    Some(RequestSent::Maybe) => "maybe",
                    None => "none",
                };
                Some(got) == want.as_str()
            }
            _ => false,
        };
        if !ok {
            return Err(fail(format!(
                "error {key}: expected {want}, got [{got_code}] {err:?}"
            )));
        }
    }
    Ok(())
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `expected` matches `got` per the matcher rules of tests/README.md.
fn matches(expected: &Value, got: &Value, at: &str, exact_objects: bool) -> Result<(), Failed> {
    let mismatch = || fail(format!("{at}: expected {expected}, got {got}"));
    match expected {
        Value::Object(m) if m.len() == 1 && m.keys().next().is_some_and(|k| k.starts_with('$')) => {
            let (k, v) = m.iter().next().unwrap();
            let ok = match k.as_str() {
                "$type" => {
                    let want = v.as_str().unwrap_or_default();
                    type_name(got) == want || (want == "number" && got.is_number())
                }
                // Presence is checked by the enclosing object.
                "$any" => true,
                "$absent" => got.is_null(),
                "$prefix" => got
                    .as_str()
                    .zip(v.as_str())
                    .is_some_and(|(g, p)| g.starts_with(p)),
                "$contains" => got
                    .as_str()
                    .zip(v.as_str())
                    .is_some_and(|(g, p)| g.contains(p)),
                other => return Err(fail(format!("{at}: unknown matcher {other}"))),
            };
            if ok { Ok(()) } else { Err(mismatch()) }
        }
        Value::Object(m) => {
            let g = got.as_object().ok_or_else(mismatch)?;
            for (k, v) in m {
                let child = g.get(k).unwrap_or(&Value::Null);
                let want_absent = v.get("$absent").is_some();
                if g.contains_key(k) == want_absent {
                    return Err(fail(if want_absent {
                        format!("{at}.{k}: should be absent, got {child}")
                    } else {
                        format!("{at}.{k}: missing (expected {v})")
                    }));
                }
                matches(v, child, &format!("{at}.{k}"), exact_objects)?;
            }
            if let Some(extra) = g.keys().find(|k| exact_objects && !m.contains_key(*k)) {
                return Err(fail(format!(
                    "{at}.{extra}: not expected (got {})",
                    g[extra]
                )));
            }
            Ok(())
        }
        Value::Array(items) => {
            let g = got.as_array().ok_or_else(mismatch)?;
            if g.len() != items.len() {
                return Err(mismatch());
            }
            for (i, (e, v)) in items.iter().zip(g).enumerate() {
                matches(e, v, &format!("{at}[{i}]"), exact_objects)?;
            }
            Ok(())
        }
        Value::Number(n) => match (n.as_f64(), got.as_f64()) {
            (Some(a), Some(b)) if a == b => Ok(()),
            _ => Err(mismatch()),
        },
        other => {
            if other == got {
                Ok(())
            } else {
                Err(mismatch())
            }
        }
    }
}
