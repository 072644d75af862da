//! The whole connection lifecycle from Rust: the catalogue, the OAuth URL, the user's
//! consent, the callback with its state check, a validated create, list by tag,
//! update, disable and enable, re-authenticate, delete.
//!
//! Against the local sandbox the provider's authorize page is the sandbox's own, so the
//! "user" is one HTTP request that does not follow the redirect. `make demo` runs it:
//!
//!     tests/with-sandbox.sh cargo run -q -p open-connectors --example lifecycle

use futures_util::StreamExt;
use open_connectors::{
    Client, CreateInstance, ErrorCode, ListInstances, OAuth2, OAuthUrl, UpdateInstance, oauth,
};

const CALLBACK: &str = "http://127.0.0.1:8000/oauth/callback";
const API_KEY: &str = "my-app-client-id";
const API_SECRET: &str = "my-app-client-s3cr3t";

/// Plays the user at the provider's authorize page: where it redirects to.
async fn consent(authorize_url: &str) -> Result<String, Box<dyn std::error::Error>> {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let answer = browser.get(authorize_url).send().await?;
    let location = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .ok_or("the authorize page did not redirect")?;
    Ok(location.to_str()?.to_owned())
}

/// OAuth 2 steps 1 and 2: a fresh code for `element`, with the state checked.
async fn authorize(client: &Client, element: &str) -> Result<String, Box<dyn std::error::Error>> {
    let state = format!("{:016x}", fastrand::u64(..));
    let url = client
        .get_oauth_url(
            element,
            OAuthUrl::new(API_KEY, API_SECRET, CALLBACK).state(&state),
        )
        .await?;
    let callback = oauth::parse_callback(
        open_connectors::Lang::Rust,
        &consent(&url).await?,
        Some(&state),
    )?;
    Ok(callback.raw()["code"].as_str().ok_or("no code")?.to_owned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;

    let mut catalogue = client.list_elements(Some(50))?.into_stream();
    let mut keys = Vec::new();
    while let Some(element) = catalogue.next().await {
        keys.push(element?.raw()["key"].as_str().unwrap_or("?").to_owned());
    }
    println!("[rust] catalogue: {}", keys.join(", "));
    let required: Vec<String> = client
        .get_element_configuration("sfdc")
        .await?
        .iter()
        .filter(|f| f.raw()["mandatory"] == true)
        .filter_map(|f| f.text("key").map(str::to_owned))
        .collect();
    println!("[rust] sfdc needs: {}", required.join(", "));

    // validate: the definitions are checked before the single-use code is spent.
    let incomplete = CreateInstance::new("sfdc")
        .config("oauth.api.key", API_KEY)
        .validate(true);
    let refused = client.create_instance(&incomplete).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InvalidInput);
    println!("[rust] validate refused: {refused}");

    let code = authorize(&client, "sfdc").await?;
    let oauth = OAuth2 {
        code: &code,
        api_key: API_KEY,
        api_secret: API_SECRET,
        callback_url: CALLBACK,
    };
    let crm = client
        .create_instance(
            &CreateInstance::oauth2("sfdc", oauth)
                .name("CRM (demo)")
                .tag("demo")
                .validate(true),
        )
        .await?;
    let id = crm.id as u64;
    println!("[rust] created: {crm:?}");

    let mut tagged = client.list_instances(ListInstances::new().tag("demo").page_size(50))?;
    while let Some(page) = tagged.next_page().await? {
        println!("[rust] tagged demo: {} on this page", page.items.len());
    }

    let crm = client
        .update_instance(
            id,
            UpdateInstance::new()
                .name("CRM (production)")
                .tags(["demo", "prod"]),
        )
        .await?;
    println!(
        "[rust] updated: {} {:?}",
        crm.name,
        crm.tags.iter().map(|t| t.name()).collect::<Vec<_>>()
    );
    client.disable_instance(id).await?;
    println!(
        "[rust] disabled: {:?}",
        client.get_instance(id).await?.disabled
    );
    client.enable_instance(id).await?;
    println!(
        "[rust] disabled now: {:?}",
        client.get_instance(id).await?.disabled
    );

    let code = authorize(&client, "sfdc").await?;
    let crm = client.reauthenticate_instance(id, code, None).await?;
    println!("[rust] re-authenticated: valid={:?}", crm.valid);
    let forged = oauth::parse_callback(
        open_connectors::Lang::Rust,
        &format!("{CALLBACK}?code=x&state=forged"),
        Some("mine"),
    )
    .unwrap_err();
    println!("[rust] forged callback refused: {:?}", forged.field());

    client.delete_instance(id).await?;
    let left = client
        .list_instances(ListInstances::new().tag("demo"))?
        .collect(None)
        .await?;
    println!("[rust] left tagged demo: {}", left.len());
    Ok(())
}
