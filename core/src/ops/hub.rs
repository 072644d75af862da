//! Calling the connected service: the instance-scoped hub APIs (`GET /hubs/crm/contacts`,
//! `POST /hubs/crm/accounts`, ...), authorized by the instance's token
//! (`Authorization: User ..., Organization ..., Element <token>`). These operations are
//! methods of an instance's client (`client.for_instance(token)`), not of the client.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::ops::{
    Args, AuthScope, HttpMethod, Location, MAX_HUB_PAGE_SIZE, Operation, Pagination, Param,
    ParamType, ResultKind, RetryClass, Wire,
};

/// Checks a path relative to the base URL: it starts with `/`, holds no `.` or `..`
/// segment (encoded or not), no `//`, no `\`, no query or fragment (give the query as
/// `query`), no whitespace or control character. Other characters are sent as given
/// (percent-encode what a segment needs).
pub fn check_path(field: &str, path: &str) -> Result<String> {
    let bad = |reason: &str| Error::invalid(field, reason.to_owned());
    if !path.starts_with('/') {
        return Err(bad(
            "must start with / and be relative to the base URL (e.g. /hubs/crm/contacts), not a URL",
        ));
    }
    if path.starts_with("//") || path.contains('\\') {
        return Err(bad("may not start with // or hold a backslash"));
    }
    if let Some(c) = path.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(&format!(
            "holds {}: percent-encode it",
            if c.is_whitespace() {
                "whitespace"
            } else {
                "a control character"
            }
        )));
    }
    if path.contains('?') || path.contains('#') {
        return Err(bad(
            "may not hold a query or fragment: give the query as `query`",
        ));
    }
    for segment in path.split('/') {
        let lower = segment.to_ascii_lowercase();
        let decoded = lower.replace("%2e", ".");
        if decoded == "." || decoded == ".." {
            return Err(bad(
                "may not hold a . or .. segment: it would leave the base URL",
            ));
        }
        if lower.contains("%2f") || lower.contains("%5c") {
            return Err(bad("may not hold an encoded / or \\"));
        }
    }
    Ok(path.to_owned())
}

/// Query parameters from a JSON object: text, numbers and booleans as text; a list
/// repeats its key; `null` is left out.
fn query_pairs(field: &str, query: Option<Value>, out: &mut Vec<(String, String)>) -> Result<()> {
    let Some(Value::Object(map)) = query else {
        return Ok(());
    };
    for (key, value) in map {
        let items = match value {
            Value::Array(items) => items,
            other => vec![other],
        };
        for item in items {
            let text = match item {
                Value::Null => continue,
                Value::String(s) => s,
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                other => {
                    return Err(Error::invalid(
                        format!("{field}.{key}"),
                        format!(
                            "must be text, a number, a boolean or a list of them, got {}",
                            crate::model::json_kind(&other)
                        ),
                    ));
                }
            };
            out.push((key.clone(), text));
        }
    }
    Ok(())
}

fn headers(value: Option<Value>) -> Vec<(String, String)> {
    match value {
        Some(Value::Object(map)) => map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The builder of every hub operation: method (an argument of `request`), path, query,
/// headers and the JSON body.
fn build(op: &Operation, mut args: Args) -> Result<Wire> {
    let method = match args.take("method") {
        Some(Value::String(m)) => match m.as_str() {
            "GET" => HttpMethod::Get,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "PATCH" => HttpMethod::Patch,
            "DELETE" => HttpMethod::Delete,
            _ => {
                return Err(Error::invalid(
                    "method",
                    "is not an HTTP method the SDK sends",
                ));
            }
        },
        _ => op.method,
    };
    let path = match args.take("path") {
        Some(Value::String(p)) => p,
        _ => return Err(Error::invalid("path", "is required")),
    };
    let mut query = Vec::new();
    if let Some(Value::String(w)) = args.take("where") {
        query.push(("where".to_owned(), w));
    }
    if let Some(n) = args.take("page_size") {
        query.push(("pageSize".to_owned(), n.to_string()));
    }
    if let Some(Value::String(c)) = args.take("cursor") {
        query.push(("nextPage".to_owned(), c));
    }
    query_pairs("query", args.take("query"), &mut query)?;
    let body = match args.take("json") {
        None => None,
        Some(v) => Some(serde_json::to_vec(&v).map_err(|e| Error::Internal {
            reason: format!("could not write the body: {e}"),
        })?),
    };
    if body.is_some() && matches!(method, HttpMethod::Get | HttpMethod::Delete) {
        return Err(Error::invalid(
            "json",
            format!("a {method} request carries no body"),
        ));
    }
    Ok(Wire {
        path,
        query,
        body,
        method: Some(method),
        headers: headers(args.take("headers")),
    })
}

const PATH: Param = Param {
    name: "path",
    ty: ParamType::Path,
    required: true,
    positional: true,
    secret: false,
    location: Location::Custom,
    doc: "The route, relative to the base URL: `/hubs/crm/contacts`, `/hubs/crm/contacts/12`.",
};

const QUERY: Param = Param {
    name: "query",
    ty: ParamType::Object,
    required: false,
    positional: false,
    secret: false,
    location: Location::Custom,
    doc: "Query parameters: text, numbers or booleans (a list repeats its key).",
};

const JSON_BODY: Param = Param {
    name: "json",
    ty: ParamType::Json,
    required: false,
    positional: false,
    secret: true,
    location: Location::Custom,
    doc: "The JSON body (not for GET or DELETE).",
};

const HEADERS: Param = Param {
    name: "headers",
    ty: ParamType::Headers,
    required: false,
    positional: false,
    secret: false,
    location: Location::Custom,
    doc: "More headers for this request (not `Authorization`, `Host` and the like).",
};

/// One hub operation of a fixed method. On the command line it is `call METHOD PATH`
/// ([`REQUEST`]'s command), so it has no command of its own.
const fn verb(
    name: &'static str,
    method: HttpMethod,
    summary: &'static str,
    doc: &'static str,
    params: &'static [Param],
    example: &'static str,
) -> Operation {
    Operation {
        name,
        group: "hub",
        command: "",
        summary,
        doc,
        method,
        routes: &["{path}"],
        params,
        result: ResultKind::Json,
        retry: RetryClass::ByMethod,
        auth: AuthScope::Instance,
        pagination: None,
        node_single_object: false,
        precheck: None,
        example,
        build,
    }
}

/// `request(method, path, ...)`: any method; the whole response.
pub const REQUEST: Operation = Operation {
    name: "request",
    group: "hub",
    command: "call",
    summary: "Sends a request to the connected service through the instance.",
    doc: "Any method on any route of the instance's hub: the whole response (status, headers, request id, pagination headers, body). GET, PUT and DELETE are retried on connection errors, timeouts, 502-504 and 429 with `Retry-After`; POST and PATCH never once they may have arrived.",
    method: HttpMethod::Get,
    routes: &["{path}"],
    params: &[
        Param {
            name: "method",
            ty: ParamType::OneOf(&["GET", "POST", "PUT", "PATCH", "DELETE"]),
            required: true,
            positional: true,
            secret: false,
            location: Location::Custom,
            doc: "The HTTP method.",
        },
        PATH,
        QUERY,
        JSON_BODY,
        HEADERS,
    ],
    result: ResultKind::Response,
    retry: RetryClass::ByMethod,
    auth: AuthScope::Instance,
    pagination: None,
    // Node: `inst.request({ method, path, query, json, headers })`, as fetch-like APIs take it.
    node_single_object: true,
    precheck: None,
    example: r#"{"method": "GET", "path": "/hubs/crm/contacts", "query": {"pageSize": 50}}"#,
    build,
};

/// `get(path, ...)`: the decoded JSON.
pub const GET: Operation = verb(
    "get",
    HttpMethod::Get,
    "GETs a route of the instance's hub: the decoded JSON.",
    "Retried on connection errors, timeouts, 502-504 and 429 with `Retry-After`.",
    &[PATH, QUERY, HEADERS],
    r#"{"path": "/hubs/crm/contacts/12"}"#,
);

/// `post(path, ...)`: the decoded JSON.
pub const POST: Operation = verb(
    "post",
    HttpMethod::Post,
    "POSTs JSON to a route of the instance's hub: the decoded JSON.",
    "Never retried once it may have arrived (it may create a record twice).",
    &[PATH, JSON_BODY, QUERY, HEADERS],
    r#"{"path": "/hubs/crm/contacts", "json": {"firstName": "Ada", "lastName": "Lovelace"}}"#,
);

/// `put(path, ...)`: the decoded JSON.
pub const PUT: Operation = verb(
    "put",
    HttpMethod::Put,
    "PUTs JSON to a route of the instance's hub: the decoded JSON.",
    "Replaces the record: retried as an idempotent call.",
    &[PATH, JSON_BODY, QUERY, HEADERS],
    r#"{"path": "/hubs/crm/contacts/12", "json": {"firstName": "Ada"}}"#,
);

/// `patch(path, ...)`: the decoded JSON.
pub const PATCH: Operation = verb(
    "patch",
    HttpMethod::Patch,
    "PATCHes a record of the instance's hub: the decoded JSON.",
    "Never retried once it may have arrived.",
    &[PATH, JSON_BODY, QUERY, HEADERS],
    r#"{"path": "/hubs/crm/contacts/12", "json": {"email": "ada@example.com"}}"#,
);

/// `delete(path, ...)`: the decoded JSON (`null` for an empty answer).
pub const DELETE: Operation = verb(
    "delete",
    HttpMethod::Delete,
    "DELETEs a record of the instance's hub: the decoded JSON (null when empty).",
    "Retried as an idempotent call.",
    &[PATH, QUERY, HEADERS],
    r#"{"path": "/hubs/crm/contacts/12"}"#,
);

/// `paginate(path, ...)`: a pager of the records of a list route.
pub const PAGINATE: Operation = Operation {
    name: "paginate",
    group: "hub",
    command: "call",
    summary: "Lists a route of the instance's hub, page by page: a pager of its records.",
    doc: "Follows the platform's cursor (`nextPage`, `elements-next-page-token`), fetching the next page while the caller works on the current one (at most two pages held). Stops on an empty page or a page without a token; a token that repeats is an error. Each page is a GET, retried as any safe call.",
    method: HttpMethod::Get,
    routes: &["{path}"],
    params: &[
        PATH,
        Param {
            name: "where",
            ty: ParamType::Text,
            required: false,
            positional: false,
            secret: false,
            location: Location::Custom,
            doc: "An OCNQL filter, e.g. built with `ocnql(...)`.",
        },
        Param {
            name: "page_size",
            ty: ParamType::PageSize(MAX_HUB_PAGE_SIZE),
            required: false,
            positional: false,
            secret: false,
            location: Location::Custom,
            doc: "Records per page (1 to 5,000).",
        },
        QUERY,
        Param {
            name: "cursor",
            ty: ParamType::Text,
            required: false,
            positional: false,
            secret: false,
            location: Location::Custom,
            doc: "Where to start: the `next_cursor` of a page seen before.",
        },
    ],
    result: ResultKind::Json,
    retry: RetryClass::Idempotent,
    auth: AuthScope::Instance,
    pagination: Some(Pagination::CursorAhead),
    node_single_object: false,
    precheck: None,
    example: r#"{"path": "/hubs/crm/contacts", "where": "lastName = 'Smith'", "page_size": 200}"#,
    build,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use serde_json::json;

    #[test]
    fn paths_stay_under_the_base_url() {
        for ok in [
            "/hubs/crm/contacts",
            "/hubs/crm/contacts/12",
            "/a%20b",
            "/x/.hidden",
            "/x/..y",
        ] {
            assert_eq!(check_path("path", ok).unwrap(), ok);
        }
        for bad in [
            "hubs/crm",
            "https://evil.example/x",
            "//evil.example/x",
            "/a/../b",
            "/..",
            "/a/./b",
            "/a/%2e%2E/b",
            "/a/%2E/b",
            "/a%2fb",
            "/a%5Cb",
            "/a\\b",
            "/a b",
            "/a\tb",
            "/a?x=1",
            "/a#f",
            "",
        ] {
            let e = check_path("path", bad).unwrap_err();
            assert_eq!(
                (e.code(), e.field()),
                (ErrorCode::InvalidInput, Some("path")),
                "{bad}"
            );
        }
    }

    #[test]
    fn builds_method_query_body_and_headers() {
        let args = Args::default()
            .with("method", "POST")
            .with("path", "/hubs/crm/contacts")
            .with("query", json!({"a": 1, "b": [true, "x"], "c": null}))
            .with("json", json!({"firstName": "Ada"}))
            .with("headers", json!({"X-Trace": "1"}));
        let w = build(&REQUEST, args).unwrap();
        assert_eq!(w.method, Some(HttpMethod::Post));
        assert_eq!(w.path, "/hubs/crm/contacts");
        assert_eq!(
            w.query,
            [("a", "1"), ("b", "true"), ("b", "x")].map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert_eq!(w.body.as_deref(), Some(&br#"{"firstName":"Ada"}"#[..]));
        assert_eq!(w.headers, [("X-Trace".to_owned(), "1".to_owned())]);

        let args = Args::default()
            .with("path", "/hubs/crm/contacts")
            .with("where", "a = 'b'")
            .with("page_size", 5000)
            .with("cursor", "abc");
        let w = build(&PAGINATE, args).unwrap();
        assert_eq!(w.method, Some(HttpMethod::Get));
        assert_eq!(
            w.query,
            [
                ("where", "a = 'b'"),
                ("pageSize", "5000"),
                ("nextPage", "abc")
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );

        let e = build(
            &GET,
            Args::default().with("path", "/x").with("json", json!({})),
        )
        .unwrap_err();
        assert_eq!(e.field(), Some("json"));
        let e = build(
            &GET,
            Args::default()
                .with("path", "/x")
                .with("query", json!({"a": {"b": 1}})),
        )
        .unwrap_err();
        assert_eq!(e.field(), Some("query.a"));
    }

    #[test]
    fn retry_classes_follow_the_method() {
        use HttpMethod::*;
        let by = RetryClass::ByMethod;
        assert_eq!(
            [Get, Post, Put, Patch, Delete].map(|m| by.idempotent(m)),
            [true, false, true, false, true]
        );
        assert!(RetryClass::Idempotent.idempotent(Post));
        assert!(!RetryClass::Once.idempotent(Get));
    }
}
