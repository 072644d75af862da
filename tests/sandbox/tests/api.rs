//! The sandbox over real sockets: platform routes, create checks, control API,
//! journal and faults (tests/sandbox/README.md).

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use open_connectors_sandbox::{Config, DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET, Sandbox};
use serde_json::{Value, json};

const INSTANCES: &str = "/elements/api-v2/instances";

// The request bodies of the platform docs' curl examples, verbatim (seed pages 000
// and 001). The two of `POST /instances` have a trailing comma after "key".
const SEED_BASIC: &str = "{\n  \"element\": {\n    \"key\": \"insightly\",\n  },\n  \"configuration\": {\n    \"username\": \"claudeelements\",\n    \"password\": \"password\"\n  },\n  \"tags\": [\n    \"Docs\"\n  ],\n  \"name\": \"Element Instance Name\"\n}";
const SEED_OAUTH: &str = "{\n  \"element\": {\n    \"key\": \"onedrivev2\",\n  },\n  \"providerData\":{  \n    \"code\":\"WCT3Ny3QRbA6HDXY \"\n  },\n  \"configuration\":{  \n    \"oauth.api.key\": \"Rand0MAP1-key\",\n    \"oauth.api.secret\":\"fak3AP1-s3Cr3t\",\n    \"oauth.callback.url\":\"https://mycoolapp.com\"\n  },\n  \"tags\":[  \n    \"Docs\"\n  ],\n  \"name\":\"Element Instance Name\"\n}\n";
const SEED_PATH_BASIC: &str = "{\n  \"configuration\": {\n    \"username\": \"claudeelements\",\n    \"password\": \"password\"\n  },\n  \"tags\": [\n    \"Docs\"\n  ],\n  \"name\": \"Element Instance Name\"\n}";
const SEED_PATH_OAUTH: &str = "{\n  \"providerData\":{  \n    \"code\":\"WCT3Ny3QRbA6HDXY \"\n  },\n  \"configuration\":{  \n    \"oauth.api.key\": \"Rand0MAP1-key\",\n    \"oauth.api.secret\":\"fak3AP1-s3Cr3t\",\n    \"oauth.callback.url\":\"https://mycoolapp.com\"\n  },\n  \"tags\":[  \n    \"Docs\"\n  ],\n  \"name\":\"Element Instance Name\"\n}\n";

fn fixed(seed: &str) -> String {
    seed.replace("\",\n  },", "\"\n  },")
}

async fn start() -> Sandbox {
    Sandbox::start(Config::default()).await.unwrap()
}

async fn post_as(addr: SocketAddr, path: &str, user: &str, org: &str, body: &str) -> Resp {
    let auth = format!("User {user}, Organization {org}");
    request(
        addr,
        "POST",
        path,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    )
    .await
}

const INSTANCE_KEYS: [&str; 18] = [
    "id",
    "name",
    "createdDate",
    "token",
    "element",
    "elementId",
    "tags",
    "provisionInteractions",
    "valid",
    "disabled",
    "maxCacheSize",
    "cacheTimeToLive",
    "configuration",
    "eventsEnabled",
    "traceLoggingEnabled",
    "cachingEnabled",
    "externalAuthentication",
    "user",
];

fn check_instance(v: &Value, oauth2: bool) {
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut want = INSTANCE_KEYS.to_vec();
    if oauth2 {
        want.push("providerData");
    }
    assert_eq!(keys, want, "field order of the seed example response");
    let date = v["createdDate"].as_str().unwrap();
    assert_eq!(date.len(), 20, "{date}");
    assert!(
        date.starts_with("20") && &date[4..5] == "-" && &date[10..11] == "T" && date.ends_with('Z'),
        "{date}"
    );
    let token = v["token"].as_str().unwrap();
    assert_eq!(token.len(), 44, "{token}");
    assert!(
        token.ends_with('=')
            && token[..43]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    );
    assert_eq!(v["provisionInteractions"], json!([]));
    assert_eq!(v["valid"], true);
    assert_eq!(v["disabled"], false);
    assert_eq!(v["maxCacheSize"], 0);
    assert_eq!(v["cacheTimeToLive"], 0);
    assert_eq!(v["traceLoggingEnabled"], false);
    assert_eq!(v["cachingEnabled"], false);
    assert_eq!(
        v["user"],
        json!({"id": 12345, "emailAddress": "sandbox@example.com", "firstName": "Sandbox", "lastName": "User"})
    );
    assert_eq!(v["elementId"], v["element"]["id"]);
    for (k, val) in v["configuration"].as_object().unwrap() {
        assert!(val.is_string(), "configuration {k} is {val}");
    }
}

#[tokio::test]
async fn create_by_key_with_the_seed_basic_body() {
    let sb = start().await;
    let r = post_json(sb.addr(), INSTANCES, &fixed(SEED_BASIC)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(is_request_id(r.header("elements-request-id").unwrap()));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    check_instance(&v, false);
    assert_eq!(v["id"], 477858);
    assert_eq!(v["name"], "Element Instance Name");
    assert_eq!(v["tags"], json!(["Docs"]));
    assert_eq!(v["elementId"], 5993);
    assert_eq!(v["externalAuthentication"], "none");
    assert_eq!(v["eventsEnabled"], false);
    assert_eq!(
        v["configuration"],
        json!({"username": "claudeelements", "password": "********",
               "event.notification.enabled": "false", "filter.response.nulls": "true"})
    );
    let e = &v["element"];
    assert_eq!(e["key"], "insightly");
    assert_eq!(e["id"], 5993);
    assert_eq!(e["authentication"], json!({"type": "basic"}));
    assert_eq!(e["elementProvisionType"], "BASIC");
    assert_eq!(e["typeOauth"], false);
    assert_eq!(e["resources"], json!([]));
    for k in ["name", "description", "image", "hub"] {
        assert!(e[k].is_string(), "element.{k}");
    }
    for k in [
        "active",
        "deleted",
        "trialAccount",
        "cloneable",
        "extendable",
        "beta",
        "private",
    ] {
        assert!(e[k].is_boolean(), "element.{k}");
    }

    // The next create gets the next id and another token.
    let w = post_json(sb.addr(), INSTANCES, &fixed(SEED_BASIC))
        .await
        .json();
    assert_eq!(w["id"], 477859);
    assert_ne!(w["token"], v["token"]);
}

#[tokio::test]
async fn create_by_key_with_the_seed_oauth_body_and_second_pair() {
    let sb = start().await;
    let r = post_as(sb.addr(), INSTANCES, USER2, ORG2, &fixed(SEED_OAUTH)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    check_instance(&v, true);
    assert_eq!(v["elementId"], 4806);
    assert_eq!(v["element"]["key"], "onedrivev2");
    assert_eq!(v["element"]["elementProvisionType"], "OAUTH_TEMPLATE");
    assert_eq!(v["element"]["authentication"]["type"], "oauth2");
    assert_eq!(v["element"]["typeOauth"], true);
    assert_eq!(
        v["providerData"],
        json!({"tokenType": "Bearer", "expiresIn": 3600})
    );
    assert_eq!(v["configuration"]["oauth.api.key"], "********");
    assert_eq!(v["configuration"]["oauth.api.secret"], "********");
    assert_eq!(
        v["configuration"]["oauth.callback.url"],
        "https://mycoolapp.com"
    );
    assert!(
        !r.text().contains("WCT3Ny3QRbA6HDXY"),
        "the code is never echoed"
    );
}

#[tokio::test]
async fn create_by_path_with_the_seed_bodies() {
    let sb = start().await;
    let r = post_json(
        sb.addr(),
        "/elements/api-v2/elements/insightly/instances",
        SEED_PATH_BASIC,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    check_instance(&v, false);
    assert_eq!(v["elementId"], 5993);
    assert_eq!(v["name"], "Element Instance Name");

    let r = post_as(
        sb.addr(),
        "/elements/api-v2/elements/onedrivev2/instances",
        USER2,
        ORG2,
        SEED_PATH_OAUTH,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    check_instance(&r.json(), true);
    assert_eq!(r.json()["elementId"], 4806);

    // By numeric id.
    let r = post_json(
        sb.addr(),
        "/elements/api-v2/elements/5993/instances",
        SEED_PATH_BASIC,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["element"]["key"], "insightly");
    let body = json!({"configuration": {"oauth.api.key": "k", "oauth.api.secret": "s",
        "oauth.callback.url": "https://x", "zendesk.subdomain": "acme"}, "providerData": {"code": "zd"}});
    let r = post_json(
        sb.addr(),
        "/elements/api-v2/elements/41/instances",
        &body.to_string(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["element"]["key"], "zendesk");
    assert_eq!(r.json()["name"], "Zendesk Instance", "the default name");
    assert_eq!(r.json()["tags"], json!([]));
}

#[tokio::test]
async fn the_verbatim_seed_bodies_are_invalid_json() {
    let sb = start().await;
    for (body, user, org) in [(SEED_BASIC, USER, ORG), (SEED_OAUTH, USER2, ORG2)] {
        let r = post_as(sb.addr(), INSTANCES, user, org, body).await;
        let (status, message, _) = platform_error(&r);
        assert_eq!(status, 400);
        assert!(message.contains("Invalid JSON"), "{message}");
        assert!(message.contains("trailing comma"), "{message}");
    }
    // The code of the refused OAuth body was not consumed.
    let r = post_as(sb.addr(), INSTANCES, USER2, ORG2, &fixed(SEED_OAUTH)).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test]
async fn authorization_is_checked_first() {
    let sb = start().await;
    let addr = sb.addr();
    let body = "not even JSON";
    let cases: [(Option<String>, &str); 7] = [
        (None, "Missing Authorization header"),
        (
            Some(format!("User {USER}")),
            "Malformed Authorization header",
        ),
        (
            Some(format!("User {USER}, Organization {ORG2}")),
            "Invalid user secret and/or organization secret",
        ),
        (
            Some(format!("User wrong=, Organization {ORG}")),
            "Invalid user secret and/or organization secret",
        ),
        (
            Some(format!("user {USER}, organization {ORG}")),
            "Malformed",
        ),
        (Some(format!("Bearer {USER}")), "Malformed"),
        (
            Some(format!("User {USER}, User {USER}, Organization {ORG}")),
            "Malformed",
        ),
    ];
    for (auth, needle) in cases {
        let mut headers = vec![("content-type", "text/plain")];
        if let Some(a) = &auth {
            headers.push(("authorization", a));
        }
        let r = request(addr, "POST", INSTANCES, &headers, body.as_bytes()).await;
        let (status, message, _) = platform_error(&r);
        assert_eq!(status, 401, "{auth:?}");
        assert!(message.contains(needle), "{auth:?}: {message}");
        assert!(
            !message.contains(USER) && !message.contains(ORG),
            "no secret in {message}"
        );
    }
    // Any order, extra spaces and an Element token are fine.
    let body = fixed(SEED_BASIC);
    for auth in [
        format!("Organization {ORG}, User {USER}"),
        format!("Element abc+/=, User {USER},   Organization  {ORG}"),
        format!("User {USER2}, Organization {ORG2}, Element t0k3n="),
    ] {
        let r = request(
            addr,
            "POST",
            INSTANCES,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            body.as_bytes(),
        )
        .await;
        assert_eq!(r.status, 200, "{auth}: {}", r.text());
    }
    // Other routes check it too.
    let r = request(addr, "GET", INSTANCES, &[], b"").await;
    assert_eq!(platform_error(&r).0, 401);
}

#[tokio::test]
async fn content_type_must_be_json() {
    let sb = start().await;
    let auth = auth();
    let body = fixed(SEED_BASIC);
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/jsonx"),
    ] {
        let mut headers = vec![("authorization", auth.as_str())];
        if let Some(ct) = ct {
            headers.push(("content-type", ct));
        }
        let r = request(sb.addr(), "POST", INSTANCES, &headers, body.as_bytes()).await;
        let (status, message, _) = platform_error(&r);
        assert_eq!(status, 415, "{ct:?}");
        assert!(message.contains("Content-Type"), "{message}");
    }
    for ct in ["application/json; charset=utf-8", "Application/JSON"] {
        let r = request(
            sb.addr(),
            "POST",
            INSTANCES,
            &[("authorization", &auth), ("content-type", ct)],
            body.as_bytes(),
        )
        .await;
        assert_eq!(r.status, 200, "{ct}: {}", r.text());
    }
}

#[tokio::test]
async fn the_body_must_be_a_json_object() {
    let sb = start().await;
    for (body, needle) in [
        ("", "Empty request body"),
        ("[1]", "must be a JSON object"),
        ("\"x\"", "must be a JSON object"),
        ("{\"element\":", "Invalid JSON"),
    ] {
        let r = post_json(sb.addr(), INSTANCES, body).await;
        let (status, message, _) = platform_error(&r);
        assert_eq!(status, 400, "{body}");
        assert!(
            message.contains(needle) && message.contains("JSON"),
            "{body}: {message}"
        );
    }
}

#[tokio::test]
async fn unknown_elements_are_404() {
    let sb = start().await;
    let cfg = json!({"username": "u", "password": "p"});
    let r = post_json(
        sb.addr(),
        INSTANCES,
        &json!({"element": {"key": "nosuchelement"}, "configuration": cfg}).to_string(),
    )
    .await;
    let (status, message, _) = platform_error(&r);
    assert_eq!(
        (status, message.as_str()),
        (404, "No element found with key 'nosuchelement'")
    );

    let body = json!({"configuration": cfg}).to_string();
    let r = post_json(
        sb.addr(),
        "/elements/api-v2/elements/999999/instances",
        &body,
    )
    .await;
    let (status, message, _) = platform_error(&r);
    assert_eq!(
        (status, message.as_str()),
        (404, "No element found with ID 999999")
    );

    let r = post_json(
        sb.addr(),
        "/elements/api-v2/elements/nosuch/instances",
        &body,
    )
    .await;
    let (status, message, _) = platform_error(&r);
    assert_eq!(
        (status, message.as_str()),
        (404, "No element found with key 'nosuch'")
    );
}

#[tokio::test]
async fn element_key_is_required_on_post_instances() {
    let sb = start().await;
    for body in [
        json!({"configuration": {}}),
        json!({"element": {}}),
        json!({"element": {"id": 5993}}),
    ] {
        let r = post_json(sb.addr(), INSTANCES, &body.to_string()).await;
        let (status, message, _) = platform_error(&r);
        assert_eq!(status, 400);
        assert!(message.contains("Missing element.key"), "{message}");
    }
    for body in [
        json!({"element": "insightly"}),
        json!({"element": {"key": 5993}}),
    ] {
        let r = post_json(sb.addr(), INSTANCES, &body.to_string()).await;
        let (status, message, _) = platform_error(&r);
        assert_eq!(status, 400);
        assert!(message.contains("element"), "{message}");
    }
}

#[tokio::test]
async fn element_in_the_body_of_the_path_route_is_refused() {
    let sb = start().await;
    let r = post_json(
        sb.addr(),
        "/elements/api-v2/elements/insightly/instances",
        &fixed(SEED_BASIC),
    )
    .await;
    let (status, message, _) = platform_error(&r);
    assert_eq!(status, 400);
    assert!(
        message.contains("Do not send element in the body"),
        "{message}"
    );
}

#[tokio::test]
async fn field_types_are_checked() {
    let sb = start().await;
    let base = json!({"element": {"key": "insightly"}, "configuration": {"username": "u", "password": "p"}});
    for (field, value, needle) in [
        ("name", json!(5), "name must be a string"),
        ("tags", json!("Docs"), "tags must be an array of strings"),
        ("tags", json!(["a", 1]), "tags must be an array of strings"),
        (
            "configuration",
            json!([["username", "u"]]),
            "configuration must be an object",
        ),
        (
            "providerData",
            json!("code"),
            "providerData must be an object",
        ),
        (
            "externalAuthentication",
            json!(true),
            "externalAuthentication must be a string",
        ),
    ] {
        let mut body = base.clone();
        body[field] = value;
        let r = post_json(sb.addr(), INSTANCES, &body.to_string()).await;
        let (status, message, _) = platform_error(&r);
        assert_eq!(status, 400, "{field}");
        assert!(message.contains(needle), "{field}: {message}");
    }
}

#[tokio::test]
async fn missing_configuration_is_named() {
    let sb = start().await;
    let body =
        json!({"element": {"key": "shopify"}, "configuration": {"username": "u", "password": ""}});
    let r = post_json(sb.addr(), INSTANCES, &body.to_string()).await;
    let (status, message, _) = platform_error(&r);
    assert_eq!(status, 400);
    assert_eq!(
        message,
        "Missing required configuration for element 'shopify': password, site.address"
    );

    let body = json!({"providerData": {"code": "c"}});
    let r = post_json(
        sb.addr(),
        "/elements/api-v2/elements/zendesk/instances",
        &body.to_string(),
    )
    .await;
    let (status, message, _) = platform_error(&r);
    assert_eq!(status, 400);
    assert_eq!(
        message,
        "Missing required configuration for element 'zendesk': oauth.api.key, oauth.api.secret, oauth.callback.url, zendesk.subdomain"
    );
}

fn oauth_body(code: Option<&str>) -> String {
    let mut b = json!({"element": {"key": "sfdc"}, "configuration": {"oauth.api.key": "k",
        "oauth.api.secret": "s", "oauth.callback.url": "https://app.example/cb"}});
    if let Some(c) = code {
        b["providerData"] = json!({"code": c});
    }
    b.to_string()
}

#[tokio::test]
async fn oauth2_needs_a_code_used_once() {
    let sb = start().await;
    let addr = sb.addr();
    for body in [
        oauth_body(None),
        oauth_body(Some("")),
        json!({"element": {"key": "sfdc"}, "configuration": {"oauth.api.key": "k",
        "oauth.api.secret": "s", "oauth.callback.url": "u"}, "providerData": {}})
        .to_string(),
    ] {
        let r = post_json(addr, INSTANCES, &body).await;
        let (status, message, _) = platform_error(&r);
        assert_eq!(status, 400);
        assert!(
            message.starts_with("Missing providerData.code"),
            "{message}"
        );
    }
    // A create refused for another reason does not consume the code.
    let refused = json!({"element": {"key": "sfdc"}, "configuration": {"oauth.api.key": "k"}, "providerData": {"code": "c1"}});
    assert_eq!(
        post_json(addr, INSTANCES, &refused.to_string())
            .await
            .status,
        400
    );

    assert_eq!(
        post_json(addr, INSTANCES, &oauth_body(Some("c1")))
            .await
            .status,
        200
    );
    let r = post_json(addr, INSTANCES, &oauth_body(Some("c1"))).await;
    let (status, message, provider) = platform_error(&r);
    assert_eq!(status, 400);
    assert_eq!(
        message,
        "Failed to exchange the OAuth code for a token at the provider"
    );
    let provider = provider.expect("a providerMessage");
    let p: Value =
        serde_json::from_str(&provider).expect("providerMessage holds the provider's JSON as text");
    assert_eq!(p["error"], "invalid_grant");
    // The path route shares the used codes.
    let path_body = json!({"configuration": {"oauth.api.key": "k", "oauth.api.secret": "s",
        "oauth.callback.url": "u"}, "providerData": {"code": "c1"}});
    let r = post_json(
        addr,
        "/elements/api-v2/elements/1794/instances",
        &path_body.to_string(),
    )
    .await;
    assert_eq!(platform_error(&r).2.as_deref(), Some(provider.as_str()));

    // externalAuthentication initial brings its own tokens: no code needed.
    let body = json!({"element": {"key": "sfdc"}, "externalAuthentication": "initial", "configuration": {
        "oauth.api.key": "k", "oauth.api.secret": "s", "oauth.callback.url": "u",
        "oauth.user.refresh_token": "r3fr3sh"}});
    let r = post_json(addr, INSTANCES, &body.to_string()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["externalAuthentication"], "initial");
    assert_eq!(v["configuration"]["oauth.user.refresh_token"], "********");
}

#[tokio::test]
async fn configuration_is_stringified_and_masked() {
    let sb = start().await;
    let body = json!({"element": {"key": "insightly"}, "name": "<a href=\"x\">churros-xss</a>", "configuration": {
        "username": "claudeelements", "password": "p4ss",
        "event.notification.enabled": true, "event.poller.refresh_interval": 15,
        "event.poller.configuration": {"contacts": {"url": "/hubs/crm/contacts", "idField": "id"}},
        "event.poller.urls": ["a", "b"],
        "filter.response.nulls": false,
        "my.Client_Secret": "s", "oauth.user.token": "t", "db.PASSWORD": "p", "site.address": "x.example"
    }});
    let r = post_json(sb.addr(), INSTANCES, &body.to_string()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["name"], "churros-xss");
    assert_eq!(v["eventsEnabled"], true);
    assert_eq!(
        v["configuration"],
        json!({
            "username": "claudeelements", "password": "********",
            "event.notification.enabled": "true", "event.poller.refresh_interval": "15",
            "event.poller.configuration": "{\"contacts\":{\"url\":\"/hubs/crm/contacts\",\"idField\":\"id\"}}",
            "event.poller.urls": "[\"a\",\"b\"]",
            "filter.response.nulls": "false",
            "my.Client_Secret": "********", "oauth.user.token": "********", "db.PASSWORD": "********",
            "site.address": "x.example"
        })
    );
    assert!(!r.text().contains("p4ss"));
    let keys: Vec<&str> = v["configuration"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys[0], "username", "request order kept");

    let body = json!({"element": {"key": "insightly"}, "configuration": {"username": "u", "password": "p",
        "event.notification.enabled": "true"}});
    assert_eq!(
        post_json(sb.addr(), INSTANCES, &body.to_string())
            .await
            .json()["eventsEnabled"],
        true
    );
}

#[tokio::test]
async fn list_get_and_delete_instances() {
    let sb = start().await;
    let addr = sb.addr();
    let auth = auth();
    let h = [("authorization", auth.as_str())];
    let r = request(addr, "GET", INSTANCES, &h, b"").await;
    assert_eq!((r.status, r.json()), (200, json!([])));

    let a = post_json(addr, INSTANCES, &fixed(SEED_BASIC)).await.json();
    let b = post_json(
        addr,
        "/elements/api-v2/elements/insightly/instances",
        SEED_PATH_BASIC,
    )
    .await
    .json();
    let r = request(addr, "GET", INSTANCES, &h, b"").await;
    assert_eq!(r.json(), json!([a, b]));
    assert_eq!(r.header("elements-returned-count"), Some("2"));
    assert!(is_request_id(r.header("elements-request-id").unwrap()));

    let r = request(addr, "GET", "/elements/api-v2/instances/477859", &h, b"").await;
    assert_eq!((r.status, r.json()), (200, b.clone()));
    let r = request(addr, "DELETE", "/elements/api-v2/instances/477858", &h, b"").await;
    assert_eq!((r.status, r.body.len()), (200, 0));
    let r = request(addr, "GET", "/elements/api-v2/instances/477858", &h, b"").await;
    assert_eq!(
        platform_error(&r),
        (404, "No instance found with ID 477858".to_owned(), None)
    );
    let r = request(addr, "DELETE", "/elements/api-v2/instances/abc", &h, b"").await;
    assert_eq!(platform_error(&r).0, 404);
    let r = request(addr, "GET", INSTANCES, &h, b"").await;
    assert_eq!(r.json(), json!([b]));
}

/// `GET /instances/{id}` and `DELETE /instances/{id}` with the default credentials.
async fn by_id(addr: SocketAddr, method: &str, id: &str) -> Resp {
    let auth = auth();
    let path = format!("{INSTANCES}/{id}");
    request(addr, method, &path, &[("authorization", &auth)], b"").await
}

#[tokio::test]
async fn get_after_create_equals_the_create_answer() {
    let sb = start().await;
    let addr = sb.addr();
    for body in [fixed(SEED_BASIC), oauth_body(Some("get-after-create"))] {
        let created = post_json(addr, INSTANCES, &body).await;
        assert_eq!(created.status, 200);
        let id = created.json()["id"].to_string();
        let got = by_id(addr, "GET", &id).await;
        assert_eq!(got.status, 200);
        assert_eq!(got.header("content-type"), Some("application/json"));
        assert!(is_request_id(got.header("elements-request-id").unwrap()));
        // Byte for byte: same id, createdDate, token, configuration and field order.
        assert_eq!(got.text(), created.text());
        check_instance(&got.json(), created.json()["element"]["typeOauth"] == true);
    }
}

#[tokio::test]
async fn get_unknown_id_is_404_with_the_error_body() {
    let sb = start().await;
    let addr = sb.addr();
    for id in ["477858", "1", "18446744073709551615"] {
        let r = by_id(addr, "GET", id).await;
        assert_eq!(
            platform_error(&r),
            (404, format!("No instance found with ID {id}"), None)
        );
    }
    // The credentials are checked first, as on every platform route.
    let r = request(addr, "GET", &format!("{INSTANCES}/477858"), &[], b"").await;
    assert_eq!(platform_error(&r).0, 401);
}

#[tokio::test]
async fn delete_answers_200_with_an_empty_body() {
    let sb = start().await;
    let addr = sb.addr();
    let id = post_json(addr, INSTANCES, &fixed(SEED_BASIC)).await.json()["id"].to_string();
    let r = by_id(addr, "DELETE", &id).await;
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty(), "{}", r.text());
    assert_eq!(r.header("content-length"), Some("0"));
    assert!(is_request_id(r.header("elements-request-id").unwrap()));
}

#[tokio::test]
async fn delete_then_get_is_404() {
    let sb = start().await;
    let addr = sb.addr();
    let a = post_json(addr, INSTANCES, &fixed(SEED_BASIC)).await.json();
    let b = post_json(addr, INSTANCES, &fixed(SEED_BASIC)).await.json();
    let id = a["id"].to_string();
    assert_eq!(by_id(addr, "DELETE", &id).await.status, 200);
    let message = format!("No instance found with ID {id}");
    let r = by_id(addr, "GET", &id).await;
    assert_eq!(platform_error(&r), (404, message.clone(), None));
    // A second delete finds nothing either; the other instance is untouched.
    let r = by_id(addr, "DELETE", &id).await;
    assert_eq!(platform_error(&r), (404, message, None));
    let r = by_id(addr, "GET", &b["id"].to_string()).await;
    assert_eq!((r.status, r.json()), (200, b.clone()));
    let auth = auth();
    let r = request(addr, "GET", INSTANCES, &[("authorization", &auth)], b"").await;
    assert_eq!(r.json(), json!([b]));
    // Ids are not reused after a delete.
    let c = post_json(addr, INSTANCES, &fixed(SEED_BASIC)).await.json();
    assert_eq!(c["id"], b["id"].as_u64().unwrap() + 1);
}

#[tokio::test]
async fn delete_unknown_id_is_404_with_the_error_body() {
    let sb = start().await;
    let addr = sb.addr();
    let r = by_id(addr, "DELETE", "477858").await;
    assert_eq!(
        platform_error(&r),
        (404, "No instance found with ID 477858".to_owned(), None)
    );
}

#[tokio::test]
async fn ids_that_are_not_positive_integers_are_404() {
    let sb = start().await;
    let addr = sb.addr();
    let kept = post_json(addr, INSTANCES, &fixed(SEED_BASIC)).await.json();
    let id = kept["id"].to_string();
    let plus = format!("+{id}");
    for bad in [
        "abc",
        "0",
        "-1",
        "1.5",
        "99999999999999999999",
        plus.as_str(),
    ] {
        for method in ["GET", "DELETE"] {
            let r = by_id(addr, method, bad).await;
            assert_eq!(
                platform_error(&r),
                (404, format!("No instance found with ID {bad}"), None),
                "{method} {bad}"
            );
        }
    }
    let r = by_id(addr, "GET", &id).await;
    assert_eq!((r.status, r.json()), (200, kept));
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let sb = start().await;
    let addr = sb.addr();
    let auth = auth();
    let h = [("authorization", auth.as_str())];
    for path in [
        "/elements/api-v2/nothing",
        "/elements/api-v2",
        "/elements/api-v2/instances/",
        "/",
        "/elements/api-v2x",
        "/elements/api-v2/elements/",
        "/elements/api-v2/elements/sfdc/oauth",
        "/elements/api-v2/instances/1/enabled/x",
        "/elements/api-v2/instances//enabled",
    ] {
        let r = request(addr, "GET", path, &h, b"").await;
        let (status, message, _) = platform_error(&r);
        assert_eq!(status, 404, "{path}");
        assert!(message.contains(path), "{message}");
    }
    for (method, path, allow) in [
        ("PUT", INSTANCES, "GET, POST"),
        (
            "POST",
            "/elements/api-v2/instances/1",
            "GET, PUT, PATCH, DELETE",
        ),
        (
            "GET",
            "/elements/api-v2/elements/insightly/instances",
            "POST",
        ),
        ("TRACE", INSTANCES, "GET, POST"),
        ("GET", "/elements/api-v2/instances/enabled", "PUT, DELETE"),
        ("GET", "/elements/api-v2/instances/1/enabled", "PUT, DELETE"),
        ("POST", "/elements/api-v2/elements", "GET"),
        ("DELETE", "/elements/api-v2/elements/sfdc", "GET"),
        ("PUT", "/elements/api-v2/elements/sfdc/configuration", "GET"),
        (
            "DELETE",
            "/elements/api-v2/elements/sfdc/oauth/url",
            "GET, POST",
        ),
        (
            "POST",
            "/elements/api-v2/elements/evernote/oauth/token",
            "GET",
        ),
    ] {
        let r = request(addr, method, path, &h, b"").await;
        let (status, message, _) = platform_error(&r);
        assert_eq!(status, 405, "{method} {path}");
        assert!(message.contains("not allowed"), "{message}");
        // RFC 9110: a 405 lists the methods the resource supports.
        assert_eq!(r.header("allow"), Some(allow), "{method} {path}");
    }
}

#[tokio::test]
async fn the_journal_records_platform_requests() {
    let sb = start().await;
    let addr = sb.addr();
    let auth = auth();
    let body = fixed(SEED_BASIC);
    let r = request(
        addr,
        "POST",
        "/elements/api-v2/instances?x=1&y=%20",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
            ("X-Repeat", "a"),
            ("X-Repeat", "b"),
        ],
        body.as_bytes(),
    )
    .await;
    assert_eq!(r.status, 200);
    // Refused requests and unknown routes are journaled too; the control API is not.
    request(
        addr,
        "GET",
        "/elements/api-v2/nothing",
        &[],
        b"\xff not json",
    )
    .await;
    request(addr, "GET", "/__sandbox/health", &[], b"").await;
    request(addr, "GET", "/elsewhere", &[], b"").await;

    let j = journal(addr).await;
    assert_eq!(j.len(), 2, "{j:?}");
    let e = &j[0];
    let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["method", "path", "query", "headers", "body", "json"]);
    assert_eq!(e["method"], "POST");
    assert_eq!(e["path"], "/elements/api-v2/instances");
    assert_eq!(e["query"], "x=1&y=%20");
    assert_eq!(e["headers"]["authorization"], auth.as_str());
    assert_eq!(e["headers"]["content-type"], "application/json");
    assert_eq!(e["headers"]["x-repeat"], "a, b");
    assert_eq!(e["headers"]["content-length"], body.len().to_string());
    assert_eq!(e["body"], body.as_str());
    assert_eq!(e["json"], serde_json::from_str::<Value>(&body).unwrap());
    let e = &j[1];
    assert_eq!(e["method"], "GET");
    assert_eq!(e["query"], Value::Null);
    assert_eq!(e["body"], "\u{fffd} not json");
    assert_eq!(e["json"], Value::Null);
}

#[tokio::test]
async fn the_journal_keeps_the_newest_requests() {
    let sb = Sandbox::start(Config {
        journal_limit: 2,
        ..Config::default()
    })
    .await
    .unwrap();
    for i in 0..5 {
        request(
            sb.addr(),
            "GET",
            &format!("/elements/api-v2/n{i}"),
            &[],
            b"",
        )
        .await;
    }
    let paths: Vec<Value> = journal(sb.addr())
        .await
        .iter()
        .map(|e| e["path"].clone())
        .collect();
    assert_eq!(
        paths,
        [json!("/elements/api-v2/n3"), json!("/elements/api-v2/n4")]
    );

    let off = Sandbox::start(Config {
        journal_limit: 0,
        ..Config::default()
    })
    .await
    .unwrap();
    request(off.addr(), "GET", "/elements/api-v2/n", &[], b"").await;
    assert!(journal(off.addr()).await.is_empty());
}

#[tokio::test]
async fn fault_respond_with_status_headers_and_body() {
    let sb = start().await;
    let addr = sb.addr();
    let fault = json!({"method": "POST", "path": INSTANCES, "status": 429,
        "headers": {"retry-after": "2"}, "body": {"requestId": "5f0c6b1e2d3a4b5c6d7e8f92", "message": "Too many requests"}});
    let r = control(addr, "/__sandbox/faults", &fault.to_string()).await;
    assert_eq!(
        (r.status, r.json()),
        (200, json!({"added": 1, "pending": 1}))
    );

    // Faults apply before any check: even without credentials.
    let r = request(addr, "POST", INSTANCES, &[], b"").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("2"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(is_request_id(r.header("elements-request-id").unwrap()));
    assert_eq!(
        r.json(),
        json!({"requestId": "5f0c6b1e2d3a4b5c6d7e8f92", "message": "Too many requests"})
    );
    // count 1: the next request is processed normally, and the faulted one was journaled.
    assert_eq!(
        post_json(addr, INSTANCES, &fixed(SEED_BASIC)).await.status,
        200
    );
    assert_eq!(journal(addr).await.len(), 2);

    // A string body is sent as is; headers override or (null) remove the defaults.
    let fault = json!({"status": 502, "headers": {"content-type": "text/html", "elements-request-id": null},
        "body": "<html><body><h1>502 Bad Gateway</h1></body></html>"});
    control(addr, "/__sandbox/faults", &fault.to_string()).await;
    let r = request(addr, "GET", "/elements/api-v2/anything", &[], b"").await;
    assert_eq!(r.status, 502);
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert_eq!(r.header("elements-request-id"), None);
    assert_eq!(
        r.text(),
        "<html><body><h1>502 Bad Gateway</h1></body></html>"
    );

    // An empty string body; and no body at all on an error status: a platform error body.
    control(
        addr,
        "/__sandbox/faults",
        &json!([{"status": 503, "body": ""}, {"status": 500}]).to_string(),
    )
    .await;
    let r = request(addr, "POST", INSTANCES, &[], b"").await;
    assert_eq!((r.status, r.body.len()), (503, 0));
    assert!(is_request_id(r.header("elements-request-id").unwrap()));
    let r = request(addr, "POST", INSTANCES, &[], b"").await;
    assert_eq!(
        platform_error(&r),
        (500, "Internal Server Error".to_owned(), None)
    );
}

#[tokio::test]
async fn fault_matching_and_count() {
    let sb = start().await;
    let addr = sb.addr();
    let fault = json!({"method": "post", "path": INSTANCES, "count": 2, "status": 500, "body": {"message": "boom"}});
    control(addr, "/__sandbox/faults", &fault.to_string()).await;
    // Other method or path: not matched.
    let auth = auth();
    let r = request(addr, "GET", INSTANCES, &[("authorization", &auth)], b"").await;
    assert_eq!(r.status, 200);
    let r = post_json(
        addr,
        "/elements/api-v2/elements/insightly/instances",
        SEED_PATH_BASIC,
    )
    .await;
    assert_eq!(r.status, 200);
    // A query does not prevent the match.
    assert_eq!(
        post_json(addr, "/elements/api-v2/instances?q=1", &fixed(SEED_BASIC))
            .await
            .status,
        500
    );
    assert_eq!(
        post_json(addr, INSTANCES, &fixed(SEED_BASIC)).await.status,
        500
    );
    assert_eq!(
        post_json(addr, INSTANCES, &fixed(SEED_BASIC)).await.status,
        200
    );
    // The control API is never faulted.
    control(
        addr,
        "/__sandbox/faults",
        &json!({"status": 500}).to_string(),
    )
    .await;
    assert_eq!(
        request(addr, "GET", "/__sandbox/health", &[], b"")
            .await
            .status,
        200
    );
    assert_eq!(
        request(addr, "GET", "/elements/api-v2/x", &[], b"")
            .await
            .status,
        500
    );
}

#[tokio::test]
async fn fault_delay_only_then_normal_processing() {
    let sb = start().await;
    let addr = sb.addr();
    control(
        addr,
        "/__sandbox/faults",
        &json!({"path": INSTANCES, "delay_ms": 150}).to_string(),
    )
    .await;
    let t = Instant::now();
    let r = post_json(addr, INSTANCES, &fixed(SEED_BASIC)).await;
    assert!(
        t.elapsed() >= Duration::from_millis(150),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["id"], 477858);
    // A delayed scripted answer.
    control(
        addr,
        "/__sandbox/faults",
        &json!({"delay_ms": 50, "status": 504}).to_string(),
    )
    .await;
    let t = Instant::now();
    assert_eq!(request(addr, "GET", INSTANCES, &[], b"").await.status, 504);
    assert!(t.elapsed() >= Duration::from_millis(50));
}

#[tokio::test]
async fn fault_drop_closes_without_an_answer() {
    let sb = start().await;
    let addr = sb.addr();
    control(
        addr,
        "/__sandbox/faults",
        &json!({"action": "drop", "count": 2, "delay_ms": 20}).to_string(),
    )
    .await;
    let auth = auth();
    let body = fixed(SEED_BASIC);
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];
    let mut conn = Conn::open(addr).await;
    match conn
        .send("POST", INSTANCES, &headers, body.as_bytes())
        .await
    {
        Outcome::Closed { received } => assert_eq!(received, 0),
        Outcome::Response(r) => panic!("answered {r:?}"),
    }
    // Also on a connection that already served a request.
    let mut conn = Conn::open(addr).await;
    control(addr, "/__sandbox/reset", "").await;
    let ok = conn
        .send("POST", INSTANCES, &headers, body.as_bytes())
        .await;
    assert!(
        matches!(ok, Outcome::Response(ref r) if r.status == 200),
        "{ok:?}"
    );
    control(
        addr,
        "/__sandbox/faults",
        &json!({"action": "drop"}).to_string(),
    )
    .await;
    match conn
        .send("POST", INSTANCES, &headers, body.as_bytes())
        .await
    {
        Outcome::Closed { received } => assert_eq!(received, 0),
        Outcome::Response(r) => panic!("answered {r:?}"),
    }
    // The dropped request was journaled and created nothing.
    let j = journal(addr).await;
    assert_eq!(j.len(), 2);
    let r = request(addr, "GET", INSTANCES, &[("authorization", &auth)], b"").await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn fault_truncate_cuts_the_body_in_half() {
    let sb = start().await;
    let addr = sb.addr();
    let body = json!({"id": 477858, "name": "New Element", "token": "s1GKjbAO37W1UNsBd4GI80RmUPXk/nzTPFmLKwL1Tws="});
    let full = body.to_string();
    control(
        addr,
        "/__sandbox/faults",
        &json!({"action": "truncate", "body": body}).to_string(),
    )
    .await;
    let r = request(addr, "POST", INSTANCES, &[], b"").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-length"),
        Some((full.len() / 2).to_string().as_str())
    );
    assert_eq!(r.text(), full[..full.len() / 2]);
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());
    assert_eq!(r.header("content-type"), Some("application/json"));

    // Without a body: the real answer (the instance is created), cut.
    control(
        addr,
        "/__sandbox/faults",
        &json!({"action": "truncate", "status": 201}).to_string(),
    )
    .await;
    let r = post_json(addr, INSTANCES, &fixed(SEED_BASIC)).await;
    assert_eq!(r.status, 201);
    assert!(r.text().starts_with("{\"id\":477858,"), "{}", r.text());
    let whole = post_json(addr, INSTANCES, &fixed(SEED_BASIC)).await;
    assert_eq!(whole.json()["id"], 477859);
    assert!(r.body.len() * 2 <= whole.body.len() + 1);
}

#[tokio::test]
async fn invalid_faults_are_explained() {
    let sb = start().await;
    for (fault, needle) in [
        ("{\"stauts\": 503}", "unknown fault field \"stauts\""),
        ("{\"action\": \"explode\"}", "fault action must be"),
        (
            "{\"status\": \"503\"}",
            "fault status must be an integer from 200 to 599",
        ),
        ("{\"count\": 0}", "fault count must be a positive integer"),
        (
            "{\"action\": \"drop\", \"status\": 500}",
            "action \"drop\" answers nothing",
        ),
        ("{\"body\": {}}", "need a status"),
        ("not json", "invalid JSON in the fault"),
        (
            "[{\"status\": 500}, 3]",
            "fault 1: a fault must be a JSON object",
        ),
    ] {
        let r = control(sb.addr(), "/__sandbox/faults", fault).await;
        assert_eq!(r.status, 400, "{fault}");
        let message = r.json()["error"].as_str().unwrap().to_owned();
        assert!(message.contains(needle), "{fault}: {message}");
    }
    // Nothing was added by the invalid array.
    assert_eq!(
        request(sb.addr(), "GET", "/elements/api-v2/x", &[], b"")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn reset_forgets_everything() {
    let sb = start().await;
    let addr = sb.addr();
    post_json(addr, INSTANCES, &oauth_body(Some("once"))).await;
    post_json(addr, INSTANCES, &fixed(SEED_BASIC)).await;
    control(
        addr,
        "/__sandbox/faults",
        &json!({"status": 500, "count": 3}).to_string(),
    )
    .await;
    let r = control(addr, "/__sandbox/reset", "{}").await;
    assert_eq!((r.status, r.json()), (200, json!({"reset": true})));
    assert!(journal(addr).await.is_empty());
    let auth = auth();
    let r = request(addr, "GET", INSTANCES, &[("authorization", &auth)], b"").await;
    assert_eq!(
        (r.status, r.json()),
        (200, json!([])),
        "no fault left, no instance left"
    );
    let r = post_json(addr, INSTANCES, &oauth_body(Some("once"))).await;
    assert_eq!(r.status, 200, "the code is usable again: {}", r.text());
    assert_eq!(r.json()["id"], 477858, "ids restart");
}

#[tokio::test]
async fn control_routes() {
    let sb = start().await;
    let r = request(sb.addr(), "GET", "/__sandbox/health", &[], b"").await;
    assert_eq!((r.status, r.text().as_str()), (200, "ok"));
    let r = request(sb.addr(), "GET", "/__sandbox/nope", &[], b"").await;
    assert_eq!(r.status, 404);
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("/__sandbox/reset")
    );
    let r = request(sb.addr(), "GET", "/__sandbox/reset", &[], b"").await;
    assert_eq!((r.status, r.header("allow")), (405, Some("POST")));
}

#[tokio::test]
async fn keep_alive_serves_many_requests_on_one_connection() {
    let sb = start().await;
    let mut conn = Conn::open(sb.addr()).await;
    let auth = auth();
    let body = fixed(SEED_BASIC);
    let mut ids = std::collections::HashSet::new();
    for i in 0..20 {
        let Outcome::Response(r) = conn
            .send(
                "POST",
                INSTANCES,
                &[
                    ("authorization", &auth),
                    ("content-type", "application/json"),
                ],
                body.as_bytes(),
            )
            .await
        else {
            panic!("closed");
        };
        assert_eq!(r.json()["id"], 477858 + i);
        assert!(ids.insert(r.header("elements-request-id").unwrap().to_owned()));
    }
}

#[test]
fn spawn_thread_serves_sync_callers_and_stops_when_dropped() {
    let sb = Sandbox::spawn_thread(Config::default()).unwrap();
    let addr = sb.addr();
    assert_eq!(sb.root_url(), format!("http://{addr}"));
    assert_eq!(sb.base_url(), format!("http://{addr}/elements/api-v2"));
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let auth = format!("User {DEFAULT_USER_SECRET}, Organization {DEFAULT_ORGANIZATION_SECRET}");
    let r = rt.block_on(request(
        addr,
        "POST",
        INSTANCES,
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        fixed(SEED_BASIC).as_bytes(),
    ));
    assert_eq!(r.status, 200);
    // An idle keep-alive connection does not keep the server alive.
    let idle = rt.block_on(Conn::open(addr));
    drop(sb);
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "nothing listens after drop"
    );
    drop(idle);
}

#[test]
fn a_taken_port_is_an_error() {
    let a = Sandbox::spawn_thread(Config::default()).unwrap();
    let err = Sandbox::spawn_thread(Config {
        port: a.addr().port(),
        ..Config::default()
    })
    .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
}

#[test]
fn config_defaults() {
    let c = Config::default();
    assert_eq!(c.host.to_string(), "127.0.0.1");
    assert_eq!(c.port, 0);
    assert_eq!(c.journal_limit, 10_000);
    assert!(c.quiet);
    assert_eq!(
        c.credentials,
        vec![
            (USER.to_owned(), ORG.to_owned()),
            (USER2.to_owned(), ORG2.to_owned())
        ]
    );
}
