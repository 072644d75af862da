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
//!            [--slices]
//! bench_rust --workload page --client sdk|raw --base-url URL --token T --page-size N
//!            --records N [--warmup-records N] [--page-sample FILE]
//! ```
//! With `--workload page` it pages instead through a seeded hub listing (`GET
//! /hubs/crm/contacts` of the instance whose token `--token` gives), each record a
//! `serde_json::Value` whose `score` is read and summed: the SDK's `Pager` (the next
//! page fetched while this one is read), or raw reqwest following
//! `elements-next-page-token` by hand until an empty page or no token. It prints
//! records per second, CPU per record, and RSS at the start and at its peak while paging.
//! The secrets are the sandbox's defaults (or `OPEN_CONNECTORS_USER_SECRET` and
//! `OPEN_CONNECTORS_ORGANIZATION_SECRET`).
//!
//! With `--slices` (the duels of `benches/run.py`) it warms up, prints
//! `{"event":"ready"}`, and then runs one slice per line read from stdin (`go SECS`:
//! calls for SECS seconds, printed as `{"event":"slice","calls":N,"elapsed_s":S,"cpu_s":C}`)
//! until `end` or the end of stdin. Between slices it waits on stdin, using no CPU, so
//! that two programs can take turns.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use open_connectors::{Client, CreateInstance, Output};
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
    workload: String,
    token: String,
    page_size: u64,
    records: u64,
    warmup_records: u64,
    page_sample: Option<String>,
    slices: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        client: "sdk".to_owned(),
        base_url: std::env::var("OPEN_CONNECTORS_BASE_URL").unwrap_or_default(),
        concurrency: 1,
        warmup: Stop::Calls(0),
        measure: Stop::Calls(1000),
        rss_at: Vec::new(),
        workload: "create".to_owned(),
        token: String::new(),
        page_size: 200,
        records: 0,
        warmup_records: 0,
        page_sample: None,
        slices: false,
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
            "--slices" => a.slices = true,
            "--rss-at" => {
                a.rss_at = value()?
                    .split(',')
                    .map(|v| v.parse().map_err(|_| format!("bad count {v}")))
                    .collect::<Result<_, _>>()?
            }
            "--workload" => a.workload = value()?,
            "--token" => a.token = value()?,
            "--page-size" => a.page_size = num(value()?)? as u64,
            "--records" => a.records = num(value()?)? as u64,
            "--warmup-records" => a.warmup_records = num(value()?)? as u64,
            "--page-sample" => a.page_sample = Some(value()?),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if a.base_url.is_empty() {
        return Err("--base-url (or OPEN_CONNECTORS_BASE_URL) is required".to_owned());
    }
    a.concurrency = a.concurrency.max(1);
    match a.workload.as_str() {
        "create" => {}
        "page" if a.token.is_empty() => {
            return Err(
                "--workload page needs --token (benches/run.py --seed URL --records N makes one)"
                    .to_owned(),
            );
        }
        "page" if a.page_size == 0 => return Err("--page-size must be at least 1".to_owned()),
        "page" => {}
        other => return Err(format!("unknown workload {other} (create or page)")),
    }
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
    if args.workload == "page" {
        return run_page(&args, sdk, &user, &org).await;
    }
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
    if args.slices {
        return run_slices(&caller, args.concurrency).await;
    }
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

/// `--slices`: the slices stdin asks for, each printed as it ends.
async fn run_slices(caller: &Caller, concurrency: usize) -> Result<(), String> {
    println!("{{\"event\":\"ready\"}}");
    // Read on this thread, which only drives `main`: the calls' connections are tasks
    // of the runtime's workers, and nothing is in flight between slices.
    for line in std::io::stdin().lines() {
        let line = line.map_err(|e| e.to_string())?;
        let Some(secs) = line.trim().strip_prefix("go ") else {
            break;
        };
        let secs = secs
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0)
            .ok_or_else(|| format!("bad slice length {secs}"))?;
        let (cpu0, _) = rusage();
        let (calls, _, elapsed) = phase(
            caller,
            concurrency,
            Stop::For(Duration::from_secs_f64(secs)),
            false,
        )
        .await?;
        let (cpu1, _) = rusage();
        let out = json!({
            "event": "slice",
            "calls": calls,
            "elapsed_s": elapsed.as_secs_f64(),
            "cpu_s": cpu1 - cpu0,
        });
        println!("{out}");
    }
    Ok(())
}

// --- the paging workload -----------------------------------------------------------

const HUB_PATH: &str = "/hubs/crm/contacts";

/// One of the two paging clients.
enum Paging {
    Sdk(Client),
    Raw {
        http: reqwest::Client,
        url: String,
        headers: HeaderMap,
    },
}

/// Reads a page's records: the sum of their `score` fields, and how many there were.
fn touch<'a>(records: impl Iterator<Item = &'a Value>, n: &mut u64, total: &mut i64) {
    for record in records {
        *total += record.get("score").and_then(Value::as_i64).unwrap_or(0);
        *n += 1;
    }
}

impl Paging {
    /// Pages through the listing from its start, `page_size` records a page, until
    /// its end (an empty page or no next-page token) or once `limit` records were read
    /// (whole pages: the last page read may take it past `limit`). Returns the records
    /// read and the sum of their `score`.
    async fn pass(&self, page_size: u64, limit: u64) -> Result<(u64, i64), String> {
        let (mut n, mut total) = (0u64, 0i64);
        match self {
            Paging::Sdk(instance) => {
                let mut pager = instance
                    .paginate(HUB_PATH, None, Some(page_size))
                    .map_err(|e| e.to_string())?;
                while n < limit {
                    let Some(page) = pager.next_page().await.map_err(|e| e.to_string())? else {
                        break;
                    };
                    touch(
                        page.items.iter().filter_map(|item| match item {
                            Output::Json(v) => Some(v),
                            _ => None,
                        }),
                        &mut n,
                        &mut total,
                    );
                }
            }
            Paging::Raw { http, url, headers } => {
                let first = format!("{url}?pageSize={page_size}");
                let mut target = first.clone();
                while n < limit {
                    let response = http
                        .get(target.as_str())
                        .headers(headers.clone())
                        .send()
                        .await
                        .map_err(|e| e.to_string())?;
                    if response.status() != 200 {
                        return Err(format!("status {}", response.status()));
                    }
                    let next = response
                        .headers()
                        .get("elements-next-page-token")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let bytes = response.bytes().await.map_err(|e| e.to_string())?;
                    let records: Value =
                        serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
                    let Value::Array(records) = records else {
                        return Err("a page that is not an array".to_owned());
                    };
                    touch(records.iter(), &mut n, &mut total);
                    match next {
                        Some(t) if !records.is_empty() && !t.is_empty() => {
                            // The token is base64: `+`, `/` and `=` percent-encoded.
                            let t: String =
                                url::form_urlencoded::byte_serialize(t.as_bytes()).collect();
                            target = format!("{first}&nextPage={t}");
                        }
                        _ => break,
                    }
                }
            }
        }
        Ok((n, total))
    }
}

/// Resets `VmHWM` to the current RSS (Linux: `5 > /proc/self/clear_refs`), so that
/// `VmHWM` is then the peak RSS since this moment.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The yardstick of the RSS check: the bytes of one page's JSON text (a sample page the
/// driver fetched) and what it takes as `serde_json::Value`s (malloc in use, with and
/// without the parsed page held).
fn page_native_kib(sample: Option<&str>) -> Result<(Value, Value), String> {
    let Some(path) = sample else {
        return Ok((Value::Null, Value::Null));
    };
    let text = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let before = malloc_in_use_kib();
    let records: Value = serde_json::from_slice(&text).map_err(|e| e.to_string())?;
    let after = malloc_in_use_kib();
    drop(records);
    Ok((json!(text.len() / 1024), json!(after - before)))
}

async fn run_page(args: &Args, sdk: Client, user: &str, org: &str) -> Result<(), String> {
    let paging = match args.client.as_str() {
        "sdk" => Paging::Sdk(
            sdk.for_instance(args.token.as_str())
                .map_err(|e| e.to_string())?,
        ),
        "raw" => {
            let mut headers = HeaderMap::new();
            let auth = format!("User {user}, Organization {org}, Element {}", args.token);
            headers.insert(
                AUTHORIZATION,
                HeaderValue::from_str(&auth).map_err(|e| e.to_string())?,
            );
            headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
            headers.insert(
                USER_AGENT,
                HeaderValue::from_str(sdk.user_agent()).map_err(|e| e.to_string())?,
            );
            let http = reqwest::Client::builder()
                .tcp_nodelay(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| e.to_string())?;
            Paging::Raw {
                http,
                url: format!("{}{HUB_PATH}", sdk.base_url()),
                headers,
            }
        }
        other => return Err(format!("unknown paging client {other} (sdk or raw)")),
    };
    // The connection and the runtime: not a page's memory.
    paging.pass(1, 1).await?;
    let rss_base = rss_kib();
    let peak_reset = reset_peak();
    if args.warmup_records > 0 {
        paging.pass(args.page_size, args.warmup_records).await?;
    }
    println!("{{\"event\":\"measure\"}}");
    let (cpu0, _) = rusage();
    let t0 = Instant::now();
    let (n, total) = paging.pass(args.page_size, u64::MAX).await?;
    let secs = t0.elapsed().as_secs_f64();
    let (cpu1, peak) = rusage();
    if args.records > 0 && n != args.records {
        return Err(format!("read {n} records, expected {}", args.records));
    }
    let (page_kib, native_kib) = page_native_kib(args.page_sample.as_deref())?;
    let cpu = cpu1 - cpu0;
    let out = json!({
        "lang": "rust",
        "client": args.client,
        "workload": "page",
        "page_size": args.page_size,
        "records": n,
        // Requests of a pass: the full pages, then a short or an empty one.
        "calls": n / args.page_size + 1,
        "score_sum": total,
        "elapsed_s": secs,
        "rate": n as f64 / secs,
        "cpu_s": cpu,
        "cpu_us_per_record": if n > 0 { cpu * 1e6 / n as f64 } else { f64::NAN },
        "maxrss_kib": peak,
        "rss_base_kib": rss_base,
        "rss_peak_kib": if peak_reset { json!(peak) } else { Value::Null },
        "rss_end_kib": rss_kib(),
        "page_json_kib": page_kib,
        "page_native_kib": native_kib,
    });
    println!("{out}");
    Ok(())
}
