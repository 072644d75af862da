//! # open-connectors
//!
//! The client SDK for the SAP Open Connectors platform API (also sold as Cloud
//! Elements and as Sugar Integrate). The same Rust core is published as this crate,
//! as the `open-connectors` Python package and as the `open-connectors` npm module.
//!
//! The first job is creating an authenticated connector instance, whose `token` is
//! the credential of every later call on it:
//!
//! This example runs (as a doctest) against `oc-sandbox`, the local emulator of the
//! platform in `tests/sandbox`; against the real platform, use `.region(Region::Us2)`
//! or the `https://` base URL of your data centre instead.
//!
//! ```
//! use open_connectors::{Client, CreateInstance, ErrorCode, OAuth2, Region};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sandbox = open_connectors_sandbox::Sandbox::spawn_thread(Default::default())?;
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! // Missing settings fall back to OPEN_CONNECTORS_BASE_URL (or _REGION),
//! // OPEN_CONNECTORS_USER_SECRET and OPEN_CONNECTORS_ORGANIZATION_SECRET.
//! let client = Client::builder()
//!     .base_url(sandbox.base_url()) // or .region(Region::Us2)
//!     .user_secret("sAfK7LJGNz5ZHcNrvdJvLI=f03WbTbH6aRKc0HJ3oOIi")
//!     .organization_secret("58168435e3b9959a929eb04b6218b9a2")
//!     .build()?;
//!
//! // Basic authentication, element by key: POST /instances
//! let crm = client
//!     .create_instance(
//!         &CreateInstance::basic("insightly", "claudeelements", "password")
//!             .name("Element Instance Name")
//!             .tag("Docs"),
//!     )
//!     .await?;
//! assert_eq!(crm.name, "Element Instance Name");
//! assert_eq!(crm.configuration["password"], "********"); // the platform masks secrets
//!
//! // OAuth 2 with the code from the provider's redirect, element by id:
//! // POST /elements/4806/instances
//! let oauth = CreateInstance::oauth2(
//!     4806u64,
//!     OAuth2 {
//!         code: "WCT3Ny3QRbA6HDXY",
//!         api_key: "Rand0MAP1-key",
//!         api_secret: "fak3AP1-s3Cr3t",
//!         callback_url: "https://mycoolapp.com",
//!     },
//! );
//! let drive = client.create_instance(&oauth).await?;
//! assert_eq!(drive.element_id, Some(4806));
//! let token: &str = drive.token.expose(); // the credential of later instance calls
//! assert!(!format!("{drive:?}").contains(token)); // Debug never shows it
//!
//! // An OAuth code is single-use: the provider refuses it the second time.
//! let err = client.create_instance(&oauth).await.unwrap_err();
//! assert_eq!(err.code(), ErrorCode::BadRequest);
//! assert!(err.as_status().unwrap().provider_message.as_deref().unwrap().contains("invalid_grant"));
//!
//! // Every call of the operation table also goes by name (what the Python and Node
//! // packages use); reads are safe to retry.
//! let again = client.get_instance(drive.id as u64).await?;
//! assert_eq!(again.token.expose(), token);
//! client.delete_instance(drive.id as u64).await?;
//! let gone = client.get_instance(drive.id as u64).await.unwrap_err();
//! assert_eq!(gone.code(), ErrorCode::NotFound);
//! # let _ = Region::Us2;
//! # Ok::<(), open_connectors::Error>(())
//! # })?;
//! # Ok(())
//! # }
//! ```
//!
//! Building a request is a pure step you can inspect ([`Client::build_create_instance`]);
//! sending goes through a [`Transport`] you can replace. Errors carry a stable
//! [`ErrorCode`]; secrets and tokens never appear in `Debug` output, errors or logs
//! (which go through `tracing`, target `open_connectors`).
#![warn(missing_docs)]

mod client;
mod config;
pub mod curl;
mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod lang;
pub mod model;
pub mod oauth;
pub mod ocnql;
pub mod ops;
pub mod pager;
pub mod redact;
mod secret;
pub mod transport;
pub mod webhook;

pub use client::typed::{HubRequest, ListInstances, OAuthUrl, UpdateInstance};
pub use client::{
    CALL_OPTIONS, CallOptions, Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RETRIES,
    DEFAULT_RETRY_BUDGET, DEFAULT_TIMEOUT, MAX_RETRIES_LIMIT, MAX_RETRY_AFTER, MAX_TIMEOUT,
    MIN_TIMEOUT, SETTINGS, Setting, SettingType, VERSION,
};
pub use config::{
    API_PATH, ENV_BASE_URL, ENV_ORGANIZATION_SECRET, ENV_REGION, ENV_USER_SECRET, Region,
    normalize_base_url, validate_secret,
};
pub use error::{
    AttrType, DecodeError, ERROR_CLASSES, Error, ErrorAttr, ErrorClass, ErrorCode, RequestSent,
    Result, StatusError,
};
pub use lang::Lang;
pub use model::{
    ElementSummary, INSTANCE_FIELDS, Instance, InstanceUser, Model, Output, Record, Tag, Timestamp,
};
pub use ops::instances::{CreateInstance, CreateRoute, ElementRef, OAuth2, validate_element_key};
pub use ops::{HttpMethod, OPERATIONS, Operation};
pub use pager::{Page, Pager};
pub use secret::Secret;
pub use transport::{HttpRequest, HttpResponse, ReqwestTransport, Transport, TransportError};
