#!/usr/bin/env node
// Entry point of the modfallback command.
import { run } from './cli.js';

const exitCode = await run(process.argv.slice(2));
if (exitCode !== undefined) process.exitCode = exitCode;
