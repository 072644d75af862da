//! The npm module's generated files: `index.js`, `index.d.ts`, `index.mjs` and
//! `index.d.mts` (under bindings-node/).

use std::fmt::Write as _;

use open_connectors::lang::camel_case;
use open_connectors::model::{FieldType, MODELS, Model};
use open_connectors::ops::{OPERATIONS, Operation, Param, ParamType, ResultKind};
use open_connectors::{AttrType, CALL_OPTIONS, ERROR_CLASSES, ErrorClass, SETTINGS, SettingType};

use crate::{banner, doc_lines};

pub fn files() -> Vec<(&'static str, String)> {
    vec![
        ("bindings-node/index.js", index_js()),
        ("bindings-node/index.d.ts", index_dts()),
        ("bindings-node/index.mjs", index_mjs()),
        ("bindings-node/index.d.mts", index_dmts()),
    ]
}

/// The table's `snake_case` names in prose, spelled the Node way.
fn js_doc(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1
            && part.contains('_')
            && part.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            let _ = write!(out, "`{}`", camel_case(part));
        } else if i % 2 == 1 {
            let _ = write!(out, "`{part}`");
        } else {
            out.push_str(part);
        }
    }
    out
}

fn jsdoc(out: &mut String, indent: &str, text: &str) {
    let lines = doc_lines(&js_doc(text), "", 92);
    if lines.len() == 1 {
        let _ = writeln!(out, "{indent}/** {} */", lines[0]);
        return;
    }
    let _ = writeln!(out, "{indent}/**");
    for l in lines {
        let _ = writeln!(out, "{indent} * {l}");
    }
    let _ = writeln!(out, "{indent} */");
}

fn method_name(op: &Operation) -> String {
    camel_case(op.name)
}

fn positional(op: &Operation) -> Vec<&'static Param> {
    if op.node_single_object {
        return Vec::new();
    }
    op.params.iter().filter(|p| p.positional).collect()
}

fn keyword(op: &Operation) -> Vec<&'static Param> {
    if op.node_single_object {
        return op.params.iter().collect();
    }
    op.params.iter().filter(|p| !p.positional).collect()
}

fn options_type(op: &Operation) -> String {
    let mut name = camel_case(op.name);
    if let Some(first) = name.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    // An instance client's options (`request` would clash with `RequestOptions`).
    let prefix = if instance_scoped(op) { "Hub" } else { "" };
    format!("{prefix}{name}Options")
}

/// The method declarations of one class of `index.d.ts`.
fn dts_methods(o: &mut String, ops: &[&Operation]) {
    for op in ops {
        jsdoc(o, "  ", &format!("{} {}", op.summary, op.doc));
        let mut params: Vec<String> = positional(op)
            .iter()
            .map(|p| format!("{}: {}", camel_case(p.name), param_ts(p.ty)))
            .collect();
        let kw = keyword(op);
        if !kw.is_empty() {
            let required = kw.iter().any(|p| p.required);
            params.push(format!(
                "options{}: {}",
                if required { "" } else { "?" },
                options_type(op)
            ));
        }
        params.push("requestOptions?: RequestOptions".to_owned());
        let result = match op.result {
            ResultKind::Model(m) if op.pagination.is_some() => format!("Pager<{}>", m.name),
            ResultKind::Json if op.pagination.is_some() => "Pager<any>".to_owned(),
            ResultKind::Model(m) => format!("Promise<{}>", m.name),
            ResultKind::Models(m) => format!("Promise<{}[]>", m.name),
            ResultKind::Text(_) => "Promise<string>".to_owned(),
            ResultKind::Json => "Promise<any>".to_owned(),
            ResultKind::Response => "Promise<Response>".to_owned(),
            ResultKind::Nothing => "Promise<void>".to_owned(),
        };
        let _ = writeln!(o, "  {}({}): {result}", method_name(op), params.join(", "));
    }
}

fn instance_scoped(op: &Operation) -> bool {
    crate::python::scope(op) == "instance"
}

/// The methods of one class of `index.js`: each operation's call of the generic path.
fn js_methods(o: &mut String, ops: &[&Operation]) {
    for op in ops {
        o.push('\n');
        jsdoc(o, "  ", &format!("{} {}", op.summary, op.doc));
        let pos: Vec<String> = positional(op).iter().map(|p| camel_case(p.name)).collect();
        let has_kw = !keyword(op).is_empty();
        let mut params = pos.clone();
        if has_kw {
            params.push("options".to_owned());
        }
        params.push("requestOptions".to_owned());
        let args = if op.node_single_object {
            "options".to_owned()
        } else if has_kw {
            format!("{{ ...options, {} }}", pos.join(", "))
        } else {
            format!("{{ {} }}", pos.join(", "))
        };
        if op.pagination.is_some() {
            // A pager is returned at once (`for await`); the arguments are checked now
            // and nothing is sent until the first page is asked for.
            let _ = writeln!(
                o,
                "  {}({}) {{\n    return this._pager('{}', {args}, requestOptions)\n  }}",
                method_name(op),
                params.join(", "),
                op.name
            );
            continue;
        }
        let call = format!("this._call('{}', {args}, requestOptions)", op.name);
        // Results: `_call`'s own Promise, not one more `async` Promise resolved with it
        // (one allocation and three microtask turns a call); a throw while the arguments
        // are gathered (a getter, a detached method) still rejects, never throws.
        let (keyword, body) = match op.result {
            ResultKind::Nothing => ("async ", format!("await {call}")),
            _ => (
                "",
                format!(
                    "try {{\n      return {call}\n    }} catch (e) {{\n      return Promise.reject(e)\n    }}"
                ),
            ),
        };
        let _ = writeln!(
            o,
            "  {keyword}{}({}) {{\n    {body}\n  }}",
            method_name(op),
            params.join(", ")
        );
    }
}

fn index_js() -> String {
    let mut o = banner("//");
    o.push_str("'use strict'\n// The public API of the `open-connectors` npm module: a method per operation of the\n// core's table, error classes from its error table, model classes from its model table.\n// The generic machinery is runtime.js; every check and platform rule is in the Rust core.\n\nconst rt = require('./runtime.js')\n\nconst VERSION = require('./package.json').version\n\n// ---------------------------------------------------------------------------------\n// Errors\n");
    for c in ERROR_CLASSES {
        o.push('\n');
        jsdoc(&mut o, "", c.doc);
        let parent = c.parent.unwrap_or("Error");
        let _ = writeln!(o, "class {} extends {parent} {{", c.name);
        o.push_str("  constructor(message, payload = {}) {\n");
        match c.parent {
            None => {
                o.push_str("    super(message)\n");
                let _ = writeln!(
                    o,
                    "    /** The core's stable error code, e.g. `'not_found'`. */\n    this.code = payload.code ?? '{}'",
                    c.default_code
                );
            }
            Some(_) => {
                let _ = writeln!(
                    o,
                    "    super(message, {{ ...payload, code: payload.code ?? '{}' }})",
                    c.default_code
                );
            }
        }
        for a in c.attrs.iter().filter(|a| a.name != "code") {
            let default = match a.ty {
                AttrType::Text => "''",
                AttrType::Int => "0",
                AttrType::RequestSent => "'maybe'",
                AttrType::OptText | AttrType::OptInt | AttrType::OptDuration => "null",
            };
            let _ = writeln!(o, "    /** {} */", js_doc(a.doc));
            if a.hidden {
                // Read on purpose only: not enumerable, so neither `util.inspect` nor
                // `JSON.stringify` (nor `toJSON`) shows it.
                let _ = writeln!(
                    o,
                    "    Object.defineProperty(this, '{0}', {{ value: payload.{0} ?? {default}, writable: true, configurable: true, enumerable: false }})",
                    camel_case(a.name)
                );
            } else {
                let _ = writeln!(
                    o,
                    "    this.{0} = payload.{0} ?? {default}",
                    camel_case(a.name)
                );
            }
        }
        o.push_str("  }\n");
        if c.parent.is_none() {
            o.push_str("\n  /** The error's fields (never a secret: the core keeps them out of every error). */\n  toJSON() {\n    const out = { name: this.name, message: this.message }\n    for (const [k, v] of Object.entries(this)) out[k] = v\n    return out\n  }\n");
        }
        o.push_str("}\n");
    }
    o.push_str("\nconst ERRORS = {\n");
    for c in ERROR_CLASSES {
        let _ = writeln!(o, "  {},", c.name);
    }
    o.push_str("}\nrt.nameClasses(ERRORS)\n\n// ---------------------------------------------------------------------------------\n// Models\n");
    for m in MODELS {
        o.push('\n');
        jsdoc(
            &mut o,
            "",
            &format!(
                "{} Every field the platform sent is an own property, named as the API names it; the typed fields are decoded by the core (dates as `Date`). `{}.fromJSON(json)` rebuilds one; `toJSON()` returns the JSON exactly as received.",
                m.doc, m.name
            ),
        );
        let dates: Vec<String> = m
            .fields
            .iter()
            .filter(|f| f.ty == FieldType::Date)
            .map(|f| format!("'{}'", camel_case(f.name)))
            .collect();
        // The typed fields in the table's order: the core sends their values in it.
        let typed: Vec<String> = m
            .typed_fields()
            .map(|f| format!("'{}'", camel_case(f.name)))
            .collect();
        let _ = writeln!(
            o,
            "class {0} extends rt.Model {{\n  static MODEL = '{0}'\n  static FIELDS = [{1}]\n  static DATE_FIELDS = [{2}]\n  static CLASSES = ERRORS\n}}",
            m.name,
            typed.join(", "),
            dates.join(", ")
        );
    }
    o.push_str("\nconst MODELS = {\n");
    for m in MODELS {
        let _ = writeln!(o, "  {},", m.name);
    }
    o.push_str("}\n\n// ---------------------------------------------------------------------------------\n// Client\n\n");
    jsdoc(
        &mut o,
        "",
        "A client of the platform API. One client shares one connection pool; it is safe to make many calls on it at once. Settings not given fall back to the `OPEN_CONNECTORS_*` environment.",
    );
    o.push_str("class Client extends rt.ClientBase {\n  /** @param {import('./index').ClientOptions} [options] */\n  constructor(options) {\n    super(options, ERRORS, MODELS)\n  }\n\n  /** A client of one instance (its token, or the Instance): calls to the connected service on this client's connections. */\n  forInstance(tokenOrInstance) {\n    return new InstanceClient(this._forInstance(tokenOrInstance))\n  }\n");
    let org: Vec<&Operation> = OPERATIONS
        .iter()
        .filter(|op| !instance_scoped(op))
        .collect();
    js_methods(&mut o, &org);
    o.push_str("}\n\n");
    jsdoc(
        &mut o,
        "",
        "A client of one instance (`client.forInstance(token)`): calls to the connected service through the instance's hub, authorized by its token, on the client's connections and settings.",
    );
    o.push_str("class InstanceClient extends rt.ClientBase {\n  constructor(handle) {\n    super(handle, ERRORS, MODELS)\n  }\n");
    let inst: Vec<&Operation> = OPERATIONS.iter().filter(|op| instance_scoped(op)).collect();
    js_methods(&mut o, &inst);
    o.push_str("}\n\n");
    o.push_str("/** Every operation: its method, positional arguments and options (for tools and the shared case runner). */\nconst OPERATIONS = {\n");
    for op in OPERATIONS {
        let pos: Vec<String> = positional(op)
            .iter()
            .map(|p| format!("'{}'", camel_case(p.name)))
            .collect();
        let kw: Vec<String> = keyword(op)
            .iter()
            .map(|p| format!("'{}'", camel_case(p.name)))
            .collect();
        let _ = writeln!(
            o,
            "  {}: {{ method: '{}', positional: [{}], options: [{}], result: {}, kind: '{}', scope: '{}' }},",
            op.name,
            method_name(op),
            pos.join(", "),
            kw.join(", "),
            match op.result {
                ResultKind::Model(m) | ResultKind::Models(m) => format!("'{}'", m.name),
                ResultKind::Text(_)
                | ResultKind::Json
                | ResultKind::Response
                | ResultKind::Nothing => "null".to_owned(),
            },
            crate::python::result_kind(op),
            crate::python::scope(op)
        );
    }
    o.push_str("}\n\n");
    jsdoc(
        &mut o,
        "",
        "Reads the provider's OAuth redirect to your callback URL (the whole URL, a request target such as `req.url` (`/callback?code=...`), or the query string): its `code` and `state`. `options.expectedState` is the state you sent: a different or missing one is refused (CSRF), error redirects included; pass it always, without it no state is checked. The provider's `error=...` throws an `OAuthDeniedError`.",
    );
    o.push_str("function parseOAuthCallback(url, options) {\n  return rt.parseOAuthCallback(url, options, ERRORS, MODELS)\n}\n\n");
    jsdoc(
        &mut o,
        "",
        "Checks a platform webhook (the raw body as received, the `Elements-Webhook-Signature` header, the instance's `event.notification.signature.key`) in constant time and returns the notification, parsed. A missing, malformed or wrong signature throws a `WebhookSignatureError`.",
    );
    o.push_str("function verifyWebhook(body, signature, key) {\n  return rt.verifyWebhook(body, signature, key, ERRORS)\n}\n\n");
    jsdoc(
        &mut o,
        "",
        "An OCNQL `where`: `ocnql('a = {} and b > {}', x, 5)` or the tagged template ocnql`a = ${x}`; each value becomes a literal that cannot change the query's structure.",
    );
    o.push_str(
        "function ocnql(template, ...values) {\n  return rt.ocnql(template, values, ERRORS)\n}\n\n",
    );
    jsdoc(
        &mut o,
        "",
        "A field name for an OCNQL query, in backticks when it is not a plain identifier (`address.city`).",
    );
    o.push_str("function ocnqlField(name) {\n  return rt.ocnqlField(name, ERRORS)\n}\n\nmodule.exports = {\n  Client,\n  InstanceClient,\n  Response: rt.Response,\n  Pager: rt.Pager,\n  Page: rt.Page,\n  parseOAuthCallback,\n  verifyWebhook,\n  ocnql,\n  ocnqlField,\n");
    for m in MODELS {
        let _ = writeln!(o, "  {},", m.name);
    }
    for c in ERROR_CLASSES {
        let _ = writeln!(o, "  {},", c.name);
    }
    o.push_str("  OPERATIONS,\n  VERSION,\n  CORE_VERSION: rt.native.coreVersion(),\n}\n");
    o
}

fn param_ts(ty: ParamType) -> String {
    match ty {
        ParamType::ElementRef => "string | number".to_owned(),
        ParamType::Id => "number".to_owned(),
        ParamType::Text => "string".to_owned(),
        ParamType::TextList => "string[]".to_owned(),
        ParamType::Object => "JsonObject".to_owned(),
        ParamType::OneOf(words) => words
            .iter()
            .map(|w| format!("'{w}'"))
            .collect::<Vec<_>>()
            .join(" | "),
        ParamType::Bool => "boolean".to_owned(),
        ParamType::PageSize(_) => "number".to_owned(),
        ParamType::Path => "string".to_owned(),
        ParamType::Json => "unknown".to_owned(),
        ParamType::Headers => "Record<string, string>".to_owned(),
    }
}

fn setting_ts(ty: SettingType) -> &'static str {
    match ty {
        SettingType::Text | SettingType::Secret => "string",
        SettingType::Region => "Region",
        SettingType::Duration | SettingType::Retries | SettingType::Bytes => "number",
        SettingType::Bool => "boolean",
        SettingType::Headers => "Record<string, string>",
    }
}

fn setting_doc(s: &open_connectors::Setting) -> String {
    let mut d = s.doc.to_owned();
    if s.ty == SettingType::Duration {
        d.push_str(" In milliseconds.");
    }
    if let Some(env) = s.env {
        d.push_str(&format!(" Else `{env}`."));
    }
    d
}

fn field_ts(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Int => "number",
        FieldType::Text | FieldType::Secret => "string",
        FieldType::Bool => "boolean",
        FieldType::Date => "Date",
        FieldType::TextList => "string[]",
        FieldType::Object => "JsonObject",
        FieldType::List => "JsonValue[]",
    }
}

fn attr_ts(ty: AttrType) -> &'static str {
    match ty {
        AttrType::Text => "string",
        AttrType::Int => "number",
        AttrType::OptText => "string | null",
        AttrType::OptInt | AttrType::OptDuration => "number | null",
        AttrType::RequestSent => "'no' | 'maybe'",
    }
}

fn model_dts(o: &mut String, m: &Model) {
    o.push('\n');
    jsdoc(
        o,
        "",
        &format!(
            "{} Fields the SDK does not know are kept as own properties too; `util.inspect` hides secrets; `toJSON()` returns the whole JSON as received.",
            m.doc
        ),
    );
    let _ = writeln!(o, "export declare class {} {{", m.name);
    let _ = writeln!(
        o,
        "  /** Checks and wraps the JSON object the platform sent (e.g. one saved with `toJSON()`). */\n  constructor(json: JsonObject)\n  /** The same as `new {0}(json)`. */\n  static fromJSON(json: JsonObject): {0}",
        m.name
    );
    for f in m.fields {
        let ty = field_ts(f.ty);
        let ty = if f.optional {
            format!("{ty} | null")
        } else {
            ty.to_owned()
        };
        jsdoc(o, "  ", f.doc);
        let _ = writeln!(o, "  {}: {ty}", camel_case(f.name));
    }
    o.push_str("  /** Any other field the platform sent. */\n  [key: string]: unknown\n  /** The whole JSON object as received (a copy). */\n  toJSON(): JsonObject\n}\n");
}

fn index_dts() -> String {
    let mut o = banner("//");
    o.push_str("// Type declarations of the `open-connectors` npm module.\n\n");
    o.push_str("/** Any JSON value. */\nexport type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }\n/** A JSON object. */\nexport type JsonObject = { [key: string]: JsonValue }\n\n");
    o.push_str("/** A region preset: a data centre of the platform whose host the platform documents. */\nexport type Region =\n");
    for r in open_connectors::Region::ALL {
        let _ = writeln!(o, "  | '{}'", r.name());
    }
    o.push_str(
        "  | (string & {})\n\n/** The stable code of every error. */\nexport type ErrorCode =\n",
    );
    for c in open_connectors::ErrorCode::ALL {
        let _ = writeln!(o, "  | '{}'", c.as_str());
    }
    o.push_str("\n/** Settings of a {@link Client}. Missing ones fall back to the environment. */\nexport interface ClientOptions {\n");
    for s in SETTINGS {
        jsdoc(&mut o, "  ", &setting_doc(s));
        let _ = writeln!(o, "  {}?: {} | null", camel_case(s.name), setting_ts(s.ty));
    }
    o.push_str("  /**\n   * Where the client's log events go (request, retry, give-up; secrets never appear):\n   * a console-like object. `OPEN_CONNECTORS_LOG=debug|info|warn` sets the level (default\n   * `info`) and, without a logger, logs to `console`.\n   */\n  logger?: Logger | null\n");
    o.push_str("}\n\n/** A console-like logger: `console`, pino, winston... */\nexport interface Logger {\n  debug?(message: string, fields: Record<string, unknown>): void\n  info?(message: string, fields: Record<string, unknown>): void\n  warn?(message: string, fields: Record<string, unknown>): void\n  error?(message: string, fields: Record<string, unknown>): void\n  log?(message: string, fields: Record<string, unknown>): void\n}\n\n/** Options of one call, replacing the client's for that call. */\nexport interface RequestOptions {\n");
    for s in CALL_OPTIONS {
        jsdoc(&mut o, "  ", &setting_doc(s));
        let _ = writeln!(o, "  {}?: {} | null", camel_case(s.name), setting_ts(s.ty));
    }
    o.push_str("}\n");
    for op in OPERATIONS {
        let kw = keyword(op);
        if kw.is_empty() {
            continue;
        }
        let _ = write!(
            o,
            "\n/** The options of {{@link {}.{}}}. */\nexport interface {} {{\n",
            if instance_scoped(op) {
                "InstanceClient"
            } else {
                "Client"
            },
            method_name(op),
            options_type(op)
        );
        for p in kw {
            jsdoc(&mut o, "  ", p.doc);
            let opt = if p.required { "" } else { "?" };
            let null = if p.required { "" } else { " | null" };
            let _ = writeln!(o, "  {}{opt}: {}{null}", camel_case(p.name), param_ts(p.ty));
        }
        o.push_str("}\n");
    }
    for m in MODELS {
        model_dts(&mut o, m);
    }
    o.push('\n');
    jsdoc(
        &mut o,
        "",
        "A client of the platform API. One client shares one connection pool; it is safe to make many calls on it at once.",
    );
    o.push_str("export declare class Client {\n  constructor(options?: ClientOptions)\n  /** A client of one instance (its token, or the Instance): calls to the connected service on this client's connections. */\n  forInstance(tokenOrInstance: string | Instance): InstanceClient\n  /** The request `operation` would send with `args`, as a `curl` command line, sending nothing (secrets as placeholders unless `showSecrets`). */\n  toCurl(operation: string, args?: Record<string, unknown>, options?: RequestOptions & { showSecrets?: boolean }): string\n");
    let org: Vec<&Operation> = OPERATIONS
        .iter()
        .filter(|op| !instance_scoped(op))
        .collect();
    dts_methods(&mut o, &org);
    o.push_str("  /** The base URL in use. */\n  readonly baseUrl: string\n  /** The timeout of one attempt, in milliseconds. */\n  readonly timeout: number\n  /** Retries after the first attempt. */\n  readonly maxRetries: number\n  /** The user agent sent. */\n  readonly userAgent: string\n  /** The client's settings, without its secrets. */\n  toJSON(): { baseUrl: string; timeout: number; maxRetries: number }\n}\n");
    o.push('\n');
    jsdoc(
        &mut o,
        "",
        "A client of one instance (`client.forInstance(token)`): calls to the connected service through the instance's hub, authorized by its token, on the client's connections and settings.",
    );
    o.push_str("export declare class InstanceClient {\n  /** The request `operation` would send with `args`, as a `curl` command line, sending nothing (the token as a placeholder unless `showSecrets`). */\n  toCurl(operation: string, args?: Record<string, unknown>, options?: RequestOptions & { showSecrets?: boolean }): string\n");
    let inst: Vec<&Operation> = OPERATIONS.iter().filter(|op| instance_scoped(op)).collect();
    dts_methods(&mut o, &inst);
    o.push_str("  /** The base URL the paths are relative to. */\n  readonly baseUrl: string\n}\n\n/** The whole answer of `InstanceClient.request` (2xx only: other statuses throw). */\nexport declare class Response {\n  /** The HTTP status. */\n  readonly status: number\n  /** The headers, names in lower case. */\n  readonly headers: Record<string, string>\n  /** `elements-request-id`. */\n  readonly requestId: string | null\n  /** `elements-next-page-token`: pass it as `cursor` for the next page. */\n  readonly nextCursor: string | null\n  /** `elements-total-count`, when the platform sends it. */\n  readonly totalCount: number | null\n  /** The body as text. */\n  readonly text: string\n  /** The body as JSON; an empty body is null. */\n  json(): any\n  /** status, requestId, nextCursor, totalCount, headers and the body (JSON, else text). */\n  toJSON(): { status: number; requestId: string | null; nextCursor: string | null; totalCount: number | null; headers: Record<string, string>; body: unknown }\n}\n");
    for c in ERROR_CLASSES {
        o.push('\n');
        jsdoc(&mut o, "", c.doc);
        let parent = c.parent.unwrap_or("Error");
        let _ = writeln!(o, "export declare class {} extends {parent} {{", c.name);
        if c.parent.is_none() {
            o.push_str("  constructor(message?: string, payload?: Record<string, unknown>)\n");
        }
        let codes: Vec<String> = ERROR_CLASSES
            .iter()
            .filter(|d| is_within(d, c.name))
            .flat_map(|d| d.codes.iter().map(|code| format!("'{}'", code.as_str())))
            .collect();
        if c.parent.is_none() {
            o.push_str("  /** The core's stable error code. */\n  readonly code: ErrorCode | (string & {})\n");
        } else if !codes.is_empty() {
            let _ = writeln!(o, "  readonly code: {}", codes.join(" | "));
        }
        for a in c.attrs.iter().filter(|a| a.name != "code") {
            jsdoc(&mut o, "  ", a.doc);
            let _ = writeln!(o, "  readonly {}: {}", camel_case(a.name), attr_ts(a.ty));
        }
        if c.parent.is_none() {
            o.push_str("  /** The error's fields (never a secret). */\n  toJSON(): Record<string, unknown>\n");
        }
        o.push_str("}\n");
    }
    o.push_str("\n/** One page of a listing. */\nexport declare class Page<T> {\n  /** The items of this page. */\n  readonly items: T[]\n  /** Where the next page starts (pass it as `cursor` to resume later); null on the last page. */\n  readonly nextCursor: string | null\n  /** How many items the whole listing has, when the platform says. */\n  readonly totalCount: number | null\n}\n\n/**\n * A listing, fetched page by page as it is iterated (`for await (const item of pager)`). It stops on\n * an empty page or a page without a next-page token, and throws on a token that repeats. Each page\n * is a GET, retried as any safe call; a page that still fails throws, and the items already yielded\n * stay yielded. Iterating again starts the listing over.\n */\nexport declare class Pager<T> implements AsyncIterable<T> {\n  [Symbol.asyncIterator](): AsyncIterator<T>\n  /** The pages, one at a time. */\n  pages(): AsyncIterable<Page<T>>\n  /** Every item (at most `limit`), in one array. */\n  toArray(options?: { limit?: number }): Promise<T[]>\n}\n\n/**\n * Reads the provider's OAuth redirect to your callback URL (the whole URL, a request target such\n * as `req.url` (`/callback?code=...`), or the query string): its `code` and `state`.\n * `options.expectedState` is the state you sent: a different or missing one throws an\n * `InvalidInputError` (CSRF), error redirects included; pass it always, without it no state is\n * checked. The provider's `error=...` throws an `OAuthDeniedError`.\n */\nexport declare function parseOAuthCallback(url: string, options?: { expectedState?: string }): OAuthCallback\n\n/**\n * Checks a platform webhook in constant time over the raw body (a Buffer, Uint8Array or string, exactly\n * as received), with the `Elements-Webhook-Signature` header and the instance's\n * `event.notification.signature.key`, and returns the notification, parsed. A missing, malformed or\n * wrong signature throws a `WebhookSignatureError` (code `webhook_signature`).\n */\nexport declare function verifyWebhook(body: Buffer | Uint8Array | string, signature: string | null | undefined, key: Buffer | Uint8Array | string): any\n\n/** A value OCNQL takes as a literal: text, numbers, booleans, Dates, or an array of them for IN. */\nexport type OcnqlValue = string | number | boolean | Date | Array<string | number | boolean | Date>\n\n/**\n * An OCNQL `where`: `ocnql(\'lastName = {} and score > {}\', name, 50)`, or the tagged template\n * ocnql`lastName = ${name}`. Text is single-quoted and refused when it holds a quote, a backslash or a\n * control character (the platform documents no escape); Dates become ISO 8601 text; arrays `(a, b)`.\n */\nexport declare function ocnql(template: string | TemplateStringsArray, ...values: OcnqlValue[]): string\n/** A field name for an OCNQL query, in backticks when it is not a plain identifier (`address.city`). */\nexport declare function ocnqlField(name: string): string\n\n/** Every operation of the core's table: method, positional arguments, options, result model. */\nexport declare const OPERATIONS: Record<string, { method: string; positional: string[]; options: string[]; result: string | null; kind: 'model' | 'models' | 'text' | 'pager' | 'nothing' }>\n/** The version of this package. */\nexport declare const VERSION: string\n/** The version of the Rust core inside. */\nexport declare const CORE_VERSION: string\n");
    o
}

/// Whether class `c` is `ancestor` or derives from it.
fn is_within(c: &ErrorClass, ancestor: &str) -> bool {
    let mut cur = Some(c);
    while let Some(k) = cur {
        if k.name == ancestor {
            return true;
        }
        cur = k.parent.and_then(ErrorClass::named);
    }
    false
}

fn exported() -> Vec<&'static str> {
    let mut names = vec![
        "Client",
        "InstanceClient",
        "Response",
        "Pager",
        "Page",
        "parseOAuthCallback",
        "verifyWebhook",
        "ocnql",
        "ocnqlField",
    ];
    names.extend(MODELS.iter().map(|m| m.name));
    names.extend(ERROR_CLASSES.iter().map(|c| c.name));
    names.extend(["OPERATIONS", "VERSION", "CORE_VERSION"]);
    names
}

fn index_mjs() -> String {
    let mut o = banner("//");
    o.push_str("// ES module entry of `open-connectors`: the same classes as the CommonJS entry\n// (`index.js`), so `instanceof` agrees whichever way a program loads the module.\nimport cjs from './index.js'\n\nexport const {\n");
    for n in exported() {
        let _ = writeln!(o, "  {n},");
    }
    o.push_str("} = cjs\n\nexport default cjs\n");
    o
}

fn index_dmts() -> String {
    let mut o = banner("//");
    o.push_str("// Type declarations of the ES module entry (index.mjs): the same API as index.d.ts.\nimport * as openConnectors from './index.js'\n\nexport * from './index.js'\nexport default openConnectors\n");
    o
}
