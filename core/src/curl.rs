//! A built request as a `curl` command line: the dry run of every language.
//!
//! [`to_curl`] writes an [`HttpRequest`] (from [`Client::build_call`](crate::Client::build_call)
//! or [`Client::build_create_instance`](crate::Client::build_create_instance)) as a
//! shell command that sends the same request: method, URL with its query, every
//! header, the body. Every secret is replaced by a placeholder unless the caller opts
//! in with `show_secrets`:
//! - the `Authorization` header's secrets become the environment variables that hold
//!   them (`User $OPEN_CONNECTORS_USER_SECRET, Organization
//!   $OPEN_CONNECTORS_ORGANIZATION_SECRET, Element $OPEN_CONNECTORS_INSTANCE_TOKEN`),
//!   so the command runs as printed in a shell that has them set;
//! - credential values of the query (`apiSecret`, `apiKey`, `code`...:
//!   [`redact_url`]) and of the JSON body (`password`, `oauth.api.secret`,
//!   `providerData.code`...: [`redact_json`]), at any depth, become `[REDACTED]`;
//! - any other header marked sensitive, or whose name names a credential
//!   ([`is_sensitive_key`], or holding `key`, `auth`, `cookie` or `session`),
//!   becomes `[REDACTED]`.
//!
//! Every word is quoted for POSIX shells (and fish) by [`shlex`].
//!
//! ```
//! use open_connectors::{Client, CreateInstance, curl};
//!
//! let client = Client::builder()
//!     .use_env(false)
//!     .base_url("http://127.0.0.1:8080")
//!     .user_secret("zn96SWr/RjPPWztl+oQcFkT0mbKPpW7hEvPkYcRy6xM=")
//!     .organization_secret("4c193728a11e2d03025e29992948b12c")
//!     .build()?;
//! let request = client.build_create_instance(&CreateInstance::basic("insightly", "me", "hunter2"))?;
//! let shown = curl::to_curl(&request, false);
//! assert!(shown.starts_with("curl -X POST http://127.0.0.1:8080/elements/api-v2/instances"));
//! assert!(shown.contains("User $OPEN_CONNECTORS_USER_SECRET, Organization $OPEN_CONNECTORS_ORGANIZATION_SECRET"));
//! assert!(shown.contains(r#""password":"[REDACTED]""#));
//! assert!(!shown.contains("hunter2") && !shown.contains("zn96SWr"));
//! # Ok::<(), open_connectors::Error>(())
//! ```

use std::borrow::Cow;

use serde_json::Value;

use crate::config::{ENV_ORGANIZATION_SECRET, ENV_USER_SECRET};
use crate::redact::{REDACTED, is_sensitive_key, redact_json, redact_url};
use crate::transport::{HttpRequest, Method};

/// The environment variable a dry run names for an instance's token (the
/// `Element` part of `Authorization`); the `open-connectors` command line reads it.
pub const ENV_INSTANCE_TOKEN: &str = "OPEN_CONNECTORS_INSTANCE_TOKEN";

/// One word for a POSIX shell (and fish): as it is when it needs no quoting, else
/// single-quoted, or double-quoted where it holds a `'` (see [`shlex`]). A NUL byte,
/// which no shell word can hold, is written as `\0` (a request never carries one).
pub fn shell_quote(word: &str) -> Cow<'_, str> {
    match shlex::try_quote(word) {
        Ok(quoted) => quoted,
        Err(_) => Cow::Owned(
            shlex::try_quote(&word.replace('\0', "\\0"))
                .map(Cow::into_owned)
                .unwrap_or_default(),
        ),
    }
}

/// The variable that holds the secret of an `Authorization` part, by its keyword.
fn auth_variable(keyword: &str) -> Option<&'static str> {
    match keyword {
        "User" => Some(ENV_USER_SECRET),
        "Organization" => Some(ENV_ORGANIZATION_SECRET),
        "Element" => Some(ENV_INSTANCE_TOKEN),
        _ => None,
    }
}

/// The `-H` word of the `Authorization` header with its secrets as variables, in
/// double quotes (they expand there, in POSIX shells and in fish). `None` when the
/// header is not the platform's `Keyword secret, ...` form.
fn authorization_with_variables(name: &str, value: &str) -> Option<String> {
    let mut parts = Vec::new();
    for part in value.split(',') {
        let (keyword, secret) = part.trim().split_once(' ')?;
        if secret.trim().is_empty() {
            return None;
        }
        parts.push(format!("{keyword} ${}", auth_variable(keyword)?));
    }
    // Only fixed keywords, variable names, commas and spaces: nothing else to escape.
    Some(format!("\"{name}: {}\"", parts.join(", ")))
}

/// Whether a header's name says its value is a credential: [`is_sensitive_key`], or
/// a name holding `key`, `auth`, `cookie` or `session` (`X-Api-Key`,
/// `Proxy-Authorization`, `Cookie`...).
fn sensitive_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    is_sensitive_key(&n)
        || ["key", "auth", "cookie", "session"]
            .iter()
            .any(|p| n.contains(p))
}

/// The body as the command shows it: JSON with credential values redacted (not
/// JSON: its length only, since nothing in it can be told apart).
fn shown_body(body: &[u8], show_secrets: bool) -> String {
    if show_secrets {
        return String::from_utf8_lossy(body).into_owned();
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => redact_json(&v).to_string(),
        Err(_) => format!("{REDACTED} ({} bytes, not JSON)", body.len()),
    }
}

/// `request` as a `curl` command line, one option per line (joined by ` \` and a
/// line break, so it pastes into a shell as one command). Secrets are placeholders
/// unless `show_secrets` (see the module's documentation).
pub fn to_curl(request: &HttpRequest, show_secrets: bool) -> String {
    let mut lines: Vec<String> = Vec::with_capacity(request.headers.len() + 2);
    let url = if show_secrets {
        request.url.clone()
    } else {
        redact_url(&request.url)
    };
    let mut first = String::from("curl");
    if request.method != Method::GET || request.body.is_some() {
        first.push_str(" -X ");
        first.push_str(&shell_quote(request.method.as_str()));
    }
    first.push(' ');
    // `--globoff`-free: a URL never holds `[` or `{` unencoded (redact_url encodes
    // its placeholder), so curl's globbing has nothing to expand.
    first.push_str(&shell_quote(&url));
    lines.push(first);
    for (name, value) in &request.headers {
        let name = name.as_str();
        let text = String::from_utf8_lossy(value.as_bytes());
        if show_secrets {
            lines.push(format!("-H {}", shell_quote(&format!("{name}: {text}"))));
            continue;
        }
        if name.eq_ignore_ascii_case("authorization") {
            match authorization_with_variables("Authorization", &text) {
                Some(word) => lines.push(format!("-H {word}")),
                None => lines.push(format!(
                    "-H {}",
                    shell_quote(&format!("Authorization: {REDACTED}"))
                )),
            }
            continue;
        }
        let shown = if value.is_sensitive() || sensitive_header(name) {
            Cow::Borrowed(REDACTED)
        } else {
            text
        };
        lines.push(format!("-H {}", shell_quote(&format!("{name}: {shown}"))));
    }
    if let Some(body) = &request.body {
        lines.push(format!(
            "--data-raw {}",
            shell_quote(&shown_body(body, show_secrets))
        ));
    }
    lines.join(" \\\n  ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{HeaderMap, HeaderValue};
    use bytes::Bytes;
    use serde_json::json;

    fn request(
        method: Method,
        url: &str,
        headers: &[(&str, &str, bool)],
        body: Option<Value>,
    ) -> HttpRequest {
        let mut h = HeaderMap::new();
        for (k, v, sensitive) in headers {
            let mut value = HeaderValue::from_str(v).unwrap();
            value.set_sensitive(*sensitive);
            h.append(
                crate::transport::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                value,
            );
        }
        HttpRequest {
            method,
            url: url.to_owned(),
            headers: h,
            body: body.map(|b| Bytes::from(b.to_string())),
            idempotent: true,
        }
    }

    /// The words of a command line as a POSIX shell reads them (no expansion).
    fn words(line: &str) -> Vec<String> {
        shlex::split(&line.replace(" \\\n  ", " ")).expect("a valid shell line")
    }

    #[test]
    fn quoting_round_trips_through_a_shell_reader() {
        for w in [
            "plain",
            "",
            "two words",
            "it's",
            "'",
            "\"double\" and 'single'",
            "$HOME `x` \\ !",
            "tab\there",
            "line\nbreak",
            "ü and 漢字",
            "a*b?[c]{d,e}",
        ] {
            let quoted = shell_quote(w);
            assert_eq!(shlex::split(&quoted), Some(vec![w.to_owned()]), "{quoted}");
        }
        assert_eq!(shell_quote("abc-1.2/x:y@z"), "abc-1.2/x:y@z");
        assert_eq!(shell_quote("a b"), "'a b'");
        // No shell word holds a NUL: it is written as the two characters `\0`.
        assert_eq!(
            shlex::split(&shell_quote("nul\0byte")),
            Some(vec!["nul\\0byte".to_owned()])
        );
    }

    #[test]
    fn a_secret_with_quotes_and_spaces_is_a_placeholder() {
        let secret = "it's a \"secret\" value";
        let r = request(
            Method::GET,
            "http://127.0.0.1:1/elements/api-v2/instances/5",
            &[
                (
                    "authorization",
                    &format!("User {secret}, Organization o-s3cr3t, Element tok'en"),
                    true,
                ),
                ("accept", "application/json", false),
            ],
            None,
        );
        let hidden = to_curl(&r, false);
        assert!(
            !hidden.contains("secret\\\"") && !hidden.contains("it's"),
            "{hidden}"
        );
        assert!(
            !hidden.contains("o-s3cr3t") && !hidden.contains("tok"),
            "{hidden}"
        );
        assert_eq!(
            hidden,
            "curl http://127.0.0.1:1/elements/api-v2/instances/5 \\\n  \
             -H \"Authorization: User $OPEN_CONNECTORS_USER_SECRET, Organization $OPEN_CONNECTORS_ORGANIZATION_SECRET, Element $OPEN_CONNECTORS_INSTANCE_TOKEN\" \\\n  \
             -H 'accept: application/json'"
        );
        let shown = to_curl(&r, true);
        assert_eq!(
            words(&shown)[3],
            format!("authorization: User {secret}, Organization o-s3cr3t, Element tok'en")
        );
        // An Authorization of another shape is hidden whole.
        for odd in ["Bearer", "Basic abc", "User a, Mystery b", "User "] {
            let r = request(
                Method::GET,
                "http://h/x",
                &[("authorization", odd, true)],
                None,
            );
            let out = to_curl(&r, false);
            assert_eq!(words(&out)[3], "Authorization: [REDACTED]", "{odd}: {out}");
        }
    }

    #[test]
    fn nested_secret_body_fields_are_redacted() {
        let body = json!({
            "element": {"key": "sfdc"},
            "configuration": {"username": "ada", "password": "pa ss'word", "oauth.api.secret": "s3"},
            "providerData": {"code": "c0de"},
            "items": [{"nested": {"refresh_token": "rt-1"}}],
            "name": "it's mine"
        });
        let r = request(Method::POST, "http://h/x", &[], Some(body.clone()));
        let out = to_curl(&r, false);
        let w = words(&out);
        assert_eq!(&w[..4], ["curl", "-X", "POST", "http://h/x"]);
        assert_eq!(w[4], "--data-raw");
        let sent: Value = serde_json::from_str(&w[5]).unwrap();
        assert_eq!(
            sent,
            json!({
                "element": {"key": "sfdc"},
                "configuration": {"username": "ada", "password": REDACTED, "oauth.api.secret": REDACTED},
                "providerData": {"code": REDACTED},
                "items": [{"nested": {"refresh_token": REDACTED}}],
                "name": "it's mine"
            })
        );
        for secret in ["pa ss", "s3\"", "c0de", "rt-1"] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        let shown = words(&to_curl(&r, true));
        assert_eq!(
            serde_json::from_str::<Value>(&shown[5]).unwrap(),
            body,
            "the body as sent"
        );
        // A body that is not JSON is shown by its length only.
        let mut raw = request(Method::PUT, "http://h/x", &[], None);
        raw.body = Some(Bytes::from_static(b"password=hunter2"));
        let out = words(&to_curl(&raw, false));
        assert_eq!(out[5], "[REDACTED] (16 bytes, not JSON)");
        assert_eq!(words(&to_curl(&raw, true))[5], "password=hunter2");
    }

    #[test]
    fn secret_query_values_are_redacted() {
        let url = "http://h/elements/sfdc/oauth/url?apiKey=k+1&apiSecret=a%27b+c&callbackUrl=https%3A%2F%2Fapp%2Fcb&state=s%2F1";
        let r = request(Method::GET, url, &[], None);
        let out = to_curl(&r, false);
        let w = words(&out);
        assert_eq!(
            w,
            [
                "curl",
                "http://h/elements/sfdc/oauth/url?apiKey=%5BREDACTED%5D&apiSecret=%5BREDACTED%5D&callbackUrl=https%3A%2F%2Fapp%2Fcb&state=s%2F1"
            ]
        );
        assert_eq!(words(&to_curl(&r, true))[1], url);
    }

    #[test]
    fn other_sensitive_headers_and_methods() {
        let r = request(
            Method::DELETE,
            "http://h/x",
            &[
                ("x-api-key", "hidden-by-name", false),
                ("x-trace", "t 1", false),
                ("x-custom", "marked", true),
                ("x-session-token", "tok", false),
            ],
            None,
        );
        let w = words(&to_curl(&r, false));
        assert_eq!(
            w,
            [
                "curl",
                "-X",
                "DELETE",
                "http://h/x",
                "-H",
                "x-api-key: [REDACTED]",
                "-H",
                "x-trace: t 1",
                "-H",
                "x-custom: [REDACTED]",
                "-H",
                "x-session-token: [REDACTED]",
            ]
        );
        // A GET with a body says its method (curl would send POST).
        let r = request(Method::GET, "http://h/x", &[], Some(json!({})));
        assert_eq!(&words(&to_curl(&r, false))[..3], ["curl", "-X", "GET"]);
    }
}
