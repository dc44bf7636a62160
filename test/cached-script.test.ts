import assert from 'node:assert/strict';
import { cp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCachedScript } from '../src/cached-script.js';
import { httpsRequest } from './helpers/https.js';
import { DOMAIN, startCheckWorld } from './helpers/check-world.js';
import { runCli, startCli, CLI } from './helpers/process.js';
import { makePki, tempDir } from './helpers/tls.js';

// Each test its own source: V8 also keeps compiled scripts in memory, keyed by
// source, and a hit there would hide what the cache file did.
let sources = 0;
const uniqueComment = (): string => `// source ${String(++sources)} of ${String(process.pid)}\n`;

async function writeScripts(dir: string): Promise<string> {
  await writeFile(join(dir, 'helper.cjs'), 'exports.double = (n) => n * 2;\n');
  const main = join(dir, 'main.cjs');
  await writeFile(main, `${uniqueComment()}const { double } = require('./helper.cjs');
module.exports = { answer: double(21), file: __filename, dir: __dirname, thisIsExports: this === exports,
  work: (n) => { let sum = 0; for (let i = 0; i < n; i++) sum += i % 7; return sum; } };
`);
  return main;
}

test('a CommonJS file runs as require() would run it: its own require, __filename, __dirname and this', async (t) => {
  const dir = await tempDir(t, 'modfallback-script-');
  const main = await writeScripts(dir);
  const loaded = loadCachedScript(main, join(dir, 'main.cache'));
  assert.equal(loaded.cache, 'absent');
  assert.deepEqual({ ...(loaded.exports as object), work: undefined },
    { answer: 42, file: main, dir, thisIsExports: true, work: undefined });
});

test('the cache written after running holds the functions that ran, which one written at load does not', async (t) => {
  const dir = await tempDir(t, 'modfallback-script-');
  const cacheFile = join(dir, 'main.cache');
  const loaded = loadCachedScript(await writeScripts(dir), cacheFile);
  assert.equal(loaded.saveCache(), true);
  const atLoad = (await stat(cacheFile)).size;
  assert.equal((loaded.exports as { work: (n: number) => number }).work(100), 295);
  assert.equal(loaded.saveCache(), true);
  assert.ok((await stat(cacheFile)).size > atLoad, 'work() compiled, and in the cache');
  assert.deepEqual((await readdir(dir)).sort(), ['helper.cjs', 'main.cache', 'main.cjs'], 'no partial file is left');
});

test('a damaged cache is refused by V8 and the file runs as without one', async (t) => {
  const dir = await tempDir(t, 'modfallback-script-');
  const cacheFile = join(dir, 'main.cache');
  await writeFile(cacheFile, Buffer.alloc(4096, 0x5a));
  const loaded = loadCachedScript(await writeScripts(dir), cacheFile);
  assert.equal(loaded.cache, 'rejected');
  assert.equal((loaded.exports as { answer: number }).answer, 42);
});

test('a cache that cannot be written is skipped: no exception, no partial file', async (t) => {
  const dir = await tempDir(t, 'modfallback-script-');
  const notADirectory = join(dir, 'helper.cjs');
  const loaded = loadCachedScript(await writeScripts(dir), join(notADirectory, 'main.cache'));
  assert.equal(loaded.saveCache(), false);
  assert.deepEqual((await readdir(dir)).sort(), ['helper.cjs', 'main.cjs']);
});

test('a started server keeps a code cache beside the bundle: written once, used by the next start, replaced when damaged', async (t) => {
  // A copy of the install, as npm would lay it out (dist and package.json), so
  // that no other test's server writes the same cache meanwhile.
  const root = await tempDir(t, 'modfallback-install-');
  await cp(join(CLI, '..', '..', 'package.json'), join(root, 'package.json'));
  await cp(join(CLI, '..'), join(root, 'dist'), { recursive: true, filter: (f) => !f.endsWith('.cache') });
  const cli = join(root, 'dist', 'modfallback.js');
  const pki = await makePki(t);
  const leaf = await pki.issue('leaf', ['localhost']);
  const caches = async (): Promise<string[]> => (await readdir(join(root, 'dist'))).filter((f) => f.endsWith('.cache'));

  /** Starts a server from the copy, has it answer, and stops it after `runMs`. */
  const serveOnce = async (runMs: number): Promise<void> => {
    const server = startCli(t, ['--cert', leaf.certFile, '--key', leaf.keyFile, '--port', '0', '--host', '127.0.0.1'], { cli });
    const port = Number((await server.waitForLog((l) => l.msg === 'listening')).port);
    const answer = await httpsRequest({ port, ca: pki.ca.cert, path: '/gpu/mtl?go-get=1' });
    assert.equal(answer.status, 200);
    await new Promise((resolve) => setTimeout(resolve, runMs));
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  };
  const waitForCache = async (): Promise<Buffer> => {
    for (let tries = 0; tries < 100; tries++) {
      const [name] = await caches();
      if (name !== undefined) return readFile(join(root, 'dist', name));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('no cache written');
  };

  // Another command, however long it runs, writes none: it would leave serve's code out.
  const world = await startCheckWorld(t);
  world.failNext(2); // two retries, 1.5 s of back-off
  const check = await runCli(t, ['check', '--primary', world.primary, '--mirror', world.mirror, `${DOMAIN}/state/v2`],
    { cli, env: { NODE_EXTRA_CA_CERTS: world.pki.caFile } });
  assert.equal(check.code, 0, check.stdout);
  assert.equal(world.mirrorRequests.length, 3, 'the check ran past the second after which a server writes the cache');
  assert.deepEqual(await caches(), []);

  await serveOnce(1_500); // past the second after which a start without a cache writes one
  const written = await waitForCache();
  const [name = ''] = await caches();
  assert.match(name, new RegExp(`^cli-[0-9a-f]{16}\\.cjs\\.${process.arch}-v8-.+\\.cache$`));
  const cacheFile = join(root, 'dist', name);
  const { ino } = await stat(cacheFile);

  await serveOnce(1_500);
  assert.equal((await stat(cacheFile)).ino, ino, 'a cache V8 took is left as it is');

  const damaged = Buffer.alloc(written.length, 0x5a);
  await writeFile(cacheFile, damaged);
  await serveOnce(1_500);
  const replaced = await readFile(cacheFile);
  assert.notDeepEqual(replaced, damaged, 'a cache V8 refused is written anew');
  assert.deepEqual(await caches(), [name]);
});
