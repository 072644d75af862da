//! Hostile answers and environments against a real socket: the response size limit
//! (at the boundary), secrets a server echoes, and the proxy rules.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use open_connectors::transport::{HttpRequest, Method};
use open_connectors::{Client, ErrorCode};
use open_connectors_sandbox::{Config, DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET, Sandbox};
use serde_json::json;

fn client(base_url: &str, max_response_size: usize) -> Client {
    Client::builder()
        .use_env(false)
        .base_url(base_url)
        .user_secret(DEFAULT_USER_SECRET)
        .organization_secret(DEFAULT_ORGANIZATION_SECRET)
        .max_response_size(max_response_size)
        .max_retries(0)
        .build()
        .unwrap()
}

fn fault(sandbox: &Sandbox, f: serde_json::Value) {
    let body = f.to_string();
    let addr = sandbox.root_url().trim_start_matches("http://").to_owned();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "POST /__sandbox/faults HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 2"), "{out}");
}

fn get(c: &Client, path: &str) -> HttpRequest {
    let mut r = c
        .build_call(
            open_connectors::Lang::Rust,
            "get_instance",
            json!({"instance_id": 1}),
            &Default::default(),
        )
        .unwrap()
        .1;
    r.url = format!("{}{path}", c.base_url());
    r.method = Method::GET;
    r
}

#[tokio::test]
async fn the_size_limit_holds_at_the_boundary() {
    let sandbox = Sandbox::spawn_thread(Config::default()).unwrap();
    let limit = 2048;
    let c = client(&sandbox.base_url(), limit);
    // Exactly the limit: read whole.
    fault(
        &sandbox,
        json!({"method": "GET", "path": "/elements/api-v2/x1", "status": 200, "body": "a".repeat(limit)}),
    );
    let r = c.execute(get(&c, "/x1")).await.unwrap();
    assert_eq!(r.body.len(), limit);
    // One byte over: a typed error that says so, for 2xx and error statuses alike.
    fault(
        &sandbox,
        json!({"method": "GET", "path": "/elements/api-v2/x2", "status": 200, "body": "a".repeat(limit + 1)}),
    );
    let e = c.execute(get(&c, "/x2")).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Decode);
    assert!(e.to_string().contains("max_response_size"), "{e}");
    fault(
        &sandbox,
        json!({"method": "GET", "path": "/elements/api-v2/x3", "status": 502, "body": "b".repeat(limit * 4)}),
    );
    let e = c.execute(get(&c, "/x3")).await.unwrap_err();
    assert_eq!((e.code(), e.status()), (ErrorCode::Server, Some(502)));
    let body = e.body().unwrap();
    assert!(
        body.contains("max_response_size") && body.len() < limit * 2,
        "{}",
        body.len()
    );
}

#[tokio::test]
async fn a_server_that_echoes_the_request_leaks_no_secret() {
    let sandbox = Sandbox::spawn_thread(Config::default()).unwrap();
    let c = client(&sandbox.base_url(), 1 << 20);
    let echo = format!(
        "header was User {DEFAULT_USER_SECRET}, Organization {DEFAULT_ORGANIZATION_SECRET}; password hunter2-hunter2"
    );
    fault(
        &sandbox,
        json!({"method": "POST", "path": "/elements/api-v2/instances", "status": 400,
        "body": {"message": echo, "providerMessage": echo, "requestId": DEFAULT_USER_SECRET}}),
    );
    let e = c
        .call(
            "create_instance",
            json!({"element": "insightly", "configuration": {"username": "u", "password": "hunter2-hunter2"}}),
        )
        .await
        .unwrap_err();
    let all = format!("{e} {e:?} {}", e.body().unwrap());
    for secret in [
        DEFAULT_USER_SECRET,
        DEFAULT_ORGANIZATION_SECRET,
        "hunter2-hunter2",
    ] {
        assert!(!all.contains(secret), "{all}");
    }
    assert!(all.contains("[REDACTED]"), "{all}");
    // What is not a secret is kept.
    assert!(e.to_string().contains("header was User"), "{e}");
}

/// A server that keeps the first bytes each connection sends (at most 4 KiB), answers
/// `reply` and closes the connection.
fn first_bytes_server(reply: &'static [u8]) -> (std::net::SocketAddr, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let mut buf = vec![0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            record.lock().unwrap().push(buf[..n].to_vec());
            let _ = s.write_all(reply);
        }
    });
    (addr, seen)
}

/// A fake proxy: records what it is sent, answers 403.
fn fake_proxy() -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    let (addr, seen) = first_bytes_server(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    (format!("http://{addr}"), seen)
}

/// What the fake proxy was sent, as text.
fn texts(seen: &Mutex<Vec<Vec<u8>>>) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect()
}

#[tokio::test]
async fn proxies_carry_only_encrypted_requests() {
    let (proxy, seen) = fake_proxy();
    // SAFETY: this test binary's only test that touches the environment.
    unsafe {
        std::env::set_var("HTTPS_PROXY", &proxy);
        std::env::set_var("ALL_PROXY", &proxy);
        std::env::set_var("NO_PROXY", "");
    }
    // Plain http:// to loopback (the sandbox) never goes through the proxy.
    let sandbox = Sandbox::spawn_thread(Config::default()).unwrap();
    let c = client(&sandbox.base_url(), 1 << 20);
    let e = c.get_instance(987_654).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound, "{e}");
    assert!(seen.lock().unwrap().is_empty());

    // https:// elsewhere goes through it as a CONNECT tunnel: no Authorization in clear.
    let remote = client("https://api.example.invalid/elements/api-v2", 1 << 20);
    let e = remote.get_instance(1).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Connection, "{e}");
    let got = texts(&seen);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].starts_with("CONNECT api.example.invalid:443 "),
        "{}",
        got[0]
    );
    assert!(
        !got[0].to_ascii_lowercase().contains("authorization"),
        "{}",
        got[0]
    );
    assert!(!got[0].contains(DEFAULT_USER_SECRET));

    // env_proxy(false): the environment is ignored.
    let direct = Client::builder()
        .use_env(false)
        .base_url("https://api.example.invalid/elements/api-v2")
        .user_secret("u")
        .organization_secret("o")
        .env_proxy(false)
        .max_retries(0)
        .connect_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let e = direct.get_instance(1).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Connection);
    assert!(
        e.to_string().contains("api.example.invalid"),
        "names the host: {e}"
    );
    assert_eq!(seen.lock().unwrap().len(), 1, "the proxy saw nothing more");

    // NO_PROXY: the listed host and its subdomains are reached directly; a host that only
    // ends alike still goes through the proxy.
    // SAFETY: as above.
    unsafe {
        std::env::set_var("NO_PROXY", "api.example.invalid");
    }
    for (host, proxied) in [
        ("api.example.invalid", false),
        ("eu.api.example.invalid", false),
        ("xapi.example.invalid", true),
    ] {
        let before = seen.lock().unwrap().len();
        let c = client(&format!("https://{host}/elements/api-v2"), 1 << 20);
        let e = c.get_instance(1).await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::Connection, "{e}");
        let got = texts(&seen);
        if proxied {
            assert_eq!(got.len(), before + 1, "{host}: {got:?}");
            assert!(
                got[before].starts_with(&format!("CONNECT {host}:443 ")),
                "{}",
                got[before]
            );
        } else {
            assert_eq!(got.len(), before, "{host} went through the proxy: {got:?}");
        }
    }
}

/// A server that answers each connection with one chunked 200 of `sizes[i]` bytes, in a
/// single chunk (no Content-Length: the limit holds while reading).
fn chunked_server(sizes: Vec<usize>) -> String {
    raw_server(
        sizes
            .into_iter()
            .map(|size| {
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{size:x}\r\n{}\r\n0\r\n\r\n",
                    "a".repeat(size)
                )
                .into_bytes()
            })
            .collect(),
    )
}

#[tokio::test]
async fn a_single_chunk_over_the_limit_fails_while_reading() {
    let limit = 2048;
    let base = chunked_server(vec![limit, limit + 1]);
    let c = client(&base, limit);
    let r = c.execute(get(&c, "/a")).await.unwrap();
    assert_eq!(r.body.len(), limit);
    let e = c.execute(get(&c, "/b")).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Decode);
    assert!(e.to_string().contains("max_response_size"), "{e}");
}

/// A server that reads each connection's request head, answers with the raw bytes
/// given, then closes it.
fn raw_server(answers: Vec<Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for answer in answers {
            let Ok((mut s, _)) = listener.accept() else {
                return;
            };
            let mut buf = [0u8; 4096];
            let mut got = Vec::new();
            while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            let _ = s.write_all(&answer);
        }
    });
    format!("http://{addr}/elements/api-v2")
}

#[tokio::test]
async fn a_body_cut_short_says_the_body_could_not_be_read() {
    // Headers promise 100 bytes; 10 arrive, then the connection closes.
    let base = raw_server(vec![
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n[1,2,3,4,".to_vec(),
    ]);
    let c = client(&base, 4096);
    let e = c.execute(get(&c, "/cut")).await.unwrap_err();
    assert!(
        e.to_string().contains("could not read the response body"),
        "{e}"
    );
    // A server that is not there: the connection never opens.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/elements/api-v2", closed.local_addr().unwrap());
    drop(closed);
    let c = client(&base, 4096);
    let e = c.execute(get(&c, "/none")).await.unwrap_err();
    assert!(e.to_string().contains("could not connect"), "{e}");
}

#[tokio::test]
async fn https_offers_tls_with_http1_and_a_failed_handshake_is_a_request_not_sent() {
    // A server that does not speak TLS: it keeps the ClientHello and closes.
    let (addr, seen) = first_bytes_server(b"");
    // Two clients of the process: the TLS settings are built once and shared.
    for round in 1..=2 {
        let c = Client::builder()
            .use_env(false)
            .base_url(format!("https://{addr}/elements/api-v2"))
            .user_secret("u")
            .organization_secret("o")
            .env_proxy(false)
            .max_retries(1)
            .build()
            .unwrap();
        let create = open_connectors::CreateInstance::basic("insightly", "u", "pw-s3cr3t-9");
        let e = c.create_instance(&create).await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::Connection, "{e}");
        // The handshake failed: the create surely did not arrive, so it was tried again.
        assert_eq!(
            e.request_sent(),
            Some(open_connectors::RequestSent::No),
            "{e}"
        );
        let got = seen.lock().unwrap().clone();
        assert_eq!(got.len(), 2 * round, "one hello per attempt");
        for hello in &got {
            assert_eq!(hello.first(), Some(&0x16), "a TLS handshake record");
            assert!(
                hello.windows(9).any(|w| w == b"\x08http/1.1"),
                "ALPN offers HTTP/1.1"
            );
            let text = String::from_utf8_lossy(hello);
            assert!(!text.contains("pw-s3cr3t-9") && !text.contains("POST"));
        }
    }
}
