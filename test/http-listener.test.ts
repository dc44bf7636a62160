import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Answer } from '../src/core/answer.js';
import { createHttpResponder, type ChallengeLookup } from '../src/core/redirect.js';
import { createHttpServer } from '../src/serve/http.js';
import { DEFAULT_LIMITS } from '../src/serve/limits.js';
import { createLogging } from '../src/log/logger.js';
import { tempDir } from './helpers/tls.js';

const decide = createHttpResponder({ domain: 'dmitri.shuralyov.com', httpsPort: 443, maxUrlLength: 2048, acme: true });
const ask = (target: string, method = 'GET'): Answer | ChallengeLookup => decide({ method, target, hostHeaders: 1 });

test('valid challenge tokens are looked up; nothing else under the webroot can be named', () => {
  assert.deepEqual(ask('/.well-known/acme-challenge/abc_DEF-123'), { kind: 'challenge', token: 'abc_DEF-123' });
  assert.deepEqual(ask('/.well-known/acme-challenge/abc?x=1', 'HEAD'), { kind: 'challenge', token: 'abc' });
  for (const target of [
    '/.well-known/acme-challenge/', '/.well-known/acme-challenge/../../etc/passwd', '/.well-known/acme-challenge/a/b',
    '/.well-known/acme-challenge/%2e%2e', '/.well-known/acme-challenge/a.b', '/.well-known/acme-challenge/..',
    `/.well-known/acme-challenge/${'a'.repeat(256)}`,
  ]) {
    const answer = ask(target);
    assert.equal(answer.kind, 'not-found', target);
  }
  assert.equal(ask('/.well-known/acme-challenge/abc', 'POST').kind, 'method-not-allowed');
});

test('everything else is redirected to https with the same path and query (308)', () => {
  const cases: [target: string, location: string][] = [
    ['/gpu/mtl?go-get=1', 'https://dmitri.shuralyov.com/gpu/mtl?go-get=1'],
    ['/', 'https://dmitri.shuralyov.com/'],
    ['/.well-known/other', 'https://dmitri.shuralyov.com/.well-known/other'],
  ];
  for (const [target, location] of cases) {
    const answer = ask(target);
    assert.equal(answer.kind, 'redirect');
    assert.equal(answer.status, 308);
    assert.equal(answer.headers.location, location);
    assert.doesNotMatch(answer.body, /gpu/, 'the body echoes nothing from the request');
  }
  const onPort = createHttpResponder({ domain: 'example.org', httpsPort: 8443, maxUrlLength: 2048, acme: false });
  const challenge = onPort({ method: 'GET', target: '/.well-known/acme-challenge/abc', hostHeaders: 1 });
  assert.equal(challenge.kind, 'redirect', 'without a webroot, challenges are redirected too');
  assert.equal(challenge.headers.location, 'https://example.org:8443/.well-known/acme-challenge/abc');
});

test('targets that are not paths, or not safe in a header, are refused', () => {
  for (const target of ['*', 'http://evil.example/', '/a b', '/caf\u00e9', '/a\u0000']) {
    assert.equal(ask(target).kind, 'bad-request', JSON.stringify(target));
  }
  assert.equal(decide({ method: 'GET', target: '/x', hostHeaders: 2 }).kind, 'bad-request');
  assert.equal(ask(`/${'x'.repeat(3000)}`).kind, 'uri-too-long');
});

async function startHttp(t: TestContext, webroot: string | undefined): Promise<number> {
  const server = createHttpServer({
    config: { domain: 'dmitri.shuralyov.com', httpsPort: 443, maxUrlLength: 2048 }, webroot, limits: DEFAULT_LIMITS,
    ...createLogging('silent'),
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
  return (server.address() as AddressInfo).port;
}

function get(port: number, path: string): Promise<{ status: number; location: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => { body += s; });
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }); });
    }).on('error', reject).end();
  });
}

test('the listener serves challenge files from the webroot, and nothing outside it', async (t) => {
  const webroot = await tempDir(t, 'modfallback-webroot-');
  const challenges = join(webroot, '.well-known', 'acme-challenge');
  await mkdir(challenges, { recursive: true });
  await writeFile(join(challenges, 'tok_en-1'), 'tok_en-1.key-authorization');
  await writeFile(join(webroot, 'secret'), 'not for the world');
  await symlink(join(webroot, 'secret'), join(challenges, 'link'));
  const port = await startHttp(t, webroot);

  const found = await get(port, '/.well-known/acme-challenge/tok_en-1');
  assert.equal(found.status, 200);
  assert.equal(found.body, 'tok_en-1.key-authorization');
  assert.equal((await get(port, '/.well-known/acme-challenge/missing')).status, 404);
  const link = await get(port, '/.well-known/acme-challenge/link');
  assert.equal(link.status, 404, 'a symlink is not followed');
  assert.doesNotMatch(link.body, /not for the world/);
  assert.equal((await get(port, '/.well-known/acme-challenge/..%2fsecret')).status, 404);

  const moved = await get(port, '/gpu/mtl?go-get=1');
  assert.equal(moved.status, 308);
  assert.equal(moved.location, 'https://dmitri.shuralyov.com/gpu/mtl?go-get=1');
});
