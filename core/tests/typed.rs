//! The typed Rust methods of the lifecycle operations against the sandbox: each
//! reaches the platform call the table declares, and `validate` checks the
//! configuration before the create is sent.

use futures_util::StreamExt;
use open_connectors::{Client, CreateInstance, ErrorCode, ListInstances, OAuthUrl, UpdateInstance};
use open_connectors_sandbox::{Config, DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET, Sandbox};
use serde_json::json;

fn client(sandbox: &Sandbox) -> Client {
    Client::builder()
        .use_env(false)
        .base_url(sandbox.base_url())
        .user_secret(DEFAULT_USER_SECRET)
        .organization_secret(DEFAULT_ORGANIZATION_SECRET)
        .max_retries(0)
        .build()
        .unwrap()
}

fn basic(name: &str, tag: &str) -> CreateInstance {
    CreateInstance::basic("insightly", "claudeelements", "s3cr3t-Passw0rd")
        .name(name)
        .tag(tag)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn lifecycle_through_the_typed_methods() {
    let sandbox = Sandbox::spawn_thread(Config::default()).unwrap();
    let c = client(&sandbox);

    let a = c.create_instance(&basic("a", "t1")).await.unwrap();
    let b = c.create_instance(&basic("b", "t2")).await.unwrap();
    let id = a.id as u64;

    let mut names = Vec::new();
    let mut items = c
        .list_instances(ListInstances::new().tag("t1").page_size(1))
        .unwrap()
        .into_stream();
    while let Some(item) = items.next().await {
        names.push(item.unwrap().raw()["name"].clone());
    }
    assert_eq!(names, [json!("a")]);
    let all = c
        .list_instances(ListInstances::new().page_size(1))
        .unwrap()
        .collect(None)
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let bad = c
        .list_instances(ListInstances::new().page_size(201))
        .unwrap_err();
    assert_eq!(
        (bad.code(), bad.field()),
        (ErrorCode::InvalidInput, Some("page_size"))
    );

    let updated = c
        .update_instance(id, UpdateInstance::new().name("a2").tags(["x", "y"]))
        .await
        .unwrap();
    assert_eq!(updated.name, "a2");
    assert_eq!(
        updated.tags.iter().map(|t| t.name()).collect::<Vec<_>>(),
        ["x", "y"]
    );
    let nothing = c
        .update_instance(id, UpdateInstance::new())
        .await
        .unwrap_err();
    assert_eq!(nothing.code(), ErrorCode::InvalidInput);

    c.disable_instance(id).await.unwrap();
    assert_eq!(c.get_instance(id).await.unwrap().disabled, Some(true));
    c.enable_instance(id).await.unwrap();
    assert_eq!(c.get_instance(id).await.unwrap().disabled, Some(false));

    let used = c.reauthenticate_instance(id, "", None).await.unwrap_err();
    assert_eq!(used.code(), ErrorCode::InvalidInput);

    let element = c.get_element("insightly").await.unwrap();
    assert_eq!(element.text("key"), Some("insightly"));
    let config = c.get_element_configuration("insightly").await.unwrap();
    assert!(config.iter().any(|f| f.text("key") == Some("password")));
    let elements = c
        .list_elements(Some(3))
        .unwrap()
        .collect(Some(4))
        .await
        .unwrap();
    assert_eq!(elements.len(), 4);

    let url = c
        .get_oauth_url(
            "sfdc",
            OAuthUrl::new("key-1", "api-s3cr3t", "https://app.example/cb").state("st-1"),
        )
        .await
        .unwrap();
    assert!(url.contains("st-1") && !url.contains("api-s3cr3t"), "{url}");
    let token = c
        .get_oauth1_token("evernote", "key-1", "api-s3cr3t", "https://app.example/cb")
        .await
        .unwrap();
    assert!(token.text("token").is_some());

    c.delete_instance(b.id as u64).await.unwrap();
    c.delete_instance(id).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn validate_checks_before_the_create_and_caches_per_client() {
    let sandbox = Sandbox::spawn_thread(Config::default()).unwrap();
    let c = client(&sandbox);
    let lacking = CreateInstance::new("shopify")
        .config("username", "u")
        .config("password", "")
        .validate(true);
    let e = c.create_instance(&lacking).await.unwrap_err();
    assert_eq!(
        (e.code(), e.field()),
        (ErrorCode::InvalidInput, Some("configuration"))
    );
    let text = e.to_string();
    assert!(text.contains("password, site.address"), "{text}");
    // Off: the platform's own 400.
    let e = c
        .create_instance(&lacking.clone().validate(false))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadRequest);
    // A handle on the same client shares the cache: the definitions are not fetched again,
    // even when the server can no longer answer them.
    let quick = c
        .with_options(open_connectors::CallOptions::new().max_retries(0))
        .unwrap();
    drop(sandbox);
    let e = quick.create_instance(&lacking).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    let e = quick
        .create_instance(&CreateInstance::new("insightly").validate(true))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Connection);
}
