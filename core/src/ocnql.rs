//! OCNQL (formerly CEQL), the `where` of the platform's hub lists, built safely.
//!
//! [`query`] fills the `{}` placeholders of a template with literals that cannot end
//! early, so nothing a caller passes as a value can change the query's structure:
//! - text becomes `'...'`. The platform documents single quotes around values and no
//!   way to escape one inside them, so text holding a `'` (or a `\`, which some
//!   parsers read as an escape, or a control character) is refused as `invalid_input`
//!   rather than guessed at;
//! - numbers (finite) and booleans are written as literals; dates as their ISO 8601
//!   text (give them as text, or as a `jiff::Timestamp`, which serializes so);
//! - a list becomes `(a, b, c)` for `IN`; it must hold at least one scalar;
//! - `null`, objects and nested lists are refused (write `IS NULL` in the template).
//!
//! [`field`] quotes a field name that is not a plain identifier in backticks (a dotted
//! name such as `address.city`).
//!
//! ```
//! use open_connectors::{ocnql, ErrorCode};
//!
//! let name = "O'Brien";
//! let q = ocnql!("lastName = {} and score >= {} and active = {}", "Smith", 50, true)?;
//! assert_eq!(q, "lastName = 'Smith' and score >= 50 and active = true");
//! let q = ocnql!("{} in {}", ocnql::field("address.city")?, vec!["Paris", "Lyon"]);
//! # let _ = q;
//! let q = ocnql::query(&format!("{} in {{}}", ocnql::field("address.city")?), &[serde_json::json!(["Paris", "Lyon"])])?;
//! assert_eq!(q, "`address.city` in ('Paris', 'Lyon')");
//! let e = ocnql!("lastName = {}", name).unwrap_err();
//! assert_eq!((e.code(), e.field()), (ErrorCode::InvalidInput, Some("values[0]")));
//! # Ok::<(), open_connectors::Error>(())
//! ```

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::json_kind;

/// A value as [`query`] takes it (what the [`ocnql!`](crate::ocnql!) macro calls).
pub fn arg<T: Serialize + ?Sized>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| {
        Error::invalid(
            "values",
            format!(
                "could not be read as a JSON value ({})",
                crate::redact::without_quoted_values(&e.to_string())
            ),
        )
    })
}

/// Fills the `{}` placeholders of `template`, in order, with `values` as OCNQL
/// literals. `{{` and `}}` are literal braces. The counts must match. Errors name the
/// value as `values[i]`.
pub fn query(template: &str, values: &[Value]) -> Result<String> {
    let mut out = String::with_capacity(template.len() + 16 * values.len());
    let mut chars = template.char_indices().peekable();
    let mut used = 0usize;
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|(_, n)| *n) == Some('{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek().map(|(_, n)| *n) == Some('}') => {
                chars.next();
                out.push('}');
            }
            '{' if chars.peek().map(|(_, n)| *n) == Some('}') => {
                chars.next();
                let value = values.get(used).ok_or_else(|| {
                    Error::invalid(
                        "template",
                        format!(
                            "has more placeholders than the {} value(s) given",
                            values.len()
                        ),
                    )
                })?;
                out.push_str(&literal(value).map_err(|e| at(e, used))?);
                used += 1;
            }
            '{' | '}' => {
                return Err(Error::invalid(
                    "template",
                    format!(
                        "has a lone {c:?} at byte {i}: placeholders are {{}}, literal braces {{{{ and }}}}"
                    ),
                ));
            }
            _ => out.push(c),
        }
    }
    if used != values.len() {
        return Err(Error::invalid(
            "template",
            format!(
                "has {used} placeholder(s) but {} value(s) were given",
                values.len()
            ),
        ));
    }
    Ok(out)
}

/// Names the value an error is about: `values[i]`.
fn at(e: Error, index: usize) -> Error {
    match e {
        Error::InvalidInput { reason, .. } => Error::invalid(format!("values[{index}]"), reason),
        other => other,
    }
}

/// One value as an OCNQL literal (see the module documentation).
pub fn literal(value: &Value) -> Result<String> {
    match value {
        Value::Array(items) if items.is_empty() => Err(Error::invalid(
            "value",
            "is an empty list: `IN ()` matches nothing and the platform refuses it",
        )),
        Value::Array(items) => {
            let parts = items
                .iter()
                .map(|item| match item {
                    Value::Array(_) | Value::Object(_) | Value::Null => Err(Error::invalid(
                        "value",
                        format!(
                            "is a list holding {}: a list for IN holds text, numbers or booleans",
                            json_kind(item)
                        ),
                    )),
                    scalar => scalar_literal(scalar),
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(format!("({})", parts.join(", ")))
        }
        other => scalar_literal(other),
    }
}

fn scalar_literal(value: &Value) -> Result<String> {
    match value {
        Value::String(s) => text_literal(s),
        // serde_json gives no f64 for a number beyond the finite range (`1e999`); the
        // finiteness check stays in case a future version gives infinity instead.
        Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => Ok(n.to_string()),
        Value::Number(_) => Err(Error::invalid(
            "value",
            "is a number beyond the finite range",
        )),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Err(Error::invalid(
            "value",
            "is null: write `IS NULL` (or `IS NOT NULL`) in the template instead",
        )),
        Value::Object(_) => Err(Error::invalid(
            "value",
            "is an object: OCNQL literals are text, numbers, booleans or a list of them",
        )),
        Value::Array(_) => Err(Error::invalid("value", "is a nested list")),
    }
}

fn text_literal(s: &str) -> Result<String> {
    if let Some(bad) = s
        .chars()
        .find(|c| *c == '\'' || *c == '\\' || c.is_control())
    {
        let what = match bad {
            '\'' => "a single quote",
            '\\' => "a backslash",
            _ => "a control character",
        };
        return Err(Error::invalid(
            "value",
            format!(
                "contains {what}, which the platform documents no way to escape inside '...': match it another way (e.g. LIKE with %)"
            ),
        ));
    }
    Ok(format!("'{s}'"))
}

/// A field name for a template: as it is when it is a plain identifier (letters,
/// digits, `_`, not starting with a digit), else in backticks (`address.city`).
/// Empty names and names holding a backtick or a control character are refused.
pub fn field(name: &str) -> Result<String> {
    let bad = |reason: &str| Error::invalid("field", reason.to_owned());
    if name.is_empty() {
        return Err(bad("is empty"));
    }
    if name.chars().any(|c| c == '`' || c.is_control()) {
        return Err(bad("contains a backtick or a control character"));
    }
    let plain = name
        .chars()
        .enumerate()
        .all(|(i, c)| c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()));
    Ok(if plain {
        name.to_owned()
    } else {
        format!("`{name}`")
    })
}

/// [`query`] with values each read by [`arg`] (what the [`ocnql!`](crate::ocnql!)
/// macro calls): the first value that could not be read is refused as `values[i]`.
#[doc(hidden)]
pub fn query_args<const N: usize>(template: &str, values: [Result<Value>; N]) -> Result<String> {
    let mut read = Vec::with_capacity(N);
    for (i, v) in values.into_iter().enumerate() {
        read.push(v.map_err(|e| at(e, i))?);
    }
    query(template, &read)
}

/// `ocnql!("lastName = {} and score > {}", name, 50)`: [`query`] with each value
/// serialized by serde (text, numbers, booleans, lists, `jiff::Timestamp`...).
#[macro_export]
macro_rules! ocnql {
    ($template:expr $(, $value:expr)* $(,)?) => {
        $crate::ocnql::query_args($template, [$($crate::ocnql::arg(&$value)),*])
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use serde_json::json;

    fn q(t: &str, v: Value) -> Result<String> {
        let Value::Array(v) = v else { unreachable!() };
        query(t, &v)
    }

    #[test]
    fn literals() {
        assert_eq!(
            q(
                "a = {} and b > {} and c = {} and d in {}",
                json!(["x y%", -1.5, false, ["p", 2, true]])
            )
            .unwrap(),
            "a = 'x y%' and b > -1.5 and c = false and d in ('p', 2, true)"
        );
        assert_eq!(q("a = {}", json!([""])).unwrap(), "a = ''");
        assert_eq!(q("{{literal}} {}", json!([1])).unwrap(), "{literal} 1");
        let big: Value = serde_json::from_str("123456789012345678901234567890").unwrap();
        assert_eq!(literal(&big).unwrap(), "123456789012345678901234567890");
        assert_eq!(
            ocnql!("d >= {} and n in {}", "2024-01-31T00:00:00Z", vec![1, 2]).unwrap(),
            "d >= '2024-01-31T00:00:00Z' and n in (1, 2)"
        );
        assert_eq!(ocnql!("x = 1").unwrap(), "x = 1");
    }

    #[test]
    fn hostile_values_cannot_change_the_structure() {
        for hostile in [
            "x' or '1'='1",
            "'",
            "abc\\",
            "a\\' or 1=1 --",
            "line\nbreak",
            "nul\0",
        ] {
            let e = q("name = {}", json!([hostile])).unwrap_err();
            assert_eq!(
                (e.code(), e.field()),
                (ErrorCode::InvalidInput, Some("values[0]")),
                "{hostile:?}"
            );
            // The value is never echoed (a one-character one may appear in the advice).
            assert!(hostile.len() < 2 || !e.to_string().contains(hostile), "{e}");
        }
        let e = q("a = {} and b = {}", json!(["ok", ["fine", "it's"]])).unwrap_err();
        assert_eq!(e.field(), Some("values[1]"));
        for bad in [
            json!(null),
            json!({"a": 1}),
            json!([]),
            json!([[1]]),
            json!([null]),
        ] {
            let e = literal(&bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidInput, "{bad}");
        }
        let inf: Value = serde_json::from_str("1e999").unwrap();
        assert!(literal(&inf).is_err());
    }

    #[test]
    fn templates_and_counts() {
        for (t, n) in [
            ("a = {}", 0),
            ("a = {}", 2),
            ("a = 1", 1),
            ("a = { }", 1),
            ("a = }", 0),
            ("{", 0),
        ] {
            let values = vec![json!(1); n];
            let e = query(t, &values).unwrap_err();
            assert_eq!(e.field(), Some("template"), "{t} with {n}");
        }
        query("a = {}", &[json!(1)]).unwrap();
    }

    #[test]
    fn fields() {
        assert_eq!(field("lastName").unwrap(), "lastName");
        assert_eq!(field("_x9").unwrap(), "_x9");
        assert_eq!(field("address.city").unwrap(), "`address.city`");
        assert_eq!(field("9lives").unwrap(), "`9lives`");
        assert_eq!(field("a b").unwrap(), "`a b`");
        for bad in ["", "a`b", "a\nb"] {
            assert_eq!(field(bad).unwrap_err().field(), Some("field"), "{bad:?}");
        }
    }
    #[test]
    fn a_lone_opening_brace_is_refused_even_before_a_value() {
        // `{` not followed by `}` or `{` is not a placeholder, whatever follows it.
        for t in ["a = {x", "a = {1", "{ }", "a {"] {
            let e = query(t, &[json!(1)]).unwrap_err();
            assert!(e.to_string().contains("lone '{'"), "{t:?}: {e}");
        }
    }

    #[test]
    fn a_lone_closing_brace_is_refused_wherever_it_is() {
        // `}}` is a literal brace; a `}` followed by anything else is an error, even a
        // character that is itself harmless.
        assert_eq!(query("a }} b", &[]).unwrap(), "a } b");
        for t in ["a } b", "a }x", "}", "{} }", "x = {}}"] {
            let e = query(t, &[json!(1)][..usize::from(t.contains("{}"))]).unwrap_err();
            assert_eq!(e.field(), Some("template"), "{t:?}");
            assert!(e.to_string().contains("lone '}'"), "{t:?}: {e}");
        }
    }

    #[test]
    fn numbers_beyond_the_finite_range_are_refused() {
        let huge: Value = serde_json::from_str("1e999").unwrap();
        let e = query("a = {}", &[huge]).unwrap_err();
        assert_eq!(e.field(), Some("values[0]"));
        assert!(e.to_string().contains("beyond the finite range"), "{e}");
        let big: Value = serde_json::from_str("1.7976931348623157e308").unwrap();
        assert_eq!(
            query("a = {}", &[big]).unwrap(),
            "a = 1.7976931348623157e+308"
        );
    }

    #[test]
    fn refused_characters_are_named() {
        for (value, what) in [
            ("O'Brien", "a single quote"),
            ("a\\b", "a backslash"),
            ("a\u{7}b", "a control character"),
        ] {
            let e = query("a = {}", &[json!(value)]).unwrap_err();
            assert!(e.to_string().contains(what), "{value:?}: {e}");
        }
    }
}
