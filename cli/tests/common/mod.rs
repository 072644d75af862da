//! What the CLI tests share: an in-process sandbox, the CLI run in-process over
//! buffers (`open_connectors_cli::run`), and calls to the sandbox's control API.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use open_connectors_sandbox::{Config, DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET, Sandbox};
use serde_json::Value;

pub const USER: &str = DEFAULT_USER_SECRET;
pub const ORG: &str = DEFAULT_ORGANIZATION_SECRET;

#[derive(Clone, Default)]
pub struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Buf {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// What one run printed and returned.
#[derive(Debug)]
pub struct Ran {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// Standard output as JSON (fails the test with both streams when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }

    /// Asserts the exit status, showing both streams when it differs.
    pub fn status(self, expected: i32) -> Ran {
        assert_eq!(self.status, expected, "{self:#?}");
        self
    }
}

/// One sandbox and a private configuration directory, with the environment a test's
/// runs get.
pub struct World {
    pub sandbox: Sandbox,
    pub dir: tempfile::TempDir,
    pub env: BTreeMap<String, String>,
}

impl World {
    /// A sandbox; the environment names it and its default secrets, and a config file
    /// path in a fresh temporary directory (never the user's own).
    pub fn new() -> World {
        let sandbox = Sandbox::spawn_thread(Config::default()).expect("sandbox");
        let dir = tempfile::tempdir().expect("tempdir");
        let mut env = BTreeMap::new();
        env.insert("OPEN_CONNECTORS_BASE_URL".into(), sandbox.base_url());
        env.insert("OPEN_CONNECTORS_USER_SECRET".into(), USER.into());
        env.insert("OPEN_CONNECTORS_ORGANIZATION_SECRET".into(), ORG.into());
        env.insert(
            "OPEN_CONNECTORS_CONFIG".into(),
            dir.path().join("config.toml").display().to_string(),
        );
        World { sandbox, dir, env }
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    /// Runs the CLI with this world's environment.
    pub fn run(&self, args: &[&str]) -> Ran {
        self.run_with(args, &[], &[], "")
    }

    /// Runs the CLI with variables set (`set`) and removed (`unset`), and `stdin`.
    pub fn run_with(
        &self,
        args: &[&str],
        set: &[(&str, &str)],
        unset: &[&str],
        stdin: &str,
    ) -> Ran {
        let mut env = self.env.clone();
        for k in unset {
            env.remove(*k);
        }
        for (k, v) in set {
            env.insert((*k).into(), (*v).into());
        }
        run_env(args, env, stdin)
    }

    /// A control-API or platform call to the sandbox: `path` under its root.
    pub fn http(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.sandbox.root_url());
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                let client = reqwest::Client::new();
                let mut req = client.request(method.parse().unwrap(), url);
                if let Some(b) = body {
                    req = req.json(&b);
                }
                let text = req.send().await.unwrap().text().await.unwrap();
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            })
    }

    /// The requests the sandbox received under the platform prefix.
    pub fn journal(&self) -> Vec<Value> {
        self.http("GET", "/__sandbox/journal", None)["requests"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// A basic instance of insightly, through the CLI: (id, token).
    pub fn instance(&self, name: &str, tags: &[&str]) -> (u64, String) {
        let mut args = vec![
            "instances",
            "create",
            "insightly",
            "--name",
            name,
            "--config",
            "username=ada",
            "--config",
            "password=hunter22",
        ];
        for t in tags {
            args.push("--tag");
            args.push(t);
        }
        let v = self.run(&args).status(0).json();
        (
            v["id"].as_u64().expect("an id"),
            v["token"].as_str().expect("a token").to_owned(),
        )
    }
}

/// Runs the CLI in-process over buffers with exactly this environment.
pub fn run_env(args: &[&str], env: BTreeMap<String, String>, stdin: &str) -> Ran {
    let out = Buf::default();
    let err = Buf::default();
    let mut argv = vec!["open-connectors".to_owned()];
    argv.extend(args.iter().map(|s| s.to_string()));
    let status = open_connectors_cli::run(
        argv,
        open_connectors_cli::Io {
            stdin: Box::new(io::Cursor::new(stdin.as_bytes().to_vec())),
            stdout: Box::new(out.clone()),
            stderr: Box::new(err.clone()),
            stdin_is_terminal: false,
            stdout_is_terminal: false,
            env,
        },
    );
    Ran {
        status,
        stdout: out.text(),
        stderr: err.text(),
    }
}
