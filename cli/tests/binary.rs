//! The `open-connectors` binary itself, as a shell runs it: JSON to a pipe, the exit
//! status per error, nothing read from the user's own configuration.

use std::process::{Command, Output};

use open_connectors_sandbox::{Config, DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET, Sandbox};

fn run(sandbox: &Sandbox, dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_open-connectors"))
        .args(args)
        .env_clear()
        .env("OPEN_CONNECTORS_BASE_URL", sandbox.base_url())
        .env("OPEN_CONNECTORS_USER_SECRET", DEFAULT_USER_SECRET)
        .env(
            "OPEN_CONNECTORS_ORGANIZATION_SECRET",
            DEFAULT_ORGANIZATION_SECRET,
        )
        .env("OPEN_CONNECTORS_CONFIG", dir.join("config.toml"))
        .output()
        .expect("the binary runs")
}

#[test]
fn the_binary_prints_json_to_a_pipe_and_exits_per_error() {
    let sandbox = Sandbox::spawn_thread(Config::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let empty = run(&sandbox, dir.path(), &["instances", "list"]);
    assert_eq!(empty.status.code(), Some(0), "{empty:?}");
    assert_eq!(String::from_utf8_lossy(&empty.stdout), "[]\n");
    let created = run(
        &sandbox,
        dir.path(),
        &[
            "instances",
            "create",
            "insightly",
            "--config",
            "username=u",
            "--config",
            "password=p",
        ],
    );
    assert_eq!(created.status.code(), Some(0), "{created:?}");
    let v: serde_json::Value = serde_json::from_slice(&created.stdout).unwrap();
    assert_eq!(v["element"]["key"], "insightly");
    let missing = run(&sandbox, dir.path(), &["instances", "get", "1"]);
    assert_eq!(missing.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&missing.stderr).starts_with("error[not_found]: "));
    let usage = run(&sandbox, dir.path(), &["instances", "frobnicate"]);
    assert_eq!(usage.status.code(), Some(2));
    let help = run(&sandbox, dir.path(), &["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&help.stdout)
            .contains("Usage: open-connectors [OPTIONS] <COMMAND>")
    );
}

/// `--verbose` in a process of its own: tracing's scoped dispatch is per thread, and
/// the tests of `cli.rs` run in parallel threads of one process.
#[test]
fn verbose_logs_each_request_redacted() {
    let sandbox = Sandbox::spawn_thread(Config::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_open-connectors"));
    cmd.args([
        "--verbose",
        "oauth",
        "url",
        "sfdc",
        "--api-key",
        "k-123",
        "--callback-url",
        "https://app/cb",
    ])
    .env_clear()
    .env("OPEN_CONNECTORS_BASE_URL", sandbox.base_url())
    .env("OPEN_CONNECTORS_USER_SECRET", DEFAULT_USER_SECRET)
    .env(
        "OPEN_CONNECTORS_ORGANIZATION_SECRET",
        DEFAULT_ORGANIZATION_SECRET,
    )
    .env("OPEN_CONNECTORS_API_SECRET", "api-s3cr3t")
    .env("OPEN_CONNECTORS_CONFIG", dir.path().join("config.toml"));
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("sending get_oauth_url method=GET url=http://"),
        "{stderr}"
    );
    assert!(stderr.contains("apiSecret=%5BREDACTED%5D"), "{stderr}");
    assert!(
        stderr.contains("request succeeded") && stderr.contains("status=200"),
        "{stderr}"
    );
    for s in [
        DEFAULT_USER_SECRET,
        DEFAULT_ORGANIZATION_SECRET,
        "api-s3cr3t",
        "k-123",
    ] {
        assert!(!stderr.contains(s), "{s}: {stderr}");
    }
    let failed = run(&sandbox, dir.path(), &["-v", "instances", "get", "1"]);
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(5));
    assert!(
        stderr.contains("request failed") && stderr.contains("status=404"),
        "{stderr}"
    );
    // Without --verbose, nothing but the error.
    let quiet = run(&sandbox, dir.path(), &["instances", "get", "1"]);
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("request failed"));
}
