#!/usr/bin/env node
// The `open-connectors` command (the package's `bin`): the Rust command line (the
// repository's cli/ crate) run through the native module, so there is one
// implementation. `npx open-connectors --help` lists the commands; they, their flags
// and their help come from the core's operation table.
'use strict'

const { runCli } = require('./native.js')

process.exitCode = runCli(['open-connectors', ...process.argv.slice(2)])
