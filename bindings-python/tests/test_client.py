"""What is the Python package's own: settings, the Instance object, argument
conversion, repr redaction, context managers, the environment fallback."""

from __future__ import annotations

import asyncio
import copy
import pickle
import datetime
import math
from typing import Any

import pytest

import open_connectors as oc
from conftest import (
    BASIC,
    DEFAULT_ORGANIZATION_SECRET,
    DEFAULT_USER_SECRET,
    OAUTH,
    Sandbox,
)

SECRETS = (DEFAULT_USER_SECRET, DEFAULT_ORGANIZATION_SECRET)


def client(sb: Sandbox, **kw: Any) -> oc.Client:
    kw.setdefault("user_secret", DEFAULT_USER_SECRET)
    kw.setdefault("organization_secret", DEFAULT_ORGANIZATION_SECRET)
    return oc.Client(base_url=sb.base_url, **kw)


# ---- settings ------------------------------------------------------------------------


def test_settings_and_properties(sb: Sandbox) -> None:
    c = client(sb, timeout=30.0, max_retries=3, connect_timeout=5, user_agent_suffix="my-app/1.0")
    assert c.base_url == sb.base_url
    assert c.timeout == 30.0
    assert c.max_retries == 3
    assert c.user_agent.startswith(f"open-connectors-python/{oc.__version__} (python ")
    assert c.user_agent.endswith(" my-app/1.0")
    c.create_instance("insightly", configuration=BASIC)
    sent = sb.journal()[-1]["headers"]
    assert sent["user-agent"] == c.user_agent
    assert sent["authorization"] == f"User {DEFAULT_USER_SECRET}, Organization {DEFAULT_ORGANIZATION_SECRET}"


def test_region_presets() -> None:
    c = oc.Client(region="us2", user_secret="u", organization_secret="o")
    assert c.base_url == "https://api.openconnectors.us2.ext.hana.ondemand.com/elements/api-v2"
    with pytest.raises(oc.InvalidInputError) as e:
        oc.Client(region="mars", user_secret="u", organization_secret="o")
    assert e.value.field == "region"
    with pytest.raises(oc.InvalidInputError) as e:
        oc.Client(region="us2", base_url="https://x.example", user_secret="u", organization_secret="o")
    assert e.value.field == "base_url"


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"timeout": -1.0}, "timeout"),
        ({"timeout": math.nan}, "timeout"),
        ({"timeout": math.inf}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": "30"}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"connect_timeout": -0.5}, "connect_timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 11}, "max_retries"),
        ({"max_retries": 2**80}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"base_url": 42}, "base_url"),
        ({"base_url": "http://example.com/elements/api-v2"}, "base_url"),
        ({"user_secret": ""}, "user_secret"),
        ({"user_secret": "has space"}, "user_secret"),
        ({"organization_secret": b"bytes"}, "organization_secret"),
    ],
)
def test_bad_settings_are_invalid_input(sb: Sandbox, kwargs: Any, field: str) -> None:
    for cls in (oc.Client, oc.AsyncClient):
        args = {"base_url": sb.base_url, "user_secret": "u", "organization_secret": "o", **kwargs}
        with pytest.raises(oc.InvalidInputError) as e:
            cls(**args)
        assert e.value.field == field
        assert e.value.code == "invalid_input"
        assert "has space" not in str(e.value)


def test_settings_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        oc.Client("https://x.example")  # type: ignore[call-arg]


def test_env_var_fallback(sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(oc.InvalidInputError) as e:
        oc.Client()
    assert e.value.field == "base_url"
    monkeypatch.setenv("OPEN_CONNECTORS_BASE_URL", sb.base_url)
    with pytest.raises(oc.InvalidInputError) as e:
        oc.Client()
    assert e.value.field == "user_secret"
    monkeypatch.setenv("OPEN_CONNECTORS_USER_SECRET", "zn96SWr/RjPPWztl+oQcFkT0mbKPpW7hEvPkYcRy6xM=")
    monkeypatch.setenv("OPEN_CONNECTORS_ORGANIZATION_SECRET", "4c193728a11e2d03025e29992948b12c")
    c = oc.Client()
    assert c.base_url == sb.base_url
    inst = c.create_instance("insightly", configuration=BASIC)
    assert inst.element_key == "insightly"
    assert sb.journal()[-1]["headers"]["authorization"] == (
        "User zn96SWr/RjPPWztl+oQcFkT0mbKPpW7hEvPkYcRy6xM=, Organization 4c193728a11e2d03025e29992948b12c"
    )
    # Arguments win over the environment.
    assert client(sb).create_instance("insightly", configuration=BASIC).id > 0
    assert sb.journal()[-1]["headers"]["authorization"].startswith(f"User {DEFAULT_USER_SECRET},")

    async def run() -> oc.Instance:
        async with oc.AsyncClient() as ac:
            return await ac.create_instance("insightly", configuration=BASIC)

    assert asyncio.run(run()).element_key == "insightly"

    monkeypatch.delenv("OPEN_CONNECTORS_BASE_URL")
    monkeypatch.setenv("OPEN_CONNECTORS_REGION", "eu10")
    assert oc.Client().base_url == "https://api.openconnectors.eu10.ext.hana.ondemand.com/elements/api-v2"


# ---- the Instance -------------------------------------------------------------------


def test_instance_fields(sb: Sandbox) -> None:
    c = client(sb)
    inst = c.create_instance(
        "insightly", name="Element Instance Name", tags=("Docs", "crm"), configuration=BASIC
    )
    raw = inst.to_dict()
    assert isinstance(inst.id, int) and inst.id == raw["id"]
    assert inst.name == "Element Instance Name"
    assert isinstance(inst.token, str) and inst.token == raw["token"]
    assert isinstance(inst.created_date, datetime.datetime)
    assert inst.created_date.tzinfo is not None
    assert inst.created_date.utcoffset() == datetime.timedelta(0)
    assert inst.created_date.isoformat().replace("+00:00", "Z") == raw["createdDate"]
    assert inst.element is not None and inst.element["key"] == "insightly"
    assert inst.element == raw["element"]
    assert inst.element_key == "insightly"
    assert inst.element_id == 5993
    assert inst.tags == ["Docs", "crm"]
    assert inst.provision_interactions == []
    assert inst.valid is True and inst.disabled is False
    assert inst.max_cache_size == raw["maxCacheSize"]
    assert inst.cache_time_to_live == raw["cacheTimeToLive"]
    assert inst.configuration == raw["configuration"]
    assert inst.configuration["password"] == "********"
    assert inst.events_enabled is False
    assert inst.trace_logging_enabled is False
    assert inst.caching_enabled is False
    assert inst.external_authentication == "none"
    assert inst.user == raw["user"]
    assert inst.provider_data is None
    assert inst.extra == {}
    # to_dict() is a fresh copy each time.
    raw["id"] = -1
    assert inst.to_dict()["id"] == inst.id


def test_instance_lenient_shapes_and_unknown_fields(sb: Sandbox) -> None:
    body = {
        "id": "477858",
        "name": "n",
        "token": "tok3n-value",
        "createdDate": 1523471146123,
        "tags": [{"id": 7, "name": "Docs"}, "crm"],
        "valid": "true",
        "providerData": {"code": "abc"},
        "brandNew": {"nested": [1, 2.5, None, True]},
        "bigNumber": 18446744073709551615,
    }
    sb.fault({"method": "POST", "path": "/elements/api-v2/instances", "status": 200, "body": body})
    inst = client(sb).create_instance("insightly", configuration=BASIC)
    assert inst.id == 477858
    assert inst.created_date == datetime.datetime(2018, 4, 11, 18, 25, 46, 123000, tzinfo=datetime.timezone.utc)
    assert inst.tags == ["Docs", "crm"]
    assert inst.valid is True
    assert inst.disabled is None
    assert inst.element is None and inst.element_key is None and inst.user is None
    assert inst.configuration == {}
    assert inst.provider_data == {"code": "abc"}
    assert inst.extra == {"brandNew": {"nested": [1, 2.5, None, True]}, "bigNumber": 18446744073709551615}
    assert inst.to_dict() == body


def test_unparseable_created_date_is_none(sb: Sandbox) -> None:
    body = {"id": 1, "name": "n", "token": "t0ken", "createdDate": "yesterday"}
    sb.fault({"method": "POST", "path": "/elements/api-v2/instances", "status": 200, "body": body})
    inst = client(sb).create_instance("insightly", configuration=BASIC)
    assert inst.created_date is None
    assert inst.to_dict()["createdDate"] == "yesterday"


def test_instance_round_trips_through_its_json(sb: Sandbox) -> None:
    inst = client(sb).create_instance("insightly", configuration=BASIC, name="Round trip")
    data = inst.to_dict()
    again = oc.Instance.from_dict(data)
    assert again == inst and oc.Instance(data) == inst
    assert again.to_dict() == data and again.token == inst.token
    assert again.created_date == inst.created_date and again.created_date is not None
    restored = pickle.loads(pickle.dumps(inst))
    assert restored == inst and restored.to_dict() == data
    assert copy.deepcopy(inst) == inst
    data["brandNew"] = {"x": 1}
    assert oc.Instance.from_dict(data).extra == {"brandNew": {"x": 1}}
    assert inst.extra == {}
    with pytest.raises(oc.InvalidInputError) as bad:
        oc.Instance.from_dict({"id": 1})
    assert bad.value.field == "data" and "missing field" in str(bad.value)
    with pytest.raises(TypeError):
        oc.Instance()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        oc.Instance([1, 2])  # type: ignore[arg-type]


# ---- arguments -----------------------------------------------------------------------


def test_arguments_reach_the_wire(sb: Sandbox) -> None:
    c = client(sb)
    c.create_instance(5993, configuration=BASIC)
    assert sb.journal()[-1]["path"] == "/elements/api-v2/elements/5993/instances"
    c.create_instance(
        "onedrivev2",
        name="Drive",
        tags=["a"],
        provider_data={"code": "WCT3Ny3QRbA6HDXY"},
        configuration={**OAUTH, "event.notification.enabled": True, "nested": {"n": [1, 2.5, None]}},
        external_authentication="none",
        endpoint="elements",
        extra={"retrieveObjectsAfterInstantiation": True},
    )
    last = sb.journal()[-1]
    assert last["path"] == "/elements/api-v2/elements/onedrivev2/instances"
    assert last["json"] == {
        "name": "Drive",
        "tags": ["a"],
        "configuration": {**OAUTH, "event.notification.enabled": True, "nested": {"n": [1, 2.5, None]}},
        "providerData": {"code": "WCT3Ny3QRbA6HDXY"},
        "externalAuthentication": "none",
        "retrieveObjectsAfterInstantiation": True,
    }


class Opaque:
    pass


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"configuration": {"password": b"s3cr3t-bytes"}}, "configuration"),
        ({"configuration": {1: "x"}}, "configuration"),
        ({"configuration": {"x": math.nan}}, "configuration"),
        ({"configuration": {"x": math.inf}}, "configuration"),
        ({"configuration": {"x": 2**64}}, "configuration"),
        ({"configuration": {"x": -(2**63) - 1}}, "configuration"),
        ({"configuration": {"x": {1, 2}}}, "configuration"),
        ({"configuration": {"x": Opaque()}}, "configuration"),
        ({"configuration": ["not", "an", "object"]}, "configuration"),
        ({"configuration": "s3cr3t-string"}, "configuration"),
        ({"provider_data": {"code": 1j}}, "provider_data"),
        ({"provider_data": "c0de"}, "provider_data"),
        ({"tags": ["ok", 1]}, "tags"),
        ({"tags": "Docs"}, "tags"),
        ({"name": 5}, "name"),
        ({"endpoint": "nowhere"}, "endpoint"),
        ({"extra": {"element": {}}}, "extra.element"),
        ({"extra": [1]}, "extra"),
        ({"external_authentication": 1}, "external_authentication"),
    ],
)
def test_bad_arguments_are_invalid_input(sb: Sandbox, kwargs: Any, field: str) -> None:
    c = client(sb)
    with pytest.raises(oc.InvalidInputError) as e:
        c.create_instance("insightly", **kwargs)
    assert e.value.field == field
    assert "s3cr3t" not in str(e.value) and "c0de" not in str(e.value)
    assert sb.journal() == []


@pytest.mark.parametrize("element", [True, None, 1.5, -1, 2**64, "", "a/b", ["x"], {"key": "x"}])
def test_bad_elements(sb: Sandbox, element: Any) -> None:
    with pytest.raises(oc.InvalidInputError) as e:
        client(sb).create_instance(element)
    assert e.value.field == "element"


def test_the_message_names_the_place_of_a_bad_value_not_the_value(sb: Sandbox) -> None:
    c = client(sb)
    with pytest.raises(oc.InvalidInputError) as e:
        c.create_instance("insightly", configuration={"ok": "s3cr3t", "a": [1, {"b\\": {1, 2}}]})
    assert e.value.field == "configuration"
    assert str(e.value).endswith(
        'configuration["a"][1]["b\\\\"]: values of type set are not supported; '
        "use dict (str keys), list, tuple, str, int, float, bool or None"
    ), str(e.value)
    assert "s3cr3t" not in str(e.value)
    with pytest.raises(oc.InvalidInputError) as e:
        c.create_instance("insightly", tags=["ok", ("x", math.nan)])  # type: ignore[list-item]
    assert 'tags[1][1]: a float must be finite' in str(e.value), str(e.value)
    with pytest.raises(oc.InvalidInputError) as e:
        c.create_instance("insightly", name=2**64)  # type: ignore[arg-type]
    assert str(e.value) == (
        "invalid input: name: the integer is out of range (JSON integers here must fit in 64 bits)"
    ), "a top-level argument is named once, by its field"
    assert sb.journal() == []


def test_self_referencing_values_are_refused(sb: Sandbox) -> None:
    loop: Any = []
    loop.append(loop)
    with pytest.raises(oc.InvalidInputError) as e:
        client(sb).create_instance("insightly", configuration={"x": loop})
    assert e.value.field == "configuration"
    assert 'configuration["x"]' + "[0]" * 100 + ": nested deeper than 100 levels" in str(e.value)


def test_subclasses_of_json_types_are_accepted(sb: Sandbox) -> None:
    import collections

    cfg = collections.OrderedDict([("username", "u"), ("password", "p")])
    client(sb).create_instance("insightly", configuration=cfg, tags=("a",))
    assert sb.journal()[-1]["json"]["configuration"] == {"username": "u", "password": "p"}


def test_unknown_keyword_is_a_type_error(sb: Sandbox) -> None:
    with pytest.raises(TypeError):
        client(sb).create_instance("insightly", colour="red")  # type: ignore[call-arg]


def test_the_native_entry_points_refuse_an_unknown_operation(sb: Sandbox) -> None:
    # The generated methods name operations of the core's table; the native module
    # takes the table's own name (no copy) and refuses any other, sending nothing.
    c = client(sb)
    sent = len(sb.journal())
    native = c._native
    for attempt in (
        lambda: native.call("create_instance_", {"element": "insightly"}),
        lambda: native.dry_run("no_such_operation", {}),
        lambda: native.pager("list_instancez", {}),
    ):
        with pytest.raises(oc.InvalidInputError) as e:
            attempt()
        assert e.value.field == "operation"
        assert "is not an operation" in str(e.value)

    async def run() -> None:
        ac = oc.AsyncClient(base_url=sb.base_url, user_secret=DEFAULT_USER_SECRET,
                            organization_secret=DEFAULT_ORGANIZATION_SECRET)
        with pytest.raises(oc.InvalidInputError) as e:
            await ac._native.call_async("Create_Instance", {"element": "insightly"})
        assert e.value.field == "operation"

    asyncio.run(run())
    # The right names still work on the same client, on a lane and on the loop.
    assert native.call("create_instance", {"element": "insightly", "configuration": BASIC})["id"] > 0
    assert len(sb.journal()) == sent + 1


# ---- repr never shows a secret --------------------------------------------------------


def test_repr_redaction(sb: Sandbox) -> None:
    c = client(sb)
    ac = oc.AsyncClient(base_url=sb.base_url, user_secret=DEFAULT_USER_SECRET, organization_secret=DEFAULT_ORGANIZATION_SECRET)
    for obj in (c, ac):
        text = repr(obj)
        assert "[REDACTED]" in text and sb.base_url in text
        assert not any(s in text for s in SECRETS), text
    inst = c.create_instance("insightly", name="CRM", configuration={"username": "u", "password": "hunter2-pw"})
    text = repr(inst)
    assert text == f"Instance(id={inst.id}, name='CRM', element_key='insightly', token='[REDACTED]')"
    assert inst.token not in text and "hunter2" not in text
    assert inst.token not in str(inst)

    bad = oc.Client(base_url=sb.base_url, user_secret="wrong-user-secret", organization_secret="wrong-org-secret")
    with pytest.raises(oc.AuthenticationError) as e:
        bad.create_instance("insightly", configuration={"username": "u", "password": "hunter2-pw"})
    for text in (str(e.value), repr(e.value), repr(e.value.__dict__), repr(bad)):
        assert "wrong-user-secret" not in text and "wrong-org-secret" not in text and "hunter2" not in text


# ---- context managers ----------------------------------------------------------------


def test_sync_context_manager(sb: Sandbox) -> None:
    c = client(sb)
    with c as entered:
        assert entered is c
        assert not c.closed
        c.create_instance("insightly", configuration=BASIC)
    assert c.closed
    assert "closed=True" in repr(c)
    with pytest.raises(oc.ClientClosedError, match="closed") as closed:
        c.create_instance("insightly", configuration=BASIC)
    assert isinstance(closed.value, oc.OpenConnectorsError) and isinstance(closed.value, RuntimeError)
    assert closed.value.code == "client_closed"
    c.close()  # idempotent

    with pytest.raises(KeyError):
        with client(sb) as c2:
            raise KeyError("not swallowed")
    assert c2.closed


def test_async_context_manager(sb: Sandbox) -> None:
    async def run() -> None:
        ac = oc.AsyncClient(base_url=sb.base_url, user_secret=DEFAULT_USER_SECRET, organization_secret=DEFAULT_ORGANIZATION_SECRET)
        async with ac as entered:
            assert entered is ac
            await ac.create_instance("insightly", configuration=BASIC)
        assert ac.closed
        with pytest.raises(oc.ClientClosedError, match="closed"):
            await ac.create_instance("insightly", configuration=BASIC)

        ac2 = oc.AsyncClient(base_url=sb.base_url, user_secret=DEFAULT_USER_SECRET, organization_secret=DEFAULT_ORGANIZATION_SECRET)
        await ac2.aclose()
        assert ac2.closed

        with pytest.raises(KeyError):
            async with oc.AsyncClient(
                base_url=sb.base_url, user_secret=DEFAULT_USER_SECRET, organization_secret=DEFAULT_ORGANIZATION_SECRET
            ):
                raise KeyError("not swallowed")

    asyncio.run(run())


def test_async_errors_are_raised_on_await(sb: Sandbox) -> None:
    async def run() -> None:
        ac = oc.AsyncClient(base_url=sb.base_url, user_secret=DEFAULT_USER_SECRET, organization_secret=DEFAULT_ORGANIZATION_SECRET)
        pending = ac.create_instance("bad key", configuration={"x": b"bytes"})
        with pytest.raises(oc.InvalidInputError):
            await pending
        pending = ac.create_instance("insightly", configuration={"x": b"bytes"})
        with pytest.raises(oc.InvalidInputError) as e:
            await pending
        assert e.value.field == "configuration"

    asyncio.run(run())
