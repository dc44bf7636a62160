// The Worker in real workerd: the same contract as the Node server when it has
// no origin, and in front of an origin on loopback, passing through while the
// origin answers and answering go get lookups itself when it does not. One
// workerd runs several copies of the Worker, told apart by Host header.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { parseGoImports } from '../src/check/go-import.js';
import { checkContract } from './helpers/contract.js';
import { startEdge, type RunningEdge } from './helpers/edge.js';
import { httpsRequest, type HttpsAnswer } from './helpers/https.js';
import { ORIGIN_PAGE, closedPort, startOrigin } from './helpers/origin.js';

const DOMAIN = 'dmitri.shuralyov.com';
const UP = 'origin.test';
const DOWN = 'down.test';
const BAD = 'bad.test';
const TIMEOUT_MS = 1500;
/** Time allowed past the origin timeout for the fallback's answer to arrive. */
const MARGIN_MS = 2000;

type Ask = (host: string, path: string, options?: { method?: string; headers?: Record<string, string> }) => Promise<HttpsAnswer>;

function asker(edge: RunningEdge): Ask {
  return (host, path, { method = 'GET', headers = {} } = {}) =>
    httpsRequest({ port: edge.port, ca: edge.ca, path, method, headers: { host, ...headers } });
}

function mirrorTag(answer: HttpsAnswer): string[] {
  return parseGoImports(answer.body).map((i) => `${i.prefix} ${i.vcs} ${i.repoRoot}`);
}

/** Waits for the Worker's line about its own answer to this request, and checks why it gave it. */
async function assertLogged(edge: RunningEdge, msg: string, url: string, reason: string, status: number): Promise<void> {
  const line = await edge.waitForLog((l) => l.msg === msg && l.url === url && l.reason === reason);
  assert.equal(line.status, status);
}

test('the Worker in workerd', { timeout: 60_000 }, async (t) => {
  const origin = await startOrigin(t);
  const vars = { MODFALLBACK_ORIGIN_TIMEOUT: String(TIMEOUT_MS / 1000) };
  const edge = await startEdge(t, [
    { vars: {} },
    { vars: { ...vars, MODFALLBACK_ORIGIN: origin.url }, hosts: [UP] },
    { vars: { ...vars, MODFALLBACK_ORIGIN: `http://127.0.0.1:${await closedPort()}` }, hosts: [DOWN] },
    { vars: { MODFALLBACK_MIRROR: 'ftp://mirror.example' }, hosts: [BAD] },
  ]);
  const ask = asker(edge);

  await t.test('with no origin: every row of the contract, as the Node server answers it', (t) => checkContract(t, edge));
  await t.test('with no origin: one log line per answer', () =>
    assertLogged(edge, 'fallback', '/gpu/mtl/example/movingobjects?go-get=1', 'no origin', 200));

  await t.test('origin up: its own go-import answer passes through unchanged', async () => {
    const answer = await ask(UP, '/gpu/mtl?go-get=1');
    assert.equal(answer.status, 200);
    assert.equal(answer.body, ORIGIN_PAGE);
    assert.deepEqual(mirrorTag(answer), [`${DOMAIN}/gpu/mtl git https://github.com/shurcooL/mtl`]);
    assert.equal(answer.headers['x-origin'], 'yes');
    assert.equal(answer.headers['cache-control'], 'max-age=300');
    assert.deepEqual(answer.headers['set-cookie'], ['a=1', 'b=2']);
  });

  await t.test('origin up: other pages pass through unchanged, redirects not followed, 4xx kept for go-get too', async () => {
    const missing = await ask(UP, '/no/such/page');
    assert.deepEqual([missing.status, missing.body, missing.headers['x-origin']], [404, 'origin has no such page\n', 'yes']);
    const moved = await ask(UP, '/moved');
    assert.deepEqual([moved.status, moved.headers.location], [301, 'https://dmitri.shuralyov.com/elsewhere']);
    const lookup = await ask(UP, '/no/such?go-get=1');
    assert.deepEqual([lookup.status, lookup.body], [404, 'origin has no such page\n']);
    const head = await ask(UP, '/gpu/mtl?go-get=1', { method: 'HEAD' });
    assert.deepEqual([head.status, head.body, head.headers['x-origin']], [200, '', 'yes']);
  });

  await t.test('origin up: a POST, its query and its body pass through; the origin learns the host asked for', async () => {
    const body = createHash('sha256').update('seed').digest('hex').repeat(2000);
    const answer = await httpsRequest({
      port: edge.port, ca: edge.ca, path: '/echo?x=1', method: 'POST', body,
      headers: { host: UP, 'content-type': 'text/plain', 'x-end-to-end': 'kept' },
    });
    assert.equal(answer.status, 200);
    const seen = JSON.parse(answer.body) as { method: string; url: string; body: string; headers: Record<string, string> };
    assert.deepEqual([seen.method, seen.url, seen.body.length], ['POST', '/echo?x=1', body.length]);
    assert.equal(seen.body, body);
    assert.equal(seen.headers['x-end-to-end'], 'kept');
    assert.equal(seen.headers['content-type'], 'text/plain');
    assert.equal(seen.headers['x-forwarded-host'], UP);
    assert.equal(seen.headers['x-forwarded-proto'], 'https');
  });

  await t.test('origin up: no hop-by-hop header is forwarded, either way', async () => {
    const answer = await ask(UP, '/echo', {
      headers: {
        connection: 'keep-alive, x-client-hop', 'x-client-hop': '1', 'keep-alive': 'timeout=77', te: 'trailers',
        'proxy-authorization': 'Basic c2VjcmV0', 'x-end-to-end': 'kept',
      },
    });
    const seen = (JSON.parse(answer.body) as { headers: Record<string, string | undefined> }).headers;
    assert.equal(seen['x-end-to-end'], 'kept');
    for (const name of ['x-client-hop', 'te', 'proxy-authorization']) assert.equal(seen[name], undefined, name);
    assert.notEqual(seen['keep-alive'], 'timeout=77');
    assert.doesNotMatch(seen.connection ?? '', /x-client-hop/);

    const back = await ask(UP, '/hop');
    assert.equal(back.headers['x-end'], '1');
    assert.equal(back.headers['x-origin-hop'], undefined);
    assert.notEqual(back.headers['keep-alive'], 'timeout=99');
  });

  await t.test('origin answering 503: the fallback answers go get; other requests get the 503', async () => {
    const lookup = await ask(UP, '/fail/gpu?go-get=1');
    assert.equal(lookup.status, 200);
    assert.deepEqual(mirrorTag(lookup), [`${DOMAIN}/fail/gpu mod https://proxy.golang.org`]);
    await assertLogged(edge, 'fallback', '/fail/gpu?go-get=1', 'status 503', 200);
    const page = await ask(UP, '/fail/page');
    assert.deepEqual([page.status, page.body, page.headers['retry-after']], [503, 'origin overloaded\n', '30']);
  });

  await t.test('origin too slow: the fallback answers within the timeout plus a margin; other requests get 504', async () => {
    const timed = async (path: string): Promise<[HttpsAnswer, number]> => {
      const started = performance.now();
      const answer = await ask(UP, path);
      return [answer, performance.now() - started];
    };
    // At once: each waits out the same timeout.
    const [[slow, slowMs], [stalled, stalledMs], [page, pageMs]] = await Promise.all([
      timed('/slow/gpu?go-get=1'), timed('/stall/gpu?go-get=1'), timed('/slow/page'),
    ]);
    for (const ms of [slowMs, stalledMs, pageMs]) {
      assert.ok(ms >= TIMEOUT_MS - 50 && ms < TIMEOUT_MS + MARGIN_MS, `answered after ${Math.round(ms)} ms`);
    }
    assert.deepEqual(mirrorTag(slow), [`${DOMAIN}/slow/gpu mod https://proxy.golang.org`]);
    // Headers and then silence is no answer either: the go command would wait for the rest.
    assert.deepEqual(mirrorTag(stalled), [`${DOMAIN}/stall/gpu mod https://proxy.golang.org`]);
    assert.equal(page.status, 504);
    assert.equal(page.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(page.body, 'Gateway timeout: the origin server did not answer within 1.5 s.\n');
    await assertLogged(edge, 'fallback', '/slow/gpu?go-get=1', 'timeout', 200);
    await assertLogged(edge, 'fallback', '/stall/gpu?go-get=1', 'timeout', 200);
    await assertLogged(edge, 'origin failed', '/slow/page', 'timeout', 504);
  });

  await t.test('origin down: the fallback answers go get, GET and HEAD; other requests get 502', async () => {
    const lookup = await ask(DOWN, '/gpu/mtl?go-get=1');
    assert.deepEqual(mirrorTag(lookup), [`${DOMAIN}/gpu/mtl mod https://proxy.golang.org`]);
    const head = await ask(DOWN, '/gpu/mtl?go-get=1', { method: 'HEAD' });
    assert.deepEqual([head.status, head.headers['content-length']], [200, lookup.headers['content-length']]);
    await assertLogged(edge, 'fallback', '/gpu/mtl?go-get=1', 'unreachable', 200);
    const page = await ask(DOWN, '/blog');
    assert.equal(page.status, 502);
    assert.equal(page.body, `Bad gateway: the origin server for ${DOMAIN} could not be reached.\n`);
    await assertLogged(edge, 'origin failed', '/blog', 'unreachable', 502);
    const post = await ask(DOWN, '/gpu/mtl?go-get=1', { method: 'POST' });
    assert.equal(post.status, 502, 'only GET and HEAD lookups are answered by the fallback');
  });

  await t.test('a bad variable: every request gets 500 and one line saying which and why, and the line is logged', async () => {
    const line = 'modfallback: MODFALLBACK_MIRROR "ftp://mirror.example": It must be an https (or http) URL.';
    for (const path of ['/gpu/mtl?go-get=1', '/']) {
      const answer = await ask(BAD, path);
      assert.deepEqual([answer.status, answer.body, answer.headers['content-type']], [500, `${line}\n`, 'text/plain; charset=utf-8']);
    }
    const logged = await edge.waitForLog((l) => l.msg === 'bad configuration');
    assert.equal(logged.error, line);
  });

});

test('on a Cloudflare route ("zone"): requests go to the zone origin as they came', { timeout: 30_000 }, async (t) => {
  // Miniflare's upstream gives requests the URL they would have on a route in front of the origin.
  const origin = await startOrigin(t);
  const edge = await startEdge(t, [{ vars: { MODFALLBACK_ORIGIN: 'zone', MODFALLBACK_ORIGIN_TIMEOUT: '1' } }], origin.url);
  const ask = asker(edge);
  const own = await ask(DOMAIN, '/gpu/mtl?go-get=1');
  assert.equal(own.body, ORIGIN_PAGE);
  const failing = await ask(DOMAIN, '/fail/gpu?go-get=1');
  assert.deepEqual(mirrorTag(failing), [`${DOMAIN}/fail/gpu mod https://proxy.golang.org`]);
  await assertLogged(edge, 'fallback', '/fail/gpu?go-get=1', 'status 503', 200);
  assert.deepEqual(origin.requests.map((r) => r.url), ['/gpu/mtl?go-get=1', '/fail/gpu?go-get=1']);
  assert.equal(origin.requests[0]?.headers['x-forwarded-host'], undefined, 'the Host header is kept, not replaced');
});

