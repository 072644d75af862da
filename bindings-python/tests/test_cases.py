"""The Python runner of the shared cross-language cases (``tests/cases/*.json``).

Format: ``tests/README.md``. Every case runs twice, through ``Client`` and through
``AsyncClient``, against the session's sandbox. A case this runner cannot run (an
unknown key, operation or matcher) FAILS; nothing is skipped. ``OC_CASES_DIR``
overrides the directory (for trying cases out).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple, Union

import pytest

import open_connectors as oc
from conftest import DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET, REPO, Sandbox

CASES_DIR = Path(os.environ.get("OC_CASES_DIR") or REPO / "tests" / "cases")

CASE_KEYS = {"description", "function", "client", "faults", "setup", "instance", "operation", "args", "options", "expect"}
OPTION_KEYS = {"timeout_ms", "max_retries", "extra_headers"}
CLIENT_KEYS = {"base_url", "user_secret", "organization_secret", "timeout_ms", "max_retries", "max_response_size"}
EXPECT_KEYS = {"requests", "result", "error", "pages"}
ERROR_KEYS = {
    "code",
    "status",
    "field",
    "message_contains",
    "provider_message_contains",
    "provider_error",
    "body_contains",
    "request_id",
    "retry_after",
    "request_sent",
    "description",
}
REQUEST_KEYS = {"method", "path", "headers", "body"}
SETUP_KEYS = {"operation", "args", "instance"}

Json = Any
AnyClient = Union[oc.Client, oc.AsyncClient]


class CaseError(AssertionError):
    """The case is malformed, or uses something this runner does not know."""


def case_files() -> List[Path]:
    if not CASES_DIR.is_dir():
        return []
    return sorted(CASES_DIR.glob("*.json"))


def check_keys(obj: Json, allowed: Set[str], what: str) -> Dict[str, Json]:
    if not isinstance(obj, dict):
        raise CaseError(f"{what} must be an object")
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise CaseError(f"{what}: unknown key(s) {unknown}; this runner cannot run it")
    return obj


# ---- matchers (tests/README.md) -------------------------------------------------

_MISSING = object()


def type_name(v: Json) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return type(v).__name__


def is_number(v: Json) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def is_special(v: Json) -> bool:
    return isinstance(v, dict) and len(v) == 1 and next(iter(v)).startswith("$")


def match(expected: Json, got: Json, at: str, exact_objects: bool = False) -> None:
    """Raises AssertionError unless ``got`` matches ``expected``."""

    def mismatch() -> AssertionError:
        shown = "<absent>" if got is _MISSING else json.dumps(got)
        return AssertionError(f"{at}: expected {json.dumps(expected)}, got {shown}")

    if is_special(expected):
        (op, arg), = expected.items()
        if op == "$type":
            ok = got is not _MISSING and (
                type_name(got) == arg or (arg == "number" and is_number(got))
            )
        elif op == "$any":
            ok = got is not _MISSING
        elif op == "$absent":
            ok = got is _MISSING
        elif op == "$prefix":
            ok = isinstance(got, str) and got.startswith(arg)
        elif op == "$contains":
            ok = isinstance(got, str) and arg in got
        else:
            raise CaseError(f"{at}: unknown matcher {op}; this runner cannot run it")
        if not ok:
            raise mismatch()
        return
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            raise mismatch()
        for key, want in expected.items():
            match(want, got.get(key, _MISSING), f"{at}.{key}", exact_objects)
        if exact_objects:
            extra = [k for k in got if k not in expected]
            if extra:
                raise AssertionError(f"{at}.{extra[0]}: not expected (got {json.dumps(got[extra[0]])})")
        return
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            raise mismatch()
        for i, (e, g) in enumerate(zip(expected, got)):
            match(e, g, f"{at}[{i}]", exact_objects)
        return
    if is_number(expected):
        if not (is_number(got) and got == expected):
            raise mismatch()
        return
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        if type_name(got) != type_name(expected) or got != expected:
            raise mismatch()
        return
    raise CaseError(f"{at}: {expected!r} is not JSON")


def check_requests(expected: Json, received: List[Json]) -> None:
    if not isinstance(expected, list):
        raise CaseError("expect.requests must be an array")
    seen = [f"{r.get('method')} {r.get('path')}" for r in received]
    assert len(received) == len(expected), (
        f"expected {len(expected)} request(s) at the sandbox, it received {len(received)}: {seen}"
    )
    for i, (want, got) in enumerate(zip(expected, received)):
        want = check_keys(want, REQUEST_KEYS, "expected request")
        for key in ("method", "path"):
            if key in want:
                match(want[key], got.get(key, _MISSING), f"request {i}.{key}")
        if "headers" in want:
            match(want["headers"], got.get("headers", _MISSING), f"request {i}.headers")
        if "body" in want:
            match(want["body"], got.get("json"), f"request {i}.body", exact_objects=True)


def check_error(err: oc.OpenConnectorsError, expected: Dict[str, Json]) -> None:
    check_keys(expected, ERROR_KEYS, "expect.error")
    if "code" not in expected:
        raise CaseError("expect.error needs a code")
    assert err.code == expected["code"], (
        f"expected error code {expected['code']}, got {err.code}: {type(err).__name__}: {err}"
    )
    status_error = err if isinstance(err, oc.ApiStatusError) else None
    for key, want in expected.items():
        if key in ("code", "description"):
            continue
        if key == "status":
            ok = getattr(err, "status", None) == want
        elif key == "field":
            ok = getattr(err, "field", None) == want
        elif key == "message_contains":
            if status_error is not None:
                pm = status_error.platform_message
                ok = pm is not None and want in pm
            else:
                ok = want in str(err)
        elif key == "provider_message_contains":
            pm = status_error.provider_message if status_error is not None else None
            ok = pm is not None and want in pm
        elif key == "provider_error":
            ok = status_error is not None and status_error.provider_error == want
        elif key == "body_contains":
            body = getattr(err, "body", None)
            ok = body is not None and want in body
        elif key == "request_id":
            try:
                match(want, getattr(err, "request_id", None), "error.request_id")
                ok = True
            except AssertionError:
                ok = False
        elif key == "retry_after":
            ra = status_error.retry_after if status_error is not None else None
            ok = ra is not None and is_number(want) and float(ra) == float(want)
        elif key == "request_sent":
            ok = (getattr(err, "request_sent", None) or "none") == want
        else:  # pragma: no cover - check_keys refused it
            raise CaseError(f"expect.error: unknown key {key}")
        assert ok, f"error {key}: expected {json.dumps(want)}, got {type(err).__name__}{err.__dict__}: {err}"


def no_leak(text: str, secrets: List[str], what: str) -> None:
    for s in secrets:
        assert not (len(s) >= 4 and s in text), f"{what} leaks a secret"


# ---- running a case --------------------------------------------------------------


class Case:
    def __init__(self, path: Path, sandbox: Sandbox) -> None:
        try:
            raw = json.loads(path.read_text())
        except ValueError as e:
            raise CaseError(f"{path.name}: invalid JSON: {e}") from e
        case = check_keys(raw, CASE_KEYS, "case")
        self.settings = check_keys(case.get("client", {}), CLIENT_KEYS, "client")
        self.faults: List[Json] = case.get("faults", [])
        if not isinstance(self.faults, list):
            raise CaseError("faults must be an array")
        self.setup: List[Tuple[str, Dict[str, Json], Json]] = []
        for step in case.get("setup", []):
            step = check_keys(step, SETUP_KEYS, "setup step")
            name, args = self.operation(step.get("operation"), step.get("args", {}), "setup step")
            self.setup.append((name, args, step.get("instance")))
        # An instance's call: made on `client.for_instance(token)` with the case's token.
        self.instance: Json = case.get("instance")
        self.token: Optional[str] = None
        self.op, self.args = self.operation(case.get("operation"), case.get("args", {}), "case")
        self.options = self.call_options(case.get("options", {}))
        self.expect = check_keys(case.get("expect"), EXPECT_KEYS, "expect")
        if ("result" in self.expect) == ("error" in self.expect):
            raise CaseError("expect needs exactly one of result and error")
        if "error" in self.expect:
            check_keys(self.expect["error"], ERROR_KEYS, "expect.error")
        self.sandbox = sandbox
        self.pages: List[Json] = []

    @staticmethod
    def operation(name: Json, args: Json, what: str) -> Tuple[str, Dict[str, Json]]:
        meta = oc.OPERATIONS.get(name) if isinstance(name, str) else None
        if meta is None:
            raise CaseError(f"{what}: unknown operation {name!r}; this runner cannot run it")
        return name, check_keys(args, set(meta["positional"]) | set(meta["keyword"]), f"{what} args")

    def call_options(self, raw: Json) -> Dict[str, Any]:
        o = check_keys(raw, OPTION_KEYS, "options")
        out: Dict[str, Any] = {}
        if "timeout_ms" in o:
            out["timeout"] = o["timeout_ms"] / 1000.0
        if "max_retries" in o:
            out["max_retries"] = o["max_retries"]
        if "extra_headers" in o:
            out["extra_headers"] = o["extra_headers"]
        return out

    def client_kwargs(self) -> Dict[str, Any]:
        s = self.settings
        base_url = s.get("base_url", self.sandbox.base_url).replace("{sandbox}", self.sandbox.root)
        kwargs: Dict[str, Any] = {
            "base_url": base_url,
            "user_secret": s.get("user_secret", DEFAULT_USER_SECRET),
            "organization_secret": s.get("organization_secret", DEFAULT_ORGANIZATION_SECRET),
        }
        if "timeout_ms" in s:
            kwargs["timeout"] = s["timeout_ms"] / 1000.0
        if "max_retries" in s:
            kwargs["max_retries"] = s["max_retries"]
        if "max_response_size" in s:
            kwargs["max_response_size"] = s["max_response_size"]
        return kwargs

    def secrets(self, instance: Optional[oc.Instance]) -> List[str]:  # noqa: C901
        kw = self.client_kwargs()
        out = [kw["user_secret"], kw["organization_secret"]]
        for section, key in (
            ("configuration", "password"),
            ("configuration", "oauth.api.secret"),
            ("provider_data", "code"),
        ):
            value = (self.args.get(section) or {}).get(key) if isinstance(self.args.get(section), dict) else None
            if isinstance(value, str):
                out.append(value)
        if instance is not None:
            out.append(instance.token)
        if self.token is not None:
            out.append(self.token)
        return [s for s in out if isinstance(s, str)]

    def prepare(self) -> None:
        self.sandbox.reset()
        for fault in self.faults:
            self.sandbox.fault(fault)

    @staticmethod
    def resolve(args: Json, setup: List[Json]) -> Json:
        """Replaces every ``{"$setup": [i, key...]}`` by that part of setup step i's result."""
        if isinstance(args, dict) and "$setup" in args:
            step, *keys = args["$setup"]
            v = setup[step]
            for k in keys:
                v = v[k]
            return v
        if isinstance(args, dict):
            return {k: Case.resolve(v, setup) for k, v in args.items()}
        return args

    @staticmethod
    def invocation(name: str, args: Dict[str, Json]) -> Tuple[List[Json], Dict[str, Json]]:
        """Positional and keyword arguments of the generated method, from its metadata."""
        meta = oc.OPERATIONS[name]
        rest = dict(args)
        return [rest.pop(p, None) for p in meta["positional"]], rest

    @staticmethod
    def raw(result: Any) -> Json:
        if isinstance(result, list):
            return [Case.raw(r) for r in result]
        return result.to_dict() if hasattr(result, "to_dict") else result

    @staticmethod
    def page_json(page: Any) -> Json:
        return {
            "items": [Case.raw(i) for i in page.items],
            "next_cursor": page.next_cursor,
            "total_count": page.total_count,
        }

    def call_sync(self, client: Any, name: str, pos: List[Json], kw: Dict[str, Json]) -> Any:
        """The call; a pager is listed to the end (its pages so far kept in self.pages)."""
        out = getattr(client, name)(*pos, **kw)
        if oc.OPERATIONS[name]["kind"] != "pager":
            return out
        for page in out.pages():
            self.pages.append(self.page_json(page))
            no_leak(repr(page), self.secrets(None), "repr() of a page")
        return {"pages": list(self.pages)}

    async def call_async(self, client: Any, name: str, pos: List[Json], kw: Dict[str, Json]) -> Any:
        if oc.OPERATIONS[name]["kind"] != "pager":
            return await getattr(client, name)(*pos, **kw)
        pager = getattr(client, name)(*pos, **kw)
        async for page in pager.pages():
            self.pages.append(self.page_json(page))
        return {"pages": list(self.pages)}

    def check(
        self,
        client: Optional[AnyClient],
        outcome: Union[Any, oc.OpenConnectorsError],
        before: int,
    ) -> None:
        received = self.sandbox.journal()[before:]
        if "requests" in self.expect:
            check_requests(self.expect["requests"], received)
        if "pages" in self.expect:
            match(self.expect["pages"], self.pages, "pages")
        if not isinstance(outcome, oc.OpenConnectorsError):
            if "error" in self.expect:
                raise AssertionError(
                    f"expected error {json.dumps(self.expect['error'])}, got result {self.raw(outcome)}"
                )
            raw = self.raw(outcome)
            match(self.expect["result"], raw, "result")
            instance = outcome if isinstance(outcome, oc.Instance) else None
            if instance is not None:
                assert isinstance(raw, dict)
                # The typed attributes agree with the JSON.
                if isinstance(raw.get("id"), int):
                    assert instance.id == raw["id"]
                assert instance.token == raw.get("token")
            secrets = self.secrets(instance)
            no_leak(repr(outcome), secrets, "repr() of the result")
        else:
            if "result" in self.expect:
                raise AssertionError(
                    f"expected a result, got error [{outcome.code}] {type(outcome).__name__}: {outcome}"
                )
            check_error(outcome, self.expect["error"])
            secrets = self.secrets(None)
            no_leak(str(outcome), secrets, "str() of the error")
            no_leak(repr(outcome), secrets, "repr() of the error")
        if client is not None:
            no_leak(repr(client), secrets, "repr() of the client")

    def run_sync(self) -> None:
        self.prepare()
        client: Optional[oc.Client] = None
        outcome: Union[Any, oc.OpenConnectorsError]
        try:
            client = oc.Client(**self.client_kwargs())
        except oc.OpenConnectorsError as e:
            outcome = e
        with client if client is not None else _Null():
            results: List[Json] = []
            for i, (name, args, inst) in enumerate(self.setup):
                if client is None:
                    raise AssertionError(f"setup needs a client, but building it failed: {outcome}")
                pos, kw = self.invocation(name, self.resolve(args, results))
                target: Any = client if inst is None else client.for_instance(self.resolve(inst, results))
                try:
                    results.append(self.raw(self.call_sync(target, name, pos, kw)))
                except oc.OpenConnectorsError as e:
                    raise AssertionError(f"setup step {i} failed: [{e.code}] {e}") from e
            before = len(self.sandbox.journal())
            if client is not None:
                pos, kw = self.invocation(self.op, self.resolve(self.args, results))
                self.pages = []
                target = client
                if self.instance is not None:
                    self.token = self.resolve(self.instance, results)
                    target = client.for_instance(self.token)
                try:
                    outcome = self.call_sync(target, self.op, pos, {**kw, **self.options})
                except oc.OpenConnectorsError as e:
                    outcome = e
            self.check(client, outcome, before)

    async def run_async(self) -> None:
        self.prepare()
        client: Optional[oc.AsyncClient] = None
        outcome: Union[Any, oc.OpenConnectorsError]
        try:
            client = oc.AsyncClient(**self.client_kwargs())
        except oc.OpenConnectorsError as e:
            outcome = e
        results: List[Json] = []
        for i, (name, args, inst) in enumerate(self.setup):
            if client is None:
                raise AssertionError(f"setup needs a client, but building it failed: {outcome}")
            pos, kw = self.invocation(name, self.resolve(args, results))
            target: Any = client if inst is None else client.for_instance(self.resolve(inst, results))
            try:
                results.append(self.raw(await self.call_async(target, name, pos, kw)))
            except oc.OpenConnectorsError as e:
                raise AssertionError(f"setup step {i} failed: [{e.code}] {e}") from e
        before = len(self.sandbox.journal())
        if client is not None:
            async with client:
                pos, kw = self.invocation(self.op, self.resolve(self.args, results))
                self.pages = []
                target = client
                if self.instance is not None:
                    self.token = self.resolve(self.instance, results)
                    target = client.for_instance(self.token)
                try:
                    outcome = await self.call_async(target, self.op, pos, {**kw, **self.options})
                except oc.OpenConnectorsError as e:
                    outcome = e
        self.check(client, outcome, before)


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _params() -> List[Any]:
    files = case_files()
    if not files:
        return [pytest.param(None, id="no-case-files")]
    return [pytest.param(f, id=f.stem) for f in files]


#: The SDK's local functions (no request) a case may call, by their case names.
FUNCTIONS: Dict[str, Any] = {
    "verify_webhook": lambda a: oc.verify_webhook(a["body"], a["signature"], a["key"]),
    "ocnql": lambda a: oc.ocnql(a["template"], *a["values"]),
}


def run_function(raw: Dict[str, Json]) -> None:
    """A case of a local function: its result, or its error, as the case expects."""
    name = raw["function"]
    if name not in FUNCTIONS:
        raise CaseError(f"unknown function {name!r}; this runner cannot run it")
    args = raw.get("args", {})
    expect = check_keys(raw.get("expect"), {"result", "error"}, "expect")
    try:
        got = FUNCTIONS[name](args)
    except oc.OpenConnectorsError as e:
        if "error" not in expect:
            raise AssertionError(f"expected a result, got [{e.code}] {e}") from e
        check_error(e, expect["error"])
        key = args.get("key")
        if isinstance(key, str) and len(key) >= 4:
            no_leak(str(e), [key], "str() of the error")
            no_leak(repr(e), [key], "repr() of the error")
        return
    if "result" not in expect:
        raise AssertionError(f"expected error {json.dumps(expect['error'])}, got {got!r}")
    match(expect["result"], got, "result")


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("path", _params())
def test_case(path: Optional[Path], mode: str, sandbox: Sandbox) -> None:
    if path is None:
        pytest.fail(f"no case files (*.json) in {CASES_DIR}")
    raw = json.loads(path.read_text())
    if "function" in raw:
        check_keys(raw, CASE_KEYS, "case")
        run_function(raw)  # no client: the same in both modes
        return
    case = Case(path, sandbox)
    if mode == "sync":
        case.run_sync()
    else:
        asyncio.run(case.run_async())
