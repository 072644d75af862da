//! The control API under `/__sandbox`: reset, scripted faults, the journal, the
//! staging of pagination quirks and OAuth denials, the OAuth authorize page, the
//! seeding and reset of hub records, and the webhook delivery journal and policy.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::http::request::Parts;
use hyper::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::hub::{self, MAX_SEED, Object};
use crate::instances::Instance;
use crate::oauth;
use crate::pagination::Quirks;
use crate::server::{Reply, Shared};
use crate::webhooks::Settings;

pub(crate) const CONTROL_PREFIX: &str = "/__sandbox";

/// What a fault does to the requests it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    Respond,
    Drop,
    Truncate,
    /// The status and headers, then a body that never ends.
    Endless,
    /// The answer one byte at a time, this long apart.
    Trickle(Duration),
    /// The full `Content-Length`, half the body, then the connection closes.
    Reset,
    /// An error (the fault's status, default 400) whose message and providerMessage
    /// echo the request's `Authorization` header, query and body, as a careless proxy
    /// or server does.
    Echo,
}

/// A scripted fault, as posted to `POST /__sandbox/faults`.
pub(crate) struct Fault {
    method: Option<String>,
    path: Option<String>,
    pub action: Action,
    pub status: Option<StatusCode>,
    /// Header overrides; `None` removes a default header.
    pub headers: Vec<(HeaderName, Option<HeaderValue>)>,
    pub body: Option<Bytes>,
    pub delay: Duration,
}

/// A fault waiting for its matching requests.
pub(crate) struct Pending {
    fault: Arc<Fault>,
    remaining: u64,
}

impl Fault {
    fn matches(&self, method: &Method, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method.as_str())
            && self.path.as_deref().is_none_or(|p| p == path)
    }
}

/// Takes the first pending fault matching the request, if any, counting it down.
pub(crate) fn take_fault(
    faults: &mut Vec<Pending>,
    method: &Method,
    path: &str,
) -> Option<Arc<Fault>> {
    let i = faults.iter().position(|p| p.fault.matches(method, path))?;
    let pending = &mut faults[i];
    pending.remaining -= 1;
    if pending.remaining == 0 {
        Some(faults.remove(i).fault)
    } else {
        Some(Arc::clone(&pending.fault))
    }
}

/// A request as received under the platform prefix.
pub(crate) struct Entry {
    method: Method,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Bytes,
}

impl Entry {
    pub(crate) fn new(parts: &Parts, body: Bytes) -> Entry {
        Entry {
            method: parts.method.clone(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts.headers.clone(),
            body,
        }
    }

    fn to_json(&self) -> Value {
        let mut headers = Map::new();
        for name in self.headers.keys() {
            let mut joined = String::new();
            for (i, v) in self.headers.get_all(name).iter().enumerate() {
                if i > 0 {
                    joined.push_str(", ");
                }
                joined.push_str(&String::from_utf8_lossy(v.as_bytes()));
            }
            headers.insert(name.as_str().to_owned(), Value::String(joined));
        }
        let json = serde_json::from_slice(&self.body).unwrap_or(Value::Null);
        let mut m = Map::new();
        m.insert(
            "method".into(),
            Value::String(self.method.as_str().to_owned()),
        );
        m.insert("path".into(), Value::String(self.path.clone()));
        m.insert(
            "query".into(),
            self.query.clone().map_or(Value::Null, Value::String),
        );
        m.insert("headers".into(), Value::Object(headers));
        m.insert(
            "body".into(),
            Value::String(String::from_utf8_lossy(&self.body).into_owned()),
        );
        m.insert("json".into(), json);
        Value::Object(m)
    }
}

fn control_error(status: StatusCode, message: &str) -> Reply {
    let mut out = Vec::with_capacity(message.len() + 16);
    out.extend_from_slice(b"{\"error\":");
    crate::util::write_json_str(&mut out, message);
    out.push(b'}');
    Reply::json(status, out)
}

const ROUTES: &str = "POST /__sandbox/reset, POST /__sandbox/faults, GET /__sandbox/journal, GET /__sandbox/health, POST /__sandbox/pagination, POST /__sandbox/oauth, GET /__sandbox/oauth/authorize, POST /__sandbox/hub/seed, POST /__sandbox/hub/reset, GET and POST /__sandbox/webhooks";

/// Answers a request under `/__sandbox`.
pub(crate) fn handle(shared: &Shared, parts: &Parts, body: &[u8]) -> Reply {
    let path = parts.uri.path();
    let method = &parts.method;
    let allowed = match path.strip_prefix(CONTROL_PREFIX) {
        Some("/reset" | "/faults" | "/pagination" | "/oauth" | "/hub/seed" | "/hub/reset") => {
            "POST"
        }
        Some("/journal" | "/health" | "/oauth/authorize") => "GET",
        Some("/webhooks") => "GET, POST",
        _ => {
            return control_error(
                StatusCode::NOT_FOUND,
                &format!("no sandbox control route {method} {path}; routes: {ROUTES}"),
            );
        }
    };
    if !allowed.split(", ").any(|m| m == method.as_str()) {
        let mut reply = control_error(
            StatusCode::METHOD_NOT_ALLOWED,
            &format!("{method} is not allowed on {path}; use {allowed}"),
        );
        reply.header("allow", allowed);
        return reply;
    }
    match &path[CONTROL_PREFIX.len()..] {
        "/hub/seed" => match seed(shared, body) {
            Ok(v) => Reply::json(StatusCode::OK, v.to_string().into_bytes()),
            Err((status, message)) => control_error(status, &message),
        },
        "/hub/reset" => match hub_reset(shared, body) {
            Ok(v) => Reply::json(StatusCode::OK, v.to_string().into_bytes()),
            Err((status, message)) => control_error(status, &message),
        },
        "/webhooks" if *method == Method::GET => {
            let (deliveries, settings) = {
                let state = shared.state();
                let d: Vec<_> = state.webhook_journal.iter().cloned().collect();
                (d, state.webhook_settings)
            };
            let body = json!({
                "deliveries": deliveries.iter().map(|d| d.to_json()).collect::<Vec<_>>(),
                "pending": shared.webhooks.pending(),
                "settings": settings.json(),
            });
            Reply::json(StatusCode::OK, body.to_string().into_bytes())
        }
        "/webhooks" => match staging_object(body, &["retries", "backoff_ms"])
            .and_then(|m| Settings::parse(&m))
        {
            Ok(settings) => {
                shared.state().webhook_settings = settings;
                Reply::json(StatusCode::OK, settings.json().to_string().into_bytes())
            }
            Err(message) => control_error(StatusCode::BAD_REQUEST, &message),
        },
        "/reset" => {
            shared.state().reset();
            Reply::json(StatusCode::OK, b"{\"reset\":true}".to_vec())
        }
        "/faults" => match parse_faults(body) {
            Ok(new) => {
                let added = new.len();
                let pending = {
                    let mut state = shared.state();
                    state.faults.extend(new);
                    state.faults.len()
                };
                Reply::json(
                    StatusCode::OK,
                    format!("{{\"added\":{added},\"pending\":{pending}}}").into_bytes(),
                )
            }
            Err(message) => control_error(StatusCode::BAD_REQUEST, &message),
        },
        "/journal" => {
            let entries: Vec<Arc<Entry>> = shared.state().journal.iter().cloned().collect();
            let requests: Vec<Value> = entries.iter().map(|e| e.to_json()).collect();
            let mut m = Map::new();
            m.insert("requests".into(), Value::Array(requests));
            Reply::json(StatusCode::OK, Value::Object(m).to_string().into_bytes())
        }
        "/health" => {
            let mut reply = Reply::new(StatusCode::OK, Bytes::from_static(b"ok"));
            reply.header("content-type", "text/plain; charset=utf-8");
            reply
        }
        "/pagination" => match parse_quirks(body) {
            Ok(quirks) => {
                shared.state().pagination = quirks;
                let body =
                    json!({"repeat_token": quirks.repeat_token, "omit_total": quirks.omit_total});
                Reply::json(StatusCode::OK, body.to_string().into_bytes())
            }
            Err(message) => control_error(StatusCode::BAD_REQUEST, &message),
        },
        "/oauth" => match parse_deny(body) {
            Ok(deny) => {
                shared.state().deny_authorizations = deny;
                Reply::json(
                    StatusCode::OK,
                    json!({"deny": deny}).to_string().into_bytes(),
                )
            }
            Err(message) => control_error(StatusCode::BAD_REQUEST, &message),
        },
        "/oauth/authorize" => oauth::authorize(shared, parts),
        _ => unreachable!("routes are matched above"),
    }
}

type ControlError = (StatusCode, String);

fn bad(message: impl Into<String>) -> ControlError {
    (StatusCode::BAD_REQUEST, message.into())
}

/// The instance of a hub control call: `"token"` (its `Element` token) or
/// `"instance_id"`, exactly one of them.
fn hub_instance(shared: &Shared, m: &Map<String, Value>) -> Result<Arc<Instance>, ControlError> {
    let found = match (m.get("token"), m.get("instance_id")) {
        (Some(Value::String(token)), None) => {
            let state = shared.state();
            crate::instances::by_token(&state, token, |_| true)
        }
        (None, Some(v)) => {
            let id = v
                .as_u64()
                .ok_or_else(|| bad(format!("instance_id must be an instance id, not {v}")))?;
            shared.state().instances.get(&id).cloned()
        }
        (Some(_), Some(_)) => return Err(bad("give token or instance_id, not both")),
        (Some(v), None) => return Err(bad(format!("token must be a string, not {v}"))),
        (None, None) => {
            return Err(bad(
                "which instance? give \"token\" (its Element token) or \"instance_id\"",
            ));
        }
    };
    found.ok_or_else(|| {
        (
            StatusCode::NOT_FOUND,
            "no instance has this token or id (created since the last reset?)".to_owned(),
        )
    })
}

fn hub_object(v: Option<&Value>) -> Result<Object, ControlError> {
    match v {
        Some(Value::String(s)) => Object::from_name(s).ok_or_else(|| {
            bad(format!(
                "object must be \"contacts\" or \"accounts\", not \"{s}\""
            ))
        }),
        Some(v) => Err(bad(format!(
            "object must be \"contacts\" or \"accounts\", not {v}"
        ))),
        None => Err(bad("object is required: \"contacts\" or \"accounts\"")),
    }
}

/// `POST /__sandbox/hub/seed`: `{"token"|"instance_id", "object", "count"}`.
fn seed(shared: &Shared, body: &[u8]) -> Result<Value, ControlError> {
    let m = staging_object(body, &["token", "instance_id", "object", "count"]).map_err(bad)?;
    let instance = hub_instance(shared, &m)?;
    let object = hub_object(m.get("object"))?;
    let count = match m.get("count") {
        Some(v) => v.as_u64().filter(|n| *n <= MAX_SEED).ok_or_else(|| {
            bad(format!(
                "count must be an integer from 0 to {MAX_SEED}, not {v}"
            ))
        })?,
        None => return Err(bad("count is required")),
    };
    let seeded = instance.hub.seed(object, count);
    Ok(hub::seeded_json(instance.id, object, count, &seeded))
}

/// `POST /__sandbox/hub/reset`: `{"token"|"instance_id"[, "object"]}`.
fn hub_reset(shared: &Shared, body: &[u8]) -> Result<Value, ControlError> {
    let m = staging_object(body, &["token", "instance_id", "object"]).map_err(bad)?;
    let instance = hub_instance(shared, &m)?;
    let objects = match m.get("object") {
        None | Some(Value::Null) => Object::ALL.to_vec(),
        v => vec![hub_object(v)?],
    };
    for object in &objects {
        instance.hub.reset(*object);
    }
    Ok(json!({
        "instance_id": instance.id,
        "reset": objects.iter().map(|o| o.name()).collect::<Vec<_>>(),
    }))
}

/// A staging body: a JSON object (an empty body counts as `{}`), every field known.
fn staging_object(body: &[u8], known: &[&str]) -> Result<Map<String, Value>, String> {
    let m = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice(body) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err("the body must be a JSON object".to_owned()),
            Err(e) => return Err(format!("invalid JSON: {e}")),
        }
    };
    if let Some(k) = m.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(format!(
            "unknown field \"{k}\" (known: {})",
            known.join(", ")
        ));
    }
    Ok(m)
}

/// `POST /__sandbox/pagination`: `{"repeat_token": bool, "omit_total": bool}`, each
/// absent field false (so `{}` restores the normal behaviour).
fn parse_quirks(body: &[u8]) -> Result<Quirks, String> {
    let m = staging_object(body, &["repeat_token", "omit_total"])?;
    let flag = |name: &str| match m.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(v) => Err(format!("{name} must be true or false, not {v}")),
    };
    Ok(Quirks {
        repeat_token: flag("repeat_token")?,
        omit_total: flag("omit_total")?,
    })
}

/// `POST /__sandbox/oauth`: `{"deny": N}`, the next N authorizations denied (0 or
/// absent clears).
fn parse_deny(body: &[u8]) -> Result<u64, String> {
    let m = staging_object(body, &["deny"])?;
    match m.get("deny") {
        None | Some(Value::Null) => Ok(0),
        Some(v) => v
            .as_u64()
            .ok_or_else(|| format!("deny must be a non-negative integer, not {v}")),
    }
}

const FAULT_FIELDS: &str = "method, path, count, action, status, headers, body, delay_ms, every_ms";
const MAX_DELAY_MS: u64 = 600_000;

/// A fault object, or an array of them (all or none are added).
pub(crate) fn parse_faults(body: &[u8]) -> Result<Vec<Pending>, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("invalid JSON in the fault: {e}"))?;
    match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| parse_fault(v).map_err(|e| format!("fault {i}: {e}")))
            .collect(),
        v => Ok(vec![parse_fault(&v)?]),
    }
}

fn parse_fault(v: &Value) -> Result<Pending, String> {
    let Value::Object(m) = v else {
        return Err("a fault must be a JSON object (or an array of them)".to_owned());
    };
    if let Some(k) = m
        .keys()
        .find(|k| !FAULT_FIELDS.split(", ").any(|f| f == k.as_str()))
    {
        return Err(format!(
            "unknown fault field \"{k}\" (known: {FAULT_FIELDS})"
        ));
    }
    let method = match m.get("method") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() && Method::from_bytes(s.as_bytes()).is_ok() => {
            Some(s.to_ascii_uppercase())
        }
        Some(_) => {
            return Err("fault method must be an HTTP method name such as \"POST\"".to_owned());
        }
    };
    let path = match m.get("path") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.starts_with('/') && !s.contains('?') => Some(s.clone()),
        Some(_) => {
            return Err(
                "fault path must be a string starting with '/', without a query".to_owned(),
            );
        }
    };
    let count = match m.get("count") {
        None | Some(Value::Null) => 1,
        Some(v) => match v.as_u64() {
            Some(n) if n > 0 => n,
            _ => return Err("fault count must be a positive integer".to_owned()),
        },
    };
    let action = match m.get("action") {
        None | Some(Value::Null) => Action::Respond,
        Some(Value::String(s)) if s == "respond" => Action::Respond,
        Some(Value::String(s)) if s == "drop" => Action::Drop,
        Some(Value::String(s)) if s == "truncate" => Action::Truncate,
        Some(Value::String(s)) if s == "endless" => Action::Endless,
        Some(Value::String(s)) if s == "reset" => Action::Reset,
        Some(Value::String(s)) if s == "echo" => Action::Echo,
        Some(Value::String(s)) if s == "trickle" => match m.get("every_ms").map(Value::as_u64) {
            Some(Some(n @ 1..=MAX_DELAY_MS)) => Action::Trickle(Duration::from_millis(n)),
            _ => {
                return Err(format!(
                    "action \"trickle\" needs every_ms, a positive integer of at most {MAX_DELAY_MS}"
                ));
            }
        },
        Some(v) => {
            return Err(format!(
                "fault action must be \"respond\", \"drop\", \"truncate\", \"reset\", \"endless\", \"trickle\" or \"echo\", not {v}"
            ));
        }
    };
    if m.contains_key("every_ms") && !matches!(action, Action::Trickle(_)) {
        return Err("every_ms applies to action \"trickle\" only".to_owned());
    }
    let status = match m.get("status") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64() {
            Some(n @ 200..=599) => Some(StatusCode::from_u16(n as u16).expect("a valid status")),
            _ => {
                return Err(format!(
                    "fault status must be an integer from 200 to 599, not {v}"
                ));
            }
        },
    };
    let mut headers = Vec::new();
    match m.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(h)) => {
            for (k, v) in h {
                let name = HeaderName::from_bytes(k.as_bytes())
                    .map_err(|_| format!("fault headers: invalid header name \"{k}\""))?;
                if matches!(
                    name.as_str(),
                    "content-length" | "transfer-encoding" | "connection"
                ) {
                    return Err(format!(
                        "fault headers: \"{k}\" is set by the sandbox and cannot be scripted"
                    ));
                }
                let text = match v {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    Value::Bool(b) => Some(b.to_string()),
                    _ => {
                        return Err(format!(
                            "fault headers: the value of \"{k}\" must be a string (or null to remove a default header)"
                        ));
                    }
                };
                let value = match text {
                    None => None,
                    Some(t) => Some(
                        HeaderValue::from_str(&t)
                            .map_err(|_| format!("fault headers: invalid value for \"{k}\""))?,
                    ),
                };
                headers.push((name, value));
            }
        }
        Some(_) => {
            return Err(
                "fault headers must be an object of header names to string values".to_owned(),
            );
        }
    }
    let body = match m.get("body") {
        None => None,
        Some(Value::String(s)) => Some(Bytes::from(s.clone().into_bytes())),
        Some(v) => Some(Bytes::from(v.to_string().into_bytes())),
    };
    let delay = match m.get("delay_ms") {
        None | Some(Value::Null) => Duration::ZERO,
        Some(v) => match v.as_u64() {
            Some(n) if n <= MAX_DELAY_MS => Duration::from_millis(n),
            _ => {
                return Err(format!(
                    "fault delay_ms must be a non-negative integer of at most {MAX_DELAY_MS}"
                ));
            }
        },
    };
    match action {
        Action::Drop if status.is_some() || !headers.is_empty() || body.is_some() => {
            return Err(
                "action \"drop\" answers nothing: status, headers and body do not apply".to_owned(),
            );
        }
        Action::Respond if status.is_none() && (!headers.is_empty() || body.is_some()) => {
            return Err("headers and body need a status (without a status the request is processed normally after delay_ms)".to_owned());
        }
        _ => {}
    }
    Ok(Pending {
        fault: Arc::new(Fault {
            method,
            path,
            action,
            status,
            headers,
            body,
            delay,
        }),
        remaining: count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_validation() {
        assert!(parse_faults(br#"{"method":"POST","path":"/elements/api-v2/instances","count":2,"status":503,"headers":{"retry-after":"2"},"body":{"a":1},"delay_ms":0}"#).is_ok());
        assert!(
            parse_faults(br#"[{"action":"drop"},{"action":"truncate","body":"abc"},{"action":"endless"},{"action":"trickle","every_ms":1},{"action":"reset"}]"#)
                .unwrap()
                .len()
                == 5
        );
        for (bad, needle) in [
            (&br#"{"stauts":503}"#[..], "unknown fault field \"stauts\""),
            (br#"{"action":"explode"}"#, "fault action"),
            (br#"{"action":"trickle"}"#, "needs every_ms"),
            (br#"{"action":"trickle","every_ms":0}"#, "needs every_ms"),
            (br#"{"action":"endless","every_ms":5}"#, "trickle\" only"),
            (br#"{"status":99}"#, "fault status"),
            (br#"{"count":0}"#, "fault count"),
            (br#"{"path":"instances"}"#, "fault path"),
            (br#"{"delay_ms":-1}"#, "delay_ms"),
            (br#"{"action":"drop","status":500}"#, "drop"),
            (br#"{"body":"x"}"#, "need a status"),
            (
                br#"{"status":500,"headers":{"content-length":"3"}}"#,
                "cannot be scripted",
            ),
            (br#"[1]"#, "fault 0: a fault must be a JSON object"),
            (br#"{"#, "invalid JSON"),
        ] {
            let e = parse_faults(bad)
                .err()
                .unwrap_or_else(|| panic!("{} accepted", String::from_utf8_lossy(bad)));
            assert!(e.contains(needle), "{e}");
        }
    }

    #[test]
    fn faults_count_down_in_order() {
        let mut faults =
            parse_faults(br#"[{"path":"/a","count":2,"status":500},{"status":502}]"#).unwrap();
        let get = Method::GET;
        assert_eq!(
            take_fault(&mut faults, &get, "/a").unwrap().status,
            Some(StatusCode::INTERNAL_SERVER_ERROR)
        );
        assert_eq!(
            take_fault(&mut faults, &get, "/b").unwrap().status,
            Some(StatusCode::BAD_GATEWAY)
        );
        assert_eq!(
            take_fault(&mut faults, &get, "/a").unwrap().status,
            Some(StatusCode::INTERNAL_SERVER_ERROR)
        );
        assert!(take_fault(&mut faults, &get, "/a").is_none());
    }
}
