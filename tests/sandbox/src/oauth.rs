//! OAuth, end to end and offline: the platform's `GET`/`POST
//! /elements/{keyOrId}/oauth/url` and `GET /elements/{keyOrId}/oauth/token`, and the
//! "provider's" authorize page `GET /__sandbox/oauth/authorize` that the OAuth URL
//! points to, which redirects back with a fresh single-use code (or a denial, when
//! staged by `POST /__sandbox/oauth`).

use std::net::SocketAddr;

use bytes::Bytes;
use hyper::http::request::Parts;
use hyper::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use url::Url;

use crate::elements::{Auth, Element, element_by_key_or_id};
use crate::instances::{check_content_type, parse_body};
use crate::pagination::{Params, query_params, single};
use crate::platform::{PlatformError, bad_request, type_name};
use crate::server::{Reply, Shared};

/// The path of the authorize page (control namespace).
pub(crate) const AUTHORIZE_PATH: &str = "/__sandbox/oauth/authorize";

/// The fields of `GET` (query) or `POST` (JSON body) `/elements/{keyOrId}/oauth/url`.
#[derive(Default)]
struct OAuthInfo {
    api_key: Option<String>,
    api_secret: Option<String>,
    callback_url: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    request_token: Option<String>,
    /// Other query parameters, passed on to the authorize URL in request order.
    extra: Vec<(String, String)>,
}

/// Parameters the platform knows (not passed on).
const KNOWN: &[&str] = &[
    "apiKey",
    "apiSecret",
    "callbackUrl",
    "scope",
    "state",
    "siteAddress",
    "requestToken",
    "callbackProxy",
    "isOauthProxy",
    "isOAuthProxy",
    "oauthProxyName",
];

/// Parameters of the authorize URL the sandbox sets itself (an extra parameter of
/// the same name is not passed on).
const RESERVED: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "element",
    "oauth_token",
];

/// `GET /elements/{keyOrId}/oauth/url?apiKey&apiSecret&callbackUrl[&scope&state&...]`.
pub(crate) fn url_from_query(
    shared: &Shared,
    parts: &Parts,
    key_or_id: &str,
    params: &Params,
) -> Result<Reply, PlatformError> {
    let element = oauth_element(key_or_id)?;
    let get = |name: &str| -> Result<Option<String>, PlatformError> {
        Ok(single(params, name)?.map(str::to_owned))
    };
    let info = OAuthInfo {
        api_key: get("apiKey")?,
        api_secret: get("apiSecret")?,
        callback_url: get("callbackUrl")?,
        scope: get("scope")?,
        state: get("state")?,
        request_token: get("requestToken")?,
        extra: params
            .iter()
            .filter(|(n, _)| !KNOWN.contains(&n.as_str()) && !RESERVED.contains(&n.as_str()))
            .cloned()
            .collect(),
    };
    oauth_url(shared, &parts.headers, element, info)
}

/// `POST /elements/{keyOrId}/oauth/url` with the same fields in a JSON body (unknown
/// fields ignored).
pub(crate) fn url_from_body(
    shared: &Shared,
    parts: &Parts,
    body: &[u8],
    key_or_id: &str,
) -> Result<Reply, PlatformError> {
    check_content_type(parts)?;
    let body = parse_body(body)?;
    let element = oauth_element(key_or_id)?;
    let get = |name: &str| -> Result<Option<String>, PlatformError> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(bad_request(format!(
                "{name} must be a string, not {}",
                type_name(v)
            ))),
        }
    };
    let info = OAuthInfo {
        api_key: get("apiKey")?,
        api_secret: get("apiSecret")?,
        callback_url: get("callbackUrl")?,
        scope: get("scope")?,
        state: get("state")?,
        request_token: get("requestToken")?,
        extra: Vec::new(),
    };
    oauth_url(shared, &parts.headers, element, info)
}

/// The element of an OAuth route: 404 when unknown, 400 when it is not an OAuth
/// element.
fn oauth_element(key_or_id: &str) -> Result<&'static Element, PlatformError> {
    let element = element_by_key_or_id(key_or_id)?;
    if element.auth.is_oauth() {
        Ok(element)
    } else {
        Err(bad_request(format!(
            "Element {} does not use OAuth",
            element.key
        )))
    }
}

/// `apiKey`, `apiSecret` and `callbackUrl`, non-empty, in this order; `callbackUrl`
/// an absolute URL.
fn required_parameters(info: &OAuthInfo) -> Result<(String, Url), PlatformError> {
    for (name, value) in [
        ("apiKey", &info.api_key),
        ("apiSecret", &info.api_secret),
        ("callbackUrl", &info.callback_url),
    ] {
        if value.as_deref().is_none_or(str::is_empty) {
            return Err(bad_request(format!("{name} is required")));
        }
    }
    let callback = info.callback_url.as_deref().unwrap_or_default();
    let callback_url = Url::parse(callback).map_err(|e| {
        bad_request(format!(
            "Invalid callbackUrl '{callback}': expected an absolute URL ({e})"
        ))
    })?;
    Ok((info.api_key.clone().unwrap_or_default(), callback_url))
}

fn oauth_url(
    shared: &Shared,
    headers: &HeaderMap,
    element: &'static Element,
    info: OAuthInfo,
) -> Result<Reply, PlatformError> {
    let (api_key, callback_url) = required_parameters(&info)?;
    let non_empty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let mut url = authorize_base(headers, shared.addr);
    {
        let mut query = url.query_pairs_mut();
        if element.auth == Auth::OAuth1 {
            let token = non_empty(&info.request_token).ok_or_else(|| {
                bad_request(format!(
                    "requestToken is required: OAuth 1 element '{key}' needs the token of GET /elements/{key}/oauth/token",
                    key = element.key
                ))
            })?;
            query
                .append_pair("oauth_token", &token)
                .append_pair("redirect_uri", callback_url.as_str());
        } else {
            let state = non_empty(&info.state).unwrap_or_else(|| element.key.to_owned());
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &api_key)
                .append_pair("redirect_uri", callback_url.as_str())
                .append_pair("state", &state);
            if let Some(scope) = non_empty(&info.scope) {
                query.append_pair("scope", &scope);
            }
        }
        query.append_pair("element", element.key);
        for (k, v) in &info.extra {
            query.append_pair(k, v);
        }
    }
    let body = json!({"oauthUrl": url.as_str(), "element": element.key});
    Ok(Reply::json(StatusCode::OK, body.to_string().into_bytes()))
}

/// `http://<Host header>/__sandbox/oauth/authorize`, or the bound address when the
/// Host header is missing or not a plain `host[:port]`.
fn authorize_base(headers: &HeaderMap, addr: SocketAddr) -> Url {
    let from_host = headers
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(|host| Url::parse(&format!("http://{host}{AUTHORIZE_PATH}")).ok())
        .filter(|u| {
            u.path() == AUTHORIZE_PATH
                && u.query().is_none()
                && u.fragment().is_none()
                && u.username().is_empty()
                && u.password().is_none()
        });
    from_host.unwrap_or_else(|| {
        Url::parse(&format!("http://{addr}{AUTHORIZE_PATH}")).expect("a socket address is a host")
    })
}

/// `GET /elements/{keyOrId}/oauth/token?apiKey&apiSecret&callbackUrl`: step 1 of
/// OAuth 1, a request token and its secret.
pub(crate) fn request_token(
    shared: &Shared,
    key_or_id: &str,
    params: &Params,
) -> Result<Reply, PlatformError> {
    let element = element_by_key_or_id(key_or_id)?;
    if element.auth != Auth::OAuth1 {
        return Err(bad_request(format!(
            "Element {} does not use OAuth 1",
            element.key
        )));
    }
    let get = |name: &str| -> Result<Option<String>, PlatformError> {
        Ok(single(params, name)?.map(str::to_owned))
    };
    let info = OAuthInfo {
        api_key: get("apiKey")?,
        api_secret: get("apiSecret")?,
        callback_url: get("callbackUrl")?,
        ..OAuthInfo::default()
    };
    required_parameters(&info)?;
    let (token, secret) = (shared.ids.hex32(), shared.ids.hex32());
    shared
        .state()
        .oauth1_secrets
        .insert(token.clone(), secret.clone());
    let body = json!({"token": token, "secret": secret});
    Ok(Reply::json(StatusCode::OK, body.to_string().into_bytes()))
}

// ---------------------------------------------------------------------------------
// The control side: the authorize page and its staging

fn plain(status: StatusCode, text: String) -> Reply {
    let mut reply = Reply::new(status, Bytes::from(text.into_bytes()));
    reply.header("content-type", "text/plain; charset=utf-8");
    reply
}

/// `GET /__sandbox/oauth/authorize?redirect_uri=..[&state=..][&oauth_token=..]`: the
/// user consents at once: 302 to `redirect_uri` with `code` (and `state`), or for
/// OAuth 1 (an `oauth_token` parameter) with `oauth_token` and `oauth_verifier`; a
/// staged denial redirects with `error=access_denied`.
pub(crate) fn authorize(shared: &Shared, parts: &Parts) -> Reply {
    let params = query_params(parts.uri.query());
    let first = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(redirect) = first("redirect_uri").filter(|r| !r.is_empty()) else {
        return plain(
            StatusCode::BAD_REQUEST,
            "Missing redirect_uri: the authorize page redirects the user there\n".to_owned(),
        );
    };
    let mut location = match Url::parse(redirect) {
        Ok(url) => url,
        Err(e) => {
            return plain(
                StatusCode::BAD_REQUEST,
                format!("Invalid redirect_uri '{redirect}': expected an absolute URL ({e})\n"),
            );
        }
    };
    let state = first("state");
    let oauth1_token = first("oauth_token");
    let denied = {
        let mut s = shared.state();
        let denied = s.deny_authorizations > 0;
        s.deny_authorizations = s.deny_authorizations.saturating_sub(1);
        denied
    };
    {
        let mut query = location.query_pairs_mut();
        if denied {
            query
                .append_pair("error", "access_denied")
                .append_pair("error_description", "The user denied access");
        } else if let Some(token) = oauth1_token {
            query
                .append_pair("oauth_token", token)
                .append_pair("oauth_verifier", &shared.ids.hex32());
        } else {
            query.append_pair("code", &shared.ids.hex32());
        }
        if let (Some(state), None) = (state, oauth1_token) {
            query.append_pair("state", state);
        }
    }
    let mut reply = Reply::new(StatusCode::FOUND, Bytes::new());
    reply.header("location", location.as_str());
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorize_url_uses_the_host_header_or_the_bound_address() {
        let addr: SocketAddr = "127.0.0.1:4567".parse().unwrap();
        let base = |host: Option<&str>| {
            let mut headers = HeaderMap::new();
            if let Some(h) = host {
                headers.insert(hyper::header::HOST, h.parse().unwrap());
            }
            authorize_base(&headers, addr).to_string()
        };
        assert_eq!(
            base(Some("localhost:8080")),
            "http://localhost:8080/__sandbox/oauth/authorize"
        );
        assert_eq!(
            base(Some("[::1]:9")),
            "http://[::1]:9/__sandbox/oauth/authorize"
        );
        let fallback = "http://127.0.0.1:4567/__sandbox/oauth/authorize";
        for bad in [
            None,
            Some("evil.example/x?"),
            Some("user@evil.example"),
            Some("a b"),
            Some(""),
            Some("host#frag"),
        ] {
            assert_eq!(base(bad), fallback, "{bad:?}");
        }
    }
}
