//! The OAuth redirect back to your application: reading the provider's callback.
//!
//! After `get_oauth_url`, the provider sends the user back to your `callback_url`
//! with `code` and `state` (OAuth 2), `oauth_token` and `oauth_verifier` (OAuth 1), or
//! `error` (and `error_description`) when the user denied access. [`parse_callback`]
//! reads that URL (or its query string), checks the `state` against the one you sent
//! (the CSRF check every OAuth guide asks for) and gives back what `create_instance` or
//! `reauthenticate_instance` needs.

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::lang::Lang;
use crate::model::{OAUTH_CALLBACK_MODEL, Output, Record};

/// How the argument holding the callback URL is named in `lang`.
fn url_field(lang: Lang) -> &'static str {
    match lang {
        Lang::Node => "url",
        Lang::Rust | Lang::Python => "url_or_query",
    }
}

/// The query pairs of a callback URL, a query string (`code=...&state=...`, with or
/// without the `?`), a path with its query (`/callback?code=...`), or a URL whose
/// parameters came in the fragment.
fn pairs(input: &str, lang: Lang) -> Result<Vec<(String, String)>> {
    let input = input.trim();
    if input.is_empty() {
        return Err(Error::invalid(url_field(lang), "is empty"));
    }
    let query = if input.contains("://") {
        let url = url::Url::parse(input).map_err(|e| {
            Error::invalid(
                url_field(lang),
                format!("is not a URL or a query string ({e})"),
            )
        })?;
        match url.query().filter(|q| !q.is_empty()) {
            Some(q) => q.to_owned(),
            None => url.fragment().unwrap_or_default().to_owned(),
        }
    } else {
        // A query (`code=...`, `?code=...`) or a path with its query, as web frameworks
        // give the request target (`/callback?code=...`).
        let query = input.split_once('?').map_or(input, |(_, q)| q);
        query.split('#').next().unwrap_or_default().to_owned()
    };
    Ok(url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect())
}

/// Reads the provider's redirect: `url_or_query` is the whole callback URL, the request
/// target a web framework gives (`/callback?code=...`) or the query string. Returns an `OAuthCallback` model ([`Output::Record`]) with `code` and
/// `state` (or OAuth 1's `oauth_token` and `oauth_verifier`).
///
/// - a `state` that differs from `expected_state` (or is missing when one is
///   expected) is `invalid_input` on `state`: the redirect may be forged. It is checked
///   first, error redirects included. Without `expected_state` no state is checked:
///   pass the one you sent;
/// - `error=...` from the provider is [`Error::OAuthDenied`] (code `oauth_denied`),
///   with `error_description`;
/// - no `code` (nor OAuth 1 verifier) is `invalid_input`.
///
/// ```
/// use open_connectors::{lang::Lang, oauth, ErrorCode};
///
/// let cb = oauth::parse_callback(Lang::Rust, "https://app.example/cb?code=Xy12&state=s-1", Some("s-1"))?;
/// let cb = cb.into_record().unwrap();
/// assert_eq!(cb.text("code"), Some("Xy12"));
/// let e = oauth::parse_callback(Lang::Rust, "code=Xy12&state=evil", Some("s-1")).unwrap_err();
/// assert_eq!((e.code(), e.field()), (ErrorCode::InvalidInput, Some("state")));
/// let e = oauth::parse_callback(Lang::Rust, "?error=access_denied&state=s-1", None).unwrap_err();
/// assert_eq!(e.code(), ErrorCode::OAuthDenied);
/// # Ok::<(), open_connectors::Error>(())
/// ```
pub fn parse_callback(
    lang: Lang,
    url_or_query: &str,
    expected_state: Option<&str>,
) -> Result<Output> {
    let pairs = pairs(url_or_query, lang)?;
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    // The state first: providers send it back with an error too (RFC 6749 4.1.2.1),
    // and a forged `error=` redirect is no more a denial than a forged `code=` is a grant.
    let state = get("state");
    if let Some(expected) = expected_state {
        match state {
            Some(s) if constant_time_eq(s.as_bytes(), expected.as_bytes()) => {}
            Some(_) => {
                return Err(Error::invalid(
                    "state",
                    "does not match the state sent with the authorization request: the redirect may be forged (CSRF); start the authorization again",
                ));
            }
            None => {
                return Err(Error::invalid(
                    "state",
                    "is missing from the callback, but a state was expected",
                ));
            }
        }
    }
    if let Some(error) = get("error") {
        return Err(Error::OAuthDenied {
            error: error.to_owned(),
            description: get("error_description").map(str::to_owned),
        });
    }
    let mut out = Map::new();
    for key in ["code", "state", "oauth_token", "oauth_verifier"] {
        if let Some(v) = get(key).filter(|v| !v.is_empty()) {
            out.insert(key.to_owned(), Value::from(v));
        }
    }
    if !out.contains_key("code") && !out.contains_key("oauth_verifier") {
        return Err(Error::invalid(
            url_field(lang),
            "has no `code` (nor OAuth 1 `oauth_verifier`): is this the provider's redirect?",
        ));
    }
    Record::from_json(&OAUTH_CALLBACK_MODEL, Value::Object(out))
        .map(|r| Output::Record(Box::new(r)))
        .map_err(|reason| Error::Internal { reason })
}

/// Compares two byte strings in time that depends on their lengths only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn parse(input: &str, expected: Option<&str>) -> Result<Record> {
        parse_callback(Lang::Python, input, expected).map(|o| o.into_record().unwrap())
    }

    #[test]
    fn reads_urls_and_query_strings() {
        for input in [
            "https://app.example/cb?code=a%2Bb%3D&state=st",
            "http://127.0.0.1:8000/cb?state=st&code=a%2Bb%3D",
            "?code=a%2Bb%3D&state=st",
            "code=a%2Bb%3D&state=st",
            "https://app.example/cb#code=a%2Bb%3D&state=st",
            "/cb?code=a%2Bb%3D&state=st",
            "/cb?code=a%2Bb%3D&state=st#frag=1",
        ] {
            let r = parse(input, Some("st")).unwrap();
            assert_eq!(r.text("code"), Some("a+b="), "{input}");
            assert_eq!(r.text("state"), Some("st"), "{input}");
        }
        let r = parse("oauth_token=t&oauth_verifier=v", None).unwrap();
        assert_eq!(r.text("oauth_verifier"), Some("v"));
        assert_eq!(r.text("code"), None);
        assert!(!format!("{r:?}").contains("\"v\""));
    }

    #[test]
    fn errors_are_typed() {
        let e = parse(
            "error=access_denied&error_description=The+user+said+no",
            None,
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::OAuthDenied);
        assert_eq!(
            e.to_string(),
            "the OAuth provider refused: access_denied (The user said no)"
        );
        let e = parse("error=access_denied", None).unwrap_err();
        assert_eq!(e.to_string(), "the OAuth provider refused: access_denied");
        // A denial carries the state too: checked first, so a forged one is refused.
        let e = parse("/cb?error=access_denied&state=st", Some("st")).unwrap_err();
        assert_eq!(e.code(), ErrorCode::OAuthDenied);
        for input in ["error=access_denied&state=evil", "error=access_denied"] {
            let e = parse(input, Some("st")).unwrap_err();
            assert_eq!(
                (e.code(), e.field()),
                (ErrorCode::InvalidInput, Some("state")),
                "{input}"
            );
        }
        // The state check, at the boundary: one byte off, missing, or an extra byte.
        for (input, field) in [
            ("code=c&state=sT", "state"),
            ("code=c&state=st2", "state"),
            ("code=c", "state"),
            ("code=c&state=s", "state"),
        ] {
            let e = parse(input, Some("st")).unwrap_err();
            assert_eq!(
                (e.code(), e.field()),
                (ErrorCode::InvalidInput, Some(field)),
                "{input}"
            );
        }
        parse("code=c&state=st", Some("st")).unwrap();
        // No expectation: any state is fine.
        parse("code=c&state=whatever", None).unwrap();
        for input in [
            "state=st",
            "code=&state=st",
            "",
            "   ",
            "https://app.example/cb",
        ] {
            let e = parse(input, None).unwrap_err();
            assert_eq!(e.field(), Some("url_or_query"), "{input}");
        }
        let e = parse_callback(Lang::Node, "state=x", None).unwrap_err();
        assert_eq!(e.field(), Some("url"));
        let e = parse("https://exa mple.com/cb?code=1", None).unwrap_err();
        assert_eq!(e.field(), Some("url_or_query"));
    }

    #[test]
    fn constant_time_eq_compares_whole_strings() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
        // Two differences whose bits cancel under XOR ('a' ^ 'b' == 'b' ^ 'a'): the
        // differences must be ORed together, not XORed.
        assert!(!constant_time_eq(b"ab", b"ba"));
        assert!(!constant_time_eq(b"state-xy", b"state-yx"));
    }
}
