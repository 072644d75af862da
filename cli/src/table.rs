//! The commands of the operation table: one per distinct [`Operation::command`], with
//! flags from the operations' parameters, and the arguments read back as the JSON
//! object [`open_connectors::Client::call_with`] takes. No operation is named here.

use std::collections::BTreeMap;

use clap::{Arg, ArgAction, ArgMatches, Command};
use open_connectors::OPERATIONS;
use open_connectors::ops::{AuthScope, Operation, Param, ParamType};
use serde_json::{Map, Value};

use crate::Failure;

/// Shorter flags for long parameter names, as people type them (`--config` for
/// `configuration`). A naming rule, not a per-operation one: it applies to every
/// operation with such a parameter.
const SHORT_FLAGS: &[(&str, &str)] = &[("configuration", "config")];

/// The prefix of the environment variable a secret text parameter falls back to
/// (`OPEN_CONNECTORS_API_SECRET` for `api_secret`).
const ENV_PREFIX: &str = "OPEN_CONNECTORS_";

/// One command of the table: its words and the operations that answer it (a plain
/// one, and a paged one that answers `--all`), in table order.
#[derive(Debug)]
pub struct Spec {
    /// The words after the program name: `["instances", "list"]`.
    pub words: Vec<&'static str>,
    /// Its operations, in table order.
    pub ops: Vec<&'static Operation>,
}

impl Spec {
    /// The parameters of all its operations, positional ones first, each once.
    pub fn params(&self) -> Vec<&'static Param> {
        let mut out: Vec<&'static Param> = Vec::new();
        for positional in [true, false] {
            for op in &self.ops {
                for p in op.params.iter().filter(|p| p.positional == positional) {
                    if !out.iter().any(|q| q.name == p.name) {
                        out.push(p);
                    }
                }
            }
        }
        out
    }

    /// The paged operation, if one answers this command.
    pub fn paged(&self) -> Option<&'static Operation> {
        self.ops.iter().copied().find(|o| o.pagination.is_some())
    }

    /// Whether its operations are scoped to an instance (they take `--token`).
    pub fn instance_scoped(&self) -> bool {
        self.ops.iter().any(|o| o.auth == AuthScope::Instance)
    }
}

/// Every command of the table, in the order of their first operation.
pub fn specs() -> Vec<Spec> {
    let mut out: Vec<Spec> = Vec::new();
    for op in OPERATIONS.iter().filter(|o| !o.command.is_empty()) {
        let words: Vec<&'static str> = op.command.split(' ').collect();
        match out.iter_mut().find(|s| s.words == words) {
            Some(s) => s.ops.push(op),
            None => out.push(Spec {
                words,
                ops: vec![op],
            }),
        }
    }
    out
}

/// The flag of a parameter, kebab-case: `page_size` is `--page-size`, `configuration`
/// `--config`; a list is named in the singular (`--tag`, repeated).
pub fn flag_name(p: &Param) -> String {
    let base = SHORT_FLAGS
        .iter()
        .find(|(long, _)| *long == p.name)
        .map_or(p.name, |(_, short)| short);
    let kebab = base.replace('_', "-");
    match p.ty {
        ParamType::TextList | ParamType::Headers => {
            kebab.strip_suffix('s').map_or(kebab.clone(), str::to_owned)
        }
        _ => kebab,
    }
}

/// The environment variable a secret text parameter falls back to.
pub fn env_name(p: &Param) -> Option<String> {
    (p.secret && p.ty == ParamType::Text)
        .then(|| format!("{ENV_PREFIX}{}", p.name.to_ascii_uppercase()))
}

fn value_name(p: &Param) -> String {
    match p.ty {
        ParamType::Id if p.positional => p.name.to_ascii_uppercase(),
        ParamType::Id | ParamType::PageSize(_) => "N".to_owned(),
        ParamType::Path => "PATH".to_owned(),
        _ => p.name.to_ascii_uppercase(),
    }
}

/// `KEY=VALUE` (text) or `KEY:=JSON` (any JSON value).
fn key_value(s: &str) -> Result<(String, Value), String> {
    let (key, value) = if let Some((k, v)) = s.split_once(":=").filter(|(k, _)| !k.contains('=')) {
        let v = serde_json::from_str(v)
            .map_err(|e| format!("the JSON after := does not parse: {e}"))?;
        (k, v)
    } else if let Some((k, v)) = s.split_once('=') {
        (k, Value::String(v.to_owned()))
    } else {
        return Err(
            "expected KEY=VALUE (or KEY:=JSON for a number, boolean, list or object)".to_owned(),
        );
    };
    if key.is_empty() {
        return Err("the KEY before = is empty".to_owned());
    }
    Ok((key.to_owned(), value))
}

/// `Name: value` (a header as curl takes it).
fn header(s: &str) -> Result<(String, Value), String> {
    match s.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() => Ok((
            name.trim().to_owned(),
            Value::String(value.trim().to_owned()),
        )),
        _ => Err("expected 'Name: value'".to_owned()),
    }
}

fn json_object(s: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(s) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err("expected a JSON object".to_owned()),
        Err(e) => Err(format!("not JSON: {e}")),
    }
}

fn json_value(s: &str) -> Result<Value, String> {
    serde_json::from_str(s).map_err(|e| format!("not JSON: {e}"))
}

/// The help of a parameter's flag: its doc, whether required, its environment variable.
fn help(p: &Param, extra: &str) -> String {
    let mut h = p.doc.to_owned();
    if !extra.is_empty() {
        h.push(' ');
        h.push_str(extra);
    }
    if p.required && !p.positional {
        h.push_str(" Required.");
    }
    if let Some(env) = env_name(p) {
        h.push_str(&format!(
            " Secret: better from ${env} than on the command line."
        ));
    }
    h
}

/// The clap arguments of one parameter.
fn param_args(p: &'static Param) -> Vec<Arg> {
    let id = p.name;
    if p.positional {
        let mut a = Arg::new(id)
            .value_name(value_name(p))
            .required(true)
            .help(p.doc);
        a = match p.ty {
            ParamType::Id => a.value_parser(clap::value_parser!(u64).range(1..)),
            ParamType::OneOf(words) => a
                .value_parser(clap::builder::PossibleValuesParser::new(
                    words.iter().copied(),
                ))
                .ignore_case(true),
            _ => a,
        };
        return vec![a];
    }
    let flag = flag_name(p);
    let long = |name: String| Arg::new(name.clone()).long(name);
    match p.ty {
        ParamType::Bool => vec![
            Arg::new(id)
                .long(flag.clone())
                .action(ArgAction::SetTrue)
                .overrides_with(format!("no_{id}"))
                .help(help(p, "")),
            Arg::new(format!("no_{id}"))
                .long(format!("no-{flag}"))
                .action(ArgAction::SetTrue)
                .overrides_with(id)
                .help(format!("The opposite of --{flag}.")),
        ],
        ParamType::TextList => {
            let plural = p.name.replace('_', "-");
            let mut a = Arg::new(id)
                .long(flag.clone())
                .value_name(flag.to_ascii_uppercase())
                .action(ArgAction::Append)
                .help(help(p, "Repeat the flag for each one."));
            if plural != flag {
                a = a.visible_alias(plural);
            }
            vec![a]
        }
        ParamType::Object => vec![
            Arg::new(id)
                .long(flag.clone())
                .value_name("KEY=VALUE")
                .action(ArgAction::Append)
                .value_parser(key_value)
                .help(help(p, "One KEY=VALUE (text) or KEY:=JSON per flag, repeated.")),
            long(format!("{flag}-file"))
                .id(format!("{id}__file"))
                .value_name("FILE")
                .help(format!("--{flag} from a file holding a JSON object (- reads standard input); --{flag} flags are set on top.")),
            long(format!("{flag}-json"))
                .id(format!("{id}__json"))
                .value_name("JSON")
                .value_parser(json_object)
                .help(format!("--{flag} as one JSON object; --{flag} flags are set on top.")),
        ],
        ParamType::Headers => vec![
            Arg::new(id)
                .long(flag.clone())
                .value_name("NAME: VALUE")
                .action(ArgAction::Append)
                .value_parser(header)
                .help(help(p, "One 'Name: value' per flag, repeated.")),
        ],
        ParamType::Json => vec![
            Arg::new(id)
                .long(flag.clone())
                .value_name("JSON")
                .value_parser(json_value)
                .conflicts_with(format!("{id}__file"))
                .help(help(p, "")),
            long(format!("{flag}-file"))
                .id(format!("{id}__file"))
                .value_name("FILE")
                .help(format!("--{flag} from a file (- reads standard input).")),
        ],
        ParamType::PageSize(max) => vec![
            Arg::new(id)
                .long(flag)
                .value_name("N")
                .value_parser(clap::value_parser!(u64).range(1..=max))
                .help(help(p, "")),
        ],
        ParamType::Id => vec![
            Arg::new(id)
                .long(flag)
                .value_name("N")
                .value_parser(clap::value_parser!(u64).range(1..))
                .help(help(p, "")),
        ],
        ParamType::OneOf(words) => vec![
            Arg::new(id)
                .long(flag)
                .value_name(value_name(p))
                .value_parser(clap::builder::PossibleValuesParser::new(words.iter().copied()))
                .ignore_case(true)
                .help(help(p, "")),
        ],
        ParamType::ElementRef | ParamType::Text | ParamType::Path => vec![
            Arg::new(id)
                .long(flag)
                .value_name(value_name(p))
                .help(help(p, "")),
        ],
    }
}

/// The `about` and `long_about` of a command, from its operations' summaries and docs.
fn about(spec: &Spec) -> (String, String) {
    let first = spec.ops[0];
    let mut long = format!("{}\n\n{}", first.summary, first.doc);
    for op in &spec.ops[1..] {
        let how = if op.pagination.is_some() {
            "With --all, or a flag only it takes"
        } else {
            "Otherwise"
        };
        long.push_str(&format!("\n\n{how}: {}\n\n{}", op.summary, op.doc));
    }
    if matches!(first.result, open_connectors::ops::ResultKind::Response) {
        long.push_str("\n\nThe command line prints the answer's body, and a next-page cursor on standard error.");
    }
    if spec.paged().is_some() {
        long.push_str("\n\nPrints the first page; --all prints every page (with a progress line on standard error every 1,000 items).");
    }
    (first.summary.to_owned(), long)
}

/// The clap command of one table command (its last word).
pub fn command(spec: &Spec) -> Command {
    let (short, long) = about(spec);
    let name = spec.words.last().copied().unwrap_or_default();
    let mut c = Command::new(name).about(short).long_about(long);
    for p in spec.params() {
        for a in param_args(p) {
            c = c.arg(a);
        }
    }
    if spec.instance_scoped() {
        c = c.arg(
            Arg::new("token")
                .long("token")
                .value_name("TOKEN")
                .help(format!(
                    "The instance's token (the Element part of Authorization). Secret: better from ${} than on the command line.",
                    open_connectors::curl::ENV_INSTANCE_TOKEN
                )),
        );
    }
    if spec.paged().is_some() {
        c = c.arg(Arg::new("all").long("all").action(ArgAction::SetTrue).help(
            "Every page, not only the first (a progress line on standard error every 1,000 items).",
        ));
    }
    c
}

/// The groups of the table's commands (`instances`, `oauth`, ...) and its one-word
/// commands (`call`), in table order.
pub fn add_commands(mut root: Command, specs: &[Spec]) -> Command {
    let mut groups: Vec<(&'static str, Vec<&Spec>)> = Vec::new();
    for spec in specs {
        if spec.words.len() == 1 {
            groups.push((spec.words[0], vec![spec]));
            continue;
        }
        match groups.iter_mut().find(|(g, _)| *g == spec.words[0]) {
            Some((_, members)) => members.push(spec),
            None => groups.push((spec.words[0], vec![spec])),
        }
    }
    for (group, members) in groups {
        if members.len() == 1 && members[0].words.len() == 1 {
            root = root.subcommand(command(members[0]));
            continue;
        }
        let words: Vec<&str> = members
            .iter()
            .filter_map(|s| s.words.get(1).copied())
            .collect();
        let mut g = Command::new(group)
            .about(format!("{}: {}", group, words.join(", ")))
            .subcommand_required(true)
            .arg_required_else_help(true);
        for spec in members {
            g = g.subcommand(command(spec));
        }
        root = root.subcommand(g);
    }
    root
}

/// Reads a file argument: `-` is standard input.
fn read_file(path: &str, stdin: &mut dyn std::io::Read, flag: &str) -> Result<String, Failure> {
    if path == "-" {
        let mut s = String::new();
        stdin
            .read_to_string(&mut s)
            .map_err(|e| Failure::Usage(format!("--{flag}: cannot read standard input: {e}")))?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| Failure::Usage(format!("--{flag} {path}: {e}")))
}

/// The arguments given on the command line (and, for secret text parameters, in the
/// environment), as one JSON object of table names.
pub fn read_args(
    spec: &Spec,
    m: &ArgMatches,
    env: &BTreeMap<String, String>,
    stdin: &mut dyn std::io::Read,
) -> Result<Map<String, Value>, Failure> {
    let mut args = Map::new();
    for p in spec.params() {
        let id = p.name;
        let flag = flag_name(p);
        let value: Option<Value> = match p.ty {
            ParamType::Bool => {
                if m.get_flag(id) {
                    Some(Value::Bool(true))
                } else if m.get_flag(&format!("no_{id}")) {
                    Some(Value::Bool(false))
                } else {
                    None
                }
            }
            ParamType::Id | ParamType::PageSize(_) => m.get_one::<u64>(id).map(|n| Value::from(*n)),
            ParamType::TextList => m
                .get_many::<String>(id)
                .map(|v| Value::Array(v.cloned().map(Value::String).collect())),
            ParamType::Object | ParamType::Headers => {
                let mut obj = Map::new();
                if p.ty == ParamType::Object {
                    if let Some(path) = m.get_one::<String>(&format!("{id}__file")) {
                        let text = read_file(path, stdin, &format!("{flag}-file"))?;
                        match json_object(&text) {
                            Ok(Value::Object(o)) => obj.extend(o),
                            Ok(_) => {}
                            Err(e) => {
                                return Err(Failure::Usage(format!("--{flag}-file {path}: {e}")));
                            }
                        }
                    }
                    if let Some(Value::Object(o)) = m.get_one::<Value>(&format!("{id}__json")) {
                        obj.extend(o.clone());
                    }
                }
                let pairs: Vec<&(String, Value)> = m
                    .get_many::<(String, Value)>(id)
                    .into_iter()
                    .flatten()
                    .collect();
                let given = !pairs.is_empty();
                // A key given twice is a list (a query parameter repeated); for
                // headers, the last one.
                for (i, (k, _)) in pairs.iter().enumerate() {
                    if pairs[..i].iter().any(|(q, _)| q == k) {
                        continue;
                    }
                    let mut all: Vec<Value> = pairs
                        .iter()
                        .filter(|(q, _)| q == k)
                        .map(|(_, v)| v.clone())
                        .collect();
                    let value = if all.len() == 1 || p.ty == ParamType::Headers {
                        all.pop().unwrap_or(Value::Null)
                    } else {
                        Value::Array(all)
                    };
                    obj.insert(k.clone(), value);
                }
                let any = given
                    || (p.ty == ParamType::Object
                        && (m.contains_id(&format!("{id}__file"))
                            || m.contains_id(&format!("{id}__json"))));
                any.then_some(Value::Object(obj))
            }
            ParamType::Json => match m.get_one::<String>(&format!("{id}__file")) {
                Some(path) => {
                    let text = read_file(path, stdin, &format!("{flag}-file"))?;
                    Some(
                        json_value(&text)
                            .map_err(|e| Failure::Usage(format!("--{flag}-file {path}: {e}")))?,
                    )
                }
                None => m.get_one::<Value>(id).cloned(),
            },
            ParamType::OneOf(words) => m.get_one::<String>(id).map(|s| {
                let word = words
                    .iter()
                    .find(|w| w.eq_ignore_ascii_case(s))
                    .copied()
                    .unwrap_or(s.as_str());
                Value::String(word.to_owned())
            }),
            ParamType::ElementRef => m.get_one::<String>(id).map(|s| element_ref(s)),
            ParamType::Text | ParamType::Path => m
                .get_one::<String>(id)
                .cloned()
                .or_else(|| {
                    env_name(p).and_then(|e| env.get(&e).filter(|v| !v.is_empty()).cloned())
                })
                .map(Value::String),
        };
        if let Some(v) = value {
            args.insert(id.to_owned(), v);
        }
    }
    Ok(args)
}

/// An element: an id when all digits, else a key.
fn element_ref(s: &str) -> Value {
    if !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = s.parse::<u64>()
    {
        return Value::from(n);
    }
    Value::String(s.to_owned())
}

/// The operation of `spec` that answers these arguments: with `--all`, the paged one;
/// otherwise the first (in table order) that takes every argument given. A `method`
/// an operation does not take must be its own method.
pub fn choose(
    spec: &Spec,
    args: &Map<String, Value>,
    all: bool,
) -> Result<&'static Operation, Failure> {
    let takes = |op: &Operation| {
        args.iter().all(|(k, v)| {
            op.param(k).is_some() || (k == "method" && v.as_str() == Some(op.method.as_str()))
        })
    };
    let candidates: Vec<&'static Operation> = spec
        .ops
        .iter()
        .copied()
        .filter(|o| !all || o.pagination.is_some())
        .collect();
    if let Some(op) = candidates.iter().copied().find(|o| takes(o)) {
        return Ok(op);
    }
    // Say what does not fit: the flags the nearest operation does not take.
    let op = candidates
        .iter()
        .copied()
        .find(|o| o.pagination.is_some())
        .or_else(|| candidates.first().copied())
        .unwrap_or(spec.ops[0]);
    let odd: Vec<String> = args
        .keys()
        .filter(|k| op.param(k).is_none())
        .map(|k| match spec.params().into_iter().find(|p| p.name == k) {
            Some(p) if p.positional => {
                format!("{} {}", p.name.to_ascii_uppercase(), args[k.as_str()])
            }
            Some(p) => format!("--{}", flag_name(p)),
            None => k.clone(),
        })
        .collect();
    let needs = if op.pagination.is_some() {
        format!(" (--all and the listing flags list with {})", op.method)
    } else {
        String::new()
    };
    Err(Failure::Usage(format!(
        "{} cannot be used here{needs}",
        odd.join(", ")
    )))
}

/// The arguments `op` takes (a `method` it does not take, equal to its own, dropped).
pub fn for_operation(op: &Operation, mut args: Map<String, Value>) -> Map<String, Value> {
    args.retain(|k, _| op.param(k).is_some());
    args
}
