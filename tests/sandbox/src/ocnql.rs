//! OCNQL (formerly CEQL), the query language of hub lists: the `where` condition
//! (parsed by `sqlparser` as the condition of `SELECT * FROM t WHERE <where>`),
//! `orderBy` and `fields`, compiled once per request and evaluated against records
//! through [`Row`].
//!
//! The grammar is the documented one: `AND`, `OR`, `=`, `!=`, `<`, `>`, `<=`, `>=`,
//! `LIKE` (with `%`), `IN (...)`, `IS NULL` and parentheses; values quoted `'...'`,
//! numbers, `true`/`false`; field names plain, dotted (`address.city`) or backquoted
//! (`` `address.city` ``). The docs give values in single quotes and no way to escape
//! a quote inside one, so there is none: a `'` always ends the value (SQL's `''` is
//! refused, and a backslash is an ordinary character). Anything else is refused with
//! a message that names the problem (the hub answers it as a 400).

use std::borrow::Cow;
use std::cmp::Ordering;

use sqlparser::ast::{
    BinaryOperator, Expr, Ident, InTarget, SetExpr, Statement, UnaryOperator, Value as SqlValue,
};
use sqlparser::dialect::Dialect;
use sqlparser::parser::Parser;

/// The longest `where` accepted, in bytes (deeper trees than a query this long
/// could hold are refused by the parser's own depth limit).
pub(crate) const MAX_WHERE_LEN: usize = 16 * 1024;

/// The SQL dialect of OCNQL: plain identifiers, backquoted identifiers, single-quoted
/// strings with `''` for a quote and no backslash escapes. A double-quoted token is a
/// string token here, refused when compiled (OCNQL quotes values with `'`).
#[derive(Debug)]
struct Ocnql;

impl Dialect for Ocnql {
    fn is_identifier_start(&self, ch: char) -> bool {
        ch.is_alphabetic() || ch == '_'
    }

    fn is_identifier_part(&self, ch: char) -> bool {
        ch.is_alphanumeric() || ch == '_'
    }

    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        ch == '`'
    }
}

/// A value read from a record, for comparisons and sorting. A missing field is
/// `None` where a `Scalar` is expected.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    /// An object or an array: no comparison applies (only `IS NULL`, false).
    Complex,
}

impl Scalar<'_> {
    /// The scalar of a JSON value.
    pub(crate) fn of(v: &serde_json::Value) -> Scalar<'_> {
        use serde_json::Value;
        match v {
            Value::Null => Scalar::Null,
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Scalar::Int(i),
                None => n.as_f64().map_or(Scalar::Complex, Scalar::Float),
            },
            Value::String(s) => Scalar::Str(Cow::Borrowed(s)),
            Value::Array(_) | Value::Object(_) => Scalar::Complex,
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Scalar::Int(i) => Some(*i as f64),
            Scalar::Float(f) => Some(*f),
            _ => None,
        }
    }
}

/// A field name: a path into nested objects. A backquoted name keeps its whole text
/// in `literal`, tried first as one key (`` `a.b` `` finds a key `"a.b"`), then as a
/// dotted path; a plain dotted name is a path only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FieldPath {
    pub parts: Vec<String>,
    pub literal: Option<String>,
}

impl FieldPath {
    fn quoted(name: &str) -> FieldPath {
        FieldPath {
            parts: name.split('.').map(str::to_owned).collect(),
            literal: name.contains('.').then(|| name.to_owned()),
        }
    }

    fn dotted(name: &str) -> FieldPath {
        FieldPath {
            parts: name.split('.').map(str::to_owned).collect(),
            literal: None,
        }
    }

    /// Parses `name`, `a.b` or `` `a.b` `` (the `orderBy` and `fields` forms).
    fn parse(text: &str) -> Result<FieldPath, String> {
        let text = text.trim();
        let invalid = || format!("invalid field name '{text}'");
        if let Some(inner) = text.strip_prefix('`') {
            let inner = inner
                .strip_suffix('`')
                .filter(|i| !i.contains('`'))
                .ok_or_else(|| format!("unbalanced backquotes in field name {text}"))?;
            if inner.is_empty() {
                return Err(invalid());
            }
            return Ok(FieldPath::quoted(inner));
        }
        let path = FieldPath::dotted(text);
        if path.parts.iter().any(String::is_empty)
            || text.contains(|c: char| c.is_whitespace() || c == '`')
        {
            return Err(invalid());
        }
        Ok(path)
    }
}

/// Access to the fields of one record.
pub(crate) trait Row {
    /// The value at `path`; `None` when the field is missing (a `null` is
    /// `Some(Scalar::Null)`).
    fn scalar(&self, path: &FieldPath) -> Option<Scalar<'_>>;
}

/// A literal of the query.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Lit {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl Lit {
    /// The literal as a number, when it is one.
    fn number(&self) -> Option<f64> {
        match self {
            Lit::Int(i) => Some(*i as f64),
            Lit::Float(f) => Some(*f),
            Lit::Bool(_) | Lit::Str(_) => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    NotEq,
    Lt,
    Gt,
    LtEq,
    GtEq,
}

/// A compiled `where`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Cmp {
        field: FieldPath,
        op: CmpOp,
        value: Lit,
    },
    /// `LIKE`: the pattern lowercased and cut at each `%`.
    Like {
        field: FieldPath,
        segments: Vec<String>,
    },
    In {
        field: FieldPath,
        values: Vec<Lit>,
    },
    IsNull(FieldPath),
}

const OPERATORS: &str = "AND, OR, =, !=, <, >, <=, >=, LIKE, IN and IS NULL";

/// Parses and compiles a `where` value. The error names the problem.
pub(crate) fn parse_where(text: &str) -> Result<Cond, String> {
    if text.len() > MAX_WHERE_LEN {
        return Err(format!(
            "the query is {} bytes long; at most {MAX_WHERE_LEN} are accepted",
            text.len()
        ));
    }
    check_quotes(text)?;
    let sql = format!("SELECT * FROM t WHERE {text}");
    let mut statements = Parser::parse_sql(&Ocnql, &sql).map_err(|e| {
        let e = e.to_string();
        let e = e.strip_prefix("sql parser error: ").unwrap_or(&e);
        format!("cannot parse it: {e}")
    })?;
    if statements.len() != 1 {
        return Err("it must be one condition (no ';')".to_owned());
    }
    let mut statement = statements.pop().expect("one statement");
    let selection = match &mut statement {
        Statement::Query(query) => match query.body.as_mut() {
            SetExpr::Select(select) => select.selection.take(),
            _ => None,
        },
        _ => None,
    };
    let selection = selection.ok_or_else(only_a_condition)?;
    // Whatever follows the condition (ORDER BY, LIMIT, UNION ...) shows in the rest.
    if let Statement::Query(query) = &mut statement
        && let SetExpr::Select(select) = query.body.as_mut()
    {
        select.selection = Some(Expr::Identifier(Ident::new("x")));
    }
    if statement.to_string() != "SELECT * FROM t WHERE x" {
        return Err(only_a_condition());
    }
    compile(selection, 0)
}

fn only_a_condition() -> String {
    "it must be a condition only (no ORDER BY, LIMIT, GROUP BY, UNION ...: use the orderBy and pageSize parameters)"
        .to_owned()
}

/// Refuses what SQL would read as an escaped quote (`''` inside a `'...'` value, or
/// two backquotes inside a backquoted name): OCNQL documents no escape, so a value
/// cannot hold a quote. An unterminated value is left to the parser.
fn check_quotes(text: &str) -> Result<(), String> {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let (close, what) = match c {
            '\'' => (
                '\'',
                "a '...' value cannot contain a single quote: OCNQL documents no escape for it (neither '' nor \\' is one); match it another way, e.g. LIKE 'O%Neil'",
            ),
            '`' => ('`', "a `...` field name cannot contain a backquote"),
            '"' => ('"', ""),
            _ => continue,
        };
        while let Some(c) = chars.next() {
            if c == close {
                if chars.peek() == Some(&close) && !what.is_empty() {
                    return Err(what.to_owned());
                }
                break;
            }
        }
    }
    Ok(())
}

/// The deepest nesting of conditions compiled (the parser stops well before).
const MAX_DEPTH: usize = 64;

/// `a AND b AND c` (a left-deep tree) as `[a, b, c]`, without recursion.
fn flatten(expr: Expr, and: bool) -> Vec<Expr> {
    let mut items = Vec::new();
    let mut current = expr;
    loop {
        match current {
            Expr::BinaryOp { left, op, right }
                if (and && op == BinaryOperator::And) || (!and && op == BinaryOperator::Or) =>
            {
                items.push(*right);
                current = *left;
            }
            other => {
                items.push(other);
                break;
            }
        }
    }
    items.reverse();
    items
}

fn compile(expr: Expr, depth: usize) -> Result<Cond, String> {
    if depth > MAX_DEPTH {
        return Err(format!("it nests conditions more than {MAX_DEPTH} deep"));
    }
    match expr {
        Expr::Nested(inner) => compile(*inner, depth + 1),
        Expr::BinaryOp {
            op: op @ (BinaryOperator::And | BinaryOperator::Or),
            left,
            right,
        } => {
            let and = op == BinaryOperator::And;
            let mut items = flatten(*left, and);
            items.push(*right);
            let conds = items
                .into_iter()
                .map(|e| compile(e, depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if and {
                Cond::And(conds)
            } else {
                Cond::Or(conds)
            })
        }
        Expr::BinaryOp { left, op, right } => {
            let op = match op {
                BinaryOperator::Eq => CmpOp::Eq,
                BinaryOperator::NotEq => CmpOp::NotEq,
                BinaryOperator::Lt => CmpOp::Lt,
                BinaryOperator::Gt => CmpOp::Gt,
                BinaryOperator::LtEq => CmpOp::LtEq,
                BinaryOperator::GtEq => CmpOp::GtEq,
                other => {
                    return Err(format!(
                        "operator {other} is not an OCNQL operator ({OPERATORS})"
                    ));
                }
            };
            let field = field(*left, "the left of a comparison")?;
            let value = literal(*right, "the right of a comparison")?;
            Ok(Cond::Cmp { field, op, value })
        }
        Expr::Like {
            negated,
            any,
            expr,
            pattern,
            escape_char,
        } => {
            if negated {
                return Err(format!("NOT LIKE is not an OCNQL operator ({OPERATORS})"));
            }
            if any || escape_char.is_some() {
                return Err(
                    "LIKE takes one '...' pattern, with % as its only wildcard (no ANY, no ESCAPE)"
                        .to_owned(),
                );
            }
            let field = field(*expr, "the left of LIKE")?;
            let Lit::Str(pattern) = literal(*pattern, "the pattern of LIKE")? else {
                return Err("the pattern of LIKE must be a string such as 'Acc%'".to_owned());
            };
            let segments = pattern
                .to_lowercase()
                .split('%')
                .map(str::to_owned)
                .collect();
            Ok(Cond::Like { field, segments })
        }
        Expr::In {
            expr,
            target,
            negated,
            ..
        } => {
            if negated {
                return Err(format!("NOT IN is not an OCNQL operator ({OPERATORS})"));
            }
            let InTarget::List(list) = target else {
                return Err("IN takes a parenthesised list of values such as ('a', 'b')".to_owned());
            };
            let field = field(*expr, "the left of IN")?;
            let values = list
                .into_iter()
                .map(|e| literal(e, "a value of an IN list"))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Cond::In { field, values })
        }
        Expr::IsNull(expr) => Ok(Cond::IsNull(field(*expr, "the left of IS NULL")?)),
        Expr::IsNotNull(_) => Err(format!(
            "IS NOT NULL is not an OCNQL operator ({OPERATORS})"
        )),
        Expr::UnaryOp {
            op: UnaryOperator::Not,
            ..
        } => Err(format!("NOT is not an OCNQL operator ({OPERATORS})")),
        Expr::Between { .. } => Err(format!(
            "BETWEEN is not an OCNQL operator ({OPERATORS}): use >= and <="
        )),
        Expr::ILike { .. } => Err(format!(
            "ILIKE is not an OCNQL operator ({OPERATORS}): LIKE ignores case"
        )),
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
            Err("a field name alone is not a condition: compare it, e.g. active = true".to_owned())
        }
        Expr::Value(_) => Err("a value alone is not a condition".to_owned()),
        other => Err(format!("'{other}' is not an OCNQL condition ({OPERATORS})")),
    }
}

fn field(expr: Expr, place: &str) -> Result<FieldPath, String> {
    match expr {
        Expr::Identifier(ident) => Ok(match ident.quote_style {
            Some(_) => FieldPath::quoted(&ident.value),
            None => FieldPath::dotted(&ident.value),
        }),
        Expr::CompoundIdentifier(idents) => Ok(FieldPath {
            parts: idents.into_iter().map(|i| i.value).collect(),
            literal: None,
        }),
        Expr::Nested(inner) => field(*inner, place),
        Expr::Value(v) if matches!(v.value, SqlValue::DoubleQuotedString(_)) => Err(format!(
            "{place} must be a field name: double quotes are not OCNQL (quote values with '...', field names with `...`)"
        )),
        other => Err(format!(
            "{place} must be a field name (plain, dotted or `backquoted`), not {other}"
        )),
    }
}

fn literal(expr: Expr, place: &str) -> Result<Lit, String> {
    match expr {
        Expr::Value(v) => match v.value {
            SqlValue::SingleQuotedString(s) => Ok(Lit::Str(s)),
            SqlValue::Number(n, _) => number(&n, false),
            SqlValue::Boolean(b) => Ok(Lit::Bool(b)),
            SqlValue::Null => Err(format!(
                "{place} is NULL: use IS NULL to find missing values"
            )),
            SqlValue::DoubleQuotedString(s) => Err(format!(
                "{place} is \"{s}\": double quotes are not OCNQL, quote values with '...' (a quote inside doubled: 'O''Neil')"
            )),
            other => Err(format!(
                "{place} must be a '...' string, a number or true/false, not {other}"
            )),
        },
        Expr::UnaryOp {
            op: op @ (UnaryOperator::Minus | UnaryOperator::Plus),
            expr,
        } => match *expr {
            Expr::Value(v) => match v.value {
                SqlValue::Number(n, _) => number(&n, op == UnaryOperator::Minus),
                other => Err(format!("{place}: {op}{other} is not a number")),
            },
            other => Err(format!("{place}: {op}{other} is not a number")),
        },
        Expr::Nested(inner) => literal(*inner, place),
        Expr::Identifier(ident) if ident.quote_style.is_none() => Err(format!(
            "{place} must be a value, not the name {}: quote strings, e.g. '{}'",
            ident.value, ident.value
        )),
        other => Err(format!(
            "{place} must be a '...' string, a number or true/false, not {other}"
        )),
    }
}

fn number(text: &str, negative: bool) -> Result<Lit, String> {
    let signed = if negative {
        Cow::Owned(format!("-{text}"))
    } else {
        Cow::Borrowed(text)
    };
    if let Ok(i) = signed.parse::<i64>() {
        return Ok(Lit::Int(i));
    }
    match signed.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(Lit::Float(f)),
        _ => Err(format!("{signed} is not a usable number")),
    }
}

impl Cond {
    /// Whether `row` matches. A comparison with a missing or `null` field, or with a
    /// value of another type, is false (`!=` included), as in SQL.
    pub(crate) fn matches(&self, row: &dyn Row) -> bool {
        match self {
            Cond::And(items) => items.iter().all(|c| c.matches(row)),
            Cond::Or(items) => items.iter().any(|c| c.matches(row)),
            Cond::Cmp { field, op, value } => {
                let Some(v) = row.scalar(field) else {
                    return false;
                };
                let Some(ordering) = compare(&v, value) else {
                    return false;
                };
                match op {
                    CmpOp::Eq => ordering == Ordering::Equal,
                    CmpOp::NotEq => ordering != Ordering::Equal,
                    CmpOp::Lt => ordering == Ordering::Less,
                    CmpOp::Gt => ordering == Ordering::Greater,
                    CmpOp::LtEq => ordering != Ordering::Greater,
                    CmpOp::GtEq => ordering != Ordering::Less,
                }
            }
            Cond::Like { field, segments } => match row.scalar(field) {
                Some(Scalar::Str(s)) => like(&s.to_lowercase(), segments),
                _ => false,
            },
            Cond::In { field, values } => row.scalar(field).is_some_and(|v| {
                values
                    .iter()
                    .any(|lit| compare(&v, lit) == Some(Ordering::Equal))
            }),
            Cond::IsNull(field) => matches!(row.scalar(field), None | Some(Scalar::Null)),
        }
    }
}

/// How a record's value compares with a literal: numbers by value, strings by their
/// bytes (ISO 8601 dates therefore in time order), booleans `false < true`; a string
/// holding a number compares with a number, and `'true'`/`'false'` (any case) with a
/// boolean. Anything else does not compare.
pub(crate) fn compare(v: &Scalar<'_>, lit: &Lit) -> Option<Ordering> {
    match (v, lit) {
        (Scalar::Int(a), Lit::Int(b)) => Some(a.cmp(b)),
        (Scalar::Int(_) | Scalar::Float(_), Lit::Int(_) | Lit::Float(_)) => {
            v.number()?.partial_cmp(&lit.number()?)
        }
        (Scalar::Str(a), Lit::Str(b)) => Some(a.as_ref().cmp(b.as_str())),
        (Scalar::Bool(a), Lit::Bool(b)) => Some(a.cmp(b)),
        (Scalar::Str(a), Lit::Int(_) | Lit::Float(_)) => {
            let a: f64 = a.trim().parse().ok()?;
            a.partial_cmp(&lit.number()?)
        }
        (Scalar::Int(_) | Scalar::Float(_), Lit::Str(b)) => {
            let b: f64 = b.trim().parse().ok()?;
            v.number()?.partial_cmp(&b)
        }
        (Scalar::Bool(a), Lit::Str(b)) => Some(a.cmp(&parse_bool(b)?)),
        (Scalar::Str(a), Lit::Bool(b)) => Some(parse_bool(a)?.cmp(b)),
        _ => None,
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// `%` matches any run of characters (none included); everything else itself.
fn like(text: &str, segments: &[String]) -> bool {
    let (first, rest) = segments
        .split_first()
        .expect("split gives one segment at least");
    let Some(mut remaining) = text.strip_prefix(first.as_str()) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty();
    };
    for segment in middle {
        match remaining.find(segment.as_str()) {
            Some(i) => remaining = &remaining[i + segment.len()..],
            None => return false,
        }
    }
    remaining.ends_with(last.as_str())
}

// ---------------------------------------------------------------------------------
// orderBy and fields

/// One key of `orderBy`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SortKey {
    pub field: FieldPath,
    pub descending: bool,
}

/// Splits on commas outside backquotes.
fn split_list(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '`' => quoted = !quoted,
            ',' if !quoted => {
                items.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items
}

/// `orderBy`: `field [asc|desc]`, comma separated (e.g. `lastName asc, score desc`).
pub(crate) fn parse_order_by(text: &str) -> Result<Vec<SortKey>, String> {
    let mut keys = Vec::new();
    for item in split_list(text) {
        let item = item.trim();
        if item.is_empty() {
            return Err("an empty sort key: write field [asc|desc], comma separated".to_owned());
        }
        let (name, direction) = if let Some(quoted) = item.strip_prefix('`') {
            match quoted.find('`') {
                Some(end) => (&item[..end + 2], item[end + 2..].trim()),
                None => return Err(format!("unbalanced backquotes in '{item}'")),
            }
        } else {
            match item.split_once(char::is_whitespace) {
                Some((name, rest)) => (name, rest.trim()),
                None => (item, ""),
            }
        };
        let descending = if direction.is_empty() || direction.eq_ignore_ascii_case("asc") {
            false
        } else if direction.eq_ignore_ascii_case("desc") {
            true
        } else {
            return Err(format!(
                "'{item}': the direction must be asc or desc, not '{direction}'"
            ));
        };
        keys.push(SortKey {
            field: FieldPath::parse(name)?,
            descending,
        });
    }
    Ok(keys)
}

/// `fields`: comma-separated names (plain, dotted or backquoted); empty items are
/// skipped.
pub(crate) fn parse_fields(text: &str) -> Result<Vec<FieldPath>, String> {
    split_list(text)
        .into_iter()
        .filter(|f| !f.trim().is_empty())
        .map(FieldPath::parse)
        .collect()
}

/// The order of `orderBy`: a missing or `null` value last (in both directions), then
/// booleans, numbers, strings and objects or arrays, each by value.
pub(crate) fn sort_cmp(
    a: Option<&Scalar<'_>>,
    b: Option<&Scalar<'_>>,
    descending: bool,
) -> Ordering {
    let a = a.filter(|s| **s != Scalar::Null);
    let b = b.filter(|s| **s != Scalar::Null);
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => {
            let o = value_cmp(a, b);
            if descending { o.reverse() } else { o }
        }
    }
}

fn rank(s: &Scalar<'_>) -> u8 {
    match s {
        Scalar::Null => 0,
        Scalar::Bool(_) => 1,
        Scalar::Int(_) | Scalar::Float(_) => 2,
        Scalar::Str(_) => 3,
        Scalar::Complex => 4,
    }
}

fn value_cmp(a: &Scalar<'_>, b: &Scalar<'_>) -> Ordering {
    match (a, b) {
        (Scalar::Int(x), Scalar::Int(y)) => x.cmp(y),
        (Scalar::Bool(x), Scalar::Bool(y)) => x.cmp(y),
        (Scalar::Str(x), Scalar::Str(y)) => x.cmp(y),
        _ => match (a.number(), b.number()) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            _ => rank(a).cmp(&rank(b)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value, json};

    struct J(Map<String, Value>);

    impl Row for J {
        fn scalar(&self, path: &FieldPath) -> Option<Scalar<'_>> {
            if let Some(lit) = &path.literal
                && let Some(v) = self.0.get(lit)
            {
                return Some(Scalar::of(v));
            }
            let mut current = self.0.get(&path.parts[0])?;
            for p in &path.parts[1..] {
                current = current.as_object()?.get(p)?;
            }
            Some(Scalar::of(current))
        }
    }

    fn row(v: Value) -> J {
        let Value::Object(m) = v else { unreachable!() };
        J(m)
    }

    fn contact() -> J {
        row(json!({
            "id": 7, "firstName": "Ada", "lastName": "O'Neil", "email": "ada@example.com",
            "score": 42, "ratio": 0.5, "active": true, "phone": null,
            "createdDate": "2024-03-01T10:00:00Z",
            "address": {"city": "São Paulo", "country": "BR"},
            "a.b": "flat", "tags": ["x"], "zip": "01234"
        }))
    }

    fn eval(q: &str) -> bool {
        let cond = parse_where(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        cond.matches(&contact())
    }

    fn refused(q: &str) -> String {
        match parse_where(q) {
            Ok(c) => panic!("{q} accepted as {c:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn each_operator() {
        for (q, want) in [
            ("firstName = 'Ada'", true),
            ("firstName = 'ada'", false),
            ("firstName != 'Bob'", true),
            ("firstName <> 'Ada'", false),
            ("score = 42", true),
            ("score > 41 AND score < 43", true),
            ("score >= 42 and score <= 42", true),
            ("score > 42", false),
            ("score < -1", false),
            ("score > -1", true),
            ("ratio = 0.5", true),
            ("ratio < 1", true),
            ("score = 42.0", true),
            ("createdDate > '2024-01-01T00:00:00Z'", true),
            ("createdDate < '2024-03-01T09:59:59Z'", false),
            ("active = true", true),
            ("active = false", false),
            ("active = 'TRUE'", true),
            ("score = '42'", true),
            ("zip = 1234", true),
            ("firstName LIKE 'A%'", true),
            ("firstName like '%d%'", true),
            ("firstName LIKE 'a%'", true),
            ("firstName LIKE '%a'", true),
            ("firstName LIKE 'Ad'", false),
            ("firstName LIKE 'A_a'", false),
            ("email LIKE '%@example.com'", true),
            ("email LIKE '%@%.com'", true),
            ("email LIKE '%@%.org'", false),
            ("firstName IN ('Bob', 'Ada')", true),
            ("score IN (1, 2, 42)", true),
            ("score IN (1, 2)", false),
            ("phone IS NULL", true),
            ("missing IS NULL", true),
            ("firstName IS NULL", false),
            ("address IS NULL", false),
            ("missing = 'x'", false),
            ("missing != 'x'", false),
            ("phone != 'x'", false),
            ("tags = 'x'", false),
            ("firstName = 'Bob' OR score = 42", true),
            (
                "firstName = 'Bob' OR (score = 42 AND active = false)",
                false,
            ),
            ("(firstName = 'Bob' OR score = 42) AND active = true", true),
            ("firstName = 'Bob' OR score = 42 AND active = false", false),
        ] {
            assert_eq!(eval(q), want, "{q}");
        }
    }

    #[test]
    fn dotted_and_backquoted_names() {
        for (q, want) in [
            ("address.city = 'São Paulo'", true),
            ("address.country IN ('BR', 'PT')", true),
            ("`address.city` = 'São Paulo'", true),
            ("`address`.`city` LIKE 'são%'", true),
            ("`a.b` = 'flat'", true),
            ("a.b = 'flat'", false),
            ("address.city.x IS NULL", true),
            ("`firstName` = 'Ada'", true),
        ] {
            assert_eq!(eval(q), want, "{q}");
        }
    }

    #[test]
    fn a_quote_cannot_be_escaped() {
        // No escape: '' inside a value is refused, a quote ends the value.
        for q in [
            "lastName = 'O''Neil'",
            "x = 'it''s'",
            "x = ''''",
            "x = 'a' OR y IN ('b''c')",
        ] {
            let e = refused(q);
            assert!(e.contains("documents no escape"), "{q}: {e}");
        }
        let e = refused(r"lastName = 'O\'Neil'");
        assert!(e.contains("cannot parse"), "{e}");
        let e = refused("lastName = 'O'Neil'");
        assert!(e.contains("cannot parse"), "{e}");
        assert!(refused("`a``b` = 1").contains("backquote"));
        // What a quote is matched with instead.
        assert!(eval("lastName LIKE 'O%Neil'"));
        // An empty value, and values side by side, are not escapes.
        assert!(!eval("firstName = ''"));
        assert!(eval("firstName IN ('', 'Ada')"));
        assert!(eval("firstName != '' AND lastName != 'x'"));
        // Quotes inside a double-quoted token are its own.
        assert!(refused("firstName = \"O''Neil\"").contains("double quotes"));
        // A backslash is an ordinary character: it escapes nothing.
        assert_eq!(
            parse_where(r"x = 'a\b\'").unwrap(),
            Cond::Cmp {
                field: FieldPath::dotted("x"),
                op: CmpOp::Eq,
                value: Lit::Str(r"a\b\".to_owned())
            }
        );
    }

    #[test]
    fn errors_name_the_problem() {
        for (q, needle) in [
            ("", "cannot parse"),
            ("firstName =", "cannot parse"),
            ("firstName = 'Ada", "cannot parse"),
            ("(firstName = 'Ada'", "cannot parse"),
            ("firstName = \"Ada\"", "double quotes"),
            ("\"firstName\" = 'Ada'", "double quotes"),
            ("firstName = Ada", "quote strings"),
            ("'Ada' = firstName", "field name"),
            ("firstName = 'Ada' ORDER BY id", "condition only"),
            ("firstName = 'Ada' LIMIT 1", "condition only"),
            ("firstName = 'Ada'; DROP TABLE t", "one condition"),
            ("1 = 1 UNION SELECT * FROM u", "condition only"),
            ("NOT active = true", "NOT is not"),
            ("phone IS NOT NULL", "IS NOT NULL is not"),
            ("firstName NOT LIKE 'A%'", "NOT LIKE"),
            ("score NOT IN (1)", "NOT IN"),
            ("score BETWEEN 1 AND 2", "BETWEEN"),
            ("score + 1 = 2", "field name"),
            ("score = 1 + 1", "must be a"),
            ("firstName = NULL", "IS NULL"),
            ("firstName LIKE 5", "pattern of LIKE"),
            ("firstName LIKE 'A%' ESCAPE '!'", "ESCAPE"),
            ("score IN (SELECT id FROM u)", "parenthesised list"),
            ("active", "alone"),
            ("score + 1", "not an OCNQL operator"),
            ("lower(firstName) = 'ada'", "field name"),
        ] {
            let e = refused(q);
            assert!(e.contains(needle), "{q}: {e}");
        }
        let long = format!("x = '{}'", "a".repeat(MAX_WHERE_LEN));
        assert!(refused(&long).contains("at most"));
        let deep = format!("{}x = 1{}", "(".repeat(200), ")".repeat(200));
        assert!(!refused(&deep).is_empty());
    }

    #[test]
    fn long_chains_do_not_recurse() {
        let chain = vec!["score > 1"; 1000].join(" AND ");
        assert!(eval(&chain));
        let chain = vec!["score = 1"; 1000].join(" OR ");
        assert!(!eval(&chain));
    }

    #[test]
    fn order_by_and_fields() {
        assert_eq!(
            parse_order_by("lastName asc, `address.city` DESC,score").unwrap(),
            vec![
                SortKey {
                    field: FieldPath::dotted("lastName"),
                    descending: false
                },
                SortKey {
                    field: FieldPath::quoted("address.city"),
                    descending: true
                },
                SortKey {
                    field: FieldPath::dotted("score"),
                    descending: false
                },
            ]
        );
        for bad in ["lastName up", "", "a,,b", "`a", "a b c"] {
            assert!(parse_order_by(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_fields("id, address.city,,`a.b`,`name`").unwrap(),
            vec![
                FieldPath::dotted("id"),
                FieldPath::dotted("address.city"),
                FieldPath::quoted("a.b"),
                FieldPath::dotted("name"),
            ]
        );
        for bad in ["first name", "a..b", "``", "`a`b`", "a`b"] {
            assert!(parse_fields(bad).is_err(), "{bad}");
        }
        let (one, two, text, null) = (
            Scalar::Int(1),
            Scalar::Float(2.5),
            Scalar::Str("a".into()),
            Scalar::Null,
        );
        assert_eq!(sort_cmp(Some(&one), Some(&two), false), Ordering::Less);
        assert_eq!(sort_cmp(Some(&one), Some(&two), true), Ordering::Greater);
        assert_eq!(sort_cmp(None, Some(&one), false), Ordering::Greater);
        assert_eq!(sort_cmp(None, Some(&one), true), Ordering::Greater);
        assert_eq!(sort_cmp(Some(&null), Some(&text), true), Ordering::Greater);
        assert_eq!(sort_cmp(Some(&one), Some(&text), false), Ordering::Less);
    }

    #[test]
    fn what_the_sdk_query_builder_writes_parses() {
        for q in [
            "lastName = 'Smith' and score >= 50 and active = true",
            "`address.city` in ('Paris', 'Lyon')",
            "`9lives` = 1 or `a b` is null",
            "score < 1e3 and score > -5 and ratio <= 0.25",
            "createdDate >= '2024-01-01T00:00:00Z'",
        ] {
            parse_where(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        }
    }

    #[test]
    fn nesting_up_to_the_parser_limit_does_not_overflow() {
        for depth in [10, 30, 45, 48, 60, 500] {
            let q = format!("{}x = 1{}", "(".repeat(depth), ")".repeat(depth));
            let _ = parse_where(&q);
        }
        let q = format!("{}x = 1{}", "(".repeat(30), ")".repeat(30));
        assert!(parse_where(&q).is_ok());
    }
}
