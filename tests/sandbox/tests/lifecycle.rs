//! The instance lifecycle, the element catalogue, pagination and OAuth over real
//! sockets (tests/sandbox/README.md): per-organization instances, list filters and
//! cursor pages, PATCH/PUT/re-authentication, enable/disable, the catalogue routes,
//! the OAuth URL, the authorize page and the staging of quirks.

mod common;

use std::net::SocketAddr;

use common::*;
use open_connectors_sandbox::{Config, Sandbox};
use serde_json::{Value, json};
use url::Url;

const INSTANCES: &str = "/elements/api-v2/instances";
const ELEMENTS: &str = "/elements/api-v2/elements";

async fn start() -> Sandbox {
    Sandbox::start(Config::default()).await.unwrap()
}

/// A caller with one of the configured credential pairs (and maybe an instance
/// token).
struct Client {
    addr: SocketAddr,
    auth: String,
}

impl Client {
    fn first(addr: SocketAddr) -> Client {
        Client { addr, auth: auth() }
    }

    fn second(addr: SocketAddr) -> Client {
        Client {
            addr,
            auth: format!("User {USER2}, Organization {ORG2}"),
        }
    }

    fn with_token(&self, token: &str) -> Client {
        Client {
            addr: self.addr,
            auth: format!("{}, Element {token}", self.auth),
        }
    }

    /// A request with this caller's Authorization; a body is sent as JSON.
    async fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Resp {
        let text = body.map(Value::to_string).unwrap_or_default();
        let mut headers = vec![("authorization", self.auth.as_str())];
        if body.is_some() {
            headers.push(("content-type", "application/json"));
        }
        request(self.addr, method, path, &headers, text.as_bytes()).await
    }

    async fn get(&self, path: &str) -> Resp {
        self.send("GET", path, None).await
    }

    /// A create that must succeed: the new instance.
    async fn create(&self, body: Value) -> Value {
        let r = self.send("POST", INSTANCES, Some(&body)).await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    }

    /// An Insightly instance with this name and these tags.
    async fn basic(&self, name: &str, tags: &[&str]) -> Value {
        self.create(
            json!({"element": {"key": "insightly"}, "name": name, "tags": tags,
            "configuration": {"username": "u", "password": "p4ss"}}),
        )
        .await
    }

    /// A Salesforce (OAuth 2) instance made with this code.
    async fn oauth2(&self, code: &str) -> Value {
        self.create(sfdc_body(code)).await
    }
}

fn sfdc_body(code: &str) -> Value {
    json!({"element": {"key": "sfdc"}, "name": "Sales", "providerData": {"code": code},
        "configuration": {"oauth.api.key": "k", "oauth.api.secret": "s",
            "oauth.callback.url": "https://app.example/cb"}})
}

fn id_of(v: &Value) -> u64 {
    v["id"].as_u64().unwrap()
}

fn ids(r: &Resp) -> Vec<u64> {
    r.json().as_array().unwrap().iter().map(id_of).collect()
}

/// The three pagination headers: returned count, total count, next-page token.
fn page_headers(r: &Resp) -> (Option<&str>, Option<&str>, Option<&str>) {
    (
        r.header("elements-returned-count"),
        r.header("elements-total-count"),
        r.header("elements-next-page-token"),
    )
}

/// `nextPage=<token>` with the token percent-encoded.
fn next_page(token: &str) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("nextPage", token);
    s.finish()
}

/// Creates `n` Insightly instances on one keep-alive connection.
async fn create_many(addr: SocketAddr, n: usize) {
    let mut conn = Conn::open(addr).await;
    let auth = auth();
    let body = json!({"element": {"key": "insightly"},
        "configuration": {"username": "u", "password": "p"}})
    .to_string();
    for _ in 0..n {
        let headers = [
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
        ];
        match conn
            .send("POST", INSTANCES, &headers, body.as_bytes())
            .await
        {
            Outcome::Response(r) => assert_eq!(r.status, 200),
            Outcome::Closed { .. } => panic!("closed"),
        }
    }
}

// ---------------------------------------------------------------------------------
// Per-organization instances

#[tokio::test]
async fn instances_belong_to_the_organization_that_created_them() {
    let sb = start().await;
    let (one, two) = (Client::first(sb.addr()), Client::second(sb.addr()));
    let a = one.basic("Mine", &[]).await;
    let b = two.basic("Theirs", &[]).await;
    // Ids are global: the second organization's instance has the next one.
    assert_eq!(id_of(&b), id_of(&a) + 1);

    assert_eq!(ids(&one.get(INSTANCES).await), [id_of(&a)]);
    assert_eq!(ids(&two.get(INSTANCES).await), [id_of(&b)]);
    assert_eq!(
        one.get(INSTANCES).await.header("elements-total-count"),
        Some("1")
    );

    let theirs = format!("{INSTANCES}/{}", id_of(&b));
    let message = format!("No instance found with ID {}", id_of(&b));
    let patch = json!({"name": "stolen"});
    for (method, path, body) in [
        ("GET", theirs.clone(), None),
        ("PATCH", theirs.clone(), Some(&patch)),
        ("PUT", theirs.clone(), Some(&patch)),
        ("PUT", format!("{theirs}?reAuthenticate=true"), Some(&patch)),
        ("PUT", format!("{theirs}/enabled"), None),
        ("DELETE", format!("{theirs}/enabled"), None),
        ("DELETE", theirs.clone(), None),
    ] {
        let r = one.send(method, &path, body).await;
        assert_eq!(
            platform_error(&r),
            (404, message.clone(), None),
            "{method} {path}"
        );
    }
    // An Element token of another organization's instance is unknown to this one.
    let token = b["token"].as_str().unwrap();
    let r = one
        .with_token(token)
        .send("DELETE", &format!("{INSTANCES}/enabled"), None)
        .await;
    assert_eq!(platform_error(&r).0, 401);
    // Nothing of the other organization's instance changed.
    let r = two.get(&theirs).await;
    assert_eq!((r.status, r.json()), (200, b));
}

#[tokio::test]
async fn an_organization_secret_shared_by_two_users_shares_its_instances() {
    let sb = Sandbox::start(Config {
        credentials: vec![
            ("user-a".to_owned(), "org-1".to_owned()),
            ("user-b".to_owned(), "org-1".to_owned()),
            ("user-c".to_owned(), "org-2".to_owned()),
        ],
        ..Config::default()
    })
    .await
    .unwrap();
    let as_user = |u: &str, o: &str| Client {
        addr: sb.addr(),
        auth: format!("User {u}, Organization {o}"),
    };
    let a = as_user("user-a", "org-1").basic("A", &[]).await;
    assert_eq!(
        ids(&as_user("user-b", "org-1").get(INSTANCES).await),
        [id_of(&a)]
    );
    assert!(ids(&as_user("user-c", "org-2").get(INSTANCES).await).is_empty());
}

// ---------------------------------------------------------------------------------
// GET /instances: pages

#[tokio::test]
async fn page_size_boundaries() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    create_many(sb.addr(), 201).await;
    let first = 477_858u64;

    let r = one.get(&format!("{INSTANCES}?pageSize=1")).await;
    assert_eq!(ids(&r), [first]);
    let (returned, total, token) = page_headers(&r);
    assert_eq!((returned, total), (Some("1"), Some("201")));
    assert!(token.is_some(), "a full page has a token");

    for query in ["?pageSize=200", ""] {
        let r = one.get(&format!("{INSTANCES}{query}")).await;
        assert_eq!(r.status, 200, "{query}");
        let got = ids(&r);
        assert_eq!(got.len(), 200, "{query}: at most 200");
        assert_eq!(got[0], first);
        assert_eq!(got[199], first + 199, "oldest first");
        let (returned, total, token) = page_headers(&r);
        assert_eq!((returned, total), (Some("200"), Some("201")), "{query}");
        // The rest: one instance, a short page, no token.
        let r = one
            .get(&format!(
                "{INSTANCES}?{}{}",
                next_page(token.unwrap()),
                query.replace('?', "&")
            ))
            .await;
        assert_eq!(ids(&r), [first + 200], "{query}");
        assert_eq!(page_headers(&r), (Some("1"), Some("201"), None), "{query}");
    }

    for bad in [
        "0",
        "x",
        "-1",
        "",
        "1.5",
        "%2B1",
        "00",
        "201",
        "99999999999",
    ] {
        let r = one.get(&format!("{INSTANCES}?pageSize={bad}")).await;
        let (status, message, _) = platform_error(&r);
        assert_eq!(status, 400, "{bad}");
        assert!(message.contains("pageSize"), "{bad}: {message}");
    }
    let r = one.get(&format!("{INSTANCES}?pageSize=1&pageSize=2")).await;
    assert!(platform_error(&r).1.contains("pageSize"));
}

#[tokio::test]
async fn a_full_last_page_has_a_token_and_the_next_page_is_empty() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    create_many(sb.addr(), 4).await;
    let mut query = "pageSize=2".to_owned();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let r = one.get(&format!("{INSTANCES}?{query}")).await;
        assert_eq!(r.status, 200, "{}", r.text());
        pages += 1;
        let got = ids(&r);
        assert_eq!(r.header("elements-total-count"), Some("4"));
        assert_eq!(
            r.header("elements-returned-count"),
            Some(got.len().to_string().as_str())
        );
        seen.extend(got);
        match r.header("elements-next-page-token") {
            Some(token) => query = format!("pageSize=2&{}", next_page(token)),
            None => {
                assert_eq!(r.json(), json!([]), "the page after a full last page");
                break;
            }
        }
        assert!(pages < 10);
    }
    assert_eq!(pages, 3, "2 + 2 + an empty page");
    assert_eq!(seen, (477_858..477_862).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_token_carries_the_position_and_deletes_do_not_shift_it() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    let a = one.basic("a", &["t"]).await;
    let _b = one.basic("b", &[]).await;
    let c = one.basic("c", &["t"]).await;
    let r = one.get(&format!("{INSTANCES}?pageSize=1&tags[]=t")).await;
    assert_eq!(ids(&r), [id_of(&a)]);
    assert_eq!(r.header("elements-total-count"), Some("2"));
    let token = r.header("elements-next-page-token").unwrap().to_owned();
    // The filters come from each request: without tags[], b is next.
    let r = one
        .get(&format!("{INSTANCES}?pageSize=5&{}", next_page(&token)))
        .await;
    assert_eq!(ids(&r).len(), 2);
    assert_eq!(r.header("elements-total-count"), Some("3"));
    assert!(r.header("elements-next-page-token").is_none());
    // Deleting the instance the token points after does not lose the next one.
    assert_eq!(
        one.send("DELETE", &format!("{INSTANCES}/{}", id_of(&a)), None)
            .await
            .status,
        200
    );
    let r = one
        .get(&format!("{INSTANCES}?tags%5B%5D=t&{}", next_page(&token)))
        .await;
    assert_eq!(ids(&r), [id_of(&c)]);
}

#[tokio::test]
async fn tokens_the_sandbox_did_not_issue_are_refused() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    create_many(sb.addr(), 2).await;
    let r = one.get(&format!("{ELEMENTS}?pageSize=1")).await;
    let elements_token = r.header("elements-next-page-token").unwrap().to_owned();
    let r = one.get(&format!("{INSTANCES}?pageSize=1")).await;
    let token = r.header("elements-next-page-token").unwrap().to_owned();
    let mut tampered = token.clone();
    tampered.insert(3, 'A');
    for bad in [
        "garbage".to_owned(),
        "eyJsaW1pdCI6MSwicGFnZVNpemUiOjEsInBhZ2UiOjJ9".to_owned(),
        elements_token,
        tampered,
    ] {
        let r = one.get(&format!("{INSTANCES}?{}", next_page(&bad))).await;
        assert_eq!(
            platform_error(&r),
            (400, "Invalid nextPage token".to_owned(), None),
            "{bad}"
        );
    }
    // The issued token, properly encoded, works; an empty nextPage is the first page.
    let r = one.get(&format!("{INSTANCES}?{}", next_page(&token))).await;
    assert_eq!(ids(&r), [477_859]);
    let r = one.get(&format!("{INSTANCES}?nextPage=")).await;
    assert_eq!(ids(&r), [477_858, 477_859]);
}

// ---------------------------------------------------------------------------------
// GET /instances: filters

#[tokio::test]
async fn tags_filter_keeps_instances_with_every_tag() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    let ab = one.basic("ab", &["a", "b"]).await;
    let a = one.basic("a", &["a"]).await;
    let bc = one.basic("bc", &["b", "c"]).await;
    Client::second(sb.addr()).basic("other", &["a"]).await;
    for (query, want) in [
        ("tags[]=a", vec![&ab, &a]),
        ("tags[]=b", vec![&ab, &bc]),
        ("tags[]=a&tags[]=b", vec![&ab]),
        ("tags%5B%5D=b&tags%5B%5D=c", vec![&bc]),
        ("tags[]=a&tags[]=c", vec![]),
        ("tags[]=z", vec![]),
        ("tags[]=A", vec![]),
        ("", vec![&ab, &a, &bc]),
    ] {
        let r = one.get(&format!("{INSTANCES}?{query}")).await;
        let want: Vec<u64> = want.into_iter().map(id_of).collect();
        assert_eq!(ids(&r), want, "{query}");
        assert_eq!(
            r.header("elements-total-count"),
            Some(want.len().to_string().as_str()),
            "{query}"
        );
    }
}

#[tokio::test]
async fn search_text_is_a_case_insensitive_substring_of_name_or_element_key() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    let pipeline = one.basic("Sales Pipeline", &["x"]).await;
    let sfdc = one.oauth2("search-code").await; // name "Sales", element key sfdc
    let other = one.basic("Support Desk", &[]).await;
    for (text, want) in [
        ("pipe", vec![&pipeline]),
        ("PIPELINE", vec![&pipeline]),
        ("sales", vec![&pipeline, &sfdc]),
        ("SFDC", vec![&sfdc]),
        ("Insight", vec![&pipeline, &other]),
        ("desk", vec![&other]),
        ("nothing", vec![]),
        ("", vec![&pipeline, &sfdc, &other]),
        ("sales%20pipe", vec![&pipeline]),
        ("sales+pipe", vec![&pipeline]),
    ] {
        let r = one.get(&format!("{INSTANCES}?searchText={text}")).await;
        let want: Vec<u64> = want.into_iter().map(id_of).collect();
        assert_eq!(ids(&r), want, "{text}");
    }
    // With a tag filter too: both apply.
    let r = one
        .get(&format!("{INSTANCES}?searchText=sales&tags[]=x"))
        .await;
    assert_eq!(ids(&r), [id_of(&pipeline)]);
}

#[tokio::test]
async fn hydrate_false_answers_lighter_instances() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    let basic = one.basic("b", &["t"]).await;
    let oauth = one.oauth2("hydrate-code").await;

    for query in ["", "?hydrate=true", "?hydrate=TRUE"] {
        let r = one.get(&format!("{INSTANCES}{query}")).await;
        assert_eq!(
            r.json(),
            json!([basic, oauth]),
            "{query}: as GET /instances/{{id}}"
        );
    }
    let r = one.get(&format!("{INSTANCES}?hydrate=false")).await;
    assert_eq!(r.status, 200);
    let list = r.json();
    for (light, full) in list.as_array().unwrap().iter().zip([&basic, &oauth]) {
        let keys: Vec<&str> = light
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert!(!keys.contains(&"configuration") && !keys.contains(&"providerData"));
        let mut want = full.clone();
        let m = want.as_object_mut().unwrap();
        m.remove("configuration");
        m.remove("providerData");
        m["element"] = json!({"id": full["element"]["id"], "key": full["element"]["key"],
            "name": full["element"]["name"]});
        assert_eq!(light, &want);
    }
    let r = one.get(&format!("{INSTANCES}?hydrate=no")).await;
    let (status, message, _) = platform_error(&r);
    assert_eq!(status, 400);
    assert!(message.contains("hydrate"), "{message}");
}

// ---------------------------------------------------------------------------------
// PATCH and PUT

#[tokio::test]
async fn patch_updates_name_replaces_tags_and_merges_configuration() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    let created = one
        .create(
            json!({"element": {"key": "shopify"}, "name": "Shop", "tags": ["a", "b"],
            "configuration": {"username": "u", "password": "p", "site.address": "s.example",
                "custom.key": "gone soon"}}),
        )
        .await;
    let path = format!("{INSTANCES}/{}", id_of(&created));
    let patch = json!({"name": "<b>Renamed</b>", "tags": ["c"],
        "configuration": {"site.address": "new.example", "event.notification.enabled": true,
            "event.notification.signature.key": "k3y", "custom.key": null, "poll.minutes": 5},
        "description": "kept", "cachingEnabled": true, "id": 1, "token": "forged"});
    let r = one.send("PATCH", &path, Some(&patch)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["id"], created["id"]);
    assert_eq!(v["token"], created["token"], "the token never changes");
    assert_eq!(v["createdDate"], created["createdDate"]);
    assert_eq!(v["name"], "Renamed", "sanitised like a create");
    assert_eq!(v["tags"], json!(["c"]), "tags are replaced, not merged");
    assert_eq!(v["eventsEnabled"], true);
    assert_eq!(v["cachingEnabled"], false, "server fields are ignored");
    assert_eq!(
        v["description"], "kept",
        "other fields are stored and echoed"
    );
    assert_eq!(
        v["configuration"],
        json!({"username": "u", "password": "********", "site.address": "new.example",
            "event.notification.enabled": "true", "filter.response.nulls": "true",
            "event.notification.signature.key": "********", "poll.minutes": "5"})
    );
    // GET answers the updated instance, byte for byte.
    let got = one.get(&path).await;
    assert_eq!(got.text(), r.text());

    // A second PATCH: only what it names changes.
    let r = one
        .send("PATCH", &path, Some(&json!({"description": "again"})))
        .await;
    let w = r.json();
    assert_eq!(w["name"], "Renamed");
    assert_eq!(w["tags"], json!(["c"]));
    assert_eq!(w["description"], "again");
    assert_eq!(w["configuration"], v["configuration"]);
    // An empty tag list clears them.
    let r = one.send("PATCH", &path, Some(&json!({"tags": []}))).await;
    assert_eq!(r.json()["tags"], json!([]));
}

#[tokio::test]
async fn patch_checks() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    let created = one.basic("x", &[]).await;
    let path = format!("{INSTANCES}/{}", id_of(&created));
    for (body, needle) in [
        (json!({"name": 5}), "name must be a string"),
        (json!({"tags": "a"}), "tags must be an array of strings"),
        (
            json!({"tags": ["a", 1]}),
            "tags must be an array of strings",
        ),
        (
            json!({"configuration": []}),
            "configuration must be an object",
        ),
        (
            json!({"providerData": "c"}),
            "providerData must be an object",
        ),
        (
            json!({"configuration": {"password": ""}}),
            "Missing required configuration for element 'insightly': password",
        ),
        (
            json!({"configuration": {"username": null}}),
            "Missing required configuration for element 'insightly': username",
        ),
        (json!({"providerData": {"code": "c"}}), "does not use OAuth"),
        (json!([1]), "must be a JSON object"),
    ] {
        let r = one.send("PATCH", &path, Some(&body)).await;
        let (status, message, _) = platform_error(&r);
        assert_eq!(status, 400, "{body}");
        assert!(message.contains(needle), "{body}: {message}");
    }
    let auth = auth();
    let r = request(
        sb.addr(),
        "PATCH",
        &path,
        &[("authorization", &auth), ("content-type", "text/plain")],
        b"{}",
    )
    .await;
    assert_eq!(platform_error(&r).0, 415);
    let r = request(
        sb.addr(),
        "PATCH",
        &path,
        &[("authorization", &auth)],
        b"{}",
    )
    .await;
    assert_eq!(platform_error(&r).0, 415);
    let r = one
        .send("PATCH", &format!("{INSTANCES}/999"), Some(&json!({})))
        .await;
    assert_eq!(
        platform_error(&r),
        (404, "No instance found with ID 999".to_owned(), None)
    );
    // Authorization first.
    let r = request(sb.addr(), "PATCH", &path, &[], b"{}").await;
    assert_eq!(platform_error(&r).0, 401);
    // Nothing changed by the refused updates.
    assert_eq!(one.get(&path).await.json(), created);
}

#[tokio::test]
async fn put_without_reauthenticate_is_an_update() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    let created = one.oauth2("put-code").await;
    let path = format!("{INSTANCES}/{}", id_of(&created));
    // Sending back the GET answer with a new name works: server fields are ignored.
    let mut body = one.get(&path).await.json();
    body["name"] = json!("Put");
    for query in ["", "?reAuthenticate=false"] {
        let r = one
            .send("PUT", &format!("{path}{query}"), Some(&body))
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        assert_eq!(v["name"], "Put");
        assert_eq!(v["token"], created["token"]);
        assert_eq!(
            v["configuration"], created["configuration"],
            "masked values kept"
        );
        assert!(v.get("providerData").is_some(), "not a re-provision");
    }
}

#[tokio::test]
async fn reauthenticate_with_a_fresh_code() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    let created = one.oauth2("first-code").await;
    let path = format!("{INSTANCES}/{}", id_of(&created));
    let reauth = format!("{path}?reAuthenticate=true");
    // Disabled first (as after failed refreshes): re-authentication leaves it so.
    assert_eq!(
        one.send("DELETE", &format!("{path}/enabled"), None)
            .await
            .status,
        200
    );
    let body = json!({"providerData": {"code": "second-code"},
        "configuration": {"oauth.callback.url": "https://app.example/new", "oauth.user.token": null}});
    let r = one.send("PUT", &reauth, Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["id"], created["id"]);
    assert_eq!(v["token"], created["token"], "the token is unchanged");
    assert_eq!(v["valid"], true);
    assert_eq!(v["disabled"], true, "re-enabling is a separate call");
    assert!(
        v.get("providerData").is_none(),
        "providerData is not echoed"
    );
    assert_eq!(
        v["configuration"]["oauth.callback.url"],
        "https://app.example/new"
    );
    assert!(!r.text().contains("second-code"));
    // GET shows the instance as a GET always does.
    let got = one.get(&path).await.json();
    assert_eq!(got["configuration"], v["configuration"]);
    assert_eq!(got["disabled"], true);

    // Missing code; a used code (the create's or the re-authentication's).
    for body in [
        json!({}),
        json!({"providerData": {}}),
        json!({"providerData": {"code": ""}}),
    ] {
        let r = one.send("PUT", &reauth, Some(&body)).await;
        assert_eq!(
            platform_error(&r),
            (
                400,
                "providerData.code is required to re-authenticate".to_owned(),
                None
            ),
            "{body}"
        );
    }
    let r = one
        .send("PUT", &reauth, Some(&json!({"providerData": {"code": 7}})))
        .await;
    assert!(
        platform_error(&r)
            .1
            .contains("providerData.code must be a string")
    );
    let refused_create = one
        .send("POST", INSTANCES, Some(&sfdc_body("first-code")))
        .await;
    let create_error = platform_error(&refused_create);
    for code in ["first-code", "second-code"] {
        let r = one
            .send(
                "PUT",
                &reauth,
                Some(&json!({"providerData": {"code": code}})),
            )
            .await;
        let (status, message, provider) = platform_error(&r);
        assert_eq!(status, 400, "{code}");
        assert_eq!(
            (status, &message, &provider),
            (create_error.0, &create_error.1, &create_error.2)
        );
        let p: Value = serde_json::from_str(&provider.unwrap()).expect("JSON providerMessage");
        assert_eq!(p["error"], "invalid_grant");
    }
    // The code used by a re-authentication cannot create either.
    let r = one
        .send("POST", INSTANCES, Some(&sfdc_body("second-code")))
        .await;
    assert_eq!(platform_error(&r).0, 400);
    // A refused re-authentication does not use its code.
    let r = one
        .send(
            "PUT",
            &reauth,
            Some(&json!({"providerData": {"code": "third-code"},
                "configuration": {"oauth.api.key": ""}})),
        )
        .await;
    assert_eq!(platform_error(&r).0, 400);
    one.oauth2("third-code").await;
}

#[tokio::test]
async fn reauthenticating_a_basic_instance_is_refused() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    let created = one.basic("b", &[]).await;
    let id = id_of(&created);
    let r = one
        .send(
            "PUT",
            &format!("{INSTANCES}/{id}?reAuthenticate=true"),
            Some(&json!({"providerData": {"code": "c"}})),
        )
        .await;
    assert_eq!(
        platform_error(&r),
        (400, format!("Instance {id} does not use OAuth"), None)
    );
    // The code was not used.
    one.oauth2("c").await;
}

#[tokio::test]
async fn patch_with_a_code_reprovisions() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    let created = one.oauth2("patch-first").await;
    let path = format!("{INSTANCES}/{}", id_of(&created));
    let r = one
        .send(
            "PATCH",
            &path,
            Some(&json!({"providerData": {"code": "patch-second"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json().get("providerData").is_none());
    assert_eq!(r.json()["token"], created["token"]);
    let r = one
        .send(
            "PATCH",
            &path,
            Some(&json!({"providerData": {"code": "patch-second"}})),
        )
        .await;
    assert_eq!(platform_error(&r).0, 400);
    // providerData without a code is no re-provision.
    let r = one
        .send("PATCH", &path, Some(&json!({"providerData": {"x": 1}})))
        .await;
    assert_eq!(r.status, 200);
    assert!(r.json().get("providerData").is_some());
}

// ---------------------------------------------------------------------------------
// Enable and disable

#[tokio::test]
async fn enable_and_disable_by_id() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    let created = one.basic("e", &[]).await;
    let path = format!("{INSTANCES}/{}", id_of(&created));
    let enabled = format!("{path}/enabled");
    for (method, disabled) in [
        ("DELETE", true),
        ("DELETE", true),
        ("PUT", false),
        ("PUT", false),
        ("DELETE", true),
    ] {
        let r = one.send(method, &enabled, None).await;
        assert_eq!(r.status, 200, "{method}");
        assert!(r.body.is_empty());
        assert_eq!(r.header("content-length"), Some("0"));
        assert_eq!(r.header("content-type"), None);
        assert!(is_request_id(r.header("elements-request-id").unwrap()));
        let v = one.get(&path).await.json();
        assert_eq!(v["disabled"], disabled, "{method}");
        let listed = one.get(INSTANCES).await.json();
        assert_eq!(listed[0]["disabled"], disabled);
    }
    for method in ["PUT", "DELETE"] {
        let r = one
            .send(method, &format!("{INSTANCES}/999/enabled"), None)
            .await;
        assert_eq!(
            platform_error(&r),
            (404, "No instance found with ID 999".to_owned(), None)
        );
        let r = one
            .send(method, &format!("{INSTANCES}/abc/enabled"), None)
            .await;
        assert_eq!(platform_error(&r).0, 404);
    }
}

#[tokio::test]
async fn enable_and_disable_by_token() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    let a = one.basic("a", &[]).await;
    let b = one.basic("b", &[]).await;
    let path = format!("{INSTANCES}/enabled");
    let by_token = one.with_token(b["token"].as_str().unwrap());
    let r = by_token.send("DELETE", &path, None).await;
    assert_eq!((r.status, r.body.len()), (200, 0));
    let get = |v: &Value| format!("{INSTANCES}/{}", id_of(v));
    assert_eq!(one.get(&get(&b)).await.json()["disabled"], true);
    assert_eq!(one.get(&get(&a)).await.json()["disabled"], false, "only b");
    let r = by_token.send("PUT", &path, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(one.get(&get(&b)).await.json()["disabled"], false);

    // No Element part, or a token of no instance: 401.
    for (client, needle) in [
        (&one, "Missing Element token"),
        (&one.with_token("bm90LWEtdG9rZW4="), "Invalid Element token"),
    ] {
        for method in ["PUT", "DELETE"] {
            let r = client.send(method, &path, None).await;
            let (status, message, _) = platform_error(&r);
            assert_eq!(status, 401);
            assert!(message.contains(needle), "{message}");
        }
    }
    // Credentials are checked before the token.
    let r = request(
        sb.addr(),
        "PUT",
        &path,
        &[("authorization", "Element x")],
        b"",
    )
    .await;
    assert!(platform_error(&r).1.contains("Malformed Authorization"));
}

// ---------------------------------------------------------------------------------
// The element catalogue

const CATALOGUE: [(&str, u64, &str); 10] = [
    ("zendesk", 41, "oauth2"),
    ("sfdc", 1794, "oauth2"),
    ("servicenow", 2034, "basic"),
    ("freshdesk", 2086, "basic"),
    ("hubspotcrm", 2215, "oauth2"),
    ("shopify", 2351, "basic"),
    ("evernote", 3131, "oauth1"),
    ("woocommerce", 3572, "basic"),
    ("onedrivev2", 4806, "oauth2"),
    ("insightly", 5993, "basic"),
];

#[tokio::test]
async fn the_catalogue_is_listed_by_id_in_pages() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    let r = one.get(ELEMENTS).await;
    assert_eq!(r.status, 200);
    let all = r.json();
    let keys: Vec<(&str, u64, &str)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["key"].as_str().unwrap(),
                e["id"].as_u64().unwrap(),
                e["authentication"]["type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(keys, CATALOGUE);
    assert_eq!(page_headers(&r), (Some("10"), Some("10"), None));

    for size in 1..=11usize {
        let mut query = format!("pageSize={size}");
        let mut seen = Vec::new();
        let mut sizes = Vec::new();
        loop {
            let r = one.get(&format!("{ELEMENTS}?{query}")).await;
            assert_eq!(r.status, 200, "{}", r.text());
            assert_eq!(r.header("elements-total-count"), Some("10"));
            let page = r.json().as_array().unwrap().clone();
            sizes.push(page.len());
            seen.extend(page);
            match r.header("elements-next-page-token") {
                Some(t) => {
                    assert_eq!(sizes.last(), Some(&size), "only full pages have a token");
                    query = format!("pageSize={size}&{}", next_page(t));
                }
                None => break,
            }
        }
        assert_eq!(Value::Array(seen), all, "pageSize {size}");
        let full = 10 / size;
        let mut want = vec![size; full];
        want.push(10 % size); // a short page, or the empty page after a full one
        assert_eq!(sizes, want, "pageSize {size}");
    }
    for bad in ["0", "x", "201x", "201", "500"] {
        let r = one.get(&format!("{ELEMENTS}?pageSize={bad}")).await;
        assert!(platform_error(&r).1.contains("pageSize"), "{bad}");
    }
    let r = one.get(&format!("{ELEMENTS}?pageSize=200")).await;
    assert_eq!(r.header("elements-returned-count"), Some("10"));
    let r = request(sb.addr(), "GET", ELEMENTS, &[], b"").await;
    assert_eq!(platform_error(&r).0, 401);
}

#[tokio::test]
async fn one_element_by_key_or_id() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    for (key, id, auth) in CATALOGUE {
        let by_key = one.get(&format!("{ELEMENTS}/{key}")).await;
        assert_eq!(by_key.status, 200, "{key}");
        let by_id = one.get(&format!("{ELEMENTS}/{id}")).await;
        assert_eq!(by_key.text(), by_id.text());
        let e = by_key.json();
        assert_eq!((e["key"].as_str(), e["id"].as_u64()), (Some(key), Some(id)));
        for k in [
            "name",
            "description",
            "configDescription",
            "signupURL",
            "hub",
        ] {
            assert!(e[k].as_str().is_some_and(|s| !s.is_empty()), "{key}.{k}");
        }
        let image = Url::parse(e["image"].as_str().unwrap()).expect("image is a URL");
        assert_eq!(image.scheme(), "https");
        assert_eq!(e["active"], true);
        assert_eq!(e["deleted"], false);
        assert_eq!(e["trialAccount"], false);
        assert_eq!(e["private"], false);
        assert_eq!(e["protocolType"], "http");
        assert_eq!(e["typeOauth"], auth != "basic");
        assert_eq!(e["authentication"], json!({"type": auth}));
    }
    // The element of an instance is the catalogue's element object.
    let created = one.basic("x", &[]).await;
    let e = one.get(&format!("{ELEMENTS}/insightly")).await.json();
    assert_eq!(created["element"], e);

    for unknown in ["nope", "1", "999999", "SFDC"] {
        let r = one.get(&format!("{ELEMENTS}/{unknown}")).await;
        assert_eq!(
            platform_error(&r),
            (
                404,
                format!("No element found with key or id {unknown}"),
                None
            )
        );
        let r = one
            .get(&format!("{ELEMENTS}/{unknown}/configuration"))
            .await;
        assert_eq!(platform_error(&r).0, 404);
    }
}

#[tokio::test]
async fn element_configuration_definitions() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    for (key, _, _) in CATALOGUE {
        let r = one.get(&format!("{ELEMENTS}/{key}/configuration")).await;
        assert_eq!(r.status, 200, "{key}");
        let defs = r.json();
        let defs = defs.as_array().unwrap();
        let mut ids = std::collections::HashSet::new();
        for (i, d) in defs.iter().enumerate() {
            let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(
                keys,
                [
                    "id",
                    "key",
                    "name",
                    "description",
                    "defaultValue",
                    "configDataType",
                    "mandatory",
                    "internal",
                    "hideFromConsole",
                    "active",
                    "companyConfig",
                    "displayOrder"
                ],
                "{key}"
            );
            assert!(ids.insert(d["id"].as_u64().unwrap()));
            assert_eq!(d["displayOrder"], i + 1);
            assert!(d["defaultValue"].is_null() || d["defaultValue"].is_string());
            assert_eq!(d["active"], true);
            assert_eq!(d["companyConfig"], false);
            let k = d["key"].as_str().unwrap();
            let password = matches!(
                k,
                "password" | "oauth.api.secret" | "event.notification.signature.key"
            );
            assert_eq!(d["configDataType"] == "PASSWORD", password, "{key} {k}");
        }
        let find = |k: &str| defs.iter().find(|d| d["key"] == k).unwrap();
        assert_eq!(find("event.notification.enabled")["defaultValue"], "false");
        assert_eq!(
            find("event.notification.enabled")["configDataType"],
            "BOOLEAN"
        );
        assert_eq!(find("event.vendor.type")["defaultValue"], "polling");
        assert_eq!(find("filter.response.nulls")["defaultValue"], "true");
        assert_eq!(find("event.notification.callback.url")["mandatory"], false);

        // The mandatory keys are exactly what a create requires, in this order.
        let mandatory: Vec<&str> = defs
            .iter()
            .filter(|d| d["mandatory"] == true)
            .map(|d| d["key"].as_str().unwrap())
            .collect();
        let r = one
            .send(
                "POST",
                &format!("{ELEMENTS}/{key}/instances"),
                Some(&json!({})),
            )
            .await;
        assert_eq!(
            platform_error(&r).1,
            format!(
                "Missing required configuration for element '{key}': {}",
                mandatory.join(", ")
            )
        );
    }
}

// ---------------------------------------------------------------------------------
// OAuth

/// `GET /elements/{key}/oauth/url` with this query.
async fn oauth_url(one: &Client, key: &str, query: &str) -> Resp {
    one.get(&format!("{ELEMENTS}/{key}/oauth/url?{query}"))
        .await
}

/// The query pairs of a URL.
fn pairs(url: &Url) -> Vec<(String, String)> {
    url.query_pairs().into_owned().collect()
}

/// A GET of the authorize page (path and query of `url`) on the sandbox: the 302's
/// Location.
async fn authorize(addr: SocketAddr, url: &Url) -> Url {
    let target = format!("{}?{}", url.path(), url.query().unwrap_or(""));
    let r = request(addr, "GET", &target, &[], b"").await;
    assert_eq!(r.status, 302, "{}", r.text());
    assert!(r.body.is_empty());
    Url::parse(r.header("location").expect("a Location")).unwrap()
}

const CALLBACK: &str = "https://app.example/cb?from=oc";

#[tokio::test]
async fn oauth2_end_to_end() {
    let sb = start().await;
    let addr = sb.addr();
    let one = Client::first(addr);
    let host = addr.to_string();
    let query = format!(
        "apiKey=Rand0MAP1-key&apiSecret=fak3AP1-s3Cr3t&callbackUrl={}&scope=api%20refresh_token&subdomain=acme",
        url::form_urlencoded::byte_serialize(CALLBACK.as_bytes()).collect::<String>()
    );
    let r = request(
        addr,
        "GET",
        &format!("{ELEMENTS}/sfdc/oauth/url?{query}"),
        &[("authorization", &one.auth), ("host", &host)],
        b"",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["element"], "sfdc");
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["oauthUrl", "element"]);
    let oauth_url = v["oauthUrl"].as_str().unwrap();
    assert!(
        !oauth_url.contains("fak3AP1"),
        "never the secret: {oauth_url}"
    );
    let url = Url::parse(oauth_url).unwrap();
    assert_eq!(
        format!("{}://{}{}", url.scheme(), url.authority(), url.path()),
        format!("http://{host}/__sandbox/oauth/authorize")
    );
    assert_eq!(
        pairs(&url),
        [
            ("response_type", "code"),
            ("client_id", "Rand0MAP1-key"),
            ("redirect_uri", CALLBACK),
            ("state", "sfdc"),
            ("scope", "api refresh_token"),
            ("element", "sfdc"),
            ("subdomain", "acme"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );

    // The user consents: back to the callback, its own query kept, code and state added.
    let back = authorize(addr, &url).await;
    assert_eq!(back.host_str(), Some("app.example"));
    assert_eq!(back.path(), "/cb");
    let got = pairs(&back);
    assert_eq!(got[0], ("from".to_owned(), "oc".to_owned()));
    assert_eq!(got[1].0, "code");
    assert_eq!(got[2], ("state".to_owned(), "sfdc".to_owned()));
    assert_eq!(got.len(), 3);
    let code = got[1].1.clone();
    assert!(!code.is_empty());
    // Another authorization: another code.
    let again = authorize(addr, &url).await;
    assert_ne!(pairs(&again)[1].1, code);

    // The code creates an instance once.
    let r = one.send("POST", INSTANCES, Some(&sfdc_body(&code))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = one.send("POST", INSTANCES, Some(&sfdc_body(&code))).await;
    let (status, _, provider) = platform_error(&r);
    assert_eq!(status, 400);
    let p: Value = serde_json::from_str(&provider.unwrap()).unwrap();
    assert_eq!(p["error"], "invalid_grant");
}

#[tokio::test]
async fn oauth_url_checks() {
    let sb = start().await;
    let one = Client::first(sb.addr());
    let ok = "apiKey=k&apiSecret=s&callbackUrl=https%3A%2F%2Fapp.example%2Fcb";
    for (query, missing) in [
        ("", "apiKey"),
        ("apiSecret=s&callbackUrl=https://a.example", "apiKey"),
        (
            "apiKey=&apiSecret=s&callbackUrl=https://a.example",
            "apiKey",
        ),
        ("apiKey=k&callbackUrl=https://a.example", "apiSecret"),
        ("apiKey=k&apiSecret=s", "callbackUrl"),
    ] {
        let r = oauth_url(&one, "sfdc", query).await;
        assert_eq!(
            platform_error(&r),
            (400, format!("{missing} is required"), None),
            "{query}"
        );
    }
    let r = oauth_url(&one, "sfdc", "apiKey=k&apiSecret=s&callbackUrl=not-a-url").await;
    assert!(platform_error(&r).1.contains("Invalid callbackUrl"));
    let r = oauth_url(&one, "nope", ok).await;
    assert_eq!(
        platform_error(&r),
        (404, "No element found with key or id nope".to_owned(), None)
    );
    for basic in ["insightly", "5993"] {
        let r = oauth_url(&one, basic, ok).await;
        assert_eq!(
            platform_error(&r),
            (400, "Element insightly does not use OAuth".to_owned(), None)
        );
    }
    // By id; state given; the Host of the request (here "sandbox") is the host.
    let r = oauth_url(&one, "1794", &format!("{ok}&state=xyz%26more")).await;
    assert_eq!(r.status, 200);
    let url = Url::parse(r.json()["oauthUrl"].as_str().unwrap()).unwrap();
    assert_eq!(url.host_str(), Some("sandbox"));
    let got = pairs(&url);
    assert!(got.contains(&("state".to_owned(), "xyz&more".to_owned())));
    assert!(
        !got.iter().any(|(k, _)| k == "scope"),
        "no scope when none given"
    );

    // The POST variant: the same fields in a JSON body, the same answer.
    let body = json!({"apiKey": "k", "apiSecret": "s", "callbackUrl": "https://app.example/cb",
        "state": "xyz&more", "siteAddress": "ignored", "isOAuthProxy": false});
    let r = one
        .send("POST", &format!("{ELEMENTS}/sfdc/oauth/url"), Some(&body))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["oauthUrl"], url.as_str());
    for (body, message) in [
        (
            json!({"apiKey": "k", "apiSecret": "s"}),
            "callbackUrl is required",
        ),
        (
            json!({"apiKey": 1, "apiSecret": "s", "callbackUrl": "https://a"}),
            "apiKey must be a string, not a number",
        ),
    ] {
        let r = one
            .send("POST", &format!("{ELEMENTS}/sfdc/oauth/url"), Some(&body))
            .await;
        assert_eq!(platform_error(&r), (400, message.to_owned(), None));
    }
    let r = request(
        sb.addr(),
        "POST",
        &format!("{ELEMENTS}/sfdc/oauth/url"),
        &[("authorization", &one.auth)],
        b"{}",
    )
    .await;
    assert_eq!(platform_error(&r).0, 415);
    // Authorization first.
    let r = request(
        sb.addr(),
        "GET",
        &format!("{ELEMENTS}/sfdc/oauth/url?{ok}"),
        &[],
        b"",
    )
    .await;
    assert_eq!(platform_error(&r).0, 401);
}

#[tokio::test]
async fn denied_authorizations_are_staged() {
    let sb = start().await;
    let addr = sb.addr();
    let one = Client::first(addr);
    let r = oauth_url(
        &one,
        "zendesk",
        "apiKey=k&apiSecret=s&callbackUrl=https%3A%2F%2Fapp.example%2Fcb&state=s1",
    )
    .await;
    let url = Url::parse(r.json()["oauthUrl"].as_str().unwrap()).unwrap();

    let r = control(addr, "/__sandbox/oauth", r#"{"deny": 2}"#).await;
    assert_eq!((r.status, r.json()), (200, json!({"deny": 2})));
    for _ in 0..2 {
        let target = format!("{}?{}", url.path(), url.query().unwrap());
        let r = request(addr, "GET", &target, &[], b"").await;
        assert_eq!(r.status, 302);
        assert_eq!(
            r.header("location"),
            Some(
                "https://app.example/cb?error=access_denied&error_description=The+user+denied+access&state=s1"
            )
        );
    }
    let back = authorize(addr, &url).await;
    assert_eq!(pairs(&back)[0].0, "code", "the third is granted");

    // 0 clears; reset clears.
    control(addr, "/__sandbox/oauth", r#"{"deny": 5}"#).await;
    control(addr, "/__sandbox/oauth", r#"{"deny": 0}"#).await;
    assert_eq!(pairs(&authorize(addr, &url).await)[0].0, "code");
    control(addr, "/__sandbox/oauth", r#"{"deny": 5}"#).await;
    control(addr, "/__sandbox/reset", "").await;
    assert_eq!(pairs(&authorize(addr, &url).await)[0].0, "code");

    for bad in [
        r#"{"denied": 1}"#,
        r#"{"deny": -1}"#,
        r#"{"deny": "1"}"#,
        "[1]",
        "{",
    ] {
        let r = control(addr, "/__sandbox/oauth", bad).await;
        assert_eq!(r.status, 400, "{bad}");
        assert!(r.json()["error"].is_string());
    }
}

#[tokio::test]
async fn the_authorize_page_needs_a_redirect_uri() {
    let sb = start().await;
    let addr = sb.addr();
    for query in [
        "",
        "?response_type=code",
        "?redirect_uri=",
        "?redirect_uri=%2Fcb",
        "?redirect_uri=not%20a%20url",
    ] {
        let r = request(
            addr,
            "GET",
            &format!("/__sandbox/oauth/authorize{query}"),
            &[],
            b"",
        )
        .await;
        assert_eq!(r.status, 400, "{query}");
        assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
        assert!(r.text().contains("redirect_uri"), "{}", r.text());
    }
    // No state given: none added. Not journaled (control namespace), no credentials needed.
    let r = request(
        addr,
        "GET",
        "/__sandbox/oauth/authorize?redirect_uri=myapp%3A%2F%2Fcallback",
        &[],
        b"",
    )
    .await;
    assert_eq!(r.status, 302);
    let location = r.header("location").unwrap();
    assert!(location.starts_with("myapp://callback?code="), "{location}");
    assert!(!location.contains("state"));
    assert!(journal(addr).await.is_empty());
    let r = request(addr, "POST", "/__sandbox/oauth/authorize", &[], b"").await;
    assert_eq!((r.status, r.header("allow")), (405, Some("GET")));
    let r = request(addr, "GET", "/__sandbox/oauth", &[], b"").await;
    assert_eq!((r.status, r.header("allow")), (405, Some("POST")));
}

#[tokio::test]
async fn oauth1_end_to_end() {
    let sb = start().await;
    let addr = sb.addr();
    let one = Client::first(addr);
    let ok = "apiKey=k&apiSecret=s&callbackUrl=https%3A%2F%2Fapp.example%2Fcb";
    let token_path = format!("{ELEMENTS}/evernote/oauth/token?{ok}");
    let r = one.get(&token_path).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.json();
    let keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["token", "secret"]);
    let (token, secret) = (t["token"].as_str().unwrap(), t["secret"].as_str().unwrap());
    assert_ne!(token, secret);
    assert_ne!(one.get(&token_path).await.json()["token"], token);
    for key in ["sfdc", "insightly"] {
        let r = one.get(&format!("{ELEMENTS}/{key}/oauth/token?{ok}")).await;
        assert_eq!(
            platform_error(&r),
            (400, format!("Element {key} does not use OAuth 1"), None)
        );
    }
    let r = one
        .get(&format!(
            "{ELEMENTS}/evernote/oauth/token?apiKey=k&apiSecret=s"
        ))
        .await;
    assert_eq!(
        platform_error(&r),
        (400, "callbackUrl is required".to_owned(), None)
    );

    // The OAuth URL needs the request token.
    let r = oauth_url(&one, "evernote", ok).await;
    assert!(platform_error(&r).1.starts_with("requestToken is required"));
    let r = oauth_url(&one, "3131", &format!("{ok}&requestToken={token}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let url = Url::parse(r.json()["oauthUrl"].as_str().unwrap()).unwrap();
    assert_eq!(
        pairs(&url),
        [
            ("oauth_token", token),
            ("redirect_uri", "https://app.example/cb"),
            ("element", "evernote"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    let back = authorize(addr, &url).await;
    let got = pairs(&back);
    assert_eq!(got[0], ("oauth_token".to_owned(), token.to_owned()));
    assert_eq!(got[1].0, "oauth_verifier");
    assert_eq!(got.len(), 2);
    let verifier = got[1].1.clone();

    let body = |secret: &str, verifier: &str| {
        json!({"element": {"key": "evernote"}, "configuration": {"oauth.api.key": "k",
            "oauth.api.secret": "s", "oauth.callback.url": "https://app.example/cb"},
            "providerData": {"secret": secret, "oauth_token": token, "oauth_verifier": verifier}})
    };
    // A secret that is not the token's: refused, and the verifier is not used up.
    let r = one
        .send("POST", INSTANCES, Some(&body("wrong", &verifier)))
        .await;
    let (status, message, provider) = platform_error(&r);
    assert_eq!(status, 400);
    assert!(message.contains("OAuth 1"), "{message}");
    let p: Value = serde_json::from_str(&provider.unwrap()).unwrap();
    assert_eq!(p["error"], "signature_invalid");
    let r = one
        .send("POST", INSTANCES, Some(&body(secret, &verifier)))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let instance = r.json();
    assert_eq!(instance["element"]["authentication"]["type"], "oauth1");
    assert!(instance.get("providerData").is_none());
    let r = one
        .send("POST", INSTANCES, Some(&body(secret, &verifier)))
        .await;
    assert_eq!(platform_error(&r).0, 400, "a verifier is single-use");

    // Missing parts are named; providerData.code is accepted too.
    let mut partial = body(secret, "v2");
    partial["providerData"] = json!({"oauth_token": token});
    let r = one.send("POST", INSTANCES, Some(&partial)).await;
    assert!(
        platform_error(&r)
            .1
            .starts_with("Missing providerData.oauth_verifier, providerData.secret:")
    );
    partial["providerData"] = json!({"code": "evernote-code"});
    assert_eq!(
        one.send("POST", INSTANCES, Some(&partial)).await.status,
        200
    );
    // Re-authentication of an OAuth 1 instance with a fresh verifier.
    let path = format!("{INSTANCES}/{}?reAuthenticate=true", id_of(&instance));
    let fresh = pairs(&authorize(addr, &url).await)[1].1.clone();
    let r = one
        .send(
            "PUT",
            &path,
            Some(&json!({"providerData": {"secret": secret, "oauth_token": token, "oauth_verifier": fresh}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = one.send("PUT", &path, Some(&json!({}))).await;
    assert!(
        platform_error(&r)
            .1
            .starts_with("providerData.code is required to re-authenticate")
    );
}

// ---------------------------------------------------------------------------------
// Pagination quirks

#[tokio::test]
async fn repeat_token_makes_every_page_carry_the_same_token() {
    let sb = start().await;
    let addr = sb.addr();
    let one = Client::first(addr);
    create_many(addr, 3).await;
    let r = control(addr, "/__sandbox/pagination", r#"{"repeat_token": true}"#).await;
    assert_eq!(
        (r.status, r.json()),
        (200, json!({"repeat_token": true, "omit_total": false}))
    );
    // No nextPage: a fixed token, the first page's.
    let r = one.get(&format!("{INSTANCES}?pageSize=2")).await;
    let token = r.header("elements-next-page-token").unwrap().to_owned();
    assert_eq!(ids(&r), [477_858, 477_859]);
    // Following it: the first page again, with the same token, forever.
    for _ in 0..3 {
        let r = one
            .get(&format!("{INSTANCES}?pageSize=2&{}", next_page(&token)))
            .await;
        assert_eq!(ids(&r), [477_858, 477_859]);
        assert_eq!(r.header("elements-next-page-token"), Some(token.as_str()));
    }
    // A short page, and the catalogue, carry the request's token too.
    let r = one.get(INSTANCES).await;
    assert_eq!(ids(&r).len(), 3);
    assert_eq!(r.header("elements-next-page-token"), Some(token.as_str()));
    let r = one.get(&format!("{ELEMENTS}?pageSize=4")).await;
    let elements_token = r.header("elements-next-page-token").unwrap().to_owned();
    let r = one
        .get(&format!(
            "{ELEMENTS}?pageSize=4&{}",
            next_page(&elements_token)
        ))
        .await;
    assert_eq!(r.json()[0]["key"], "zendesk", "the first page again");
    assert_eq!(
        r.header("elements-next-page-token"),
        Some(elements_token.as_str())
    );

    // {} restores the normal behaviour.
    control(addr, "/__sandbox/pagination", "{}").await;
    let r = one.get(INSTANCES).await;
    assert_eq!(r.header("elements-next-page-token"), None);
}

#[tokio::test]
async fn omit_total_drops_the_total_count() {
    let sb = start().await;
    let addr = sb.addr();
    let one = Client::first(addr);
    create_many(addr, 1).await;
    control(addr, "/__sandbox/pagination", r#"{"omit_total": true}"#).await;
    for path in [INSTANCES, ELEMENTS] {
        let r = one.get(path).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("elements-total-count"), None, "{path}");
        assert!(r.header("elements-returned-count").is_some());
    }
    // Reset restores it.
    control(addr, "/__sandbox/reset", "").await;
    assert_eq!(
        one.get(ELEMENTS).await.header("elements-total-count"),
        Some("10")
    );
    for bad in [
        r#"{"repeat": true}"#,
        r#"{"omit_total": 1}"#,
        r#"{"repeat_token": "yes"}"#,
        "[]",
        "nope",
    ] {
        let r = control(addr, "/__sandbox/pagination", bad).await;
        assert_eq!(r.status, 400, "{bad}");
        assert!(r.json()["error"].is_string());
    }
    let r = request(addr, "GET", "/__sandbox/pagination", &[], b"").await;
    assert_eq!((r.status, r.header("allow")), (405, Some("POST")));
}

#[tokio::test]
async fn new_routes_are_journaled_and_faultable() {
    let sb = start().await;
    let addr = sb.addr();
    let one = Client::first(addr);
    control(
        addr,
        "/__sandbox/faults",
        &json!({"method": "GET", "path": ELEMENTS, "status": 503}).to_string(),
    )
    .await;
    assert_eq!(one.get(&format!("{ELEMENTS}?pageSize=2")).await.status, 503);
    assert_eq!(one.get(&format!("{ELEMENTS}?pageSize=2")).await.status, 200);
    let j = journal(addr).await;
    assert_eq!(j.len(), 2);
    assert_eq!(j[0]["path"], ELEMENTS);
    assert_eq!(j[0]["query"], "pageSize=2");
}
