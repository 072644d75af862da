//! `oc-sandbox`: runs the Open Connectors platform emulator until interrupted.
//! The first line of standard output is the base URL.

use std::io::{Read as _, Write as _};
use std::net::IpAddr;
use std::process::ExitCode;

use open_connectors_sandbox::{Config, Sandbox};

const HELP: &str = "\
oc-sandbox: a local emulator of the SAP Open Connectors platform API

USAGE:
    oc-sandbox [FLAGS]

Prints the base URL (http://HOST:PORT/elements/api-v2) as the first line of standard
output, then serves until SIGINT or SIGTERM. One line per request (method, path,
status, elapsed time) goes to standard error unless --quiet.

FLAGS:
    --host IP                  address to bind [env OC_SANDBOX_HOST; default 127.0.0.1]
    --port N                   port, 0 picks a free one [env OC_SANDBOX_PORT; default 0]
    --user-secret S            the user secret accepted; with --organization-secret it
                               replaces the default pairs [env OC_SANDBOX_USER_SECRET]
    --organization-secret S    the organization secret accepted
                               [env OC_SANDBOX_ORGANIZATION_SECRET]
    --journal-limit N          requests kept in the journal, oldest dropped first;
                               0 disables it [default 10000]
    --exit-on-stdin-eof        exit when standard input closes
    --quiet                    no request log on standard error
    -h, --help                 print this help
    -V, --version              print the version

Flags take their value as `--flag VALUE` or `--flag=VALUE`; a flag wins over its
environment variable. Without secrets the two example pairs of the platform docs are
accepted:
    User sAfK7LJGNz5ZHcNrvdJvLI=f03WbTbH6aRKc0HJ3oOIi, Organization 58168435e3b9959a929eb04b6218b9a2
    User zn96SWr/RjPPWztl+oQcFkT0mbKPpW7hEvPkYcRy6xM=, Organization 4c193728a11e2d03025e29992948b12c

Control API: POST /__sandbox/reset, POST /__sandbox/faults, GET /__sandbox/journal,
GET /__sandbox/health, POST /__sandbox/pagination, POST /__sandbox/oauth,
GET /__sandbox/oauth/authorize, POST /__sandbox/hub/seed, POST /__sandbox/hub/reset,
GET and POST /__sandbox/webhooks (see tests/sandbox/README.md).
";

struct Options {
    config: Config,
    exit_on_stdin_eof: bool,
}

enum Command {
    Run(Options),
    Help,
    Version,
}

fn parse<I, E>(args: I, env: E) -> Result<Command, String>
where
    I: IntoIterator<Item = String>,
    E: Fn(&str) -> Option<String>,
{
    let env = |name: &str| env(name).filter(|v| !v.is_empty());
    let mut host = env("OC_SANDBOX_HOST").map(|v| (v, "OC_SANDBOX_HOST"));
    let mut port = env("OC_SANDBOX_PORT").map(|v| (v, "OC_SANDBOX_PORT"));
    let mut user = env("OC_SANDBOX_USER_SECRET");
    let mut org = env("OC_SANDBOX_ORGANIZATION_SECRET");
    let mut journal_limit: Option<String> = None;
    let mut exit_on_stdin_eof = false;
    let mut quiet = false;

    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => args
                    .next()
                    .ok_or_else(|| format!("{flag} needs a value ({what})")),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--host" => host = Some((value("an IP address")?, "--host")),
            "--port" => port = Some((value("a port number")?, "--port")),
            "--user-secret" => user = Some(value("a user secret")?),
            "--organization-secret" => org = Some(value("an organization secret")?),
            "--journal-limit" => journal_limit = Some(value("a number of requests")?),
            "--exit-on-stdin-eof" | "--quiet" if inline.is_some() => {
                return Err(format!("{flag} takes no value"));
            }
            "--exit-on-stdin-eof" => exit_on_stdin_eof = true,
            "--quiet" => quiet = true,
            _ if arg.starts_with('-') => return Err(format!("unknown flag '{flag}'")),
            _ => return Err(format!("unexpected argument '{arg}'")),
        }
    }

    let mut config = Config {
        quiet,
        ..Config::default()
    };
    if let Some((h, from)) = host {
        config.host = h
            .parse::<IpAddr>()
            .map_err(|_| format!("{from}: '{h}' is not an IP address"))?;
    }
    if let Some((p, from)) = port {
        config.port = p
            .parse()
            .map_err(|_| format!("{from}: '{p}' is not a port number (0-65535)"))?;
    }
    if let Some(n) = journal_limit {
        config.journal_limit = n
            .parse()
            .map_err(|_| format!("--journal-limit: '{n}' is not a non-negative integer"))?;
    }
    match (user, org) {
        (Some(u), Some(o)) => config.credentials = vec![(u, o)],
        (None, None) => {}
        (Some(_), None) => {
            return Err(
                "a user secret needs an organization secret (--organization-secret or OC_SANDBOX_ORGANIZATION_SECRET)"
                    .to_owned(),
            );
        }
        (None, Some(_)) => {
            return Err(
                "an organization secret needs a user secret (--user-secret or OC_SANDBOX_USER_SECRET)".to_owned(),
            );
        }
    }
    Ok(Command::Run(Options {
        config,
        exit_on_stdin_eof,
    }))
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1), |k| std::env::var(k).ok()) {
        Ok(Command::Run(o)) => o,
        Ok(Command::Help) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("oc-sandbox {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("oc-sandbox: {message}\nTry 'oc-sandbox --help' for the flags.");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("oc-sandbox: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(options))
}

async fn run(options: Options) -> ExitCode {
    let (host, port) = (options.config.host, options.config.port);
    let sandbox = match Sandbox::start(options.config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "oc-sandbox: cannot listen on {}: {e}",
                std::net::SocketAddr::new(host, port)
            );
            return ExitCode::FAILURE;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        if writeln!(out, "{}", sandbox.base_url())
            .and_then(|()| out.flush())
            .is_err()
        {
            eprintln!("oc-sandbox: cannot write the base URL to standard output");
            return ExitCode::FAILURE;
        }
    }

    let stdin_eof = async move {
        if !options.exit_on_stdin_eof {
            return std::future::pending().await;
        }
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buf = [0u8; 4096];
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = tx.send(());
        });
        let _ = rx.await;
    };
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = interrupt => {}
        () = terminate() => {}
        () = stdin_eof => {}
    }
    drop(sandbox);
    ExitCode::SUCCESS
}

#[cfg(unix)]
async fn terminate() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut s) => {
            s.recv().await;
        }
        Err(_) => std::future::pending().await,
    }
}

#[cfg(not(unix))]
async fn terminate() {
    std::future::pending().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    fn run_opts(a: &[&str], env: &[(&str, &str)]) -> Result<Options, String> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        match parse(args(a), |k| {
            env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })? {
            Command::Run(o) => Ok(o),
            _ => Err("not a run".to_owned()),
        }
    }

    #[test]
    fn flags_and_env() {
        let o = run_opts(&[], &[]).unwrap();
        assert_eq!(o.config.port, 0);
        assert_eq!(o.config.credentials.len(), 2);
        assert!(!o.config.quiet);
        assert!(!o.exit_on_stdin_eof);

        let o = run_opts(
            &[
                "--port",
                "8080",
                "--host=0.0.0.0",
                "--quiet",
                "--exit-on-stdin-eof",
                "--journal-limit",
                "5",
            ],
            &[("OC_SANDBOX_PORT", "9")],
        )
        .unwrap();
        assert_eq!(o.config.port, 8080);
        assert_eq!(o.config.host.to_string(), "0.0.0.0");
        assert!(o.config.quiet && o.exit_on_stdin_eof);
        assert_eq!(o.config.journal_limit, 5);

        let o = run_opts(
            &["--user-secret", "u=+/"],
            &[
                ("OC_SANDBOX_ORGANIZATION_SECRET", "o"),
                ("OC_SANDBOX_PORT", "9"),
            ],
        )
        .unwrap();
        assert_eq!(
            o.config.credentials,
            vec![("u=+/".to_owned(), "o".to_owned())]
        );
        assert_eq!(o.config.port, 9);
    }

    #[test]
    fn bad_flags() {
        for (a, env, needle) in [
            (&["--nope"][..], &[][..], "unknown flag '--nope'"),
            (&["--port"], &[], "--port needs a value"),
            (&["--port", "99999"], &[], "not a port number"),
            (&["--host", "localhost"], &[], "not an IP address"),
            (&[], &[("OC_SANDBOX_PORT", "x")], "OC_SANDBOX_PORT"),
            (&["--user-secret", "u"], &[], "needs an organization secret"),
            (&["--quiet=yes"], &[], "takes no value"),
            (&["stray"], &[], "unexpected argument"),
            (&["--journal-limit", "-1"], &[], "--journal-limit"),
        ] {
            let e = run_opts(a, env)
                .err()
                .unwrap_or_else(|| panic!("{a:?} accepted"));
            assert!(e.contains(needle), "{e}");
        }
        assert!(matches!(
            parse(args(&["--help"]), |_| None),
            Ok(Command::Help)
        ));
        assert!(matches!(
            parse(args(&["-V"]), |_| None),
            Ok(Command::Version)
        ));
    }
}
