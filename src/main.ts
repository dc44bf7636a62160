#!/usr/bin/env node
// The modfallback command: runs the command line and leaves its exit code for
// Node to use; a running server keeps the process alive on its own.
import { run } from './cli/program.js';

const exitCode = await run(process.argv.slice(2));
if (exitCode !== undefined) process.exitCode = exitCode;
