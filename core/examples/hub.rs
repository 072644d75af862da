//! Calling the connected service from Rust: an instance with signed event notifications,
//! its CRM contacts paged with a safe OCNQL filter, a record created, and the webhook
//! that follows received and verified by a small receiver.
//!
//! Against the local sandbox; `make demo` runs it:
//!
//!     tests/with-sandbox.sh cargo run -q -p open-connectors --example hub
//!
//! Seeding contacts is the sandbox's control API (a real service has its own data).

use futures_util::StreamExt;
use open_connectors::{Client, CreateInstance, HubRequest, ocnql, webhook};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const SIGNATURE_KEY: &str = "my-webhook-s1gning-key";

/// One webhook: the raw body and the signature header, read from a plain HTTP/1.1 POST
/// (a web framework does this part in a real receiver), answered 200 once verified.
async fn receive_one(
    listener: &TcpListener,
) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let (mut socket, _) = listener.accept().await?;
    let mut buf = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Err("the connection closed early".into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            })
            .map(|(_, v)| v.trim().to_owned())
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let mut chunk = [0u8; 4096];
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = &buf[head_end..(head_end + length).min(buf.len())];
    let verified = webhook::verify(
        body,
        header(webhook::SIGNATURE_HEADER).as_deref(),
        SIGNATURE_KEY.as_bytes(),
    );
    let status = if verified.is_ok() {
        "200 OK"
    } else {
        "401 Unauthorized"
    };
    socket
        .write_all(
            format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
    Ok(verified?)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let callback = format!("http://{}/events", listener.local_addr()?);

    let client = Client::from_env()?;
    let inst = client
        .create_instance(
            &CreateInstance::basic("insightly", "claudeelements", "s3cr3t-Passw0rd")
                .name("CRM with events (demo)")
                .config("event.notification.enabled", true)
                .config("event.notification.callback.url", callback)
                .config("event.notification.signature.key", SIGNATURE_KEY),
        )
        .await?;
    let crm = client.for_instance_of(&inst)?; // calls carry `Element <token>`

    let base = std::env::var("OPEN_CONNECTORS_BASE_URL")?;
    let root = base.trim_end_matches("/elements/api-v2");
    reqwest::Client::new()
        .post(format!("{root}/__sandbox/hub/seed"))
        .json(&json!({"token": inst.token.expose(), "object": "contacts", "count": 1000}))
        .send()
        .await?
        .error_for_status()?;

    // Values go through placeholders; a dotted field name is written in backticks.
    let where_ = ocnql!(
        "`address.city` = {} and score >= {} and active = {}",
        "London",
        50,
        true
    )?;
    println!("[rust] where: {where_}");
    let mut contacts = crm
        .paginate("/hubs/crm/contacts", Some(&where_), Some(200))?
        .into_stream();
    let mut count = 0;
    while let Some(contact) = contacts.next().await {
        let contact = contact?.raw();
        assert_eq!(contact["address"]["city"], "London");
        count += 1;
    }
    println!("[rust] contacts in London with a score of 50 or more: {count}");
    let refused = ocnql!("lastName = {}", "O'Neil").unwrap_err();
    println!(
        "[rust] a value that could end the quote is refused: {:?}",
        refused.field()
    );

    let created = crm
        .send(
            HubRequest::post("/hubs/crm/contacts")
                .json(json!({"firstName": "Ada", "lastName": "Lovelace"})),
        )
        .await?;
    println!("[rust] created contact {}", created.json()?["id"]);
    let note =
        tokio::time::timeout(std::time::Duration::from_secs(10), receive_one(&listener)).await??;
    let event = &note["message"]["events"][0];
    println!(
        "[rust] webhook: {} {} {}, signature verified",
        event["eventType"], event["objectType"], event["objectId"]
    );

    client.delete_instance(inst.id as u64).await?;
    Ok(())
}
