// The Node program of `make bench` (driven by benches/run.py; see benches/README.md).
//
// Creates Basic instances against a running sandbox through one client, one call at a
// time or N in flight, and prints one JSON line: calls per second, latency
// percentiles, CPU seconds per 1,000 calls (process.cpuUsage) and peak RSS
// (VmHWM) of this process, and optionally RSS at call-count
// checkpoints (after a full GC when run with --expose-gc).
//
// Clients: sdk (the `open-connectors` Client), fetch (Node's built-in fetch, undici),
// axios, and undici (the `undici` package's request(), its fastest API, on a keep-alive
// Pool). The peers send the bytes the SDK sends (the body serialized per call,
// Authorization, Content-Type and Accept as the SDK sends them), check the status and
// parse the JSON answer, as the SDK decodes it into an Instance.
//
// With --workload page it pages instead through a seeded hub listing (GET
// /hubs/crm/contacts of the instance whose token --token gives, --records records,
// --page-size per page), decoding every record into a plain object and reading its
// `score`, and prints records per second, CPU per record, and RSS at the start and at
// its peak while paging. Clients: sdk (InstanceClient#paginate), fetch (+ res.json()) and
// undici (request() + body.json()), the peers following elements-next-page-token by hand
// until an empty page or no token.
//
// With --slices (the duels of benches/run.py) it warms up, prints {"event":"ready"}, and
// then runs one slice per line read from stdin ("go SECS": calls for SECS seconds,
// printed as {"event":"slice","calls":N,"elapsed_s":S,"cpu_s":C}) until "end" or the end
// of stdin. Between slices it waits on stdin, using no CPU, so that two programs can
// take turns.
//
//   node bench_node.mjs --client sdk|fetch|axios|undici --base-url URL --sdk-root DIR --peers-root DIR
//        [--concurrency N] [--warmup-calls N | --warmup-secs S] [--calls N | --secs S] [--rss-at N,...] [--slices]
//   node --expose-gc bench_node.mjs --workload page --client sdk|fetch|undici --base-url URL --token T
//        --page-size N --records N [--warmup-records N] [--page-sample FILE] --sdk-root DIR --peers-root DIR
// --sdk-root: a folder whose node_modules/open-connectors is the package under test;
// --peers-root: a folder whose node_modules holds axios and undici (bindings-node).
import { readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import path from 'node:path'
import readline from 'node:readline'
import v8 from 'node:v8'
import { performance } from 'node:perf_hooks'

const BODY = {
  element: { key: 'insightly' },
  name: 'Element Instance Name',
  tags: ['Docs'],
  configuration: { username: 'claudeelements', password: 'password' },
}
const USER_SECRET = process.env.OPEN_CONNECTORS_USER_SECRET || 'sAfK7LJGNz5ZHcNrvdJvLI=f03WbTbH6aRKc0HJ3oOIi'
const ORG_SECRET = process.env.OPEN_CONNECTORS_ORGANIZATION_SECRET || '58168435e3b9959a929eb04b6218b9a2'
const HEADERS = {
  Authorization: `User ${USER_SECRET}, Organization ${ORG_SECRET}`,
  'Content-Type': 'application/json',
  Accept: 'application/json',
}

function parseArgs(argv) {
  const a = {
    client: 'sdk',
    baseUrl: process.env.OPEN_CONNECTORS_BASE_URL,
    concurrency: 1,
    warmup: ['calls', 0],
    measure: ['calls', 1000],
    rssAt: [],
    sdkRoot: process.cwd(),
    peersRoot: process.cwd(),
    workload: 'create',
    token: null,
    pageSize: 200,
    records: 0,
    warmupRecords: 0,
    pageSample: null,
    slices: false,
  }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const value = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${flag} needs a value`)
      return v
    }
    switch (flag) {
      case '--client': a.client = value(); break
      case '--base-url': a.baseUrl = value(); break
      case '--concurrency': a.concurrency = Math.max(1, Number(value())); break
      case '--warmup-calls': a.warmup = ['calls', Number(value())]; break
      case '--warmup-secs': a.warmup = ['secs', Number(value())]; break
      case '--calls': a.measure = ['calls', Number(value())]; break
      case '--secs': a.measure = ['secs', Number(value())]; break
      case '--rss-at': a.rssAt = value().split(',').filter(Boolean).map(Number); break
      case '--sdk-root': a.sdkRoot = value(); break
      case '--peers-root': a.peersRoot = value(); break
      case '--workload': a.workload = value(); break
      case '--token': a.token = value(); break
      case '--page-size': a.pageSize = Number(value()); break
      case '--records': a.records = Number(value()); break
      case '--warmup-records': a.warmupRecords = Number(value()); break
      case '--page-sample': a.pageSample = value(); break
      case '--slices': a.slices = true; break
      default: throw new Error(`unknown flag ${flag}`)
    }
  }
  if (!a.baseUrl) throw new Error('--base-url (or OPEN_CONNECTORS_BASE_URL) is required')
  if (!['create', 'page'].includes(a.workload)) throw new Error(`unknown workload ${a.workload} (create or page)`)
  if (a.workload === 'page' && !a.token) {
    throw new Error('--workload page needs --token (benches/run.py --seed URL --records N makes one)')
  }
  return a
}

function check(data) {
  if (!(data && typeof data.id === 'number' && data.id > 0 && data.token)) {
    throw new Error(`unexpected answer: ${JSON.stringify(data).slice(0, 200)}`)
  }
}

// A peer from --peers-root's node_modules.
function requirePeer(a, name) {
  return createRequire(path.join(path.resolve(a.peersRoot), 'noop.js'))(name)
}

function makeCall(a) {
  const url = `${a.baseUrl}/instances`
  if (a.client === 'sdk') {
    const { Client } = createRequire(path.join(path.resolve(a.sdkRoot), 'noop.js'))('open-connectors')
    const client = new Client({ baseUrl: a.baseUrl, userSecret: USER_SECRET, organizationSecret: ORG_SECRET })
    return async () => {
      const inst = await client.createInstance({
        element: 'insightly',
        name: 'Element Instance Name',
        tags: ['Docs'],
        configuration: { username: 'claudeelements', password: 'password' },
      })
      check(inst)
    }
  }
  if (a.client === 'fetch') {
    return async () => {
      const r = await fetch(url, { method: 'POST', headers: HEADERS, body: JSON.stringify(BODY) })
      if (r.status !== 200) throw new Error(`status ${r.status}`)
      check(await r.json())
    }
  }
  if (a.client === 'axios') {
    const axios = requirePeer(a, 'axios')
    const ax = axios.create({ httpAgent: new http.Agent({ keepAlive: true }) })
    return async () => {
      // axios serializes the object itself (JSON.stringify: the same bytes) and parses the answer.
      const r = await ax.post(url, BODY, { headers: HEADERS })
      if (r.status !== 200) throw new Error(`status ${r.status}`)
      check(r.data)
    }
  }
  if (a.client === 'undici') {
    const { Pool } = requirePeer(a, 'undici')
    const { origin, pathname } = new URL(url)
    // request() on a Pool of the origin (the dispatcher undici's own benchmark measures;
    // keep-alive is its default), with a connection for each call in flight, as axios's
    // keep-alive Agent and fetch's global dispatcher open them (no limit).
    const pool = new Pool(origin, { connections: a.concurrency })
    return async () => {
      const { statusCode, body } = await pool.request({
        path: pathname,
        method: 'POST',
        headers: HEADERS,
        body: JSON.stringify(BODY),
      })
      if (statusCode !== 200) throw new Error(`status ${statusCode}`)
      // body.json() is JSON.parse of the decoded text in one step (undici's readable.js);
      // its docs read answers with it (`await body.json()`).
      check(await body.json())
    }
  }
  throw new Error(`unknown client ${a.client} (sdk, fetch, axios or undici)`)
}

// Runs calls with `concurrency` in flight until the stop: [calls, latencies (ms, when
// `record`: the memory checkpoints do not record, so they do not measure the
// benchmark's own bookkeeping), wall seconds].
async function phase(call, concurrency, [kind, value], record = true) {
  const limit = kind === 'calls' ? value : Infinity
  const start = performance.now()
  const deadline = kind === 'secs' ? start + value * 1000 : Infinity
  let tickets = 0
  let calls = 0
  const lat = []
  async function worker() {
    while (performance.now() < deadline && tickets++ < limit) {
      const t = performance.now()
      await call()
      calls++
      if (record) lat.push(performance.now() - t)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return [calls, lat, (performance.now() - start) / 1000]
}

function rssKib() {
  if (typeof globalThis.gc === 'function') globalThis.gc()
  return Math.round(process.memoryUsage.rss() / 1024)
}

// Peak RSS: VmHWM (process.resourceUsage().maxRSS is ru_maxrss, which survives exec and
// so would show the forked driver's RSS when that was larger).
function peakRssKib() {
  const m = /VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))
  return m ? Number(m[1]) : process.resourceUsage().maxRSS
}

const cpuSecs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.round((p / 100) * (sorted.length - 1))] : null
}

// --- the paging workload ------------------------------------------------------------
//
// A pass pages through the listing from its start: `pageSize` records a page, each
// record a plain object whose `score` is read and summed, until the end of the listing
// (an empty page or no next-page token) or, with `limit`, once `limit` records were
// read. It returns [records, score sum]. The fetch and undici peers follow the token by
// hand, one page at a time, with the SDK's headers (Authorization with the Element token,
// Accept).
const HUB_PATH = '/hubs/crm/contacts'

function makePagePass(a) {
  if (a.client === 'sdk') {
    const { Client } = createRequire(path.join(path.resolve(a.sdkRoot), 'noop.js'))('open-connectors')
    const client = new Client({ baseUrl: a.baseUrl, userSecret: USER_SECRET, organizationSecret: ORG_SECRET })
    const instance = client.forInstance(a.token)
    return async (pageSize, limit) => {
      let n = 0
      let total = 0
      for await (const record of instance.paginate(HUB_PATH, { pageSize })) {
        total += record.score
        n++
        if (n >= limit) break
      }
      return [n, total]
    }
  }
  const url = `${a.baseUrl}${HUB_PATH}`
  const headers = {
    Authorization: `User ${USER_SECRET}, Organization ${ORG_SECRET}, Element ${a.token}`,
    Accept: 'application/json',
  }
  // The peers follow the token by hand: `getPage(query)` gives [records, next token].
  const byHand = (getPage) => async (pageSize, limit) => {
    let n = 0
    let total = 0
    const query = new URLSearchParams({ pageSize: String(pageSize) })
    for (;;) {
      const [records, token] = await getPage(query)
      for (const record of records) {
        total += record.score
        n++
        if (n >= limit) return [n, total]
      }
      if (records.length === 0 || !token) return [n, total]
      query.set('nextPage', token)
    }
  }
  if (a.client === 'fetch') {
    return byHand(async (query) => {
      const r = await fetch(`${url}?${query}`, { headers })
      if (r.status !== 200) throw new Error(`status ${r.status}`)
      return [await r.json(), r.headers.get('elements-next-page-token')]
    })
  }
  if (a.client === 'undici') {
    const { Pool } = requirePeer(a, 'undici')
    const { origin, pathname } = new URL(url)
    const pool = new Pool(origin)
    return byHand(async (query) => {
      const r = await pool.request({ path: `${pathname}?${query}`, method: 'GET', headers })
      if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`)
      return [await r.body.json(), r.headers['elements-next-page-token']]
    })
  }
  throw new Error(`unknown paging client ${a.client} (sdk, fetch or undici)`)
}

// Resets VmHWM to the current RSS (Linux), so that VmHWM is then the peak since now.
function resetPeak() {
  try {
    writeFileSync('/proc/self/clear_refs', '5')
    return true
  } catch {
    return false
  }
}

// The yardstick of the RSS check: the bytes of one page's JSON text (a sample page the
// driver fetched) and what it takes as JavaScript objects: V8's heapUsed after a full GC
// with 8 parsed copies of the page held and without, ÷ 8 (one small page is within the
// noise of a full GC).
function pageNativeKib(sample) {
  if (!sample) return [null, null]
  const text = readFileSync(sample, 'utf8')
  const gc = typeof globalThis.gc === 'function' ? globalThis.gc : () => {}
  const copies = 8
  gc()
  const before = process.memoryUsage().heapUsed
  const pages = Array.from({ length: copies }, () => JSON.parse(text))
  gc()
  const after = process.memoryUsage().heapUsed
  if (pages.some((p) => !p.length)) throw new Error('empty sample page')
  return [Math.round(Buffer.byteLength(text) / 1024), Math.round((after - before) / 1024 / copies)]
}

// V8's new space (the nursery): it grows with the allocation rate, whatever is live.
function newSpaceKib() {
  const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')
  return s ? Math.round(s.space_size / 1024) : null
}

async function mainPage(a) {
  const runPass = makePagePass(a)
  await runPass(1, 1) // the connection, the runtime: not a page's memory
  const rssBase = rssKib()
  const nurseryBase = newSpaceKib()
  const peakReset = resetPeak()
  if (a.warmupRecords) await runPass(a.pageSize, a.warmupRecords)
  process.stdout.write('{"event":"measure"}\n')
  const cpu0 = cpuSecs()
  const t0 = performance.now()
  const [n, total] = await runPass(a.pageSize, Infinity)
  const elapsed = (performance.now() - t0) / 1000
  const cpu = cpuSecs() - cpu0
  if (a.records && n !== a.records) throw new Error(`read ${n} records, expected ${a.records}`)
  const peak = peakRssKib()
  const nurseryEnd = newSpaceKib()
  const [pageKib, nativeKib] = pageNativeKib(a.pageSample)
  const out = {
    lang: 'node',
    client: a.client,
    workload: 'page',
    page_size: a.pageSize,
    records: n,
    // Requests of a pass: the full pages, then a short or an empty one.
    calls: Math.floor(n / a.pageSize) + 1,
    score_sum: total,
    elapsed_s: elapsed,
    rate: elapsed > 0 ? n / elapsed : null,
    cpu_s: cpu,
    cpu_us_per_record: n ? (cpu * 1e6) / n : null,
    maxrss_kib: peak,
    rss_base_kib: rssBase,
    rss_peak_kib: peakReset ? peak : null,
    rss_end_kib: Math.round(process.memoryUsage.rss() / 1024),
    page_json_kib: pageKib,
    page_native_kib: nativeKib,
    // How much of the growth is V8's nursery having grown (reserved, not live data).
    nursery_growth_kib: nurseryBase === null || nurseryEnd === null ? null : nurseryEnd - nurseryBase,
  }
  process.stdout.write(`${JSON.stringify(out)}\n`)
  process.exit(0)
}

// --slices: the slices stdin asks for, each printed as it ends; then exits.
async function runSlices(call, concurrency) {
  process.stdout.write('{"event":"ready"}\n')
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const [word, value] = line.trim().split(' ')
    if (word !== 'go') break
    const cpu0 = cpuSecs()
    const [calls, , elapsed] = await phase(call, concurrency, ['secs', Number(value)], false)
    const cpu = cpuSecs() - cpu0
    process.stdout.write(`${JSON.stringify({ event: 'slice', calls, elapsed_s: elapsed, cpu_s: cpu })}\n`)
  }
  // Keep-alive sockets would hold the event loop open.
  process.exit(0)
}

async function main() {
  const a = parseArgs(process.argv.slice(2))
  if (a.workload === 'page') return mainPage(a)
  const call = makeCall(a)
  let done = (await phase(call, a.concurrency, a.warmup, false))[0]
  if (a.slices) return runSlices(call, a.concurrency)
  const checkpoints = []
  for (const at of a.rssAt) {
    if (at > done) done += (await phase(call, a.concurrency, ['calls', at - done], false))[0]
    const rss = rssKib() // after a full GC
    const heap = process.memoryUsage()
    checkpoints.push({
      calls: done,
      rss_kib: rss,
      // V8's live heap (a JavaScript leak grows it) and the heap it has reserved.
      heap_kib: Math.round(heap.heapUsed / 1024),
      heap_total_kib: Math.round(heap.heapTotal / 1024),
    })
  }
  process.stdout.write('{"event":"measure"}\n') // the driver samples the sandbox's CPU time
  const cpu0 = cpuSecs()
  const [, lat, elapsed] = await phase(call, a.concurrency, a.measure)
  const cpu = cpuSecs() - cpu0
  lat.sort((x, y) => x - y)
  const calls = lat.length
  const out = {
    lang: 'node',
    client: a.client,
    concurrency: a.concurrency,
    calls,
    total_calls: done + calls,
    elapsed_s: elapsed,
    rate: calls ? calls / elapsed : null,
    p50_ms: percentile(lat, 50),
    p99_ms: percentile(lat, 99),
    cpu_s: cpu,
    cpu_s_per_1000: calls ? (cpu * 1000) / calls : null,
    maxrss_kib: peakRssKib(),
    rss_end_kib: rssKib(),
    rss_checkpoints: checkpoints,
  }
  process.stdout.write(`${JSON.stringify(out)}\n`)
  // Keep-alive sockets would hold the event loop open.
  process.exit(0)
}

main().catch((e) => {
  process.stderr.write(`bench_node: ${e?.stack ?? e}\n`)
  process.exit(1)
})
