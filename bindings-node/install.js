#!/usr/bin/env node
// `npm install` of this package (its `install` script). A release tarball carries the
// native module for its platform: nothing to do. A source folder (the repository's
// bindings-node/, installed with `npm install <path>/bindings-node`) has none until it is
// compiled: this builds it with cargo (release profile, the committed Cargo.lock) and
// puts it where native.js looks, or stops with a message that says what is missing.
//
// OPEN_CONNECTORS_NO_NATIVE_BUILD=1 skips the build (the repository's Makefile sets it:
// its tests build the debug module with `napi build` themselves).
'use strict'

const { existsSync, copyFileSync, renameSync } = require('node:fs')
const { spawnSync } = require('node:child_process')
const path = require('node:path')
const { nativePath, platformSuffix } = require('./platform.js')

const CRATE = 'open-connectors-node'
const LIB = CRATE.replaceAll('-', '_')

function fail(lines) {
  process.stderr.write(`\nopen-connectors: ${lines.join('\n  ')}\n\n`)
  process.exit(1)
}

/** Builds the crate's cdylib and returns its path (from cargo's own JSON messages). */
function cargoBuild(manifest, cargo) {
  const args = ['build', '--release', '--locked', '--manifest-path', manifest, '--message-format=json-render-diagnostics']
  process.stderr.write(`open-connectors: compiling the native module (${cargo} ${args.join(' ')}); a few minutes\n`)
  const run = spawnSync(cargo, args, { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' })
  if (run.error) fail([`could not run ${cargo}: ${run.error.message}`])
  if (run.status !== 0) fail([`\`cargo build\` failed (exit status ${run.status}); its messages are above.`])
  let built = null
  for (const line of run.stdout.split('\n')) {
    if (!line.startsWith('{')) continue
    let msg
    try {
      msg = JSON.parse(line)
    } catch {
      continue
    }
    if (msg.reason === 'compiler-artifact' && msg.target?.name === LIB && msg.target.kind.includes('cdylib')) {
      built = msg.filenames.find((f) => /\.(so|dylib|dll)$/.test(f)) ?? built
    }
  }
  if (!built) fail([`\`cargo build\` succeeded but named no library of ${CRATE}.`])
  return built
}

function main() {
  const target = nativePath()
  if (existsSync(target)) return // a release tarball, or built before
  if (process.env.OPEN_CONNECTORS_NO_NATIVE_BUILD === '1') return
  const manifest = path.join(__dirname, 'Cargo.toml')
  if (!existsSync(manifest)) {
    fail([
      `this package has no native module for this platform (${platformSuffix()}) and no Rust sources to build one.`,
      'Install the tarball built for this platform (`make dist` on it).',
    ])
  }
  const cargo = process.env.CARGO || 'cargo'
  const probe = spawnSync(cargo, ['--version'], { stdio: 'ignore' })
  if (probe.error || probe.status !== 0) {
    fail([
      `no native module for this platform (${platformSuffix()}) yet, and \`${cargo}\` was not found on PATH to compile it.`,
      'Installing from a source folder compiles the Rust core: install Rust (https://rustup.rs) and run `npm install` again,',
      'or install a release tarball built by `make dist` (no Rust needed).',
    ])
  }
  const started = Date.now()
  const built = cargoBuild(manifest, cargo)
  // Copy next to the target, then rename: a reader never sees half a file.
  const partial = `${target}.partial`
  copyFileSync(built, partial)
  renameSync(partial, target)
  process.stderr.write(`open-connectors: built ${path.basename(target)} in ${Math.round((Date.now() - started) / 1000)} s\n`)
}

main()
