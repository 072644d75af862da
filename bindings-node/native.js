// The loader of the native module (bindings-node/src/, built by `npm run build`, by
// `npm install` from a source folder (install.js), or shipped in a release tarball).
// Hand-written, in place of the loader `napi build` can generate: one file per
// platform beside this one, and a message that says what to do when it is missing.
'use strict'

const { existsSync, readdirSync } = require('node:fs')
const { nativePath, platformSuffix } = require('./platform.js')

/** The error `require('open-connectors')` throws when this platform has no native module. */
function missingNative(file) {
  const here = __dirname
  let shipped = []
  try {
    shipped = readdirSync(here).filter((f) => f.endsWith('.node'))
  } catch {
    // Unreadable folder: say nothing about what it holds.
  }
  const fromSource = existsSync(require('node:path').join(here, 'Cargo.toml'))
  const lines = [
    `open-connectors: no native module for this platform (${platformSuffix()}): ${file} is missing.`,
  ]
  if (fromSource) {
    lines.push(
      'This is a source folder: the module is compiled from Rust during `npm install` when `cargo` is on PATH.',
      `Install Rust (https://rustup.rs), then run \`npm install\` again, or \`npm run build\` in ${here}`,
      '(a few minutes); or install a release tarball built by `make dist`.',
    )
  } else {
    lines.push(
      shipped.length
        ? `This package carries native modules for other platforms only: ${shipped.join(', ')}.`
        : 'This package carries no native module.',
      'Install the tarball built for this platform (`make dist` on it), or install from the source folder with Rust installed.',
    )
  }
  const err = new Error(lines.join('\n'))
  err.code = 'ERR_OPEN_CONNECTORS_NATIVE_MISSING'
  return err
}

// NAPI_RS_NATIVE_LIBRARY_PATH points at another build of the module (napi's own loaders honour it too).
const file = process.env.NAPI_RS_NATIVE_LIBRARY_PATH || nativePath()
if (!process.env.NAPI_RS_NATIVE_LIBRARY_PATH && !existsSync(file)) {
  throw missingNative(file)
}
module.exports = require(file)
