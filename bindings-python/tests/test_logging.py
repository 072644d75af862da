"""The core's events reach the standard logger "open_connectors", without secrets."""

from __future__ import annotations

import asyncio
import logging
from typing import List

import pytest

import open_connectors as oc
from conftest import BASIC, DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET, Sandbox

PASSWORD = "hunter2-password"


def records(caplog: pytest.LogCaptureFixture) -> List[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "open_connectors"]


def no_secrets(caplog: pytest.LogCaptureFixture, *extra: str) -> None:
    for r in records(caplog):
        text = r.getMessage()
        for s in (DEFAULT_USER_SECRET, DEFAULT_ORGANIZATION_SECRET, PASSWORD, *extra):
            assert s not in text, text


def test_success_and_failure_are_logged_at_debug(sb: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="open_connectors")
    client = oc.Client(base_url=sb.base_url, user_secret=DEFAULT_USER_SECRET, organization_secret=DEFAULT_ORGANIZATION_SECRET)
    inst = client.create_instance("insightly", configuration={"username": "u", "password": PASSWORD})
    sb.fault({"method": "POST", "path": "/elements/api-v2/instances", "status": 503, "body": {"message": "down"}})
    with pytest.raises(oc.InternalServerError):
        client.create_instance("insightly", configuration={"username": "u", "password": PASSWORD})
    messages = [r.getMessage() for r in records(caplog)]
    assert any("status=200" in m and "path=/elements/api-v2/instances" in m for m in messages), messages
    assert any(m.startswith("request failed") and "status=503" in m for m in messages), messages
    assert any(m.startswith("giving up") for m in messages), messages
    assert all(r.levelno == logging.DEBUG for r in records(caplog))
    no_secrets(caplog, inst.token)


def test_retries_are_logged_at_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="open_connectors")
    client = oc.Client(
        base_url="http://127.0.0.1:1/elements/api-v2",
        user_secret=DEFAULT_USER_SECRET,
        organization_secret=DEFAULT_ORGANIZATION_SECRET,
        max_retries=1,
    )
    with pytest.raises(oc.ApiConnectionError) as e:
        client.create_instance("insightly", configuration=BASIC)
    assert e.value.attempts == 2
    retries = [r for r in records(caplog) if r.getMessage().startswith("retrying")]
    assert len(retries) == 1 and retries[0].levelno == logging.INFO
    assert "code=connection" in retries[0].getMessage()
    assert all(r.levelno >= logging.INFO for r in records(caplog))
    no_secrets(caplog)


def test_async_calls_log_too(sb: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="open_connectors")

    async def run() -> None:
        async with oc.AsyncClient(
            base_url=sb.base_url, user_secret=DEFAULT_USER_SECRET, organization_secret=DEFAULT_ORGANIZATION_SECRET
        ) as client:
            await client.create_instance("insightly", configuration=BASIC)

    asyncio.run(run())
    assert any("status=200" in r.getMessage() for r in records(caplog))


def test_nothing_is_logged_below_the_loggers_level(sb: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="open_connectors")
    client = oc.Client(base_url=sb.base_url, user_secret=DEFAULT_USER_SECRET, organization_secret=DEFAULT_ORGANIZATION_SECRET)
    client.create_instance("insightly", configuration=BASIC)
    assert records(caplog) == []


def test_records_of_calls_are_emitted_by_python_threads(sb: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    """The core's events never attach to Python from a runtime thread: the calling
    thread (or the event loop's) emits them, in order, with the GIL it holds anyway."""
    import threading

    sb.fault({"method": "GET", "path": "/elements/api-v2/instances/987654", "status": 503, "count": 2})
    caplog.set_level(logging.DEBUG, logger="open_connectors")
    client = oc.Client(base_url=sb.base_url, user_secret=DEFAULT_USER_SECRET, organization_secret=DEFAULT_ORGANIZATION_SECRET, max_retries=2)
    with pytest.raises(oc.NotFoundError):
        client.get_instance(987654)
    records = [r for r in caplog.records if r.name == "open_connectors"]
    assert [r.getMessage().split(" ")[0] for r in records].count("retrying") == 2
    assert {r.thread for r in records} == {threading.get_ident()}


ATEXIT_SCRIPT = r"""
import atexit, sys
def late():
    import open_connectors as oc
    with oc.Client(base_url=sys.argv[1], user_secret=sys.argv[2], organization_secret=sys.argv[3]) as c:
        try:
            c.get_instance(1)
        except oc.NotFoundError:
            print("atexit call done", flush=True)
atexit.register(late)
import open_connectors  # its own exit hook runs before `late`
"""


def test_a_call_from_an_atexit_handler_still_completes(sb: Sandbox) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", ATEXIT_SCRIPT, sb.base_url, DEFAULT_USER_SECRET, DEFAULT_ORGANIZATION_SECRET],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "atexit call done"


def test_logging_disable_and_a_disabled_logger_are_respected(sb: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    """The level is read the way `Logger.isEnabledFor` reads it (without running
    logging's Python code beneath the native call): `logging.disable`, the logger's
    `disabled` flag, and a level inherited from a parent."""
    client = oc.Client(base_url=sb.base_url, user_secret=DEFAULT_USER_SECRET, organization_secret=DEFAULT_ORGANIZATION_SECRET)
    caplog.set_level(logging.DEBUG, logger="open_connectors")
    logging.disable(logging.DEBUG)
    try:
        client.create_instance("insightly", configuration=BASIC)
        assert records(caplog) == []
    finally:
        logging.disable(logging.NOTSET)
    logger = logging.getLogger("open_connectors")
    logger.disabled = True
    try:
        client.create_instance("insightly", configuration=BASIC)
        assert records(caplog) == []
    finally:
        logger.disabled = False
    # Inherited: the logger's own level unset, the root's at DEBUG.
    logger.setLevel(logging.NOTSET)
    caplog.set_level(logging.DEBUG)
    client.create_instance("insightly", configuration=BASIC)
    assert [r.levelno for r in records(caplog)] == [logging.DEBUG]


EXIT_SCRIPT = r"""
import asyncio, logging, os, random, sys, threading, time
import open_connectors as oc
logging.basicConfig(level=logging.DEBUG, stream=open(os.devnull, "w"))
base, user, org = sys.argv[1:4]
client = oc.Client(base_url=base, user_secret=user, organization_secret=org, max_retries=0)
def sync_loop():
    while True:
        try:
            client.get_instance(5)
        except oc.OpenConnectorsError:
            pass
async def async_main():
    ac = oc.AsyncClient(base_url=base, user_secret=user, organization_secret=org, max_retries=0)
    async def one():
        while True:
            try:
                await ac.get_instance(5)
            except oc.OpenConnectorsError:
                pass
    await asyncio.gather(*[one() for _ in range(4)])
for _ in range(6):
    threading.Thread(target=sync_loop, daemon=True).start()
threading.Thread(target=lambda: asyncio.run(async_main()), daemon=True).start()
time.sleep(random.uniform(0.05, 0.25))
print("exiting", flush=True)
"""


def test_exit_with_calls_in_flight_and_logging_on(sb: Sandbox) -> None:
    """The interpreter exits while daemon threads and an event loop have calls in
    flight and every call logs at DEBUG: no abort, no crash, no panic message. (Before
    the log records were emitted from Python, about one exit in eight aborted with
    "FATAL: exception not rethrown": logging ran beneath a Rust frame and CPython ended
    the thread there with pthread_exit.)"""
    import subprocess
    import sys

    for run in range(12):
        proc = subprocess.run(
            [sys.executable, "-c", EXIT_SCRIPT, sb.base_url, DEFAULT_USER_SECRET, DEFAULT_ORGANIZATION_SECRET],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, f"run {run}: exit {proc.returncode}: {proc.stderr[-2000:]}"
        assert proc.stdout == "exiting\n"
        for bad in ("panicked", "Fatal Python error", "FATAL", "Traceback"):
            assert bad not in proc.stderr, f"run {run}: {proc.stderr[-2000:]}"
