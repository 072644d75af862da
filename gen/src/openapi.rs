//! `docs/openapi.yaml`: an OpenAPI 3.1 document of the platform routes the SDK
//! supports, from the operation and model tables. It is JSON (which is YAML) after a
//! comment line that says it is generated.

use open_connectors::model::{Field, FieldType, MODELS, Model};
use open_connectors::ops::{HttpMethod, Location, OPERATIONS, Operation, ParamType, ResultKind};
use open_connectors::{Region, VERSION};
use serde_json::{Map, Value, json};

use crate::banner;

pub fn files() -> Vec<(&'static str, String)> {
    let doc = document();
    let mut text = banner("#");
    text.push_str(&serde_json::to_string_pretty(&doc).expect("a JSON value serializes"));
    text.push('\n');
    vec![("docs/openapi.yaml", text)]
}

fn field_schema(f: &Field) -> Value {
    let base = match f.ty {
        FieldType::Int => json!({"type": "integer"}),
        FieldType::Text | FieldType::Secret => json!({"type": "string"}),
        FieldType::Bool => json!({"type": "boolean"}),
        FieldType::Date => {
            json!({"type": ["string", "integer"], "description": "ISO 8601 text or epoch milliseconds"})
        }
        FieldType::TextList => json!({"type": "array", "items": {"type": ["string", "object"]}}),
        FieldType::Object => json!({"type": "object"}),
        FieldType::List => json!({"type": "array"}),
    };
    let mut s = base.as_object().cloned().unwrap_or_default();
    s.insert("description".into(), Value::from(f.doc));
    if f.optional
        && let Some(Value::String(t)) = s.get("type").cloned()
    {
        s.insert("type".into(), json!([t, "null"]));
    }
    Value::Object(s)
}

fn model_schema(m: &Model) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for f in m.fields {
        let Some(wire) = f.wire else { continue };
        props.insert(wire.to_owned(), field_schema(f));
        if !f.optional && matches!(f.ty, FieldType::Int | FieldType::Text | FieldType::Secret) {
            required.push(Value::from(wire));
        }
    }
    json!({
        "type": "object",
        "description": m.doc,
        "properties": props,
        "required": required,
        "additionalProperties": true,
    })
}

fn param_schema(ty: ParamType) -> Value {
    match ty {
        ParamType::ElementRef => {
            json!({"oneOf": [{"type": "string"}, {"type": "integer", "minimum": 1}]})
        }
        ParamType::Id => json!({"type": "integer", "minimum": 1, "maximum": i64::MAX}),
        ParamType::Text => json!({"type": "string"}),
        ParamType::TextList => json!({"type": "array", "items": {"type": "string"}}),
        ParamType::Object => json!({"type": "object"}),
        ParamType::OneOf(words) => json!({"type": "string", "enum": words}),
        ParamType::Bool => json!({"type": "boolean"}),
        ParamType::PageSize(max) => json!({"type": "integer", "minimum": 1, "maximum": max}),
        ParamType::Path => json!({"type": "string", "pattern": "^/"}),
        ParamType::Json => json!({}),
        ParamType::Headers => json!({"type": "object", "additionalProperties": {"type": "string"}}),
    }
}

fn method_key(m: HttpMethod) -> String {
    m.as_str().to_ascii_lowercase()
}

fn operation(op: &Operation, route: &str, index: usize) -> Value {
    let mut params = Vec::new();
    for seg in route
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
    {
        let (schema, doc) = match op
            .params
            .iter()
            .find(|p| p.location == Location::Path(leak(seg)))
        {
            Some(p) => (param_schema(p.ty), p.doc),
            None => (
                json!({"type": "string", "pattern": "^[A-Za-z0-9_.-]+$"}),
                "The element's key or numeric id.",
            ),
        };
        params.push(json!({"name": seg, "in": "path", "required": true, "schema": schema, "description": doc}));
    }
    for p in op.params {
        if let Location::Query(name) = p.location {
            params.push(json!({"name": name, "in": "query", "required": p.required, "schema": param_schema(p.ty), "description": p.doc}));
        }
    }
    let mut out = Map::new();
    let id = if index == 0 {
        op.name.to_owned()
    } else {
        format!("{}_{index}", op.name)
    };
    out.insert("operationId".into(), Value::from(id));
    out.insert("summary".into(), Value::from(op.summary));
    out.insert("description".into(), Value::from(op.doc));
    out.insert("tags".into(), json!([op.group]));
    out.insert("parameters".into(), Value::Array(params));
    let mut body_props = Map::new();
    for p in op.params {
        if let Location::Body(name) = p.location {
            body_props.insert(name.to_owned(), param_schema(p.ty));
        }
    }
    let custom = op.params.iter().any(|p| p.location == Location::Custom);
    if op.method != HttpMethod::Post
        && op.method != HttpMethod::Get
        && (!body_props.is_empty() || custom)
    {
        // A PUT or PATCH with a JSON body: the fields the table places, and whatever an
        // operation's own builder adds (e.g. `providerData` of a re-authentication).
        let media = json!({"schema": {"type": "object", "properties": body_props.clone(),
            "additionalProperties": true}});
        out.insert("requestBody".into(), request_body(op, index, media));
    }
    if op.method == HttpMethod::Post {
        let mut required: Vec<&str> = Vec::new();
        if route == "/instances" {
            body_props.insert(
                "element".into(),
                json!({"type": "object", "properties": {"key": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+$", "minLength": 1}}, "required": ["key"]}),
            );
            required.push("element");
        }
        let media = json!({"schema": {
            "type": "object", "properties": body_props, "required": required,
            "additionalProperties": true}});
        out.insert("requestBody".into(), request_body(op, index, media));
    }
    let ok = match op.result {
        ResultKind::Model(m) | ResultKind::Models(m)
            if op.pagination.is_some() || matches!(op.result, ResultKind::Models(_)) =>
        {
            let mut ok = json!({"description": "OK", "content": {"application/json": {
                "schema": {"type": "array", "items": {"$ref": format!("#/components/schemas/{}", m.name)}}}}});
            if op.pagination.is_some() {
                ok["headers"] = json!({
                    "elements-next-page-token": {"description": "Where the next page starts (pass it as `nextPage`); sent even when the next page is empty.", "schema": {"type": "string"}},
                    "elements-total-count": {"description": "How many items the listing has, when known.", "schema": {"type": "integer"}}
                });
            }
            ok
        }
        ResultKind::Text(key) => {
            json!({"description": "OK", "content": {"application/json": {
                "schema": {"type": "object", "properties": {key: {"type": "string"}}, "required": [key], "additionalProperties": true}}}})
        }
        ResultKind::Model(m) | ResultKind::Models(m) => {
            // Links to the operations that take this object's id (for stateful testing).
            let mut links = Map::new();
            for other in OPERATIONS
                .iter()
                .filter(|o| o.name != op.name && o.group == op.group)
            {
                if other
                    .params
                    .iter()
                    .any(|p| p.location == Location::Path("id"))
                {
                    links.insert(
                        other.name.to_owned(),
                        json!({"operationId": other.name, "parameters": {"id": "$response.body#/id"}}),
                    );
                }
            }
            json!({"description": "OK", "content": {"application/json": {
                "schema": {"$ref": format!("#/components/schemas/{}", m.name)}}}, "links": links})
        }
        ResultKind::Json | ResultKind::Response => {
            json!({"description": "OK: the connected service's JSON"})
        }
        ResultKind::Nothing => json!({"description": "OK (the body, if any, carries nothing)"}),
    };
    let error = json!({"description": "The platform's error body", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut responses = Map::new();
    responses.insert("200".into(), ok);
    for status in ["400", "401", "404", "415"] {
        responses.insert(status.into(), error.clone());
    }
    out.insert("responses".into(), Value::Object(responses));
    out.insert("security".into(), json!([{"organization": []}]));
    out.insert(
        "x-retry".into(),
        Value::from(format!("{:?}", op.retry).to_ascii_lowercase()),
    );
    Value::Object(out)
}

/// A JSON request body of `media`; on an operation's first route, with the table's
/// example built by the operation itself (a request the SDK really sends).
fn request_body(op: &Operation, index: usize, mut media: Value) -> Value {
    if index == 0 {
        let args: Value = serde_json::from_str(op.example).expect("examples are JSON");
        let wire = open_connectors::ops::build_wire(op, open_connectors::Lang::Rust, args)
            .expect("examples build (checked by the core's tests)");
        if let Some(body) = wire.body {
            media["example"] = serde_json::from_slice(&body).expect("bodies are JSON");
        }
    }
    json!({"required": true, "content": {"application/json": media}})
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn document() -> Value {
    let mut paths = Map::new();
    // The hub operations take their route as an argument (`{path}`): the document lists
    // the platform's own routes.
    for op in OPERATIONS
        .iter()
        .filter(|op| !op.routes.iter().any(|r| r.starts_with("{path}")))
    {
        for (i, route) in op.routes.iter().enumerate() {
            let entry = paths
                .entry(route.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = entry {
                m.insert(method_key(op.method), operation(op, route, i));
            }
        }
    }
    let mut schemas = Map::new();
    for m in MODELS {
        schemas.insert(m.name.to_owned(), model_schema(m));
    }
    schemas.insert(
        "Error".into(),
        json!({"type": "object", "properties": {
            "requestId": {"type": "string"}, "message": {"type": "string"},
            "providerMessage": {"type": ["string", "object", "null"]}}, "additionalProperties": true}),
    );
    let servers: Vec<Value> = Region::ALL
        .iter()
        .map(|r| json!({"url": r.base_url(), "description": r.name()}))
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "SAP Open Connectors platform API: the routes the open-connectors SDK supports",
            "version": VERSION,
            "description": "Generated from the SDK's operation table. Authorization: `User <user secret>, Organization <organization secret>` (plus `, Element <instance token>` for instance-scoped calls)."
        },
        "servers": servers,
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"organization": {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "User <user secret>, Organization <organization secret>"}}
        }
    })
}
