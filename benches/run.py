#!/usr/bin/env python3
"""The driver of `make bench` (standard library only; see benches/README.md).

Runs every client's bench program (bench_rust, bench_python.py, bench_node.mjs) as a
subprocess against its own fresh sandbox on loopback, collects their JSON lines,
samples the sandbox's own CPU time during each measured phase, measures cold start
and artifact sizes, and writes a Markdown report (BENCHMARKS.md for `make bench`).

Two workloads: `create` (create_instance, sequential and 64 in flight) and `page`
(paging through a seeded hub listing: the driver creates an instance, seeds its
contacts through the control API and hands the token to the program). `--workloads`
chooses; `--seed URL --records N` only creates and seeds an instance in a running
sandbox and prints its token (to run a program by hand).

Goals are reported, never asserted: the driver fails only when a program fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
BENCHES = ROOT / "benches"
CLK_TCK = os.sysconf("SC_CLK_TCK")

MODES: dict[str, dict[str, Any]] = {
    # A run of a few minutes: seven rounds, each (client, mode) in turn warming up 0.4 s
    # and measured 1 s; the median round is reported, and ratios are taken round by
    # round. Rounds interleave the clients, so a slow drift of the machine (a shared
    # host) hits every client alike.
    "full": {"warmup": ("secs", 0.4), "measure": ("secs", 1.0), "rounds": 7, "rss_warmup": 1000,
             "callgrind": (500, 2500),
             "rss_at": [10_000, 50_000, 100_000], "cold_reps": 15,
             # The duels (duel()): the head-to-head goals, two programs taking turns in
             # slices of 0.25 s, 24 pairs after one pair of warm-up.
             "duel": {"warmup": ("secs", 0.4), "secs": 0.25, "pairs": 24},
             # Paging: each (client, page size) in turn, in each round, reads `warmup`
             # records and then the whole listing once, measured.
             "page": {"records": 100_000, "sizes": [200, 5000], "rounds": 5, "warmup": 10_000,
                      # callgrind of the Rust clients: listings of 2,000 and 12,000 records
                      # in pages of 200, differenced (instructions per record).
                      "callgrind": (2_000, 12_000)}},
    # A smoke run with release builds: a few hundred calls each.
    "quick": {"warmup": ("calls", 50), "measure": ("calls", 300), "rounds": 1, "rss_warmup": 100,
              "rss_at": [500, 1000, 2000], "cold_reps": 3,
              "duel": {"warmup": ("calls", 50), "secs": 0.1, "pairs": 4},
              "page": {"records": 20_000, "sizes": [200, 5000], "rounds": 1, "warmup": 2_000}},
    # `make test`: proves every program runs end to end (debug builds).
    "smoke": {"warmup": ("calls", 2), "measure": ("calls", 64), "rounds": 1, "rss_warmup": 2,
              "rss_at": [20, 40], "cold_reps": 1,
              "duel": {"warmup": ("calls", 2), "secs": 0.02, "pairs": 2},
              "page": {"records": 2_000, "sizes": [200], "rounds": 1, "warmup": 200}},
}
WORKLOADS = ("create", "page")

# (language, client id, label, is the SDK)
CLIENTS = [
    ("rust", "sdk", "Rust SDK", True),
    ("rust", "raw", "raw reqwest (ceiling)", False),
    ("python", "sdk", "Python `Client`", True),
    ("python", "sdk_async", "Python `AsyncClient`", True),
    ("python", "requests", "`requests.Session`", False),
    ("python", "httpx", "`httpx.Client`", False),
    # The fast peers (issue 14), each parsing with orjson.
    ("python", "httpr", "`httpr.Client` + `orjson`", False),
    ("python", "pycurl", "`pycurl` + `orjson`", False),
    ("python", "pyreqwest", "`pyreqwest` `SyncClient` + `orjson`", False),
    ("python", "httpx_async", "`httpx.AsyncClient`", False),
    ("python", "aiohttp", "`aiohttp`", False),
    ("python", "httpr_async", "`httpr.AsyncClient` + `orjson`", False),
    ("python", "pyreqwest_async", "`pyreqwest` async `Client` + `orjson`", False),
    ("node", "sdk", "Node SDK", True),
    ("node", "fetch", "`fetch` (undici)", False),
    ("node", "axios", "`axios`", False),
    ("node", "undici", "`undici` `request()`", False),
]
LABEL = {(lang, c): label for lang, c, label, _ in CLIENTS}
# The paging workload's clients: (language, client id, label, is the SDK).
PAGE_CLIENTS = [
    ("rust", "sdk", "Rust SDK (`Pager`)", True),
    ("rust", "raw", "raw reqwest + `serde_json`", False),
    ("python", "sdk", "Python `Client`", True),
    ("python", "sdk_async", "Python `AsyncClient`", True),
    ("python", "requests", "`requests.Session` + `json.loads`", False),
    ("python", "httpx", "`httpx.Client` + `orjson`", False),
    ("python", "aiohttp", "`aiohttp` + `orjson`", False),
    ("python", "httpr", "`httpr.Client` + `orjson`", False),
    ("python", "pycurl", "`pycurl` + `orjson`", False),
    ("python", "pyreqwest", "`pyreqwest` `SyncClient` + `orjson`", False),
    ("python", "httpr_async", "`httpr.AsyncClient` + `orjson`", False),
    ("python", "pyreqwest_async", "`pyreqwest` async `Client` + `orjson`", False),
    ("node", "sdk", "Node SDK", True),
    ("node", "fetch", "`fetch` + `res.json()`", False),
    ("node", "undici", "`undici` `request()` + `body.json()`", False),
]
PAGE_LABEL = {(lang, c): label for lang, c, label, _ in PAGE_CLIENTS}
HUB_PATH = "/hubs/crm/contacts"
USER_SECRET = os.environ.get("OPEN_CONNECTORS_USER_SECRET") or "sAfK7LJGNz5ZHcNrvdJvLI=f03WbTbH6aRKc0HJ3oOIi"
ORG_SECRET = os.environ.get("OPEN_CONNECTORS_ORGANIZATION_SECRET") or "58168435e3b9959a929eb04b6218b9a2"
# The instance the paging workload lists (the create workload's Basic body).
INSTANCE_BODY = {"element": {"key": "insightly"}, "name": "Element Instance Name", "tags": ["Docs"],
                 "configuration": {"username": "claudeelements", "password": "password"}}
CONCURRENCY = 64
# A sandbox busier than this during a measured phase may be what limits the rate.
SANDBOX_BUSY = 0.90
# The head-to-head goals measured as duels too (SDK key, peer key): the goals the
# round-by-round ratios left within their noise.
DUELS = [
    ("python/sdk/1", "python/pycurl/1"),
    ("python/sdk/1", "python/httpr/1"),
    ("python/sdk/1", "rust/sdk/1"),
    ("python/sdk_async/1", "rust/sdk/1"),
    ("node/sdk/1", "rust/sdk/1"),
    ("node/sdk/1", "node/undici/1"),
    (f"python/sdk/{CONCURRENCY}", f"python/pycurl/{CONCURRENCY}"),
    (f"node/sdk/{CONCURRENCY}", f"node/undici/{CONCURRENCY}"),
]


def log(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# --- the sandbox -------------------------------------------------------------------


class Sandbox:
    def __init__(self, binary: str, pin: list[str], journal: bool = False) -> None:
        cmd = pin + [binary, "--port", "0", "--quiet", "--exit-on-stdin-eof",
                     "--journal-limit", "1000" if journal else "0"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http://"):
            self.stop()
            raise RuntimeError(f"the sandbox printed no URL (got {line!r})")
        self.url = line
        self.root = line.split("/elements/")[0]

    def cpu(self) -> float:
        """User + system CPU seconds of the sandbox process (all threads)."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def rss_kib(self) -> int:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return -1

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.root + path, timeout=10) as r:
            return json.loads(r.read())

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        """POSTs JSON (`{}` by default) to a path under the root; the JSON answer."""
        req = urllib.request.Request(self.root + path, data=json.dumps({} if body is None else body).encode(),
                                     method="POST", headers={"Content-Type": "application/json", **(headers or {})})
        with urllib.request.urlopen(req, timeout=60) as r:
            text = r.read()
        return json.loads(text) if text.strip() else None

    def get_bytes(self, path: str, headers: dict[str, str]) -> bytes:
        req = urllib.request.Request(self.root + path, headers=headers)
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.read()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            if f:
                f.close()


def hub_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"User {USER_SECRET}, Organization {ORG_SECRET}, Element {token}",
            "Accept": "application/json"}


def seed(sb: Sandbox, records: int) -> str:
    """Creates a Basic instance (POST /instances) and seeds its hub with `records`
    contacts through the control API; returns the instance's token."""
    inst = sb.post("/elements/api-v2/instances", INSTANCE_BODY,
                   {"Authorization": f"User {USER_SECRET}, Organization {ORG_SECRET}"})
    token = inst["token"]
    got = sb.post("/__sandbox/hub/seed", {"token": token, "object": "contacts", "count": records})
    if got.get("created") != records:
        raise RuntimeError(f"seeding {records} contacts answered {got}")
    return token


def expected_score_sum(records: int) -> int:
    """The sum of `score` over seeded contacts 1..records (tests/sandbox/README.md: contact
    n has score n × 37 mod 101): every client must find it, so every record was read."""
    return sum(n * 37 % 101 for n in range(1, records + 1))


# --- running one program -----------------------------------------------------------


class Runner:
    def __init__(self, a: argparse.Namespace) -> None:
        self.a = a
        multi = (os.cpu_count() or 1) >= 2 and not a.no_pin
        self.pin_client = ["taskset", "-c", "0"] if multi else []
        self.pin_sandbox = ["taskset", "-c", "1"] if multi else []
        self.env = dict(os.environ)
        for k in ("OPEN_CONNECTORS_BASE_URL", "OPEN_CONNECTORS_REGION"):
            self.env.pop(k, None)
        if a.py_path:
            self.env["PYTHONPATH"] = a.py_path

    def command(self, lang: str, client: str, url: str, expose_gc: bool = False) -> list[str]:
        if lang == "rust":
            cmd = [self.a.rust_bin]
        elif lang == "python":
            cmd = [self.a.python, str(BENCHES / "bench_python.py")]
        else:
            cmd = ["node"] + (["--expose-gc"] if expose_gc else []) + [
                str(BENCHES / "bench_node.mjs"), "--sdk-root", self.a.node_root,
                "--peers-root", self.a.node_peers]
        return self.pin_client + cmd + ["--client", client, "--base-url", url]

    def run(self, lang: str, client: str, extra: list[str], expose_gc: bool = False,
            journal: bool = False, prepare: Any = None) -> tuple[dict[str, Any], Sandbox | None]:
        """Runs one program against a fresh sandbox; returns its result (with the
        sandbox's CPU during the measured phase) and, with journal=True, the live sandbox.
        `prepare(sandbox)`, when given, readies the sandbox and returns more flags."""
        sb = Sandbox(self.a.sandbox, self.pin_sandbox, journal=journal)
        try:
            if prepare is not None:
                extra = extra + prepare(sb)
            cmd = self.command(lang, client, sb.url, expose_gc) + extra
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=self.env)
            assert proc.stdout is not None
            result: dict[str, Any] | None = None
            mark: tuple[float, float] | None = None
            for line in proc.stdout:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                msg = json.loads(line)
                if msg.get("event") == "measure":
                    mark = (time.perf_counter(), sb.cpu())
                else:
                    t1, c1 = time.perf_counter(), sb.cpu()
                    result = msg
                    if mark is not None:
                        wall, cpu = t1 - mark[0], c1 - mark[1]
                        result["sandbox_busy"] = cpu / wall if wall > 0 else None
                        calls = result.get("calls") or 0
                        result["sandbox_us_per_call"] = cpu * 1e6 / calls if calls else None
                        records = result.get("records") or 0
                        result["sandbox_us_per_record"] = cpu * 1e6 / records if records else None
            rc = proc.wait()
            if rc != 0 or result is None:
                raise RuntimeError(f"{' '.join(cmd)} failed (exit {rc})")
            result["sandbox_rss_kib"] = sb.rss_kib()
        except BaseException:
            sb.stop()
            raise
        if journal:
            return result, sb
        sb.stop()
        return result, None


def phase_flags(kind_value: tuple[str, float], prefix: str) -> list[str]:
    kind, value = kind_value
    if kind == "secs":
        return [f"--{prefix}secs", str(value)]
    return [f"--{prefix}calls", str(int(value))]


# --- the parts of a run ------------------------------------------------------------


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The rounds of one (client, mode) folded: medians, the peak RSS's maximum, the
    rate's spread."""
    out = dict(runs[0])
    for k in ("rate", "p50_ms", "p99_ms", "cpu_s_per_1000", "sandbox_busy", "sandbox_us_per_call"):
        vals = [r[k] for r in runs if r.get(k) is not None]
        out[k] = statistics.median(vals) if vals else None
    out["maxrss_kib"] = max(r["maxrss_kib"] for r in runs)
    rates = [r["rate"] for r in runs if r.get("rate")]
    out["rate_min"], out["rate_max"] = (min(rates), max(rates)) if rates else (None, None)
    # Per round, for ratios taken round by round (see paired()).
    out["rates"] = [r.get("rate") for r in runs]
    out["cpus"] = [r.get("cpu_s_per_1000") for r in runs]
    out["rounds"] = len(runs)
    return out


def throughput(r: Runner, mode: dict[str, Any]) -> dict[str, dict[str, Any]]:
    runs: dict[str, list[dict[str, Any]]] = {}
    # Clients of one mode run back to back, so a ratio can be taken within each round.
    for rnd in range(mode["rounds"]):
        for conc in (1, CONCURRENCY):
            for lang, client, label, _ in CLIENTS:
                extra = ["--concurrency", str(conc)] + phase_flags(mode["warmup"], "warmup-") + \
                    phase_flags(mode["measure"], "")
                res, _ = r.run(lang, client, extra)
                runs.setdefault(f"{lang}/{client}/{conc}", []).append(res)
                busy = res.get("sandbox_busy")
                log(f"round {rnd + 1}/{mode['rounds']} {label:24} c={conc:<3} {res['rate'] or 0:9.0f} calls/s  "
                    f"p50 {res['p50_ms']:.3f} ms  p99 {res['p99_ms']:.3f} ms  "
                    f"cpu {res['cpu_s_per_1000'] or 0:.3f} s/1000  rss {res['maxrss_kib'] / 1024:.1f} MiB  "
                    f"sandbox {0 if busy is None else busy:.0%}")
    return {k: median_run(v) for k, v in runs.items()}


def memory(r: Runner, mode: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for lang, client in (("rust", "sdk"), ("python", "sdk"), ("python", "sdk_async"), ("node", "sdk")):
        extra = ["--concurrency", str(CONCURRENCY), "--warmup-calls", str(mode["rss_warmup"]),
                 "--rss-at", ",".join(map(str, mode["rss_at"])), "--calls", "0"]
        res, _ = r.run(lang, client, extra, expose_gc=True)
        out[f"{lang}/{client}"] = res
        log(f"memory {LABEL[(lang, client)]}: " + ", ".join(
            f"{c['calls']}: RSS {c['rss_kib'] / 1024:.1f} MiB heap {c['heap_kib'] / 1024:.1f} MiB"
            for c in res["rss_checkpoints"]))
    return out


class Duelist:
    """One bench program in --slices mode against a fresh sandbox of its own: warmed up,
    then running a slice of calls when asked and idle (blocked on its stdin) otherwise."""

    def __init__(self, r: Runner, key: str, warmup: tuple[str, float]) -> None:
        lang, client, conc = key.split("/")
        self.sb = Sandbox(r.a.sandbox, r.pin_sandbox)
        self.proc: subprocess.Popen[str] | None = None
        self.cmd = r.command(lang, client, self.sb.url) + ["--concurrency", conc, "--slices"] + \
            phase_flags(warmup, "warmup-")
        try:
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                         env=r.env)
            self.expect("ready")
        except BaseException:
            self.close()
            raise

    def expect(self, event: str) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("{"):
                msg: dict[str, Any] = json.loads(line)
                if msg.get("event") == event:
                    return msg
        raise RuntimeError(f"{' '.join(self.cmd)} ended (exit {self.proc.wait()}) before its {event} line")

    def slice(self, secs: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(f"go {secs}\n")
        self.proc.stdin.flush()
        return self.expect("slice")

    def close(self) -> None:
        if self.proc is not None:
            try:
                if self.proc.stdin:
                    self.proc.stdin.write("end\n")
                    self.proc.stdin.close()
            except BrokenPipeError:
                pass
            try:
                rc = self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
            if self.proc.stdout:
                self.proc.stdout.close()
            self.proc = None
            if rc != 0:
                self.sb.stop()
                raise RuntimeError(f"{' '.join(self.cmd)} failed (exit {rc})")
        self.sb.stop()


def quartiles(xs: list[float]) -> tuple[float, float]:
    """The first and third quartiles of xs, interpolated between the sorted values."""
    if len(xs) < 2:
        return xs[0], xs[0]
    q1, _, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    return q1, q3


def duel(r: Runner, a_key: str, b_key: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Two programs (each with its own sandbox, the clients on one core, the sandboxes on
    the other) take turns: a slice of a, a slice of b, then b, a, and so on (ABBA, so
    that neither always runs second). Each pair's ratio compares two slices run a
    fraction of a second apart, so the host's drifts, which move whole rounds by up to
    a quarter, cancel out; the first pair is a warm-up and not counted."""
    a = Duelist(r, a_key, spec["warmup"])
    try:
        b = Duelist(r, b_key, spec["warmup"])
    except BaseException:
        a.close()
        raise
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    try:
        for i in range(spec["pairs"] + 1):
            if i % 2 == 0:
                x = a.slice(spec["secs"])
                y = b.slice(spec["secs"])
            else:
                y = b.slice(spec["secs"])
                x = a.slice(spec["secs"])
            if i > 0:
                pairs.append((x, y))
    finally:
        try:
            a.close()
        finally:
            b.close()
    rates = [(x["calls"] / x["elapsed_s"], y["calls"] / y["elapsed_s"]) for x, y in pairs]
    ratios = [rx / ry for rx, ry in rates if rx and ry]
    cpus = [(x["cpu_s"] / x["calls"]) / (y["cpu_s"] / y["calls"]) for x, y in pairs
            if x["calls"] and y["calls"] and y["cpu_s"] > 0]

    # Each side's calls, wall seconds and CPU seconds over all its counted slices.
    calls, wall, cpu = ([sum(p[side][key] for p in pairs) for side in (0, 1)]
                        for key in ("calls", "elapsed_s", "cpu_s"))
    out: dict[str, Any] = {
        "a": a_key, "b": b_key, "pairs": len(pairs), "secs": spec["secs"],
        "rate_a": calls[0] / wall[0] if wall[0] else None,
        "rate_b": calls[1] / wall[1] if wall[1] else None,
        "cpu_us_a": cpu[0] * 1e6 / calls[0] if calls[0] else None,
        "cpu_us_b": cpu[1] * 1e6 / calls[1] if calls[1] else None,
        "ratios": ratios, "cpu_ratios": cpus,
    }
    if ratios:
        out["ratio"] = statistics.median(ratios)
        out["ratio_q1"], out["ratio_q3"] = quartiles(ratios)
    if cpus:
        out["cpu_ratio"] = statistics.median(cpus)
        out["cpu_ratio_q1"], out["cpu_ratio_q3"] = quartiles(cpus)
    return out


def duels(r: Runner, mode: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for a_key, b_key in DUELS:
        d = duel(r, a_key, b_key, mode["duel"])
        out.append(d)
        if "ratio" in d:
            log(f"duel {a_key} vs {b_key}: {d['ratio']:.3f}x (quartiles {d['ratio_q1']:.3f}-{d['ratio_q3']:.3f}, "
                f"{d['pairs']} pairs), {d['rate_a']:.0f} vs {d['rate_b']:.0f} calls/s, CPU per call "
                f"{d.get('cpu_ratio', 0):.3f}x")
    return out


def callgrind(cmd: list[str], env: dict[str, str] | None = None,
              pin: list[str] | None = None) -> tuple[int | None, subprocess.CompletedProcess[str]]:
    """Runs `cmd` under valgrind's callgrind (`pin`, e.g. taskset, in front): the user-space
    instructions it executed, all threads together (None when it failed), and the
    finished process (its stdout, and stderr with valgrind's summary)."""
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.run((pin or []) + ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out",
                                          *cmd], capture_output=True, text=True, env=env)
    total = next((int(line.split(":")[1].replace(",", "").strip())
                  for line in p.stderr.splitlines() if "Collected :" in line), None)
    return (total if p.returncode == 0 else None), p


def differenced(r: Runner, sizes: tuple[int, int], args_for: Callable[[Sandbox, int], list[str]]) -> float | None:
    """Callgrind's instructions per unit of the Rust bench program: two runs, each against
    a fresh sandbox, that differ only in `sizes` (calls, or records), so start-up and
    warm-up cancel out. `args_for(sandbox, size)` gives the program's flags. None when a
    run failed."""
    small, big = sizes
    totals = []
    for size in (small, big):
        sb = Sandbox(r.a.sandbox, r.pin_sandbox)
        try:
            total, _ = callgrind([r.a.rust_bin, *args_for(sb, size)], r.env, r.pin_client)
        finally:
            sb.stop()
        if total is None:
            return None
        totals.append(total)
    return (totals[1] - totals[0]) / (big - small)


def instructions(r: Runner, mode: dict[str, Any]) -> dict[str, float]:
    """User-space instructions per call of the Rust clients, by callgrind: exact and
    repeatable whatever the host is doing. The difference of two runs that differ only
    in the number of measured calls, so start-up and warm-up cancel out."""
    out: dict[str, float] = {}
    if not shutil.which("valgrind") or not mode.get("callgrind"):
        return out
    for client in ("sdk", "raw"):
        per_call = differenced(r, mode["callgrind"], lambda sb, calls: [
            "--client", client, "--base-url", sb.url, "--warmup-calls", "200", "--calls", str(calls)])
        if per_call is None:
            log(f"callgrind of {client} failed; skipped")
            return {}
        out[client] = per_call
        log(f"callgrind {LABEL[('rust', client)]}: {out[client]:,.0f} instructions per call")
    return out


def same_bytes(r: Runner) -> list[dict[str, Any]]:
    """One call per client against a sandbox with its journal on: what arrived."""
    rows = []
    for lang, client, label, _ in CLIENTS:
        res, sb = r.run(lang, client, ["--calls", "1"], journal=True)
        assert sb is not None
        try:
            entries = sb.get("/__sandbox/journal")["requests"]
        finally:
            sb.stop()
        e = entries[-1]
        h = e["headers"]
        rows.append({"client": label, "method": e["method"], "path": e["path"], "body": e["body"],
                     "authorization": h.get("authorization"), "content-type": h.get("content-type"),
                     "accept": h.get("accept"), "user-agent": h.get("user-agent", ""),
                     "headers": sorted(h)})
    return rows


# --- the paging workload -----------------------------------------------------------


def page_flags(size: int, records: int, warmup: int, sample: Path | None) -> list[str]:
    flags = ["--workload", "page", "--page-size", str(size), "--records", str(records),
             "--warmup-records", str(warmup)]
    return flags + (["--page-sample", str(sample)] if sample else [])


def fold_page(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The rounds of one (client, page size) folded: medians of the rate and CPU, the
    worst RSS growth (and that run's start and peak), the rate's spread."""
    out = dict(runs[0])
    for k in ("rate", "cpu_us_per_record", "elapsed_s", "sandbox_busy", "sandbox_us_per_record",
              "page_native_kib", "page_json_kib"):
        vals = [r[k] for r in runs if r.get(k) is not None]
        out[k] = statistics.median(vals) if vals else None
    rates = [r["rate"] for r in runs if r.get("rate")]
    out["rate_min"], out["rate_max"] = (min(rates), max(rates)) if rates else (None, None)
    out["rates"] = [r.get("rate") for r in runs]
    out["cpus"] = [r.get("cpu_us_per_record") for r in runs]
    out["rounds"] = len(runs)
    out["maxrss_kib"] = max(r["maxrss_kib"] for r in runs)
    grown = [r for r in runs if r.get("rss_peak_kib") is not None]
    if grown:
        worst = max(grown, key=lambda r: r["rss_peak_kib"] - r["rss_base_kib"])
        out["rss_base_kib"], out["rss_peak_kib"] = worst["rss_base_kib"], worst["rss_peak_kib"]
        out["rss_growth_kib"] = worst["rss_peak_kib"] - worst["rss_base_kib"]
        out["nursery_growth_kib"] = worst.get("nursery_growth_kib")
        out["rss_growths"] = [r["rss_peak_kib"] - r["rss_base_kib"] for r in grown]
    return out


def hub_gets(sb: Sandbox) -> list[dict[str, Any]]:
    return [e for e in sb.get("/__sandbox/journal")["requests"]
            if e["method"] == "GET" and e["path"].endswith(HUB_PATH)]


def paging(r: Runner, mode: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Every paging client, every page size, in rounds; and what each client sent (from
    the sandbox's journal: the smoke mode's own runs, a 450-record listing otherwise)."""
    pm = mode["page"]
    records, expect = pm["records"], expected_score_sum(pm["records"])
    # The smoke mode reads the journal of its own runs; the others run a small check
    # first, so that no measured run pays for a journal.
    journal_runs = pm["rounds"] == 1 and records <= 5_000
    sent: list[dict[str, Any]] = []

    def note_requests(label: str, sb: Sandbox) -> None:
        gets = hub_gets(sb)
        h = gets[-1]["headers"]
        # Each run has its own instance: the token differs, the rest must not.
        auth = re.sub(r"Element \S+", "Element <token>", h.get("authorization") or "")
        sent.append({"client": label, "requests": len(gets), "authorization": auth,
                     "accept": h.get("accept"), "user-agent": h.get("user-agent", ""),
                     "cursor": any("nextPage=" in (e.get("query") or "") for e in gets),
                     "page_sizes": sorted({q.split("=", 1)[1] for e in gets
                                           for q in (e.get("query") or "").split("&")
                                           if q.startswith("pageSize=")})})

    if not journal_runs:
        for lang, client, label, _ in PAGE_CLIENTS:
            res, sb = r.run(lang, client, page_flags(200, 450, 0, None), journal=True,
                            prepare=lambda sb: ["--token", seed(sb, 450)])
            assert sb is not None
            try:
                note_requests(label, sb)
            finally:
                sb.stop()
            if res["score_sum"] != expected_score_sum(450):
                raise RuntimeError(f"{label} read a wrong score sum")
    runs: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(pm["rounds"]):
            for size in pm["sizes"]:
                sample = Path(tmp) / f"page-{size}.json"

                def prepare(sb: Sandbox, size: int = size, sample: Path = sample) -> list[str]:
                    token = seed(sb, records)
                    if not sample.exists():  # the first page: the same in every sandbox
                        sample.write_bytes(sb.get_bytes(f"/elements/api-v2{HUB_PATH}?pageSize={size}",
                                                        hub_headers(token)))
                    return ["--token", token]

                for lang, client, label, _ in PAGE_CLIENTS:
                    res, sb = r.run(lang, client, page_flags(size, records, pm["warmup"], sample),
                                    expose_gc=True, journal=journal_runs, prepare=prepare)
                    if sb is not None:
                        try:
                            note_requests(label, sb)
                        finally:
                            sb.stop()
                    if res["score_sum"] != expect:
                        raise RuntimeError(f"{label}: score sum {res['score_sum']}, expected {expect}")
                    runs.setdefault(f"{lang}/{client}/{size}", []).append(res)
                    busy = res.get("sandbox_busy")
                    grow = (res["rss_peak_kib"] - res["rss_base_kib"]) if res.get("rss_peak_kib") else None
                    log(f"paging round {rnd + 1}/{pm['rounds']} {label:34} pages of {size:<5} "
                        f"{res['rate'] or 0:10,.0f} records/s  cpu {res['cpu_us_per_record'] or 0:6.2f} µs/record  "
                        f"rss {mib(res['rss_base_kib'])} → {mib(res.get('rss_peak_kib'))} MiB "
                        f"(+{mib(grow)}; a page {mib(res.get('page_native_kib'))} MiB)  "
                        f"sandbox {0 if busy is None else busy:.0%}")
    return {k: fold_page(v) for k, v in runs.items()}, sent


def page_instructions(r: Runner, mode: dict[str, Any]) -> dict[str, float]:
    """User-space instructions per record of the Rust paging clients (callgrind), pages
    of 200: the difference of two listings that differ only in size, so start-up, the
    first page and the end of the listing cancel out."""
    out: dict[str, float] = {}
    pm = mode["page"]
    if not shutil.which("valgrind") or not pm.get("callgrind"):
        return out
    for client in ("sdk", "raw"):
        per_record = differenced(r, pm["callgrind"], lambda sb, records: [
            "--client", client, "--base-url", sb.url, "--workload", "page", "--token", seed(sb, records),
            "--page-size", "200", "--records", str(records)])
        if per_record is None:
            log(f"callgrind of paging {client} failed; skipped")
            return {}
        out[client] = per_record
        log(f"callgrind paging {PAGE_LABEL[('rust', client)]}: {out[client]:,.0f} instructions per record")
    return out


def timed_runs(cmd: list[str], reps: int, env: dict[str, str], cwd: str | None = None) -> list[float]:
    """Runs `cmd` (which prints milliseconds) reps times after one discarded run."""
    vals = []
    for i in range(reps + 1):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, check=True)
        wall = (time.perf_counter() - t0) * 1000
        if i:
            vals.append((float(p.stdout.strip().splitlines()[-1]), wall))
    return vals


def cold_start(r: Runner, reps: int) -> list[dict[str, Any]]:
    rows = []
    py = "import time; t = time.perf_counter(); import {m}; print((time.perf_counter() - t) * 1000)"
    for m, label in (("open_connectors", "`import open_connectors`"), ("requests", "`import requests`"),
                     ("httpx", "`import httpx`"), ("aiohttp", "`import aiohttp`"), ("httpr", "`import httpr`"),
                     ("pycurl", "`import pycurl`"), ("pyreqwest.client", "`import pyreqwest.client`")):
        v = timed_runs(r.pin_client + [r.a.python, "-c", py.format(m=m)], reps, r.env)
        rows.append({"what": label, "import_ms": statistics.median(x for x, _ in v),
                     "process_ms": statistics.median(w for _, w in v), "sdk": m == "open_connectors"})
    base = timed_runs(r.pin_client + [r.a.python, "-c", "print(0)"], reps, r.env)
    rows.append({"what": "(python, nothing imported)", "import_ms": 0.0,
                 "process_ms": statistics.median(w for _, w in base), "sdk": False})
    js = ("const t = process.hrtime.bigint(); require('{m}'); "
          "console.log(Number(process.hrtime.bigint() - t) / 1e6)")
    for m, label, cwd in (("open-connectors", "`require('open-connectors')`", r.a.node_root),
                          ("axios", "`require('axios')`", r.a.node_peers),
                          ("undici", "`require('undici')`", r.a.node_peers)):
        v = timed_runs(r.pin_client + ["node", "-e", js.format(m=m)], reps, r.env, cwd=cwd)
        rows.append({"what": label, "import_ms": statistics.median(x for x, _ in v),
                     "process_ms": statistics.median(w for _, w in v), "sdk": m == "open-connectors"})
    base = timed_runs(r.pin_client + ["node", "-e", "console.log(0)"], reps, r.env)
    rows.append({"what": "(node, nothing required)", "import_ms": 0.0,
                 "process_ms": statistics.median(w for _, w in base), "sdk": False})
    return rows


def sizes(a: argparse.Namespace) -> list[tuple[str, int]]:
    out = []
    for label, path in (("wheel (`maturin build --release`)", a.wheel),
                        ("`_native.abi3.so` in the wheel", a.py_so),
                        ("`.node` (`npm run build`)", a.node_binary)):
        if not (path and Path(path).exists()):
            continue
        out.append((label, Path(path).stat().st_size))
        if path.endswith((".so", ".node")) and shutil.which("strip"):
            with tempfile.TemporaryDirectory() as tmp:
                stripped = Path(tmp) / "x"
                if subprocess.run(["strip", "-o", str(stripped), path], capture_output=True).returncode == 0:
                    out.append((f"{label}, stripped (`strip`, for reference)", stripped.stat().st_size))
    return out


# --- the machine -------------------------------------------------------------------


def cmd_out(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def machine(a: argparse.Namespace) -> dict[str, str]:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
        mem = f"{mem_kib / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        mem = "?"
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": mem,
        "os": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "rustc": cmd_out(["rustc", "--version"]),
        "python": cmd_out([a.python, "--version"]),
        "node": cmd_out(["node", "--version"]),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


# --- the report --------------------------------------------------------------------


def mib(kib: float | None) -> str:
    return "–" if kib is None else f"{kib / 1024:.1f}"


def num(v: float | None, fmt: str = "{:,.0f}") -> str:
    return "–" if v is None else fmt.format(v)


def paired(a: dict[str, Any], b: dict[str, Any], key: str = "rates") -> float | None:
    """The median over rounds of a's figure ÷ b's in the same round: the machine's slow
    drifts (a shared host) cancel out, as both ran seconds apart."""
    xs, ys = a.get(key) or [], b.get(key) or []
    pairs = [x / y for x, y in zip(xs, ys) if x and y]
    return statistics.median(pairs) if pairs and len(xs) == len(ys) else None


def ratio(x: float | None, y: float | None) -> str:
    if not x or not y:
        return "–"
    return f"{x / y:.2f}×"


def goal_line(ok: bool | None, text: str, detail: str) -> str:
    mark = "–" if ok is None else ("**met**" if ok else "**missed**")
    return f"| {text} | {detail} | {mark} |"


# The paging workload's goals (issue 11): (SDK, peer, factor).
PAGE_GOALS = [
    (("python", "sdk"), ("python", "requests"), 2.0),
    (("python", "sdk"), ("python", "httpx"), 1.0),
    (("python", "sdk_async"), ("python", "aiohttp"), 1.0),
    (("node", "sdk"), ("node", "fetch"), 1.2),
    (("rust", "sdk"), ("rust", "raw"), 0.95),
]


def size_text(kib: float | None) -> str:
    """A page's size: MiB, or KiB under 1 MiB."""
    if kib is None:
        return "–"
    return f"{kib / 1024:.1f} MiB" if kib >= 1024 else f"{kib:,.0f} KiB"


def rss_verdict(v: dict[str, Any], peers: list[tuple[str, dict[str, Any]]] | None = None) -> tuple[bool, str]:
    """Growth (peak − start) against two pages of records as the language's objects, plus
    the noise allowance of the memory-over-time check (max(2 MiB, 5 % of the start));
    for Node, less the growth of V8's nursery (the new space, sized by the allocation
    rate whatever is live: not pages held)."""
    growth, page, base = v["rss_growth_kib"], v["page_native_kib"], v["rss_base_kib"]
    noise = max(2048, 0.05 * base)
    nursery = v.get("nursery_growth_kib") or 0
    held = growth - max(0, nursery)
    detail = f"+{mib(growth)} MiB ({mib(base)} → {mib(v['rss_peak_kib'])})"
    if nursery > 0:
        detail += f", of it V8's nursery +{mib(nursery)} MiB; the rest +{mib(held)} MiB"
    detail += (f" = {held / page:.1f} pages of {size_text(page)} (allowance: two pages and "
               f"{mib(noise)} MiB of noise, {mib(2 * page + noise)} MiB)")
    seen = [(label, pv["rss_growth_kib"]) for label, pv in peers or [] if pv.get("rss_growth_kib") is not None]
    if seen:
        detail += "; the hand-written loops: " + ", ".join(f"{label} +{mib(g)} MiB" for label, g in seen)
    return held <= 2 * page + noise, detail


def render_page(w: Any, mode: dict[str, Any], pg: dict[str, dict[str, Any]], sent: list[dict[str, Any]],
                ins: dict[str, float]) -> None:
    pm = mode["page"]
    sizes = sorted({v["page_size"] for v in pg.values()})
    records = next(iter(pg.values()))["records"]
    w(f"## Paging: {records:,} contacts, pages of " + " and ".join(f"{s:,}" for s in sizes))
    w("")
    w("The workload of *calling the connector*: one instance's CRM hub seeded with "
      f"{records:,} contacts (`POST /__sandbox/hub/seed`, a fresh sandbox per run), listed through "
      f"`GET {HUB_PATH}` to its end; each record decoded into the language's own objects (a `dict`, a "
      "JavaScript object, a `serde_json::Value`) and touched: its `score` read and summed. Every "
      "client's sum is checked against the seed's formula, so every record was read.")
    w("")
    w(f"- Each (client, page size) in turn: a fresh process reads one page of 1 record (the "
      f"connection, the runtime), then {pm['warmup']:,} records (warm-up), then the whole listing once, "
      f"measured; {pm['rounds']} round{'s' if pm['rounds'] > 1 else ''}. *records/s* is the listing's "
      "size ÷ the wall time of the measured pass (the median round; min–max beside it); ratios are "
      "taken round by round, as above. *CPU µs / record*: the process's user+system CPU over the "
      "pass, all its threads (one core: the client is pinned to CPU 0).")
    w("- The SDKs: Python `client.for_instance(token).paginate(path, page_size=N)` iterated for "
      "records (`AsyncClient`: `async for`), Node `client.forInstance(token).paginate(path, { pageSize })` "
      "(`for await`), Rust `client.for_instance(token)?.paginate(path, None, Some(N))?` and "
      "`next_page().await`, matching `Output::Json(v)`. They fetch the next page while the caller "
      "reads the current one. The peers loop by hand, one page at a time: `nextPage=` the "
      "`elements-next-page-token` of the last page, until an empty page or no token, with the "
      "SDK's `Authorization` (`User …, Organization …, Element <token>`) and `Accept` (checked "
      "against the journal at the end of this section).")
    w("- **Memory while paging**: *start* is `VmRSS` after the one-record page (after a full GC), "
      "before any real page; the driver's program then resets the kernel's peak (`VmHWM`, by "
      "`5 > /proc/self/clear_refs`), so *peak* is the exact highest RSS of the warm-up and the "
      "measured pass, not a sample. *growth* = peak − start (the worst round). The yardstick, "
      "*a page*, is what one page of records takes as the language's objects, measured in the "
      "same process on the listing's first page: Python `tracemalloc` of `json.loads` (every "
      "`dict`, `str`, `int`), Node V8's `heapUsed` after a full GC with the parsed page held "
      "and without (8 copies, ÷ 8), Rust malloc's in-use bytes with the `Value` held and without. "
      "The goal is growth within about two pages (the one being read, the one fetched ahead); "
      "the verdict allows two pages plus the noise allowance of the create workload's memory "
      "check (max(2 MiB, 5 % of the start)). For Node, the growth of V8's nursery (the new "
      "space, which V8 sizes to the allocation rate whatever is live: up to 16 MiB a semispace) "
      "is shown and left out of *growth ÷ a page* and the verdict: a peer allocating at the "
      "same rate grows it as much.")
    w("")
    for size in sizes:
        w(f"### Pages of {size:,}")
        w("")
        w("| client | records/s | (rounds: min–max) | pages/s | CPU µs / record | RSS start MiB | peak MiB | growth MiB | growth ÷ a page | sandbox busy |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for lang, client, label, is_sdk in PAGE_CLIENTS:
            v = pg.get(f"{lang}/{client}/{size}")
            if not v:
                continue
            busy = v.get("sandbox_busy")
            flag = " ⚠" if busy is not None and busy >= SANDBOX_BUSY else ""
            name = f"**{label}**" if is_sdk else label
            spread = (f"{num(v['rate_min'])}–{num(v['rate_max'])}"
                      if v.get("rounds", 1) > 1 and v.get("rate_min") else "–")
            pages = v["rate"] / size if v.get("rate") else None
            growth = v.get("rss_growth_kib")
            held = None if growth is None else growth - max(0, v.get("nursery_growth_kib") or 0)
            per_page = (f"{held / v['page_native_kib']:.1f}" if held is not None and v.get("page_native_kib")
                        else "–")
            w(f"| {name} | {num(v['rate'])} | {spread} | {num(pages, '{:,.1f}')} | "
              f"{num(v['cpu_us_per_record'], '{:.2f}')} | {mib(v.get('rss_base_kib'))} | "
              f"{mib(v.get('rss_peak_kib'))} | {mib(growth)} | {per_page} | "
              f"{num(None if busy is None else busy * 100)} %{flag} |")
        yard = ", ".join(f"{lang.capitalize()} {size_text(pg[f'{lang}/sdk/{size}'].get('page_native_kib'))}"
                         for lang in ("python", "node", "rust") if f"{lang}/sdk/{size}" in pg)
        json_kib = next((v.get("page_json_kib") for v in pg.values() if v["page_size"] == size), None)
        w("")
        w(f"A page of {size:,} records: {size_text(json_kib)} of JSON text; as the language's objects "
          f"(the yardstick of *growth ÷ a page*): {yard}.")
        w("")
    w("### Ratios and goals (paging)")
    w("")
    w("SDK ÷ peer, same run: records/s as the median of the round-by-round ratios (higher is "
      "better for the SDK), CPU per record as the ratio of the medians (lower is better).")
    w("")
    w("| SDK | against | page size | records/s | CPU / record |")
    w("|---|---|---:|---:|---:|")
    for lang, client, label, is_sdk in PAGE_CLIENTS:
        if not is_sdk:
            continue
        for plang, pclient, plabel, psdk in PAGE_CLIENTS:
            if psdk or plang != lang:
                continue
            for size in sizes:
                s_, p_ = pg.get(f"{lang}/{client}/{size}"), pg.get(f"{plang}/{pclient}/{size}")
                if not s_ or not p_:
                    continue
                q = paired(s_, p_)
                w(f"| {label} | {plabel} | {size:,} | "
                  f"{ratio(s_['rate'], p_['rate']) if q is None else f'{q:.2f}×'} | "
                  f"{ratio(s_['cpu_us_per_record'], p_['cpu_us_per_record'])} |")
    w("")
    w("| goal (paging, records per second) | this run | |")
    w("|---|---|---|")
    for (sl, sc), (pl, pc), factor in PAGE_GOALS:
        for size in sizes:
            s_, p_ = pg.get(f"{sl}/{sc}/{size}"), pg.get(f"{pl}/{pc}/{size}")
            times = f"{factor:.1f}" if (factor * 10).is_integer() else f"{factor:g}"
            text = f"{PAGE_LABEL[(sl, sc)]} ≥ {times}× {PAGE_LABEL[(pl, pc)]}, pages of {size:,}"
            if not s_ or not p_ or not s_.get("rate") or not p_.get("rate"):
                w(goal_line(None, text, "–"))
                continue
            x, y = s_["rate"], p_["rate"]
            note = (" (sandbox-bound ⚠)" if max(s_.get("sandbox_busy") or 0, p_.get("sandbox_busy") or 0)
                    >= SANDBOX_BUSY else "")
            q = paired(s_, p_)
            if q is None or len(s_.get("rates") or []) < 2:
                ok, d = x >= factor * y, f"{x / y:.2f}× ({x:,.0f} vs {y:,.0f} records/s){note}"
            else:
                ok, d = q >= factor, (f"{q:.2f}× (round by round; medians {x:,.0f} vs {y:,.0f} records/s, "
                                      f"{x / y:.2f}×){note}")
            w(goal_line(ok, text, d))
            if sl == "rust" and s_.get("cpu_us_per_record") and p_.get("cpu_us_per_record"):
                eff = p_["cpu_us_per_record"] / s_["cpu_us_per_record"]
                w(goal_line(eff >= factor, f"… the same as client CPU per record, pages of {size:,}",
                            f"{eff:.2f}× ({s_['cpu_us_per_record']:.2f} vs {p_['cpu_us_per_record']:.2f} µs "
                            "per record)"))
    if ins.get("sdk") and ins.get("raw"):
        eff = ins["raw"] / ins["sdk"]
        small, big = pm.get("callgrind") or (0, 0)
        w(goal_line(eff >= 0.95, "… the Rust SDK as user-space instructions per record (callgrind, pages of 200, "
                    f"listings of {small:,} and {big:,} differenced: immune to the host's noise)",
                    f"{eff:.2f}× ({ins['sdk'] / 1000:.1f}k vs {ins['raw'] / 1000:.1f}k instructions per record)"))
    for lang, client, label, is_sdk in PAGE_CLIENTS:
        if not is_sdk:
            continue
        for size in sizes:
            v = pg.get(f"{lang}/{client}/{size}")
            if not v or v.get("rss_growth_kib") is None or not v.get("page_native_kib"):
                continue
            peers = [(plabel, pg[f"{plang}/{pclient}/{size}"]) for plang, pclient, plabel, psdk in PAGE_CLIENTS
                     if plang == lang and not psdk and f"{plang}/{pclient}/{size}" in pg]
            ok, d = rss_verdict(v, peers)
            w(goal_line(ok, f"{label}: peak RSS while paging within two pages of its start, pages of {size:,}", d))
    w("")
    if sent:
        ref = sent[0]
        w("What each paging client sent: the sandbox's journal of a run with its journal on (a listing of "
          "450 records in pages of 200 besides the smoke mode's own runs, whose counts include the "
          "warm-up). The one-record page comes first (`pageSize=1`); an SDK may show one GET more: "
          "the page it fetched ahead when the one-record read stopped.")
        w("")
        w("| client | GET requests | page sizes | `nextPage` followed | Authorization, Accept identical | User-Agent |")
        w("|---|---:|---|---|---|---|")
        for row in sent:
            same_h = row["authorization"] == ref["authorization"] and row["accept"] == ref["accept"]
            w(f"| {row['client']} | {row['requests']} | {', '.join(row['page_sizes'])} | "
              f"{'yes' if row['cursor'] else 'NO'} | {'yes' if same_h else 'NO'} | "
              f"`{row['user-agent'] or '(none)'}` |")
        w("")


def render(a: argparse.Namespace, mode_name: str, mach: dict[str, str], tp: dict[str, dict[str, Any]],
           mem: dict[str, dict[str, Any]], cold: list[dict[str, Any]], size: list[tuple[str, int]],
           same: list[dict[str, Any]], started: float, load_end: str, elapsed: float | None = None,
           ins: dict[str, float] | None = None, pg: dict[str, dict[str, Any]] | None = None,
           pg_sent: list[dict[str, Any]] | None = None, kept: dict[str, str] | None = None,
           pg_ins: dict[str, float] | None = None, duel_results: list[dict[str, Any]] | None = None) -> str:
    L: list[str] = []
    w = L.append
    mode = MODES[mode_name]
    when = dt.datetime.fromtimestamp(started, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    took = elapsed if elapsed is not None else time.time() - started
    w("# Benchmarks")
    w("")
    w(f"Written by `make bench{' QUICK=1' if mode_name == 'quick' else ''}` ({mode_name} mode) on {when}, "
      f"in {took:.0f} s (the run, builds excluded). **Figures are from one run** on a 2-core VM whose "
      "host is shared: a single rate can move by up to 2× from one round to the next (the *min–max* "
      "column); the ratios, taken round by round, CPU per call and callgrind's instruction counts are "
      "much steadier. Rerun `make bench` on a quiet machine to refresh them. The driver is `benches/run.py`; how it measures is in `benches/README.md`.")
    w("")
    names = {"create": "create_instance", "page": "paging"}
    for workload, on in sorted((kept or {}).items()):
        w(f"The {names.get(workload, workload)} sections are from the run of {on} (this run did not "
          f"repeat them: `--keep-from`); the machine below is this run's.")
        w("")
    w("## Machine")
    w("")
    w("| | |")
    w("|---|---|")
    for k in ("cpu", "memory", "os", "rustc", "python", "node"):
        w(f"| {k} | {mach[k]} |")
    w(f"| load average (1, 5, 15 min) | {mach['load']} at the start, {load_end} at the end "
      "(the benchmark keeps both cores busy itself: about 2 is its own load) |")
    pinned = "client on CPU 0, sandbox on CPU 1 (`taskset`)" if not a.no_pin else "not pinned"
    w(f"| pinning | {pinned} |")
    w("")
    if tp:
        w("## Method, in short")
        w("")
        meas = mode["measure"]
        w(f"- Workload: `create_instance`, Basic, element `insightly`, the seed's body "
          f"({len(same[0]['body']) if same else '?'} bytes), against the release `oc-sandbox` on 127.0.0.1 "
          "(`--quiet --journal-limit 0`), a fresh sandbox per run. One client per process, built once "
          "and reused for every call.")
        def span(kind_value: tuple[str, float]) -> str:
            kind, value = kind_value
            return f"{value:g} s" if kind == "secs" else f"{value:g} calls"
        w(f"- Each (client, mode) warms up for {span(mode['warmup'])} and is then measured "
          f"for {span(meas)}, in {mode['rounds']} round{'s' if mode['rounds'] > 1 else ''} that take the clients in turn; the tables "
          "give the median round (and the spread of the rate), and the goals' ratios are the median of "
          "the ratios taken within each round, where the two clients ran seconds apart. *sequential* is one call at a time, "
          "*64* is 64 calls in flight "
          "(tasks/promises for async clients, 64 threads for the sync Python clients). "
          "Latency is per call, from the call to its decoded answer.")
        w("- **Same request, same work for every client**: every client sends the identical body bytes and "
          "the same `Authorization`, `Content-Type: application/json` and `Accept: application/json` "
          "(checked against the sandbox's journal below), checks the status and parses the JSON answer "
          "(the SDKs decode it into an `Instance`; the peers parse it with their own JSON call and read "
          "`id` and `token`). The peers serialize the body per call, as the SDKs do.")
        w("- CPU s / 1000 calls: the client process's own user+system CPU time over the measured phase "
          "(`getrusage`, `resource.getrusage`, `process.cpuUsage`), all its threads. Peak RSS: the "
          "client process's `VmHWM` (not `ru_maxrss`, which survives `exec` and so would show the "
          "forked driver's RSS).")
        w("- Pinning: the client runs on CPU 0 and the sandbox on CPU 1, so each has one core of its own "
          "and neither steals the other's. It makes runs repeatable, and it is fair: every client gets "
          "one core (the SDKs' tokio runtimes size themselves to it), so a multi-threaded SDK cannot "
          "win by borrowing the sandbox's core from a single-threaded peer.")
        w("- **Is the sandbox the bottleneck?** The driver reads the sandbox's CPU time "
          "(`/proc/<pid>/stat`) at the start and the end of every measured phase. *sandbox busy* "
          "below is the share of its core it used; a run at ≥ 90 % may be sandbox-bound and is "
          "marked ⚠.")
        w("")

        busiest = max((v for v in tp.values() if v.get("sandbox_busy") is not None),
                      key=lambda v: v["sandbox_busy"], default=None)
        fastest = max((v for v in tp.values() if v.get("sandbox_us_per_call")),
                      key=lambda v: v["rate"] or 0, default=None)
        if busiest and fastest:
            us = fastest["sandbox_us_per_call"]
            w(f"At the highest rate of this run ({LABEL[(fastest['lang'], fastest['client'])]}, "
              f"{fastest['concurrency']} in flight: {num(fastest['rate'])} calls/s) the sandbox used "
              f"{fastest['sandbox_busy'] * 100:.0f} % of its core, **{us:.0f} µs of CPU per request** "
              f"(user+system, its kernel TCP work included): one core serves about "
              f"**{1e6 / us:,.0f} calls/s** at that cost. The busiest it was in any run: "
              f"{busiest['sandbox_busy'] * 100:.0f} % ({LABEL[(busiest['lang'], busiest['client'])]}, "
              f"{busiest['concurrency']} in flight). A run marked ⚠ had it at ≥ 90 %; every other run "
              "measured the client, not the sandbox. (Sequential runs leave it idle between requests: "
              "they are bound by the round trip, which the latency columns show.) The fastest client "
              "comes close to the sandbox's capacity, so its rate is, if anything, a lower bound: for "
              "the Rust SDK against it, compare CPU and instructions per call too (in the goals).")
            w("")

        w("## Throughput, latency, memory, CPU")
        w("")
        for lang, title in (("rust", "Rust"), ("python", "Python"), ("node", "Node")):
            w(f"### {title}")
            w("")
            w("| client | in flight | calls/s | (rounds: min–max) | p50 ms | p99 ms | peak RSS MiB | CPU s / 1000 calls | sandbox busy |")
            w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
            for lg, client, label, is_sdk in CLIENTS:
                if lg != lang:
                    continue
                for conc in (1, CONCURRENCY):
                    v = tp.get(f"{lang}/{client}/{conc}")
                    if v is None:  # a client the run of these figures did not have (--from-json)
                        continue
                    busy = v.get("sandbox_busy")
                    flag = " ⚠" if busy is not None and busy >= SANDBOX_BUSY else ""
                    name = f"**{label}**" if is_sdk else label
                    spread = (f"{num(v['rate_min'])}–{num(v['rate_max'])}"
                              if v.get("rounds", 1) > 1 and v.get("rate_min") else "–")
                    w(f"| {name} | {'1 (sequential)' if conc == 1 else conc} | {num(v['rate'])} | {spread} | "
                      f"{num(v['p50_ms'], '{:.3f}')} | {num(v['p99_ms'], '{:.3f}')} | {mib(v['maxrss_kib'])} | "
                      f"{num(v['cpu_s_per_1000'], '{:.3f}')} | {num(None if busy is None else busy * 100)} %{flag} |")
            w("")

        w("## Ratios: each SDK against its peers and the raw-Rust ceiling")
        w("")
        w("SDK figure ÷ peer figure, same run, same mode; calls/s is the median of the ratios taken round "
          "by round (the two ran seconds apart), the others are ratios of the medians. calls/s: higher is "
          "better for the SDK; p50, p99, peak RSS and CPU per call: lower is better.")
        w("")
        w("| SDK | against | in flight | calls/s | p50 | p99 | peak RSS | CPU / call |")
        w("|---|---|---:|---:|---:|---:|---:|---:|")
        for lang, client, label, is_sdk in CLIENTS:
            if not is_sdk:
                continue
            peers = [(lg, c, lb) for lg, c, lb, sdk in CLIENTS if lg == lang and not sdk]
            if lang != "rust":
                peers.append(("rust", "sdk", "Rust SDK"))
            if ("rust", "raw", LABEL[("rust", "raw")]) not in peers:
                peers.append(("rust", "raw", LABEL[("rust", "raw")]))
            for conc in (1, CONCURRENCY):
                s = tp.get(f"{lang}/{client}/{conc}")
                if s is None:
                    continue
                for plang, pclient, plabel in peers:
                    p = tp.get(f"{plang}/{pclient}/{conc}")
                    if p is None:
                        continue
                    q = paired(s, p)
                    w(f"| {label} | {plabel} | {conc} | {ratio(s['rate'], p['rate']) if q is None else f'{q:.2f}×'} | "
                      f"{ratio(s['p50_ms'], p['p50_ms'])} | {ratio(s['p99_ms'], p['p99_ms'])} | "
                      f"{ratio(s['maxrss_kib'], p['maxrss_kib'])} | "
                      f"{ratio(s['cpu_s_per_1000'], p['cpu_s_per_1000'])} |")
        w("")

        def rate(key: str) -> float | None:
            return tp.get(key, {}).get("rate")

        def busy(key: str) -> bool:
            b = tp.get(key, {}).get("sandbox_busy")
            return b is not None and b >= SANDBOX_BUSY

        duel_of = {(d["a"], d["b"]): d for d in duel_results or [] if "ratio" in d}
        if duel_of:
            w("## Head to head: the duels")
            w("")
            spec = mode["duel"]
            w(f"The goals that compare one SDK with one peer are measured a second way too. The two "
              f"programs run at once, each against a sandbox of its own, and take turns: {spec['secs']:g} s "
              f"of calls by one, then {spec['secs']:g} s by the other, then the other way round (ABBA), "
              f"for {spec['pairs']} pairs after one pair of warm-up; the one waiting is blocked on its "
              "stdin and uses no CPU. Each pair's ratio compares two slices run a fraction of a second "
              "apart, where the rounds above compare runs seconds apart, between which this host's "
              "speed moves by up to a quarter. The table gives the median of the pairs' ratios and "
              "their quartiles. A duel also measures each program past its start: about "
              f"{spec['pairs'] * spec['secs']:g} s of calls each after its warm-up, where a round measures "
              "a fresh process's first seconds, in which a JavaScript client is still being compiled "
              "by V8 (`benches/PROFILE.md`, section 12). **The goals below that have a duel take their "
              "verdict from it**, and show the round-by-round figure beside it.")
            w("")
            w("| SDK | against | in flight | calls/s (median of pairs) | quartiles | rates (pooled) | "
              "CPU / call (median of pairs) | CPU µs / call |")
            w("|---|---|---:|---:|---:|---:|---:|---:|")
            for du in duel_results or []:
                if "ratio" not in du:
                    continue
                la, ca, conc = du["a"].split("/")
                lb, cb, _ = du["b"].split("/")
                w(f"| {LABEL[(la, ca)]} | {LABEL[(lb, cb)]} | {conc} | {du['ratio']:.3f}× | "
                  f"{du['ratio_q1']:.2f}–{du['ratio_q3']:.2f} | {num(du['rate_a'])} vs {num(du['rate_b'])} | "
                  f"{num(du.get('cpu_ratio'), '{:.3f}×')} | {num(du['cpu_us_a'], '{:.1f}')} vs "
                  f"{num(du['cpu_us_b'], '{:.1f}')} |")
            w("")

        def goal(sdk: str, peer: str, factor: float, lead: bool = False) -> tuple[bool | None, str]:
            """Met when the SDK's rate is ≥ factor × the peer's (with `lead`: strictly more):
            by the duel of the two when there is one, else round by round."""
            x, y = rate(sdk), rate(peer)
            if not x or not y:
                return None, "–"
            note = " (sandbox-bound ⚠)" if busy(sdk) or busy(peer) else ""
            q = paired(tp[sdk], tp[peer])

            def met(times: float) -> bool:
                return times > factor if lead else times >= factor
            if q is None or len(tp[sdk].get("rates") or []) < 2:
                rounds, times = f"{x / y:.2f}× ({x:,.0f} vs {y:,.0f} calls/s){note}", x / y
            else:
                rounds, times = (f"{q:.2f}× (round by round; medians {x:,.0f} vs {y:,.0f} calls/s, "
                                 f"{x / y:.2f}×){note}"), q
            d = duel_of.get((sdk, peer))
            if d is None:
                return met(times), rounds
            return met(d["ratio"]), (f"duel {d['ratio']:.2f}× (quartiles {d['ratio_q1']:.2f}–{d['ratio_q3']:.2f}, "
                                     f"{d['pairs']} pairs); rounds {rounds}")

        w("## Goals of the issue (calls per second, this run)")
        w("")
        w("| goal | this run | |")
        w("|---|---|---|")
        c = CONCURRENCY
        for conc in (1, c):
            for peer, factor in (("requests", 3.0), ("httpx", 2.0)):
                ok, d = goal(f"python/sdk/{conc}", f"python/{peer}/{conc}", factor)
                w(goal_line(ok, f"Python `Client` ≥ {factor:g}× {LABEL[('python', peer)]}, "
                                f"{'sequential' if conc == 1 else f'{c} threads'}", d))
            # The fast peers (issue 14): at least level one call at a time, ahead with 64 in flight.
            for peer in ("httpr", "pycurl") if conc == 1 else ("httpr", "pycurl", "pyreqwest"):
                ok, d = goal(f"python/sdk/{conc}", f"python/{peer}/{conc}", 1.0, lead=conc != 1)
                w(goal_line(ok, f"Python `Client` {'≥' if conc == 1 else '>'} 1× {LABEL[('python', peer)]}, "
                                f"{'sequential' if conc == 1 else f'{c} threads'}", d))
        ok, d = goal(f"python/sdk_async/{c}", f"python/aiohttp/{c}", 1.5)
        w(goal_line(ok, f"`AsyncClient` ≥ 1.5× `aiohttp`, {c} in flight", d))
        for peer in ("httpr_async", "pyreqwest_async"):
            ok, d = goal(f"python/sdk_async/{c}", f"python/{peer}/{c}", 1.0, lead=True)
            w(goal_line(ok, f"`AsyncClient` > 1× {LABEL[('python', peer)]}, {c} in flight", d))
        ok, d = goal(f"node/sdk/{c}", f"node/fetch/{c}", 1.2)
        w(goal_line(ok, f"Node SDK ≥ 1.2× `fetch`, {c} in flight", d))
        ok, d = goal("node/sdk/1", "node/undici/1", 0.9)
        w(goal_line(ok, f"Node SDK ≥ 0.9× {LABEL[('node', 'undici')]}, sequential", d))
        ok, d = goal(f"node/sdk/{c}", f"node/undici/{c}", 1.0, lead=True)
        w(goal_line(ok, f"Node SDK > 1× {LABEL[('node', 'undici')]}, {c} in flight", d))
        for key, label in (("python/sdk", "Python `Client`"), ("python/sdk_async", "Python `AsyncClient`"),
                           ("node/sdk", "Node SDK")):
            ok, d = goal(f"{key}/1", "rust/sdk/1", 0.85)
            w(goal_line(ok, f"{label} sequential ≥ 85 % of the Rust SDK's sequential rate", d))
        # Issue 14: the Python `Client` driven on the caller's thread.
        ok, d = goal("python/sdk/1", "rust/sdk/1", 0.9)
        w(goal_line(ok, "Python `Client` sequential ≥ 0.9× the Rust SDK's rate (issue 14)", d))
        s, p = tp.get("python/sdk/1", {}), tp.get("rust/sdk/1", {})
        if s.get("cpu_s_per_1000") and p.get("cpu_s_per_1000"):
            q = paired(s, p, "cpus")
            times = q if q is not None else s["cpu_s_per_1000"] / p["cpu_s_per_1000"]
            detail = (f"{times:.2f}× ({s['cpu_s_per_1000'] * 1000:.1f} vs {p['cpu_s_per_1000'] * 1000:.1f} µs "
                      "of CPU per call)")
            cd = duel_of.get(("python/sdk/1", "rust/sdk/1"))
            if cd is not None and cd.get("cpu_ratio") is not None:
                detail = (f"duel {cd['cpu_ratio']:.2f}× (quartiles {cd['cpu_ratio_q1']:.2f}–"
                          f"{cd['cpu_ratio_q3']:.2f}, {cd['cpu_us_a']:.1f} vs {cd['cpu_us_b']:.1f} µs); "
                          f"rounds {detail}")
                times = cd["cpu_ratio"]
            w(goal_line(times <= 1.3, "Python `Client` sequential CPU per call ≤ 1.3× the Rust SDK's (issue 14)",
                        detail))
        for conc in (1, c):
            ok, d = goal(f"rust/sdk/{conc}", f"rust/raw/{conc}", 0.95)
            w(goal_line(ok, f"Rust SDK ≥ 95 % of raw reqwest, {'sequential' if conc == 1 else f'{c} in flight'}", d))
            if conc == c:
                s, p = tp.get(f"rust/sdk/{c}", {}), tp.get(f"rust/raw/{c}", {})
                if s.get("cpu_s_per_1000") and p.get("cpu_s_per_1000"):
                    q = paired(p, s, "cpus")
                    eff = q if q is not None else p["cpu_s_per_1000"] / s["cpu_s_per_1000"]
                    w(goal_line(eff >= 0.95, f"… the same, as client CPU per call ({c} in flight; "
                                "what the rate would be with a sandbox that keeps up)",
                                f"{eff:.2f}× ({s['cpu_s_per_1000'] * 1000:.1f} vs "
                                f"{p['cpu_s_per_1000'] * 1000:.1f} µs of CPU per call)"))
        if ins and ins.get("sdk") and ins.get("raw"):
            eff = ins["raw"] / ins["sdk"]
            w(goal_line(eff >= 0.95, "… the same, as user-space instructions per call (callgrind: exact, "
                        "immune to the host's noise)",
                        f"{eff:.2f}× ({ins['sdk'] / 1000:.1f}k vs {ins['raw'] / 1000:.1f}k instructions per call)"))
        lo, hi = mode["rss_at"][0], mode["rss_at"][-1]
        verdicts = []
        for key, m in mem.items():
            cps = {cp["calls"]: cp for cp in m["rss_checkpoints"]}
            a_, b_ = cps.get(lo), cps.get(hi)
            if a_ is None or b_ is None:
                continue
            lang, client = key.split("/")
            growth = b_["rss_kib"] - a_["rss_kib"]
            noise = max(2048, 0.05 * a_["rss_kib"])
            detail = f"RSS {growth / 1024:+.1f} MiB ({mib(a_['rss_kib'])} → {mib(b_['rss_kib'])})"
            if lang == "node" and "heap_total_kib" in a_:
                # V8 sizes its heap to the allocation rate and keeps what it reserved: that
                # growth is not a leak when the live heap (heapUsed after a full GC) is flat.
                reserved = b_["heap_total_kib"] - a_["heap_total_kib"]
                live = b_["heap_kib"] - a_["heap_kib"]
                growth -= reserved
                detail += (f"; of it V8's reserved heap {reserved / 1024:+.1f} MiB, live JS heap "
                           f"{live / 1024:+.2f} MiB; the rest {growth / 1024:+.1f} MiB")
            elif a_.get("heap_kib", -1) >= 0:
                detail += f"; malloc in use {(b_['heap_kib'] - a_['heap_kib']) / 1024:+.2f} MiB"
            detail += f" (allowance {noise / 1024:.1f} MiB)"
            verdicts.append(goal_line(growth <= noise, f"{LABEL[(lang, client)]}: no growth from {lo:,} to "
                                      f"{hi:,} calls beyond noise", detail))
        for line in verdicts:
            w(line)
        w("")

        w("## Memory over time")
        w("")
        w(f"The client process after N calls ({CONCURRENCY} in flight, after the warm-up; Python after "
          "`gc.collect()`, Node after a full `gc()` under `--expose-gc`). *RSS* is `VmRSS`; *heap* is "
          "what glibc's malloc has handed out and not got back (`mallinfo2`: the Rust core's heap, and "
          "CPython's large objects) for Rust and Python, and V8's live heap (`heapUsed`; reserved "
          "`heapTotal` in brackets) for Node. A leak grows the heap figure without bound.")
        w("")
        cols = mode["rss_at"]
        w("| client | | " + " | ".join(f"{n:,} calls" for n in cols) + " |")
        w("|---|---|" + "---:|" * len(cols))
        for key, m in mem.items():
            lang, client = key.split("/")
            cps = {cp["calls"]: cp for cp in m["rss_checkpoints"]}
            w(f"| {LABEL[(lang, client)]} | RSS MiB | " +
              " | ".join(mib(cps[n]["rss_kib"]) if n in cps else "–" for n in cols) + " |")

            def heap(cp: dict[str, Any]) -> str:
                h = mib(cp.get("heap_kib"))
                return f"{h} ({mib(cp['heap_total_kib'])})" if "heap_total_kib" in cp else h
            w("| | heap MiB | " + " | ".join(heap(cps[n]) if n in cps else "–" for n in cols) + " |")
        w("")
        w("The sandbox is restarted for every run; it keeps every instance it creates, so its own RSS "
          "grows with the calls (that is the emulator's store, not the client).")
        w("")

        w("## Cold start and sizes")
        w("")
        w(f"Median of {mode['cold_reps']} runs (after one discarded run), client core only. *import*: time "
          "of the import statement inside the process; *process*: the whole `python -c` / `node -e`, "
          "start to exit.")
        w("")
        w("| what | import ms | process ms |")
        w("|---|---:|---:|")
        for row in cold:
            name = f"**{row['what']}**" if row["sdk"] else row["what"]
            w(f"| {name} | {row['import_ms']:.1f} | {row['process_ms']:.1f} |")
        w("")
        w("| artifact | size |")
        w("|---|---:|")
        for label, n in size:
            w(f"| {label} | {n / 1024 / 1024:.2f} MiB ({n:,} bytes) |")
        w("")

        w("## The same request from every client")
        w("")
        w("One call per client against a sandbox with its journal on; what the sandbox received.")
        w("")
        if same:
            ref = same[0]
            w("| client | method, path | body identical | Authorization, Content-Type, Accept identical | User-Agent |")
            w("|---|---|---|---|---|")
            for row in same:
                hdr = all(row[k] == ref[k] for k in ("authorization", "content-type", "accept"))
                w(f"| {row['client']} | {row['method']} {row['path']} | "
                  f"{'yes' if row['body'] == ref['body'] else 'NO'} | {'yes' if hdr else 'NO'} | "
                  f"`{row['user-agent'] or '(none)'}` |")
            w("")
            w(f"The body, {len(ref['body'])} bytes: `{ref['body']}`")
            w("")

    if pg:
        render_page(w, mode, pg, pg_sent or [], pg_ins or {})

    notes = BENCHES / "PROFILE.md"
    if notes.exists():
        w(notes.read_text().rstrip())
        w("")
    return "\n".join(L) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description="Runs the benchmarks and writes the report.")
    p.add_argument("--mode", choices=sorted(MODES), default="full")
    p.add_argument("--out", help="the Markdown report to write (required but with --seed)")
    p.add_argument("--json", help="also write every raw figure here")
    p.add_argument("--sandbox", default="")
    p.add_argument("--rust-bin", default="")
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--py-path", default="", help="PYTHONPATH holding the open_connectors under test")
    p.add_argument("--node-root", default="", help="a folder with node_modules/open-connectors")
    p.add_argument("--node-peers", default=str(ROOT / "bindings-node"),
                   help="a folder with node_modules/axios and node_modules/undici")
    p.add_argument("--wheel", default="")
    p.add_argument("--py-so", default="")
    p.add_argument("--node-binary", default="")
    p.add_argument("--no-pin", action="store_true", help="do not pin the client and the sandbox to CPUs")
    p.add_argument("--from-json", help="render the report from the --json file of an earlier run, running nothing")
    p.add_argument("--workloads", default=",".join(WORKLOADS),
                   help="which to run, comma separated: create (create_instance, with the memory, "
                        "callgrind, cold start and size sections), page (paging a seeded listing)")
    p.add_argument("--seed", metavar="BASE_URL",
                   help="only create an instance in the sandbox at BASE_URL (…/elements/api-v2), seed "
                        "--records contacts into its hub and print its token")
    p.add_argument("--records", type=int, default=100_000, help="with --seed: how many contacts")
    p.add_argument("--keep-from", metavar="JSON",
                   help="the --json of an earlier run of the same mode: the workloads not run now are "
                        "taken from it, so the report and --json stay whole")
    a = p.parse_args()
    if a.seed:
        sb = Sandbox.__new__(Sandbox)
        sb.url, sb.root = a.seed.rstrip("/"), a.seed.split("/elements/")[0]
        print(seed(sb, a.records))
        return
    if not a.out:
        p.error("--out is required")
    if a.from_json:
        d = json.loads(Path(a.from_json).read_text())
        report = render(a, d["mode"], d["machine"], d.get("throughput") or {}, d.get("memory") or {},
                        d.get("cold_start") or [], [tuple(x) for x in d.get("sizes") or []],
                        d.get("same_bytes") or [], d["started"], d["load_end"],
                        d.get("elapsed"), d.get("instructions") or {}, d.get("paging") or {},
                        d.get("paging_sent") or [], d.get("kept") or {}, d.get("paging_instructions") or {},
                        d.get("duels") or [])
        Path(a.out).write_text(report)
        log(f"wrote {a.out} from {a.from_json}")
        return
    if not (a.sandbox and a.rust_bin and a.node_root):
        p.error("--sandbox, --rust-bin and --node-root are required (or --from-json)")
    workloads = [x for x in a.workloads.split(",") if x]
    if not workloads or any(x not in WORKLOADS for x in workloads):
        p.error(f"--workloads: a comma-separated list of {', '.join(WORKLOADS)}")
    if not shutil.which("taskset"):
        a.no_pin = True
    mode = MODES[a.mode]
    started = time.time()
    mach = machine(a)
    log(f"{a.mode} mode; load average {mach['load']}")
    r = Runner(a)
    same: list[dict[str, Any]] = []
    tp: dict[str, dict[str, Any]] = {}
    mem: dict[str, dict[str, Any]] = {}
    ins: dict[str, float] = {}
    duel_results: list[dict[str, Any]] = []
    cold: list[dict[str, Any]] = []
    size: list[tuple[str, int]] = []
    pg: dict[str, dict[str, Any]] = {}
    pg_sent: list[dict[str, Any]] = []
    if "create" in workloads:
        same = same_bytes(r)
        tp = throughput(r, mode)
        duel_results = duels(r, mode)
        mem = memory(r, mode)
        ins = instructions(r, mode)
        cold = cold_start(r, mode["cold_reps"])
        size = sizes(a)
    pg_ins: dict[str, float] = {}
    if "page" in workloads:
        pg, pg_sent = paging(r, mode)
        pg_ins = page_instructions(r, mode)
    kept: dict[str, Any] = {}
    if a.keep_from:
        d = json.loads(Path(a.keep_from).read_text())
        if d["mode"] != a.mode:
            p.error(f"--keep-from {a.keep_from} is of {d['mode']} mode, not {a.mode}")
        when = dt.datetime.fromtimestamp(d["started"], dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        if "create" not in workloads and d.get("throughput"):
            same, tp, mem, ins = d["same_bytes"], d["throughput"], d["memory"], d.get("instructions") or {}
            duel_results = d.get("duels") or []
            cold, size = d["cold_start"], [tuple(x) for x in d["sizes"]]
            kept["create"] = d.get("kept", {}).get("create") or when
        if "page" not in workloads and d.get("paging"):
            pg, pg_sent, pg_ins = d["paging"], d.get("paging_sent") or [], d.get("paging_instructions") or {}
            kept["page"] = d.get("kept", {}).get("page") or when
    load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
    elapsed = time.time() - started
    report = render(a, a.mode, mach, tp, mem, cold, size, same, started, load_end, elapsed, ins, pg, pg_sent,
                    kept, pg_ins, duel_results)
    Path(a.out).write_text(report)
    if a.json:
        Path(a.json).write_text(json.dumps({
            "mode": a.mode, "machine": mach, "throughput": tp, "memory": mem, "cold_start": cold,
            "sizes": size, "same_bytes": same, "started": started, "load_end": load_end,
            "elapsed": elapsed, "pinned": not a.no_pin, "instructions": ins, "workloads": workloads,
            "paging": pg, "paging_sent": pg_sent, "paging_instructions": pg_ins, "kept": kept,
            "duels": duel_results}, indent=1))
    bad = [row["client"] for row in same if row["body"] != same[0]["body"]]
    if bad:
        log(f"warning: these clients sent another body: {', '.join(bad)}")
    bad = [row["client"] for row in pg_sent if row["authorization"] != pg_sent[0]["authorization"]
           or row["accept"] != pg_sent[0]["accept"] or not row["cursor"]]
    if bad:
        log(f"warning: these paging clients sent other headers or followed no cursor: {', '.join(bad)}")
    log(f"wrote {a.out} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
