// The Node runner of the shared cross-language cases in tests/cases/ (format:
// tests/README.md): one test per case file, every case run against one sandbox that
// is reset before each case. A case this runner cannot run (an unknown key, an
// unknown operation) fails; so does an empty cases directory.
//
// OC_CASES_DIR overrides the directory (to try a runner change on scratch cases).
import { test, before, after } from 'node:test'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join, basename } from 'node:path'
import { inspect } from 'node:util'

import * as oc from 'open-connectors'
import { Sandbox, DEFAULT_USER_SECRET, DEFAULT_ORGANIZATION_SECRET } from './sandbox.mjs'

const CASES_DIR = process.env.OC_CASES_DIR || fileURLToPath(new URL('../../tests/cases/', import.meta.url))

const CASE_KEYS = ['description', 'function', 'client', 'faults', 'setup', 'instance', 'operation', 'args', 'options', 'expect']
const OPTION_KEYS = ['timeout_ms', 'max_retries', 'extra_headers']
const CLIENT_KEYS = ['base_url', 'user_secret', 'organization_secret', 'timeout_ms', 'max_retries', 'max_response_size']
const EXPECT_KEYS = ['requests', 'result', 'error', 'pages']
const REQUEST_KEYS = ['method', 'path', 'headers', 'body']
const SETUP_KEYS = ['operation', 'args', 'instance']
const ERROR_KEYS = [
  'code',
  'status',
  'field',
  'message_contains',
  'provider_message_contains',
  'provider_error',
  'body_contains',
  'request_id',
  'retry_after',
  'request_sent',
  'description',
]
/** The class each core code must arrive as. */
const CLASS_OF_CODE = {
  invalid_input: oc.InvalidInputError,
  connection: oc.ApiConnectionError,
  timeout: oc.ApiTimeoutError,
  decode: oc.ResponseDecodeError,
  bad_request: oc.BadRequestError,
  authentication: oc.AuthenticationError,
  permission_denied: oc.PermissionDeniedError,
  not_found: oc.NotFoundError,
  conflict: oc.ConflictError,
  rate_limited: oc.RateLimitError,
  server: oc.InternalServerError,
  client_closed: oc.ClientClosedError,
  internal: oc.InternalError,
}
/** The shared cases name arguments in snake_case; Node spells them in camelCase. */
const camel = (s) => s.replace(/_([a-z])/g, (_m, c) => c.toUpperCase())
/** An error's `field`: only the leading argument name is Node's (`providerData.code`). */
const camelField = (f) => f.replace(/^[a-z_]+/, (head) => camel(head))

class CaseError extends Error {}

function fail(msg) {
  throw new CaseError(msg)
}

const show = (v) => (v === undefined ? 'undefined' : JSON.stringify(v))

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function obj(v, what) {
  if (!isPlainObject(v)) fail(`${what} must be an object`)
  return v
}

function checkKeys(o, allowed, what) {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) fail(`${what}: unknown key ${JSON.stringify(k)}; this runner cannot run it`)
  }
}

function typeName(v) {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number'
  return typeof v // string, boolean, object
}

function isMatcher(e) {
  if (!isPlainObject(e)) return false
  const keys = Object.keys(e)
  return keys.length === 1 && keys[0].startsWith('$')
}

/** `expected` matches `got` per the matcher rules of tests/README.md. */
function matches(expected, got, at, exactObjects) {
  const mismatch = () => fail(`${at}: expected ${show(expected)}, got ${show(got)}`)
  if (isMatcher(expected)) {
    const [k, v] = Object.entries(expected)[0]
    let ok
    switch (k) {
      case '$type':
        ok = typeName(got) === v || (v === 'number' && typeof got === 'number')
        break
      case '$any': // presence is checked by the enclosing object
        ok = true
        break
      case '$absent':
        ok = got === undefined || got === null
        break
      case '$prefix':
        ok = typeof got === 'string' && typeof v === 'string' && got.startsWith(v)
        break
      case '$contains':
        ok = typeof got === 'string' && typeof v === 'string' && got.includes(v)
        break
      default:
        fail(`${at}: unknown matcher ${k}`)
    }
    if (!ok) mismatch()
    return
  }
  if (isPlainObject(expected)) {
    if (!isPlainObject(got)) mismatch()
    for (const [k, v] of Object.entries(expected)) {
      const present = Object.hasOwn(got, k)
      const wantAbsent = isPlainObject(v) && Object.hasOwn(v, '$absent')
      if (present === wantAbsent) {
        fail(wantAbsent ? `${at}.${k}: should be absent, got ${show(got[k])}` : `${at}.${k}: missing (expected ${show(v)})`)
      }
      if (!wantAbsent) matches(v, got[k], `${at}.${k}`, exactObjects)
    }
    if (exactObjects) {
      const extra = Object.keys(got).find((k) => !Object.hasOwn(expected, k))
      if (extra !== undefined) fail(`${at}.${extra}: not expected (got ${show(got[extra])})`)
    }
    return
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(got) || got.length !== expected.length) mismatch()
    expected.forEach((e, i) => matches(e, got[i], `${at}[${i}]`, exactObjects))
    return
  }
  if (typeof expected === 'number') {
    if (typeof got !== 'number' || got !== expected) mismatch()
    return
  }
  if (expected !== got) mismatch()
}

function checkRequests(expected, received) {
  if (!Array.isArray(expected)) fail('expect.requests must be an array')
  if (expected.length !== received.length) {
    const seen = received.map((r) => `${r.method} ${r.path}`)
    fail(`expected ${expected.length} request(s) at the sandbox, it received ${received.length}: ${show(seen)}`)
  }
  expected.forEach((e, i) => {
    obj(e, 'expected request')
    checkKeys(e, REQUEST_KEYS, 'expected request')
    const r = received[i]
    for (const k of ['method', 'path']) {
      if (Object.hasOwn(e, k)) matches(e[k], r[k], `request ${i}.${k}`, false)
    }
    if (Object.hasOwn(e, 'headers')) matches(e.headers, r.headers, `request ${i}.headers`, false)
    if (Object.hasOwn(e, 'body')) matches(e.body, r.json, `request ${i}.body`, true)
  })
}

function checkError(err, expected) {
  obj(expected, 'expect.error')
  checkKeys(expected, ERROR_KEYS, 'expect.error')
  if (typeof expected.code !== 'string') fail('expect.error needs a code')
  if (!(err instanceof oc.OpenConnectorsError)) {
    fail(`expected an OpenConnectorsError [${expected.code}], got ${inspect(err)}`)
  }
  if (err.code !== expected.code) fail(`expected error code ${expected.code}, got ${err.code}: ${err.message}`)
  const Class = CLASS_OF_CODE[err.code]
  if (Class && !(err instanceof Class)) fail(`error [${err.code}] is a ${err.name}, not a ${Class.name}`)
  if (!(err instanceof Error)) fail('the error is not an Error')
  const isStatus = err instanceof oc.ApiStatusError
  for (const [key, want] of Object.entries(expected)) {
    let ok
    switch (key) {
      case 'code':
      case 'description':
        ok = true
        break
      case 'status':
        ok = err.status === want
        break
      case 'field':
        ok = err.field === camelField(want)
        break
      case 'message_contains': {
        // The platform's `message` for a status error, else the error's text.
        const text = isStatus ? err.platformMessage : err.message
        ok = typeof text === 'string' && text.includes(want)
        break
      }
      case 'provider_message_contains':
        ok = typeof err.providerMessage === 'string' && err.providerMessage.includes(want)
        break
      case 'provider_error':
        ok = err.providerError === want
        break
      case 'body_contains':
        ok = typeof err.body === 'string' && err.body.includes(want)
        break
      case 'request_id':
        try {
          matches(want, err.requestId ?? null, 'error.request_id', false)
          ok = true
        } catch {
          ok = false
        }
        break
      case 'retry_after':
        // Seconds in the case; Node counts milliseconds.
        ok = typeof err.retryAfter === 'number' && err.retryAfter === want * 1000
        break
      case 'request_sent':
        ok = (err.requestSent ?? 'none') === want
        break
      default:
        ok = false
    }
    if (!ok) fail(`error ${key}: expected ${show(want)}, got [${err.code}] ${inspect(err)}`)
  }
}

/** `secrets` holds [label, value] pairs; the failure names the label, never the value. */
function noLeak(text, secrets, what) {
  for (const [label, s] of secrets) {
    if (s.length >= 4 && String(text).includes(s)) fail(`${what} leaks a secret (${label})`)
  }
}

/** Replaces every `{"$setup": [i, key...]}` by that part of setup step i's result. */
function resolve(args, setupResults) {
  if (isPlainObject(args) && Object.hasOwn(args, '$setup')) {
    const [step, ...keys] = args.$setup
    let v = setupResults[step]
    for (const k of keys) v = v?.[k]
    return v
  }
  if (isPlainObject(args)) return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, resolve(v, setupResults)]))
  return args
}

/** The pages a pager yielded, before an error too (the case's `expect.pages`). */
let pagesSeen = []

const pageJson = (page) => ({
  items: page.items.map((i) => (i !== null && typeof i.toJSON === 'function' ? i.toJSON() : i)),
  next_cursor: page.nextCursor,
  total_count: page.totalCount,
})

/**
 * Any operation, by its generated metadata: the runner holds no per-operation code. A
 * pager is listed to the end; its result is `{ pages: [...] }`.
 */
async function call(client, operation, args, requestOptions, what) {
  const out = invoke(client, operation, args, requestOptions, what)
  if (oc.OPERATIONS[operation].kind !== 'pager') return out
  if (!(out instanceof oc.Pager)) fail(`${operation} did not return a Pager`)
  for await (const page of out.pages()) {
    if (!(page instanceof oc.Page)) fail('pages() yielded something else than a Page')
    pagesSeen.push(pageJson(page))
  }
  return { pages: [...pagesSeen] }
}

function invoke(client, operation, args, requestOptions, what) {
  const meta = oc.OPERATIONS[operation]
  if (meta === undefined) fail(`unknown operation ${show(operation)}; this runner cannot run it`)
  obj(args ?? {}, what)
  const options = {}
  for (const [k, v] of Object.entries(args ?? {})) options[camel(k)] = v
  const positional = meta.positional.map((p) => {
    const v = options[p]
    delete options[p]
    return v
  })
  for (const k of Object.keys(options)) {
    if (!meta.options.includes(k)) fail(`${what}: unknown argument ${show(k)} of ${operation}; this runner cannot run it`)
  }
  const rest = meta.options.length > 0 ? [options] : []
  return client[meta.method](...positional, ...rest, requestOptions)
}

function requestOptions(raw) {
  obj(raw, 'options')
  checkKeys(raw, OPTION_KEYS, 'options')
  const out = {}
  if (raw.timeout_ms !== undefined) out.timeout = raw.timeout_ms
  if (raw.max_retries !== undefined) out.maxRetries = raw.max_retries
  if (raw.extra_headers !== undefined) out.extraHeaders = raw.extra_headers
  return Object.keys(out).length > 0 ? out : undefined
}

/** The JSON of a result: a model's own JSON (each, for a list), or the value itself (`null` for nothing). */
const isModel = (r) => r !== null && typeof r === 'object' && typeof r.toJSON === 'function' && Object.values(oc).includes(r.constructor)
const resultJson = (r) =>
  Array.isArray(r) ? r.map(resultJson) : isModel(r) || r instanceof oc.Response ? r.toJSON() : (r ?? null)

function buildClient(settings, sandbox) {
  const base = settings.base_url === undefined ? sandbox.baseUrl : String(settings.base_url).replaceAll('{sandbox}', sandbox.root)
  const options = {
    baseUrl: base,
    userSecret: settings.user_secret ?? DEFAULT_USER_SECRET,
    organizationSecret: settings.organization_secret ?? DEFAULT_ORGANIZATION_SECRET,
    useEnv: false, // runners never read OPEN_CONNECTORS_* for a case
  }
  if (settings.timeout_ms !== undefined) options.timeout = settings.timeout_ms
  if (settings.max_retries !== undefined) options.maxRetries = settings.max_retries
  if (settings.max_response_size !== undefined) options.maxResponseSize = settings.max_response_size
  return new oc.Client(options)
}

/** The SDK's local functions (no request) a case may call, by their case names. */
const FUNCTIONS = {
  verify_webhook: (a) => oc.verifyWebhook(a.body, a.signature, a.key),
  ocnql: (a) => oc.ocnql(a.template, ...a.values),
}

/** A case of a local function: its result, or its error, as the case expects. */
function runFunction(c) {
  const fn = FUNCTIONS[c.function]
  if (fn === undefined) fail(`unknown function ${show(c.function)}; this runner cannot run it`)
  const args = obj(c.args ?? {}, 'args')
  const expect = obj(c.expect, 'expect')
  checkKeys(expect, ['result', 'error'], 'expect')
  let got
  try {
    got = fn(args)
  } catch (e) {
    if (!Object.hasOwn(expect, 'error')) fail(`expected a result, got ${e?.stack ?? e}`)
    checkError(e, expect.error)
    if (typeof args.key === 'string' && args.key.length >= 4) {
      noLeak(String(e), [['the key', args.key]], 'String() of the error')
      noLeak(JSON.stringify(e), [['the key', args.key]], 'JSON of the error')
    }
    return
  }
  if (!Object.hasOwn(expect, 'result')) fail(`expected error ${show(expect.error)}, got ${JSON.stringify(got)}`)
  matches(expect.result, got, 'result', false)
}

async function runCase(path, sandbox) {
  let c
  try {
    c = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    fail(`invalid JSON: ${e.message}`)
  }
  obj(c, 'case')
  checkKeys(c, CASE_KEYS, 'case')
  if (c.function !== undefined) return runFunction(c)
  const settings = obj(c.client ?? {}, 'client')
  checkKeys(settings, CLIENT_KEYS, 'client')
  if (typeof c.operation !== 'string') fail('case has no operation')
  if (oc.OPERATIONS[c.operation] === undefined) fail(`unknown operation ${show(c.operation)}; this runner cannot run it`)
  const callOptions = requestOptions(c.options ?? {})
  const expect = obj(c.expect, 'expect')
  checkKeys(expect, EXPECT_KEYS, 'expect')
  if (Object.hasOwn(expect, 'result') === Object.hasOwn(expect, 'error')) fail('expect needs exactly one of result and error')
  const faults = c.faults ?? []
  if (!Array.isArray(faults)) fail('faults must be an array')
  const setup = c.setup ?? []
  if (!Array.isArray(setup)) fail('setup must be an array')
  setup.forEach((step) => {
    obj(step, 'setup step')
    checkKeys(step, SETUP_KEYS, 'setup step')
    if (oc.OPERATIONS[step.operation] === undefined) fail(`setup: unknown operation ${show(step.operation)}; this runner cannot run it`)
  })

  await sandbox.reset()
  for (const f of faults) await sandbox.fault(f)

  let client = null
  let clientError = null
  try {
    client = buildClient(settings, sandbox)
  } catch (e) {
    clientError = e
  }
  const setupResults = []
  for (const [i, step] of setup.entries()) {
    if (client === null) fail(`setup needs a client: ${clientError}`)
    try {
      const target = step.instance === undefined ? client : client.forInstance(resolve(step.instance, setupResults))
      const r = await call(target, step.operation, resolve(step.args ?? {}, setupResults), undefined, `setup step ${i} args`)
      setupResults.push(resultJson(r))
    } catch (e) {
      if (e instanceof CaseError) throw e
      fail(`setup step ${i} failed: ${e}`)
    }
  }
  const before = (await sandbox.journal()).length
  const args = resolve(c.args ?? {}, setupResults)

  let result = null
  let error = clientError
  pagesSeen = []
  // An instance's call: made on `client.forInstance(token)` with the case's token.
  const token = c.instance === undefined ? undefined : resolve(c.instance, setupResults)
  if (client !== null) {
    try {
      const target = token === undefined ? client : client.forInstance(token)
      result = await call(target, c.operation, args, callOptions, 'args')
    } catch (e) {
      if (e instanceof CaseError) throw e
      error = e
    }
  }

  const received = (await sandbox.journal()).slice(before)
  if (Object.hasOwn(expect, 'requests')) checkRequests(expect.requests, received)
  if (Object.hasOwn(expect, 'pages')) matches(expect.pages, pagesSeen, 'pages', false)

  const secrets = [
    ['the user secret', settings.user_secret ?? DEFAULT_USER_SECRET],
    ['the organization secret', settings.organization_secret ?? DEFAULT_ORGANIZATION_SECRET],
  ]
  for (const [section, key] of [
    ['configuration', 'password'],
    ['configuration', 'oauth.api.secret'],
    ['provider_data', 'code'],
  ]) {
    const v = isPlainObject(args) && isPlainObject(args[section]) ? args[section][key] : undefined
    secrets.push([`args.${section}.${key}`, v])
  }
  if (token !== undefined) secrets.push(['the instance token of the call', token])
  const stringSecrets = secrets.filter(([, s]) => typeof s === 'string')

  if (Object.hasOwn(expect, 'result')) {
    if (error !== null) fail(`expected a result, got error ${error instanceof oc.OpenConnectorsError ? `[${error.code}] ` : ''}${error?.stack ?? error}`)
    const json = resultJson(result)
    if (typeof json?.token === 'string') stringSecrets.push(['the instance token', json.token])
    matches(expect.result, json, 'result', false)
    const kind = oc.OPERATIONS[c.operation].kind
    if (result instanceof oc.Instance) {
      // The object's own fields agree with its JSON.
      if (result.id !== json.id || result.token !== json.token) fail('the Instance fields disagree with its JSON')
    } else if (kind === 'model' && !isModel(result)) {
      fail(`expected a model, got ${inspect(result)}`)
    } else if (kind === 'nothing' && result !== undefined) {
      fail(`expected nothing, got ${inspect(result)}`)
    } else if (kind === 'text' && typeof result !== 'string') {
      fail(`expected a string, got ${inspect(result)}`)
    }
    noLeak(inspect(result), stringSecrets, 'util.inspect of the instance')
    noLeak(inspect(result, { depth: Infinity, showHidden: true }), stringSecrets, 'util.inspect (showHidden) of the instance')
    noLeak(String(result), stringSecrets, 'String() of the instance')
  } else {
    if (error === null) fail(`expected error ${show(expect.error)}, got instance ${JSON.stringify(result)}`)
    checkError(error, expect.error)
    noLeak(String(error), stringSecrets, 'String() of the error')
    noLeak(inspect(error), stringSecrets, 'util.inspect of the error')
    noLeak(JSON.stringify(error), stringSecrets, 'JSON.stringify of the error')
  }
  if (client !== null) {
    noLeak(inspect(client), stringSecrets, 'util.inspect of the client')
    noLeak(inspect(client, { showHidden: true, depth: Infinity }), stringSecrets, 'util.inspect (showHidden) of the client')
    noLeak(JSON.stringify(client), stringSecrets, 'JSON.stringify of the client')
    noLeak(String(client), stringSecrets, 'String() of the client')
  }
}

let files = []
try {
  files = readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
} catch (e) {
  test('cases::directory', () => {
    throw new Error(`cannot read the cases directory ${CASES_DIR}: ${e.message}`)
  })
}

let sandbox = null
if (files.length > 0) {
  before(async () => {
    sandbox = await Sandbox.start()
  })
  after(async () => {
    await sandbox?.stop()
  })
  for (const f of files) {
    test(`cases::${basename(f, '.json')}`, async () => {
      if (sandbox === null) throw new Error('the sandbox did not start')
      await runCase(join(CASES_DIR, f), sandbox)
    })
  }
} else {
  test('cases::none_found', () => {
    throw new Error(`no case files in ${CASES_DIR}`)
  })
}
