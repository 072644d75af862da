#!/usr/bin/env python3
"""The driver of `make bench` (standard library only; see benches/README.md).

Runs every client's bench program (bench_rust, bench_python.py, bench_node.mjs) as a
subprocess against its own fresh sandbox on loopback, collects their JSON lines,
samples the sandbox's own CPU time during each measured phase, measures cold start
and artifact sizes, and writes a Markdown report (BENCHMARKS.md for `make bench`).

Goals are reported, never asserted: the driver fails only when a program fails.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

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
             "rss_at": [10_000, 50_000, 100_000], "cold_reps": 15},
    # A smoke run with release builds: a few hundred calls each.
    "quick": {"warmup": ("calls", 50), "measure": ("calls", 300), "rounds": 1, "rss_warmup": 100,
              "rss_at": [500, 1000, 2000], "cold_reps": 3},
    # `make test`: proves every program runs end to end (debug builds).
    "smoke": {"warmup": ("calls", 2), "measure": ("calls", 64), "rounds": 1, "rss_warmup": 2,
              "rss_at": [20, 40], "cold_reps": 1},
}

# (language, client id, label, is the SDK)
CLIENTS = [
    ("rust", "sdk", "Rust SDK", True),
    ("rust", "raw", "raw reqwest (ceiling)", False),
    ("python", "sdk", "Python `Client`", True),
    ("python", "sdk_async", "Python `AsyncClient`", True),
    ("python", "requests", "`requests.Session`", False),
    ("python", "httpx", "`httpx.Client`", False),
    ("python", "httpx_async", "`httpx.AsyncClient`", False),
    ("python", "aiohttp", "`aiohttp`", False),
    ("node", "sdk", "Node SDK", True),
    ("node", "fetch", "`fetch` (undici)", False),
    ("node", "axios", "`axios`", False),
]
LABEL = {(lang, c): label for lang, c, label, _ in CLIENTS}
CONCURRENCY = 64
# A sandbox busier than this during a measured phase may be what limits the rate.
SANDBOX_BUSY = 0.90


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

    def post(self, path: str) -> None:
        req = urllib.request.Request(self.root + path, data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
        urllib.request.urlopen(req, timeout=10).read()

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
            journal: bool = False) -> tuple[dict[str, Any], Sandbox | None]:
        """Runs one program against a fresh sandbox; returns its result (with the
        sandbox's CPU during the measured phase) and, with journal=True, the live sandbox."""
        sb = Sandbox(self.a.sandbox, self.pin_sandbox, journal=journal)
        try:
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


def instructions(r: Runner, mode: dict[str, Any]) -> dict[str, float]:
    """User-space instructions per call of the Rust clients, by callgrind: exact and
    repeatable whatever the host is doing. The difference of two runs that differ only
    in the number of measured calls, so start-up and warm-up cancel out."""
    out: dict[str, float] = {}
    if not shutil.which("valgrind") or not mode.get("callgrind"):
        return out
    small, big = mode["callgrind"]
    for client in ("sdk", "raw"):
        totals = []
        for calls in (small, big):
            with tempfile.TemporaryDirectory() as tmp:
                sb = Sandbox(r.a.sandbox, r.pin_sandbox)
                try:
                    cmd = r.pin_client + ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out",
                                          r.a.rust_bin, "--client", client, "--base-url", sb.url,
                                          "--warmup-calls", "200", "--calls", str(calls)]
                    p = subprocess.run(cmd, capture_output=True, text=True, env=r.env)
                finally:
                    sb.stop()
                total = next((int(line.split(":")[1].replace(",", "").strip())
                              for line in p.stderr.splitlines() if "Collected :" in line), None)
                if p.returncode != 0 or total is None:
                    log(f"callgrind of {client} failed; skipped")
                    return {}
                totals.append(total)
        out[client] = (totals[1] - totals[0]) / (big - small)
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
                     ("httpx", "`import httpx`"), ("aiohttp", "`import aiohttp`")):
        v = timed_runs(r.pin_client + [r.a.python, "-c", py.format(m=m)], reps, r.env)
        rows.append({"what": label, "import_ms": statistics.median(x for x, _ in v),
                     "process_ms": statistics.median(w for _, w in v), "sdk": m == "open_connectors"})
    base = timed_runs(r.pin_client + [r.a.python, "-c", "print(0)"], reps, r.env)
    rows.append({"what": "(python, nothing imported)", "import_ms": 0.0,
                 "process_ms": statistics.median(w for _, w in base), "sdk": False})
    js = ("const t = process.hrtime.bigint(); require('{m}'); "
          "console.log(Number(process.hrtime.bigint() - t) / 1e6)")
    for m, label, cwd in (("open-connectors", "`require('open-connectors')`", r.a.node_root),
                          ("axios", "`require('axios')`", r.a.node_peers)):
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


def render(a: argparse.Namespace, mode_name: str, mach: dict[str, str], tp: dict[str, dict[str, Any]],
           mem: dict[str, dict[str, Any]], cold: list[dict[str, Any]], size: list[tuple[str, int]],
           same: list[dict[str, Any]], started: float, load_end: str, elapsed: float | None = None,
           ins: dict[str, float] | None = None) -> str:
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
                v = tp[f"{lang}/{client}/{conc}"]
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
            s = tp[f"{lang}/{client}/{conc}"]
            for plang, pclient, plabel in peers:
                p = tp[f"{plang}/{pclient}/{conc}"]
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

    def goal(sdk: str, peer: str, factor: float) -> tuple[bool | None, str]:
        x, y = rate(sdk), rate(peer)
        if not x or not y:
            return None, "–"
        note = " (sandbox-bound ⚠)" if busy(sdk) or busy(peer) else ""
        q = paired(tp[sdk], tp[peer])
        if q is None or len(tp[sdk].get("rates") or []) < 2:
            return x >= factor * y, f"{x / y:.2f}× ({x:,.0f} vs {y:,.0f} calls/s){note}"
        return q >= factor, (f"{q:.2f}× (round by round; medians {x:,.0f} vs {y:,.0f} calls/s, "
                             f"{x / y:.2f}×){note}")

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
    ok, d = goal(f"python/sdk_async/{c}", f"python/aiohttp/{c}", 1.5)
    w(goal_line(ok, f"`AsyncClient` ≥ 1.5× `aiohttp`, {c} in flight", d))
    ok, d = goal(f"node/sdk/{c}", f"node/fetch/{c}", 1.2)
    w(goal_line(ok, f"Node SDK ≥ 1.2× `fetch`, {c} in flight", d))
    for key, label in (("python/sdk", "Python `Client`"), ("python/sdk_async", "Python `AsyncClient`"),
                       ("node/sdk", "Node SDK")):
        ok, d = goal(f"{key}/1", "rust/sdk/1", 0.85)
        w(goal_line(ok, f"{label} sequential ≥ 85 % of the Rust SDK's sequential rate", d))
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

    notes = BENCHES / "PROFILE.md"
    if notes.exists():
        w(notes.read_text().rstrip())
        w("")
    return "\n".join(L) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description="Runs the benchmarks and writes the report.")
    p.add_argument("--mode", choices=sorted(MODES), default="full")
    p.add_argument("--out", required=True, help="the Markdown report to write")
    p.add_argument("--json", help="also write every raw figure here")
    p.add_argument("--sandbox", default="")
    p.add_argument("--rust-bin", default="")
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--py-path", default="", help="PYTHONPATH holding the open_connectors under test")
    p.add_argument("--node-root", default="", help="a folder with node_modules/open-connectors")
    p.add_argument("--node-peers", default=str(ROOT / "bindings-node"), help="a folder with node_modules/axios")
    p.add_argument("--wheel", default="")
    p.add_argument("--py-so", default="")
    p.add_argument("--node-binary", default="")
    p.add_argument("--no-pin", action="store_true", help="do not pin the client and the sandbox to CPUs")
    p.add_argument("--from-json", help="render the report from the --json file of an earlier run, running nothing")
    a = p.parse_args()
    if a.from_json:
        d = json.loads(Path(a.from_json).read_text())
        report = render(a, d["mode"], d["machine"], d["throughput"], d["memory"], d["cold_start"],
                        [tuple(x) for x in d["sizes"]], d["same_bytes"], d["started"], d["load_end"],
                        d.get("elapsed"), d.get("instructions") or {})
        Path(a.out).write_text(report)
        log(f"wrote {a.out} from {a.from_json}")
        return
    if not (a.sandbox and a.rust_bin and a.node_root):
        p.error("--sandbox, --rust-bin and --node-root are required (or --from-json)")
    if not shutil.which("taskset"):
        a.no_pin = True
    mode = MODES[a.mode]
    started = time.time()
    mach = machine(a)
    log(f"{a.mode} mode; load average {mach['load']}")
    r = Runner(a)
    same = same_bytes(r)
    tp = throughput(r, mode)
    mem = memory(r, mode)
    ins = instructions(r, mode)
    cold = cold_start(r, mode["cold_reps"])
    size = sizes(a)
    load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
    elapsed = time.time() - started
    report = render(a, a.mode, mach, tp, mem, cold, size, same, started, load_end, elapsed, ins)
    Path(a.out).write_text(report)
    if a.json:
        Path(a.json).write_text(json.dumps({
            "mode": a.mode, "machine": mach, "throughput": tp, "memory": mem, "cold_start": cold,
            "sizes": size, "same_bytes": same, "started": started, "load_end": load_end,
            "elapsed": elapsed, "pinned": not a.no_pin, "instructions": ins}, indent=1))
    bad = [row["client"] for row in same if row["body"] != same[0]["body"]]
    if bad:
        log(f"warning: these clients sent another body: {', '.join(bad)}")
    log(f"wrote {a.out} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
