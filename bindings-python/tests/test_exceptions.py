"""The exception tree: shape, codes, attributes, pickling."""

from __future__ import annotations

import asyncio
import copy
import pickle
from typing import Any, Dict, Type

import pytest

import open_connectors as oc
from conftest import BASIC, DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET, Sandbox

TREE: Dict[Type[BaseException], Type[BaseException]] = {
    oc.InvalidInputError: oc.OpenConnectorsError,
    oc.ApiConnectionError: oc.OpenConnectorsError,
    oc.ApiTimeoutError: oc.ApiConnectionError,
    oc.ResponseDecodeError: oc.OpenConnectorsError,
    oc.ApiStatusError: oc.OpenConnectorsError,
    oc.BadRequestError: oc.ApiStatusError,
    oc.AuthenticationError: oc.ApiStatusError,
    oc.PermissionDeniedError: oc.ApiStatusError,
    oc.NotFoundError: oc.ApiStatusError,
    oc.ConflictError: oc.ApiStatusError,
    oc.RateLimitError: oc.ApiStatusError,
    oc.InternalServerError: oc.ApiStatusError,
}

CODES = {
    oc.InvalidInputError: "invalid_input",
    oc.ApiConnectionError: "connection",
    oc.ApiTimeoutError: "timeout",
    oc.ResponseDecodeError: "decode",
    oc.BadRequestError: "bad_request",
    oc.AuthenticationError: "authentication",
    oc.PermissionDeniedError: "permission_denied",
    oc.NotFoundError: "not_found",
    oc.ConflictError: "conflict",
    oc.RateLimitError: "rate_limited",
    oc.InternalServerError: "server",
}


def test_tree() -> None:
    assert issubclass(oc.OpenConnectorsError, Exception)
    for cls, parent in TREE.items():
        assert cls.__mro__[1] is parent or issubclass(cls, parent), cls
        assert issubclass(cls, oc.OpenConnectorsError)
        assert cls.__module__ == "open_connectors"
    assert issubclass(oc.InvalidInputError, ValueError)
    assert not issubclass(oc.ApiStatusError, ValueError)


@pytest.mark.parametrize("cls", list(CODES), ids=lambda c: c.__name__)
def test_default_codes(cls: Type[oc.OpenConnectorsError]) -> None:
    e = cls("text")
    assert e.code == CODES[cls]
    assert str(e) == "text"
    assert cls("t", code="other").code == "other"


def roundtrip(e: BaseException) -> Any:
    return pickle.loads(pickle.dumps(e))


def assert_same(a: BaseException, b: BaseException) -> None:
    assert type(a) is type(b)
    assert a.args == b.args
    assert str(a) == str(b)
    assert a.__dict__ == b.__dict__


@pytest.mark.parametrize(
    "exc",
    [
        oc.OpenConnectorsError("base"),
        oc.InvalidInputError("bad", field="element", reason="why"),
        oc.ApiConnectionError("conn", request_sent="no", attempts=3, reason="refused"),
        oc.ApiTimeoutError("slow", request_sent="maybe", attempts=1, timeout=0.3),
        oc.ResponseDecodeError("dec", status=200, request_id="r", body="<html>", reason="not JSON"),
        oc.RateLimitError(
            "limited",
            status=429,
            request_id="a",
            header_request_id="b",
            platform_message="Too many",
            provider_message="slow down",
            body="{}",
            retry_after=1.5,
        ),
        oc.InternalServerError("boom", status=503, body=""),
    ],
    ids=lambda e: type(e).__name__,
)
def test_pickle_and_copy_keep_every_attribute(exc: BaseException) -> None:
    assert_same(exc, roundtrip(exc))
    assert_same(exc, copy.deepcopy(exc))


def client(sb: Sandbox, **kw: Any) -> oc.Client:
    kw.setdefault("user_secret", DEFAULT_USER_SECRET)
    kw.setdefault("organization_secret", DEFAULT_ORGANIZATION_SECRET)
    return oc.Client(base_url=sb.base_url, **kw)


def test_status_error_from_the_platform(sb: Sandbox) -> None:
    sb.fault(
        {
            "method": "POST",
            "path": "/elements/api-v2/instances",
            "status": 429,
            "headers": {"retry-after": "2", "elements-request-id": "hdr-id"},
            "body": {"requestId": "5f0c6b1e2d3a4b5c6d7e8f92", "message": "Too many requests", "providerMessage": "p"},
        }
    )
    with pytest.raises(oc.RateLimitError) as info:
        client(sb).create_instance("insightly", configuration=BASIC)
    e = info.value
    assert (e.code, e.status, e.retry_after) == ("rate_limited", 429, 2.0)
    assert isinstance(e.retry_after, float)
    assert e.request_id == "5f0c6b1e2d3a4b5c6d7e8f92"
    assert e.header_request_id == "hdr-id"
    assert e.platform_message == "Too many requests"
    assert e.provider_message == "p"
    assert e.body is not None and "Too many requests" in e.body
    assert "429" in str(e)
    assert_same(e, roundtrip(e))
    assert isinstance(e, oc.OpenConnectorsError)


@pytest.mark.parametrize(
    "status,cls",
    [
        (400, oc.BadRequestError),
        (401, oc.AuthenticationError),
        (403, oc.PermissionDeniedError),
        (404, oc.NotFoundError),
        (409, oc.ConflictError),
        (500, oc.InternalServerError),
        (502, oc.InternalServerError),
        (418, oc.InternalServerError),
    ],
)
def test_status_classes(sb: Sandbox, status: int, cls: Type[oc.ApiStatusError]) -> None:
    sb.fault({"method": "POST", "path": "/elements/api-v2/instances", "status": status, "body": {"message": "m"}})
    with pytest.raises(cls) as info:
        client(sb, max_retries=0).create_instance("insightly", configuration=BASIC)
    assert info.value.status == status
    assert info.value.code == CODES[cls]
    assert info.value.retry_after is None
    assert_same(info.value, roundtrip(info.value))


def test_other_errors_carry_their_attributes(sb: Sandbox) -> None:
    sb.fault({"method": "POST", "path": "/elements/api-v2/instances", "status": 200, "body": "<html>"})
    with pytest.raises(oc.ResponseDecodeError) as dec:
        client(sb).create_instance("insightly", configuration=BASIC)
    assert (dec.value.code, dec.value.status, dec.value.body) == ("decode", 200, "<html>")
    assert dec.value.reason

    sb.fault({"method": "POST", "path": "/elements/api-v2/instances", "delay_ms": 2000})
    with pytest.raises(oc.ApiTimeoutError) as to:
        client(sb, timeout=0.2).create_instance("insightly", configuration=BASIC)
    assert isinstance(to.value, oc.ApiConnectionError)
    assert (to.value.code, to.value.request_sent, to.value.timeout) == ("timeout", "maybe", 0.2)
    assert_same(to.value, roundtrip(to.value))

    with pytest.raises(oc.ApiConnectionError) as conn:
        oc.Client(
            base_url="http://127.0.0.1:1/elements/api-v2", user_secret="u", organization_secret="o", max_retries=0
        ).create_instance("insightly")
    assert (conn.value.code, conn.value.request_sent, conn.value.attempts) == ("connection", "no", 1)

    with pytest.raises(ValueError) as bad:
        client(sb).create_instance("bad key")
    assert isinstance(bad.value, oc.InvalidInputError)
    assert (bad.value.code, bad.value.field) == ("invalid_input", "element")
    assert_same(bad.value, roundtrip(bad.value))


def test_catching_the_base_catches_everything(sb: Sandbox) -> None:
    sb.fault({"method": "POST", "path": "/elements/api-v2/instances", "status": 404, "body": {"message": "nope"}})
    caught = []
    for call in (
        lambda: client(sb).create_instance("insightly", configuration=BASIC),
        lambda: client(sb).create_instance(["not", "an", "element"]),  # type: ignore[arg-type]
        lambda: oc.Client(base_url="ftp://x", user_secret="u", organization_secret="o"),
    ):
        try:
            call()
        except oc.OpenConnectorsError as e:
            caught.append(e.code)
    assert caught == ["not_found", "invalid_input", "invalid_input"]


# ---- hostile conditions (issue 9) ---------------------------------------------------


def test_a_rust_panic_is_an_internal_error_not_a_panic_exception() -> None:
    from open_connectors import _native

    with pytest.raises(oc.InternalError) as sync:
        _native._panic_for_tests()
    assert sync.value.code == "internal" and isinstance(sync.value, oc.OpenConnectorsError)
    assert "deliberate panic" in str(sync.value)

    async def run() -> None:
        await _native._panic_in_task_for_tests()

    with pytest.raises(oc.InternalError) as in_task:
        asyncio.run(run())
    assert in_task.value.code == "internal"
    assert isinstance(in_task.value, Exception)


def test_an_undecodable_answer_keeps_its_token_out_of_every_text(sb: Sandbox) -> None:
    body = {"id": "not-a-number", "name": "n", "token": "tok-SECRET-0123456789"}
    sb.fault({"method": "POST", "path": "/elements/api-v2/instances", "status": 200, "body": body})
    with pytest.raises(oc.ResponseDecodeError) as info:
        client(sb).create_instance("insightly", configuration=BASIC)
    e = info.value
    for text in (str(e), repr(e), e.body or "", e.reason or "", repr(pickle.loads(pickle.dumps(e)))):
        assert "tok-SECRET-0123456789" not in text, text
    assert e.body is not None and "[REDACTED]" in e.body


def test_hostile_base_urls_and_bodies_leak_nothing() -> None:
    with pytest.raises(oc.InvalidInputError) as bad:
        oc.Client(base_url="https://user:PASSWORD123@exa mple.com/", user_secret="u", organization_secret="o")
    assert "PASSWORD123" not in str(bad.value)
    with pytest.raises(oc.InvalidInputError) as small:
        oc.Client(base_url="http://127.0.0.1:1", user_secret="u", organization_secret="o", max_response_size=1023)
    assert small.value.field == "max_response_size"
