//! Settings: flags first, then the `OPEN_CONNECTORS_*` environment, then the profile
//! of the configuration file (`open-connectors configure` writes it, mode 0600).
//!
//! The file is `$OPEN_CONNECTORS_CONFIG`, else `$XDG_CONFIG_HOME/open-connectors/config.toml`,
//! else `~/.config/open-connectors/config.toml`; a profile is a table
//! `[profiles.NAME]` whose keys are the client's settings (`base_url` or `region`,
//! `user_secret`, `organization_secret`, `timeout` in seconds, `max_retries`, ...:
//! [`open_connectors::SETTINGS`]). The profile is `--profile`, else
//! `$OPEN_CONNECTORS_PROFILE`, else `default`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use open_connectors::{
    Client, ClientBuilder, ENV_BASE_URL, ENV_ORGANIZATION_SECRET, ENV_REGION, ENV_USER_SECRET,
    Lang, SETTINGS, SettingType,
};
use serde_json::{Map, Value};

use crate::Failure;

/// The variable naming the configuration file (tests point it at a temporary place).
pub const ENV_CONFIG: &str = "OPEN_CONNECTORS_CONFIG";
/// The variable naming the profile when `--profile` is not given.
pub const ENV_PROFILE: &str = "OPEN_CONNECTORS_PROFILE";
/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";

/// The settings given as flags.
#[derive(Debug, Default, Clone)]
pub struct Flags {
    /// `--profile`.
    pub profile: Option<String>,
    /// `--base-url`.
    pub base_url: Option<String>,
    /// `--region`.
    pub region: Option<String>,
    /// `--timeout`, seconds.
    pub timeout: Option<f64>,
    /// `--max-retries`.
    pub max_retries: Option<u64>,
}

/// The configuration file's path.
pub fn config_path(env: &BTreeMap<String, String>) -> Result<PathBuf, Failure> {
    let get = |k: &str| env.get(k).filter(|v| !v.is_empty());
    if let Some(p) = get(ENV_CONFIG) {
        return Ok(PathBuf::from(p));
    }
    let base = match (get("XDG_CONFIG_HOME"), get("HOME")) {
        (Some(x), _) if Path::new(x).is_absolute() => PathBuf::from(x),
        (_, Some(home)) => Path::new(home).join(".config"),
        _ => {
            return Err(Failure::Usage(format!(
                "cannot place the configuration file: set {ENV_CONFIG}, XDG_CONFIG_HOME or HOME"
            )));
        }
    };
    Ok(base.join("open-connectors").join("config.toml"))
}

/// A profile of the configuration file.
#[derive(Debug)]
pub struct Profile {
    /// Its name.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Its settings, by table name (durations in seconds).
    pub values: Map<String, Value>,
}

/// The keys a profile may hold: the client's settings but `use_env`.
fn profile_keys() -> impl Iterator<Item = &'static str> {
    SETTINGS.iter().map(|s| s.name).filter(|n| *n != "use_env")
}

fn toml_to_json(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => {
            serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
        }
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

fn read_document(path: &Path) -> Result<Option<toml::Table>, Failure> {
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .parse::<toml::Table>()
            .map(Some)
            .map_err(|e| Failure::Usage(format!("{}: not valid TOML: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::Usage(format!("{}: {e}", path.display()))),
    }
}

/// The profile in use. A profile named by `--profile` or `$OPEN_CONNECTORS_PROFILE`
/// must exist; the default one may be missing (then only flags and the environment
/// count).
pub fn load_profile(flags: &Flags, env: &BTreeMap<String, String>) -> Result<Profile, Failure> {
    let named = flags
        .profile
        .clone()
        .or_else(|| env.get(ENV_PROFILE).filter(|v| !v.is_empty()).cloned());
    let name = named.clone().unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
    let path = config_path(env)?;
    let doc = read_document(&path)?;
    let table = doc
        .as_ref()
        .and_then(|d| d.get("profiles"))
        .and_then(toml::Value::as_table)
        .and_then(|p| p.get(&name));
    let Some(table) = table else {
        if named.is_some() {
            let known: Vec<String> = doc
                .as_ref()
                .and_then(|d| d.get("profiles"))
                .and_then(toml::Value::as_table)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            return Err(Failure::Usage(format!(
                "no profile {name:?} in {} (profiles: {}); `open-connectors configure --profile {name}` writes one",
                path.display(),
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )));
        }
        return Ok(Profile {
            name,
            path,
            values: Map::new(),
        });
    };
    let Some(table) = table.as_table() else {
        return Err(Failure::Usage(format!(
            "{}: profiles.{name} must be a table",
            path.display()
        )));
    };
    let mut values = Map::new();
    for (k, v) in table {
        if !profile_keys().any(|p| p == k) {
            return Err(Failure::Usage(format!(
                "{}: profile {name:?} has an unknown key {k:?} (expected {})",
                path.display(),
                profile_keys().collect::<Vec<_>>().join(", ")
            )));
        }
        values.insert(k.clone(), toml_to_json(v));
    }
    Ok(Profile { name, path, values })
}

/// The client's settings: flags over the environment over the profile. The platform's
/// address (a base URL or a region) comes whole from the first source that gives one.
pub fn merged_settings(
    flags: &Flags,
    env: &BTreeMap<String, String>,
    profile: &Profile,
) -> Map<String, Value> {
    let mut s = profile.values.clone();
    let set = |s: &mut Map<String, Value>, name: &str, value: Value| {
        if name == "base_url" || name == "region" {
            s.remove("base_url");
            s.remove("region");
        }
        s.insert(name.to_owned(), value);
    };
    // The environment: the settings that name a variable (base URL, region, secrets).
    let from_env: Vec<(&str, String)> = SETTINGS
        .iter()
        .filter_map(|st| {
            let v = env.get(st.env?)?.clone();
            (!v.is_empty()).then_some((st.name, v))
        })
        .collect();
    // A base URL in the environment wins over a region there, as in the SDK.
    for (name, v) in from_env.iter().filter(|(n, _)| *n != "base_url") {
        set(&mut s, name, Value::String(v.clone()));
    }
    if let Some((_, v)) = from_env.iter().find(|(n, _)| *n == "base_url") {
        set(&mut s, "base_url", Value::String(v.clone()));
    }
    if let Some(v) = &flags.region {
        set(&mut s, "region", Value::String(v.clone()));
    }
    if let Some(v) = &flags.base_url {
        set(&mut s, "base_url", Value::String(v.clone()));
    }
    if let Some(t) = flags.timeout
        && let Some(n) = serde_json::Number::from_f64(t)
    {
        s.insert("timeout".into(), Value::Number(n));
    }
    if let Some(n) = flags.max_retries {
        s.insert("max_retries".into(), Value::from(n));
    }
    s
}

/// What to set for a missing setting, naming the variable and the profile key.
fn missing(name: &str, env: &str, profile: &Profile, flag: &str) -> Failure {
    Failure::Usage(format!(
        "{name} is not set: set {env}{flag}, or `{name}` in profile {:?} of {} (`open-connectors configure` writes it)",
        profile.name,
        profile.path.display()
    ))
}

/// The client of these settings. With `placeholders` (a dry run that hides secrets),
/// a missing secret is a stand-in, since the command prints placeholders anyway.
pub fn client(
    flags: &Flags,
    env: &BTreeMap<String, String>,
    placeholders: bool,
) -> Result<Client, Failure> {
    let profile = load_profile(flags, env)?;
    let mut s = merged_settings(flags, env, &profile);
    if !s.contains_key("base_url") && !s.contains_key("region") {
        return Err(missing(
            "base_url",
            &format!("{ENV_BASE_URL} (or {ENV_REGION})"),
            &profile,
            ", give --base-url or --region",
        ));
    }
    for (name, var) in [
        ("user_secret", ENV_USER_SECRET),
        ("organization_secret", ENV_ORGANIZATION_SECRET),
    ] {
        if !s.contains_key(name) {
            if !placeholders {
                return Err(missing(name, var, &profile, ""));
            }
            s.insert(name.to_owned(), Value::String("unset".to_owned()));
        }
    }
    s.insert("use_env".to_owned(), Value::Bool(false));
    let builder =
        ClientBuilder::from_json(Lang::Python, &Value::Object(s)).map_err(Failure::Sdk)?;
    builder
        .language("cli", open_connectors::VERSION)
        .build_in(Lang::Python)
        .map_err(Failure::Sdk)
}

/// How `configure` reads the two secrets.
pub trait Ask {
    /// The answer to `prompt` (hidden on a terminal); `None` at the end of input.
    fn secret(&mut self, prompt: &str) -> Result<Option<String>, Failure>;
}

/// `configure`: writes (or updates) a profile with mode 0600. The address and the
/// other settings come from the flags; the secrets from `ask` (an empty answer keeps
/// the profile's current one). Nothing is written unless a client can be built from
/// the result.
pub fn configure(
    flags: &Flags,
    env: &BTreeMap<String, String>,
    ask: &mut dyn Ask,
    stderr: &mut dyn Write,
    dry_run: bool,
    stdout: &mut dyn Write,
) -> Result<(), Failure> {
    let name = flags
        .profile
        .clone()
        .or_else(|| env.get(ENV_PROFILE).filter(|v| !v.is_empty()).cloned())
        .unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
    let path = config_path(env)?;
    let mut doc = read_document(&path)?.unwrap_or_default();
    let profiles = doc
        .entry("profiles")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let Some(profiles) = profiles.as_table_mut() else {
        return Err(Failure::Usage(format!(
            "{}: profiles must be a table",
            path.display()
        )));
    };
    let profile = profiles
        .entry(name.clone())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let Some(profile) = profile.as_table_mut() else {
        return Err(Failure::Usage(format!(
            "{}: profiles.{name} must be a table",
            path.display()
        )));
    };
    if let Some(url) = &flags.base_url {
        profile.remove("region");
        profile.insert("base_url".into(), toml::Value::String(url.clone()));
    }
    if let Some(region) = &flags.region {
        profile.remove("base_url");
        profile.insert("region".into(), toml::Value::String(region.clone()));
    }
    if let Some(t) = flags.timeout {
        profile.insert("timeout".into(), toml::Value::Float(t));
    }
    if let Some(n) = flags.max_retries {
        profile.insert(
            "max_retries".into(),
            toml::Value::Integer(n.min(i64::MAX as u64) as i64),
        );
    }
    if !profile.contains_key("base_url") && !profile.contains_key("region") {
        return Err(Failure::Usage(format!(
            "profile {name:?} has no platform address: give --base-url or --region"
        )));
    }
    for (key, what) in [
        ("user_secret", "User secret"),
        ("organization_secret", "Organization secret"),
    ] {
        let current = profile.contains_key(key);
        let prompt = if current {
            format!("{what} (Enter keeps the current one): ")
        } else {
            format!("{what}: ")
        };
        match ask.secret(&prompt)?.map(|s| s.trim().to_owned()) {
            Some(s) if !s.is_empty() => {
                open_connectors::validate_secret(key, &s).map_err(Failure::Sdk)?;
                profile.insert(key.into(), toml::Value::String(s));
            }
            _ if current => {}
            _ => {
                return Err(Failure::Usage(format!(
                    "no {key} given: type it at the prompt, or give the two secrets on standard input, one a line"
                )));
            }
        }
    }
    // Check the whole profile as the client will read it.
    let mut check: Map<String, Value> = profile
        .iter()
        .map(|(k, v)| (k.clone(), toml_to_json(v)))
        .collect();
    if let Some(k) = check
        .keys()
        .find(|k| !profile_keys().any(|p| p == k.as_str()))
    {
        return Err(Failure::Usage(format!(
            "{}: profile {name:?} has an unknown key {k:?}",
            path.display()
        )));
    }
    check.insert("use_env".into(), Value::Bool(false));
    ClientBuilder::from_json(Lang::Python, &Value::Object(check))
        .and_then(|b| b.build_in(Lang::Python))
        .map_err(Failure::Sdk)?;
    if dry_run {
        let mut shown = toml::Table::new();
        for (k, v) in profile.iter() {
            let v = if is_secret(k) {
                toml::Value::String(open_connectors::redact::REDACTED.to_owned())
            } else {
                v.clone()
            };
            shown.insert(k.clone(), v);
        }
        let mut doc = toml::Table::new();
        let mut profiles = toml::Table::new();
        profiles.insert(name.clone(), toml::Value::Table(shown));
        doc.insert("profiles".into(), toml::Value::Table(profiles));
        write!(stdout, "{}", toml::to_string(&doc).unwrap_or_default())?;
        let _ = writeln!(stderr, "dry run: nothing written to {}", path.display());
        return Ok(());
    }
    let text = format!(
        "# open-connectors profiles (written by `open-connectors configure`; holds secrets: keep it 0600)\n{}",
        toml::to_string(&doc).map_err(|e| Failure::Usage(format!("cannot write TOML: {e}")))?
    );
    write_private(&path, text.as_bytes())
        .map_err(|e| Failure::Usage(format!("cannot write {}: {e}", path.display())))?;
    let _ = writeln!(
        stderr,
        "wrote profile {name:?} to {} (mode 0600)",
        path.display()
    );
    Ok(())
}

/// Writes `bytes` to `path` readable by its owner only: a temporary file beside it
/// (mode 0600 from the start), then renamed over it. The directory is made 0700.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("config.toml"),
        std::process::id()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| {
        let mut f = options.open(&tmp)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Whether a setting is a secret (never printed).
pub fn is_secret(name: &str) -> bool {
    SETTINGS
        .iter()
        .any(|s| s.name == name && s.ty == SettingType::Secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_file_is_found_by_override_then_xdg_then_home() {
        let p = |e| config_path(&env(e)).unwrap();
        assert_eq!(
            p(&[(ENV_CONFIG, "/x/c.toml"), ("HOME", "/h")]),
            PathBuf::from("/x/c.toml")
        );
        assert_eq!(
            p(&[("XDG_CONFIG_HOME", "/xdg"), ("HOME", "/h")]),
            PathBuf::from("/xdg/open-connectors/config.toml")
        );
        // A relative XDG_CONFIG_HOME is ignored, as the spec says.
        assert_eq!(
            p(&[("XDG_CONFIG_HOME", "rel"), ("HOME", "/h")]),
            PathBuf::from("/h/.config/open-connectors/config.toml")
        );
        assert!(config_path(&env(&[])).is_err());
    }

    #[test]
    fn flags_then_environment_then_profile() {
        let profile = Profile {
            name: "p".into(),
            path: "/c".into(),
            values: serde_json::json!({"region": "us2", "user_secret": "pu", "organization_secret": "po", "timeout": 5})
                .as_object()
                .unwrap()
                .clone(),
        };
        let s = merged_settings(&Flags::default(), &env(&[]), &profile);
        assert_eq!(s["region"], "us2");
        let e = env(&[
            (ENV_BASE_URL, "http://127.0.0.1:1"),
            (ENV_USER_SECRET, "eu"),
        ]);
        let s = merged_settings(&Flags::default(), &e, &profile);
        assert_eq!(s.get("region"), None);
        assert_eq!(s["base_url"], "http://127.0.0.1:1");
        assert_eq!(
            (s["user_secret"].as_str(), s["organization_secret"].as_str()),
            (Some("eu"), Some("po"))
        );
        let flags = Flags {
            region: Some("eu10".into()),
            timeout: Some(1.5),
            ..Flags::default()
        };
        let s = merged_settings(&flags, &e, &profile);
        assert_eq!(
            (s.get("base_url"), s["region"].as_str()),
            (None, Some("eu10"))
        );
        assert_eq!(s["timeout"], 1.5);
        assert!(is_secret("user_secret") && !is_secret("base_url"));
    }
}
