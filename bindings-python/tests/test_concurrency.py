"""Threads, asyncio and fork. No timed performance assertions: overlap is proven by
what the sandbox received while no call had returned yet, or by another thread or
coroutine making progress meanwhile."""

from __future__ import annotations

import asyncio
import inspect
import multiprocessing
import queue
import threading
import time
from typing import Any, List, Tuple

import pytest

import open_connectors as oc
from conftest import BASIC, DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET, Sandbox

CREATE_PATH = "/elements/api-v2/instances"
N = 4


def settings(sb: Sandbox, **kw: Any) -> Any:
    return {"base_url": sb.base_url, "user_secret": DEFAULT_USER_SECRET, "organization_secret": DEFAULT_ORGANIZATION_SECRET, **kw}


def wait_for_requests(sb: Sandbox, n: int, limit: float = 30.0) -> int:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        seen = len(sb.journal())
        if seen >= n:
            return seen
        time.sleep(0.01)
    return len(sb.journal())


def test_sync_calls_release_the_gil_and_overlap(sb: Sandbox) -> None:
    # Each create is held 1.5 s by the sandbox. If a waiting call kept the GIL, the
    # other threads (and this one) could not even send: the sandbox would see one
    # request at a time.
    sb.fault({"method": "POST", "path": CREATE_PATH, "count": N, "delay_ms": 1500})
    client = oc.Client(**settings(sb))
    done: List[int] = []
    errors: List[BaseException] = []

    def work() -> None:
        try:
            done.append(client.create_instance("insightly", configuration=BASIC).id)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(N)]
    for t in threads:
        t.start()
    seen = wait_for_requests(sb, N)
    completed_when_all_seen = len(done)
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(done) == N and len(set(done)) == N
    assert seen == N
    assert completed_when_all_seen == 0, "the calls did not overlap"


def test_one_client_shared_by_many_threads(sb: Sandbox) -> None:
    client = oc.Client(**settings(sb))
    ids: List[int] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(5):
            inst = client.create_instance("insightly", configuration=BASIC)
            with lock:
                ids.append(inst.id)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(ids) == 40 and len(set(ids)) == 40


def test_asyncio_loop_is_not_blocked(sb: Sandbox) -> None:
    sb.fault({"method": "POST", "path": CREATE_PATH, "delay_ms": 500})

    async def run() -> Tuple[int, oc.Instance]:
        ticks = 0
        stop = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not stop.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        async with oc.AsyncClient(**settings(sb)) as client:
            task = asyncio.create_task(ticker())
            await asyncio.sleep(0)
            start = ticks
            inst = await client.create_instance("insightly", configuration=BASIC)
            during = ticks - start
            stop.set()
            await task
        return during, inst

    during, inst = asyncio.run(run())
    assert inst.element_key == "insightly"
    # A blocked loop would not have ticked at all while the call was in flight.
    assert during >= 5, during


def test_async_calls_overlap(sb: Sandbox) -> None:
    sb.fault({"method": "POST", "path": CREATE_PATH, "count": N, "delay_ms": 1500})

    async def run() -> Tuple[int, int, List[oc.Instance]]:
        async with oc.AsyncClient(**settings(sb)) as client:
            tasks = [asyncio.ensure_future(client.create_instance("insightly", configuration=BASIC)) for _ in range(N)]
            loop = asyncio.get_running_loop()
            seen = await loop.run_in_executor(None, wait_for_requests, sb, N)
            completed = sum(t.done() for t in tasks)
            return seen, completed, list(await asyncio.gather(*tasks))

    seen, completed_when_all_seen, results = asyncio.run(run())
    assert seen == N
    assert completed_when_all_seen == 0
    assert len({i.id for i in results}) == N


def test_async_cancellation(sb: Sandbox) -> None:
    sb.fault({"method": "POST", "path": CREATE_PATH, "delay_ms": 3000})

    async def run() -> oc.Instance:
        async with oc.AsyncClient(**settings(sb)) as client:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(client.create_instance("insightly", configuration=BASIC), 0.2)
            return await client.create_instance("insightly", configuration=BASIC)

    assert asyncio.run(run()).element_key == "insightly"


def test_async_methods_are_coroutines_that_send_nothing_until_awaited(sb: Sandbox) -> None:
    client = oc.AsyncClient(**settings(sb))
    pending = client.create_instance("insightly", configuration=BASIC)
    assert inspect.iscoroutine(pending)
    pending.close()  # never awaited: nothing was sent
    assert sb.journal() == []

    async def run() -> List[int]:
        # create_task and TaskGroup-style scheduling take them as they are.
        tasks = [asyncio.create_task(client.create_instance("insightly", configuration=BASIC)) for _ in range(3)]
        made = await asyncio.gather(*tasks)
        got = await asyncio.create_task(client.get_instance(made[0].id))
        assert got == made[0]
        await client.delete_instance(made[0].id)
        return [m.id for m in made]

    ids = asyncio.run(run())
    assert len(set(ids)) == 3
    assert [r["method"] for r in sb.journal()] == ["POST"] * 3 + ["GET", "DELETE"]


def test_async_client_across_loops_and_threads(sb: Sandbox) -> None:
    client = oc.AsyncClient(**settings(sb))
    results: List[int] = []

    async def create() -> oc.Instance:
        return await client.create_instance("insightly", configuration=BASIC)

    def in_thread() -> None:
        results.append(asyncio.run(create()).id)

    threads = [threading.Thread(target=in_thread) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    results.append(asyncio.run(create()).id)
    assert len(set(results)) == 4


# ---- fork -------------------------------------------------------------------------------


def _child_sync(client: oc.Client, out: "multiprocessing.Queue[Any]") -> None:
    try:
        inst = client.create_instance("insightly", name="from the child", configuration=BASIC)
        out.put(("ok", inst.name))
    except BaseException as e:  # noqa: BLE001
        out.put(("error", repr(e)))


async def _create(client: oc.AsyncClient, name: str = "x") -> oc.Instance:
    return await client.create_instance("insightly", name=name, configuration=BASIC)


def _child_async(client: oc.AsyncClient, out: "multiprocessing.Queue[Any]") -> None:
    try:
        inst = asyncio.run(_create(client, "from the child"))
        out.put(("ok", inst.name))
    except BaseException as e:  # noqa: BLE001
        out.put(("error", repr(e)))


def run_in_forked_child(target: Any, client: Any) -> Tuple[str, str]:
    ctx = multiprocessing.get_context("fork")
    out: "multiprocessing.Queue[Any]" = ctx.Queue()
    child = ctx.Process(target=target, args=(client, out))
    child.start()
    try:
        result: Tuple[str, str] = out.get(timeout=60)
    except queue.Empty:
        result = ("hung", "the child produced nothing within 60 s")
    child.join(30)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail(f"the forked child hung ({result})")
    assert child.exitcode == 0
    return result


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # 3.12+: fork() of a multi-threaded process
def test_sync_client_after_fork(sb: Sandbox) -> None:
    client = oc.Client(**settings(sb))
    client.create_instance("insightly", configuration=BASIC)  # the parent's runtime and pool are live
    assert run_in_forked_child(_child_sync, client) == ("ok", "from the child")
    assert client.create_instance("insightly", configuration=BASIC).id > 0  # the parent still works
    assert [r["json"].get("name") for r in sb.journal()] == [None, "from the child", None]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_async_client_after_fork(sb: Sandbox) -> None:
    client = oc.AsyncClient(**settings(sb))
    asyncio.run(_create(client))
    assert run_in_forked_child(_child_async, client) == ("ok", "from the child")
    assert asyncio.run(_create(client)).id > 0


def test_a_waiting_sync_call_can_be_interrupted(sb: Sandbox) -> None:
    # The sandbox holds the request 20 s; Ctrl-C (here: interrupt_main) must not wait for it.
    import _thread

    sb.fault({"method": "POST", "path": CREATE_PATH, "delay_ms": 20000})
    client = oc.Client(**settings(sb))
    timer = threading.Timer(0.3, _thread.interrupt_main)
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            client.create_instance("insightly", configuration=BASIC)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 10, "the call was not interrupted while it waited"
    assert wait_for_requests(sb, 1) == 1
    sb.reset()
    assert client.create_instance("insightly", configuration=BASIC).id > 0
