//! Client configuration: base URLs and region presets, secrets, validation.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use url::Url;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// The path every platform host serves its API under.
pub const API_PATH: &str = "/elements/api-v2";

/// Environment variable for the base URL.
pub const ENV_BASE_URL: &str = "OPEN_CONNECTORS_BASE_URL";
/// Environment variable for a region preset name (used when no base URL is given).
pub const ENV_REGION: &str = "OPEN_CONNECTORS_REGION";
/// Environment variable for the user secret.
pub const ENV_USER_SECRET: &str = "OPEN_CONNECTORS_USER_SECRET";
/// Environment variable for the organization secret.
pub const ENV_ORGANIZATION_SECRET: &str = "OPEN_CONNECTORS_ORGANIZATION_SECRET";

/// A data centre of the platform whose host is confirmed by the platform's docs.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    /// SAP Open Connectors, the default host `api.openconnectors.ext.hana.ondemand.com` (`"default"`).
    Default,
    /// SAP Open Connectors US, us2 (`"us2"`).
    Us2,
    /// SAP Open Connectors US, us10 (`"us10"`).
    Us10,
    /// SAP Open Connectors EU, eu10 (`"eu10"`).
    Eu10,
    /// SAP BTP trial, us10 (`"trial-us10"`).
    TrialUs10,
    /// Cloud Elements US production (`"ce-us"`).
    CloudElementsUs,
    /// Cloud Elements EU (UK) production (`"ce-eu"`).
    CloudElementsEu,
    /// Cloud Elements staging (`"ce-staging"`).
    CloudElementsStaging,
}

impl Region {
    /// Every preset.
    pub const ALL: [Region; 8] = [
        Region::Default,
        Region::Us2,
        Region::Us10,
        Region::Eu10,
        Region::TrialUs10,
        Region::CloudElementsUs,
        Region::CloudElementsEu,
        Region::CloudElementsStaging,
    ];

    /// The preset's name, as accepted by [`Region::from_str`].
    pub const fn name(self) -> &'static str {
        match self {
            Region::Default => "default",
            Region::Us2 => "us2",
            Region::Us10 => "us10",
            Region::Eu10 => "eu10",
            Region::TrialUs10 => "trial-us10",
            Region::CloudElementsUs => "ce-us",
            Region::CloudElementsEu => "ce-eu",
            Region::CloudElementsStaging => "ce-staging",
        }
    }

    /// The API host.
    pub const fn host(self) -> &'static str {
        match self {
            Region::Default => "api.openconnectors.ext.hana.ondemand.com",
            Region::Us2 => "api.openconnectors.us2.ext.hana.ondemand.com",
            Region::Us10 => "api.openconnectors.us10.ext.hana.ondemand.com",
            Region::Eu10 => "api.openconnectors.eu10.ext.hana.ondemand.com",
            Region::TrialUs10 => "api.openconnectors.trial.us10.ext.hana.ondemand.com",
            Region::CloudElementsUs => "api.cloud-elements.com",
            Region::CloudElementsEu => "api.cloud-elements.co.uk",
            Region::CloudElementsStaging => "staging.cloud-elements.com",
        }
    }

    /// The full base URL, e.g. `https://api.openconnectors.us2.ext.hana.ondemand.com/elements/api-v2`.
    pub fn base_url(self) -> String {
        format!("https://{}{API_PATH}", self.host())
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Region {
    type Err = Error;

    /// Parses a preset name, case-insensitively, with `_` accepted for `-`.
    fn from_str(s: &str) -> Result<Region> {
        let n = s.trim().to_ascii_lowercase().replace('_', "-");
        let found = match n.as_str() {
            "trial" | "trial-us10" => Some(Region::TrialUs10),
            "cloud-elements-us" | "ce" => Some(Region::CloudElementsUs),
            "cloud-elements-eu" | "ce-uk" => Some(Region::CloudElementsEu),
            "cloud-elements-staging" => Some(Region::CloudElementsStaging),
            other => Region::ALL.into_iter().find(|r| r.name() == other),
        };
        found.ok_or_else(|| {
            let names: Vec<&str> = Region::ALL.iter().map(|r| r.name()).collect();
            Error::invalid(
                "region",
                format!("unknown region {s:?}; expected one of {}", names.join(", ")),
            )
        })
    }
}

/// Checks a user or organization secret: non-empty printable ASCII without
/// whitespace or commas (a comma would split the `Authorization` header).
pub fn validate_secret(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    for c in value.chars() {
        let what = if c.is_control() {
            "a control character"
        } else if c.is_whitespace() {
            "whitespace"
        } else if c == ',' {
            "a comma"
        } else if !c.is_ascii() {
            "a non-ASCII character"
        } else {
            continue;
        };
        return Err(Error::invalid(
            field,
            format!("contains {what}; secrets are sent exactly as issued and never contain one"),
        ));
    }
    Ok(())
}

pub(crate) fn secret_arg(field: &str, value: Secret) -> Result<Secret> {
    validate_secret(field, value.expose())?;
    Ok(value)
}

/// Whether the URL names a loopback host (`127.0.0.0/8`, `::1`, `localhost`).
pub(crate) fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        None => false,
    }
}

/// The text of a URL with any `user:password@` replaced by `***@`, for messages.
fn without_userinfo(text: &str) -> String {
    let Some(scheme_end) = text.find("://") else {
        return match text.rfind('@') {
            Some(at) => format!("***@{}", &text[at + 1..]),
            None => text.to_owned(),
        };
    };
    let rest = &text[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***@{}", &text[..scheme_end + 3], &rest[at + 1..]),
        None => text.to_owned(),
    }
}

/// Parses and checks a base URL. Returns it without a trailing slash.
///
/// - `https://` anywhere; `http://` only to a loopback host (a local sandbox);
/// - no user info, query or fragment;
/// - a bare host (empty path) gets the platform's `/elements/api-v2` appended.
pub fn normalize_base_url(input: &str) -> Result<String> {
    const FIELD: &str = "base_url";
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(FIELD, "must not be empty"));
    }
    let url = Url::parse(trimmed).map_err(|e| {
        Error::invalid(
            FIELD,
            format!("{:?} is not a URL ({e})", without_userinfo(trimmed)),
        )
    })?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&url) => {}
        "http" => {
            return Err(Error::invalid(
                FIELD,
                format!(
                    "plain http:// is allowed only to a loopback host, not {:?}: secrets would cross the network unencrypted; use https://",
                    url.host_str().unwrap_or("")
                ),
            ));
        }
        other => {
            return Err(Error::invalid(
                FIELD,
                format!("scheme {other:?} is not supported; use https://"),
            ));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid(FIELD, "has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid(
            FIELD,
            "must not carry credentials; pass the secrets separately",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid(FIELD, "must not have a query or a fragment"));
    }
    let mut s = url.as_str().trim_end_matches('/').to_owned();
    if url.path() == "/" || url.path().is_empty() {
        s.push_str(API_PATH);
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_round_trip() {
        for r in Region::ALL {
            assert_eq!(r.name().parse::<Region>().unwrap(), r);
            assert!(r.base_url().starts_with("https://"));
            assert!(r.base_url().ends_with("/elements/api-v2"));
        }
        assert_eq!("TRIAL_US10".parse::<Region>().unwrap(), Region::TrialUs10);
        assert_eq!(Region::TrialUs10.to_string(), Region::TrialUs10.name());
        assert_eq!(format!("[{}]", Region::Us2), "[us2]");
        let e = "mars".parse::<Region>().unwrap_err();
        assert_eq!(e.field(), Some("region"));
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            normalize_base_url("https://api.cloud-elements.com/elements/api-v2/").unwrap(),
            "https://api.cloud-elements.com/elements/api-v2"
        );
        assert_eq!(
            normalize_base_url("https://api.cloud-elements.com").unwrap(),
            "https://api.cloud-elements.com/elements/api-v2"
        );
        for ok in [
            "http://127.0.0.1:8080/elements/api-v2",
            "http://localhost:1/elements/api-v2",
            "http://[::1]:9/x",
            "http://127.8.0.1/",
        ] {
            normalize_base_url(ok).unwrap();
        }
        for bad in [
            "",
            "not a url",
            "http://api.cloud-elements.com/elements/api-v2",
            "http://10.0.0.1/elements/api-v2",
            "ftp://127.0.0.1/",
            "https://u:p@host/",
            "https://host/?q=1",
            "http://127.0.0.1.example.com/",
        ] {
            let e = normalize_base_url(bad).unwrap_err();
            assert_eq!(e.field(), Some("base_url"), "{bad}");
        }
    }

    #[test]
    fn unparsable_base_urls_hide_their_credentials() {
        for bad in [
            "https://user:PASSWORD123@exa mple.com/",
            "https://:PASSWORD123@exa mple.com/x",
            "https://PASSWORD123@exa mple.com",
            "PASSWORD123@exa mple",
        ] {
            let e = normalize_base_url(bad).unwrap_err();
            assert!(!e.to_string().contains("PASSWORD123"), "{e}");
            assert!(e.to_string().contains("***@exa mple"), "{e}");
        }
        // Parsable URLs with credentials are refused, also without echoing them.
        for bad in [
            "https://tok@host/",
            "https://:pw123456@host/",
            "https://u:pw123456@host/",
        ] {
            let e = normalize_base_url(bad).unwrap_err();
            assert!(e.to_string().contains("credentials"), "{e}");
            assert!(!e.to_string().contains("pw123456"), "{e}");
        }
        assert_eq!(without_userinfo("https://host/a@b"), "https://host/a@b");
        assert_eq!(
            without_userinfo("https://user:PASSWORD123@exa mple.com/x@y"),
            "https://***@exa mple.com/x@y"
        );
        assert_eq!(without_userinfo("h://u:p@h"), "h://***@h");
        assert_eq!(without_userinfo("PASSWORD123@exa mple"), "***@exa mple");
        assert_eq!(without_userinfo("no credentials"), "no credentials");
    }

    #[test]
    fn secrets() {
        validate_secret(
            "user_secret",
            "zn96SWr/RjPPWztl+oQcFkT0mbKPpW7hEvPkYcRy6xM=",
        )
        .unwrap();
        for bad in ["", "a b", "a,b", "a\u{7}b", "a\tb", "é", "a\nb"] {
            let e = validate_secret("user_secret", bad).unwrap_err();
            assert_eq!(e.field(), Some("user_secret"));
            assert!(!bad.is_empty() && !e.to_string().contains(bad) || bad.is_empty());
        }
    }
}
