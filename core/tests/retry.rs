//! Retries against a real socket: a create whose connection is refused is retried,
//! because the request surely did not arrive; it then lands exactly once.

use std::net::TcpListener;
use std::time::Duration;

use open_connectors::{Client, CreateInstance, ErrorCode, RequestSent};
use open_connectors_sandbox::{Config, DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET, Sandbox};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn client(port: u16, max_retries: u32) -> Client {
    Client::builder()
        .use_env(false)
        .base_url(format!("http://127.0.0.1:{port}/elements/api-v2"))
        .user_secret(DEFAULT_USER_SECRET)
        .organization_secret(DEFAULT_ORGANIZATION_SECRET)
        .max_retries(max_retries)
        .build()
        .unwrap()
}

fn basic() -> CreateInstance {
    CreateInstance::basic("insightly", "claudeelements", "password").name("retry")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_is_retried_after_a_refused_connection() {
    let port = free_port();
    // Nothing listens yet: the first attempt is refused. The sandbox comes up on the
    // same port 300 ms later, before the retries (backoff 375-500 ms, then 750-1000 ms) run out.
    let starter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        Sandbox::spawn_thread(Config {
            port,
            ..Config::default()
        })
        .unwrap()
    });
    let instance = client(port, 3).create_instance(&basic()).await.unwrap();
    assert_eq!(instance.name, "retry");
    let sandbox = starter.join().unwrap();

    let journal: serde_json::Value =
        reqwest::get(format!("{}/__sandbox/journal", sandbox.root_url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(
        journal["requests"].as_array().unwrap().len(),
        1,
        "the create arrived exactly once"
    );
}

#[tokio::test]
async fn refused_connections_exhaust_the_retry_budget() {
    let port = free_port();
    let err = client(port, 2).create_instance(&basic()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Connection);
    assert_eq!(err.request_sent(), Some(RequestSent::No));
    assert!(err.to_string().contains("after 3 attempt(s)"), "{err}");
    assert!(err.to_string().contains("not sent"), "{err}");
}
