//! The Rust program of `make bench` (driven by `benches/run.py`; see `benches/README.md`).
//!
//! Creates Basic instances against a running sandbox, one call at a time or N in
//! flight, through the SDK (`--client sdk`) or through a bare reqwest client sending
//! the same bytes (`--client raw`, the ceiling), and prints one JSON line: calls per
//! second, latency percentiles, CPU seconds per 1,000 calls (from its own
//! `getrusage`) and peak RSS (`VmHWM`) of this process, and optionally RSS and heap
//! at call-count checkpoints.
//!
//! ```text
//! bench_rust --client sdk|raw --base-url URL [--concurrency N]
//!            [--warmup-calls N | --warmup-secs S] [--calls N | --secs S] [--rss-at N,N,...]
//! ```
//! The secrets are the sandbox's defaults (or `OPEN_CONNECTORS_USER_SECRET` and
//! `OPEN_CONNECTORS_ORGANIZATION_SECRET`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use open_connectors::{Client, CreateInstance};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use serde_json::{Value, json};

/// The body the SDK sends for the seed's Basic example (peers send these bytes).
const BODY: &[u8] = br#"{"element":{"key":"insightly"},"name":"Element Instance Name","tags":["Docs"],"configuration":{"username":"claudeelements","password":"password"}}"#;
const USER_SECRET: &str = "sAfK7LJGNz5ZHcNrvdJvLI=f03WbTbH6aRKc0HJ3oOIi";
const ORGANIZATION_SECRET: &str = "58168435e3b9959a929eb04b6218b9a2";

#[derive(Clone, Copy, Debug)]
enum Stop {
    Calls(u64),
    For(Duration),
}

#[derive(Clone)]
enum Caller {
    Sdk(Client),
    Raw {
        http: reqwest::Client,
        url: String,
        headers: HeaderMap,
    },
}

impl Caller {
    async fn call(&self) -> Result<(), String> {
        match self {
            Caller::Sdk(client) => {
                // Built per call, as an application would.
                let request = CreateInstance::basic("insightly", "claudeelements", "password")
                    .name("Element Instance Name")
                    .tag("Docs");
                let instance = client
                    .create_instance(&request)
                    .await
                    .map_err(|e| e.to_string())?;
                if instance.id <= 0 || instance.token.expose().is_empty() {
                    return Err("bad instance".to_owned());
                }
                Ok(())
            }
            Caller::Raw { http, url, headers } => {
                let response = http
                    .post(url)
                    .headers(headers.clone())
                    .body(BODY)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if response.status() != 200 {
                    return Err(format!("status {}", response.status()));
                }
                let bytes = response.bytes().await.map_err(|e| e.to_string())?;
                let value: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
                match (value.get("id"), value.get("token")) {
                    (Some(Value::Number(_)), Some(Value::String(_))) => Ok(()),
                    _ => Err("bad instance".to_owned()),
                }
            }
        }
    }
}

#[repr(C)]
#[derive(Default)]
struct Timeval {
    sec: i64,
    usec: i64,
}

/// `struct rusage` of Linux x86_64/aarch64 (every field a `long`).
#[repr(C)]
#[derive(Default)]
struct Rusage {
    utime: Timeval,
    stime: Timeval,
    _maxrss: i64,
    _rest: [i64; 13],
}

/// glibc's `struct mallinfo2` (every field a `size_t`).
#[repr(C)]
#[derive(Default)]
struct Mallinfo2 {
    _arena: usize,
    _ordblks: usize,
    _smblks: usize,
    _hblks: usize,
    hblkhd: usize,
    _usmblks: usize,
    _fsmblks: usize,
    uordblks: usize,
    _fordblks: usize,
    _keepcost: usize,
}

unsafe extern "C" {
    fn getrusage(who: i32, usage: *mut Rusage) -> i32;
    fn mallinfo2() -> Mallinfo2;
}

/// Bytes the allocator has handed out and not got back (KiB): a leak grows it.
fn malloc_in_use_kib() -> i64 {
    // SAFETY: a plain glibc call without arguments.
    let m = unsafe { mallinfo2() };
    ((m.uordblks + m.hblkhd) / 1024) as i64
}

/// CPU seconds (user + system, all threads) and peak RSS in KiB of this process.
/// The peak is `VmHWM`: `ru_maxrss` survives `exec`, so it would report the RSS of the
/// (forked) driver when that was larger.
fn rusage() -> (f64, i64) {
    let mut r = Rusage::default();
    // SAFETY: RUSAGE_SELF (0) and a properly sized, writable struct.
    let rc = unsafe { getrusage(0, &mut r) };
    assert_eq!(rc, 0, "getrusage failed");
    let secs = |t: &Timeval| t.sec as f64 + t.usec as f64 / 1e6;
    (secs(&r.utime) + secs(&r.stime), status_kib("VmHWM:"))
}

/// A `/proc/self/status` figure in KiB: `VmRSS` (now) or `VmHWM` (peak).
fn status_kib(key: &str) -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(-1)
}

fn rss_kib() -> i64 {
    status_kib("VmRSS:")
}

/// Runs calls with `concurrency` in flight until `stop`; returns the number of calls,
/// each call's latency (ns) when `record` (the memory checkpoints do not record, so
/// they do not measure the benchmark's own bookkeeping) and the phase's wall time.
async fn phase(
    caller: &Caller,
    concurrency: usize,
    stop: Stop,
    record: bool,
) -> Result<(u64, Vec<u64>, Duration), String> {
    let tickets = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let (limit, deadline) = match stop {
        Stop::Calls(n) => (n, None),
        Stop::For(d) => (u64::MAX, Some(start + d)),
    };
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let caller = caller.clone();
        let tickets = Arc::clone(&tickets);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(if record { 4096 } else { 0 });
            let mut calls = 0u64;
            loop {
                if deadline.is_some_and(|d| Instant::now() >= d)
                    || tickets.fetch_add(1, Ordering::Relaxed) >= limit
                {
                    break;
                }
                let t = Instant::now();
                caller.call().await?;
                calls += 1;
                if record {
                    latencies.push(t.elapsed().as_nanos() as u64);
                }
            }
            Ok::<_, String>((calls, latencies))
        }));
    }
    let mut all = Vec::new();
    let mut calls = 0;
    for task in tasks {
        let (n, latencies) = task.await.map_err(|e| e.to_string())??;
        calls += n;
        all.extend(latencies);
    }
    Ok((calls, all, start.elapsed()))
}

fn percentile_ms(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i] as f64 / 1e6
}

struct Args {
    client: String,
    base_url: String,
    concurrency: usize,
    warmup: Stop,
    measure: Stop,
    rss_at: Vec<u64>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        client: "sdk".to_owned(),
        base_url: std::env::var("OPEN_CONNECTORS_BASE_URL").unwrap_or_default(),
        concurrency: 1,
        warmup: Stop::Calls(0),
        measure: Stop::Calls(1000),
        rss_at: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let num = |v: String| v.parse::<f64>().map_err(|_| format!("bad number {v}"));
        match flag.as_str() {
            "--client" => a.client = value()?,
            "--base-url" => a.base_url = value()?,
            "--concurrency" => a.concurrency = num(value()?)? as usize,
            "--warmup-calls" => a.warmup = Stop::Calls(num(value()?)? as u64),
            "--warmup-secs" => a.warmup = Stop::For(Duration::from_secs_f64(num(value()?)?)),
            "--calls" => a.measure = Stop::Calls(num(value()?)? as u64),
            "--secs" => a.measure = Stop::For(Duration::from_secs_f64(num(value()?)?)),
            "--rss-at" => {
                a.rss_at = value()?
                    .split(',')
                    .map(|v| v.parse().map_err(|_| format!("bad count {v}")))
                    .collect::<Result<_, _>>()?
            }
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if a.base_url.is_empty() {
        return Err("--base-url (or OPEN_CONNECTORS_BASE_URL) is required".to_owned());
    }
    a.concurrency = a.concurrency.max(1);
    Ok(a)
}

fn secret(env: &str, default: &str) -> String {
    std::env::var(env)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("bench_rust: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let args = parse_args()?;
    let user = secret("OPEN_CONNECTORS_USER_SECRET", USER_SECRET);
    let org = secret("OPEN_CONNECTORS_ORGANIZATION_SECRET", ORGANIZATION_SECRET);
    let sdk = Client::builder()
        .base_url(&args.base_url)
        .user_secret(user.as_str())
        .organization_secret(org.as_str())
        .build()
        .map_err(|e| e.to_string())?;
    let caller = match args.client.as_str() {
        "sdk" => Caller::Sdk(sdk),
        "raw" => {
            // The SDK's headers, byte for byte (User-Agent included).
            let mut headers = HeaderMap::new();
            let auth = format!("User {user}, Organization {org}");
            headers.insert(
                AUTHORIZATION,
                HeaderValue::from_str(&auth).map_err(|e| e.to_string())?,
            );
            headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            headers.insert(
                USER_AGENT,
                HeaderValue::from_str(sdk.user_agent()).map_err(|e| e.to_string())?,
            );
            let http = reqwest::Client::builder()
                .tcp_nodelay(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| e.to_string())?;
            Caller::Raw {
                http,
                url: format!("{}/instances", sdk.base_url()),
                headers,
            }
        }
        other => return Err(format!("unknown client {other} (sdk or raw)")),
    };

    let (mut done, _, _) = phase(&caller, args.concurrency, args.warmup, false).await?;
    let mut checkpoints = Vec::new();
    for &at in &args.rss_at {
        if at > done {
            done += phase(&caller, args.concurrency, Stop::Calls(at - done), false)
                .await?
                .0;
        }
        checkpoints.push(json!({
            "calls": done,
            "rss_kib": rss_kib(),
            "heap_kib": malloc_in_use_kib(),
        }));
    }

    // Tells the driver the measured phase starts (it samples the sandbox's CPU time).
    println!("{{\"event\":\"measure\"}}");
    let (cpu0, _) = rusage();
    let (_, mut latencies, elapsed) = phase(&caller, args.concurrency, args.measure, true).await?;
    let (cpu1, maxrss) = rusage();
    latencies.sort_unstable();
    let calls = latencies.len() as u64;
    let secs = elapsed.as_secs_f64();
    let out = json!({
        "lang": "rust",
        "client": args.client,
        "concurrency": args.concurrency,
        "calls": calls,
        "total_calls": done + calls,
        "elapsed_s": secs,
        "rate": calls as f64 / secs,
        "p50_ms": percentile_ms(&latencies, 50.0),
        "p99_ms": percentile_ms(&latencies, 99.0),
        "cpu_s": cpu1 - cpu0,
        "cpu_s_per_1000": (cpu1 - cpu0) * 1000.0 / calls.max(1) as f64,
        "maxrss_kib": maxrss,
        "rss_end_kib": rss_kib(),
        "rss_checkpoints": checkpoints,
    });
    println!("{out}");
    Ok(())
}
