//! The public surface at its edges: builders whose every setter must reach the wire,
//! accessors that must return what was received, lenient decoding of what the platform
//! sends as text, and the `Debug` of models that hold secrets. Each test is aimed at a
//! behaviour a mutation test found unchecked.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use open_connectors::model::{FieldValue, INSTANCE_MODEL, Instance, Record, Timestamp};
use open_connectors::transport::{BoxFuture, Method};
use open_connectors::{
    Client, CreateInstance, CreateRoute, ErrorCode, HttpRequest, HttpResponse, HubRequest, OAuth2,
    Transport, TransportError, UpdateInstance, validate_element_key,
};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

/// Records every request and answers each with the same 200 and body.
struct Recorder {
    sent: Arc<Mutex<Vec<HttpRequest>>>,
    body: &'static str,
}

impl Transport for Recorder {
    fn send(
        &self,
        request: HttpRequest,
        _: Duration,
    ) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        self.sent.lock().unwrap().push(request);
        let body = Bytes::from_static(self.body.as_bytes());
        Box::pin(async move {
            Ok(HttpResponse {
                status: 200,
                headers: HeaderMap::new(),
                body,
            })
        })
    }
}

const INSTANCE_BODY: &str =
    r#"{"id": 7, "name": "n", "token": "tok-7", "element": {"id": 1, "key": "insightly"}}"#;

fn recorder(body: &'static str) -> (Client, Arc<Mutex<Vec<HttpRequest>>>) {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let c = Client::builder()
        .use_env(false)
        .base_url("http://127.0.0.1:9/elements/api-v2")
        .user_secret("u")
        .organization_secret("o")
        .max_retries(0)
        .transport(Recorder {
            sent: sent.clone(),
            body,
        })
        .build()
        .unwrap();
    (c, sent)
}

fn body_of(r: &HttpRequest) -> Value {
    serde_json::from_slice(r.body.as_deref().unwrap_or(b"null")).unwrap()
}

#[tokio::test]
async fn every_update_setter_reaches_the_body() {
    let (c, sent) = recorder(INSTANCE_BODY);
    c.update_instance(
        7,
        UpdateInstance::new()
            .configuration(json!({"username": "u2"}))
            .field("description", "d"),
    )
    .await
    .unwrap();
    let sent = sent.lock().unwrap();
    assert_eq!(sent[0].method, Method::PATCH);
    assert_eq!(
        body_of(&sent[0]),
        json!({"configuration": {"username": "u2"}, "description": "d"})
    );
}

#[tokio::test]
async fn hub_requests_carry_their_method_query_and_headers() {
    let (c, sent) = recorder(r#"{"ok": true}"#);
    let hub = c.for_instance("tok-1").unwrap();
    let r = hub
        .send(
            HubRequest::get("/hubs/crm/contacts")
                .query("where", "a = 1")
                .header("x-trace", "t-1"),
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.body()), (200, &br#"{"ok": true}"#[..]));
    assert_eq!(r.json().unwrap(), json!({"ok": true}));
    for (req, method) in [
        (
            HubRequest::put("/hubs/crm/contacts/1").json(json!({"a": 1})),
            Method::PUT,
        ),
        (
            HubRequest::patch("/hubs/crm/contacts/1").json(json!({"a": 1})),
            Method::PATCH,
        ),
        (HubRequest::delete("/hubs/crm/contacts/1"), Method::DELETE),
        (
            HubRequest::post("/hubs/crm/contacts").json(json!({"a": 1})),
            Method::POST,
        ),
    ] {
        hub.send(req).await.unwrap();
        assert_eq!(sent.lock().unwrap().last().unwrap().method, method);
    }
    let first = sent.lock().unwrap()[0].clone();
    assert!(
        first.url.ends_with("/hubs/crm/contacts?where=a+%3D+1")
            || first.url.ends_with("/hubs/crm/contacts?where=a%20%3D%201"),
        "{}",
        first.url
    );
    assert_eq!(first.headers.get("x-trace").unwrap(), "t-1");
    // Without query or headers: none sent.
    hub.send(HubRequest::get("/hubs/crm/accounts"))
        .await
        .unwrap();
    let sent = sent.lock().unwrap();
    let last = sent.last().unwrap();
    assert!(last.url.ends_with("/hubs/crm/accounts"), "{}", last.url);
    assert!(last.headers.get("x-trace").is_none());
}

#[test]
fn the_retry_budget_may_be_24_hours_not_more() {
    let build = |budget| {
        Client::builder()
            .use_env(false)
            .base_url("http://127.0.0.1:9/elements/api-v2")
            .user_secret("u")
            .organization_secret("o")
            .retry_budget(budget)
            .build()
    };
    assert!(build(Duration::from_secs(86_400)).is_ok());
    let e = build(Duration::from_secs(86_400) + Duration::from_millis(1)).unwrap_err();
    assert_eq!(
        (e.code(), e.field()),
        (ErrorCode::InvalidInput, Some("retry_budget"))
    );
}

#[test]
fn element_keys_may_be_200_characters_not_more() {
    assert!(validate_element_key(&"k".repeat(200)).is_ok());
    assert!(validate_element_key(&"k".repeat(199)).is_ok());
    let e = validate_element_key(&"k".repeat(201)).unwrap_err();
    assert!(e.to_string().contains("longer than 200"), "{e}");
}

#[tokio::test]
async fn create_routes_and_builders() {
    assert_eq!(CreateRoute::Instances.as_str(), "instances");
    assert_eq!(CreateRoute::Elements.as_str(), "elements");
    let c = CreateInstance::new("sfdc").configuration(json!({"a": 1}));
    assert_eq!(c.configuration_value(), Some(&json!({"a": 1})));
    assert_eq!(CreateInstance::new("sfdc").configuration_value(), None);
    // An OAuth code joins the provider data already given, and replaces a non-object.
    let (client, sent) = recorder(INSTANCE_BODY);
    client
        .create_instance(
            &CreateInstance::new("quickbooks")
                .provider_data(json!({"realmId": "r1"}))
                .oauth_code("c1"),
        )
        .await
        .unwrap();
    client
        .create_instance(
            &CreateInstance::new("sfdc")
                .provider_data(json!("not an object"))
                .oauth_code("c2"),
        )
        .await
        .unwrap();
    let sent = sent.lock().unwrap();
    assert_eq!(
        body_of(&sent[0])["providerData"],
        json!({"realmId": "r1", "code": "c1"})
    );
    assert_eq!(body_of(&sent[1])["providerData"], json!({"code": "c2"}));
}

#[test]
fn oauth2_debug_hides_the_code_and_the_app_credentials() {
    let o = OAuth2 {
        code: "c0de-123",
        api_key: "key-456",
        api_secret: "s3cr3t-789",
        callback_url: "https://app.example/cb",
    };
    let dbg = format!("{o:?}");
    assert!(
        dbg.starts_with("OAuth2 {") && dbg.contains("https://app.example/cb"),
        "{dbg}"
    );
    for secret in ["c0de-123", "key-456", "s3cr3t-789"] {
        assert!(!dbg.contains(secret), "{dbg}");
    }
}

#[test]
fn instance_debug_shows_fields_and_hides_secrets() {
    let inst: Instance = serde_json::from_value(json!({
        "id": 7, "name": "CRM", "token": "tok-s3cr3t",
        "configuration": {"username": "claudeelements", "password": "pa55-s3cr3t"},
        "providerData": {"code": "c0de-s3cr3t", "realmId": "r-1"}
    }))
    .unwrap();
    let dbg = format!("{inst:?}");
    for shown in [
        "Instance {",
        "id: 7",
        "\"CRM\"",
        "claudeelements",
        "\"username\"",
        "r-1",
    ] {
        assert!(dbg.contains(shown), "{shown} missing: {dbg}");
    }
    for secret in ["tok-s3cr3t", "pa55-s3cr3t", "c0de-s3cr3t"] {
        assert!(!dbg.contains(secret), "{secret} shown: {dbg}");
    }
}

#[test]
fn instance_numbers_and_booleans_sent_as_text() {
    let decode = |extra: Value| {
        let mut v = json!({"id": 7, "name": "n", "token": "t"});
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value::<Instance>(v)
    };
    let i = decode(json!({"id": "42", "elementId": "5", "valid": "TRUE", "disabled": "False"}))
        .unwrap();
    assert_eq!(
        (i.id, i.element_id, i.valid, i.disabled),
        (42, Some(5), Some(true), Some(false))
    );
    let i = decode(json!({"valid": "true", "disabled": "FALSE"})).unwrap();
    assert_eq!((i.valid, i.disabled), (Some(true), Some(false)));
    for bad in [
        json!({"id": ""}),
        json!({"id": "4x"}),
        json!({"id": "-4"}),
        json!({"elementId": "1.5"}),
        json!({"valid": "yes"}),
        json!({"disabled": "no"}),
        json!({"valid": ""}),
    ] {
        assert!(decode(bad.clone()).is_err(), "{bad} decoded");
    }
}

#[test]
fn record_fields_decode_leniently_and_strictly() {
    let rec = |v: Value| Record::from_json(&INSTANCE_MODEL, v);
    let r = rec(json!({
        "id": 7, "name": 12, "token": true, "valid": "FALSE", "disabled": "true",
        "tags": ["a", {"name": "b"}]
    }))
    .unwrap();
    assert_eq!(r.text("name"), Some("12"));
    assert_eq!(r.text("token"), Some("true"));
    assert!(matches!(r.get("valid"), Some(FieldValue::Bool(false))));
    assert!(matches!(r.get("disabled"), Some(FieldValue::Bool(true))));
    match r.get("tags") {
        Some(FieldValue::Strs(t)) => assert_eq!(t, ["a", "b"]),
        other => panic!("tags: {other:?}"),
    }
    assert_eq!(
        serde_json::from_slice::<Value>(r.json_bytes()).unwrap()["tags"][1]["name"],
        "b"
    );
    for bad in [
        json!({"id": 7, "name": "n", "tags": "a"}),
        json!({"id": 7, "name": "n", "tags": [1]}),
        json!({"id": 7, "name": "n", "tags": [{"name": 1}]}),
        json!({"id": 7, "name": "n", "valid": "no"}),
        json!({"id": 7, "name": ["n"]}),
    ] {
        assert!(rec(bad.clone()).is_err(), "{bad} decoded");
    }
}

#[test]
fn timestamps_in_epoch_milliseconds_within_range() {
    let ts = |v: Value| serde_json::from_value::<Timestamp>(v);
    assert!(matches!(
        ts(json!(1_700_000_000_000i64)),
        Ok(Timestamp::EpochMillis(1_700_000_000_000))
    ));
    assert!(matches!(
        ts(json!(1.7e12)),
        Ok(Timestamp::EpochMillis(1_700_000_000_000))
    ));
    assert!(matches!(
        ts(json!(-1.5e12)),
        Ok(Timestamp::EpochMillis(-1_500_000_000_000))
    ));
    assert!(matches!(ts(json!(9.1e18)), Ok(Timestamp::EpochMillis(_))));
    for bad in [json!(9.2e18), json!(-9.2e18), json!(9.3e18), json!(1e300)] {
        assert!(ts(bad.clone()).is_err(), "{bad} decoded");
    }
}
