//! The environment fallback of `ClientBuilder`, alone in its own test binary: it sets
//! process environment variables, which no other test may see change.

use open_connectors::{Client, ENV_BASE_URL, ENV_ORGANIZATION_SECRET, ENV_USER_SECRET};

#[test]
fn missing_settings_come_from_the_environment_unless_told_not_to() {
    // SAFETY: the only test of this binary, so no other thread reads the environment.
    unsafe {
        std::env::set_var(ENV_BASE_URL, "http://127.0.0.1:7");
        std::env::set_var(ENV_USER_SECRET, "env-user");
        std::env::set_var(ENV_ORGANIZATION_SECRET, "env-org");
    }
    let c = Client::builder().build().unwrap();
    assert_eq!(c.base_url(), "http://127.0.0.1:7/elements/api-v2");
    let request = c.execute_dry_auth();
    assert_eq!(
        request.as_deref(),
        Some("User env-user, Organization env-org")
    );

    // A setting given wins over the environment.
    let c = Client::builder()
        .base_url("http://127.0.0.1:8")
        .build()
        .unwrap();
    assert_eq!(c.base_url(), "http://127.0.0.1:8/elements/api-v2");

    // use_env(false): nothing is read.
    let e = Client::builder().use_env(false).build().unwrap_err();
    assert_eq!(e.field(), Some("base_url"));

    // An empty variable counts as unset.
    // SAFETY: as above.
    unsafe { std::env::set_var(ENV_USER_SECRET, "") };
    let e = Client::builder().build().unwrap_err();
    assert_eq!(e.field(), Some("user_secret"));
}

trait DryAuth {
    fn execute_dry_auth(&self) -> Option<String>;
}

impl DryAuth for Client {
    /// The `Authorization` header a create would carry (built, not sent).
    fn execute_dry_auth(&self) -> Option<String> {
        let r = self
            .build_create_instance(&open_connectors::CreateInstance::new("x"))
            .ok()?;
        r.header("authorization").map(str::to_owned)
    }
}
