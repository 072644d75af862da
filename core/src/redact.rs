//! Which JSON keys hold secrets, and how to hide their values.

use serde_json::Value;

/// The text that stands in for a hidden value.
pub const REDACTED: &str = "[REDACTED]";

/// True when a configuration or providerData key names a credential.
///
/// Matches, case-insensitively: any key containing `password`, `passwd`, `secret`,
/// `token` or `verifier`, the OAuth keys `oauth.api.key`/`apikey`, and the OAuth
/// authorization `code`. Keys that only describe a credential (`tokenType`,
/// `oauth.token.url`, `expiresIn`) are not hidden. The platform masks the same kind
/// of values as `"********"`.
pub fn is_sensitive_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    const DESCRIPTIVE: [&str; 4] = ["type", "url", "expires", "endpoint"];
    if DESCRIPTIVE.iter().any(|d| k.contains(d)) {
        return false;
    }
    const PARTS: [&str; 6] = [
        "password",
        "passwd",
        "secret",
        "token",
        "verifier",
        "credential",
    ];
    if PARTS.iter().any(|p| k.contains(p)) {
        return true;
    }
    matches!(
        k.as_str(),
        "code" | "oauth.api.key" | "apikey" | "api_key" | "api.key" | "authorization"
    )
}

/// A copy of `value` in which every value under a sensitive key is replaced by
/// [`REDACTED`], at any depth.
pub fn redact_json(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_sensitive_key(k) && !v.is_null() {
                        Value::String(REDACTED.to_owned())
                    } else {
                        redact_json(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_json).collect()),
        other => other.clone(),
    }
}

/// The secrets one request carried, to mask wherever the server's answer echoes them
/// (an error message, a proxy's error page...): the `Authorization` parts (user and
/// organization secrets, an instance token) and every string under a sensitive key of
/// the JSON body (passwords, `oauth.api.secret`, an OAuth `code`...).
#[derive(Default)]
pub struct Masker {
    secrets: Vec<String>,
}

impl std::fmt::Debug for Masker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Masker({} secrets)", self.secrets.len())
    }
}

/// Secrets shorter than this are not masked in free text (they would mangle it, and
/// the platform issues none that short).
pub const MASK_MIN_LEN: usize = 4;

fn collect_sensitive(v: &Value, under_sensitive: bool, out: &mut Vec<String>) {
    match v {
        Value::String(s) if under_sensitive => out.push(s.clone()),
        Value::Object(m) => {
            for (k, v) in m {
                collect_sensitive(v, under_sensitive || is_sensitive_key(k), out);
            }
        }
        Value::Array(items) => {
            for i in items {
                collect_sensitive(i, under_sensitive, out);
            }
        }
        _ => {}
    }
}

/// The values of the query parameters of `url` whose keys name a credential
/// ([`is_sensitive_key`]: `apiSecret`, `apiKey`, `code`...), decoded.
fn sensitive_query_values(url: &str) -> Vec<String> {
    let Some((_, query)) = url.split_once('?') else {
        return Vec::new();
    };
    let query = query.split('#').next().unwrap_or_default();
    url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| is_sensitive_key(k))
        .map(|(_, v)| v.into_owned())
        .collect()
}

/// `url` with the value of every query parameter whose key names a credential
/// replaced by [`REDACTED`] (what a `Debug`, a log or a dry run shows).
pub fn redact_url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| {
            let v = if is_sensitive_key(&k) {
                REDACTED.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish();
    format!("{base}?{query}")
}

impl Masker {
    /// The secrets of an `Authorization` header value and a JSON body.
    pub fn new(authorization: Option<&str>, body: Option<&[u8]>) -> Masker {
        Masker::for_request(authorization, body, None)
    }

    /// The secrets of a request: its `Authorization` header value, its JSON body and
    /// the credential values of its URL's query (an OAuth `apiSecret`...).
    pub fn for_request(
        authorization: Option<&str>,
        body: Option<&[u8]>,
        url: Option<&str>,
    ) -> Masker {
        let mut secrets = Vec::new();
        if let Some(url) = url {
            for value in sensitive_query_values(url) {
                // Echoed either decoded or as sent (percent-encoded).
                let encoded: String =
                    url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
                secrets.push(value);
                secrets.push(encoded);
            }
        }
        if let Some(auth) = authorization {
            for part in auth.split(',') {
                if let Some((_, value)) = part.trim().split_once(' ') {
                    secrets.push(value.trim().to_owned());
                }
            }
        }
        if let Some(v) = body.and_then(|b| serde_json::from_slice::<Value>(b).ok()) {
            collect_sensitive(&v, false, &mut secrets);
        }
        // Also their JSON-escaped forms (a server that echoes JSON escapes `/`, `"`...).
        let escaped: Vec<String> = secrets
            .iter()
            .flat_map(|s| {
                let json = serde_json::to_string(s).unwrap_or_default();
                let inner = json
                    .get(1..json.len().saturating_sub(1))
                    .unwrap_or_default()
                    .to_owned();
                [inner.clone(), inner.replace('/', "\\/")]
            })
            .collect();
        secrets.extend(escaped);
        secrets.retain(|s| s.len() >= MASK_MIN_LEN);
        // Longest first, so a secret that contains another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Masker { secrets }
    }

    /// `text` with every secret replaced by [`REDACTED`].
    pub fn mask(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), REDACTED);
            }
        }
        out
    }

    /// [`Masker::mask`] in place, for an optional text.
    pub fn mask_opt(&self, text: &mut Option<String>) {
        if let Some(t) = text {
            *t = self.mask(t);
        }
    }
}

/// A message of serde's with the values it quotes removed (they may be secrets):
/// `invalid type: string "tok", expected i64` -> `invalid type: string, expected i64`.
pub fn without_quoted_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find(" \"") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        // A quoted JSON string ends at the next unescaped quote.
        let mut end = None;
        let mut escaped = false;
        for (i, c) in after.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
        match end {
            Some(e) => rest = &after[e + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn urls_keep_everything_but_credential_values() {
        assert_eq!(
            redact_url("https://h/x?apiKey=k-1&state=s%2F1&apiSecret=a+b"),
            "https://h/x?apiKey=%5BREDACTED%5D&state=s%2F1&apiSecret=%5BREDACTED%5D"
        );
        assert_eq!(redact_url("https://h/x/y"), "https://h/x/y");
    }

    #[test]
    fn quoted_values_end_at_an_unescaped_quote() {
        assert_eq!(
            without_quoted_values(r#"invalid type: string "a\\", expected i64 at line 1"#),
            "invalid type: string, expected i64 at line 1"
        );
        assert_eq!(
            without_quoted_values(r#"unknown variant "x\"y", expected one"#),
            "unknown variant, expected one"
        );
    }

    #[test]
    fn masker_reads_query_credentials_and_arrays() {
        let m = Masker::for_request(
            None,
            Some(br#"{"items": [{"password": "hunter22"}], "password": ["s3cr3t-in-a-list"], "name": "plain-name"}"#),
            Some("https://h/x?apiKey=key-1234&apiSecret=ab%2Fcd%20ef&state=visible-state#frag"),
        );
        let echoed =
            "key-1234 ab/cd ef ab%2Fcd+ef hunter22 s3cr3t-in-a-list plain-name visible-state";
        assert_eq!(
            m.mask(echoed),
            "[REDACTED] [REDACTED] [REDACTED] [REDACTED] [REDACTED] plain-name visible-state"
        );
        assert!(sensitive_query_values("https://h/x").is_empty());
        assert_eq!(
            sensitive_query_values("https://h/x?code=abc#code=def"),
            ["abc"]
        );
    }

    #[test]
    fn sensitive_keys() {
        for k in [
            "password",
            "oauth.api.secret",
            "oauth.api.key",
            "code",
            "oauth.user.refresh_token",
            "oauth_verifier",
            "Password",
        ] {
            assert!(is_sensitive_key(k), "{k}");
        }
        for k in [
            "username",
            "oauth.callback.url",
            "site.address",
            "name",
            "tokenType",
            "oauth.token.url",
        ] {
            assert!(!is_sensitive_key(k), "{k}");
        }
    }

    #[test]
    fn redacts_nested() {
        let v = json!({"configuration": {"username": "u", "password": "p"}, "providerData": {"code": "c"}, "list": [{"secret": 1}]});
        let r = redact_json(&v);
        assert_eq!(
            r,
            json!({"configuration": {"username": "u", "password": REDACTED}, "providerData": {"code": REDACTED}, "list": [{"secret": REDACTED}]})
        );
    }

    #[test]
    fn masks_what_the_request_carried() {
        let m = Masker::new(
            Some("User zn96SWr/RjPP+q=, Organization 4c193728a11e, Element tok"),
            Some(br#"{"configuration": {"username": "u", "password": "pa\"ss-1"}, "providerData": {"code": "C0DE-1234"}, "name": "visible"}"#),
        );
        let echoed = "bad header User zn96SWr/RjPP+q=, Organization 4c193728a11e; json: \"zn96SWr\\/RjPP+q=\" pw pa\\\"ss-1 pa\"ss-1 code C0DE-1234 name visible tok";
        let out = m.mask(echoed);
        for s in [
            "zn96SWr",
            "4c193728a11e",
            "pa\\\"ss-1",
            "pa\"ss-1",
            "C0DE-1234",
        ] {
            assert!(!out.contains(s), "{s} in {out}");
        }
        // Short secrets and ordinary values are left alone.
        assert!(out.contains("visible") && out.ends_with(" tok"), "{out}");
        assert!(format!("{m:?}").starts_with("Masker("));
        let mut t = Some("x 4c193728a11e".to_owned());
        m.mask_opt(&mut t);
        assert_eq!(t.as_deref(), Some("x [REDACTED]"));
        assert_eq!(Masker::default().mask("same"), "same");
        // Exactly MASK_MIN_LEN is masked; one less is not.
        let m = Masker::new(Some("User abcd, Organization abc"), None);
        assert_eq!(m.mask("abcd abc"), "[REDACTED] abc");
    }

    #[test]
    fn serde_messages_lose_their_quoted_values() {
        assert_eq!(
            without_quoted_values(
                "invalid type: string \"refresh_token=s3cr3t\", expected i64 at line 1 column 9"
            ),
            "invalid type: string, expected i64 at line 1 column 9"
        );
        assert_eq!(without_quoted_values("a \"x\\\"y\" b \"z\" c"), "a b c");
        assert_eq!(
            without_quoted_values("missing field `token`"),
            "missing field `token`"
        );
        assert_eq!(without_quoted_values("cut \"open"), "cut");
    }
}
