//! The `open-connectors` command line against the sandbox, run in-process
//! (`open_connectors_cli::run` over buffers and a private environment).

mod common;

use common::{ORG, USER, World, run_env};
use open_connectors::OPERATIONS;
use serde_json::{Value, json};

#[test]
fn every_operation_with_a_command_has_its_help_from_the_table() {
    let w = World::new();
    let top = w.run(&["--help"]).status(0);
    for group in [
        "instances",
        "oauth",
        "elements",
        "call",
        "webhook",
        "completions",
        "configure",
    ] {
        assert!(
            top.stdout.contains(&format!("\n  {group} ")),
            "{group}: {}",
            top.stdout
        );
    }
    assert!(top.stdout.contains("Exit status:"), "{}", top.stdout);
    for op in OPERATIONS.iter().filter(|o| !o.command.is_empty()) {
        let mut args: Vec<&str> = op.command.split(' ').collect();
        args.push("--help");
        let help = w.run(&args).status(0);
        // Help is wrapped to the terminal's width: compare words, not line breaks.
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words(&help.stdout).contains(&words(op.summary)),
            "{}: {}",
            op.name,
            help.stdout
        );
        for p in op.params.iter().filter(|p| !p.positional) {
            let flag = open_connectors_flag(p.name, p.ty);
            assert!(
                help.stdout.contains(&flag),
                "{}: {flag} in {}",
                op.name,
                help.stdout
            );
        }
    }
    let group = w.run(&["instances", "--help"]).status(0);
    for word in [
        "create",
        "get",
        "delete",
        "list",
        "update",
        "reauthenticate",
        "enable",
        "disable",
    ] {
        assert!(
            group.stdout.contains(&format!("\n  {word} ")),
            "{word}: {}",
            group.stdout
        );
    }
    // A group without its command prints its help on standard error, status 2.
    let bare = w.run(&["instances"]).status(2);
    assert!(
        bare.stderr.contains("Usage: open-connectors instances"),
        "{bare:?}"
    );
    let version = w.run(&["--version"]).status(0);
    assert_eq!(
        version.stdout.trim(),
        format!("open-connectors {}", open_connectors::VERSION)
    );
}

/// The flag the CLI gives a parameter (as the README documents the rule).
fn open_connectors_flag(name: &str, ty: open_connectors::ops::ParamType) -> String {
    use open_connectors::ops::ParamType;
    let base = if name == "configuration" {
        "config"
    } else {
        name
    };
    let kebab = base.replace('_', "-");
    match ty {
        ParamType::TextList | ParamType::Headers => format!("--{}", kebab.trim_end_matches('s')),
        _ => format!("--{kebab}"),
    }
}

#[test]
fn the_instance_lifecycle_in_json_and_tables() {
    let w = World::new();
    let (id, token) = w.instance("CRM", &["Docs", "eu"]);
    let ids = id.to_string();
    let got = w.run(&["instances", "get", &ids]).status(0).json();
    assert_eq!(
        (got["id"].as_u64(), got["name"].as_str()),
        (Some(id), Some("CRM"))
    );
    assert_eq!(got["tags"], json!(["Docs", "eu"]));
    assert_eq!(got["configuration"]["password"], "********");

    // A table: fields and values; the token only with --show-secrets.
    let table = w
        .run(&["instances", "get", &ids, "--output", "table"])
        .status(0);
    assert!(table.stdout.starts_with("FIELD "), "{}", table.stdout);
    assert!(
        table.stdout.contains("\nname  ") && table.stdout.contains(" CRM\n"),
        "{}",
        table.stdout
    );
    assert!(
        table.stdout.contains("created_date  ") && table.stdout.contains("T"),
        "{}",
        table.stdout
    );
    assert!(!table.stdout.contains(&token), "{}", table.stdout);
    let shown = w
        .run(&["instances", "get", &ids, "-o", "table", "--show-secrets"])
        .status(0);
    assert!(shown.stdout.contains(&token), "{}", shown.stdout);

    let updated = w
        .run(&[
            "instances",
            "update",
            &ids,
            "--name",
            "CRM (EU)",
            "--tag",
            "prod",
            "--config",
            "username=grace",
        ])
        .status(0)
        .json();
    assert_eq!(updated["name"], "CRM (EU)");
    assert_eq!(updated["tags"], json!(["prod"]));
    assert_eq!(updated["configuration"]["username"], "grace");

    let listed = w
        .run(&["instances", "list", "--tag", "prod"])
        .status(0)
        .json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["id"].as_u64(), Some(id));
    let rows = w.run(&["instances", "list", "-o", "table"]).status(0);
    let lines: Vec<&str> = rows.stdout.lines().collect();
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("NAME") && lines[0].contains("TAGS"),
        "{}",
        rows.stdout
    );
    assert!(
        lines[1].starts_with(&ids) && lines[1].contains("CRM (EU)"),
        "{}",
        rows.stdout
    );

    // Disable and enable print nothing; the flag follows.
    let off = w.run(&["instances", "disable", &ids]).status(0);
    assert_eq!(off.stdout, "");
    assert_eq!(w.run(&["instances", "get", &ids]).json()["disabled"], true);
    w.run(&["instances", "enable", &ids]).status(0);
    assert_eq!(w.run(&["instances", "get", &ids]).json()["disabled"], false);

    let deleted = w
        .run(&["instances", "delete", &ids, "-o", "table"])
        .status(0);
    assert!(
        deleted.stderr.contains("instances delete: done"),
        "{deleted:?}"
    );
    let gone = w.run(&["instances", "get", &ids]).status(5);
    assert!(
        gone.stderr
            .starts_with("error[not_found]: No instance found with ID"),
        "{gone:?}"
    );
    assert!(
        gone.stderr.contains("\n  status: 404\n  request id: "),
        "{gone:?}"
    );
    assert_eq!(gone.stdout, "");
}

#[test]
fn oauth_create_reauthenticate_and_a_spent_code() {
    let w = World::new();
    let url = w
        .run_with(
            &[
                "oauth",
                "url",
                "sfdc",
                "--api-key",
                "key-1",
                "--callback-url",
                "https://app.example/cb",
                "--state",
                "s1",
            ],
            &[("OPEN_CONNECTORS_API_SECRET", "api-s3cr3t")],
            &[],
            "",
        )
        .status(0)
        .json();
    let url = url.as_str().expect("the URL, as a JSON string");
    assert!(
        url.contains("/__sandbox/oauth/authorize?") && url.contains("state=s1"),
        "{url}"
    );
    // Without the secret, the flag and its variable are named.
    let missing = w
        .run(&[
            "oauth",
            "url",
            "sfdc",
            "--api-key",
            "k",
            "--callback-url",
            "https://app/cb",
        ])
        .status(2);
    assert!(
        missing
            .stderr
            .contains("--api-secret is required (or set OPEN_CONNECTORS_API_SECRET)"),
        "{missing:?}"
    );

    let created = w
        .run(&[
            "instances",
            "create",
            "sfdc",
            "--config",
            "oauth.api.key=key-1",
            "--config",
            "oauth.api.secret=api-s3cr3t",
            "--config",
            "oauth.callback.url=https://app.example/cb",
            "--provider-data",
            "code=first-code",
        ])
        .status(0)
        .json();
    let ids = created["id"].to_string();
    let again = w
        .run(&["instances", "reauthenticate", &ids, "--code", "second-code"])
        .status(0)
        .json();
    assert_eq!(again["id"], created["id"]);
    // A spent code: the platform's 400, with the provider's message.
    let spent = w
        .run(&["instances", "reauthenticate", &ids, "--code", "second-code"])
        .status(10);
    assert!(
        spent.stderr.starts_with("error[bad_request]: "),
        "{spent:?}"
    );
    assert!(
        spent.stderr.contains("provider message: ") && spent.stderr.contains("invalid_grant"),
        "{spent:?}"
    );

    let token = w
        .run_with(
            &[
                "oauth",
                "token",
                "evernote",
                "--api-key",
                "k",
                "--api-secret",
                "s",
                "--callback-url",
                "https://app/cb",
            ],
            &[],
            &[],
            "",
        )
        .status(0)
        .json();
    assert_eq!(token["token"].as_str().map(str::len), Some(32), "{token}");
}

#[test]
fn elements_list_get_and_configuration() {
    let w = World::new();
    let first = w.run(&["elements", "list", "--page-size", "3"]).status(0);
    let items = first.json();
    assert_eq!(items.as_array().map(Vec::len), Some(3));
    assert_eq!(items[0]["key"], "zendesk");
    assert!(
        first
            .stderr
            .contains("more items follow: --all lists every page; --cursor "),
        "{first:?}"
    );
    let all = w
        .run(&["elements", "list", "--page-size", "3", "--all"])
        .status(0)
        .json();
    let keys: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["key"].as_str())
        .collect();
    assert_eq!(keys.len(), 10, "{keys:?}");
    assert_eq!(keys.last(), Some(&"insightly"));
    // --cursor resumes where a page ended.
    let cursor = first
        .stderr
        .split("--cursor ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    let cursor = cursor.trim_matches('\'');
    let next = w
        .run(&["elements", "list", "--page-size", "3", "--cursor", cursor])
        .status(0)
        .json();
    assert_eq!(next[0]["key"], "freshdesk");

    let sfdc = w.run(&["elements", "get", "1794"]).status(0).json();
    assert_eq!(sfdc["key"], "sfdc");
    let config = w
        .run(&["elements", "configuration", "insightly", "-o", "table"])
        .status(0);
    assert!(config.stdout.starts_with("KEY "), "{}", config.stdout);
    let password = config
        .stdout
        .lines()
        .find(|l| l.starts_with("password "))
        .expect("a password row");
    assert!(
        password.contains("true") && password.contains("PASSWORD"),
        "{password}"
    );
    let unknown = w.run(&["elements", "get", "nope"]).status(5);
    assert!(unknown.stderr.contains("error[not_found]"), "{unknown:?}");
}

#[test]
fn all_pages_of_instances() {
    let w = World::new();
    for i in 0..5 {
        w.instance(&format!("i{i}"), &["paged"]);
    }
    w.instance("other", &[]);
    let one = w
        .run(&["instances", "list", "--tag", "paged", "--page-size", "2"])
        .status(0);
    assert_eq!(one.json().as_array().map(Vec::len), Some(2));
    let all = w
        .run(&[
            "instances",
            "list",
            "--tag",
            "paged",
            "--page-size",
            "2",
            "--all",
        ])
        .status(0);
    let names: Vec<String> = all
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["i0", "i1", "i2", "i3", "i4"]);
    // Three GETs of /instances: pages of 2, 2 and 1.
    let pages = w
        .journal()
        .iter()
        .filter(|r| r["method"] == "GET" && r["path"] == "/elements/api-v2/instances")
        .count();
    assert_eq!(pages, 1 + 3);
    // A table over several pages: one header, every row.
    let table = w
        .run(&[
            "instances",
            "list",
            "--tag",
            "paged",
            "--page-size",
            "2",
            "--all",
            "-o",
            "table",
        ])
        .status(0);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{}", table.stdout);
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("ID ")).count(),
        1,
        "{}",
        table.stdout
    );
}

#[test]
fn hub_calls_with_a_token_and_every_page() {
    let w = World::new();
    let (_, token) = w.instance("hub", &[]);
    let seeded = w.http(
        "POST",
        "/__sandbox/hub/seed",
        Some(json!({"token": token, "object": "contacts", "count": 2500})),
    );
    assert_eq!(seeded["created"], 2500, "{seeded}");
    let t = [("OPEN_CONNECTORS_INSTANCE_TOKEN", token.as_str())];

    let all = w.run_with(
        &[
            "call",
            "GET",
            "/hubs/crm/contacts",
            "--page-size",
            "500",
            "--all",
        ],
        &t,
        &[],
        "",
    );
    let all = all.status(0);
    let records = all.json();
    assert_eq!(records.as_array().map(Vec::len), Some(2500));
    assert_eq!(records[2499]["id"], 2500);
    let progress: Vec<&str> = all
        .stderr
        .lines()
        .filter(|l| l.contains(" items"))
        .collect();
    assert_eq!(progress.len(), 2, "{}", all.stderr);
    assert!(
        progress[0].starts_with("open-connectors: 1000 items of 2500 so far (2 pages)"),
        "{progress:?}"
    );
    assert!(
        progress[1].starts_with("open-connectors: 2000 items of 2500"),
        "{progress:?}"
    );

    // --where without --all: the first page of the filtered listing.
    let smiths = w
        .run_with(
            &[
                "call",
                "get",
                "/hubs/crm/contacts",
                "--where",
                "lastName = 'Turing'",
                "--page-size",
                "5",
            ],
            &t,
            &[],
            "",
        )
        .status(0);
    let smiths = smiths.json();
    assert_eq!(smiths.as_array().map(Vec::len), Some(5));
    assert!(
        smiths
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["lastName"] == "Turing")
    );

    // One request: the body, in JSON or as a table.
    let created = w
        .run_with(
            &[
                "call",
                "POST",
                "/hubs/crm/contacts",
                "--json",
                r#"{"firstName": "Ada", "lastName": "Lovelace"}"#,
            ],
            &t,
            &[],
            "",
        )
        .status(0)
        .json();
    assert_eq!(
        (created["firstName"].as_str(), created["id"].as_u64()),
        (Some("Ada"), Some(2501))
    );
    let one = w
        .run_with(
            &["call", "GET", "/hubs/crm/contacts/2501", "-o", "table"],
            &t,
            &[],
            "",
        )
        .status(0);
    assert!(
        one.stdout.contains("\nfirstName     Ada\n"),
        "{}",
        one.stdout
    );
    let q = w
        .run_with(
            &[
                "call",
                "GET",
                "/hubs/crm/contacts",
                "--query",
                "pageSize=2",
                "--query",
                "fields=id",
            ],
            &t,
            &[],
            "",
        )
        .status(0);
    assert_eq!(q.json(), json!([{"id": 1}, {"id": 2}]));
    assert!(q.stderr.contains("more items follow"), "{q:?}");
    let gone = w
        .run_with(&["call", "DELETE", "/hubs/crm/contacts/99999"], &t, &[], "")
        .status(5);
    assert!(
        gone.stderr.contains("No contact found with ID 99999"),
        "{gone:?}"
    );

    // Listing flags take GET only; a token is needed.
    let post_all = w
        .run_with(
            &["call", "POST", "/hubs/crm/contacts", "--all"],
            &t,
            &[],
            "",
        )
        .status(2);
    assert!(
        post_all
            .stderr
            .contains("METHOD \"POST\" cannot be used here"),
        "{post_all:?}"
    );
    let no_token = w.run(&["call", "GET", "/hubs/crm/contacts"]).status(2);
    assert!(
        no_token
            .stderr
            .contains("set OPEN_CONNECTORS_INSTANCE_TOKEN (or give --token)"),
        "{no_token:?}"
    );
    let wrong = w
        .run(&[
            "call",
            "GET",
            "/hubs/crm/contacts",
            "--token",
            "not-a-token",
        ])
        .status(4);
    assert!(wrong.stderr.contains("error[authentication]"), "{wrong:?}");
    let escape = w
        .run_with(&["call", "GET", "/hubs/../instances"], &t, &[], "")
        .status(2);
    assert!(
        escape.stderr.contains("error[invalid_input]") && escape.stderr.contains("flag: PATH"),
        "{escape:?}"
    );
}

/// Every secret a test puts in play, none of which a dry run may print.
const SECRETS: [&str; 5] = [USER, ORG, "hunter22", "api-s3cr3t", "the-instance-t0ken"];

#[test]
fn dry_runs_print_curl_with_placeholders_and_send_nothing() {
    let w = World::new();
    let t = [
        ("OPEN_CONNECTORS_INSTANCE_TOKEN", "the-instance-t0ken"),
        ("OPEN_CONNECTORS_API_SECRET", "api-s3cr3t"),
    ];
    let runs: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "instances",
                "create",
                "insightly",
                "--config",
                "username=ada",
                "--config",
                "password=hunter22",
            ],
            "curl -X POST ",
        ),
        (vec!["instances", "get", "12"], "curl http://"),
        (vec!["instances", "delete", "12"], "curl -X DELETE "),
        (
            vec!["instances", "list", "--tag", "a b", "--all"],
            "curl 'http://",
        ),
        (
            vec!["instances", "reauthenticate", "12", "--code", "hunter22"],
            "curl -X PUT ",
        ),
        (
            vec![
                "oauth",
                "url",
                "sfdc",
                "--api-key",
                "k",
                "--callback-url",
                "https://app/cb",
            ],
            "curl 'http://",
        ),
        (
            vec![
                "call",
                "POST",
                "/hubs/crm/contacts",
                "--json",
                r#"{"password": "hunter22", "name": "it's"}"#,
            ],
            "curl -X POST ",
        ),
        (vec!["elements", "configuration", "sfdc"], "curl http://"),
    ];
    for (args, start) in &runs {
        let mut a = vec!["--dry-run"];
        a.extend(args);
        let ran = w.run_with(&a, &t, &[], "").status(0);
        assert!(ran.stdout.starts_with(start), "{args:?}: {}", ran.stdout);
        assert!(ran.stdout.contains("\"Authorization: User $OPEN_CONNECTORS_USER_SECRET, Organization $OPEN_CONNECTORS_ORGANIZATION_SECRET"), "{}", ran.stdout);
        for s in SECRETS {
            assert!(
                !ran.stdout.contains(s) && !ran.stderr.contains(s),
                "{s} in {args:?}: {ran:?}"
            );
        }
    }
    assert!(w.journal().is_empty(), "a dry run sent {:?}", w.journal());

    // The placeholders are where the secrets were.
    let hub = w
        .run_with(
            &[
                "--dry-run",
                "call",
                "GET",
                "/hubs/crm/contacts",
                "--where",
                "a = 'b'",
            ],
            &t,
            &[],
            "",
        )
        .status(0);
    assert!(
        hub.stdout
            .contains("Element $OPEN_CONNECTORS_INSTANCE_TOKEN\""),
        "{}",
        hub.stdout
    );
    assert!(
        hub.stdout.contains("?where=a+%3D+%27b%27"),
        "{}",
        hub.stdout
    );
    let oauth = w
        .run_with(
            &[
                "--dry-run",
                "oauth",
                "url",
                "sfdc",
                "--api-key",
                "k",
                "--callback-url",
                "https://app/cb",
            ],
            &t,
            &[],
            "",
        )
        .status(0);
    assert!(
        oauth
            .stdout
            .contains("apiKey=%5BREDACTED%5D&apiSecret=%5BREDACTED%5D"),
        "{}",
        oauth.stdout
    );
    let create = w
        .run(&[
            "--dry-run",
            "instances",
            "create",
            "insightly",
            "--config",
            "password=hunter22",
        ])
        .status(0);
    assert!(
        create.stdout.contains(r#""password":"[REDACTED]""#),
        "{}",
        create.stdout
    );

    // No secret set at all: a dry run still prints (placeholders need none).
    let bare = w
        .run_with(
            &["--dry-run", "instances", "get", "7"],
            &[],
            &[
                "OPEN_CONNECTORS_USER_SECRET",
                "OPEN_CONNECTORS_ORGANIZATION_SECRET",
            ],
            "",
        )
        .status(0);
    assert!(bare.stdout.contains("/instances/7 "), "{}", bare.stdout);

    // --show-secrets: the real values, and the command works as printed.
    let shown = w
        .run(&[
            "--dry-run",
            "--show-secrets",
            "instances",
            "create",
            "insightly",
            "--config",
            "username=ada",
            "--config",
            "password=hunter22",
        ])
        .status(0);
    assert!(
        shown.stdout.contains(USER)
            && shown.stdout.contains(ORG)
            && shown.stdout.contains("hunter22"),
        "{}",
        shown.stdout
    );
    assert!(w.journal().is_empty());
    let curl = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} --silent --show-error --fail",
            w.run(&["--dry-run", "instances", "list"]).stdout.trim()
        ))
        .env("OPEN_CONNECTORS_USER_SECRET", USER)
        .env("OPEN_CONNECTORS_ORGANIZATION_SECRET", ORG)
        .output();
    if let Ok(out) = curl {
        // The placeholders expand in the shell to the secrets: the platform accepts them.
        assert!(out.status.success(), "{out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "[]");
        assert_eq!(w.journal().len(), 1);
    }
}

#[test]
fn profiles_written_by_configure_and_chosen_by_name() {
    let w = World::new();
    let base = w.sandbox.base_url();
    let no_env = [
        "OPEN_CONNECTORS_BASE_URL",
        "OPEN_CONNECTORS_USER_SECRET",
        "OPEN_CONNECTORS_ORGANIZATION_SECRET",
    ];
    let stdin = format!("{USER}\n{ORG}\n");
    let wrote = w
        .run_with(&["configure", "--base-url", &base], &[], &no_env, &stdin)
        .status(0);
    assert!(
        wrote.stderr.contains("wrote profile \"default\""),
        "{wrote:?}"
    );
    assert!(
        !wrote.stderr.contains(USER) && wrote.stdout.is_empty(),
        "{wrote:?}"
    );
    let path = w.config_path();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("[profiles.default]") && text.contains(&base) && text.contains(USER),
        "{text}"
    );

    // A second profile with a wrong secret; the first is kept.
    w.run_with(
        &[
            "configure",
            "--profile",
            "staging",
            "--base-url",
            &base,
            "--timeout",
            "5",
        ],
        &[],
        &no_env,
        "wrong-user\nwrong-org\n",
    )
    .status(0);
    let listed = w
        .run_with(&["instances", "list"], &[], &no_env, "")
        .status(0);
    assert_eq!(listed.json(), json!([]));
    let refused = w
        .run_with(
            &["--profile", "staging", "instances", "list"],
            &[],
            &no_env,
            "",
        )
        .status(4);
    assert!(
        refused.stderr.contains("error[authentication]"),
        "{refused:?}"
    );
    let by_env = w
        .run_with(
            &["instances", "list"],
            &[("OPEN_CONNECTORS_PROFILE", "staging")],
            &no_env,
            "",
        )
        .status(4);
    assert!(
        by_env.stderr.contains("error[authentication]"),
        "{by_env:?}"
    );
    // The environment wins over the profile, and a flag over both.
    w.run_with(
        &["--profile", "staging", "instances", "list"],
        &[
            ("OPEN_CONNECTORS_USER_SECRET", USER),
            ("OPEN_CONNECTORS_ORGANIZATION_SECRET", ORG),
        ],
        &["OPEN_CONNECTORS_BASE_URL"],
        "",
    )
    .status(0);
    let flag = w
        .run_with(
            &[
                "--base-url",
                "http://127.0.0.1:9",
                "--max-retries",
                "0",
                "instances",
                "list",
            ],
            &[],
            &no_env,
            "",
        )
        .status(3);
    assert!(flag.stderr.contains("error[connection]"), "{flag:?}");
    // Updating keeps a secret when the answer is empty.
    w.run_with(&["configure", "--profile", "staging"], &[], &no_env, "\n\n")
        .status(0);
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("wrong-user")
    );
    // A dry run of configure writes nothing and shows no secret.
    let before = std::fs::read_to_string(&path).unwrap();
    let dry = w
        .run_with(
            &[
                "--dry-run",
                "configure",
                "--profile",
                "x",
                "--region",
                "us2",
            ],
            &[],
            &no_env,
            "new-user\nnew-org\n",
        )
        .status(0);
    assert!(
        dry.stdout.contains("region = \"us2\"") && !dry.stdout.contains("new-user"),
        "{dry:?}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);

    let missing = w
        .run_with(
            &["--profile", "nope", "instances", "list"],
            &[],
            &no_env,
            "",
        )
        .status(2);
    assert!(
        missing.stderr.contains("no profile \"nope\"")
            && missing.stderr.contains("default, staging"),
        "{missing:?}"
    );
    std::fs::write(
        &path,
        "[profiles.default]\nbase_url = 'http://127.0.0.1:1'\npasword = 'x'\n",
    )
    .unwrap();
    let typo = w
        .run_with(&["instances", "list"], &[], &no_env, "")
        .status(2);
    assert!(typo.stderr.contains("unknown key \"pasword\""), "{typo:?}");
    std::fs::write(&path, "not toml [").unwrap();
    let broken = w
        .run_with(&["instances", "list"], &[], &no_env, "")
        .status(2);
    assert!(broken.stderr.contains("not valid TOML"), "{broken:?}");
}

#[test]
fn configure_finds_its_file_under_xdg_config_home() {
    let w = World::new();
    let xdg = w.dir.path().join("xdg");
    let env: std::collections::BTreeMap<String, String> = [
        ("XDG_CONFIG_HOME", xdg.display().to_string()),
        ("HOME", "/nonexistent".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let stdin = format!("{USER}\n{ORG}\n");
    run_env(
        &["configure", "--base-url", &w.sandbox.base_url()],
        env.clone(),
        &stdin,
    )
    .status(0);
    assert!(xdg.join("open-connectors/config.toml").exists());
    run_env(&["instances", "list"], env.clone(), "").status(0);
    // A bad address is refused before anything is written.
    let bad = run_env(
        &["configure", "--profile", "bad", "--base-url", "ftp://x"],
        env,
        &stdin,
    )
    .status(2);
    assert!(bad.stderr.contains("error[invalid_input]"), "{bad:?}");
    let text = std::fs::read_to_string(xdg.join("open-connectors/config.toml")).unwrap();
    assert!(!text.contains("[profiles.bad]"), "{text}");
}

#[test]
fn exit_statuses_per_error_kind() {
    let w = World::new();
    // 404, 401, 400 from the platform.
    w.run(&["instances", "get", "424242"]).status(5);
    let wrong = w
        .run_with(
            &["instances", "list"],
            &[("OPEN_CONNECTORS_USER_SECRET", "wrong")],
            &[],
            "",
        )
        .status(4);
    assert!(
        wrong.stderr.contains("Invalid user secret") && !wrong.stderr.contains(ORG),
        "{wrong:?}"
    );
    assert_eq!(wrong.stdout, "");
    let incomplete = w
        .run(&[
            "instances",
            "create",
            "insightly",
            "--config",
            "username=ada",
        ])
        .status(10);
    assert!(
        incomplete.stderr.contains("error[bad_request]") && incomplete.stderr.contains("password"),
        "{incomplete:?}"
    );
    // Invalid input, refused before sending: 2, naming the flag.
    let nothing = w.run(&["instances", "update", "5"]).status(2);
    assert!(nothing.stderr.contains("nothing to update"), "{nothing:?}");
    let validated = w
        .run(&[
            "instances",
            "create",
            "insightly",
            "--validate",
            "--config",
            "username=ada",
        ])
        .status(2);
    assert!(
        validated.stderr.contains("error[invalid_input]")
            && validated.stderr.contains("flag: --config"),
        "{validated:?}"
    );
    let key = w.run(&["instances", "create", "a/b"]).status(2);
    assert!(key.stderr.contains("flag: ELEMENT"), "{key:?}");
    // 5xx, after the retries the flags allow.
    w.http(
        "POST",
        "/__sandbox/faults",
        Some(json!({"path": "/elements/api-v2/elements/sfdc", "status": 503, "count": 1})),
    );
    let server = w
        .run(&["--max-retries", "0", "elements", "get", "sfdc"])
        .status(8);
    assert!(
        server.stderr.contains("error[server]") && server.stderr.contains("status: 503"),
        "{server:?}"
    );
    // 429, 409.
    w.http(
        "POST",
        "/__sandbox/faults",
        Some(json!([
            {"path": "/elements/api-v2/elements/sfdc", "status": 429, "count": 1},
            {"path": "/elements/api-v2/elements/zendesk", "status": 409, "count": 1},
        ])),
    );
    w.run(&["--max-retries", "0", "elements", "get", "sfdc"])
        .status(7);
    w.run(&["--max-retries", "0", "elements", "get", "zendesk"])
        .status(6);
    // Nothing listening: a connection error.
    let refused = w
        .run(&[
            "--base-url",
            "http://127.0.0.1:9",
            "--max-retries",
            "0",
            "instances",
            "list",
        ])
        .status(3);
    assert!(refused.stderr.contains("request sent: no"), "{refused:?}");
    // A 200 that is not JSON.
    w.http(
        "POST",
        "/__sandbox/faults",
        Some(
            json!({"path": "/elements/api-v2/instances/477858", "status": 200, "body": "not json"}),
        ),
    );
    w.run(&["instances", "get", "477858"]).status(9);
}

#[test]
fn bad_input_is_a_usage_error_naming_what_to_fix() {
    let w = World::new();
    let unknown = w.run(&["instances", "list", "--bogus"]).status(2);
    assert!(
        unknown.stderr.contains("unexpected argument '--bogus'"),
        "{unknown:?}"
    );
    let config = w
        .run(&["instances", "create", "insightly", "--config", "username"])
        .status(2);
    assert!(
        config
            .stderr
            .contains("invalid value 'username' for '--config <KEY=VALUE>'")
            && config.stderr.contains("KEY=VALUE"),
        "{config:?}"
    );
    let json_arg = w
        .run(&["instances", "create", "insightly", "--config-json", "[1]"])
        .status(2);
    assert!(
        json_arg.stderr.contains("expected a JSON object"),
        "{json_arg:?}"
    );
    let file = w
        .run(&[
            "instances",
            "create",
            "insightly",
            "--config-file",
            "/nonexistent.json",
        ])
        .status(2);
    assert!(
        file.stderr.contains("--config-file /nonexistent.json"),
        "{file:?}"
    );
    let id = w.run(&["instances", "get", "abc"]).status(2);
    assert!(id.stderr.contains("invalid value 'abc'"), "{id:?}");
    let size = w
        .run(&["instances", "list", "--page-size", "201"])
        .status(2);
    assert!(size.stderr.contains("201 is not in 1..=200"), "{size:?}");
    let method = w.run(&["call", "FETCH", "/x"]).status(2);
    assert!(
        method
            .stderr
            .contains("[possible values: GET, POST, PUT, PATCH, DELETE]"),
        "{method:?}"
    );
    let both = w
        .run(&[
            "--base-url",
            "http://127.0.0.1:1",
            "--region",
            "us2",
            "instances",
            "list",
        ])
        .status(2);
    assert!(both.stderr.contains("cannot be used with"), "{both:?}");

    // A missing secret names the variable, the profile key and the file.
    let no_secret = w
        .run_with(
            &["instances", "list"],
            &[],
            &["OPEN_CONNECTORS_ORGANIZATION_SECRET"],
            "",
        )
        .status(2);
    let path = w.config_path().display().to_string();
    assert!(
        no_secret
            .stderr
            .contains("organization_secret is not set: set OPEN_CONNECTORS_ORGANIZATION_SECRET"),
        "{no_secret:?}"
    );
    assert!(
        no_secret.stderr.contains(&format!(
            "`organization_secret` in profile \"default\" of {path}"
        )),
        "{no_secret:?}"
    );
    let no_url = w
        .run_with(
            &["instances", "list"],
            &[],
            &["OPEN_CONNECTORS_BASE_URL"],
            "",
        )
        .status(2);
    assert!(
        no_url.stderr.contains(
            "set OPEN_CONNECTORS_BASE_URL (or OPEN_CONNECTORS_REGION), give --base-url or --region"
        ),
        "{no_url:?}"
    );
    assert!(w.journal().is_empty());
}

#[test]
fn config_files_and_repeated_keys() {
    let w = World::new();
    let file = w.dir.path().join("cfg.json");
    std::fs::write(
        &file,
        r#"{"username": "from-file", "password": "hunter22"}"#,
    )
    .unwrap();
    let f = file.display().to_string();
    let made = w
        .run(&[
            "instances",
            "create",
            "insightly",
            "--config-file",
            &f,
            "--config",
            "username=flag",
            "--extra",
            "retrieveObjectsAfterInstantiation:=true",
        ])
        .status(0)
        .json();
    assert_eq!(made["configuration"]["username"], "flag");
    let stdin = w
        .run_with(
            &["instances", "create", "insightly", "--config-file", "-"],
            &[],
            &[],
            r#"{"username": "u", "password": "p"}"#,
        )
        .status(0)
        .json();
    assert_eq!(stdin["configuration"]["username"], "u");
    // A query key given twice is a list (sent twice).
    let dry = w
        .run_with(
            &[
                "--dry-run",
                "call",
                "GET",
                "/hubs/crm/contacts",
                "--query",
                "a=1",
                "--query",
                "a=2",
                "--query",
                "b:=3",
            ],
            &[("OPEN_CONNECTORS_INSTANCE_TOKEN", "t0ken")],
            &[],
            "",
        )
        .status(0);
    assert!(
        dry.stdout.contains("/hubs/crm/contacts?a=1&a=2&b=3' "),
        "{}",
        dry.stdout
    );
}

#[test]
fn webhook_verify_good_and_bad() {
    let w = World::new();
    let body = r#"{"message": {"eventId": "e1", "events": [{"eventType": "CREATED"}]}}"#;
    let key = "signing-k3y";
    let sig = open_connectors::webhook::sign(body.as_bytes(), key.as_bytes());
    let k = [("OPEN_CONNECTORS_WEBHOOK_KEY", key)];
    let good = w
        .run_with(&["webhook", "verify", "--signature", &sig], &k, &[], body)
        .status(0);
    assert_eq!(good.json()["message"]["eventId"], "e1");
    let flag = w
        .run_with(
            &["webhook", "verify", "--key", key, "--signature", &sig],
            &[],
            &[],
            body,
        )
        .status(0);
    assert_eq!(flag.json(), serde_json::from_str::<Value>(body).unwrap());
    let tampered = w
        .run_with(
            &["webhook", "verify", "--signature", &sig],
            &k,
            &[],
            &body.replace("e1", "e2"),
        )
        .status(11);
    assert!(
        tampered
            .stderr
            .starts_with("error[webhook_signature]: webhook signature: does not match"),
        "{tampered:?}"
    );
    assert_eq!(tampered.stdout, "");
    let wrong_key = w
        .run_with(
            &["webhook", "verify", "--signature", &sig],
            &[("OPEN_CONNECTORS_WEBHOOK_KEY", "other")],
            &[],
            body,
        )
        .status(11);
    assert!(
        !wrong_key.stderr.contains(key) && !wrong_key.stderr.contains("other"),
        "{wrong_key:?}"
    );
    let unsigned = w.run_with(&["webhook", "verify"], &k, &[], body).status(11);
    assert!(
        unsigned.stderr.contains("header is missing"),
        "{unsigned:?}"
    );
    let no_key = w.run(&["webhook", "verify", "--signature", &sig]).status(2);
    assert!(
        no_key.stderr.contains("set OPEN_CONNECTORS_WEBHOOK_KEY"),
        "{no_key:?}"
    );
}

#[test]
fn completions_for_each_shell() {
    let w = World::new();
    let bash = w.run(&["completions", "bash"]).status(0);
    assert!(
        bash.stdout.contains("complete -F _open__connectors "),
        "{}",
        &bash.stdout[..200.min(bash.stdout.len())]
    );
    for word in [
        "instances",
        "reauthenticate",
        "--page-size",
        "--config-file",
        "--dry-run",
        "configuration",
    ] {
        assert!(bash.stdout.contains(word), "{word}");
    }
    let zsh = w.run(&["completions", "zsh"]).status(0);
    assert!(
        zsh.stdout.starts_with("#compdef open-connectors"),
        "{}",
        &zsh.stdout[..100]
    );
    let fish = w.run(&["completions", "fish"]).status(0);
    assert!(fish.stdout.contains("complete -c open-connectors"), "fish");
    w.run(&["completions", "tcsh"]).status(2);
}
