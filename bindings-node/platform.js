// Which native module this platform needs, and where it lives: the file name that
// `napi build --platform` gives it (`open-connectors.<platform>.node`, beside this file).
// Shared by the loader (native.js) and the install-time build (install.js).
'use strict'

const { readFileSync } = require('node:fs')
const path = require('node:path')

const BINARY_NAME = 'open-connectors'

/** Whether this Linux runs on musl rather than glibc (napi's own tests, cheapest first). */
function isMusl() {
  try {
    return readFileSync('/usr/bin/ldd', 'utf-8').includes('musl')
  } catch {
    // No ldd (a slim image): ask the runtime which C library it was started with.
  }
  try {
    return !process.report.getReport().header.glibcVersionRuntime
  } catch {
    return false
  }
}

/** The platform part of the file name, e.g. `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`. */
function platformSuffix() {
  const { platform, arch } = process
  if (platform === 'linux') {
    const libc = isMusl() ? 'musl' : 'gnu'
    return arch === 'arm' ? `linux-arm-${libc}eabihf` : `linux-${arch}-${libc}`
  }
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

/** The native module's absolute path for this platform. */
function nativePath() {
  return path.join(__dirname, `${BINARY_NAME}.${platformSuffix()}.node`)
}

module.exports = { BINARY_NAME, platformSuffix, nativePath }
