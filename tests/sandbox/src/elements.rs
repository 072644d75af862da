//! The element catalogue: the elements the sandbox knows, each with its configuration
//! definitions (the one source of the keys a create requires), and the catalogue
//! routes `GET /elements`, `GET /elements/{keyOrId}` and
//! `GET /elements/{keyOrId}/configuration`.

use std::sync::OnceLock;

use hyper::StatusCode;
use serde_json::{Value, json};

use crate::pagination::{self, List, Params};
use crate::platform::{PlatformError, err};
use crate::server::{Reply, Shared};

/// How an element authenticates its instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Auth {
    Basic,
    OAuth1,
    OAuth2,
}

impl Auth {
    /// `authentication.type` of the element object.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Auth::Basic => "basic",
            Auth::OAuth1 => "oauth1",
            Auth::OAuth2 => "oauth2",
        }
    }

    pub(crate) fn is_oauth(self) -> bool {
        self != Auth::Basic
    }
}

/// A configuration definition, as `GET /elements/{keyOrId}/configuration` lists it
/// (the platform's `ElementConfig`).
pub(crate) struct ConfigDef {
    pub key: &'static str,
    name: &'static str,
    description: &'static str,
    /// `configDataType`: `TEXTFIELD_32`, `TEXTFIELD_1000`, `PASSWORD`, `BOOLEAN`.
    data_type: &'static str,
    pub mandatory: bool,
    default: Option<&'static str>,
    internal: bool,
    hide_from_console: bool,
}

const PASSWORD: &str = "PASSWORD";

/// A mandatory definition.
const fn required(
    key: &'static str,
    name: &'static str,
    data_type: &'static str,
    description: &'static str,
) -> ConfigDef {
    ConfigDef {
        key,
        name,
        description,
        data_type,
        mandatory: true,
        default: None,
        internal: false,
        hide_from_console: false,
    }
}

/// An optional definition with an optional default value.
const fn optional(
    key: &'static str,
    name: &'static str,
    data_type: &'static str,
    default: Option<&'static str>,
    description: &'static str,
) -> ConfigDef {
    ConfigDef {
        key,
        name,
        description,
        data_type,
        mandatory: false,
        default,
        internal: false,
        hide_from_console: false,
    }
}

const USERNAME: ConfigDef = required(
    "username",
    "Username",
    "TEXTFIELD_1000",
    "The user name (or API key) of the account",
);
const USER_PASSWORD: ConfigDef = required(
    "password",
    "Password",
    PASSWORD,
    "The password (or API secret) of the account",
);
const OAUTH_API_KEY: ConfigDef = required(
    "oauth.api.key",
    "OAuth API Key",
    "TEXTFIELD_1000",
    "The key (client id) of your application at the provider",
);
const OAUTH_API_SECRET: ConfigDef = required(
    "oauth.api.secret",
    "OAuth API Secret",
    PASSWORD,
    "The secret of your application at the provider",
);
const OAUTH_CALLBACK_URL: ConfigDef = required(
    "oauth.callback.url",
    "OAuth Callback URL",
    "TEXTFIELD_1000",
    "The URL the provider redirects the user to after authorization",
);
const OAUTH_SCOPE: ConfigDef = optional(
    "oauth.scope",
    "OAuth Scope",
    "TEXTFIELD_1000",
    None,
    "The scopes to request from the provider, space separated",
);
const SITE_ADDRESS: ConfigDef = required(
    "site.address",
    "Site Address",
    "TEXTFIELD_1000",
    "The address of your store, e.g. mystore.example.com",
);

/// The definitions every element has after its own (all optional).
const COMMON_CONFIG: &[ConfigDef] = &[
    optional(
        "event.notification.enabled",
        "Events Enabled",
        "BOOLEAN",
        Some("false"),
        "Enable events on this instance",
    ),
    optional(
        "event.vendor.type",
        "Event Type",
        "TEXTFIELD_32",
        Some("polling"),
        "How events are received: polling or webhook",
    ),
    optional(
        "event.notification.callback.url",
        "Event Notification Callback URL",
        "TEXTFIELD_1000",
        None,
        "The URL events are sent to",
    ),
    optional(
        "event.notification.signature.key",
        "Callback Notification Signature Key",
        PASSWORD,
        None,
        "The key of the Elements-Webhook-Signature HMAC of event notifications",
    ),
    optional(
        "event.poller.refresh_interval",
        "Event Poller Refresh Interval (mins)",
        "TEXTFIELD_32",
        Some("15"),
        "Minutes between two polls for events",
    ),
    ConfigDef {
        hide_from_console: true,
        ..optional(
            "event.poller.configuration",
            "Configure Polling",
            "TEXTFIELD_1000",
            None,
            "The polling configuration of each resource, as JSON",
        )
    },
    ConfigDef {
        internal: true,
        ..optional(
            "filter.response.nulls",
            "Filter null values from the response",
            "BOOLEAN",
            Some("true"),
            "Remove fields whose value is null from responses",
        )
    },
];

/// An element of the catalogue.
pub(crate) struct Element {
    pub id: u64,
    pub key: &'static str,
    pub name: &'static str,
    description: &'static str,
    hub: &'static str,
    pub auth: Auth,
    config_description: &'static str,
    signup_url: &'static str,
    /// Its own configuration definitions, in display order ([`COMMON_CONFIG`]
    /// follows). The mandatory ones are what a create requires.
    config: &'static [ConfigDef],
}

/// The catalogue, ordered by id (the order of `GET /elements`).
pub(crate) static CATALOGUE: [Element; 10] = [
    Element {
        id: 41,
        key: "zendesk",
        name: "Zendesk",
        description: "Add a Zendesk instance to connect your existing Zendesk account to the Helpdesk Hub.",
        hub: "helpdesk",
        auth: Auth::OAuth2,
        config_description: "If you do not have a Zendesk account, you can create one at Zendesk Signup",
        signup_url: "https://www.zendesk.com/register",
        config: &[
            OAUTH_API_KEY,
            OAUTH_API_SECRET,
            OAUTH_CALLBACK_URL,
            required(
                "zendesk.subdomain",
                "Zendesk Subdomain",
                "TEXTFIELD_32",
                "The subdomain of your Zendesk account (acme for acme.zendesk.com)",
            ),
            OAUTH_SCOPE,
        ],
    },
    Element {
        id: 1794,
        key: "sfdc",
        name: "Salesforce Sales Cloud",
        description: "Add a Salesforce Sales Cloud instance to connect your existing Salesforce account to the CRM Hub.",
        hub: "crm",
        auth: Auth::OAuth2,
        config_description: "If you do not have a Salesforce account, you can create one at Salesforce Signup",
        signup_url: "https://www.salesforce.com/form/signup/freetrial-sales/",
        config: &[
            OAUTH_API_KEY,
            OAUTH_API_SECRET,
            OAUTH_CALLBACK_URL,
            OAUTH_SCOPE,
        ],
    },
    Element {
        id: 2034,
        key: "servicenow",
        name: "ServiceNow",
        description: "Add a ServiceNow instance to connect your existing ServiceNow account to the Helpdesk Hub.",
        hub: "helpdesk",
        auth: Auth::Basic,
        config_description: "If you do not have a ServiceNow account, you can create one at ServiceNow Signup",
        signup_url: "https://developer.servicenow.com/",
        config: &[
            USERNAME,
            USER_PASSWORD,
            required(
                "servicenow.subdomain",
                "ServiceNow Subdomain",
                "TEXTFIELD_32",
                "The subdomain of your ServiceNow instance (acme for acme.service-now.com)",
            ),
        ],
    },
    Element {
        id: 2086,
        key: "freshdesk",
        name: "Freshdesk",
        description: "Add a Freshdesk instance to connect your existing Freshdesk account to the Helpdesk Hub.",
        hub: "helpdesk",
        auth: Auth::Basic,
        config_description: "If you do not have a Freshdesk account, you can create one at Freshdesk Signup",
        signup_url: "https://freshdesk.com/signup",
        config: &[
            USERNAME,
            USER_PASSWORD,
            required(
                "freshdesk.subdomain",
                "Freshdesk Subdomain",
                "TEXTFIELD_32",
                "The subdomain of your Freshdesk account (acme for acme.freshdesk.com)",
            ),
        ],
    },
    Element {
        id: 2215,
        key: "hubspotcrm",
        name: "HubSpot CRM",
        description: "Add a HubSpot CRM instance to connect your existing HubSpot account to the CRM Hub.",
        hub: "crm",
        auth: Auth::OAuth2,
        config_description: "If you do not have a HubSpot account, you can create one at HubSpot Signup",
        signup_url: "https://app.hubspot.com/signup",
        config: &[
            OAUTH_API_KEY,
            OAUTH_API_SECRET,
            OAUTH_CALLBACK_URL,
            OAUTH_SCOPE,
        ],
    },
    Element {
        id: 2351,
        key: "shopify",
        name: "Shopify",
        description: "Add a Shopify instance to connect your existing Shopify account to the eCommerce Hub.",
        hub: "ecommerce",
        auth: Auth::Basic,
        config_description: "If you do not have a Shopify account, you can create one at Shopify Signup",
        signup_url: "https://www.shopify.com/signup",
        config: &[USERNAME, USER_PASSWORD, SITE_ADDRESS],
    },
    Element {
        id: 3131,
        key: "evernote",
        name: "Evernote",
        description: "Add an Evernote instance to connect your existing Evernote account to the Documents Hub.",
        hub: "documents",
        auth: Auth::OAuth1,
        config_description: "If you do not have an Evernote account, you can create one at Evernote Signup",
        signup_url: "https://www.evernote.com/Registration.action",
        config: &[
            OAUTH_API_KEY,
            OAUTH_API_SECRET,
            OAUTH_CALLBACK_URL,
            optional(
                "oauth.request.url",
                "OAuth Request URL",
                "TEXTFIELD_1000",
                Some("https://www.evernote.com/oauth"),
                "The provider's OAuth 1 request token URL",
            ),
        ],
    },
    Element {
        id: 3572,
        key: "woocommerce",
        name: "WooCommerce",
        description: "Add a WooCommerce instance to connect your existing WooCommerce store to the eCommerce Hub.",
        hub: "ecommerce",
        auth: Auth::Basic,
        config_description: "Use the consumer key and secret of a WooCommerce REST API key as username and password",
        signup_url: "https://woocommerce.com/start/",
        config: &[USERNAME, USER_PASSWORD, SITE_ADDRESS],
    },
    Element {
        id: 4806,
        key: "onedrivev2",
        name: "OneDrive v2",
        description: "Add a OneDrive v2 instance to connect your existing OneDrive account to the Documents Hub.",
        hub: "documents",
        auth: Auth::OAuth2,
        config_description: "If you do not have a OneDrive account, you can create one at OneDrive Signup",
        signup_url: "https://signup.live.com/",
        config: &[
            OAUTH_API_KEY,
            OAUTH_API_SECRET,
            OAUTH_CALLBACK_URL,
            OAUTH_SCOPE,
        ],
    },
    Element {
        id: 5993,
        key: "insightly",
        name: "Insightly",
        description: "Add an Insightly instance to connect your existing Insightly account to the CRM Hub.",
        hub: "crm",
        auth: Auth::Basic,
        config_description: "If you do not have an Insightly account, you can create one at Insightly Signup",
        signup_url: "https://www.insightly.com/sign-up/",
        config: &[USERNAME, USER_PASSWORD],
    },
];

impl Element {
    fn index(&'static self) -> usize {
        CATALOGUE
            .iter()
            .position(|e| std::ptr::eq(e, self))
            .expect("a catalogue element")
    }

    /// The element object (`GET /elements/{keyOrId}` and an instance's `element`),
    /// serialised once.
    pub(crate) fn json(&'static self) -> &'static str {
        static JSON: OnceLock<Vec<String>> = OnceLock::new();
        let all = JSON.get_or_init(|| CATALOGUE.iter().map(|e| e.to_json().to_string()).collect());
        &all[self.index()]
    }

    /// `{"id", "key", "name"}`: the element of a `hydrate=false` instance list.
    pub(crate) fn light_json(&'static self) -> &'static str {
        static JSON: OnceLock<Vec<String>> = OnceLock::new();
        let all = JSON.get_or_init(|| {
            CATALOGUE
                .iter()
                .map(|e| json!({"id": e.id, "key": e.key, "name": e.name}).to_string())
                .collect()
        });
        &all[self.index()]
    }

    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "key": self.key,
            "name": self.name,
            "description": self.description,
            "image": format!("https://images.sandbox.invalid/elements/provider_{}.png", self.key),
            "active": true,
            "deleted": false,
            "typeOauth": self.auth.is_oauth(),
            "trialAccount": false,
            "configDescription": self.config_description,
            "signupURL": self.signup_url,
            "hub": self.hub,
            "authentication": {"type": self.auth.name()},
            "elementProvisionType": if self.auth.is_oauth() { "OAUTH_TEMPLATE" } else { "BASIC" },
            "protocolType": "http",
            "cloneable": true,
            "extendable": true,
            "beta": false,
            "private": false,
            "resources": [],
        })
    }

    /// Every configuration definition: the element's own, then the common ones.
    pub(crate) fn config(&self) -> impl Iterator<Item = &'static ConfigDef> {
        self.config.iter().chain(COMMON_CONFIG)
    }

    /// The configuration keys a create requires, in display order.
    pub(crate) fn required(&self) -> impl Iterator<Item = &'static str> {
        self.config().filter(|d| d.mandatory).map(|d| d.key)
    }

    /// Is this key typed `PASSWORD` in the element's definitions?
    pub(crate) fn is_password(&self, key: &str) -> bool {
        self.config()
            .any(|d| d.key == key && d.data_type == PASSWORD)
    }

    /// `GET /elements/{keyOrId}/configuration`.
    fn configuration_json(&self) -> Value {
        let defs: Vec<Value> = self
            .config()
            .enumerate()
            .map(|(i, d)| {
                let order = i as u64 + 1;
                json!({
                    "id": self.id * 1000 + order,
                    "key": d.key,
                    "name": d.name,
                    "description": d.description,
                    "defaultValue": d.default,
                    "configDataType": d.data_type,
                    "mandatory": d.mandatory,
                    "internal": d.internal,
                    "hideFromConsole": d.hide_from_console,
                    "active": true,
                    "companyConfig": false,
                    "displayOrder": order,
                })
            })
            .collect();
        Value::Array(defs)
    }
}

pub(crate) fn element_by_key(key: &str) -> Option<&'static Element> {
    CATALOGUE.iter().find(|e| e.key == key)
}

pub(crate) fn element_by_id(id: &str) -> Option<&'static Element> {
    let id: u64 = id.parse().ok()?;
    CATALOGUE.iter().find(|e| e.id == id)
}

/// The element of a `{keyOrId}` path segment: by id when all digits, else by key;
/// 404 `No element found with key or id {x}` when none.
pub(crate) fn element_by_key_or_id(key_or_id: &str) -> Result<&'static Element, PlatformError> {
    let found = if !key_or_id.is_empty() && key_or_id.bytes().all(|b| b.is_ascii_digit()) {
        element_by_id(key_or_id)
    } else {
        element_by_key(key_or_id)
    };
    found.ok_or_else(|| {
        err(
            StatusCode::NOT_FOUND,
            format!("No element found with key or id {key_or_id}"),
        )
    })
}

/// `GET /elements`: the catalogue by id, cursor-paginated.
pub(crate) fn list(shared: &Shared, params: &Params) -> Result<Reply, PlatformError> {
    let query = pagination::parse(List::Elements, params)?;
    let quirks = shared.state().pagination;
    let page = pagination::paginate(&query, CATALOGUE.iter(), |e| e.id);
    let mut out = Vec::with_capacity(page.items.len() * 1024 + 2);
    out.push(b'[');
    for (i, e) in page.items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(e.json().as_bytes());
    }
    out.push(b']');
    let mut reply = Reply::json(StatusCode::OK, out);
    page.set_headers(&mut reply, &query, quirks);
    Ok(reply)
}

/// `GET /elements/{keyOrId}`.
pub(crate) fn get(key_or_id: &str) -> Result<Reply, PlatformError> {
    let element = element_by_key_or_id(key_or_id)?;
    Ok(Reply::json(
        StatusCode::OK,
        element.json().as_bytes().to_vec(),
    ))
}

/// `GET /elements/{keyOrId}/configuration`.
pub(crate) fn configuration(key_or_id: &str) -> Result<Reply, PlatformError> {
    let element = element_by_key_or_id(key_or_id)?;
    Ok(Reply::json(
        StatusCode::OK,
        element.configuration_json().to_string().into_bytes(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_json_is_valid() {
        for e in &CATALOGUE {
            let v: Value = serde_json::from_str(e.json()).unwrap();
            assert_eq!(v["id"], e.id);
            assert_eq!(v["key"], e.key);
            let light: Value = serde_json::from_str(e.light_json()).unwrap();
            assert_eq!(light, json!({"id": e.id, "key": e.key, "name": e.name}));
        }
    }

    #[test]
    fn catalogue_is_ordered_by_id_with_unique_keys() {
        for pair in CATALOGUE.windows(2) {
            assert!(pair[0].id < pair[1].id, "{} {}", pair[0].key, pair[1].key);
        }
        let keys: std::collections::HashSet<&str> = CATALOGUE.iter().map(|e| e.key).collect();
        assert_eq!(keys.len(), CATALOGUE.len());
        for e in &CATALOGUE {
            let defs: Vec<&str> = e.config().map(|d| d.key).collect();
            let unique: std::collections::HashSet<&&str> = defs.iter().collect();
            assert_eq!(unique.len(), defs.len(), "{}", e.key);
            if e.auth.is_oauth() {
                assert!(e.required().any(|k| k == "oauth.api.secret"), "{}", e.key);
            } else {
                assert!(e.required().any(|k| k == "password"), "{}", e.key);
            }
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(element_by_key("sfdc").map(|e| e.id), Some(1794));
        assert_eq!(element_by_id("41").map(|e| e.key), Some("zendesk"));
        assert!(element_by_key("nope").is_none());
        assert!(element_by_id("x").is_none());
        assert_eq!(
            element_by_key_or_id("3131").ok().map(|e| e.key),
            Some("evernote")
        );
        assert_eq!(
            element_by_key_or_id("evernote").ok().map(|e| e.id),
            Some(3131)
        );
        for bad in ["", "0", "nope", "041x"] {
            let e = element_by_key_or_id(bad).err().unwrap();
            assert_eq!(e.status, StatusCode::NOT_FOUND);
            assert_eq!(e.message, format!("No element found with key or id {bad}"));
        }
    }

    #[test]
    fn required_keys_come_from_the_definitions() {
        let zendesk = element_by_key("zendesk").unwrap();
        assert_eq!(
            zendesk.required().collect::<Vec<_>>(),
            [
                "oauth.api.key",
                "oauth.api.secret",
                "oauth.callback.url",
                "zendesk.subdomain"
            ]
        );
        let shopify = element_by_key("shopify").unwrap();
        assert_eq!(
            shopify.required().collect::<Vec<_>>(),
            ["username", "password", "site.address"]
        );
        assert!(shopify.is_password("password"));
        assert!(shopify.is_password("event.notification.signature.key"));
        assert!(!shopify.is_password("username"));
    }
}
