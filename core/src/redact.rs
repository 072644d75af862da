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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
}
