// An installed npm package at work (`make test-install`).
// Run from the application folder the package was installed into: checks that
// `open-connectors` resolves where it was installed (not the repository), then
// creates an instance against the sandbox, finds it by tag, reads it back and deletes it.
'use strict'

const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const path = require('node:path')
const fs = require('node:fs')

async function main() {
  // Usage: node smoke.cjs <folder the package must resolve inside> [--no-rust]
  const app = fs.realpathSync(process.cwd())
  const inside = fs.realpathSync(process.argv[2])
  const resolved = fs.realpathSync(require.resolve('open-connectors', { paths: [app] }))
  assert.ok(resolved.startsWith(inside + path.sep), `open-connectors resolved to ${resolved}, outside ${inside}`)
  if (process.argv.includes('--no-rust')) {
    for (const tool of ['cargo', 'rustc']) {
      let found = null
      try {
        found = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim()
      } catch {
        // not found: what this run wants
      }
      assert.equal(found, null, `${tool} is on PATH: ${found}`)
    }
  }
  const { Client, NotFoundError } = require(resolved)
  const client = new Client({ timeout: 30_000 })
  const inst = await client.createInstance({
    element: 'insightly',
    name: 'installed tarball',
    tags: ['install-node'],
    configuration: { username: 'claudeelements', password: 'password' },
  })
  assert.ok(inst.token && !require('node:util').inspect(inst).includes(inst.token), 'the token is missing or shown')
  const found = (await client.listInstances({ tags: ['install-node'] }).toArray()).map((i) => i.id)
  assert.deepEqual(found, [inst.id])
  assert.equal((await client.getInstance(inst.id)).name, 'installed tarball')
  await client.deleteInstance(inst.id)
  await assert.rejects(client.getInstance(inst.id), NotFoundError)
  console.log(`npm: created, listed, read and deleted instance ${inst.id} (${path.dirname(resolved)})`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
