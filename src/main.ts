#!/usr/bin/env node
// Entry point of the modfallback command: runs the bundled command line
// through the code cache beside it (see cached-script.ts).
import { fileURLToPath } from 'node:url';
import { loadCachedScript } from './cached-script.js';
import type { run } from './cli.js';

/** The command line bundle's file name, beside this file: scripts/bundle.mjs sets it. */
declare const CLI_BUNDLE: string;

// After listening, long enough for a server's first requests, so that the
// cache holds the code that answers them too.
const SAVE_CACHE_AFTER_MS = 1000;

const bundle = fileURLToPath(new URL(CLI_BUNDLE, import.meta.url));
// The bundle's name carries a hash of its contents, and the cache's name the
// V8 it was made by: a cache never meets code or a V8 it was not made from.
const cli = loadCachedScript(bundle, `${bundle}.${process.arch}-v8-${process.versions.v8}.cache`);

const exitCode = await (cli.exports as { run: typeof run }).run(process.argv.slice(2));
if (exitCode !== undefined) {
  process.exitCode = exitCode;
} else if (cli.cache !== 'used') {
  // A server is up. Only a server writes the cache: it holds what ran, and a
  // start is what it is for, not check or certs, which would leave out serve.
  setTimeout(cli.saveCache, SAVE_CACHE_AFTER_MS).unref();
}
