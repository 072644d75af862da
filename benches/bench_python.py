#!/usr/bin/env python3
"""The Python program of `make bench` (driven by benches/run.py; see benches/README.md).

Creates Basic instances against a running sandbox through one client, one call at a
time or N in flight, and prints one JSON line: calls per second, latency percentiles,
CPU seconds per 1,000 calls and peak RSS (VmHWM) of this process (resource.getrusage), and
optionally RSS at call-count checkpoints.

Clients: sdk (open_connectors.Client; threads for N in flight), sdk_async
(open_connectors.AsyncClient), requests (requests.Session), httpx (httpx.Client),
httpx_async (httpx.AsyncClient) and aiohttp (aiohttp.ClientSession). Every peer sends
the bytes the SDK sends (the body serialized per call, compact, in the SDK's key
order; Authorization, Content-Type and Accept as the SDK sends them), checks the
status and parses the JSON answer, as the SDK decodes it into an Instance. Only the
client under test is imported, so the RSS is that client's.
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
from typing import Any, Awaitable, Callable

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
SYNC = ("sdk", "requests", "httpx")
ASYNC = ("sdk_async", "httpx_async", "aiohttp")


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


def run_sync(args: argparse.Namespace) -> dict[str, Any]:
    call, close = make_sync(args.client, args.base_url, args.concurrency)
    done = phase_sync(call, args.concurrency, args.warmup, record=False)[0]
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


async def run_async(args: argparse.Namespace) -> dict[str, Any]:
    call, close = await make_async(args.client, args.base_url, args.concurrency)
    done = (await phase_async(call, args.concurrency, args.warmup, record=False))[0]
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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--client", required=True, choices=SYNC + ASYNC)
    p.add_argument("--base-url", default=os.environ.get("OPEN_CONNECTORS_BASE_URL"))
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--warmup-calls", type=int)
    p.add_argument("--warmup-secs", type=float)
    p.add_argument("--calls", type=int)
    p.add_argument("--secs", type=float)
    p.add_argument("--rss-at", default="")
    args = p.parse_args()
    if not args.base_url:
        p.error("--base-url (or OPEN_CONNECTORS_BASE_URL) is required")
    args.concurrency = max(1, args.concurrency)
    args.warmup = ("secs", args.warmup_secs) if args.warmup_secs is not None else ("calls", args.warmup_calls or 0)
    args.measure = ("secs", args.secs) if args.secs is not None else ("calls", 1000 if args.calls is None else args.calls)
    args.rss_at = [int(x) for x in args.rss_at.split(",") if x]
    out = run_sync(args) if args.client in SYNC else asyncio.run(run_async(args))
    print(json.dumps(out))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
