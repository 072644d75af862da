//! The element catalogue: the few elements the sandbox knows, with the configuration
//! each one requires.

use std::sync::OnceLock;

use serde_json::json;

/// An element of the catalogue.
pub(crate) struct Element {
    pub id: u64,
    pub key: &'static str,
    pub name: &'static str,
    description: &'static str,
    hub: &'static str,
    pub oauth2: bool,
    pub required: &'static [&'static str],
}

const OAUTH2_CONFIG: &[&str] = &["oauth.api.key", "oauth.api.secret", "oauth.callback.url"];

pub(crate) static CATALOGUE: [Element; 5] = [
    Element {
        id: 5993,
        key: "insightly",
        name: "Insightly",
        description: "Add an Insightly instance to connect your existing Insightly account to the CRM Hub.",
        hub: "crm",
        oauth2: false,
        required: &["username", "password"],
    },
    Element {
        id: 4806,
        key: "onedrivev2",
        name: "OneDrive v2",
        description: "Add a OneDrive v2 instance to connect your existing OneDrive account to the Documents Hub.",
        hub: "documents",
        oauth2: true,
        required: OAUTH2_CONFIG,
    },
    Element {
        id: 1794,
        key: "sfdc",
        name: "Salesforce Sales Cloud",
        description: "Add a Salesforce Sales Cloud instance to connect your existing Salesforce account to the CRM Hub.",
        hub: "crm",
        oauth2: true,
        required: OAUTH2_CONFIG,
    },
    Element {
        id: 41,
        key: "zendesk",
        name: "Zendesk",
        description: "Add a Zendesk instance to connect your existing Zendesk account to the Helpdesk Hub.",
        hub: "helpdesk",
        oauth2: true,
        required: &[
            "oauth.api.key",
            "oauth.api.secret",
            "oauth.callback.url",
            "zendesk.subdomain",
        ],
    },
    Element {
        id: 2351,
        key: "shopify",
        name: "Shopify",
        description: "Add a Shopify instance to connect your existing Shopify account to the eCommerce Hub.",
        hub: "ecommerce",
        oauth2: false,
        required: &["username", "password", "site.address"],
    },
];

impl Element {
    /// The element object of an instance, serialised once.
    pub(crate) fn json(&'static self) -> &'static str {
        static JSON: OnceLock<Vec<String>> = OnceLock::new();
        let all = JSON.get_or_init(|| {
            CATALOGUE
                .iter()
                .map(|e| {
                    let auth = if e.oauth2 { "oauth2" } else { "basic" };
                    json!({
                        "id": e.id,
                        "key": e.key,
                        "name": e.name,
                        "description": e.description,
                        "image": format!("elements/provider_{}.png", e.key),
                        "active": true,
                        "deleted": false,
                        "typeOauth": e.oauth2,
                        "trialAccount": false,
                        "hub": e.hub,
                        "authentication": {"type": auth},
                        "elementProvisionType": if e.oauth2 { "OAUTH_TEMPLATE" } else { "BASIC" },
                        "cloneable": true,
                        "extendable": true,
                        "beta": false,
                        "private": false,
                        "resources": [],
                    })
                    .to_string()
                })
                .collect()
        });
        let i = CATALOGUE
            .iter()
            .position(|e| std::ptr::eq(e, self))
            .expect("a catalogue element");
        &all[i]
    }
}

pub(crate) fn element_by_key(key: &str) -> Option<&'static Element> {
    CATALOGUE.iter().find(|e| e.key == key)
}

pub(crate) fn element_by_id(id: &str) -> Option<&'static Element> {
    let id: u64 = id.parse().ok()?;
    CATALOGUE.iter().find(|e| e.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_json_is_valid() {
        for e in &CATALOGUE {
            let v: serde_json::Value = serde_json::from_str(e.json()).unwrap();
            assert_eq!(v["id"], e.id);
            assert_eq!(v["key"], e.key);
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(element_by_key("sfdc").map(|e| e.id), Some(1794));
        assert_eq!(element_by_id("41").map(|e| e.key), Some("zendesk"));
        assert!(element_by_key("nope").is_none());
        assert!(element_by_id("x").is_none());
    }
}
