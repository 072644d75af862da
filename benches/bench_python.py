#!/usr/bin/env python3
"""The Python program of `make bench` (driven by benches/run.py; see benches/README.md).

Creates Basic instances against a running sandbox through one client, one call at a
time or N in flight, and prints one JSON line: calls per second, latency percentiles,
CPU seconds per 1,000 calls and peak RSS (VmHWM) of this process (resource.getrusage), and
optionally RSS at call-count checkpoints.

Clients: sdk (open_connectors.Client; threads for N in flight), sdk_async
(open_connectors.AsyncClient), requests (requests.Session), httpx (httpx.Client),
httpx_async (httpx.AsyncClient), aiohttp (aiohttp.ClientSession), and the fast peers,
each parsing with orjson.loads: httpr (httpr.Client), pycurl (a pycurl.Curl handle per
thread in flight), pyreqwest (pyreqwest's SyncClient), httpr_async (httpr.AsyncClient) and
pyreqwest_async (pyreqwest's async Client). Every peer sends the bytes the SDK sends
(the body serialized per call, compact, in the SDK's key order; Authorization,
Content-Type and Accept as the SDK sends them), checks the status and parses the JSON
answer, as the SDK decodes it into an Instance. Only the client under test is
imported, so the RSS is that client's.

With --workload page it pages instead through a seeded hub listing (GET
/hubs/crm/contacts of the instance whose token --token gives, --records records,
--page-size per page), decoding every record into a dict and reading its `score`, and
prints records per second, CPU per record, and RSS at the start and at its peak while
paging. Clients: sdk (InstanceClient.paginate), sdk_async (AsyncInstanceClient.paginate),
requests (+ json.loads), and httpx, aiohttp, httpr, pycurl, pyreqwest, httpr_async and
pyreqwest_async (each + orjson.loads); each peer follows elements-next-page-token by
hand until an empty page or no token.

With --slices (the duels of benches/run.py) it warms up, prints {"event":"ready"}, and
then runs one slice per line read from stdin ("go SECS": calls for SECS seconds, printed
as {"event":"slice","calls":N,"elapsed_s":S,"cpu_s":C}) until "end" or the end of stdin.
Between slices it waits on stdin, using no CPU, so that two programs can take turns.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import gc
import itertools
import json
import os
import resource
import sys
import threading
import time
from typing import Any, AsyncGenerator, Awaitable, Callable, Iterator, cast

BODY: dict[str, Any] = {
    "element": {"key": "insightly"},
    "name": "Element Instance Name",
    "tags": ["Docs"],
    "configuration": {"username": "claudeelements", "password": "password"},
}
USER_SECRET = os.environ.get("OPEN_CONNECTORS_USER_SECRET") or "sAfK7LJGNz5ZHcNrvdJvLI=f03WbTbH6aRKc0HJ3oOIi"
ORG_SECRET = os.environ.get("OPEN_CONNECTORS_ORGANIZATION_SECRET") or "58168435e3b9959a929eb04b6218b9a2"
HEADERS = {
    "Authorization": f"User {USER_SECRET}, Organization {ORG_SECRET}",
    "Content-Type": "application/json",
    "Accept": "application/json",
}
SYNC = ("sdk", "requests", "httpx", "httpr", "pycurl", "pyreqwest")
ASYNC = ("sdk_async", "httpx_async", "aiohttp", "httpr_async", "pyreqwest_async")
PAGE_CLIENTS = ("sdk", "sdk_async", "requests", "httpx", "aiohttp", "httpr", "pycurl", "pyreqwest",
                "httpr_async", "pyreqwest_async")
HUB_PATH = "/hubs/crm/contacts"


def body_bytes() -> bytes:
    return json.dumps(BODY, separators=(",", ":")).encode()


def check(data: Any) -> None:
    if not (isinstance(data, dict) and isinstance(data.get("id"), int) and data.get("token")):
        raise RuntimeError(f"unexpected answer: {str(data)[:200]}")


class BadStatus(RuntimeError):
    pass


# --- sync clients: (call, close) -------------------------------------------------


def make_sync(name: str, base_url: str, conc: int) -> tuple[Callable[[], None], Callable[[], None]]:
    url = base_url + "/instances"
    if name == "sdk":
        import open_connectors as oc

        client = oc.Client(base_url=base_url, user_secret=USER_SECRET, organization_secret=ORG_SECRET)

        def call() -> None:
            inst = client.create_instance(
                "insightly",
                name="Element Instance Name",
                tags=["Docs"],
                configuration={"username": "claudeelements", "password": "password"},
            )
            if not (inst.id > 0 and inst.token):
                raise RuntimeError("bad instance")

        return call, client.close
    if name == "requests":
        import requests
        from requests.adapters import HTTPAdapter

        session = requests.Session()
        # The default pool keeps 10 connections: size it for the threads.
        session.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=max(10, conc)))

        def call() -> None:
            r = session.post(url, data=body_bytes(), headers=HEADERS)
            if r.status_code != 200:
                raise BadStatus(r.status_code)
            check(r.json())

        return call, session.close
    if name == "httpx":
        import httpx

        limits = httpx.Limits(max_connections=max(100, conc), max_keepalive_connections=max(20, conc))
        hclient = httpx.Client(limits=limits)

        def call() -> None:
            r = hclient.post(url, content=body_bytes(), headers=HEADERS)
            if r.status_code != 200:
                raise BadStatus(r.status_code)
            check(r.json())

        return call, hclient.close
    if name == "httpr":
        import httpr
        import orjson

        # One client shared by the threads: httpr's AsyncClient is this same client run on
        # a pool of up to 64 threads (its docs: it "wraps the synchronous Client using
        # asyncio.run_in_executor()"), so the library itself calls one Client from many
        # threads at once; a request releases the GIL while it waits. reqwest's pool below
        # has no connection limit.
        rclient = httpr.Client()

        def call() -> None:
            r = rclient.post(url, content=body_bytes(), headers=HEADERS)
            if r.status_code != 200:
                raise BadStatus(r.status_code)
            check(orjson.loads(r.content))

        return call, rclient.close
    if name == "pycurl":
        import orjson
        import pycurl

        # A Curl handle per thread in flight, never one shared: libcurl forbids using an
        # easy handle from two threads at once ("You must never share the same handle in
        # multiple threads", libcurl-thread(3); pycurl's Curl object is that handle). Each
        # call takes an idle handle from a stack (list.pop and list.append are atomic under
        # the GIL) and puts it back when done, so N threads use N handles, each made once
        # and reused, keeping its connection alive (its own connection cache). A stack
        # rather than threading.local: phase_sync starts new threads for each phase, and
        # the handles (their connections) must outlive them, as the other clients' pools
        # do. perform() releases the GIL.
        idle: list[tuple[Any, list[bytes]]] = []  # (handle, the chunks it writes the answer to)
        handles: list[Any] = []
        header_lines = [f"{k}: {v}" for k, v in HEADERS.items()]

        def new_handle() -> tuple[Any, list[bytes]]:
            c = pycurl.Curl()
            chunks: list[bytes] = []
            c.setopt(pycurl.URL, url)
            # Content-Type and Accept replace libcurl's defaults (form-urlencoded, */*).
            c.setopt(pycurl.HTTPHEADER, header_lines)
            c.setopt(pycurl.WRITEFUNCTION, chunks.append)
            c.setopt(pycurl.NOSIGNAL, 1)  # libcurl's advice for threaded programs
            handles.append(c)
            return c, chunks

        def call() -> None:
            try:
                h = idle.pop()
            except IndexError:
                h = new_handle()
            c, chunks = h
            try:
                chunks.clear()
                c.setopt(pycurl.POSTFIELDS, body_bytes())  # a POST of these bytes
                c.perform()
                status = c.getinfo(pycurl.RESPONSE_CODE)
                body = b"".join(chunks)
            finally:
                idle.append(h)
            if status != 200:
                raise BadStatus(status)
            check(orjson.loads(body))

        def close() -> None:
            for c in handles:
                c.close()

        return call, close
    if name == "pyreqwest":
        import orjson
        from pyreqwest.client import SyncClientBuilder

        # One client shared by the threads: pyreqwest documents SyncClient as thread-safe
        # ("Multiple requests can be started by different threads concurrently", its
        # docs/free_threading.md); its own benchmark shares one across a thread pool. No
        # connection limit by default (max_connections None).
        pclient = SyncClientBuilder().build()

        def call() -> None:
            r = pclient.post(url).headers(HEADERS).body_bytes(body_bytes()).build().send()
            if r.status != 200:
                raise BadStatus(r.status)
            # bytes() is pyreqwest's Bytes: orjson reads it through a memoryview, no copy.
            check(orjson.loads(memoryview(r.bytes())))

        return call, pclient.close
    raise SystemExit(f"unknown sync client {name}")


async def make_async(
    name: str, base_url: str, conc: int
) -> tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]:
    url = base_url + "/instances"
    if name == "sdk_async":
        import open_connectors as oc

        client = oc.AsyncClient(base_url=base_url, user_secret=USER_SECRET, organization_secret=ORG_SECRET)

        async def call() -> None:
            inst = await client.create_instance(
                "insightly",
                name="Element Instance Name",
                tags=["Docs"],
                configuration={"username": "claudeelements", "password": "password"},
            )
            if not (inst.id > 0 and inst.token):
                raise RuntimeError("bad instance")

        return call, client.aclose
    if name == "httpx_async":
        import httpx

        limits = httpx.Limits(max_connections=max(100, conc), max_keepalive_connections=max(20, conc))
        hclient = httpx.AsyncClient(limits=limits)

        async def call() -> None:
            r = await hclient.post(url, content=body_bytes(), headers=HEADERS)
            if r.status_code != 200:
                raise BadStatus(r.status_code)
            check(r.json())

        return call, hclient.aclose
    if name == "aiohttp":
        import aiohttp

        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=max(100, conc)))

        async def call() -> None:
            async with session.post(url, data=body_bytes(), headers=HEADERS) as r:
                if r.status != 200:
                    raise BadStatus(r.status)
                check(await r.json())

        return call, session.close
    if name == "httpr_async":
        import httpr
        import orjson

        # httpr's AsyncClient runs each request on a thread pool of max_concurrency threads
        # (64 by default): sized so that every task has one.
        rclient = httpr.AsyncClient(max_concurrency=max(64, conc))

        async def call() -> None:
            r = await rclient.post(url, content=body_bytes(), headers=HEADERS)
            if r.status_code != 200:
                raise BadStatus(r.status_code)
            check(orjson.loads(r.content))

        return call, rclient.aclose
    if name == "pyreqwest_async":
        import orjson
        from pyreqwest.client import ClientBuilder

        aclient = ClientBuilder().build()  # no connection limit by default

        async def call() -> None:
            r = await aclient.post(url).headers(HEADERS).body_bytes(body_bytes()).build().send()
            if r.status != 200:
                raise BadStatus(r.status)
            check(orjson.loads(memoryview(await r.bytes())))

        return call, aclient.close
    raise SystemExit(f"unknown async client {name}")


# --- phases ----------------------------------------------------------------------

Stop = tuple[str, float]  # ("calls", n) or ("secs", s)


def limits(stop: Stop) -> tuple[float, float | None]:
    kind, value = stop
    if kind == "calls":
        return value, None
    return float("inf"), time.perf_counter() + value


def phase_sync(call: Callable[[], None], conc: int, stop: Stop, record: bool = True) -> tuple[int, list[int], float]:
    """Runs calls with `conc` in flight until `stop`: the number of calls, each call's
    latency (ns) when `record` (the memory checkpoints do not record, so they do not
    measure the benchmark's own bookkeeping), and the wall time."""
    limit, deadline = limits(stop)
    tickets = itertools.count()  # next() is atomic under the GIL
    errors: list[BaseException] = []
    per_worker: list[list[int]] = [[] for _ in range(conc)]
    counts = [0] * conc
    clock = time.perf_counter_ns

    def worker(i: int) -> None:
        out = per_worker[i]
        n = 0
        try:
            while not (deadline is not None and time.perf_counter() >= deadline) and next(tickets) < limit:
                t = clock()
                call()
                n += 1
                if record:
                    out.append(clock() - t)
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)
        counts[i] = n

    start = time.perf_counter()
    if conc == 1:
        worker(0)
    else:
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(conc)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return sum(counts), [x for out in per_worker for x in out], elapsed


async def phase_async(
    call: Callable[[], Awaitable[None]], conc: int, stop: Stop, record: bool = True
) -> tuple[int, list[int], float]:
    """phase_sync with tasks on the running event loop."""
    limit, deadline = limits(stop)
    tickets = itertools.count()
    per_worker: list[list[int]] = [[] for _ in range(conc)]
    clock = time.perf_counter_ns

    async def worker(out: list[int]) -> int:
        n = 0
        while not (deadline is not None and time.perf_counter() >= deadline) and next(tickets) < limit:
            t = clock()
            await call()
            n += 1
            if record:
                out.append(clock() - t)
        return n

    start = time.perf_counter()
    counts = await asyncio.gather(*(worker(out) for out in per_worker))
    return sum(counts), [x for out in per_worker for x in out], time.perf_counter() - start


def status_kib(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return -1


def cpu_and_maxrss() -> tuple[float, int]:
    """CPU seconds (user + system, all threads) and peak RSS (KiB) of this process. The
    peak is VmHWM: ru_maxrss survives exec, so it would show the forked driver's RSS."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime, status_kib("VmHWM:")


def rss_kib() -> int:
    gc.collect()
    return status_kib("VmRSS:")


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]


def heap_kib() -> int:
    """Bytes glibc's malloc has handed out and not got back (the Rust core's heap and
    CPython's large objects; a native leak grows it), or -1 without glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _Mallinfo2
        m = libc.mallinfo2()
    except (OSError, AttributeError):
        return -1
    return int((m.uordblks + m.hblkhd) // 1024)


def percentile_ms(sorted_ns: list[int], p: float) -> float | None:
    if not sorted_ns:
        return None
    return sorted_ns[round(p / 100 * (len(sorted_ns) - 1))] / 1e6


def result(args: argparse.Namespace, warm: int, checkpoints: list[dict[str, int]],
           lat: list[int], elapsed: float, cpu: float) -> dict[str, Any]:
    lat.sort()
    calls = len(lat)
    return {
        "lang": "python",
        "client": args.client,
        "concurrency": args.concurrency,
        "calls": calls,
        "total_calls": warm + calls,
        "elapsed_s": elapsed,
        "rate": calls / elapsed if calls else None,
        "p50_ms": percentile_ms(lat, 50),
        "p99_ms": percentile_ms(lat, 99),
        "cpu_s": cpu,
        "cpu_s_per_1000": cpu * 1000 / calls if calls else None,
        "maxrss_kib": cpu_and_maxrss()[1],
        "rss_end_kib": rss_kib(),
        "rss_checkpoints": checkpoints,
    }


def slice_commands() -> Iterator[float]:
    """The slices the driver asks for (--slices): seconds each, until "end" or EOF."""
    print('{"event":"ready"}', flush=True)
    for line in sys.stdin:
        word, _, value = line.strip().partition(" ")
        if word != "go":
            return
        yield float(value)


def slice_line(calls: int, elapsed: float, cpu: float) -> None:
    print(json.dumps({"event": "slice", "calls": calls, "elapsed_s": elapsed, "cpu_s": cpu}), flush=True)


def run_sync(args: argparse.Namespace) -> dict[str, Any] | None:
    call, close = make_sync(args.client, args.base_url, args.concurrency)
    done = phase_sync(call, args.concurrency, args.warmup, record=False)[0]
    if args.slices:
        for secs in slice_commands():
            cpu0 = cpu_and_maxrss()[0]
            n, _, elapsed = phase_sync(call, args.concurrency, ("secs", secs), record=False)
            slice_line(n, elapsed, cpu_and_maxrss()[0] - cpu0)
        close()
        return None
    checkpoints = []
    for at in args.rss_at:
        if at > done:
            done += phase_sync(call, args.concurrency, ("calls", at - done), record=False)[0]
        checkpoints.append({"calls": done, "rss_kib": rss_kib(), "heap_kib": heap_kib()})
    print('{"event":"measure"}', flush=True)  # the driver samples the sandbox's CPU time
    cpu0 = cpu_and_maxrss()[0]
    _, lat, elapsed = phase_sync(call, args.concurrency, args.measure)
    cpu = cpu_and_maxrss()[0] - cpu0
    out = result(args, done, checkpoints, lat, elapsed, cpu)
    close()
    return out


async def run_async(args: argparse.Namespace) -> dict[str, Any] | None:
    call, close = await make_async(args.client, args.base_url, args.concurrency)
    done = (await phase_async(call, args.concurrency, args.warmup, record=False))[0]
    if args.slices:
        # Waiting for the next command blocks the loop, on purpose: nothing is in flight
        # between slices, and the loop must not spin while the other program runs.
        for secs in slice_commands():
            cpu0 = cpu_and_maxrss()[0]
            n, _, elapsed = await phase_async(call, args.concurrency, ("secs", secs), record=False)
            slice_line(n, elapsed, cpu_and_maxrss()[0] - cpu0)
        await close()
        return None
    checkpoints = []
    for at in args.rss_at:
        if at > done:
            done += (await phase_async(call, args.concurrency, ("calls", at - done), record=False))[0]
        checkpoints.append({"calls": done, "rss_kib": rss_kib(), "heap_kib": heap_kib()})
    print('{"event":"measure"}', flush=True)  # the driver samples the sandbox's CPU time
    cpu0 = cpu_and_maxrss()[0]
    _, lat, elapsed = await phase_async(call, args.concurrency, args.measure)
    cpu = cpu_and_maxrss()[0] - cpu0
    out = result(args, done, checkpoints, lat, elapsed, cpu)
    await close()
    return out


# --- the paging workload -----------------------------------------------------------
#
# A pass pages through the listing from its start: `page_size` records a page, each
# record a dict whose `score` is read and summed, until the end of the listing (an empty
# page or no next-page token) or, with `limit`, once `limit` records were read. It
# returns (records, score sum). The peers follow the token by hand, one page at a time,
# with the SDK's headers (Authorization with the Element token, Accept).

PagePass = Callable[[int, "int | None"], tuple[int, int]]


def hub_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"User {USER_SECRET}, Organization {ORG_SECRET}, Element {token}",
            "Accept": "application/json"}


def make_page_sync(name: str, base_url: str, token: str) -> tuple[PagePass, Callable[[], None]]:
    url = base_url + HUB_PATH
    headers = hub_headers(token)
    if name == "sdk":
        import open_connectors as oc

        client = oc.Client(base_url=base_url, user_secret=USER_SECRET, organization_secret=ORG_SECRET)
        instance = client.for_instance(token)

        def run_pass(page_size: int, limit: int | None) -> tuple[int, int]:
            n = total = 0
            for record in instance.paginate(HUB_PATH, page_size=page_size):
                total += record["score"]
                n += 1
                if limit is not None and n >= limit:
                    break
            return n, total

        return run_pass, client.close
    if name in ("requests", "httpx", "httpr"):
        # Sessions with the same `get(url, params=, headers=)` and response attributes.
        if name == "requests":
            import requests

            session: Any = requests.Session()
            loads: Callable[[bytes], Any] = json.loads
        else:
            import orjson

            loads = orjson.loads
            if name == "httpx":
                import httpx

                session = httpx.Client()
            else:
                import httpr

                session = httpr.Client()

        def get(params: dict[str, Any]) -> tuple[Any, str | None]:
            r = session.get(url, params=params, headers=headers)
            if r.status_code != 200:
                raise BadStatus(r.status_code)
            return loads(r.content), r.headers.get("elements-next-page-token")

        return by_hand(get), session.close
    if name == "pycurl":
        from urllib.parse import urlencode

        import orjson
        import pycurl

        c = pycurl.Curl()
        chunks: list[bytes] = []
        head: list[bytes] = []
        c.setopt(pycurl.HTTPHEADER, [f"{k}: {v}" for k, v in headers.items()])
        c.setopt(pycurl.WRITEFUNCTION, chunks.append)
        c.setopt(pycurl.HEADERFUNCTION, head.append)  # the answer's header lines
        c.setopt(pycurl.NOSIGNAL, 1)

        def get(params: dict[str, Any]) -> tuple[Any, str | None]:
            chunks.clear()
            head.clear()
            c.setopt(pycurl.URL, f"{url}?{urlencode(params)}")  # as requests encodes params
            c.perform()
            status = c.getinfo(pycurl.RESPONSE_CODE)
            if status != 200:
                raise BadStatus(status)
            token = None
            for line in head:
                key, colon, value = line.partition(b":")
                if colon and key.strip().lower() == b"elements-next-page-token":
                    token = value.strip().decode()
            return orjson.loads(b"".join(chunks)), token

        return by_hand(get), c.close
    if name == "pyreqwest":
        import orjson
        from pyreqwest.client import SyncClientBuilder

        pclient = SyncClientBuilder().build()

        def get(params: dict[str, Any]) -> tuple[Any, str | None]:
            r = pclient.get(url).query(params).headers(headers).build().send()
            if r.status != 200:
                raise BadStatus(r.status)
            return orjson.loads(memoryview(r.bytes())), r.get_header("elements-next-page-token")

        return by_hand(get), pclient.close
    raise SystemExit(f"unknown paging client {name} (sync: {', '.join(c for c in PAGE_CLIENTS if c in SYNC)})")


def by_hand(get: Callable[[dict[str, Any]], tuple[Any, str | None]]) -> PagePass:
    """The paging loop of the peers: follow elements-next-page-token until an empty page
    or none."""

    def run_pass(page_size: int, limit: int | None) -> tuple[int, int]:
        n = total = 0
        params: dict[str, Any] = {"pageSize": page_size}
        while True:
            records, token = get(params)
            for record in records:
                total += record["score"]
                n += 1
                if limit is not None and n >= limit:
                    return n, total
            if not records or not token:
                return n, total
            params = {"pageSize": page_size, "nextPage": token}

    return run_pass


def by_hand_async(get: Callable[[dict[str, Any]], Awaitable[tuple[Any, str | None]]]
                  ) -> Callable[[int, int | None], Awaitable[tuple[int, int]]]:
    """by_hand for an async `get`."""

    async def run_pass(page_size: int, limit: int | None) -> tuple[int, int]:
        n = total = 0
        params: dict[str, Any] = {"pageSize": page_size}
        while True:
            records, token = await get(params)
            for record in records:
                total += record["score"]
                n += 1
                if limit is not None and n >= limit:
                    return n, total
            if not records or not token:
                return n, total
            params = {"pageSize": page_size, "nextPage": token}

    return run_pass


async def make_page_async(
    name: str, base_url: str, token: str
) -> tuple[Callable[[int, int | None], Awaitable[tuple[int, int]]], Callable[[], Awaitable[None]]]:
    url = base_url + HUB_PATH
    headers = hub_headers(token)
    if name == "sdk_async":
        import open_connectors as oc

        client = oc.AsyncClient(base_url=base_url, user_secret=USER_SECRET, organization_secret=ORG_SECRET)
        instance = client.for_instance(token)

        async def run_pass(page_size: int, limit: int | None) -> tuple[int, int]:
            n = total = 0
            pager = instance.paginate(HUB_PATH, page_size=page_size)
            # An async generator: closed at once when the loop stops early.
            records = cast(AsyncGenerator[Any, None], pager.__aiter__())
            try:
                async for record in records:
                    total += record["score"]
                    n += 1
                    if limit is not None and n >= limit:
                        break
            finally:
                await records.aclose()
            return n, total

        return run_pass, client.aclose
    if name == "aiohttp":
        import aiohttp
        import orjson

        session = aiohttp.ClientSession()

        async def run_pass(page_size: int, limit: int | None) -> tuple[int, int]:
            n = total = 0
            params: dict[str, Any] = {"pageSize": page_size}
            while True:
                async with session.get(url, params=params, headers=headers) as r:
                    if r.status != 200:
                        raise BadStatus(r.status)
                    records = orjson.loads(await r.read())
                    token = r.headers.get("elements-next-page-token")
                for record in records:
                    total += record["score"]
                    n += 1
                    if limit is not None and n >= limit:
                        return n, total
                if not records or not token:
                    return n, total
                params = {"pageSize": page_size, "nextPage": token}

        return run_pass, session.close
    if name == "httpr_async":
        import httpr
        import orjson

        rclient = httpr.AsyncClient()

        async def get(params: dict[str, Any]) -> tuple[Any, str | None]:
            r = await rclient.get(url, params=params, headers=headers)
            if r.status_code != 200:
                raise BadStatus(r.status_code)
            return orjson.loads(r.content), r.headers.get("elements-next-page-token")

        return by_hand_async(get), rclient.aclose
    if name == "pyreqwest_async":
        import orjson
        from pyreqwest.client import ClientBuilder

        aclient = ClientBuilder().build()

        async def get(params: dict[str, Any]) -> tuple[Any, str | None]:
            r = await aclient.get(url).query(params).headers(headers).build().send()
            if r.status != 200:
                raise BadStatus(r.status)
            return orjson.loads(memoryview(await r.bytes())), r.get_header("elements-next-page-token")

        return by_hand_async(get), aclient.close
    raise SystemExit(f"unknown paging client {name} (async: {', '.join(c for c in PAGE_CLIENTS if c in ASYNC)})")


def reset_peak() -> bool:
    """Resets VmHWM to the current RSS (Linux: 5 > /proc/self/clear_refs), so that VmHWM
    is then the peak RSS since this moment."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def page_native_kib(sample: str | None) -> tuple[int | None, int | None]:
    """The yardstick of the RSS check: the bytes of one page's JSON text (a sample page
    the driver fetched) and what it takes as Python objects (json.loads, measured by
    tracemalloc: every list, dict, str and int of the page)."""
    if not sample:
        return None, None
    import tracemalloc

    with open(sample, "rb") as f:
        raw = f.read()
    tracemalloc.start()
    records = json.loads(raw)
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del records
    return len(raw) // 1024, size // 1024


def page_result(args: argparse.Namespace, n: int, total: int, elapsed: float, cpu: float,
                rss_base: int, peak_reset: bool) -> dict[str, Any]:
    if args.records and n != args.records:
        raise RuntimeError(f"read {n} records, expected {args.records}")
    peak = cpu_and_maxrss()[1]
    page_kib, native_kib = page_native_kib(args.page_sample)
    return {
        "lang": "python",
        "client": args.client,
        "workload": "page",
        "page_size": args.page_size,
        "records": n,
        # Requests of a pass: the full pages, then a short or an empty one.
        "calls": n // args.page_size + 1,
        "score_sum": total,
        "elapsed_s": elapsed,
        "rate": n / elapsed if elapsed > 0 else None,
        "cpu_s": cpu,
        "cpu_us_per_record": cpu * 1e6 / n if n else None,
        "maxrss_kib": peak,
        "rss_base_kib": rss_base,
        "rss_peak_kib": peak if peak_reset else None,
        "rss_end_kib": status_kib("VmRSS:"),
        "page_json_kib": page_kib,
        "page_native_kib": native_kib,
    }


def run_page_sync(args: argparse.Namespace) -> dict[str, Any]:
    run_pass, close = make_page_sync(args.client, args.base_url, args.token)
    run_pass(1, 1)  # the connection, the runtime, lazy imports: not a page's memory
    rss_base = rss_kib()
    peak_reset = reset_peak()
    if args.warmup_records:
        run_pass(args.page_size, args.warmup_records)
    print('{"event":"measure"}', flush=True)
    cpu0 = cpu_and_maxrss()[0]
    t0 = time.perf_counter()
    n, total = run_pass(args.page_size, None)
    elapsed = time.perf_counter() - t0
    cpu = cpu_and_maxrss()[0] - cpu0
    out = page_result(args, n, total, elapsed, cpu, rss_base, peak_reset)
    close()
    return out


async def run_page_async(args: argparse.Namespace) -> dict[str, Any]:
    run_pass, close = await make_page_async(args.client, args.base_url, args.token)
    await run_pass(1, 1)
    rss_base = rss_kib()
    peak_reset = reset_peak()
    if args.warmup_records:
        await run_pass(args.page_size, args.warmup_records)
    print('{"event":"measure"}', flush=True)
    cpu0 = cpu_and_maxrss()[0]
    t0 = time.perf_counter()
    n, total = await run_pass(args.page_size, None)
    elapsed = time.perf_counter() - t0
    cpu = cpu_and_maxrss()[0] - cpu0
    out = page_result(args, n, total, elapsed, cpu, rss_base, peak_reset)
    await close()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--client", required=True, choices=SYNC + ASYNC)
    p.add_argument("--workload", choices=("create", "page"), default="create")
    p.add_argument("--base-url", default=os.environ.get("OPEN_CONNECTORS_BASE_URL"))
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--warmup-calls", type=int)
    p.add_argument("--warmup-secs", type=float)
    p.add_argument("--calls", type=int)
    p.add_argument("--secs", type=float)
    p.add_argument("--rss-at", default="")
    p.add_argument("--slices", action="store_true",
                   help="after the warm-up, run the slices stdin asks for (the duels of run.py)")
    # --workload page
    p.add_argument("--token", help="the instance token whose hub the listing is (page workload)")
    p.add_argument("--page-size", type=int, default=200)
    p.add_argument("--records", type=int, default=0,
                   help="the listing's size: every record is read, and the count checked (0: not checked)")
    p.add_argument("--warmup-records", type=int, default=0, help="records read before the measured pass")
    p.add_argument("--page-sample", help="one page's JSON (a file): the yardstick of the RSS figures")
    args = p.parse_args()
    if not args.base_url:
        p.error("--base-url (or OPEN_CONNECTORS_BASE_URL) is required")
    args.concurrency = max(1, args.concurrency)
    args.warmup = ("secs", args.warmup_secs) if args.warmup_secs is not None else ("calls", args.warmup_calls or 0)
    args.measure = ("secs", args.secs) if args.secs is not None else ("calls", 1000 if args.calls is None else args.calls)
    args.rss_at = [int(x) for x in args.rss_at.split(",") if x]
    if args.workload == "page":
        if not args.token:
            p.error("--workload page needs --token (benches/run.py --seed URL --records N makes one)")
        if args.client not in PAGE_CLIENTS:
            p.error(f"--workload page: --client is one of {', '.join(PAGE_CLIENTS)}")
        out: dict[str, Any] | None = (run_page_sync(args) if args.client in SYNC
                                      else asyncio.run(run_page_async(args)))
    else:
        out = run_sync(args) if args.client in SYNC else asyncio.run(run_async(args))
    if out is not None:  # None with --slices: every slice was printed as it ended
        print(json.dumps(out))
    sys.stdout.flush()
    if args.client not in ("sdk", "sdk_async"):
        # A peer ends without the interpreter's finalization, where a peer's native
        # threads may call into Python: pyreqwest's async client aborted so after its
        # figures were printed ("Fatal Python error: PyGILState_Release") in 6 of 60 runs
        # of `make bench-smoke`'s command, and failed a CI run (2026-12-03). A peer's exit
        # is not what this program measures; the SDK's is tested
        # (bindings-python/tests/test_logging.py), so its processes finalize as usual.
        sys.stderr.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
