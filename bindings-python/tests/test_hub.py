"""The instance clients (``for_instance``) and their answers, with Python's types at the edge."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import open_connectors as oc
from conftest import DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET, Sandbox

TOKEN_PATH = "/hubs/crm/contacts"


def make(sb: Sandbox, **kw: Any) -> oc.Client:
    return oc.Client(base_url=sb.base_url, user_secret=DEFAULT_USER_SECRET, organization_secret=DEFAULT_ORGANIZATION_SECRET, **kw)


def instance(c: oc.Client) -> oc.Instance:
    return c.create_instance("insightly", configuration={"username": "u", "password": "s3cr3t-Passw0rd"})


def test_for_instance_takes_a_token_or_an_instance_and_hides_it(sb: Sandbox) -> None:
    with make(sb) as c:
        inst = instance(c)
        for handle in (c.for_instance(inst), c.for_instance(inst.token)):
            assert isinstance(handle, oc.InstanceClient)
            assert inst.token not in repr(handle) and "[REDACTED]" in repr(handle)
            assert handle.base_url == c.base_url
            created = handle.post(TOKEN_PATH, json={"lastName": "Lovelace"})
            assert handle.get(f"{TOKEN_PATH}/{created['id']}")["lastName"] == "Lovelace"
        # The Authorization header carried the Element token.
        auth = sb.journal()[-1]["headers"]["authorization"]
        assert auth.endswith(f", Element {inst.token}")
        for bad, field in ((123, "token"), (None, "token"), ("", "token"), ("a b", "token")):
            with pytest.raises(oc.InvalidInputError) as info:
                c.for_instance(bad)  # type: ignore[arg-type]
            assert info.value.field == field
            assert inst.token not in str(info.value)
        # An instance client shares the client's life: closed with it.
        handle = c.for_instance(inst)
    with pytest.raises(oc.ClientClosedError):
        handle.get(TOKEN_PATH)


def test_response_object(sb: Sandbox) -> None:
    with make(sb) as c:
        crm = c.for_instance(instance(c))
        for name in ("Ada", "Alan", "Grace"):
            crm.post(TOKEN_PATH, json={"firstName": name})
        r = crm.request("GET", TOKEN_PATH, query={"pageSize": 2, "orderBy": "firstName desc"})
        assert isinstance(r, oc.Response)
        assert r.status == 200 and r.total_count == 3 and r.next_cursor
        assert r.request_id and r.headers["elements-request-id"] == r.request_id
        body = r.json()
        assert [x["firstName"] for x in body] == ["Grace", "Alan"]
        assert r.text.startswith("[") and isinstance(r.content, bytes)
        d = r.to_dict()
        assert d["status"] == 200 and d["nextCursor"] == r.next_cursor and d["body"] == body
        assert "content=<" in repr(r) and "Grace" not in repr(r)
        rest = crm.paginate(TOKEN_PATH, cursor=r.next_cursor, query={"orderBy": "firstName desc"}).to_list()
        assert [x["firstName"] for x in rest] == ["Ada"]
        assert crm.delete(f"{TOKEN_PATH}/1") is None
        empty = crm.request("DELETE", f"{TOKEN_PATH}/2")
        assert empty.json() is None and empty.content == b""


def test_async_instance_client(sb: Sandbox) -> None:
    async def main() -> None:
        async with oc.AsyncClient(
            base_url=sb.base_url, user_secret=DEFAULT_USER_SECRET, organization_secret=DEFAULT_ORGANIZATION_SECRET
        ) as c:
            inst = await c.create_instance("insightly", configuration={"username": "u", "password": "p4ssw0rd"})
            crm = c.for_instance(inst)
            assert isinstance(crm, oc.AsyncInstanceClient)
            for i in range(5):
                await crm.post(TOKEN_PATH, json={"score": i})
            seen = [x["score"] async for x in crm.paginate(TOKEN_PATH, where=oc.ocnql("score >= {}", 2), page_size=2)]
            assert seen == [2, 3, 4]
            r = await crm.request("GET", TOKEN_PATH)
            assert r.total_count == 5

    asyncio.run(main())


def test_retry_budget_setting(sb: Sandbox) -> None:
    make(sb, retry_budget=0).close()
    make(sb, retry_budget=0.5).close()
    for bad in (-1, 86400.001, "60"):
        with pytest.raises(oc.InvalidInputError) as info:
            make(sb, retry_budget=bad)
        assert info.value.field == "retry_budget"


def test_to_curl_sends_nothing_and_hides_secrets(sb: Sandbox) -> None:
    with make(sb) as c:
        before = len(sb.journal())
        curl = c.to_curl(
            "create_instance",
            element="insightly",
            configuration={"username": "u", "password": "s3cr3t-Passw0rd"},
            timeout=5.0,
        )
        assert curl.startswith("curl ") and "POST" in curl
        assert f"{sb.base_url}/instances" in curl
        for secret in (DEFAULT_USER_SECRET, DEFAULT_ORGANIZATION_SECRET, "s3cr3t-Passw0rd"):
            assert secret not in curl
        assert "$OPEN_CONNECTORS_USER_SECRET" in curl
        shown = c.to_curl("get_instance", instance_id=12, show_secrets=True)
        assert DEFAULT_USER_SECRET in shown and "/instances/12" in shown
        crm = c.for_instance("inst-t0ken-123")
        hub = crm.to_curl("paginate", path="/hubs/crm/contacts", where=oc.ocnql("a = {}", 1), page_size=5)
        assert "inst-t0ken-123" not in hub and "$OPEN_CONNECTORS_INSTANCE_TOKEN" in hub
        assert "pageSize=5" in hub
        assert len(sb.journal()) == before  # nothing was sent
        with pytest.raises(oc.InvalidInputError) as info:
            c.to_curl("get_instance", instance_id=0)
        assert info.value.field == "instance_id"
        with pytest.raises(oc.InvalidInputError) as info:
            c.to_curl("no_such_operation")
        assert info.value.field == "operation"
