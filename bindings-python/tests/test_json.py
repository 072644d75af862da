"""The native JSON reader (`_native.json_loads`, bindings-python/src/json.rs): what hub
pages and `Response.json()` are parsed with. It must give exactly what `json.loads`
gives for any JSON, and refuse what is not JSON with a ValueError that quotes nothing."""

from __future__ import annotations

import json
import math
import random
import tracemalloc
from typing import Any

import pytest

from open_connectors import _native

DOCUMENTS = [
    "null",
    "true",
    "false",
    "0",
    "-0",
    "-1",
    "9223372036854775807",  # i64::MAX: the fast path
    "9223372036854775808",  # one past: exact through int()
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "123456789012345678901234567890123456789",
    "0.5",
    "-0.0",
    "1e3",
    "1E-3",
    "2.5e+10",
    "1.7976931348623157e308",
    "5e-324",
    '""',
    '"plain"',
    '"tab\\tnew\\nquote\\"slash\\\\ \\/"',
    '"\\u00e9\\u4e2d\\ud83d\\ude00"',
    '"é中😀"',
    "[]",
    "{}",
    "[[]]",
    '[{}, [], "", 0, null]',
    '{"a": 1, "b": [1, 2, {"c": null}], "d": {"e": {"f": "g"}}}',
    '{"dup": 1, "dup": 2}',
    '{"": "empty key"}',
    '{"k\\u00e9y": "escaped key"}',
    '  {"spaced" :  [ 1 , 2 ]  }  ',
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_same_as_json_loads(text: str) -> None:
    got = _native.json_loads(text.encode())
    want = json.loads(text)
    assert got == want and type(got) is type(want)
    assert json.dumps(got) == json.dumps(want)  # same key order, same float text


def test_number_types_and_signs() -> None:
    got = _native.json_loads(b"[1, 1.0, -0.0, 1e999, -1e999, 12345678901234567890123]")
    assert [type(v) for v in got] == [int, float, float, float, float, int]
    assert math.copysign(1.0, got[2]) == -1.0
    assert got[3] == math.inf and got[4] == -math.inf  # as json.loads
    assert got[5] == 12345678901234567890123


def test_records_share_their_keys() -> None:
    page = _native.json_loads(json.dumps([{"firstName": "a", "lastName": "b"}] * 3).encode())
    keys = [list(r) for r in page]
    assert all(k is keys[0][0] for k in (keys[1][0], keys[2][0]))
    assert all(k is keys[0][1] for k in (keys[1][1], keys[2][1]))


def test_long_and_many_keys_are_still_right() -> None:
    long_key = "k" * 65  # longer than the cached length: made afresh, same value
    doc: dict[str, Any] = {long_key: 1, "k" * 64: 2}
    doc.update({f"key{i}": i for i in range(3000)})  # past the cache's 1,024 entries
    text = json.dumps([doc, doc])
    got = _native.json_loads(text.encode())
    assert got == json.loads(text)
    assert list(got[1]) == list(doc)


def test_random_documents_agree() -> None:
    rng = random.Random(20261202)

    def value(depth: int) -> Any:
        kind = rng.randrange(8 if depth < 6 else 5)
        if kind == 0:
            return rng.choice([None, True, False])
        if kind == 1:
            return rng.randint(-(2**70), 2**70)
        if kind == 2:
            return rng.uniform(-1e6, 1e6)
        if kind == 3:
            return "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(0x80, 0x3000)])) for _ in range(rng.randrange(8)))
        if kind == 4:
            return rng.randrange(1000)
        if kind in (5, 6):
            return {f"f{rng.randrange(20)}": value(depth + 1) for _ in range(rng.randrange(6))}
        return [value(depth + 1) for _ in range(rng.randrange(6))]

    for _ in range(300):
        doc = value(0)
        for text in (json.dumps(doc), json.dumps(doc, ensure_ascii=False, indent=1)):
            assert _native.json_loads(text.encode()) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    [b"", b"   ", b"{", b"[1,]", b'{"a" 1}', b"nul", b"01", b"1.", b".5", b"NaN", b"Infinity",
     b'"unterminated', b'"\xff"', b"[1] [2]", b'{"a":1}x', b"'single'"],
)
def test_not_json_is_a_value_error(text: bytes) -> None:
    with pytest.raises(ValueError, match="^not JSON: "):
        _native.json_loads(text)


def test_error_quotes_nothing_of_the_text() -> None:
    secret = b'{"token": "s3cr3t-t0ken" oops}'
    with pytest.raises(ValueError) as info:
        _native.json_loads(secret)
    assert "s3cr3t" not in str(info.value)


def test_nesting_limit() -> None:
    # 127 levels, as the core's decoder (MAX_JSON_DEPTH); serde_json stops at 128.
    ok = b"[" * 127 + b"]" * 127
    assert _native.json_loads(ok) == json.loads(ok)
    with pytest.raises(ValueError, match="recursion limit"):
        _native.json_loads(b"[" * 128 + b"]" * 128)
    with pytest.raises(ValueError, match="recursion limit"):
        _native.json_loads(b'{"a":' * 128 + b"1" + b"}" * 128)


def test_no_object_outlives_its_document() -> None:
    text = json.dumps([{"a": [1, "x", None, 2.5, 10**30], "b": {"c": True}}] * 50).encode()
    tracemalloc.start()
    try:
        for _ in range(20):
            _native.json_loads(text)
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(500):
            _native.json_loads(text)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # One leaked object per document would be 500 objects (over 16 KiB).
    assert grown < 8 * 1024, grown
