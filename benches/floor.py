#!/usr/bin/env python3
"""The floor each binding's way of waiting puts under one call (`make bench-floor`).

Sends nothing: each figure is a call that does no work, made in turn, so what is left
is the binding's hand-off alone:

- Python `Client`: a sync call on a lane (`NativeClient._lane_for_bench`): the GIL
  given up and taken back, and a `block_on` of the lane's current-thread runtime.
- Python `AsyncClient`: an asyncio future completed by a task that does nothing on the
  shared tokio runtime (`_native._hand_off_for_bench`): to a worker and back to the loop.
- Node: a call that does nothing, settled as the SDK's calls are (`__handOffForBench`:
  a task on the tokio runtime, its answer queued to the JavaScript thread's one threadsafe
  function); and, for comparison, napi-rs' own `async fn` (`__napiAsyncForBench`), which
  makes a threadsafe function per call.

Beside each, the language's own cheapest turn of its loop (`await asyncio.sleep(0)`,
`await new Promise(setImmediate)`), which any client pays. For each: µs of wall time and
of CPU per call, and context switches per call (getrusage, every thread of the process).
The client runs on CPU 0, as in `make bench`. Prints a Markdown table.

  python benches/floor.py --python .venv/bin/python --py-path DIR --node-root DIR
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys

PY_PROG = r"""
import asyncio, json, resource, sys, time
import open_connectors as oc
from open_connectors import _native

N = int(sys.argv[1])

def usage():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), r.ru_utime + r.ru_stime, r.ru_nvcsw + r.ru_nivcsw

def report(name, fn, n):
    fn(n // 10)  # warm-up
    t0, c0, s0 = usage()
    fn(n)
    t1, c1, s1 = usage()
    print(json.dumps({"name": name, "wall_us": (t1 - t0) * 1e6 / n, "cpu_us": (c1 - c0) * 1e6 / n,
                      "switches": (s1 - s0) / n}))

client = oc.Client(base_url="http://127.0.0.1:9/elements/api-v2", user_secret="u", organization_secret="o")
native = client._native

def lanes(n):
    for _ in range(n):
        native._lane_for_bench()

def on_loop(make):
    def run(n):
        async def main():
            for _ in range(n):
                await make()
        asyncio.run(main())
    return run

report("python-client-lane", lanes, N)
report("python-asyncio-sleep0", on_loop(lambda: asyncio.sleep(0)), N)
report("python-asyncclient-hand-off", on_loop(_native._hand_off_for_bench), N)
"""

NODE_PROG = r"""
const path = require('node:path')
const [root, n] = [process.argv[1], Number(process.argv[2])]
// The package's loader of its native module (not among its exports: loaded by path).
const native = require(path.join(path.resolve(root), 'node_modules', 'open-connectors', 'native.js'))

function usage() {
  const r = process.resourceUsage()
  const c = process.cpuUsage()
  return [process.hrtime.bigint(), c.user + c.system, r.voluntaryContextSwitches + r.involuntaryContextSwitches]
}

async function report(name, fn) {
  await fn(n / 10)
  const [t0, c0, s0] = usage()
  await fn(n)
  const [t1, c1, s1] = usage()
  console.log(JSON.stringify({ name, wall_us: Number(t1 - t0) / 1e3 / n, cpu_us: (c1 - c0) / n, switches: (s1 - s0) / n }))
}

;(async () => {
  await report('node-set-immediate', async (k) => { for (let i = 0; i < k; i++) await new Promise(setImmediate) })
  await report('node-napi-async', async (k) => { for (let i = 0; i < k; i++) await native.__napiAsyncForBench() })
  await report('node-sdk-hand-off', async (k) => { for (let i = 0; i < k; i++) await native.__handOffForBench() })
})()
"""

LABELS = {
    "python-client-lane": "Python `Client`: a call on a lane",
    "python-asyncio-sleep0": "asyncio: `await asyncio.sleep(0)` (the loop's own turn)",
    "python-asyncclient-hand-off": "Python `AsyncClient`: to a tokio worker and back to the loop",
    "node-set-immediate": "Node: `await new Promise(setImmediate)` (the loop's own turn)",
    "node-napi-async": "Node: napi-rs' `async fn` (tokio worker, a threadsafe function per call)",
    "node-sdk-hand-off": "Node SDK: to a tokio worker and back (one threadsafe function per thread, batched)",
}


def run(cmd: list[str], env: dict[str, str]) -> list[dict[str, float]]:
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--py-path", default="")
    p.add_argument("--node-root", required=True, help="a folder with node_modules/open-connectors")
    p.add_argument("--calls", type=int, default=20_000)
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args()
    pin = ["taskset", "-c", "0"] if (os.cpu_count() or 1) >= 2 and shutil.which("taskset") else []
    env = dict(os.environ)
    if a.py_path:
        env["PYTHONPATH"] = a.py_path
    rows: dict[str, list[dict[str, float]]] = {}
    for _ in range(a.rounds):
        for r in run(pin + [a.python, "-c", PY_PROG, str(a.calls)], env):
            rows.setdefault(r["name"], []).append(r)
        for r in run(pin + ["node", "-e", NODE_PROG, a.node_root, str(a.calls)], env):
            rows.setdefault(r["name"], []).append(r)
    print(f"{a.calls:,} calls in turn, {a.rounds} rounds (median round), client on CPU 0\n")
    print("| call that does nothing | wall µs per call | CPU µs per call | context switches per call |")
    print("|---|---:|---:|---:|")
    for name, label in LABELS.items():
        rs = sorted(rows.get(name, []), key=lambda r: r["wall_us"])
        if not rs:
            continue
        m = rs[len(rs) // 2]
        print(f"| {label} | {m['wall_us']:.2f} | {m['cpu_us']:.2f} | {m['switches']:.2f} |")


if __name__ == "__main__":
    main()
