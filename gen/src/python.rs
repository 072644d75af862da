//! The Python package's generated modules: `_exceptions.py`, `_models.py`,
//! `_client.py` and `__init__.py` (under bindings-python/python/open_connectors/).

use std::fmt::Write as _;

use open_connectors::model::{FieldType, MODELS, Model};
use open_connectors::ops::{OPERATIONS, Operation, ParamType, ResultKind};
use open_connectors::{AttrType, ErrorAttr, ErrorClass};
use open_connectors::{CALL_OPTIONS, ERROR_CLASSES, SETTINGS, SettingType};

use crate::{banner, doc_lines};

const DIR: &str = "bindings-python/python/open_connectors";

pub fn files() -> Vec<(&'static str, String)> {
    vec![
        (leak(format!("{DIR}/_exceptions.py")), exceptions()),
        (leak(format!("{DIR}/_models.py")), models()),
        (leak(format!("{DIR}/_client.py")), client()),
        (leak(format!("{DIR}/__init__.py")), init()),
    ]
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Markdown-ish table doc text as a Python docstring body (RST-friendly backticks).
fn py_doc(text: &str) -> String {
    text.replace('`', "``")
}

fn docstring(out: &mut String, indent: &str, text: &str) {
    let lines = doc_lines(&py_doc(text), indent, 88);
    if lines.len() == 1 && lines[0].len() + 6 <= 88 {
        let _ = writeln!(out, "{indent}\"\"\"{}\"\"\"", lines[0].trim_start());
        return;
    }
    let _ = writeln!(out, "{indent}\"\"\"");
    for l in lines {
        let _ = writeln!(out, "{l}");
    }
    let _ = writeln!(out, "{indent}\"\"\"");
}

fn attr_type(ty: AttrType) -> &'static str {
    match ty {
        AttrType::Text => "str",
        AttrType::Int => "int",
        AttrType::OptText => "Optional[str]",
        AttrType::OptInt => "Optional[int]",
        AttrType::OptDuration => "Optional[float]",
        AttrType::RequestSent => "Literal[\"no\", \"maybe\"]",
    }
}

fn attr_default(ty: AttrType) -> &'static str {
    match ty {
        AttrType::Text => "\"\"",
        AttrType::Int => "0",
        AttrType::RequestSent => "\"maybe\"",
        AttrType::OptText | AttrType::OptInt | AttrType::OptDuration => "None",
    }
}

fn tree(out: &mut String, parent: Option<&str>, depth: usize) {
    for c in ERROR_CLASSES.iter().filter(|c| c.parent == parent) {
        let extra = if c.python_bases.is_empty() {
            String::new()
        } else {
            format!(" (also a {})", c.python_bases.join(", "))
        };
        let _ = writeln!(
            out,
            "    {}{}{extra}: ``{}``",
            "    ".repeat(depth),
            c.name,
            c.default_code
        );
        tree(out, Some(c.name), depth + 1);
    }
}

fn exceptions() -> String {
    let mut o = banner("#");
    o.push_str(
        "\"\"\"The exceptions of open_connectors: one tree, rooted at OpenConnectorsError.\n\n",
    );
    o.push_str(
        "Every exception carries ``code``, the core's stable, language-neutral error code. The\n\
         SDK raises them from its native core; they are ordinary Python classes, so they\n\
         pickle (with every attribute) and can be raised by your own code or tests too. No\n\
         message or attribute holds a secret. The tree, with each class's code::\n\n",
    );
    tree(&mut o, None, 0);
    o.push_str("\"\"\"\n\nfrom __future__ import annotations\n\nfrom typing import Literal, Optional\n\n__all__ = [\n");
    for c in ERROR_CLASSES {
        let _ = writeln!(o, "    \"{}\",", c.name);
    }
    o.push_str("]\n");
    for c in ERROR_CLASSES {
        let mut bases: Vec<&str> = vec![c.parent.unwrap_or("Exception")];
        bases.extend(c.python_bases);
        let _ = write!(o, "\n\nclass {}({}):\n", c.name, bases.join(", "));
        docstring(&mut o, "    ", c.doc);
        o.push('\n');
        if c.parent.is_none() {
            o.push_str("    #: The code an exception of this class has when none is given.\n");
        }
        let _ = writeln!(o, "    default_code = \"{}\"", c.default_code);
        if !c.attrs.is_empty() {
            o.push('\n');
        }
        for a in c.attrs {
            let _ = writeln!(o, "    #: {}", py_doc(a.doc));
            let _ = writeln!(o, "    {}: {}", a.name, attr_type(a.ty));
        }
        let all = c.all_attrs();
        let rest: Vec<&ErrorAttr> = all.iter().filter(|a| a.name != "code").collect();
        if c.attrs.is_empty() && c.parent.is_some() {
            continue;
        }
        o.push_str("\n    def __init__(\n        self,\n        text: str = \"\",\n        /,\n        *,\n        code: Optional[str] = None,\n");
        for a in &rest {
            let _ = writeln!(
                o,
                "        {}: {} = {},",
                a.name,
                attr_type(a.ty),
                attr_default(a.ty)
            );
        }
        o.push_str("    ) -> None:\n");
        match c.parent {
            None => {
                o.push_str("        super().__init__(text)\n");
                o.push_str(
                    "        self.code = code if code is not None else type(self).default_code\n",
                );
            }
            Some(parent) => {
                let parent_attrs: Vec<String> = ErrorClass::named(parent)
                    .map(|p| p.all_attrs())
                    .unwrap_or_default()
                    .iter()
                    .filter(|a| a.name != "code")
                    .map(|a| format!("{0}={0}", a.name))
                    .collect();
                let mut args = vec!["text".to_owned(), "code=code".to_owned()];
                args.extend(parent_attrs);
                let _ = writeln!(o, "        super().__init__({})", args.join(", "));
                for a in c.attrs {
                    let _ = writeln!(o, "        self.{0} = {0}", a.name);
                }
            }
        }
    }
    o.push_str(
        "\n\n# Shown (and pickled) as open_connectors.<Name>, where users import them from.\n\
         for _name in __all__:\n    globals()[_name].__module__ = \"open_connectors\"\ndel _name\n",
    );
    o
}

fn field_type(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Int => "int",
        FieldType::Text | FieldType::Secret => "str",
        FieldType::Bool => "bool",
        FieldType::Date => "datetime.datetime",
        FieldType::TextList => "List[str]",
        FieldType::Object => "Dict[str, Any]",
        FieldType::List => "List[Any]",
    }
}

fn tuple(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().map(|s| format!("\"{s}\"")).collect();
    match items.len() {
        1 => format!("({},)", items[0]),
        n if n <= 4 => format!("({})", items.join(", ")),
        _ => {
            let mut out = "(\n".to_owned();
            for i in items {
                out.push_str(&format!("        {i},\n"));
            }
            out.push_str("    )");
            out
        }
    }
}

fn model_class(o: &mut String, m: &Model) {
    let _ = write!(o, "\n\nclass {}(_base.Model):\n", m.name);
    docstring(
        o,
        "    ",
        &format!(
            "{} Build one from the JSON it came from with `{}.from_dict(d)` (or `{}(d)`); `to_dict()` returns that JSON exactly, unknown fields included, and instances pickle.",
            m.doc, m.name, m.name
        ),
    );
    o.push_str("\n    __slots__ = ()\n");
    let _ = writeln!(o, "    _MODEL: ClassVar[str] = \"{}\"", m.name);
    let _ = writeln!(
        o,
        "    _WIRE: ClassVar[Tuple[str, ...]] = {}",
        tuple(m.top_level_keys().into_iter().map(str::to_owned))
    );
    let _ = writeln!(
        o,
        "    _REPR: ClassVar[Tuple[str, ...]] = {}",
        tuple(m.repr.iter().map(|s| (*s).to_owned()))
    );
    let _ = writeln!(
        o,
        "    _SECRET: ClassVar[Tuple[str, ...]] = {}",
        tuple(
            m.fields
                .iter()
                .filter(|f| f.ty == FieldType::Secret)
                .map(|f| f.name.to_owned())
        )
    );
    for f in m.fields {
        let ty = field_type(f.ty);
        let ty = if f.optional {
            format!("Optional[{ty}]")
        } else {
            ty.to_owned()
        };
        let _ = write!(o, "\n    @property\n    def {}(self) -> {ty}:\n", f.name);
        docstring(o, "        ", f.doc);
        if f.from_raw() {
            let empty = match (f.optional, f.ty) {
                (true, _) => "None",
                (false, FieldType::List) => "[]",
                (false, _) => "{}",
            };
            let _ = writeln!(
                o,
                "        return cast(\"{ty}\", self._raw_field(\"{}\", {empty}))",
                f.wire.unwrap_or(f.name)
            );
        } else if f.ty == FieldType::Date {
            let _ = writeln!(
                o,
                "        return _base.to_datetime(self._fields[\"{}\"])",
                f.name
            );
        } else {
            // An annotated local, not `typing.cast`: the same check for mypy, without a
            // function call on every read.
            let _ = writeln!(
                o,
                "        value: {ty} = self._fields[\"{}\"]\n        return value",
                f.name
            );
        }
    }
}

fn models() -> String {
    let mut o = banner("#");
    o.push_str(
        "\"\"\"The model classes: typed, read-only views of what the platform answered.\"\"\"\n\n",
    );
    o.push_str("from __future__ import annotations\n\nimport datetime\nfrom typing import Any, ClassVar, Dict, List, Optional, Tuple, cast\n\nfrom . import _base\n\n__all__ = [");
    let names: Vec<String> = MODELS.iter().map(|m| format!("\"{}\"", m.name)).collect();
    o.push_str(&names.join(", "));
    o.push_str("]\n");
    for m in MODELS {
        model_class(&mut o, m);
    }
    o
}

fn param_type(ty: ParamType) -> String {
    match ty {
        ParamType::ElementRef => "Union[str, int]".to_owned(),
        ParamType::Id => "int".to_owned(),
        ParamType::Text => "str".to_owned(),
        ParamType::TextList => "Sequence[str]".to_owned(),
        ParamType::Object => "Mapping[str, Any]".to_owned(),
        ParamType::OneOf(words) => {
            let w: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
            format!("Literal[{}]", w.join(", "))
        }
        ParamType::Bool => "bool".to_owned(),
        ParamType::PageSize(_) => "int".to_owned(),
        ParamType::Path => "str".to_owned(),
        ParamType::Json => "Any".to_owned(),
        ParamType::Headers => "Mapping[str, str]".to_owned(),
    }
}

fn setting_type(ty: SettingType) -> &'static str {
    match ty {
        SettingType::Text | SettingType::Secret | SettingType::Region => "str",
        SettingType::Duration => "float",
        SettingType::Retries | SettingType::Bytes => "int",
        SettingType::Bool => "bool",
        SettingType::Headers => "Mapping[str, str]",
    }
}

fn setting_doc(s: &open_connectors::Setting) -> String {
    let mut d = s.doc.to_owned();
    if s.ty == SettingType::Duration {
        d.push_str(" In seconds.");
    }
    if let Some(env) = s.env {
        d.push_str(&format!(" Else `{env}`."));
    }
    d
}

fn result_type(op: &Operation, asynchronous: bool) -> String {
    match op.result {
        ResultKind::Model(m) if op.pagination.is_some() => {
            let pager = if asynchronous {
                "AsyncPager"
            } else {
                "SyncPager"
            };
            format!("_base.{pager}[{}]", m.name)
        }
        ResultKind::Json if op.pagination.is_some() => {
            let pager = if asynchronous {
                "AsyncPager"
            } else {
                "SyncPager"
            };
            format!("_base.{pager}[Any]")
        }
        ResultKind::Model(m) => m.name.to_owned(),
        ResultKind::Models(m) => format!("List[{}]", m.name),
        ResultKind::Text(_) => "str".to_owned(),
        ResultKind::Json => "Any".to_owned(),
        ResultKind::Response => "_base.Response".to_owned(),
        ResultKind::Nothing => "None".to_owned(),
    }
}

/// What the shared case runner and tools read of a result: `model`, `models`,
/// `text`, `json`, `response`, `pager` or `nothing`.
pub fn result_kind(op: &Operation) -> &'static str {
    match op.result {
        ResultKind::Model(_) | ResultKind::Json if op.pagination.is_some() => "pager",
        ResultKind::Model(_) => "model",
        ResultKind::Models(_) => "models",
        ResultKind::Text(_) => "text",
        ResultKind::Json => "json",
        ResultKind::Response => "response",
        ResultKind::Nothing => "nothing",
    }
}

/// Whose client an operation is a method of: `organization` (the client) or
/// `instance` (the handle of `for_instance`).
pub fn scope(op: &Operation) -> &'static str {
    match op.auth {
        open_connectors::ops::AuthScope::Organization => "organization",
        open_connectors::ops::AuthScope::Instance => "instance",
    }
}

fn result_model(op: &Operation) -> Option<&'static str> {
    match op.result {
        ResultKind::Model(m) | ResultKind::Models(m) => Some(m.name),
        ResultKind::Text(_) | ResultKind::Json | ResultKind::Response | ResultKind::Nothing => None,
    }
}

fn method(o: &mut String, op: &Operation, asynchronous: bool) {
    let mut sig = vec!["self".to_owned()];
    let mut star = false;
    for p in op.params {
        let ty = param_type(p.ty);
        if p.positional {
            sig.push(format!("{}: {ty}", p.name));
        } else {
            if !star {
                sig.push("*".to_owned());
                star = true;
            }
            sig.push(format!("{}: Optional[{ty}] = None", p.name));
        }
    }
    if !star {
        sig.push("*".to_owned());
    }
    for s in CALL_OPTIONS {
        sig.push(format!(
            "{}: Optional[{}] = None",
            s.name,
            setting_type(s.ty)
        ));
    }
    let paged = op.pagination.is_some();
    // A pager is returned at once (it is iterated, `for` or `async for`); the arguments
    // are checked then, and nothing is sent until the first page is asked for.
    let def = if asynchronous && !paged {
        "async def"
    } else {
        "def"
    };
    let _ = writeln!(o, "\n    {def} {}(", op.name);
    for a in &sig {
        let _ = writeln!(o, "        {a},");
    }
    let _ = writeln!(o, "    ) -> {}:", result_type(op, asynchronous));
    let mut doc = format!("{}\n\n", py_doc(op.summary));
    for l in doc_lines(&py_doc(op.doc), "", 80) {
        doc.push_str(&l);
        doc.push('\n');
    }
    doc.push_str("\nArgs:\n");
    for p in op.params {
        for (i, l) in doc_lines(&py_doc(p.doc), "", 72).iter().enumerate() {
            if i == 0 {
                let _ = writeln!(doc, "    {}: {l}", p.name);
            } else {
                let _ = writeln!(doc, "        {l}");
            }
        }
    }
    for s in CALL_OPTIONS {
        let mut d = py_doc(s.doc);
        if s.ty == SettingType::Duration {
            d.push_str(" In seconds.");
        }
        let _ = writeln!(doc, "    {}: {d}", s.name);
    }
    let _ = writeln!(o, "        \"\"\"{}", doc.lines().next().unwrap_or(""));
    for l in doc.lines().skip(1) {
        if l.is_empty() {
            o.push('\n');
        } else {
            let _ = writeln!(o, "        {l}");
        }
    }
    o.push_str("        \"\"\"\n");
    // The per-call options, only when one is given (the usual call pays nothing).
    let given: Vec<String> = CALL_OPTIONS
        .iter()
        .map(|s| format!("{} is not None", s.name))
        .collect();
    let names: Vec<&str> = CALL_OPTIONS.iter().map(|s| s.name).collect();
    let _ = writeln!(
        o,
        "        options = None\n        if {}:\n            options = _base.call_options({})",
        given.join(" or "),
        names.join(", ")
    );
    let item_model = match op.result {
        ResultKind::Model(m) => Some(m.name),
        _ => None,
    };
    if paged {
        let pager = if asynchronous {
            "AsyncPager"
        } else {
            "SyncPager"
        };
        let _ = writeln!(
            o,
            "        return _base.{pager}(\n            self._native,\n            \"{}\",\n            {{",
            op.name
        );
        for p in op.params {
            let _ = writeln!(o, "                \"{0}\": {0},", p.name);
        }
        let _ = writeln!(
            o,
            "            }},\n            options,\n            {},\n        )",
            item_model.unwrap_or("None")
        );
        return;
    }
    let native = if asynchronous {
        "await self._native.call_async"
    } else {
        "self._native.call"
    };
    let target = match op.result {
        ResultKind::Nothing => "",
        _ => "native = ",
    };
    // The call's log records are emitted here, in Python, whatever the outcome:
    // `logging` must not run beneath a Rust frame (see `_base.emit_logs`).
    let _ = writeln!(
        o,
        "        try:\n            {target}{native}(\n                \"{}\",\n                {{",
        op.name
    );
    for p in op.params {
        let _ = writeln!(o, "                    \"{0}\": {0},", p.name);
    }
    o.push_str(
        "                },\n                options,\n            )\n        finally:\n            _base.emit_logs()\n",
    );
    match op.result {
        ResultKind::Model(m) => {
            let _ = writeln!(o, "        return {}._from_native(native)", m.name);
        }
        ResultKind::Models(m) => {
            let _ = writeln!(
                o,
                "        return [{}._from_native(n) for n in native]",
                m.name
            );
        }
        ResultKind::Text(_) => o.push_str("        return str(native)\n"),
        ResultKind::Json => o.push_str("        return native\n"),
        ResultKind::Response => o.push_str("        return _base.Response._from_native(native)\n"),
        ResultKind::Nothing => {}
    }
}

fn constructor(o: &mut String) {
    o.push_str("\n    def __init__(\n        self,\n        *,\n");
    for s in SETTINGS {
        let _ = writeln!(
            o,
            "        {}: Optional[{}] = None,",
            s.name,
            setting_type(s.ty)
        );
    }
    o.push_str("    ) -> None:\n        \"\"\"Checks the settings (the core's one parser) and builds the client.\n\n        Args:\n");
    for s in SETTINGS {
        let d = setting_doc(s);
        for (i, l) in doc_lines(&py_doc(&d), "", 72).iter().enumerate() {
            if i == 0 {
                let _ = writeln!(o, "            {}: {l}", s.name);
            } else {
                let _ = writeln!(o, "                {l}");
            }
        }
    }
    o.push_str("        \"\"\"\n        super().__init__(\n");
    for s in SETTINGS {
        let _ = writeln!(o, "            {0}={0},", s.name);
    }
    o.push_str("        )\n");
}

fn client() -> String {
    let mut o = banner("#");
    o.push_str("\"\"\"``Client`` (blocking) and ``AsyncClient`` (asyncio): one method per operation of the\ncore's table, each a call of the generic native client.\"\"\"\n\n");
    o.push_str("from __future__ import annotations\n\nfrom typing import Any, Dict, List, Literal, Mapping, Optional, Sequence, Union\n\nfrom . import _base\n");
    let models: Vec<&str> = MODELS.iter().map(|m| m.name).collect();
    let _ = writeln!(o, "from ._models import {}", models.join(", "));
    o.push_str("\n__all__ = [\"Client\", \"AsyncClient\", \"InstanceClient\", \"AsyncInstanceClient\", \"OPERATIONS\"]\n\n");
    o.push_str("#: Every operation: its Python method, positional and keyword parameters, result\n#: model and routes (for tools and the shared case runner).\nOPERATIONS: Dict[str, Dict[str, Any]] = {\n");
    for op in OPERATIONS {
        let pos: Vec<String> = op
            .params
            .iter()
            .filter(|p| p.positional)
            .map(|p| format!("\"{}\"", p.name))
            .collect();
        let kw: Vec<String> = op
            .params
            .iter()
            .filter(|p| !p.positional)
            .map(|p| format!("\"{}\"", p.name))
            .collect();
        let routes: Vec<String> = op.routes.iter().map(|r| format!("\"{r}\"")).collect();
        let _ = writeln!(
            o,
            "    \"{}\": {{\n        \"method\": \"{}\",\n        \"routes\": [{}],\n        \"positional\": [{}],\n        \"keyword\": [{}],\n        \"result\": {},\n        \"kind\": \"{}\",\n        \"scope\": \"{}\",\n    }},",
            op.name,
            op.method,
            routes.join(", "),
            pos.join(", "),
            kw.join(", "),
            match result_model(op) {
                Some(m) => format!("\"{m}\""),
                None => "None".to_owned(),
            },
            result_kind(op),
            scope(op)
        );
    }
    o.push_str("}\n");
    for (class, base, asynchronous, doc) in [
        (
            "Client",
            "_base.SyncClient",
            false,
            "A blocking client of the Open Connectors platform API. Safe to share across threads; every call releases the GIL while it waits. Settings not given fall back to the `OPEN_CONNECTORS_*` environment.",
        ),
        (
            "AsyncClient",
            "_base.AsyncClient",
            true,
            "An asyncio client of the Open Connectors platform API. Its methods are coroutine functions: nothing is sent before the coroutine is awaited, and the event loop is never blocked.",
        ),
    ] {
        let _ = write!(o, "\n\nclass {class}({base}):\n");
        docstring(&mut o, "    ", doc);
        o.push_str("\n    __slots__ = ()\n");
        constructor(&mut o);
        let instance_class = if asynchronous {
            "AsyncInstanceClient"
        } else {
            "InstanceClient"
        };
        let _ = write!(
            o,
            "\n    def for_instance(self, token_or_instance: Union[str, Instance]) -> {instance_class}:\n        \"\"\"A client of one instance: its calls (``request``, ``get``, ``post``, ``paginate``...)\n        carry the instance's token, on this client's connections and settings.\n\n        Args:\n            token_or_instance: The instance's ``token``, or the Instance itself.\n        \"\"\"\n        return {instance_class}(self._native.for_instance(_base.token_of(token_or_instance)))\n"
        );
        for op in OPERATIONS.iter().filter(|op| scope(op) == "organization") {
            method(&mut o, op, asynchronous);
        }
    }
    for (class, asynchronous, doc) in [
        (
            "InstanceClient",
            false,
            "A client of one instance (``client.for_instance(token)``): calls to the connected service through the instance's hub, authorized by its token. Shares the client's connections, settings and closing.",
        ),
        (
            "AsyncInstanceClient",
            true,
            "The asyncio client of one instance (``async_client.for_instance(token)``): its methods are coroutine functions; ``paginate`` returns an async iterable.",
        ),
    ] {
        let _ = write!(o, "\n\nclass {class}(_base.InstanceBase):\n");
        docstring(&mut o, "    ", doc);
        o.push_str("\n    __slots__ = ()\n");
        for op in OPERATIONS.iter().filter(|op| scope(op) == "instance") {
            method(&mut o, op, asynchronous);
        }
    }
    o
}

fn init() -> String {
    let mut o = banner("#");
    o.push_str(
        r#""""Client SDK for the SAP Open Connectors platform API (also sold as Cloud Elements).

A thin layer over the Rust core ``open-connectors``::

    import open_connectors as oc

    with oc.Client(region="us2", user_secret="...", organization_secret="...") as client:
        inst = client.create_instance(
            "insightly",
            name="Element Instance Name",
            tags=["Docs"],
            configuration={"username": "u", "password": "p"},
        )
        print(inst)  # Instance(id=..., name=..., element_key='insightly', token='[REDACTED]')
        again = client.get_instance(inst.id)
        client.delete_instance(inst.id)

Settings not given fall back to the environment: ``OPEN_CONNECTORS_BASE_URL`` (or
``OPEN_CONNECTORS_REGION``), ``OPEN_CONNECTORS_USER_SECRET`` and
``OPEN_CONNECTORS_ORGANIZATION_SECRET``. ``AsyncClient`` is the asyncio twin.
Logs go to the standard ``logging`` logger ``"open_connectors"``.
"""

"#,
    );
    o.push_str(
        "from ._base import AsyncPager, Page, Response, SyncPager, ocnql, ocnql_field, parse_oauth_callback, verify_webhook\nfrom ._client import OPERATIONS, AsyncClient, AsyncInstanceClient, Client, InstanceClient\nfrom ._exceptions import (\n",
    );
    let mut classes: Vec<&str> = ERROR_CLASSES.iter().map(|c| c.name).collect();
    classes.sort_unstable();
    for c in &classes {
        let _ = writeln!(o, "    {c},");
    }
    o.push_str(")\n");
    let models: Vec<&str> = MODELS.iter().map(|m| m.name).collect();
    let _ = writeln!(o, "from ._models import {}", models.join(", "));
    o.push_str("from ._native import __version__\n\n__all__ = [\n    \"__version__\",\n    \"Client\",\n    \"AsyncClient\",\n    \"InstanceClient\",\n    \"AsyncInstanceClient\",\n    \"Response\",\n    \"OPERATIONS\",\n    \"Page\",\n    \"SyncPager\",\n    \"AsyncPager\",\n    \"parse_oauth_callback\",\n    \"verify_webhook\",\n    \"ocnql\",\n    \"ocnql_field\",\n");
    for m in &models {
        let _ = writeln!(o, "    \"{m}\",");
    }
    for c in ERROR_CLASSES {
        let _ = writeln!(o, "    \"{}\",", c.name);
    }
    o.push_str("]\n");
    o
}
