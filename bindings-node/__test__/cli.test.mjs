// The package's `bin` (cli.js, `npx open-connectors`) runs the Rust command line
// through the native module, against the sandbox.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { Sandbox, DEFAULT_USER_SECRET, DEFAULT_ORGANIZATION_SECRET } from './sandbox.mjs'

const PKG_DIR = fileURLToPath(new URL('..', import.meta.url))

let sandbox
before(async () => {
  sandbox = await Sandbox.start()
})
after(async () => {
  await sandbox?.stop()
})

test('the bin runs the command line', () => {
  const pkg = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8'))
  assert.equal(pkg.bin['open-connectors'], 'cli.js')
  const env = {
    PATH: process.env.PATH,
    OPEN_CONNECTORS_BASE_URL: sandbox.baseUrl,
    OPEN_CONNECTORS_USER_SECRET: DEFAULT_USER_SECRET,
    OPEN_CONNECTORS_ORGANIZATION_SECRET: DEFAULT_ORGANIZATION_SECRET,
    OPEN_CONNECTORS_CONFIG: join(mkdtempSync(join(tmpdir(), 'oc-cli-')), 'config.toml'),
  }
  const run = (...args) =>
    spawnSync(process.execPath, [join(PKG_DIR, pkg.bin['open-connectors']), ...args], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    })
  const created = run('instances', 'create', 'insightly', '--name', 'from npm', '--tag', 'node',
    '--config', 'username=u', '--config', 'password=p')
  assert.equal(created.status, 0, created.stderr)
  const instance = JSON.parse(created.stdout)
  assert.equal(instance.name, 'from npm')
  const listed = run('instances', 'list', '--tag', 'node')
  assert.equal(listed.status, 0, listed.stderr)
  assert.deepEqual(JSON.parse(listed.stdout).map((i) => i.id), [instance.id])
  const missing = run('instances', 'get', '1')
  assert.equal(missing.status, 5)
  assert.match(missing.stderr, /^error\[not_found\]: /)
})
