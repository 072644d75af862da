// Node-specific checks of the `open-connectors` module: error classes, CJS and ESM
// loading, TypeScript declarations, redaction, concurrency, the event loop, panics.
import { test, describe, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { execFile } from 'node:child_process'
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { inspect } from 'node:util'

import * as oc from 'open-connectors'
import ocDefault from 'open-connectors'
import { Sandbox, DEFAULT_USER_SECRET, DEFAULT_ORGANIZATION_SECRET } from './sandbox.mjs'

const run = promisify(execFile)
const require = createRequire(import.meta.url)
const PKG_DIR = fileURLToPath(new URL('..', import.meta.url))
const INSTANCES = '/elements/api-v2/instances'
const BASIC = { element: 'insightly', configuration: { username: 'claudeelements', password: 'Pa55-w0rd!' } }

let sandbox
before(async () => {
  sandbox = await Sandbox.start()
})
after(async () => {
  await sandbox?.stop()
})

function client(extra = {}) {
  return new oc.Client({
    baseUrl: sandbox.baseUrl,
    userSecret: DEFAULT_USER_SECRET,
    organizationSecret: DEFAULT_ORGANIZATION_SECRET,
    useEnv: false,
    ...extra,
  })
}

/** Resolves to the rejection of `promise` (fails when it resolves). */
async function rejection(promise) {
  try {
    await promise
  } catch (e) {
    return e
  }
  assert.fail('expected a rejection')
}

function thrown(fn) {
  try {
    fn()
  } catch (e) {
    return e
  }
  assert.fail('expected an exception')
}

describe('error classes', () => {
  beforeEach(() => sandbox.reset())

  test('form one hierarchy under OpenConnectorsError and Error', () => {
    const { OpenConnectorsError: Base, ApiStatusError: Status, ApiConnectionError: Conn } = oc
    const tree = [
      [oc.InvalidInputError, Base],
      [oc.ApiConnectionError, Base],
      [oc.ApiTimeoutError, Conn],
      [oc.ResponseDecodeError, Base],
      [oc.ApiStatusError, Base],
      [oc.BadRequestError, Status],
      [oc.AuthenticationError, Status],
      [oc.PermissionDeniedError, Status],
      [oc.NotFoundError, Status],
      [oc.ConflictError, Status],
      [oc.RateLimitError, Status],
      [oc.InternalServerError, Status],
    ]
    for (const [Class, Parent] of tree) {
      const e = new Class('m', {})
      assert.ok(e instanceof Parent, `${Class.name} extends ${Parent.name}`)
      assert.ok(e instanceof Base && e instanceof Error)
      assert.equal(e.name, Class.name)
      assert.equal(String(e), `${Class.name}: m`)
    }
    const defaults = {
      InvalidInputError: 'invalid_input',
      ApiConnectionError: 'connection',
      ApiTimeoutError: 'timeout',
      ResponseDecodeError: 'decode',
      BadRequestError: 'bad_request',
      AuthenticationError: 'authentication',
      PermissionDeniedError: 'permission_denied',
      NotFoundError: 'not_found',
      ConflictError: 'conflict',
      RateLimitError: 'rate_limited',
      InternalServerError: 'server',
    }
    for (const [name, code] of Object.entries(defaults)) assert.equal(new oc[name]('m').code, code, name)
  })

  test('404 unknown element is a NotFoundError with the platform fields', async () => {
    const e = await rejection(client().createInstance({ element: 'no-such-element', configuration: {} }))
    assert.ok(e instanceof oc.NotFoundError && e instanceof oc.ApiStatusError)
    assert.equal(e.code, 'not_found')
    assert.equal(e.status, 404)
    assert.match(e.requestId, /^[0-9a-f]{24}$/)
    assert.equal(e.headerRequestId, e.requestId)
    assert.equal(typeof e.platformMessage, 'string')
    assert.ok(e.message.includes(e.platformMessage), 'message is the whole error text')
    assert.equal(typeof e.body, 'string')
    assert.equal(e.retryAfter, null)
    assert.ok(e.stack.includes('NotFoundError'))
  })

  test('401 wrong credentials is an AuthenticationError', async () => {
    const e = await rejection(client({ userSecret: 'wrong-secret' }).createInstance(BASIC))
    assert.ok(e instanceof oc.AuthenticationError)
    assert.equal(e.status, 401)
  })

  test('scripted statuses map to their classes', async () => {
    const table = [
      [400, oc.BadRequestError, 'bad_request'],
      [403, oc.PermissionDeniedError, 'permission_denied'],
      [409, oc.ConflictError, 'conflict'],
      [503, oc.InternalServerError, 'server'],
      [418, oc.InternalServerError, 'server'],
    ]
    for (const [status, Class, code] of table) {
      await sandbox.fault({ method: 'POST', path: INSTANCES, status, body: { requestId: 'r1', message: `m${status}`, providerMessage: 'p' } })
      const e = await rejection(client({ maxRetries: 0 }).createInstance(BASIC))
      assert.ok(e instanceof Class, `${status} -> ${e.name}`)
      assert.equal(e.code, code)
      assert.equal(e.status, status)
      assert.equal(e.requestId, 'r1')
      assert.equal(e.platformMessage, `m${status}`)
      assert.equal(e.providerMessage, 'p')
    }
  })

  test('429 is a RateLimitError with retryAfter in milliseconds', async () => {
    await sandbox.fault({ method: 'POST', path: INSTANCES, status: 429, headers: { 'retry-after': '7' }, body: { message: 'slow down' } })
    const e = await rejection(client().createInstance(BASIC))
    assert.ok(e instanceof oc.RateLimitError)
    assert.equal(e.code, 'rate_limited')
    assert.equal(e.retryAfter, 7000)
  })

  test('a timeout is an ApiTimeoutError, a kind of ApiConnectionError, that may have been sent', async () => {
    await sandbox.fault({ method: 'POST', path: INSTANCES, delay_ms: 1500 })
    const e = await rejection(client({ timeout: 200 }).createInstance(BASIC))
    assert.ok(e instanceof oc.ApiTimeoutError && e instanceof oc.ApiConnectionError)
    assert.equal(e.code, 'timeout')
    assert.equal(e.requestSent, 'maybe')
  })

  test('a refused connection says it was not sent', async () => {
    const e = await rejection(client({ baseUrl: 'http://127.0.0.1:1', maxRetries: 0 }).createInstance(BASIC))
    assert.ok(e instanceof oc.ApiConnectionError && !(e instanceof oc.ApiTimeoutError))
    assert.equal(e.requestSent, 'no')
  })

  test('a 200 that is not an Instance is a ResponseDecodeError', async () => {
    await sandbox.fault({ method: 'POST', path: INSTANCES, status: 200, body: '<html>', headers: { 'content-type': 'text/html', 'elements-request-id': 'rid' } })
    const e = await rejection(client().createInstance(BASIC))
    assert.ok(e instanceof oc.ResponseDecodeError)
    assert.equal(e.code, 'decode')
    assert.equal(e.status, 200)
    assert.equal(e.requestId, 'rid')
    assert.equal(e.body, '<html>')
  })

  test('bad create options are InvalidInputError (a rejection, nothing sent)', async () => {
    const c = client()
    const cases = [
      [{ element: true }, 'element'],
      [{ element: -1 }, 'element'],
      [{ element: 'a/b' }, 'element'],
      [{ element: 'x', tags: [1] }, 'tags'],
      [{ element: 'x', endpoint: 'nope' }, 'endpoint'],
      [{ element: 'x', configuration: 'str' }, 'configuration'],
      [{ element: 'x', bogus: 1 }, 'bogus'],
      [{ element: 'x', name: Number.NaN }, 'name'],
      [{ element: 'x', extra: { n: 10n } }, 'extra'],
      [{ element: 'x', provider_data: { code: 'c' } }, 'provider_data'],
      [{ element: 'x', configuration: new Map([['username', 'u']]) }, 'configuration'],
      [{ element: 'x', configuration: { username: () => 'u' } }, 'configuration'],
      [{ element: 'x', tags: new Set(['a']) }, 'tags'],
      [{ element: 'x', name: Symbol('n') }, 'name'],
      [{ element: 'x', providerData: [] }, 'providerData'],
      [undefined, 'options'],
      ['insightly', 'options'],
    ]
    for (const [options, field] of cases) {
      const p = c.createInstance(options)
      assert.ok(p instanceof Promise)
      const e = await rejection(p)
      assert.ok(e instanceof oc.InvalidInputError, `${inspect(options)} -> ${e}`)
      assert.equal(e.code, 'invalid_input')
      assert.equal(e.field, field, inspect(options))
    }
    assert.deepEqual(await sandbox.journal(), [])
  })

  test('arguments the quick JSON check declines are sent through the checked path', async () => {
    // Plain JSON up to 32 levels takes JSON.stringify alone; deeper values, Dates and
    // objects with toJSON() take the checking replacer and arrive the same.
    let deep = 'leaf'
    for (let i = 0; i < 40; i++) deep = [deep]
    class Tagged {
      toJSON() {
        return 'as-json'
      }
    }
    const when = new Date(Date.UTC(2026, 0, 2))
    await client().createInstance({ ...BASIC, extra: { deep, when, tagged: new Tagged(), bare: Object.create(null) } })
    const [r] = await sandbox.journal()
    assert.deepEqual(r.json.deep, deep)
    assert.equal(r.json.when, '2026-01-02T00:00:00.000Z')
    assert.equal(r.json.tagged, 'as-json')
    assert.deepEqual(r.json.bare, {})
    await sandbox.reset()
    // Refused deep down too, and a getter that throws is an InvalidInputError, not a raw Error.
    const c = client()
    let bad = Number.NaN
    for (let i = 0; i < 40; i++) bad = [bad]
    for (const extra of [{ bad }, { get boom() { throw new Error('getter failed') } }]) {
      const e = await rejection(c.createInstance({ ...BASIC, extra }))
      assert.ok(e instanceof oc.InvalidInputError, String(e))
      assert.equal(e.code, 'invalid_input')
    }
    assert.deepEqual(await sandbox.journal(), [])
  })

  test('undefined and null create options are left out', async () => {
    const inst = await client().createInstance({ ...BASIC, name: undefined, tags: null, extra: undefined })
    assert.equal(typeof inst.id, 'number')
    const [r] = await sandbox.journal()
    assert.deepEqual(Object.keys(r.json).sort(), ['configuration', 'element'])
  })

  test('calls never throw synchronously: a bad argument, a throwing getter and a detached method reject', async () => {
    const c = client()
    const calls = [
      [() => c.createInstance({ ...BASIC, configuration: { x: 1n } }), oc.InvalidInputError],
      [() => c.updateInstance(1, { get name() { throw new RangeError('from a getter') } }), RangeError],
      [() => { const detached = c.getInstance; return detached(1) }, TypeError],
    ]
    for (const [call, kind] of calls) {
      let pending
      assert.doesNotThrow(() => { pending = call() })
      assert.ok(pending instanceof Promise)
      await assert.rejects(pending, kind)
    }
    assert.deepEqual(await sandbox.journal(), [])
  })

  test('bad client options throw InvalidInputError synchronously', () => {
    const base = { baseUrl: 'http://127.0.0.1:1', userSecret: 'u', organizationSecret: 'o', useEnv: false }
    const cases = [
      [{ ...base, timeout: -1 }, 'timeout'],
      [{ ...base, timeout: Number.NaN }, 'timeout'],
      [{ ...base, timeout: Infinity }, 'timeout'],
      [{ ...base, timeout: '30000' }, 'timeout'],
      [{ ...base, timeout: 0 }, 'timeout'],
      [{ ...base, timeout: 0.5 }, 'timeout'],
      [{ ...base, timeout: 9.99 }, 'timeout'],
      [{ ...base, connectTimeout: -5 }, 'connectTimeout'],
      [{ ...base, maxRetries: 1.5 }, 'maxRetries'],
      [{ ...base, maxRetries: -1 }, 'maxRetries'],
      [{ ...base, maxRetries: 11 }, 'maxRetries'],
      [{ ...base, baseUrl: undefined, region: 'mars' }, 'region'],
      [{ ...base, region: 'us2' }, 'baseUrl'],
      [{ ...base, baseUrl: 'http://example.com' }, 'baseUrl'],
      [{ ...base, userSecret: 'a,b' }, 'userSecret'],
      [{ ...base, userSecret: 42 }, 'userSecret'],
      [{ ...base, useEnv: 'no' }, 'useEnv'],
      [{ ...base, userSecrets: 'typo' }, 'userSecrets'],
      [{ ...base, user_secret: 'u' }, 'user_secret'],
      [{ ...base, userAgentSuffix: 'caf\u00e9' }, 'userAgentSuffix'],
      [{ useEnv: false }, 'baseUrl'],
      ['options', 'options'],
      [[1], 'options'],
    ]
    for (const [options, field] of cases) {
      const e = thrown(() => new oc.Client(options))
      assert.ok(e instanceof oc.InvalidInputError, `${inspect(options)} -> ${e}`)
      assert.equal(e.field, field, inspect(options))
    }
    // A timeout in seconds out of Python habit: the message says the unit.
    const e = thrown(() => new oc.Client({ ...base, timeout: 0.5 }))
    assert.match(e.message, /at least 10 milliseconds \(the unit is milliseconds\)/)
    assert.equal(new oc.Client({ ...base, timeout: 10 }).timeout, 10)
    // A misspelt option is refused in Node's own spelling.
    const typo = thrown(() => new oc.Client({ ...base, user_secret: 'u' }))
    assert.match(typo.message, /expected userSecret, organizationSecret|expected baseUrl/)
    assert.ok(!typo.message.includes('user_secret,'), typo.message)
  })

  test('errors serialize without secrets', async () => {
    const e = thrown(() => new oc.Client({ baseUrl: 'http://127.0.0.1:1', userSecret: 'sec ret', organizationSecret: 'org-secret-1', useEnv: false }))
    const json = JSON.parse(JSON.stringify(e))
    assert.equal(json.name, 'InvalidInputError')
    assert.equal(json.code, 'invalid_input')
    assert.equal(json.field, 'userSecret')
    for (const text of [String(e), inspect(e), JSON.stringify(e), e.stack]) {
      assert.ok(!text.includes('sec ret') && !text.includes('org-secret-1'), text)
    }
  })
})

describe('loading', () => {
  test('ESM named, ESM default and CJS require give the same classes', () => {
    const cjs = require('open-connectors')
    assert.equal(oc.Client, cjs.Client)
    assert.equal(ocDefault.Client, cjs.Client)
    assert.equal(oc.NotFoundError, cjs.NotFoundError)
    assert.equal(typeof oc.VERSION, 'string')
    assert.equal(oc.CORE_VERSION, oc.VERSION)
    const publicNames = Object.keys(cjs).sort()
    assert.deepEqual(Object.keys(oc).filter((k) => k !== 'default').sort(), publicNames)
    assert.ok(!publicNames.some((k) => k.startsWith('__') || k === 'NativeClient'), 'the native layer stays private')
  })

  test('an installed copy loads with require() and import', async () => {
    // What `npm install ./bindings-node` gives a program: node_modules/open-connectors.
    const dir = mkdtempSync(join(tmpdir(), 'oc-consumer-'))
    try {
      mkdirSync(join(dir, 'node_modules'))
      symlinkSync(PKG_DIR, join(dir, 'node_modules', 'open-connectors'), 'dir')
      writeFileSync(
        join(dir, 'cjs.cjs'),
        "const { Client, OpenConnectorsError } = require('open-connectors')\n" +
          "try { new Client({ useEnv: false }) } catch (e) { console.log(typeof Client, e instanceof OpenConnectorsError, e.field) }\n",
      )
      writeFileSync(
        join(dir, 'esm.mjs'),
        "import { Client, InvalidInputError } from 'open-connectors'\n" +
          "import oc from 'open-connectors'\n" +
          "try { new Client({ useEnv: false }) } catch (e) { console.log(typeof Client, e instanceof InvalidInputError, oc.Client === Client) }\n",
      )
      const cjs = await run(process.execPath, ['cjs.cjs'], { cwd: dir })
      assert.equal(cjs.stdout.trim(), 'function true baseUrl')
      const esm = await run(process.execPath, ['esm.mjs'], { cwd: dir })
      assert.equal(esm.stdout.trim(), 'function true true')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('the TypeScript declarations type-check the example (tsc --noEmit)', async () => {
    const tsc = join(PKG_DIR, 'node_modules', 'typescript', 'bin', 'tsc')
    try {
      await run(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.json'], { cwd: PKG_DIR })
    } catch (e) {
      assert.fail(`tsc --noEmit failed:\n${e.stdout}${e.stderr}`)
    }
  })
})

describe('client behaviour', () => {
  beforeEach(() => sandbox.reset())

  test('a logger receives the request, retry and give-up events of its own client, without secrets', async () => {
    const lines = []
    const logger = {}
    for (const level of ['debug', 'info', 'warn', 'error']) logger[level] = (message, fields) => lines.push({ level, message, fields })
    const saved = process.env.OPEN_CONNECTORS_LOG
    process.env.OPEN_CONNECTORS_LOG = 'debug'
    let logged, quiet
    try {
      logged = client({ logger, maxRetries: 1 })
      quiet = client({ maxRetries: 1, logger: null })
    } finally {
      if (saved === undefined) delete process.env.OPEN_CONNECTORS_LOG
      else process.env.OPEN_CONNECTORS_LOG = saved
    }
    await sandbox.fault({ method: 'GET', path: '/elements/api-v2/instances/987654321', status: 503, count: 2 })
    const e = await rejection(logged.getInstance(987654321))
    assert.equal(e.code, 'server')
    await quiet.createInstance(BASIC)
    // Delivered through the event loop: give it a turn.
    await new Promise((r) => setTimeout(r, 50))
    const messages = lines.map((l) => `${l.level} ${l.message}`)
    assert.ok(messages.some((m) => m.startsWith('info open-connectors: retrying')), messages.join('\n'))
    assert.ok(messages.some((m) => m.startsWith('debug open-connectors: giving up')), messages.join('\n'))
    assert.ok(lines.every((l) => l.fields.method === 'GET'), 'only the logged client\'s calls')
    const text = JSON.stringify(lines)
    assert.ok(!text.includes(DEFAULT_USER_SECRET) && !text.includes(DEFAULT_ORGANIZATION_SECRET) && !text.includes('Pa55-w0rd!'))
    assert.ok(lines.some((l) => l.fields.path === '/elements/api-v2/instances/987654321'))
    // A logger that throws does not break the call or the process.
    const angry = client({ logger: { info() { throw new Error('boom') }, debug() { throw new Error('boom') } } })
    await sandbox.fault({ method: 'GET', path: '/elements/api-v2/instances/5', status: 503 })
    assert.equal((await rejection(angry.getInstance(5))).code, 'not_found')
    assert.equal(thrown(() => client({ logger: 'console' })).field, 'logger')
  })

  test('an Instance has the API fields and unknown ones; inspect hides the token, toJSON keeps it', async () => {
    const c = client({ timeout: 30000, maxRetries: 2 })
    const inst = await c.createInstance({ ...BASIC, name: 'Element Instance Name', tags: ['Docs'] })
    assert.ok(inst instanceof oc.Instance)
    assert.equal(typeof inst.id, 'number')
    assert.equal(inst.name, 'Element Instance Name')
    assert.deepEqual(inst.tags, ['Docs'])
    assert.equal(inst.elementId, 5993)
    assert.ok(inst.createdDate instanceof Date && !Number.isNaN(inst.createdDate.getTime()))
    assert.equal(typeof inst.toJSON().createdDate, 'string')
    assert.equal(inst.elementKey, 'insightly')
    assert.equal(inst.configuration.username, 'claudeelements')
    const token = inst.token
    assert.ok(typeof token === 'string' && token.length > 8)
    for (const text of [inspect(inst), inspect(inst, { showHidden: true, depth: Infinity }), inspect([inst]), inspect({ inst }), String(inst)]) {
      assert.ok(!text.includes(token), text)
      assert.ok(!text.includes('Pa55-w0rd!'), text)
    }
    assert.ok(inspect(inst).includes('[REDACTED]'))
    const json = JSON.parse(JSON.stringify(inst))
    assert.equal(json.token, token)
    assert.deepEqual(inst.toJSON(), json)
    const again = new oc.Instance(inst.toJSON())
    assert.equal(again.token, token)
    const fromJson = oc.Instance.fromJSON(JSON.parse(JSON.stringify(inst)))
    assert.deepEqual(fromJson.toJSON(), inst.toJSON())
    assert.equal(fromJson.createdDate.getTime(), inst.createdDate.getTime())
    const bad = thrown(() => oc.Instance.fromJSON({ id: 1 }))
    assert.ok(bad instanceof oc.InvalidInputError && bad.field === 'json', String(bad))

    // A field named like a method stays in toJSON() and never hides the method.
    await sandbox.fault({ method: 'POST', path: INSTANCES, status: 200, body: { id: 8, name: 'n', token: 'tok-en-5678', toJSON: 'x', toString: 'y' } })
    const shadow = await c.createInstance(BASIC)
    assert.equal(String(shadow), '[Instance 8]')
    assert.equal(shadow.toJSON().toString, 'y')
    assert.ok(!inspect(shadow).includes('tok-en-5678'))
    // `__proto__` sent by the server is a plain field: it never sets the prototype.
    const proto = new oc.Instance(JSON.parse('{"id": 9, "name": "n", "token": "tok-en-9012", "__proto__": {"polluted": true}}'))
    assert.ok(proto instanceof oc.Instance && Object.getPrototypeOf(proto) === oc.Instance.prototype)
    assert.ok(Object.hasOwn(proto, '__proto__'))
    assert.equal(proto.polluted, undefined)
    assert.deepEqual(Object.getOwnPropertyDescriptor(proto, '__proto__').value, { polluted: true })
    assert.equal(proto.id, 9)
    assert.equal(String(proto), '[Instance 9]')

    // An undecodable 2xx keeps its body out of inspect and JSON (it may hold a token).
    await sandbox.fault({ method: 'POST', path: INSTANCES, status: 200, body: { id: 'x', name: 'n', token: 'tok-SECRET-0123456789' } })
    const dec = await rejection(c.createInstance(BASIC))
    assert.ok(dec instanceof oc.ResponseDecodeError)
    for (const text of [String(dec), inspect(dec), JSON.stringify(dec), inspect(dec, { showHidden: false, depth: Infinity })]) {
      assert.ok(!text.includes('tok-SECRET-0123456789'), text)
    }
    assert.ok(typeof dec.body === 'string' && dec.body.includes('[REDACTED]'), dec.body)
    // The body is read on purpose only: not enumerable, so not in inspect or JSON at all.
    assert.ok(!Object.keys(dec).includes('body') && !('body' in JSON.parse(JSON.stringify(dec))))

    // Unknown fields are kept as properties.
    await sandbox.fault({ method: 'POST', path: INSTANCES, status: 200, body: { id: 9, name: 'n', token: 'tok-en-1234', brandNew: { x: [1] } } })
    const odd = await c.createInstance(BASIC)
    assert.deepEqual(odd.brandNew, { x: [1] })
    assert.ok(!inspect(odd).includes('tok-en-1234'))
  })

  test('a client never shows its secrets', () => {
    const c = client({ timeout: 1234 })
    assert.equal(c.baseUrl, sandbox.baseUrl)
    assert.equal(c.timeout, 1234)
    assert.equal(c.maxRetries, 2)
    assert.match(c.userAgent, /^open-connectors-node\/\d+\.\d+\.\d+ \(node v\d+/)
    const texts = [inspect(c), inspect(c, { showHidden: true, depth: Infinity }), JSON.stringify(c), String(c), `${c}`, inspect({ c })]
    for (const text of texts) {
      assert.ok(!text.includes(DEFAULT_USER_SECRET) && !text.includes(DEFAULT_ORGANIZATION_SECRET), text)
    }
    assert.deepEqual(JSON.parse(JSON.stringify(c)), { baseUrl: sandbox.baseUrl, timeout: 1234, maxRetries: 2 })
    assert.deepEqual(Object.keys(c), [])
  })

  test('sends the node user agent', async () => {
    await client().createInstance(BASIC)
    const [r] = await sandbox.journal()
    assert.match(r.headers['user-agent'], /^open-connectors-node\//)
  })

  test('missing options fall back to the OPEN_CONNECTORS_* environment', async () => {
    const script = "const { Client } = require('open-connectors');\n" + "new Client().createInstance({ element: 'insightly', configuration: { username: 'u', password: 'p' } }).then((i) => console.log(typeof i.id))"
    const env = {
      ...process.env,
      OPEN_CONNECTORS_BASE_URL: sandbox.baseUrl,
      OPEN_CONNECTORS_USER_SECRET: DEFAULT_USER_SECRET,
      OPEN_CONNECTORS_ORGANIZATION_SECRET: DEFAULT_ORGANIZATION_SECRET,
    }
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: PKG_DIR, env })
    assert.equal(stdout.trim(), 'number')
  })

  test('200 calls in flight on one client all succeed', async (t) => {
    const c = client({ maxRetries: 0 })
    const N = 200
    const started = performance.now()
    const all = await Promise.all(
      Array.from({ length: N }, (_, i) => c.createInstance({ ...BASIC, name: `concurrent-${i}` })),
    )
    const ms = performance.now() - started
    assert.equal(all.length, N)
    assert.equal(new Set(all.map((i) => i.id)).size, N, 'every call got its own instance')
    assert.deepEqual(all.map((i) => i.name), Array.from({ length: N }, (_, i) => `concurrent-${i}`))
    assert.equal((await sandbox.journal()).length, N)
    t.diagnostic(`${N} concurrent creates in ${ms.toFixed(0)} ms`)
  })

  test('the event loop keeps running while a call waits on the network', async () => {
    await sandbox.fault({ method: 'POST', path: INSTANCES, delay_ms: 800 })
    let ticks = 0
    const timer = setInterval(() => ticks++, 10)
    const started = performance.now()
    try {
      const inst = await client().createInstance(BASIC)
      assert.equal(typeof inst.id, 'number')
    } finally {
      clearInterval(timer)
    }
    const ms = performance.now() - started
    assert.ok(ms >= 750, `the call took ${ms} ms; the delay was not applied`)
    // 800 ms at one tick per 10 ms is ~80 ticks; a blocked loop gives 0 or 1.
    assert.ok(ticks >= 30, `only ${ticks} timer ticks in ${ms.toFixed(0)} ms: the event loop was blocked`)
  })

  test('a Rust panic rejects the Promise (async) or throws (sync); the process lives on', async () => {
    // In a child process, to keep the panic message out of this runner's output.
    const script = `
      const native = require('./native.js')
      const { Client } = require('open-connectors')
      ;(async () => {
        let sync = 'no throw'
        try { native.__panicForTestsSync() } catch (e) { sync = e instanceof Error && /deliberate panic/.test(e.message) }
        let asyncResult = 'no rejection'
        try { await native.__panicForTestsAsync() } catch (e) { asyncResult = e instanceof Error && /deliberate panic/.test(e.message) }
        // The runtime still works after both panics.
        const c = new Client({ baseUrl: process.env.SB, userSecret: '${DEFAULT_USER_SECRET}', organizationSecret: '${DEFAULT_ORGANIZATION_SECRET}', useEnv: false })
        const inst = await c.createInstance({ element: 'insightly', configuration: { username: 'u', password: 'p' } })
        console.log(JSON.stringify({ sync, asyncResult, id: typeof inst.id }))
      })()`
    const env = { ...process.env, SB: sandbox.baseUrl, RUST_BACKTRACE: '0' }
    const { stdout, stderr } = await run(process.execPath, ['-e', script], { cwd: PKG_DIR, env })
    assert.deepEqual(JSON.parse(stdout), { sync: true, asyncResult: true, id: 'number' })
    assert.match(stderr, /deliberate panic/)
  })
})
