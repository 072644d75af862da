// The local platform emulator (tests/sandbox) for the Node tests: started once per
// test file from OC_SANDBOX_BIN, driven through its control API with built-in fetch.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

/** The sandbox's default credentials (the platform docs' first example pair). */
export const DEFAULT_USER_SECRET = 'sAfK7LJGNz5ZHcNrvdJvLI=f03WbTbH6aRKc0HJ3oOIi'
export const DEFAULT_ORGANIZATION_SECRET = '58168435e3b9959a929eb04b6218b9a2'

const START_TIMEOUT_MS = 15_000

export class Sandbox {
  constructor(child, baseUrl) {
    this.child = child
    /** e.g. `http://127.0.0.1:PORT/elements/api-v2` */
    this.baseUrl = baseUrl
    /** e.g. `http://127.0.0.1:PORT` */
    this.root = new URL(baseUrl).origin
  }

  /** Starts `$OC_SANDBOX_BIN --port 0 --quiet --exit-on-stdin-eof`; its first stdout line is the base URL. */
  static async start() {
    const bin = process.env.OC_SANDBOX_BIN
    if (!bin) {
      throw new Error('OC_SANDBOX_BIN is not set: build the sandbox (make sandbox) and point it at target/<triple>/debug/oc-sandbox')
    }
    const child = spawn(bin, ['--port', '0', '--quiet', '--exit-on-stdin-eof'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    const baseUrl = await new Promise((resolve, reject) => {
      const lines = createInterface({ input: child.stdout })
      const timer = setTimeout(() => {
        child.kill()
        reject(new Error(`the sandbox printed no URL within ${START_TIMEOUT_MS} ms`))
      }, START_TIMEOUT_MS)
      child.once('error', (e) => {
        clearTimeout(timer)
        reject(new Error(`could not start the sandbox ${bin}: ${e.message}`))
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`the sandbox exited (${code ?? signal}) before printing its URL`))
      })
      lines.once('line', (line) => {
        clearTimeout(timer)
        lines.close()
        resolve(line.trim())
      })
    })
    // Keep draining stdout so the sandbox never blocks on a full pipe.
    child.stdout.resume()
    const sandbox = new Sandbox(child, baseUrl)
    const health = await fetch(`${sandbox.root}/__sandbox/health`)
    if (!health.ok) throw new Error(`sandbox health check: HTTP ${health.status}`)
    return sandbox
  }

  async #post(path, body) {
    const r = await fetch(`${this.root}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    })
    const text = await r.text()
    if (!r.ok) throw new Error(`sandbox control ${path}: HTTP ${r.status} ${text}`)
  }

  /** Forgets journal, faults, instances and used OAuth codes. */
  reset() {
    return this.#post('/__sandbox/reset', {})
  }

  /** Scripts a fault (see tests/sandbox/README.md). */
  fault(fault) {
    return this.#post('/__sandbox/faults', fault)
  }

  /** Every request received under the platform prefix, oldest first. */
  async journal() {
    const r = await fetch(`${this.root}/__sandbox/journal`)
    if (!r.ok) throw new Error(`sandbox journal: HTTP ${r.status}`)
    const body = await r.json()
    if (!Array.isArray(body?.requests)) throw new Error('sandbox journal: no requests array')
    return body.requests
  }

  /** Closes its stdin (it exits by itself) and waits; kills it if it lingers. */
  async stop() {
    const child = this.child
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.stdin.end()
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
    await exited
    clearTimeout(timer)
  }
}
