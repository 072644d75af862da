// A Node process or worker that ends with calls still in flight ends cleanly: no
// crash, no panic message, the exit code the program chose. Each scenario runs in a
// child process against the sandbox, with the calls held open by a fault's delay.
import { test, describe, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import { Sandbox, DEFAULT_USER_SECRET, DEFAULT_ORGANIZATION_SECRET } from './sandbox.mjs'

const PKG_DIR = fileURLToPath(new URL('..', import.meta.url))
const INSTANCES = '/elements/api-v2/instances'

let sandbox
before(async () => {
  sandbox = await Sandbox.start()
})
after(async () => {
  await sandbox?.stop()
})

/** Runs `source` (an ES module) in a child Node with the sandbox's URL and secrets. */
function runChild(source, { timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
      cwd: PKG_DIR,
      env: {
        ...process.env,
        OC_BASE: sandbox.baseUrl,
        OC_USER: DEFAULT_USER_SECRET,
        OC_ORG: DEFAULT_ORGANIZATION_SECRET,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the child did not exit within ${timeoutMs} ms:\n${stderr}`))
    }, timeoutMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

function assertClean(r, expectedCode, expectedStdout) {
  assert.equal(r.signal, null, `killed by ${r.signal}:\n${r.stderr}`)
  assert.equal(r.code, expectedCode, r.stderr)
  for (const bad of ['panicked', 'FATAL', 'Segmentation', 'Aborted', 'napi_', 'Error:']) {
    assert.ok(!r.stderr.includes(bad), `stderr has "${bad}":\n${r.stderr}`)
  }
  assert.equal(r.stdout, expectedStdout)
}

const PRELUDE = `
import { Client } from 'open-connectors'
const client = new Client({ baseUrl: process.env.OC_BASE, userSecret: process.env.OC_USER,
  organizationSecret: process.env.OC_ORG, maxRetries: 0, timeout: 20000,
  logger: { debug() {}, info() {}, warn() {}, error() {} } })
const calls = []
for (let i = 0; i < 16; i++) calls.push(client.getInstance(987654).catch(() => {}))
`

describe('exit with calls in flight', () => {
  beforeEach(async () => {
    await sandbox.reset()
    // Every call waits 5 s at the sandbox: all of them are in flight when the program ends.
    await sandbox.fault({ method: 'GET', path: `${INSTANCES}/987654`, count: 1000, delay_ms: 5000 })
  })

  test('process.exit() with pending promises exits at once with its code', async () => {
    const started = Date.now()
    const r = await runChild(`${PRELUDE}
setTimeout(() => { console.log('exiting'); process.exit(3) }, 100)
`)
    assertClean(r, 3, 'exiting\n')
    assert.ok(Date.now() - started < 4500, 'the exit waited for the calls')
  })

  test('an uncaught exception with pending promises ends the process as Node does', async () => {
    const r = await runChild(`${PRELUDE}
setTimeout(() => { process.stdout.write('throwing\\n'); process.exitCode = 0; throw new RangeError('boom') }, 100)
`)
    assert.equal(r.signal, null, r.stderr)
    assert.equal(r.code, 1)
    assert.ok(r.stderr.includes('RangeError: boom'), r.stderr)
    assert.ok(!r.stderr.includes('panicked') && !r.stderr.includes('FATAL'), r.stderr)
  })

  test('a program whose last calls are still pending waits for them, then exits 0', async () => {
    // Like fetch: a pending call keeps the event loop alive until it settles.
    const r = await runChild(`
import { Client, NotFoundError } from 'open-connectors'
const client = new Client({ baseUrl: process.env.OC_BASE, userSecret: process.env.OC_USER,
  organizationSecret: process.env.OC_ORG, maxRetries: 0, timeout: 300 })
client.getInstance(987654).catch((e) => console.log(e instanceof Error ? e.code : 'not an error'))
`)
    assertClean(r, 0, 'timeout\n')
  })

  test('calls settle in a worker too, and a worker whose calls are done ends by itself', async () => {
    // Each JavaScript thread has its own completion queue; once its calls are settled
    // it no longer holds the thread's event loop open.
    const r = await runChild(`
import { Worker } from 'node:worker_threads'
const source = ${JSON.stringify(`
const { Client, NotFoundError } = require('open-connectors')
const client = new Client({ baseUrl: process.env.OC_BASE, userSecret: process.env.OC_USER,
  organizationSecret: process.env.OC_ORG, maxRetries: 0 })
Promise.all(Array.from({ length: 40 }, (_, i) => client.getInstance(1000 + i).then(() => 'found', (e) => e instanceof NotFoundError)))
  .then((all) => require('node:worker_threads').parentPort.postMessage(all.filter((x) => x === true).length))
`)}
for (let round = 0; round < 2; round++) {
  const w = new Worker(source, { eval: true, execArgv: [] })
  const [settled, code] = await Promise.all([
    new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject) }),
    new Promise((resolve) => w.once('exit', resolve)),
  ])
  console.log('worker settled', settled, 'exited', code)
}
`)
    assertClean(r, 0, 'worker settled 40 exited 0\nworker settled 40 exited 0\n')
  })

  test('a worker terminated with calls in flight leaves the process healthy', async () => {
    const r = await runChild(`
import { Worker } from 'node:worker_threads'
const source = ${JSON.stringify(`${PRELUDE.replace("import { Client } from 'open-connectors'", "const { Client } = require('open-connectors')")}
require('node:worker_threads').parentPort.postMessage('started')
`)}
for (let round = 0; round < 3; round++) {
  const w = new Worker(source, { eval: true, execArgv: [] })
  await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject) })
  await new Promise((resolve) => setTimeout(resolve, 50))
  const code = await w.terminate()
  console.log('worker ended', code)
}
console.log('main goes on')
`)
    assertClean(r, 0, 'worker ended 1\nworker ended 1\nworker ended 1\nmain goes on\n')
  })
})
