//! The `open-connectors` command line: every operation of the SDK's operation table
//! from the shell, built from [`open_connectors::OPERATIONS`] (each operation's
//! [`command`](open_connectors::Operation::command), parameters, summary and docs), so
//! an operation added to the core appears here with no code of its own.
//!
//! ```text
//! open-connectors instances list --tag Docs --all
//! open-connectors instances create insightly --name CRM --config username=u --config-file secrets.json
//! open-connectors oauth url sfdc --api-key K --callback-url https://app/cb   # apiSecret from $OPEN_CONNECTORS_API_SECRET
//! open-connectors call GET /hubs/crm/contacts --where "lastName = 'Smith'" --all   # token from $OPEN_CONNECTORS_INSTANCE_TOKEN
//! open-connectors webhook verify --signature "$SIG" < body.json                  # key from $OPEN_CONNECTORS_WEBHOOK_KEY
//! open-connectors --dry-run instances delete 12                                  # the request as curl, secrets hidden
//! ```
//!
//! [`run`] is the whole program, over any standard streams and environment ([`Io`]):
//! the binary, the Python console script and the npm `bin` all call it.

mod config;
mod exit;
mod output;
mod table;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{self, IsTerminal, Read, Write};
use std::sync::{Arc, Mutex};

use clap::{Arg, ArgAction, ArgMatches, Command};
use open_connectors::ops::{AuthScope, Operation};
use open_connectors::{CallOptions, Error, Lang, Output, Secret, curl};
use serde_json::Value;

pub use exit::{EXIT_STATUSES, exit_code};
use output::{Format, ListWriter, Printer};

/// The program's name.
pub const PROGRAM: &str = "open-connectors";
/// The variable the webhook signature key is read from (`webhook verify`).
pub const ENV_WEBHOOK_KEY: &str = "OPEN_CONNECTORS_WEBHOOK_KEY";
/// `--all` prints a progress line on standard error every this many items.
pub const PROGRESS_EVERY: u64 = 1000;

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage, refused before anything was sent (exit status 2).
    Usage(String),
    /// An error of the SDK (exit status by its code).
    Sdk(Error),
    /// An error of the SDK about a parameter, named by its flag.
    Arg(Error, String),
    /// Writing the output failed.
    Io(io::Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

/// The standard streams and the environment a run uses.
pub struct Io {
    /// Standard input (`webhook verify` reads the body there, `configure` the secrets).
    pub stdin: Box<dyn Read + Send>,
    /// Standard output: results.
    pub stdout: Box<dyn Write + Send>,
    /// Standard error: errors, progress, `--verbose` logs.
    pub stderr: Box<dyn Write + Send>,
    /// Whether standard input is a terminal (`configure` then asks, hidden).
    pub stdin_is_terminal: bool,
    /// Whether standard output is a terminal (tables by default, else JSON).
    pub stdout_is_terminal: bool,
    /// The environment.
    pub env: BTreeMap<String, String>,
}

impl Io {
    /// The process's own streams and environment.
    pub fn std() -> Io {
        Io {
            stdin: Box::new(io::stdin()),
            stdout: Box::new(io::BufWriter::new(io::stdout())),
            stderr: Box::new(io::stderr()),
            stdin_is_terminal: io::stdin().is_terminal(),
            stdout_is_terminal: io::stdout().is_terminal(),
            env: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }
}

/// Standard error, shared with the `--verbose` log writer.
#[derive(Clone)]
struct Shared(Arc<Mutex<Box<dyn Write + Send>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| io::Error::other("poisoned"))?
            .write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0
            .lock()
            .map_err(|_| io::Error::other("poisoned"))?
            .flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Shared {
    type Writer = Shared;
    fn make_writer(&'a self) -> Shared {
        self.clone()
    }
}

fn global(arg: Arg) -> Arg {
    arg.global(true).help_heading("Global options")
}

/// The whole command tree.
pub fn command() -> Command {
    let specs = table::specs();
    let statuses: Vec<String> = EXIT_STATUSES
        .iter()
        .map(|(s, what, _)| format!("  {s:>2}  {what}"))
        .collect();
    let root = Command::new(PROGRAM)
        .version(open_connectors::VERSION)
        .about("Every operation of the SAP Open Connectors platform from the shell.")
        .long_about(
            "Every operation of the SAP Open Connectors platform from the shell: the commands, \
             flags and help come from the SDK's operation table.\n\n\
             Settings come from the flags, then the OPEN_CONNECTORS_* environment \
             (OPEN_CONNECTORS_BASE_URL or OPEN_CONNECTORS_REGION, OPEN_CONNECTORS_USER_SECRET, \
             OPEN_CONNECTORS_ORGANIZATION_SECRET), then the profile written by `open-connectors configure`. \
             Secrets are never needed on the command line.\n\n\
             Results are JSON when standard output is not a terminal, a table on one (--output chooses).",
        )
        .after_long_help(format!("Exit status:\n{}", statuses.join("\n")))
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(global(
            Arg::new("profile")
                .long("profile")
                .value_name("NAME")
                .help("The profile of the configuration file [default: $OPEN_CONNECTORS_PROFILE, else default]"),
        ))
        .arg(global(
            Arg::new("base_url")
                .long("base-url")
                .value_name("URL")
                .conflicts_with("region")
                .help("The platform's base URL [default: $OPEN_CONNECTORS_BASE_URL, else the profile's]"),
        ))
        .arg(global(
            Arg::new("region")
                .long("region")
                .value_name("REGION")
                .help("A region preset: default, us2, us10, eu10, trial-us10, ce-us, ce-eu, ce-staging"),
        ))
        .arg(global(
            Arg::new("output")
                .long("output")
                .short('o')
                .value_name("FORMAT")
                .value_parser(["json", "table"])
                .help("json, or table [default: table on a terminal, else json]"),
        ))
        .arg(global(
            Arg::new("dry_run")
                .long("dry-run")
                .action(ArgAction::SetTrue)
                .help("Print the request as a curl command line (secrets as placeholders); send nothing"),
        ))
        .arg(global(
            Arg::new("show_secrets")
                .long("show-secrets")
                .action(ArgAction::SetTrue)
                .help("Show secrets in --dry-run's curl and in tables (off by default)"),
        ))
        .arg(global(
            Arg::new("verbose")
                .long("verbose")
                .short('v')
                .action(ArgAction::SetTrue)
                .help("Log each request (redacted) and its outcome on standard error"),
        ))
        .arg(global(
            Arg::new("timeout")
                .long("timeout")
                .value_name("SECONDS")
                .value_parser(clap::value_parser!(f64))
                .help("Timeout of each attempt [default: 60]"),
        ))
        .arg(global(
            Arg::new("max_retries")
                .long("max-retries")
                .value_name("N")
                .value_parser(clap::value_parser!(u64).range(0..=10))
                .help("Retries of a failed call, where safe [default: 2]"),
        ));
    table::add_commands(root, &specs)
        .subcommand(
            Command::new("webhook")
                .about("webhook: verify")
                .subcommand_required(true)
                .arg_required_else_help(true)
                .subcommand(
                    Command::new("verify")
                        .about("Verifies a webhook's signature over its body (standard input) and prints the notification.")
                        .long_about(
                            "Verifies a webhook's Elements-Webhook-Signature (sha256=<base64 HMAC-SHA256>) over the raw body read \
                             from standard input, with the instance's event.notification.signature.key, and prints the \
                             notification's JSON. A missing, malformed or wrong signature exits with status 11.",
                        )
                        .arg(
                            Arg::new("key")
                                .long("key")
                                .value_name("KEY")
                                .help(format!("The instance's event.notification.signature.key. Secret: better from ${ENV_WEBHOOK_KEY}.")),
                        )
                        .arg(
                            Arg::new("signature")
                                .long("signature")
                                .value_name("SIGNATURE")
                                .help("The Elements-Webhook-Signature header's value"),
                        ),
                ),
        )
        .subcommand(
            Command::new("completions")
                .about("Prints the shell completion script (bash, zsh, fish, elvish, powershell)")
                .long_about(
                    "Prints the shell completion script, e.g. `open-connectors completions bash > \
                     ~/.local/share/bash-completion/completions/open-connectors`.",
                )
                .arg(
                    Arg::new("shell")
                        .required(true)
                        .value_parser(clap::value_parser!(clap_complete::Shell)),
                ),
        )
        .subcommand(
            Command::new("configure")
                .about("Writes a profile (mode 0600): the address from --base-url or --region, the secrets asked")
                .long_about(
                    "Writes (or updates) a profile of the configuration file, mode 0600: $OPEN_CONNECTORS_CONFIG, \
                     else $XDG_CONFIG_HOME/open-connectors/config.toml, else ~/.config/open-connectors/config.toml. \
                     The address comes from --base-url or --region (and --timeout, --max-retries are kept); the user \
                     and organization secrets are asked on a terminal (hidden), or read from standard input, one a \
                     line. An empty answer keeps the profile's current secret. --profile names the profile \
                     (default: default).",
                ),
        )
}

/// Runs the command line `args` (the program's name first) over `io`; returns the
/// exit status.
pub fn run<I, S>(args: I, io: Io) -> i32
where
    I: IntoIterator<Item = S>,
    S: Into<OsString> + Clone,
{
    let Io {
        mut stdin,
        mut stdout,
        stderr,
        stdin_is_terminal,
        stdout_is_terminal,
        env,
    } = io;
    let mut stderr = Shared(Arc::new(Mutex::new(stderr)));
    let matches = match command().try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => {
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                stderr.write_all(text.as_bytes())
            } else {
                stdout.write_all(text.as_bytes())
            };
            let _ = stdout.flush();
            return e.exit_code();
        }
    };
    let ctx = Ctx {
        flags: config::Flags {
            profile: matches.get_one::<String>("profile").cloned(),
            base_url: matches.get_one::<String>("base_url").cloned(),
            region: matches.get_one::<String>("region").cloned(),
            timeout: matches.get_one::<f64>("timeout").copied(),
            max_retries: matches.get_one::<u64>("max_retries").copied(),
        },
        format: match matches.get_one::<String>("output").map(String::as_str) {
            Some("json") => Format::Json,
            Some(_) => Format::Table,
            None if stdout_is_terminal => Format::Table,
            None => Format::Json,
        },
        dry_run: matches.get_flag("dry_run"),
        show_secrets: matches.get_flag("show_secrets"),
        stdin_is_terminal,
        env,
    };
    let verbose = matches.get_flag("verbose");
    let outcome = if verbose {
        use tracing_subscriber::layer::SubscriberExt;
        let targets = tracing_subscriber::filter::Targets::new()
            .with_target("open_connectors", tracing::Level::DEBUG)
            .with_target("open_connectors_cli", tracing::Level::DEBUG);
        let layer = tracing_subscriber::fmt::layer()
            .with_writer(stderr.clone())
            .with_ansi(false)
            .without_time()
            .with_target(false);
        let subscriber = tracing_subscriber::registry()
            .with(tracing_subscriber::Layer::with_filter(layer, targets));
        tracing::subscriber::with_default(subscriber, || {
            dispatch(&matches, &ctx, &mut *stdin, &mut *stdout, &mut stderr)
        })
    } else {
        dispatch(&matches, &ctx, &mut *stdin, &mut *stdout, &mut stderr)
    };
    let flushed = stdout.flush();
    let status = match outcome.and(flushed.map_err(Failure::Io)) {
        Ok(()) => exit::OK,
        Err(f) => report(&f, &mut stderr),
    };
    let _ = stderr.flush();
    status
}

/// [`run`] over the process's own streams and environment.
pub fn run_std<I, S>(args: I) -> i32
where
    I: IntoIterator<Item = S>,
    S: Into<OsString> + Clone,
{
    run(args, Io::std())
}

/// What every command reads besides its own arguments.
struct Ctx {
    flags: config::Flags,
    format: Format,
    dry_run: bool,
    show_secrets: bool,
    stdin_is_terminal: bool,
    env: BTreeMap<String, String>,
}

/// Writes a failure on standard error; its exit status.
fn report(f: &Failure, stderr: &mut dyn Write) -> i32 {
    let (e, flag) = match f {
        Failure::Usage(msg) => {
            let _ = writeln!(stderr, "error: {msg}");
            return exit::USAGE;
        }
        // A closed pipe (`... | head`): the reader has what it wanted.
        Failure::Io(e) if e.kind() == io::ErrorKind::BrokenPipe => return exit::OK,
        Failure::Io(e) => {
            let _ = writeln!(stderr, "error: cannot write the output: {e}");
            return exit::OTHER;
        }
        Failure::Sdk(e) => (e, None),
        Failure::Arg(e, flag) => (e, Some(flag)),
    };
    let headline = match e.as_status() {
        Some(s) => s.message.clone().unwrap_or_else(|| e.to_string()),
        None => e.to_string(),
    };
    let mut lines = vec![format!("error[{}]: {headline}", e.code())];
    if let Some(flag) = flag {
        lines.push(format!("  flag: {flag}"));
    }
    if let Some(status) = e.status() {
        lines.push(format!("  status: {status}"));
    }
    if let Some(id) = e.request_id() {
        lines.push(format!("  request id: {id}"));
    }
    if let Some(s) = e.as_status()
        && let Some(p) = &s.provider_message
    {
        lines.push(format!("  provider message: {p}"));
    }
    if let Some(sent) = e.request_sent() {
        lines.push(format!(
            "  request sent: {}",
            match sent {
                open_connectors::RequestSent::No => "no",
                open_connectors::RequestSent::Maybe => "maybe (it may have reached the server)",
            }
        ));
    }
    let _ = writeln!(stderr, "{}", lines.join("\n"));
    exit_code(e.code())
}

fn dispatch(
    m: &ArgMatches,
    ctx: &Ctx,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut Shared,
) -> Result<(), Failure> {
    let Some((name, sub)) = m.subcommand() else {
        return Err(Failure::Usage("a command is needed: see --help".into()));
    };
    match name {
        "completions" => {
            let shell = *sub
                .get_one::<clap_complete::Shell>("shell")
                .ok_or_else(|| Failure::Usage("a shell is needed".into()))?;
            clap_complete::generate(shell, &mut command(), PROGRAM, stdout);
            Ok(())
        }
        "configure" => {
            let mut ask = Asker {
                stdin,
                terminal: ctx.stdin_is_terminal,
                lines: None,
            };
            config::configure(&ctx.flags, &ctx.env, &mut ask, stderr, ctx.dry_run, stdout)
        }
        "webhook" => match sub.subcommand() {
            Some(("verify", v)) => verify(v, ctx, stdin, stdout),
            _ => Err(Failure::Usage("webhook needs a command: verify".into())),
        },
        _ => {
            let specs = table::specs();
            let mut words = vec![name];
            let mut leaf = sub;
            while let Some((n, s)) = leaf.subcommand() {
                words.push(n);
                leaf = s;
            }
            let spec = specs
                .iter()
                .find(|s| s.words == words)
                .ok_or_else(|| Failure::Usage(format!("unknown command {}", words.join(" "))))?;
            call(spec, leaf, ctx, stdin, stdout, stderr)
        }
    }
}

/// `configure`'s questions: hidden prompts on a terminal, else lines of standard input.
struct Asker<'a> {
    stdin: &'a mut dyn Read,
    terminal: bool,
    lines: Option<std::vec::IntoIter<String>>,
}

impl config::Ask for Asker<'_> {
    fn secret(&mut self, prompt: &str) -> Result<Option<String>, Failure> {
        if self.terminal {
            return rpassword::prompt_password(prompt)
                .map(Some)
                .map_err(|e| Failure::Usage(format!("cannot read the answer: {e}")));
        }
        if self.lines.is_none() {
            let mut text = String::new();
            self.stdin
                .read_to_string(&mut text)
                .map_err(|e| Failure::Usage(format!("cannot read standard input: {e}")))?;
            let lines: Vec<String> = text.lines().map(str::to_owned).collect();
            self.lines = Some(lines.into_iter());
        }
        Ok(self.lines.as_mut().and_then(Iterator::next))
    }
}

/// `webhook verify`.
fn verify(
    m: &ArgMatches,
    ctx: &Ctx,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
) -> Result<(), Failure> {
    let key = m
        .get_one::<String>("key")
        .cloned()
        .or_else(|| ctx.env.get(ENV_WEBHOOK_KEY).filter(|v| !v.is_empty()).cloned())
        .ok_or_else(|| {
            Failure::Usage(format!(
                "the signature key is not set: set {ENV_WEBHOOK_KEY} (or give --key) to the instance's event.notification.signature.key"
            ))
        })?;
    let mut body = Vec::new();
    stdin
        .read_to_end(&mut body)
        .map_err(|e| Failure::Usage(format!("cannot read the body from standard input: {e}")))?;
    let signature = m.get_one::<String>("signature").map(String::as_str);
    let notification =
        open_connectors::webhook::verify(&body, signature, key.as_bytes()).map_err(Failure::Sdk)?;
    let mut p = Printer {
        out: stdout,
        format: ctx.format,
        show_secrets: ctx.show_secrets,
    };
    p.output(&Output::Json(notification))?;
    Ok(())
}

/// The flag of an operation's parameter, for an error about it.
fn with_flag(spec: &table::Spec, e: Error) -> Failure {
    let flag = e.field().and_then(|f| {
        let name = f.split(['.', '[']).next().unwrap_or(f);
        spec.params().into_iter().find(|p| p.name == name).map(|p| {
            if p.positional {
                p.name.to_ascii_uppercase()
            } else {
                format!("--{}", table::flag_name(p))
            }
        })
    });
    match flag {
        Some(flag) => Failure::Arg(e, flag),
        None => Failure::Sdk(e),
    }
}

/// A command of the operation table.
fn call(
    spec: &table::Spec,
    m: &ArgMatches,
    ctx: &Ctx,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut Shared,
) -> Result<(), Failure> {
    let args = table::read_args(spec, m, &ctx.env, stdin)?;
    let all = spec.paged().is_some() && m.get_flag("all");
    let op: &'static Operation = table::choose(spec, &args, all)?;
    let args = table::for_operation(op, args);
    if let Some(p) = op
        .params
        .iter()
        .find(|p| p.required && !args.contains_key(p.name))
    {
        let env = table::env_name(p)
            .map(|e| format!(" (or set {e})"))
            .unwrap_or_default();
        return Err(Failure::Usage(format!(
            "--{} is required{env}",
            table::flag_name(p)
        )));
    }
    let placeholders = ctx.dry_run && !ctx.show_secrets;
    let mut options = CallOptions::new();
    if op.auth == AuthScope::Instance {
        let token = m
            .get_one::<String>("token")
            .cloned()
            .or_else(|| ctx.env.get(curl::ENV_INSTANCE_TOKEN).filter(|v| !v.is_empty()).cloned())
            .or_else(|| placeholders.then(|| "unset".to_owned()))
            .ok_or_else(|| {
                Failure::Usage(format!(
                    "the instance token is not set: set {} (or give --token) to the token of the instance (its `token`, as `instances get` shows with --show-secrets)",
                    curl::ENV_INSTANCE_TOKEN
                ))
            })?;
        options.instance_token = Some(Secret::new(token));
    }
    let client = config::client(&ctx.flags, &ctx.env, placeholders)?;
    let args = Value::Object(args);
    if ctx.dry_run {
        let (_, request) = client
            .build_call(Lang::Rust, op.name, args, &options)
            .map_err(|e| with_flag(spec, e))?;
        writeln!(stdout, "{}", curl::to_curl(&request, ctx.show_secrets))?;
        return Ok(());
    }
    if let Ok((_, request)) = client.build_call(Lang::Rust, op.name, args.clone(), &options) {
        tracing::debug!(
            target: "open_connectors_cli",
            method = %request.method,
            url = %open_connectors::redact::redact_url(&request.url),
            "sending {}",
            op.name
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start the runtime: {e}")))?;
    if op.pagination.is_none() {
        let output = runtime
            .block_on(client.call_with(Lang::Rust, op.name, args, &options))
            .map_err(|e| with_flag(spec, e))?;
        let mut printer = Printer {
            out: stdout,
            format: ctx.format,
            show_secrets: ctx.show_secrets,
        };
        printer.output(&output)?;
        if let Output::Response(r) = &output
            && let Some(next) = &r.next_cursor
        {
            more(stderr, next, spec.paged().is_some());
        }
        if matches!(output, Output::Nothing) && ctx.format == Format::Table {
            let _ = writeln!(stderr, "{}: done", op.command);
        }
        return Ok(());
    }
    let mut pager = client
        .pager_with(Lang::Rust, op.name, args, &options)
        .map_err(|e| with_flag(spec, e))?;
    let mut list = ListWriter::new(ctx.format);
    let mut next_mark = PROGRESS_EVERY;
    let mut pages = 0u64;
    loop {
        let page = match runtime.block_on(pager.next_page()) {
            Ok(Some(page)) => page,
            Ok(None) => break,
            Err(e) => {
                // What was printed stays valid JSON; nothing is printed for nothing.
                if list.count() > 0 {
                    list.finish(stdout)?;
                }
                return Err(with_flag(spec, e));
            }
        };
        pages += 1;
        list.page(stdout, &page.items)?;
        if !all {
            list.finish(stdout)?;
            if let Some(next) = &page.next_cursor {
                more(stderr, next, true);
            }
            return Ok(());
        }
        if list.count() >= next_mark {
            let total = page
                .total_count
                .map(|t| format!(" of {t}"))
                .unwrap_or_default();
            let _ = writeln!(
                stderr,
                "{PROGRAM}: {} items{total} so far ({pages} pages)",
                list.count()
            );
            next_mark = (list.count() / PROGRESS_EVERY + 1) * PROGRESS_EVERY;
        }
    }
    list.finish(stdout)?;
    if list.count() == 0 && ctx.format == Format::Table {
        let _ = writeln!(stderr, "{}: no items", op.command);
    }
    Ok(())
}

/// The note that a listing has more pages.
fn more(stderr: &mut dyn Write, cursor: &str, pageable: bool) {
    let all = if pageable {
        "--all lists every page; "
    } else {
        ""
    };
    let _ = writeln!(
        stderr,
        "{PROGRAM}: more items follow: {all}--cursor {} starts at the next page",
        curl::shell_quote(cursor)
    );
}
