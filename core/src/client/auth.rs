//! The `Authorization` header: `User <secret>, Organization <secret>` for the
//! organization's calls, plus `, Element <token>` for calls scoped to an instance.

use crate::error::{Error, Result};
use crate::ops::AuthScope;
use crate::secret::Secret;
use crate::transport::HeaderValue;

/// The user and organization secrets, and their header, built once.
#[derive(Clone)]
pub(crate) struct Credentials {
    user: Secret,
    organization: Secret,
    header: HeaderValue,
}

fn sensitive(text: &str, field: &str) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(text)
        .map_err(|_| Error::invalid(field, "cannot be sent in a header"))?;
    v.set_sensitive(true);
    Ok(v)
}

impl Credentials {
    pub(crate) fn new(user: Secret, organization: Secret) -> Result<Credentials> {
        let header = sensitive(
            &format!(
                "User {}, Organization {}",
                user.expose(),
                organization.expose()
            ),
            "user_secret",
        )?;
        Ok(Credentials {
            user,
            organization,
            header,
        })
    }

    /// The header of a call of `scope`; an instance-scoped call needs the token.
    pub(crate) fn header(&self, scope: AuthScope, token: Option<&Secret>) -> Result<HeaderValue> {
        match (scope, token) {
            (AuthScope::Organization, _) => Ok(self.header.clone()),
            (AuthScope::Instance, Some(token)) => {
                crate::config::validate_secret("instance_token", token.expose())?;
                sensitive(
                    &format!(
                        "User {}, Organization {}, Element {}",
                        self.user.expose(),
                        self.organization.expose(),
                        token.expose()
                    ),
                    "instance_token",
                )
            }
            (AuthScope::Instance, None) => Err(Error::invalid(
                "instance_token",
                "this call is scoped to an instance: give its token",
            )),
        }
    }

    /// Every secret the header carries, for masking server text that echoes them.
    #[allow(dead_code)]
    pub(crate) fn secrets(&self) -> [&Secret; 2] {
        [&self.user, &self.organization]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_by_scope() {
        let c = Credentials::new("u".into(), "o".into()).unwrap();
        let h = c.header(AuthScope::Organization, None).unwrap();
        assert_eq!(h.to_str().unwrap(), "User u, Organization o");
        assert!(h.is_sensitive());
        let t = Secret::new("tok");
        let h = c.header(AuthScope::Instance, Some(&t)).unwrap();
        assert_eq!(h.to_str().unwrap(), "User u, Organization o, Element tok");
        assert!(h.is_sensitive());
        let e = c.header(AuthScope::Instance, None).unwrap_err();
        assert_eq!(e.field(), Some("instance_token"));
        let bad = Secret::new("a b");
        let e = c.header(AuthScope::Instance, Some(&bad)).unwrap_err();
        assert!(!e.to_string().contains("a b"));
        assert_eq!(c.secrets()[0].expose(), "u");
    }
}
