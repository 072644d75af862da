//! The CRM hub over real sockets: instance-scoped authorization, records, lists
//! (pagination, OCNQL `where`, `orderBy`, `fields`), seeding, and webhook delivery
//! to a loopback receiver (tests/sandbox/README.md, "CRM hub").

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::*;
use hmac::{Hmac, Mac};
use open_connectors_sandbox::{Config, Sandbox};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const INSTANCES: &str = "/elements/api-v2/instances";
const CONTACTS: &str = "/elements/api-v2/hubs/crm/contacts";
const ACCOUNTS: &str = "/elements/api-v2/hubs/crm/accounts";

async fn start() -> Sandbox {
    Sandbox::start(Config::default()).await.unwrap()
}

/// An insightly instance with `extra` configuration; its `(id, token)`.
async fn instance_with(addr: SocketAddr, extra: Value) -> (u64, String) {
    let mut configuration = json!({"username": "u", "password": "p"});
    for (k, v) in extra.as_object().unwrap() {
        configuration[k] = v.clone();
    }
    let body = json!({"element": {"key": "insightly"}, "configuration": configuration});
    let r = post_json(addr, INSTANCES, &body.to_string()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    (
        v["id"].as_u64().unwrap(),
        v["token"].as_str().unwrap().to_owned(),
    )
}

async fn instance(addr: SocketAddr) -> (u64, String) {
    instance_with(addr, json!({})).await
}

fn element_auth(token: &str) -> String {
    format!("User {USER}, Organization {ORG}, Element {token}")
}

/// A hub call with the instance's token (and a JSON body when given).
async fn hub(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> Resp {
    let auth = element_auth(token);
    let text = body.map(Value::to_string).unwrap_or_default();
    let mut headers = vec![("authorization", auth.as_str())];
    if body.is_some() {
        headers.push(("content-type", "application/json"));
    }
    request(addr, method, path, &headers, text.as_bytes()).await
}

async fn get(addr: SocketAddr, path: &str, token: &str) -> Resp {
    hub(addr, "GET", path, token, None).await
}

/// `path?name=value&...`, values percent-encoded.
fn with_query(path: &str, params: &[(&str, &str)]) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("{path}?{query}")
}

async fn seed(addr: SocketAddr, token: &str, object: &str, count: u64) -> Value {
    let body = json!({"token": token, "object": object, "count": count});
    let r = control(addr, "/__sandbox/hub/seed", &body.to_string()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

fn ids(r: &Resp) -> Vec<u64> {
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect()
}

// ---------------------------------------------------------------------------------
// Authorization

#[tokio::test]
async fn hub_calls_need_the_element_token_of_an_enabled_instance() {
    let sb = start().await;
    let addr = sb.addr();
    let (id, token) = instance(addr).await;
    let ok = get(addr, CONTACTS, &token).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(
        ok.header("elements-element-instance-id"),
        Some(id.to_string().as_str())
    );
    assert!(is_request_id(ok.header("elements-request-id").unwrap()));

    // No Authorization, no Element part, a wrong token: 401 with the platform body.
    let r = request(addr, "GET", CONTACTS, &[], b"").await;
    let (status, message, _) = platform_error(&r);
    assert_eq!(status, 401);
    assert!(message.contains("Element <instance token>"), "{message}");
    let r = request(addr, "GET", CONTACTS, &[("authorization", &auth())], b"").await;
    let (status, message, _) = platform_error(&r);
    assert_eq!(
        (status, message.starts_with("Missing Element token")),
        (401, true),
        "{message}"
    );
    let r = get(addr, CONTACTS, "bm90IGEgdG9rZW4=").await;
    let (status, message, _) = platform_error(&r);
    assert_eq!(
        (status, message.starts_with("Invalid Element token")),
        (401, true),
        "{message}"
    );
    // Wrong secrets with a good token.
    let bad = format!("User x, Organization {ORG}, Element {token}");
    let r = request(addr, "GET", CONTACTS, &[("authorization", &bad)], b"").await;
    assert_eq!(platform_error(&r).0, 401);
    // The token of another organization's instance.
    let other = format!("User {USER2}, Organization {ORG2}, Element {token}");
    let r = request(addr, "GET", CONTACTS, &[("authorization", &other)], b"").await;
    assert_eq!(platform_error(&r).0, 401);
    // `User, Element` without Organization, as many platform examples write it.
    let short = format!("Element {token}, User {USER}");
    let r = request(addr, "GET", CONTACTS, &[("authorization", &short)], b"").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let short = format!("User {USER2}, Element {token}");
    let r = request(addr, "GET", CONTACTS, &[("authorization", &short)], b"").await;
    assert_eq!(platform_error(&r).0, 401);

    // Disabled: 403 on every hub route; enabled again: 200.
    let r = request(
        addr,
        "DELETE",
        &format!("{INSTANCES}/{id}/enabled"),
        &[("authorization", &auth())],
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    for (method, path) in [
        ("GET", CONTACTS.to_owned()),
        ("GET", format!("{CONTACTS}/1")),
        ("DELETE", format!("{ACCOUNTS}/1")),
    ] {
        let r = hub(addr, method, &path, &token, None).await;
        let (status, message, _) = platform_error(&r);
        assert_eq!(status, 403, "{method} {path}");
        assert!(message.contains("disabled"), "{message}");
    }
    let r = hub(
        addr,
        "POST",
        CONTACTS,
        &token,
        Some(&json!({"firstName": "x"})),
    )
    .await;
    assert_eq!(platform_error(&r).0, 403);
    request(
        addr,
        "PUT",
        &format!("{INSTANCES}/{id}/enabled"),
        &[("authorization", &auth())],
        b"",
    )
    .await;
    assert_eq!(get(addr, CONTACTS, &token).await.status, 200);

    // A deleted instance's token: 401.
    request(
        addr,
        "DELETE",
        &format!("{INSTANCES}/{id}"),
        &[("authorization", &auth())],
        b"",
    )
    .await;
    assert_eq!(platform_error(&get(addr, CONTACTS, &token).await).0, 401);
}

#[tokio::test]
async fn hub_routes_and_methods() {
    let sb = start().await;
    let addr = sb.addr();
    let (_, token) = instance(addr).await;
    // The hub segment is ignored; unknown objects are 404; PUT is not a hub method.
    assert_eq!(
        get(addr, "/elements/api-v2/hubs/anything/contacts", &token)
            .await
            .status,
        200
    );
    let r = get(addr, "/elements/api-v2/hubs/crm/leads", &token).await;
    assert_eq!(platform_error(&r).0, 404);
    let r = hub(
        addr,
        "PUT",
        &format!("{CONTACTS}/1"),
        &token,
        Some(&json!({})),
    )
    .await;
    assert_eq!(platform_error(&r).0, 405);
    assert_eq!(r.header("allow"), Some("GET, PATCH, DELETE"));
    let r = hub(addr, "DELETE", CONTACTS, &token, None).await;
    assert_eq!(r.header("allow"), Some("GET, POST"));
    // 405 and 404 of the path come before the 401.
    let r = request(addr, "PUT", CONTACTS, &[], b"").await;
    assert_eq!(r.status, 405);
}

// ---------------------------------------------------------------------------------
// Records

#[tokio::test]
async fn records_are_created_read_merged_and_deleted() {
    let sb = start().await;
    let addr = sb.addr();
    let (_, token) = instance(addr).await;
    let contact = json!({"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com",
        "address": {"city": "London", "street": "1 St James's Square"}, "score": 99,
        "active": true, "accountId": 3, "id": 777, "createdDate": "1815-12-10T00:00:00Z",
        "nickname": null});
    let r = hub(addr, "POST", CONTACTS, &token, Some(&contact)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let created = r.json();
    assert_eq!(created["id"], 1, "the server gives the id");
    assert_eq!(created["firstName"], "Ada");
    assert_eq!(created["address"]["city"], "London");
    let date = created["createdDate"].as_str().unwrap();
    assert!(date.starts_with("20") && date.ends_with('Z'), "{date}");
    assert_eq!(created["modifiedDate"], created["createdDate"]);
    assert!(
        created.get("nickname").is_none(),
        "nulls left out (filter.response.nulls)"
    );
    let second = hub(
        addr,
        "POST",
        CONTACTS,
        &token,
        Some(&json!({"firstName": "Alan"})),
    )
    .await;
    assert_eq!(second.json()["id"], 2);

    let r = get(addr, &format!("{CONTACTS}/1"), &token).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), created);
    let r = get(
        addr,
        &format!("{CONTACTS}/1?fields=firstName,address.city"),
        &token,
    )
    .await;
    assert_eq!(
        r.json(),
        json!({"firstName": "Ada", "address": {"city": "London"}})
    );

    // PATCH is a JSON merge patch; id and dates stay the server's.
    let patch = json!({"address": {"city": "Marylebone", "street": null}, "score": 100,
        "lastName": null, "title": "Countess", "id": 5});
    let r = hub(
        addr,
        "PATCH",
        &format!("{CONTACTS}/1"),
        &token,
        Some(&patch),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let updated = r.json();
    assert_eq!(updated["id"], 1);
    assert_eq!(updated["address"], json!({"city": "Marylebone"}));
    assert_eq!(updated["score"], 100);
    assert!(updated.get("lastName").is_none());
    assert_eq!(updated["title"], "Countess");
    assert_eq!(updated["createdDate"], created["createdDate"]);
    assert_eq!(
        get(addr, &format!("{CONTACTS}/1"), &token).await.json(),
        updated
    );

    // Errors: unknown ids (404), bodies that are not objects (400), no JSON (415).
    for path in ["/9", "/0", "/abc", "/-1"] {
        let r = get(addr, &format!("{CONTACTS}{path}"), &token).await;
        let (status, message, _) = platform_error(&r);
        assert_eq!(status, 404, "{path}");
        assert_eq!(message, format!("No contact found with ID {}", &path[1..]));
    }
    let r = hub(
        addr,
        "PATCH",
        &format!("{ACCOUNTS}/1"),
        &token,
        Some(&json!({})),
    )
    .await;
    assert_eq!(platform_error(&r).1, "No account found with ID 1");
    for body in [json!([1]), json!("x"), json!(null), json!(5)] {
        let r = hub(addr, "POST", CONTACTS, &token, Some(&body)).await;
        assert_eq!(platform_error(&r).0, 400, "{body}");
        let r = hub(addr, "PATCH", &format!("{CONTACTS}/1"), &token, Some(&body)).await;
        assert_eq!(platform_error(&r).0, 400, "{body}");
    }
    let auth = element_auth(&token);
    let r = request(
        addr,
        "POST",
        CONTACTS,
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        b"{",
    )
    .await;
    assert_eq!(platform_error(&r).0, 400);
    let r = request(addr, "POST", CONTACTS, &[("authorization", &auth)], b"{}").await;
    assert_eq!(platform_error(&r).0, 415);

    // DELETE: 200 with an empty body, then 404.
    let r = hub(addr, "DELETE", &format!("{CONTACTS}/1"), &token, None).await;
    assert_eq!((r.status, r.body.len()), (200, 0));
    assert_eq!(
        platform_error(&get(addr, &format!("{CONTACTS}/1"), &token).await).0,
        404
    );
    assert_eq!(ids(&get(addr, CONTACTS, &token).await), [2]);
    // Ids are not reused.
    let r = hub(
        addr,
        "POST",
        CONTACTS,
        &token,
        Some(&json!({"firstName": "Grace"})),
    )
    .await;
    assert_eq!(r.json()["id"], 3);

    // Each instance has its own records; the hub requests are journaled.
    let (_, other) = instance(addr).await;
    assert!(ids(&get(addr, CONTACTS, &other).await).is_empty());
    let j = journal(addr).await;
    let hub_calls = j
        .iter()
        .filter(|e| e["path"].as_str().unwrap().contains("/hubs/"))
        .count();
    assert!(hub_calls > 10, "{hub_calls}");
    let entry = j.iter().find(|e| e["method"] == "PATCH").unwrap();
    assert_eq!(entry["json"]["title"], "Countess");
    assert_eq!(entry["headers"]["authorization"], element_auth(&token));
}

#[tokio::test]
async fn nulls_are_kept_when_the_instance_says_so() {
    let sb = start().await;
    let addr = sb.addr();
    let (_, token) = instance_with(addr, json!({"filter.response.nulls": false})).await;
    let r = hub(
        addr,
        "POST",
        ACCOUNTS,
        &token,
        Some(&json!({"name": "Acme", "industry": null})),
    )
    .await;
    assert_eq!(r.json()["industry"], Value::Null);
    assert!(r.json().as_object().unwrap().contains_key("industry"));
}

// ---------------------------------------------------------------------------------
// Lists

#[tokio::test]
async fn lists_page_with_cursor_tokens() {
    let sb = start().await;
    let addr = sb.addr();
    let (_, token) = instance(addr).await;
    seed(addr, &token, "contacts", 400).await;

    // Default pageSize 200; a full page has a token; the total is given.
    let r = get(addr, CONTACTS, &token).await;
    assert_eq!(ids(&r), (1..=200).collect::<Vec<_>>());
    assert_eq!(r.header("elements-returned-count"), Some("200"));
    assert_eq!(r.header("elements-total-count"), Some("400"));
    let t1 = r.header("elements-next-page-token").unwrap().to_owned();
    let r = get(addr, &with_query(CONTACTS, &[("nextPage", &t1)]), &token).await;
    assert_eq!(ids(&r), (201..=400).collect::<Vec<_>>());
    // Full, though nothing follows: a token all the same, and then an empty page.
    let t2 = r.header("elements-next-page-token").unwrap().to_owned();
    let r = get(addr, &with_query(CONTACTS, &[("nextPage", &t2)]), &token).await;
    assert_eq!(r.json(), json!([]));
    assert_eq!(r.header("elements-returned-count"), Some("0"));
    assert_eq!(r.header("elements-next-page-token"), None);

    // A short page has no token.
    let r = get(
        addr,
        &with_query(CONTACTS, &[("pageSize", "150"), ("nextPage", &t1)]),
        &token,
    )
    .await;
    assert_eq!(ids(&r).len(), 150);
    let t3 = r.header("elements-next-page-token").unwrap().to_owned();
    let r = get(
        addr,
        &with_query(CONTACTS, &[("pageSize", "150"), ("nextPage", &t3)]),
        &token,
    )
    .await;
    assert_eq!(ids(&r), (351..=400).collect::<Vec<_>>());
    assert_eq!(r.header("elements-next-page-token"), None);

    // pageSize bounds: 5000 is the maximum.
    let r = get(addr, &with_query(CONTACTS, &[("pageSize", "5000")]), &token).await;
    assert_eq!(ids(&r).len(), 400);
    for bad in ["5001", "0", "x", "-1", ""] {
        let r = get(addr, &with_query(CONTACTS, &[("pageSize", bad)]), &token).await;
        let (status, message, _) = platform_error(&r);
        assert_eq!(status, 400, "{bad}");
        assert!(message.contains("from 1 to 5000"), "{message}");
    }
    // Tokens of nothing, of another object or of another instance are refused.
    let (_, other) = instance(addr).await;
    for (path, t, tok) in [
        (CONTACTS, "bm9wZQ==", token.as_str()),
        (ACCOUNTS, t1.as_str(), token.as_str()),
        (CONTACTS, t1.as_str(), other.as_str()),
    ] {
        let r = get(addr, &with_query(path, &[("nextPage", t)]), tok).await;
        assert_eq!(platform_error(&r).1, "Invalid nextPage token");
    }
    // page (offset pagination in the OCNQL docs) counts pages from 1.
    let r = get(
        addr,
        &with_query(CONTACTS, &[("pageSize", "100"), ("page", "3")]),
        &token,
    )
    .await;
    assert_eq!(ids(&r), (201..=300).collect::<Vec<_>>());
    let t = r.header("elements-next-page-token").unwrap().to_owned();
    let r = get(
        addr,
        &with_query(CONTACTS, &[("pageSize", "100"), ("nextPage", &t)]),
        &token,
    )
    .await;
    assert_eq!(ids(&r), (301..=400).collect::<Vec<_>>());
    // The staged pagination quirks apply to hub lists too.
    control(
        addr,
        "/__sandbox/pagination",
        r#"{"omit_total": true, "repeat_token": true}"#,
    )
    .await;
    let r = get(
        addr,
        &with_query(CONTACTS, &[("pageSize", "10"), ("nextPage", &t1)]),
        &token,
    )
    .await;
    assert_eq!(r.header("elements-total-count"), None);
    assert_eq!(r.header("elements-next-page-token"), Some(t1.as_str()));
}

#[tokio::test]
async fn lists_filter_sort_and_project() {
    let sb = start().await;
    let addr = sb.addr();
    let (_, token) = instance(addr).await;
    seed(addr, &token, "contacts", 1_000).await;
    let list = |params: Vec<(&'static str, String)>| {
        let token = token.clone();
        async move {
            let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            get(addr, &with_query(CONTACTS, &pairs), &token).await
        }
    };
    let all: Vec<Value> = {
        let r = list(vec![("pageSize", "5000".into())]).await;
        r.json().as_array().unwrap().clone()
    };
    assert_eq!(all.len(), 1_000);
    let expect = |pred: &dyn Fn(&Value) -> bool| -> Vec<u64> {
        all.iter()
            .filter(|c| pred(c))
            .map(|c| c["id"].as_u64().unwrap())
            .collect()
    };
    let cases: Vec<(&str, Vec<u64>)> = vec![
        (
            "score >= 90 AND active = true",
            expect(&|c| c["score"].as_u64().unwrap() >= 90 && c["active"] == true),
        ),
        (
            "address.city = 'São Paulo' OR `address.city` = 'Paris'",
            expect(&|c| c["address"]["city"] == "São Paulo" || c["address"]["city"] == "Paris"),
        ),
        (
            "lastName LIKE 'O%Neil'",
            expect(&|c| c["lastName"] == "O'Neil"),
        ),
        (
            "email LIKE 'ada.%'",
            expect(&|c| c["email"].as_str().unwrap().starts_with("ada.")),
        ),
        (
            "title IN ('CEO', 'CTO') AND (score < 10 OR score > 95)",
            expect(&|c| {
                (c["title"] == "CEO" || c["title"] == "CTO") && {
                    let s = c["score"].as_u64().unwrap();
                    !(10..=95).contains(&s)
                }
            }),
        ),
        ("phone IS NULL", expect(&|c| c.get("phone").is_none())),
        (
            "createdDate >= '2024-01-03T00:00:00Z' AND id != 300",
            expect(&|c| {
                c["createdDate"].as_str().unwrap() >= "2024-01-03T00:00:00Z" && c["id"] != 300
            }),
        ),
        (
            "accountId <= 3",
            expect(&|c| c["accountId"].as_u64().unwrap() <= 3),
        ),
    ];
    for (q, want) in cases {
        assert!(!want.is_empty(), "{q} matches nothing");
        let r = list(vec![("where", q.into()), ("pageSize", "5000".into())]).await;
        assert_eq!(r.status, 200, "{q}: {}", r.text());
        assert_eq!(ids(&r), want, "{q}");
        assert_eq!(
            r.header("elements-total-count"),
            Some(want.len().to_string().as_str()),
            "{q}"
        );
    }
    // A filtered list pages with tokens too, and the total counts every match.
    let q = "active = true";
    let want = expect(&|c| c["active"] == true);
    let mut got: Vec<u64> = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut params = vec![("where", q.into()), ("pageSize", "100".into())];
        if let Some(t) = &next {
            params.push(("nextPage", t.clone()));
        }
        let r = list(params).await;
        assert_eq!(
            r.header("elements-total-count"),
            Some(want.len().to_string().as_str())
        );
        let page = ids(&r);
        got.extend(&page);
        match r.header("elements-next-page-token") {
            Some(t) if !page.is_empty() => next = Some(t.to_owned()),
            _ => break,
        }
    }
    assert_eq!(got, want);

    // orderBy: several keys, ties broken by id; pages by offset.
    let r = list(vec![
        ("orderBy", "score desc, lastName asc".into()),
        ("pageSize", "5000".into()),
    ])
    .await;
    let sorted: Vec<(u64, String, u64)> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["score"].as_u64().unwrap(),
                c["lastName"].as_str().unwrap().to_owned(),
                c["id"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut want = sorted.clone();
    want.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    assert_eq!(sorted, want);
    let first = list(vec![
        ("orderBy", "score desc, lastName asc".into()),
        ("pageSize", "300".into()),
    ])
    .await;
    let t = first.header("elements-next-page-token").unwrap().to_owned();
    let second = list(vec![
        ("orderBy", "score desc, lastName asc".into()),
        ("pageSize", "300".into()),
        ("nextPage", t.clone()),
    ])
    .await;
    let page_ids: Vec<u64> = ids(&first).into_iter().chain(ids(&second)).collect();
    assert_eq!(
        page_ids,
        sorted.iter().take(600).map(|s| s.2).collect::<Vec<_>>()
    );
    // A token of a sorted list is no use without its orderBy.
    let r = list(vec![("nextPage", t)]).await;
    assert_eq!(platform_error(&r).0, 400);

    // fields: a projection, nested names kept nested.
    let r = list(vec![
        ("fields", "id,address.city,`firstName`".into()),
        ("pageSize", "2".into()),
    ])
    .await;
    assert_eq!(
        r.json(),
        json!([{"id": 1, "address": {"city": "São Paulo"}, "firstName": "Alan"},
               {"id": 2, "address": {"city": "Bangalore"}, "firstName": "Grace"}])
    );

    // Bad queries: 400 naming the problem.
    for (params, needle) in [
        (vec![("where", "score >")], "Invalid where"),
        (vec![("where", "firstName = \"Ada\"")], "double quotes"),
        (vec![("where", "lastName = 'O\\'Neil'")], "cannot parse"),
        (
            vec![("where", "lastName = 'O''Neil'")],
            "documents no escape",
        ),
        (vec![("where", "phone IS NOT NULL")], "IS NOT NULL"),
        (
            vec![("where", "score = 1; DROP TABLE contacts")],
            "one condition",
        ),
        (vec![("orderBy", "score sideways")], "Invalid orderBy"),
        (vec![("fields", "first name")], "Invalid fields"),
        (vec![("where", "a = 1"), ("where", "b = 2")], "at most once"),
        (vec![("page", "0")], "Invalid page"),
    ] {
        let pairs: Vec<(&str, String)> =
            params.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        let r = list(pairs).await;
        let (status, message, _) = platform_error(&r);
        assert_eq!(status, 400, "{params:?}");
        assert!(message.contains(needle), "{params:?}: {message}");
    }
    // An empty where is no filter.
    assert_eq!(ids(&list(vec![("where", " ".into())]).await).len(), 200);
}

// ---------------------------------------------------------------------------------
// Seeding

#[tokio::test]
async fn seeding_is_deterministic_and_fast() {
    let sb = start().await;
    let addr = sb.addr();
    let (id, token) = instance(addr).await;
    let started = Instant::now();
    let v = seed(addr, &token, "contacts", 100_000).await;
    let seeding = started.elapsed();
    assert_eq!(
        v,
        json!({"instance_id": id, "object": "contacts", "created": 100_000, "first_id": 1,
               "last_id": 100_000, "total": 100_000})
    );
    let started = Instant::now();
    let r = get(
        addr,
        &with_query(CONTACTS, &[("pageSize", "5000"), ("nextPage", "")]),
        &token,
    )
    .await;
    let page = started.elapsed();
    assert_eq!(r.status, 200);
    assert_eq!(ids(&r).len(), 5_000);
    let started = Instant::now();
    let r = get(
        addr,
        &with_query(
            CONTACTS,
            &[
                ("pageSize", "5000"),
                ("where", "address.city = 'Paris' AND score > 50"),
            ],
        ),
        &token,
    )
    .await;
    let filtered = started.elapsed();
    assert_eq!(r.status, 200);
    let started = Instant::now();
    let r = get(
        addr,
        &with_query(
            CONTACTS,
            &[("pageSize", "5000"), ("orderBy", "lastName desc, email")],
        ),
        &token,
    )
    .await;
    let sorted = started.elapsed();
    assert_eq!(r.status, 200);
    println!(
        "seed 100000 contacts: {seeding:?}; page of 5000: {page:?}; filtered page over 100000: {filtered:?}; sorted page over 100000: {sorted:?}"
    );
    assert!(seeding < Duration::from_secs(1), "seeding took {seeding:?}");

    // The same input gives the same records, in another instance and another sandbox.
    let (_, second) = instance(addr).await;
    seed(addr, &second, "contacts", 300).await;
    let other = start().await;
    let (_, third) = instance(other.addr()).await;
    seed(other.addr(), &third, "contacts", 300).await;
    let a = get(addr, &with_query(CONTACTS, &[("pageSize", "300")]), &token)
        .await
        .json();
    let b = get(addr, &with_query(CONTACTS, &[("pageSize", "300")]), &second)
        .await
        .json();
    let c = get(
        other.addr(),
        &with_query(CONTACTS, &[("pageSize", "300")]),
        &third,
    )
    .await
    .json();
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_eq!(a[16]["lastName"], "Turing");
    // Seeding appends with the next ids; a created record continues them.
    let v = seed(addr, &second, "contacts", 5).await;
    assert_eq!(
        (
            v["first_id"].clone(),
            v["last_id"].clone(),
            v["total"].clone()
        ),
        (json!(301), json!(305), json!(305))
    );
    let r = hub(
        addr,
        "POST",
        CONTACTS,
        &second,
        Some(&json!({"firstName": "New"})),
    )
    .await;
    assert_eq!(r.json()["id"], 306);
    // A seeded record updated becomes a stored one, with its other fields kept.
    let r = hub(
        addr,
        "PATCH",
        &format!("{CONTACTS}/17"),
        &second,
        Some(&json!({"score": 1000})),
    )
    .await;
    let updated = r.json();
    assert_eq!(updated["score"], 1000);
    assert_eq!(updated["firstName"], a[16]["firstName"]);
    assert_eq!(updated["address"], a[16]["address"]);

    // Accounts too, by instance id; reset restarts the ids.
    let body = json!({"instance_id": id, "object": "accounts", "count": 3});
    let r = control(addr, "/__sandbox/hub/seed", &body.to_string()).await;
    assert_eq!(r.json()["total"], 3);
    let accounts = get(addr, ACCOUNTS, &token).await.json();
    assert_eq!(accounts[0]["name"], "Globex Corp 1");
    assert_eq!(accounts[0]["industry"], "Retail");
    let r = control(
        addr,
        "/__sandbox/hub/reset",
        &json!({"token": second, "object": "contacts"}).to_string(),
    )
    .await;
    assert_eq!(
        r.json(),
        json!({"instance_id": id + 1, "reset": ["contacts"]})
    );
    assert!(ids(&get(addr, CONTACTS, &second).await).is_empty());
    assert_eq!(seed(addr, &second, "contacts", 1).await["first_id"], 1);

    // Control errors.
    for (body, status) in [
        (json!({"object": "contacts", "count": 1}), 400),
        (
            json!({"token": token, "instance_id": id, "object": "contacts", "count": 1}),
            400,
        ),
        (
            json!({"token": "nope", "object": "contacts", "count": 1}),
            404,
        ),
        (
            json!({"instance_id": 1, "object": "contacts", "count": 1}),
            404,
        ),
        (json!({"token": token, "object": "leads", "count": 1}), 400),
        (
            json!({"token": token, "object": "contacts", "count": -1}),
            400,
        ),
        (
            json!({"token": token, "object": "contacts", "count": 1_000_001}),
            400,
        ),
        (json!({"token": token, "object": "contacts"}), 400),
        (
            json!({"token": token, "object": "contacts", "count": 1, "extra": 1}),
            400,
        ),
    ] {
        let r = control(addr, "/__sandbox/hub/seed", &body.to_string()).await;
        assert_eq!(r.status, status, "{body}: {}", r.text());
        assert!(r.json()["error"].is_string());
    }
}

// ---------------------------------------------------------------------------------
// Webhooks

/// What the loopback receiver got.
#[derive(Clone, Debug)]
struct Received {
    head: String,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> Option<String> {
        self.head.split("\r\n").skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }
}

/// A loopback HTTP receiver answering each request with the next of `statuses`
/// (200 once they run out).
async fn receiver(statuses: Vec<u16>) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/events?source=sandbox",
        listener.local_addr().unwrap().port()
    );
    let got = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&got);
    tokio::spawn(async move {
        let mut statuses = statuses.into_iter();
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let head_end = loop {
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break i;
                }
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            };
            let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
            let received = Received {
                head,
                body: Vec::new(),
            };
            let length: usize = received.header("content-length").unwrap().parse().unwrap();
            while buf.len() < head_end + 4 + length {
                let n = stream.read(&mut chunk).await.unwrap();
                buf.extend_from_slice(&chunk[..n]);
            }
            let body = buf[head_end + 4..head_end + 4 + length].to_vec();
            seen.lock().unwrap().push(Received { body, ..received });
            let status = statuses.next().unwrap_or(200);
            let answer =
                format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    (url, got)
}

/// `GET /__sandbox/webhooks` once nothing is pending.
async fn deliveries(addr: SocketAddr) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = request(addr, "GET", "/__sandbox/webhooks", &[], b"").await;
        assert_eq!(r.status, 200);
        let v = r.json();
        if v["pending"] == 0 {
            return v["deliveries"].as_array().unwrap().clone();
        }
        assert!(Instant::now() < deadline, "deliveries still pending: {v}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn verify(key: &str, body: &[u8], signature: &str) -> bool {
    let digest = base64::engine::general_purpose::STANDARD
        .decode(signature.strip_prefix("sha256=").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    mac.verify_slice(&digest).is_ok()
}

#[tokio::test]
async fn changes_are_notified_signed_in_order() {
    let sb = start().await;
    let addr = sb.addr();
    let (url, got) = receiver(vec![]).await;
    let (id, token) = instance_with(
        addr,
        json!({"event.notification.enabled": "true", "event.notification.callback.url": url,
               "event.notification.signature.key": "s3cr3t-k3y"}),
    )
    .await;
    let created = hub(
        addr,
        "POST",
        CONTACTS,
        &token,
        Some(&json!({"firstName": "Ada"})),
    )
    .await
    .json();
    hub(
        addr,
        "PATCH",
        &format!("{CONTACTS}/1"),
        &token,
        Some(&json!({"score": 5})),
    )
    .await;
    hub(addr, "DELETE", &format!("{CONTACTS}/1"), &token, None).await;
    let log = deliveries(addr).await;
    assert_eq!(log.len(), 3, "{log:?}");
    let received = got.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    for (i, (entry, want)) in log
        .iter()
        .zip(["CREATED", "UPDATED", "DELETED"])
        .enumerate()
    {
        assert_eq!(entry["outcome"], "delivered");
        assert_eq!(entry["attempt"], 1);
        assert_eq!(entry["final"], true);
        assert_eq!(entry["status"], 200);
        assert_eq!(entry["event_type"], want);
        assert_eq!(entry["instance_id"], id);
        assert_eq!(entry["object_type"], "contacts");
        assert_eq!(entry["object_id"], "1");
        let r = &received[i];
        assert!(
            r.head.starts_with("POST /events?source=sandbox HTTP/1.1"),
            "{}",
            r.head
        );
        assert_eq!(r.body, entry["body"].as_str().unwrap().as_bytes());
        let signature = r.header("elements-webhook-signature").unwrap();
        assert_eq!(
            entry["headers"]["elements-webhook-signature"],
            signature.as_str()
        );
        assert!(
            verify("s3cr3t-k3y", &r.body, &signature),
            "signature of {i}"
        );
        assert!(!verify("other-key", &r.body, &signature));
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/json")
        );
        let event: Value = serde_json::from_slice(&r.body).unwrap();
        let message = &event["message"];
        assert_eq!(
            r.header("elements-webhook-id").unwrap(),
            message["eventId"].as_str().unwrap()
        );
        assert_eq!(message["instanceId"], id);
        assert_eq!(message["elementKey"], "insightly");
        let events = message["events"].as_array().unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["eventType"], want);
        assert_eq!(events[0]["objectType"], "contacts");
        assert_eq!(events[0]["objectId"], "1");
        assert_eq!(events[0]["elementKey"], "insightly");
        assert_eq!(message["raw"]["object"]["firstName"], "Ada");
    }
    let first: Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(first["message"]["raw"]["object"], created);
    let second: Value = serde_json::from_slice(&received[1].body).unwrap();
    assert_eq!(second["message"]["raw"]["object"]["score"], 5);

    // Seeding notifies nothing; an instance without events neither.
    seed(addr, &token, "contacts", 10).await;
    let (_, quiet) = instance_with(addr, json!({"event.notification.callback.url": url})).await;
    hub(
        addr,
        "POST",
        CONTACTS,
        &quiet,
        Some(&json!({"firstName": "Bob"})),
    )
    .await;
    assert_eq!(deliveries(addr).await.len(), 3);
}

#[tokio::test]
async fn failed_deliveries_are_retried_then_given_up() {
    let sb = start().await;
    let addr = sb.addr();
    let r = control(
        addr,
        "/__sandbox/webhooks",
        r#"{"retries": 3, "backoff_ms": 5}"#,
    )
    .await;
    assert_eq!(r.json(), json!({"retries": 3, "backoff_ms": 5}));
    // Two failures, then a success: three attempts.
    let (url, got) = receiver(vec![500, 503]).await;
    let (_, token) = instance_with(
        addr,
        json!({"event.notification.enabled": true, "event.notification.callback.url": url}),
    )
    .await;
    let t0 = Instant::now();
    let r = hub(
        addr,
        "POST",
        ACCOUNTS,
        &token,
        Some(&json!({"name": "Acme"})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(
        t0.elapsed() < Duration::from_secs(1),
        "the hub call does not wait for delivery"
    );
    let log = deliveries(addr).await;
    let summary: Vec<(u64, &str, Value, bool)> = log
        .iter()
        .map(|e| {
            (
                e["attempt"].as_u64().unwrap(),
                e["outcome"].as_str().unwrap(),
                e["status"].clone(),
                e["final"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, "failed", json!(500), false),
            (2, "failed", json!(503), false),
            (3, "delivered", json!(200), true)
        ]
    );
    assert_eq!(got.lock().unwrap().len(), 3);
    let bodies: Vec<&Value> = log.iter().map(|e| &e["body"]).collect();
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "the same notification each time"
    );
    let ids: Vec<&Value> = log
        .iter()
        .map(|e| &e["headers"]["elements-webhook-id"])
        .collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1]));
    // Without a signature key there is no signature header.
    assert!(
        log[0]["headers"]
            .get("elements-webhook-signature")
            .is_none()
    );

    // Nobody listening: 1 + 3 attempts, all failed, the last one final.
    control(addr, "/__sandbox/reset", "").await;
    control(
        addr,
        "/__sandbox/webhooks",
        r#"{"retries": 3, "backoff_ms": 1}"#,
    )
    .await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (_, token) = instance_with(
        addr,
        json!({"event.notification.enabled": true,
               "event.notification.callback.url": format!("http://localhost:{closed}/x")}),
    )
    .await;
    hub(addr, "POST", CONTACTS, &token, Some(&json!({}))).await;
    let log = deliveries(addr).await;
    assert_eq!(log.len(), 4, "{log:?}");
    for (i, e) in log.iter().enumerate() {
        assert_eq!(e["attempt"], i as u64 + 1);
        assert_eq!(e["outcome"], "failed");
        assert_eq!(e["status"], Value::Null);
        assert!(e["error"].as_str().unwrap().contains("connect"), "{e}");
        assert_eq!(e["final"], i == 3);
    }

    // A URL that is not loopback http is never contacted: one skipped entry.
    let (_, token) = instance_with(
        addr,
        json!({"event.notification.enabled": true,
               "event.notification.callback.url": "https://app.example/events"}),
    )
    .await;
    hub(addr, "POST", CONTACTS, &token, Some(&json!({}))).await;
    let log = deliveries(addr).await;
    let last = log.last().unwrap();
    assert_eq!(
        (last["outcome"].as_str(), last["final"].as_bool()),
        (Some("skipped"), Some(true))
    );
    assert!(last["error"].as_str().unwrap().contains("loopback"));
    assert_eq!(log.len(), 5);

    // Settings are checked; reset restores them.
    let r = control(addr, "/__sandbox/webhooks", r#"{"retries": 10}"#).await;
    assert_eq!(r.status, 400);
    control(addr, "/__sandbox/reset", "").await;
    let r = request(addr, "GET", "/__sandbox/webhooks", &[], b"").await;
    assert_eq!(
        r.json(),
        json!({"deliveries": [], "pending": 0, "settings": {"retries": 3, "backoff_ms": 25}})
    );
}

#[tokio::test]
async fn signature_key_follows_instance_updates() {
    let sb = start().await;
    let addr = sb.addr();
    let (url, got) = receiver(vec![]).await;
    let (id, token) = instance_with(
        addr,
        json!({"event.notification.enabled": true, "event.notification.callback.url": url,
               "event.notification.signature.key": "first"}),
    )
    .await;
    let path = format!("{INSTANCES}/{id}");
    let auth = auth();
    let patch = |config: Value| {
        let auth = auth.clone();
        let path = path.clone();
        async move {
            let body = json!({"configuration": config}).to_string();
            let r = request(
                addr,
                "PATCH",
                &path,
                &[
                    ("authorization", &auth),
                    ("content-type", "application/json"),
                ],
                body.as_bytes(),
            )
            .await;
            assert_eq!(r.status, 200, "{}", r.text());
        }
    };
    // Sending back the masked value keeps the key; a new value replaces it.
    patch(json!({"event.notification.signature.key": "********"})).await;
    hub(addr, "POST", CONTACTS, &token, Some(&json!({}))).await;
    patch(json!({"event.notification.signature.key": "second"})).await;
    hub(addr, "POST", CONTACTS, &token, Some(&json!({}))).await;
    patch(json!({"event.notification.signature.key": null})).await;
    hub(addr, "POST", CONTACTS, &token, Some(&json!({}))).await;
    patch(json!({"event.notification.enabled": false})).await;
    hub(addr, "POST", CONTACTS, &token, Some(&json!({}))).await;
    assert_eq!(deliveries(addr).await.len(), 3);
    let received = got.lock().unwrap().clone();
    assert!(verify(
        "first",
        &received[0].body,
        &received[0].header("elements-webhook-signature").unwrap()
    ));
    assert!(verify(
        "second",
        &received[1].body,
        &received[1].header("elements-webhook-signature").unwrap()
    ));
    assert_eq!(received[2].header("elements-webhook-signature"), None);
}
