"""verify_webhook and ocnql: the core's checks, with Python's types at the edge."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac

import pytest

import open_connectors as oc

KEY = "s1gnature-key"
BODY = b'{"message":{"eventId":"e-1","events":[{"objectType":"contacts","eventType":"CREATED"}]},"n":123456789012345678901234567890}'


def sign(body: bytes, key: str) -> str:
    digest = hmac.new(key.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def test_a_good_signature_returns_the_notification() -> None:
    note = oc.verify_webhook(BODY, sign(BODY, KEY), KEY)
    assert note["message"]["events"][0]["eventType"] == "CREATED"
    assert note["n"] == 123456789012345678901234567890
    # str body (UTF-8), bytes key, bytearray/memoryview body
    assert oc.verify_webhook(BODY.decode(), sign(BODY, KEY), KEY.encode())["message"]["eventId"] == "e-1"
    assert oc.verify_webhook(memoryview(bytearray(BODY)), sign(BODY, KEY), KEY)["n"] > 0


@pytest.mark.parametrize(
    "body, header, key",
    [
        (BODY.replace(b"e-1", b"e-2"), sign(BODY, KEY), KEY),  # tampered body
        (BODY, sign(BODY, KEY), KEY + "x"),  # wrong key
        (BODY, None, KEY),  # missing header
        (BODY, sign(BODY, KEY)[len("sha256=") :], KEY),  # sha256= absent
        (BODY, "sha256=not*base64", KEY),  # bad base64
        (BODY, "sha256=" + base64.b64encode(b"x" * 31).decode(), KEY),  # not a SHA-256 digest
    ],
)
def test_every_defect_is_a_webhook_signature_error(body: bytes, header: str | None, key: str) -> None:
    with pytest.raises(oc.WebhookSignatureError) as info:
        oc.verify_webhook(body, header, key)
    e = info.value
    assert isinstance(e, oc.OpenConnectorsError)
    assert e.code == "webhook_signature"
    assert e.reason
    if header:
        assert header[-20:] not in str(e) and header[-20:] not in repr(e)


def test_bad_arguments_are_invalid_input() -> None:
    for kwargs, field in [
        ({"body": 12, "signature": "x", "key": KEY}, "body"),
        ({"body": BODY, "signature": 5, "key": KEY}, "signature"),
        ({"body": BODY, "signature": "x", "key": None}, "key"),
        ({"body": BODY, "signature": sign(BODY, ""), "key": ""}, "key"),
    ]:
        with pytest.raises(oc.InvalidInputError) as info:
            oc.verify_webhook(**kwargs)  # type: ignore[arg-type]
        assert info.value.field == field
    signed_text = b"token=s3cr3t-value"
    with pytest.raises(oc.InvalidInputError) as info:
        oc.verify_webhook(signed_text, sign(signed_text, KEY), KEY)
    assert info.value.field == "body" and "s3cr3t" not in str(info.value)


def test_ocnql_literals() -> None:
    when = datetime.datetime(2024, 1, 31, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    q = oc.ocnql(
        "lastName = {} and score >= {} and active = {} and city in {} and created > {} and day = {}",
        "Smith",
        50.5,
        True,
        ("Paris", "Lyon"),
        when,
        datetime.date(2024, 2, 1),
    )
    assert q == (
        "lastName = 'Smith' and score >= 50.5 and active = true and city in ('Paris', 'Lyon')"
        " and created > '2024-01-31T10:00:00Z' and day = '2024-02-01'"
    )
    assert oc.ocnql("{} = {}".replace("{} =", oc.ocnql_field("address.city") + " ="), "Paris") == "`address.city` = 'Paris'"
    assert oc.ocnql("a = 1 {{x}}") == "a = 1 {x}"


@pytest.mark.parametrize("hostile", ["x' or '1'='1", "abc\\", "line\nbreak", None, [], {"a": 1}, [[1]], float("inf")])
def test_ocnql_refuses_what_could_change_the_query(hostile: object) -> None:
    with pytest.raises(oc.InvalidInputError) as info:
        oc.ocnql("name = {} and x = {}", "ok", hostile)
    # Refused by the core (values[1]) or, for what JSON cannot hold, while converting.
    assert info.value.field == ("values" if hostile == float("inf") else "values[1]")


def test_ocnql_template_and_count_errors() -> None:
    for template, values in [("a = {}", ()), ("a = {}", (1, 2)), ("a = {", (1,))]:
        with pytest.raises(oc.InvalidInputError) as info:
            oc.ocnql(template, *values)
        assert info.value.field == "template"
    with pytest.raises(oc.InvalidInputError):
        oc.ocnql_field("a`b")
