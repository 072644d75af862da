//! Creates a Basic and an OAuth 2 instance, reads one back, deletes both, and prints
//! them, token redacted.
//!
//! Reads OPEN_CONNECTORS_BASE_URL, OPEN_CONNECTORS_USER_SECRET and
//! OPEN_CONNECTORS_ORGANIZATION_SECRET (`make demo` points them at a local sandbox).

use open_connectors::{Client, CreateInstance, ErrorCode, Instance, OAuth2};

fn show(label: &str, i: &Instance) {
    println!(
        "[rust] {label}: id={} name={:?} element={} elementId={} tags={:?} token=[REDACTED, {} chars] configuration={}",
        i.id,
        i.name,
        i.element_key().unwrap_or("?"),
        i.element_id.map_or("?".into(), |e| e.to_string()),
        i.tags.iter().map(|t| t.name()).collect::<Vec<_>>(),
        i.token.expose().len(),
        serde_json::Value::Object(i.configuration.clone()),
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    println!("[rust] {client:?}");

    let basic = client
        .create_instance(
            &CreateInstance::basic("insightly", "claudeelements", "password")
                .name("Rust Basic demo")
                .tag("Docs"),
        )
        .await?;
    show("basic", &basic);

    let code = format!("rust-demo-{}", std::process::id());
    let oauth = client
        .create_instance(
            &CreateInstance::oauth2(
                "onedrivev2",
                OAuth2 {
                    code: &code,
                    api_key: "Rand0MAP1-key",
                    api_secret: "fak3AP1-s3Cr3t",
                    callback_url: "https://mycoolapp.com",
                },
            )
            .name("Rust OAuth 2 demo")
            .tag("Docs"),
        )
        .await?;
    show("oauth2", &oauth);

    let again = client.get_instance(basic.id as u64).await?;
    show("get", &again);
    for i in [&basic, &oauth] {
        client.delete_instance(i.id as u64).await?;
    }
    let gone = client.get_instance(basic.id as u64).await.unwrap_err();
    assert_eq!(gone.code(), ErrorCode::NotFound);
    println!("[rust] deleted both; get after delete: {gone}");
    Ok(())
}
