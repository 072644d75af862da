//! The operation table: every platform call the SDK makes, declared once.
//!
//! An [`Operation`] names the call, its HTTP method and routes, its parameters (type,
//! documentation, whether secret, whether positional), its result, whether it may be
//! retried once it may have reached the server, and whose authorization it needs.
//! From this table:
//! - [`parse_args`] reads the arguments of any operation from one JSON object, in the
//!   spelling of the caller's language, and refuses bad input before anything is sent;
//! - [`Client::call`](crate::Client::call) sends any operation by name;
//! - `make gen` writes the Python and Node methods, stubs, declarations, the case
//!   runners' metadata and the OpenAPI document.
//!
//! Adding an operation: declare it in a section module (such as [`instances`]), add it to
//! [`OPERATIONS`], give it a sandbox route and shared cases, run `make gen`.

pub mod elements;
pub mod hub;
pub mod instances;
pub mod oauth;

use std::fmt;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::lang::Lang;
use crate::model::{Model, json_kind};

/// An HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl HttpMethod {
    /// The method's name, e.g. `"GET"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Delete => reqwest::Method::DELETE,
        }
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether an operation may be sent again once it may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryClass {
    /// Safe to repeat (reads, deletes, replacing writes): retried on connection errors,
    /// timeouts, 502-504 and 429 with `Retry-After`, within the retry budget.
    Idempotent,
    /// Never sent twice once it may have arrived (a create carries a single-use OAuth
    /// code): retried only when the connection was refused.
    Once,
    /// By the method actually sent (an operation whose method is an argument): GET,
    /// PUT and DELETE as [`RetryClass::Idempotent`], POST and PATCH as
    /// [`RetryClass::Once`].
    ByMethod,
}

impl RetryClass {
    /// Whether a request of `method` may be sent again once it may have arrived.
    pub const fn idempotent(self, method: HttpMethod) -> bool {
        match self {
            RetryClass::Idempotent => true,
            RetryClass::Once => false,
            RetryClass::ByMethod => matches!(
                method,
                HttpMethod::Get | HttpMethod::Put | HttpMethod::Delete
            ),
        }
    }
}

/// Whose authorization an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthScope {
    /// `User <secret>, Organization <secret>`.
    Organization,
    /// The organization's, plus `Element <instance token>`.
    Instance,
}

/// What an operation returns.
#[derive(Debug, Clone, Copy)]
pub enum ResultKind {
    /// A model object (a paged operation: a pager of them).
    Model(&'static Model),
    /// A JSON array of model objects (not paged).
    Models(&'static Model),
    /// One text field of the answer's JSON object, by key (e.g. `oauthUrl`).
    Text(&'static str),
    /// The answer's JSON, whatever its shape (an empty body is `null`); a paged
    /// operation: a pager of the JSON objects of each page's array.
    Json,
    /// The whole answer: status, headers, request id, pagination headers and body.
    Response,
    /// Nothing (`()`, `None`, `undefined`).
    Nothing,
}

/// The type of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// An element: its key (text) or its numeric id (a positive integer).
    ElementRef,
    /// A positive integer id.
    Id,
    /// Text.
    Text,
    /// A list of text.
    TextList,
    /// A JSON object.
    Object,
    /// One of the given words.
    OneOf(&'static [&'static str]),
    /// `true` or `false`.
    Bool,
    /// A page size: an integer from 1 to the given maximum ([`MAX_PAGE_SIZE`] for the
    /// platform's own lists, 5,000 for hub lists).
    PageSize(u64),
    /// A path relative to the base URL (`/hubs/crm/contacts`): it must start with `/`
    /// and may not leave the base URL (`..`, a scheme, an authority, a query).
    Path,
    /// Any JSON value (a request body).
    Json,
    /// HTTP headers: an object of text values.
    Headers,
}

/// The largest page the platform serves of its own lists (`/elements` documents 200;
/// the SDK uses the same bound for `/instances`).
pub const MAX_PAGE_SIZE: u64 = 200;
/// The largest page of a hub list (element object searches: "maximum 5000").
pub const MAX_HUB_PAGE_SIZE: u64 = 5000;

/// Where a parameter goes on the wire (for documentation and the OpenAPI document).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A `{name}` segment of the path.
    Path(&'static str),
    /// A query parameter.
    Query(&'static str),
    /// A top-level field of the JSON body.
    Body(&'static str),
    /// Spread over the body or the route by the operation itself (see its docs).
    Custom,
    /// Read by the client, never sent (e.g. `validate` of a create: see [`Precheck`]).
    Client,
}

/// A check the client makes before sending an operation, when the operation's
/// [`Precheck::flag`] argument is `true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precheck {
    /// The element's configuration definitions (`GET /elements/{keyOrId}/configuration`,
    /// fetched once per element for the client's life) are read, and a `configuration`
    /// that lacks a required key (absent, `null` or blank; a key with a default value
    /// or marked internal is not required of the caller) is refused as `invalid_input`
    /// on `configuration`, naming every missing key at once. Off unless asked: the
    /// check costs a request the first time an element is seen.
    RequiredConfiguration,
}

impl Precheck {
    /// The boolean argument that turns the check on.
    pub const fn flag(self) -> &'static str {
        match self {
            Precheck::RequiredConfiguration => "validate",
        }
    }
}

/// One parameter of an operation.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// The name, `snake_case` (Node spells it `camelCase`).
    pub name: &'static str,
    /// Its type.
    pub ty: ParamType,
    /// Whether it must be given.
    pub required: bool,
    /// Whether it comes first, positionally (identifiers); the others are keyword
    /// arguments (Python) or one options object (Node).
    pub positional: bool,
    /// Whether its value is secret (kept out of logs, errors and dry runs).
    pub secret: bool,
    /// Where it goes.
    pub location: Location,
    /// One line of documentation.
    pub doc: &'static str,
}

/// Pagination of a list operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pagination {
    /// The platform's cursor: `nextPage` in, `elements-next-page-token` out, with
    /// `elements-total-count` when the platform sends it. The operation's `cursor`
    /// parameter is where a listing starts (or resumes).
    Cursor,
    /// [`Pagination::Cursor`], with the next page fetched while the caller works on
    /// the current one (at most two pages held).
    CursorAhead,
}

/// One platform call.
#[derive(Clone, Copy)]
pub struct Operation {
    /// The name, `snake_case` (Node spells it `camelCase`).
    pub name: &'static str,
    /// The resource group (`instances`, `elements`...).
    pub group: &'static str,
    /// Its command on the `open-connectors` command line, the words after the program
    /// name (`"instances list"`, `"oauth url"`). A plain and a paged operation may share
    /// one (`"call"`: the paged one answers `--all` and the flags only it takes); empty
    /// when another operation's command covers it (the hub verbs, through `call`).
    pub command: &'static str,
    /// One line: what it does.
    pub summary: &'static str,
    /// More documentation (may be empty).
    pub doc: &'static str,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The route templates, relative to the base URL; the first is the usual one.
    pub routes: &'static [&'static str],
    /// The parameters, positional ones first.
    pub params: &'static [Param],
    /// What it returns.
    pub result: ResultKind,
    /// Whether it may be sent again once it may have arrived.
    pub retry: RetryClass,
    /// Whose authorization it needs.
    pub auth: AuthScope,
    /// How it pages, if it is a list.
    pub pagination: Option<Pagination>,
    /// Node takes every argument in one options object, positional ones included
    /// (`createInstance({ element, ... })`, its long-standing shape); otherwise the
    /// positional parameters come first there too (`getInstance(id, options)`).
    pub node_single_object: bool,
    /// A check made before sending, when asked for ([`Precheck::flag`]).
    pub precheck: Option<Precheck>,
    /// Example arguments (JSON, `snake_case`): the docs' own example, used by the
    /// generated documentation and the OpenAPI document (built by `build`, so it is
    /// always a request the SDK really sends).
    pub example: &'static str,
    /// Builds the request from checked arguments ([`build_from_locations`] for an
    /// operation whose parameters all have a path, query or body location).
    pub(crate) build: fn(&Operation, Args) -> Result<Wire>,
}

impl fmt::Debug for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Operation")
            .field("name", &self.name)
            .field("method", &self.method)
            .field("routes", &self.routes)
            .finish_non_exhaustive()
    }
}

/// Every operation the SDK supports.
pub const OPERATIONS: &[Operation] = &[
    instances::CREATE_INSTANCE,
    instances::GET_INSTANCE,
    instances::DELETE_INSTANCE,
    instances::LIST_INSTANCES,
    instances::UPDATE_INSTANCE,
    instances::REAUTHENTICATE_INSTANCE,
    instances::ENABLE_INSTANCE,
    instances::DISABLE_INSTANCE,
    oauth::GET_OAUTH_URL,
    oauth::GET_OAUTH1_TOKEN,
    elements::LIST_ELEMENTS,
    elements::GET_ELEMENT,
    elements::GET_ELEMENT_CONFIGURATION,
    hub::REQUEST,
    hub::GET,
    hub::POST,
    hub::PUT,
    hub::PATCH,
    hub::DELETE,
    hub::PAGINATE,
];

/// The operation by its `snake_case` name (or, for Node, its `camelCase` one).
pub fn operation(name: &str) -> Option<&'static Operation> {
    OPERATIONS
        .iter()
        .find(|o| o.name == name)
        .or_else(|| OPERATIONS.iter().find(|o| Lang::Node.spell(o.name) == name))
}

/// The operation by name, or `invalid_input` naming the known ones.
pub fn find(name: &str) -> Result<&'static Operation> {
    operation(name).ok_or_else(|| {
        let known: Vec<&str> = OPERATIONS.iter().map(|o| o.name).collect();
        Error::invalid(
            "operation",
            format!(
                "{:?} is not an operation (expected one of {})",
                name.escape_default().to_string(),
                known.join(", ")
            ),
        )
    })
}

impl Operation {
    /// The parameter by its table name.
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// The request an operation builds: path (relative to the base URL), query and body.
#[derive(Clone, Default)]
pub struct Wire {
    /// The path, e.g. `/instances/12`.
    pub path: String,
    /// Query parameters, in order.
    pub query: Vec<(String, String)>,
    /// The serialized JSON body, if any.
    pub body: Option<Vec<u8>>,
    /// The method, when the operation takes it as an argument (else the table's).
    pub method: Option<HttpMethod>,
    /// Headers the operation's arguments add (checked like `extra_headers`).
    pub headers: Vec<(String, String)>,
}

impl fmt::Debug for Wire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = self
            .body
            .as_deref()
            .and_then(|b| serde_json::from_slice::<Value>(b).ok())
            .map(|v| crate::redact::redact_json(&v));
        let header_names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Wire")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("body", &body)
            .field("headers", &header_names)
            .finish()
    }
}

impl Wire {
    /// Sets the JSON body to `fields` (no body when there are none).
    pub(crate) fn set_json_body(&mut self, fields: Map<String, Value>) -> Result<()> {
        self.body = if fields.is_empty() {
            None
        } else {
            Some(
                serde_json::to_vec(&Value::Object(fields)).map_err(|e| Error::Internal {
                    reason: format!("could not write the body: {e}"),
                })?,
            )
        };
        Ok(())
    }

    /// A request with this path and nothing else.
    pub fn path(path: impl Into<String>) -> Wire {
        Wire {
            path: path.into(),
            ..Wire::default()
        }
    }
}

/// The checked arguments of one call, by table name.
///
/// A short list, not a map: a call has a handful of arguments, and a linear search over
/// them costs less than hashing each name on the way in and again on the way out.
#[derive(Clone, Default)]
pub struct Args {
    values: Vec<(String, Value)>,
}

impl fmt::Debug for Args {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.values
                    .iter()
                    .map(|(k, v)| (k, crate::redact::redact_json(v))),
            )
            .finish()
    }
}

impl Args {
    fn position(&self, name: &str) -> Option<usize> {
        self.values.iter().position(|(k, _)| k == name)
    }

    /// Sets a parameter's value, replacing an earlier one.
    fn set(&mut self, name: &str, value: Value) {
        match self.position(name) {
            Some(i) => self.values[i].1 = value,
            None => self.values.push((name.to_owned(), value)),
        }
    }

    /// The value of a parameter, if given.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.position(name).map(|i| &self.values[i].1)
    }

    /// Takes a parameter's value out (the builders move values instead of cloning).
    pub fn take(&mut self, name: &str) -> Option<Value> {
        self.position(name).map(|i| self.values.remove(i).1)
    }

    /// An id parameter (checked to be a positive integer by [`parse_args`]).
    pub fn id(&self, name: &str) -> Result<u64> {
        self.get(name)
            .and_then(Value::as_u64)
            .ok_or_else(|| Error::invalid(name, "is required"))
    }

    /// Sets a parameter (for typed Rust callers building arguments).
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Args {
        self.set(name, value.into());
        self
    }
}

/// Checks an id: a positive integer that fits in 63 bits.
pub fn check_id(field: &str, value: &Value) -> Result<u64> {
    let bad =
        |what: String| Error::invalid(field, format!("must be a positive integer id, got {what}"));
    match value {
        Value::Number(n) => match n.as_u64() {
            Some(id) if id >= 1 && id <= i64::MAX as u64 => Ok(id),
            Some(id) => Err(bad(id.to_string())),
            None if n.is_f64() => Err(bad(format!("{n} (not an integer)"))),
            None => Err(bad(n.to_string())),
        },
        other => Err(bad(json_kind(other).to_owned())),
    }
}

fn check_type(field: &str, ty: ParamType, value: Value) -> Result<Value> {
    let must = |what: &str, v: &Value| {
        Error::invalid(field, format!("must be {what}, got {}", json_kind(v)))
    };
    match ty {
        ParamType::ElementRef => match &value {
            Value::String(_) => Ok(value),
            Value::Number(_) => check_id(field, &value).map(Value::from).map_err(|_| {
                Error::invalid(
                    field,
                    format!("an element id must be a positive integer, got {value}"),
                )
            }),
            other => Err(must("an element key (string) or id (integer)", other)),
        },
        ParamType::Id => check_id(field, &value).map(Value::from),
        ParamType::Text => match value {
            Value::String(_) => Ok(value),
            other => Err(must("a string", &other)),
        },
        ParamType::TextList => match &value {
            Value::Array(items) => match items.iter().find(|i| !i.is_string()) {
                Some(bad) => Err(Error::invalid(
                    field,
                    format!("must be a list of strings, found {}", json_kind(bad)),
                )),
                None => Ok(value),
            },
            other => Err(must("a list of strings", other)),
        },
        ParamType::Object => match value {
            Value::Object(_) => Ok(value),
            other => Err(must("a JSON object", &other)),
        },
        ParamType::Bool => match value {
            Value::Bool(_) => Ok(value),
            other => Err(must("true or false", &other)),
        },
        ParamType::PageSize(max) => match value.as_u64() {
            Some(n) if (1..=max).contains(&n) && !value.is_f64() => Ok(Value::from(n)),
            _ if value.is_number() => Err(Error::invalid(
                field,
                format!("must be an integer from 1 to {max}, got {value}"),
            )),
            _ => Err(must(&format!("an integer from 1 to {max}"), &value)),
        },
        ParamType::Path => match value {
            Value::String(p) => hub::check_path(field, &p).map(Value::String),
            other => Err(must("a path (a string starting with /)", &other)),
        },
        ParamType::Json => Ok(value),
        ParamType::Headers => {
            crate::client::check_headers(Lang::Rust, field, &value)?;
            Ok(value)
        }
        ParamType::OneOf(words) => match &value {
            Value::String(s) if words.contains(&s.as_str()) => Ok(value),
            Value::String(s) => Err(Error::invalid(
                field,
                format!(
                    "{:?} is not allowed; expected one of {}",
                    s.escape_default().to_string(),
                    words.join(", ")
                ),
            )),
            other => Err(must(&format!("one of {}", words.join(", ")), other)),
        },
    }
}

/// Reads the arguments of `op` from one JSON object whose keys are spelled as `lang`
/// spells them. Unknown keys (the other language's spelling included), missing
/// required arguments and wrong types are `invalid_input`, named as `lang` names
/// them. `null` counts as not given.
pub fn parse_args(op: &Operation, lang: Lang, args: Value) -> Result<Args> {
    let Value::Object(map) = args else {
        return Err(Error::invalid(
            "options",
            format!("must be an object, got {}", json_kind(&args)),
        ));
    };
    let mut args = Args {
        values: Vec::with_capacity(map.len()),
    };
    for (key, value) in map {
        let Some(param) = op.params.iter().find(|p| lang.is_spelling(p.name, &key)) else {
            let expected: Vec<String> = op.params.iter().map(|p| lang.spell(p.name)).collect();
            return Err(Error::InvalidInput {
                field: key.clone(),
                reason: format!(
                    "is not an argument of {} (expected {})",
                    lang.spell(op.name),
                    expected.join(", ")
                ),
            });
        };
        if value.is_null() {
            continue;
        }
        let checked = check_type(param.name, param.ty, value).map_err(|e| e.spelled(lang))?;
        args.set(param.name, checked);
    }
    if let Some(missing) = op
        .params
        .iter()
        .find(|p| p.required && args.position(p.name).is_none())
    {
        return Err(Error::invalid(lang.spell(missing.name), "is required"));
    }
    Ok(args)
}

/// Builds the request of `op` from JSON arguments in `lang`'s spelling.
pub fn build_wire(op: &Operation, lang: Lang, args: Value) -> Result<Wire> {
    let args = parse_args(op, lang, args)?;
    (op.build)(op, args).map_err(|e| e.spelled(lang))
}

/// A query or path value as text: strings as they are, numbers and booleans written.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The generic builder: [`place`], with the body fields as the JSON body (none when
/// no body field is given).
pub(crate) fn build_from_locations(op: &Operation, args: Args) -> Result<Wire> {
    let (mut wire, body) = place(op, args)?;
    wire.set_json_body(body)?;
    Ok(wire)
}

/// Places every argument the table locates: the first route with every `{segment}`
/// replaced by its parameter (percent-encoded), query parameters in table order (a list
/// repeats its key); the body fields are returned as a JSON object for the operation's
/// own builder to add to. A `Custom` parameter must have been taken out first.
pub(crate) fn place(op: &Operation, mut args: Args) -> Result<(Wire, Map<String, Value>)> {
    let mut path = op.routes[0].to_owned();
    let mut query = Vec::new();
    let mut body = Map::new();
    for p in op.params {
        let Some(value) = args.take(p.name) else {
            continue;
        };
        match p.location {
            Location::Path(segment) => {
                let text = scalar_text(&value)
                    .ok_or_else(|| Error::invalid(p.name, "must be text or a number"))?;
                if let ParamType::ElementRef = p.ty
                    && value.is_string()
                {
                    instances::validate_element_key(&text).map_err(|e| match e {
                        Error::InvalidInput { reason, .. } => Error::invalid(p.name, reason),
                        other => other,
                    })?;
                }
                let encoded: String =
                    url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
                path = path.replace(&format!("{{{segment}}}"), &encoded);
            }
            Location::Query(key) => {
                let items = match value {
                    Value::Array(items) => items,
                    other => vec![other],
                };
                for t in items.iter().filter_map(scalar_text) {
                    query.push((key.to_owned(), t));
                }
            }
            Location::Body(key) => {
                body.insert(key.to_owned(), value);
            }
            // Read by the client before the request is built; nothing to send.
            Location::Client => {}
            Location::Custom => {
                return Err(Error::Internal {
                    reason: format!(
                        "{}.{} has no location for the generic builder",
                        op.name, p.name
                    ),
                });
            }
        }
    }
    Ok((
        Wire {
            path,
            query,
            ..Wire::default()
        },
        body,
    ))
}

/// Adds the pairs of an `extra` object to a query: values are written as text; a key
/// the operation sets itself is refused (`managed`), as is a non-scalar value.
pub(crate) fn extend_query(
    field: &str,
    extra: Option<Value>,
    managed: &[&str],
    query: &mut Vec<(String, String)>,
) -> Result<()> {
    let Some(Value::Object(extra)) = extra else {
        return Ok(());
    };
    for (k, v) in extra {
        if managed.contains(&k.as_str()) {
            return Err(Error::invalid(
                field,
                format!(
                    "{:?} is set by its own argument",
                    k.escape_default().to_string()
                ),
            ));
        }
        let text = scalar_text(&v).ok_or_else(|| {
            Error::invalid(
                field,
                format!(
                    "the value of {:?} must be text, a number or a boolean, got {}",
                    k.escape_default().to_string(),
                    json_kind(&v)
                ),
            )
        })?;
        query.push((k, text));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn args_replace_take_and_keep_order() {
        let mut a = Args::default().with("a", 1).with("b", 2).with("a", 3);
        assert_eq!(a.get("a"), Some(&json!(3)));
        // Replaced in place: one entry per name, in the order first set.
        assert_eq!(format!("{a:?}"), r#"{"a": Number(3), "b": Number(2)}"#);
        assert_eq!(a.take("a"), Some(json!(3)));
        assert_eq!(a.get("a"), None);
        assert_eq!(a.take("a"), None);
        assert_eq!(a.id("b").unwrap(), 2);
        assert_eq!(format!("{a:?}"), r#"{"b": Number(2)}"#);
        assert!(a.id("a").is_err());
    }

    #[test]
    fn table_is_consistent() {
        for (i, op) in OPERATIONS.iter().enumerate() {
            assert!(
                OPERATIONS[..i].iter().all(|o| o.name != op.name),
                "{}",
                op.name
            );
            // A route is a path, or `{path}`: a hub operation's path argument.
            assert!(
                !op.routes.is_empty()
                    && op
                        .routes
                        .iter()
                        .all(|r| r.starts_with('/') || *r == "{path}"),
                "{}",
                op.name
            );
            // An operation of an instance's hub takes its path, on the instance's token.
            assert_eq!(
                op.routes == ["{path}"],
                op.auth == AuthScope::Instance,
                "{}",
                op.name
            );
            // Positional parameters come first, and are required.
            let first_keyword = op.params.iter().position(|p| !p.positional);
            if let Some(k) = first_keyword {
                assert!(op.params[k..].iter().all(|p| !p.positional), "{}", op.name);
            }
            for p in op.params.iter().filter(|p| p.positional) {
                assert!(p.required, "{}.{}", op.name, p.name);
            }
            // Names the per-call options use are reserved.
            for p in op.params {
                assert!(
                    !crate::client::CALL_OPTIONS.iter().any(|o| o.name == p.name),
                    "{}.{} collides with a call option",
                    op.name,
                    p.name
                );
                if let Location::Path(seg) = p.location {
                    assert!(
                        op.routes.iter().any(|r| r.contains(&format!("{{{seg}}}"))),
                        "{}.{}",
                        op.name,
                        p.name
                    );
                }
            }
        }
        // Commands: lower-case words; one operation each, or a plain and a paged one
        // whose positional parameters agree; an operation without one is covered by
        // a command of its group.
        for op in OPERATIONS {
            if op.command.is_empty() {
                assert!(
                    OPERATIONS
                        .iter()
                        .any(|o| o.group == op.group && !o.command.is_empty()),
                    "{}",
                    op.name
                );
                continue;
            }
            assert!(
                op.command.split(' ').all(
                    |w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
                ),
                "{}: {:?}",
                op.name,
                op.command
            );
            let sharing: Vec<&Operation> = OPERATIONS
                .iter()
                .filter(|o| o.command == op.command)
                .collect();
            match sharing.as_slice() {
                [_] => {}
                [a, b] => {
                    assert!(
                        a.pagination.is_none() != b.pagination.is_none(),
                        "{}",
                        op.command
                    );
                    let (plain, paged) = if a.pagination.is_none() {
                        (a, b)
                    } else {
                        (b, a)
                    };
                    for p in paged.params.iter().filter(|p| p.positional) {
                        assert!(
                            plain
                                .params
                                .iter()
                                .any(|q| q.name == p.name && q.positional),
                            "{}.{}",
                            paged.name,
                            p.name
                        );
                    }
                }
                more => panic!("{} operations share {:?}", more.len(), op.command),
            }
        }
        assert_eq!(find("getInstance").unwrap().name, "get_instance");
        assert_eq!(find("nope").unwrap_err().field(), Some("operation"));
    }

    #[test]
    fn params_by_name_and_debug_output() {
        let op = &instances::CREATE_INSTANCE;
        assert_eq!(op.param("validate").map(|p| p.name), Some("validate"));
        assert_eq!(
            op.param("element").map(|p| p.ty),
            Some(ParamType::ElementRef)
        );
        assert!(op.param("nope").is_none());
        let dbg = format!("{op:?}");
        assert!(
            dbg.starts_with("Operation { name: \"create_instance\", method: Post"),
            "{dbg}"
        );
        let wire = build_wire(
            op,
            Lang::Rust,
            json!({"element": "insightly", "configuration": {"password": "pw-s3cr3t"}}),
        )
        .unwrap();
        let dbg = format!("{wire:?}");
        assert!(
            dbg.contains("path: \"/instances\"") && dbg.contains("[REDACTED]"),
            "{dbg}"
        );
        assert!(!dbg.contains("pw-s3cr3t"), "{dbg}");
    }

    #[test]
    fn every_example_builds() {
        for op in OPERATIONS {
            let args: Value = serde_json::from_str(op.example).expect(op.name);
            build_wire(op, Lang::Rust, args).unwrap_or_else(|e| panic!("{}: {e}", op.name));
        }
    }

    #[test]
    fn ids_at_the_boundaries() {
        assert_eq!(check_id("instance_id", &json!(1)).unwrap(), 1);
        assert_eq!(
            check_id("instance_id", &json!(i64::MAX)).unwrap(),
            i64::MAX as u64
        );
        for bad in [
            json!(0),
            json!(-1),
            json!(1.5),
            json!(1.0),
            json!("12"),
            json!(true),
            json!(null),
            json!(i64::MAX as u64 + 1),
        ] {
            let e = check_id("instance_id", &bad).unwrap_err();
            assert_eq!(e.field(), Some("instance_id"), "{bad}");
            assert!(e.to_string().contains("positive integer"), "{e}");
        }
        // Each refusal says what it got.
        let reason = |v: Value| match check_id("instance_id", &v).unwrap_err() {
            Error::InvalidInput { reason, .. } => reason,
            other => panic!("{other:?}"),
        };
        assert_eq!(reason(json!(-1)), "must be a positive integer id, got -1");
        assert_eq!(
            reason(json!(1.5)),
            "must be a positive integer id, got 1.5 (not an integer)"
        );
        assert_eq!(reason(json!(0)), "must be a positive integer id, got 0");
        assert_eq!(
            reason(json!("7")),
            "must be a positive integer id, got a string"
        );
    }

    #[test]
    fn page_sizes_at_the_boundaries() {
        let ty = ParamType::PageSize(MAX_PAGE_SIZE);
        let reason = |v: Value| match check_type("page_size", ty, v) {
            Err(Error::InvalidInput { reason, .. }) => reason,
            other => panic!("{other:?}"),
        };
        assert_eq!(check_type("page_size", ty, json!(1)).unwrap(), json!(1));
        assert_eq!(check_type("page_size", ty, json!(200)).unwrap(), json!(200));
        assert_eq!(reason(json!(0)), "must be an integer from 1 to 200, got 0");
        assert_eq!(
            reason(json!(201)),
            "must be an integer from 1 to 200, got 201"
        );
        assert_eq!(
            reason(json!(5.0)),
            "must be an integer from 1 to 200, got 5.0"
        );
        assert_eq!(
            reason(json!("5")),
            "must be an integer from 1 to 200, got a string"
        );
        let hub = ParamType::PageSize(MAX_HUB_PAGE_SIZE);
        assert!(check_type("page_size", hub, json!(5000)).is_ok());
        assert!(check_type("page_size", hub, json!(5001)).is_err());
    }

    #[test]
    fn args_debug_redacts_secrets() {
        let a = Args::default().with("instance_id", 12).with(
            "configuration",
            json!({"password": "pw-s3cr3t", "username": "u"}),
        );
        let dbg = format!("{a:?}");
        assert!(
            dbg.contains("\"instance_id\": Number(12)") && dbg.contains("[REDACTED]"),
            "{dbg}"
        );
        assert!(!dbg.contains("pw-s3cr3t"), "{dbg}");
    }

    #[test]
    fn arguments_in_each_spelling() {
        let op = find("create_instance").unwrap();
        let a = parse_args(
            op,
            Lang::Node,
            json!({"element": "x", "providerData": {"code": "c"}, "name": null}),
        )
        .unwrap();
        assert_eq!(a.get("provider_data"), Some(&json!({"code": "c"})));
        assert!(a.get("name").is_none());
        // Each language accepts only its own spelling, and names fields its way.
        let e =
            parse_args(op, Lang::Node, json!({"element": "x", "provider_data": {}})).unwrap_err();
        assert_eq!(e.field(), Some("provider_data"));
        assert!(e.to_string().contains("createInstance"), "{e}");
        assert!(e.to_string().contains("providerData"), "{e}");
        let e = parse_args(
            op,
            Lang::Python,
            json!({"element": "x", "providerData": {}}),
        )
        .unwrap_err();
        assert!(e.to_string().contains("create_instance"), "{e}");
        let e =
            parse_args(op, Lang::Node, json!({"element": "x", "providerData": []})).unwrap_err();
        assert_eq!(e.field(), Some("providerData"));
        let e = parse_args(op, Lang::Python, json!({"name": "n"})).unwrap_err();
        assert_eq!(e.field(), Some("element"));
        assert_eq!(e.to_string(), "invalid input: element: is required");
        let e = parse_args(op, Lang::Python, json!([])).unwrap_err();
        assert_eq!(e.field(), Some("options"));
        let e = parse_args(op, Lang::Python, json!({"element": 0})).unwrap_err();
        assert_eq!(e.field(), Some("element"));
        parse_args(op, Lang::Python, json!({"element": 1})).unwrap();
        let e =
            parse_args(op, Lang::Python, json!({"element": "x", "tags": ["a", 1]})).unwrap_err();
        assert!(e.to_string().contains("found a number"), "{e}");
        let e = parse_args(op, Lang::Python, json!({"element": "x", "endpoint": "z"})).unwrap_err();
        assert_eq!(e.field(), Some("endpoint"));
        let get = find("get_instance").unwrap();
        let e = parse_args(get, Lang::Node, json!({})).unwrap_err();
        assert_eq!(e.field(), Some("instanceId"));
        let w = build_wire(get, Lang::Python, json!({"instance_id": 42})).unwrap();
        assert_eq!(w.path, "/instances/42");
        assert!(w.body.is_none());
        let w = build_wire(
            find("delete_instance").unwrap(),
            Lang::Python,
            json!({"instance_id": 7}),
        )
        .unwrap();
        assert_eq!(w.path, "/instances/7");
        let e = build_wire(get, Lang::Python, json!({"instance_id": "7"})).unwrap_err();
        assert_eq!(e.field(), Some("instance_id"));
    }
}
