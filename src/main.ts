#!/usr/bin/env node
// Entry point of the modfallback command.
import module from 'node:module';

// Node 22.1 and later can keep compiled code between runs: a standby must start
// fast. Enabled before the rest is loaded, so that it covers all of it.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const { run } = await import('./cli.js');
const exitCode = await run(process.argv.slice(2));
if (exitCode !== undefined) process.exitCode = exitCode;
