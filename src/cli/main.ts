#!/usr/bin/env node
// The `netserv` executable (package.json "bin"): everything else is in ./run-cli.ts.
import { processIo } from './process-io.js'
import { runCli } from './run-cli.js'

process.exitCode = await runCli(process.argv.slice(2), processIo)
