//! The naming and unit conventions of the languages the SDK is published in.
//!
//! Every table of the core (settings, operations, errors, models) names things once,
//! in `snake_case`. A [`Lang`] spells those names the way its users write them
//! (Node: `camelCase`) and says in which unit it counts durations (Node:
//! milliseconds; Python and Rust: seconds). The generic parsers of the core read and
//! refuse arguments in the caller's spelling, and every error names the argument that
//! way, so the bindings convert nothing by hand.

use std::time::Duration;

use serde_json::{Number, Value};

use crate::error::{Error, Result};
use crate::model::json_kind;

/// A language the SDK is published in: how it spells names and counts time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// The Rust crate: `snake_case`, durations as [`Duration`] (seconds in JSON).
    Rust,
    /// The Python package: `snake_case`, seconds.
    Python,
    /// The npm module: `camelCase`, milliseconds.
    Node,
}

/// The unit a language counts durations in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    /// Seconds (Python, Rust).
    Seconds,
    /// Milliseconds (Node).
    Milliseconds,
}

impl DurationUnit {
    /// `"seconds"` or `"milliseconds"`.
    pub const fn name(self) -> &'static str {
        match self {
            DurationUnit::Seconds => "seconds",
            DurationUnit::Milliseconds => "milliseconds",
        }
    }

    /// A duration as a number of this unit.
    pub fn count(self, d: Duration) -> f64 {
        match self {
            DurationUnit::Seconds => d.as_secs_f64(),
            DurationUnit::Milliseconds => d.as_secs_f64() * 1000.0,
        }
    }

    /// A number of this unit as a duration (`None` when negative, not finite or too large).
    pub fn duration(self, n: f64) -> Option<Duration> {
        let secs = match self {
            DurationUnit::Seconds => n,
            DurationUnit::Milliseconds => n / 1000.0,
        };
        Duration::try_from_secs_f64(secs).ok()
    }

    /// A duration in this unit, written for a message (`0.01 seconds`, `10 milliseconds`).
    pub fn show(self, d: Duration) -> String {
        format!("{} {}", trim_float(self.count(d)), self.name())
    }
}

fn trim_float(f: f64) -> String {
    let s = format!("{f:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_owned()
}

impl Lang {
    /// Every language, in a fixed order.
    pub const ALL: [Lang; 3] = [Lang::Rust, Lang::Python, Lang::Node];

    /// The language's name: `"rust"`, `"python"` or `"node"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Python => "python",
            Lang::Node => "node",
        }
    }

    /// The unit this language counts durations in.
    pub const fn duration_unit(self) -> DurationUnit {
        match self {
            Lang::Node => DurationUnit::Milliseconds,
            Lang::Rust | Lang::Python => DurationUnit::Seconds,
        }
    }

    /// A table name (`snake_case`) as this language spells it.
    pub fn spell(self, snake: &str) -> String {
        match self {
            Lang::Node => camel_case(snake),
            Lang::Rust | Lang::Python => snake.to_owned(),
        }
    }

    /// Whether `given` is the table name `snake` as this language spells it (no
    /// allocation: the parsers call it for every argument of every call).
    pub fn is_spelling(self, snake: &str, given: &str) -> bool {
        match self {
            Lang::Rust | Lang::Python => snake == given,
            Lang::Node => {
                let mut want = snake.chars();
                let mut got = given.chars();
                let mut first = true;
                loop {
                    match (want.next(), got.next()) {
                        (None, None) => return true,
                        (Some('_'), Some(g)) if !first => match want.next() {
                            Some(w) if w.to_ascii_uppercase() == g && w != '_' => {}
                            _ => return false,
                        },
                        (Some(w), Some(g)) if w == g && w != '_' => {}
                        _ => return false,
                    }
                    first = false;
                }
            }
        }
    }

    /// An error's `field` as this language spells it: only the leading argument name
    /// is respelled (`provider_data.code` -> `providerData.code`); what follows it is
    /// the caller's own data (configuration keys) and stays as given.
    pub fn spell_field(self, field: &str) -> String {
        let end = field.find(['.', '[']).unwrap_or(field.len());
        let (head, rest) = field.split_at(end);
        format!("{}{rest}", self.spell(head))
    }

    /// A duration as a JSON number of this language's unit.
    pub fn duration_json(self, d: Duration) -> Value {
        Number::from_f64(self.duration_unit().count(d))
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }

    /// Reads a duration given in this language's unit; `field` is the table name.
    /// Refuses booleans, non-numbers, negatives, and anything below `min` or above `max`,
    /// saying which unit the number is read in.
    pub fn parse_duration(
        self,
        field: &str,
        value: &Value,
        min: Duration,
        max: Duration,
    ) -> Result<Duration> {
        let unit = self.duration_unit();
        let shown = self.spell(field);
        let Some(n) = value.as_f64().filter(|_| value.is_number()) else {
            return Err(Error::invalid(
                shown,
                format!(
                    "must be a number of {}, got {}",
                    unit.name(),
                    json_kind(value)
                ),
            ));
        };
        let too_small = || {
            Error::invalid(
                self.spell(field),
                format!(
                    "must be at least {} (the unit is {}), got {}",
                    unit.show(min),
                    unit.name(),
                    trim_float(n)
                ),
            )
        };
        if !n.is_finite() || n < 0.0 {
            return Err(too_small());
        }
        let d = unit.duration(n).ok_or_else(|| {
            Error::invalid(
                self.spell(field),
                format!("must be at most {}", unit.show(max)),
            )
        })?;
        if d < min {
            return Err(too_small());
        }
        if d > max {
            return Err(Error::invalid(
                self.spell(field),
                format!("must be at most {}", unit.show(max)),
            ));
        }
        Ok(d)
    }
}

/// `snake_case` to `camelCase` (`provider_data` -> `providerData`).
pub fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    for word in snake.split('_') {
        if word.is_empty() {
            continue;
        }
        if out.is_empty() {
            out.push_str(word);
            continue;
        }
        // `OAuth` is written so in JavaScript APIs (`getOAuthUrl`), not `Oauth`.
        if let Some(rest) = word.strip_prefix("oauth") {
            out.push_str("OAuth");
            out.push_str(rest);
            continue;
        }
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_and_leading_underscores() {
        let names: Vec<&str> = Lang::ALL.iter().map(|l| l.as_str()).collect();
        assert_eq!(names, ["rust", "python", "node"]);
        // A leading underscore is never a word break.
        assert!(!Lang::Node.is_spelling("_a", "A"));
        assert!(Lang::Node.is_spelling("a_b", "aB"));
    }

    #[test]
    fn zero_is_a_duration_where_the_minimum_is_zero() {
        let d = Lang::Python
            .parse_duration(
                "retry_budget",
                &json!(0),
                Duration::ZERO,
                Duration::from_secs(9),
            )
            .unwrap();
        assert_eq!(d, Duration::ZERO);
        let e = Lang::Python
            .parse_duration(
                "retry_budget",
                &json!(-0.001),
                Duration::ZERO,
                Duration::from_secs(9),
            )
            .unwrap_err();
        assert!(e.to_string().contains("at least 0"), "{e}");
    }

    #[test]
    fn negative_and_non_finite_durations_are_too_small() {
        let (min, max) = (Duration::from_millis(10), Duration::from_secs(600));
        for n in [-1.0, -0.5, f64::NEG_INFINITY] {
            let v = serde_json::Number::from_f64(n).map_or(json!(-1), Value::Number);
            let e = Lang::Python
                .parse_duration("timeout", &v, min, max)
                .unwrap_err();
            assert!(e.to_string().contains("at least 0.01"), "{n}: {e}");
        }
        let huge = json!(1e300);
        let e = Lang::Python
            .parse_duration("timeout", &huge, min, max)
            .unwrap_err();
        assert!(e.to_string().contains("at most"), "{e}");
    }

    #[test]
    fn spelling() {
        assert_eq!(camel_case("provider_data"), "providerData");
        assert_eq!(camel_case("get_oauth_url"), "getOAuthUrl");
        assert_eq!(camel_case("get_oauth1_token"), "getOAuth1Token");
        assert_eq!(camel_case("oauth_url"), "oauthUrl");
        assert_eq!(
            camel_case("external_authentication"),
            "externalAuthentication"
        );
        assert_eq!(camel_case("element"), "element");
        assert_eq!(camel_case("_leading__and_double"), "leadingAndDouble");
        assert_eq!(Lang::Node.spell("max_retries"), "maxRetries");
        assert_eq!(Lang::Python.spell("max_retries"), "max_retries");
        assert_eq!(
            Lang::Node.spell_field("provider_data.code"),
            "providerData.code"
        );
        assert_eq!(
            Lang::Node.spell_field("extra_headers[\"x_y\"]"),
            "extraHeaders[\"x_y\"]"
        );
        assert_eq!(
            Lang::Python.spell_field("provider_data.code"),
            "provider_data.code"
        );
    }

    #[test]
    fn spellings_match_without_allocating() {
        for name in [
            "provider_data",
            "element",
            "max_retries",
            "extra_headers",
            "a_b_c",
        ] {
            for lang in Lang::ALL {
                assert!(lang.is_spelling(name, &lang.spell(name)), "{lang:?} {name}");
            }
        }
        assert!(!Lang::Node.is_spelling("provider_data", "provider_data"));
        assert!(!Lang::Node.is_spelling("provider_data", "providerdata"));
        assert!(!Lang::Node.is_spelling("provider_data", "providerDataX"));
        assert!(!Lang::Node.is_spelling("provider_data", "providerDat"));
        assert!(!Lang::Node.is_spelling("name", "Name"));
        assert!(!Lang::Python.is_spelling("provider_data", "providerData"));
        assert!(!Lang::Node.is_spelling("a__b", "aB"));
    }

    #[test]
    fn durations_at_the_boundaries() {
        let min = Duration::from_millis(10);
        let max = Duration::from_secs(3600);
        let node = |v: Value| Lang::Node.parse_duration("timeout", &v, min, max);
        let py = |v: Value| Lang::Python.parse_duration("timeout", &v, min, max);
        assert_eq!(node(json!(10)).unwrap(), min);
        assert_eq!(py(json!(0.01)).unwrap(), min);
        let e = node(json!(9.999)).unwrap_err();
        assert_eq!(e.field(), Some("timeout"));
        assert!(e.to_string().contains("milliseconds"), "{e}");
        let e = node(json!(0.5)).unwrap_err();
        assert!(e.to_string().contains("at least 10 milliseconds"), "{e}");
        assert!(py(json!(0.0099)).is_err());
        assert_eq!(py(json!(3600)).unwrap(), max);
        assert!(py(json!(3600.001)).is_err());
        assert!(py(json!(-1)).is_err());
        assert!(py(json!(1e300)).is_err());
        let e = py(json!(true)).unwrap_err();
        assert!(e.to_string().contains("a boolean"), "{e}");
        let e = Lang::Node
            .parse_duration("connect_timeout", &json!("1"), min, max)
            .unwrap_err();
        assert_eq!(e.field(), Some("connectTimeout"));
        assert_eq!(Lang::Node.duration_json(min), json!(10.0));
        assert_eq!(Lang::Python.duration_json(min), json!(0.01));
    }
}
