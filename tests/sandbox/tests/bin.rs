//! The `oc-sandbox` binary: flags, first line of stdout, request log, exit.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_oc-sandbox");

fn wait_with_timeout(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("oc-sandbox did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn serves_logs_and_exits_on_stdin_eof() {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--exit-on-stdin-eof"])
        .env_remove("OC_SANDBOX_PORT")
        .env_remove("OC_SANDBOX_HOST")
        .env_remove("OC_SANDBOX_USER_SECRET")
        .env_remove("OC_SANDBOX_ORGANIZATION_SECRET")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let base = line.trim_end();
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/elements/api-v2"),
        "{base}"
    );
    let addr: SocketAddr = base["http://".len()..base.len() - "/elements/api-v2".len()]
        .parse()
        .unwrap();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let body =
        r#"{"element":{"key":"insightly"},"configuration":{"username":"u","password":"hunter2"}}"#;
    let r = rt.block_on(post_json(addr, "/elements/api-v2/instances?token=1", body));
    assert_eq!(r.status, 200);

    drop(child.stdin.take());
    let status = wait_with_timeout(&mut child, Duration::from_secs(5));
    assert!(status.success(), "{status:?}");
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(
        err.contains("POST /elements/api-v2/instances 200 "),
        "{err}"
    );
    assert!(err.trim_end().ends_with("ms"), "{err}");
    for secret in [USER, ORG, "hunter2", "token=1"] {
        assert!(!err.contains(secret), "the log leaks {secret}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn quiet_and_sigterm() {
    let mut child = Command::new(BIN)
        .args(["--quiet", "--port=0", "--journal-limit", "3"])
        .env("OC_SANDBOX_USER_SECRET", "u")
        .env("OC_SANDBOX_ORGANIZATION_SECRET", "o")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let base = line.trim_end();
    let addr: SocketAddr = base["http://".len()..base.len() - "/elements/api-v2".len()]
        .parse()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Only the configured pair is accepted.
    let r = rt.block_on(post_json(addr, "/elements/api-v2/instances", "{}"));
    assert_eq!(r.status, 401);
    let r = rt.block_on(request(
        addr,
        "POST",
        "/elements/api-v2/instances",
        &[
            ("authorization", "User u, Organization o"),
            ("content-type", "application/json"),
        ],
        br#"{"element":{"key":"insightly"},"configuration":{"username":"u","password":"p"}}"#,
    ));
    assert_eq!(r.status, 200);

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = wait_with_timeout(&mut child, Duration::from_secs(5));
    assert!(status.success(), "{status:?}");
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(err, "", "--quiet logs nothing");
}

#[test]
fn help_version_and_bad_flags() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--host",
        "--port",
        "--user-secret",
        "--organization-secret",
        "--journal-limit",
        "--exit-on-stdin-eof",
        "--quiet",
        "--help",
        "--version",
        "OC_SANDBOX_HOST",
        "OC_SANDBOX_PORT",
        "OC_SANDBOX_USER_SECRET",
        "OC_SANDBOX_ORGANIZATION_SECRET",
    ] {
        assert!(help.contains(flag), "--help does not document {flag}");
    }
    let out = Command::new(BIN).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("oc-sandbox ")
    );

    for args in [
        &["--bogus"][..],
        &["--port", "x"],
        &["--port"],
        &["--user-secret", "only"],
    ] {
        let out = Command::new(BIN)
            .args(args)
            .env_remove("OC_SANDBOX_ORGANIZATION_SECRET")
            .env_remove("OC_SANDBOX_PORT")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.starts_with("oc-sandbox: "), "{err}");
    }
}
