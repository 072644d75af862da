//! The OAuth step before a create: the provider's authorization URL.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::OAUTH1_TOKEN_MODEL;
use crate::ops::{
    Args, AuthScope, HttpMethod, Location, Operation, Param, ParamType, ResultKind, RetryClass,
    Wire, build_from_locations, extend_query,
};

/// The query parameters `get_oauth_url` sets from its own arguments.
const MANAGED_QUERY: [&str; 7] = [
    "apiKey",
    "apiSecret",
    "callbackUrl",
    "scope",
    "state",
    "siteAddress",
    "requestToken",
];

/// The `element` parameter of the OAuth operations.
const ELEMENT: Param = Param {
    name: "element",
    ty: ParamType::ElementRef,
    required: true,
    positional: true,
    secret: false,
    location: Location::Path("keyOrId"),
    doc: "The element: its key (e.g. `\"sfdc\"`) or numeric id.",
};

const API_KEY: Param = Param {
    name: "api_key",
    ty: ParamType::Text,
    required: true,
    positional: false,
    secret: true,
    location: Location::Query("apiKey"),
    doc: "Your OAuth app's client id (consumer key) at the provider.",
};

const API_SECRET: Param = Param {
    name: "api_secret",
    ty: ParamType::Text,
    required: true,
    positional: false,
    secret: true,
    location: Location::Query("apiSecret"),
    doc: "Your OAuth app's client secret at the provider.",
};

const CALLBACK_URL: Param = Param {
    name: "callback_url",
    ty: ParamType::Text,
    required: true,
    positional: false,
    secret: false,
    location: Location::Query("callbackUrl"),
    doc: "Where the provider sends the user back (registered with the provider).",
};

/// `get_oauth_url`: `GET /elements/{keyOrId}/oauth/url`.
pub const GET_OAUTH_URL: Operation = Operation {
    name: "get_oauth_url",
    group: "oauth",
    command: "oauth url",
    summary: "Gets the provider's authorization URL to send the user to (OAuth 2, step 1).",
    doc: "`GET /elements/{keyOrId}/oauth/url` with `apiKey`, `apiSecret` and `callbackUrl`; returns the `oauthUrl` of the answer. The provider redirects the user back to `callback_url` with a `code` (and `state`) for `create_instance` or `reauthenticate_instance`. The API secret travels in the query, as the platform documents: it is redacted from every log, error and `Debug`. Safe to retry.",
    method: HttpMethod::Get,
    routes: &["/elements/{keyOrId}/oauth/url"],
    params: &[
        ELEMENT,
        API_KEY,
        API_SECRET,
        CALLBACK_URL,
        Param {
            name: "scope",
            ty: ParamType::Text,
            required: false,
            positional: false,
            secret: false,
            location: Location::Query("scope"),
            doc: "The OAuth scope to ask for, when the element takes one.",
        },
        Param {
            name: "state",
            ty: ParamType::Text,
            required: false,
            positional: false,
            secret: false,
            location: Location::Query("state"),
            doc: "A value the provider hands back unchanged: check it in the callback (CSRF). The platform's default is the element key.",
        },
        Param {
            name: "site_address",
            ty: ParamType::Text,
            required: false,
            positional: false,
            secret: false,
            location: Location::Query("siteAddress"),
            doc: "The provider's site, for elements hosted per customer.",
        },
        Param {
            name: "request_token",
            ty: ParamType::Text,
            required: false,
            positional: false,
            secret: false,
            location: Location::Query("requestToken"),
            doc: "OAuth 1: the request token from `get_oauth1_token`.",
        },
        Param {
            name: "extra",
            ty: ParamType::Object,
            required: false,
            positional: false,
            secret: false,
            location: Location::Custom,
            doc: "Element-specific query parameters (e.g. `subdomain`), passed through as text.",
        },
    ],
    result: ResultKind::Text("oauthUrl"),
    retry: RetryClass::Idempotent,
    auth: AuthScope::Organization,
    pagination: None,
    node_single_object: false,
    precheck: None,
    example: r#"{"element": "sfdc", "api_key": "3MVG9...", "api_secret": "4920...", "callback_url": "https://example.com/oauth/callback", "state": "c2f1a7"}"#,
    build: build_oauth_url,
};

/// `get_oauth1_token`: `GET /elements/{keyOrId}/oauth/token` (OAuth 1, step 1).
pub const GET_OAUTH1_TOKEN: Operation = Operation {
    name: "get_oauth1_token",
    group: "oauth",
    command: "oauth token",
    summary: "Gets an OAuth 1 request token and its secret (OAuth 1, step 1).",
    doc: "`GET /elements/{keyOrId}/oauth/token` with `apiKey`, `apiSecret` and `callbackUrl`. Pass the token as `request_token` to `get_oauth_url`, and keep the secret for the create's `provider_data`. Safe to retry.",
    method: HttpMethod::Get,
    routes: &["/elements/{keyOrId}/oauth/token"],
    params: &[ELEMENT, API_KEY, API_SECRET, CALLBACK_URL],
    result: ResultKind::Model(&OAUTH1_TOKEN_MODEL),
    retry: RetryClass::Idempotent,
    auth: AuthScope::Organization,
    pagination: None,
    node_single_object: false,
    precheck: None,
    example: r#"{"element": "evernote", "api_key": "fake-key", "api_secret": "fake-secret", "callback_url": "https://example.com/oauth/callback"}"#,
    build: build_oauth_url,
};

fn build_oauth_url(op: &Operation, mut args: Args) -> Result<Wire> {
    let extra = args.take("extra");
    for name in ["api_key", "api_secret", "callback_url"] {
        if args
            .get(name)
            .and_then(Value::as_str)
            .is_some_and(|s| s.trim().is_empty())
        {
            return Err(Error::invalid(name, "must not be empty"));
        }
    }
    if let Some(url) = args.get("callback_url").and_then(Value::as_str)
        && url::Url::parse(url).is_err()
    {
        return Err(Error::invalid(
            "callback_url",
            "must be an absolute URL (e.g. https://example.com/oauth/callback)",
        ));
    }
    let mut wire = build_from_locations(op, args)?;
    extend_query("extra", extra, &MANAGED_QUERY, &mut wire.query)?;
    Ok(wire)
}
