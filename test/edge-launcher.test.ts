// npm run edge as a user meets it: one line and exit 2 for a bad option, exit 1
// for a file it cannot use, a Worker that answers over HTTPS with the given
// certificate, and SIGINT stopping workerd before it exits 0. Then the
// shipped wrangler configuration, bundled for deploy by wrangler itself, offline.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EDGE_LAUNCHER, alive, startEdgeCli, workerdChildren } from './helpers/edge-process.js';
import { httpsRequest } from './helpers/https.js';
import { runCli } from './helpers/process.js';
import { makePki, tempDir } from './helpers/tls.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('bad options: one line on stderr naming the option and the rule, and exit 2; an unusable file: exit 1', async (t) => {
  const cases: [args: string[], code: number, line: RegExp][] = [
    [['--cert', 'c.pem', '--key', 'k.pem'], 2, /^modfallback-edge: required option '--port <n>' not specified/],
    [['--port', 'x', '--cert', 'c.pem', '--key', 'k.pem'], 2, /^modfallback-edge: option '--port <n>' argument 'x' is invalid\. It must be a whole number/],
    [['--port', '0', '--key', 'k.pem'], 2, /^modfallback-edge: required option '--cert <file>' not specified/],
    [['--port', '0', '--cert', 'c.pem', '--key', 'k.pem', '--mirror', 'ftp://x'], 2, /'--mirror <url>' argument 'ftp:\/\/x' is invalid\. It must be an https \(or http\) URL\./],
    [['--port', '0', '--cert', 'c.pem', '--key', 'k.pem', '--domain', 'localhost'], 2, /'--domain <name>' argument 'localhost' is invalid/],
    [['--port', '0', '--cert', 'c.pem', '--key', 'k.pem', '--origin', 'https://o.example?x'], 2, /'--origin <url>' argument .* It must not have a query\./],
    [['--port', '0', '--cert', 'c.pem', '--key', 'k.pem', '--origin-timeout', '2'], 2, /^modfallback-edge: --origin-timeout needs --origin/],
    [['--port', '0', '--cert', 'c.pem', '--key', 'k.pem', '--origin', 'http://127.0.0.1:1', '--origin-timeout', '0'], 2, /'--origin-timeout <seconds>' argument '0' is invalid/],
    [['--port', '0', '--cert', '/no/such/cert.pem', '--key', 'k.pem'], 1, /^modfallback-edge: --cert \/no\/such\/cert\.pem: cannot read: no such file or directory$/],
  ];
  const results = await Promise.all(cases.map(([args]) => runCli(t, args, EDGE_LAUNCHER)));
  cases.forEach(([args, code, line], i) => {
    const result = results[i];
    assert.ok(result);
    assert.equal(result.code, code, args.join(' '));
    assert.equal(result.stderr.split('\n').length, 2, `one line: ${result.stderr}`);
    assert.match(result.stderr.trimEnd(), line);
    assert.equal(result.stdout, '');
  });
});

test('serves over HTTPS with the given certificate, logs its answers, and SIGINT stops workerd before exit 0', async (t) => {
  const pki = await makePki(t);
  const leaf = await pki.issue('edge', ['localhost']);
  const cli = startEdgeCli(t, ['--port', '0', '--cert', leaf.certFile, '--key', leaf.keyFile, '--domain', 'go.example.org']);
  const listening = await cli.waitForLog((line) => line.msg === 'listening');
  const answer = await httpsRequest({ port: Number(listening.port), ca: pki.ca.cert, path: '/x?go-get=1' });
  assert.match(answer.body, /content="go\.example\.org\/x mod https:\/\/proxy\.golang\.org"/);
  await cli.waitForLog((line) => line.msg === 'fallback' && line.url === '/x?go-get=1' && line.reason === 'no origin');

  const workerd = await workerdChildren(cli.child.pid ?? 0);
  assert.equal(workerd.length, 1);
  cli.child.kill('SIGINT');
  assert.equal(await cli.exited, 0, cli.stderr());
  assert.deepEqual(workerd.filter(alive), []);
  assert.match(cli.stderr(), /stopped on SIGINT\n$/);
});

test('the shipped wrangler.toml bundles the Worker for deploy, offline, with the variables it documents', async (t) => {
  const out = await tempDir(t, 'modfallback-wrangler-');
  const child = spawn(process.execPath, [
    join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'),
    'deploy', '--dry-run', '-c', 'src/edge/wrangler.toml', '--outdir', out,
  ], {
    cwd: ROOT,
    // Wrangler is told to send nothing and to check for no update; its own files go to a temporary home.
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false', WRANGLER_HIDE_BANNER: 'true', HOME: out, XDG_CONFIG_HOME: out },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => { output += s; });
  child.stderr.setEncoding('utf8').on('data', (s: string) => { output += s; });
  const [code] = await once(child, 'close') as [number | null];
  assert.equal(code, 0, output);
  for (const name of ['DOMAIN', 'MIRROR', 'CACHE_MAX_AGE', 'ORIGIN', 'ORIGIN_TIMEOUT']) {
    assert.match(output, new RegExp(`env\\.MODFALLBACK_${name} `), name);
  }
  const bundle = await readFile(join(out, 'worker.js'), 'utf8');
  // The Worker runs without Node's APIs (no nodejs_compat flag): nothing from node: may be in it.
  assert.doesNotMatch(bundle, /from\s*["']node:|require\(["']node:/);
  assert.match(bundle, /createResponder/);
});
