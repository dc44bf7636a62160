import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGoImports } from '../src/check/go-import.js';
import { issueServerCertificate } from '../src/certs/issue.js';
import { DEFAULT_LIMITS } from '../src/serve/limits.js';
import { createLogging } from '../src/log/logger.js';
import { createFallbackServer } from '../src/serve/https.js';
import { httpsRequest, rawTlsExchange } from './helpers/https.js';
import { TEST_CONFIG, startTestServer } from './helpers/server.js';
import { checkContract } from './helpers/contract.js';
import { makeCaChain } from './helpers/tls.js';
import { listenOnLoopback } from './helpers/listen.js';

test('every row of the contract holds over real HTTPS', async (t) => {
  await checkContract(t, await startTestServer(t));
});

test('the Host header is never reflected, even with markup in it', async (t) => {
  // workerd answers such a Host header itself (500, before any Worker code runs), so the
  // contract table, which both runtimes run, has a plain foreign host.
  const server = await startTestServer(t);
  const page = await httpsRequest({
    port: server.port, ca: server.ca, path: '/x?go-get=1', headers: { host: 'evil.example"><script>' },
  });
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.body, /evil|<script/);
  assert.deepEqual(parseGoImports(page.body).map((i) => i.prefix), ['dmitri.shuralyov.com/x']);
});

test('an answer arrives as the UTF-8 bytes its Content-Length counts, ASCII or not', async (t) => {
  // Every answer the server makes from parsed options is ASCII; one that is
  // not must still be counted and sent as UTF-8.
  for (const mirror of ['https://proxy.golang.org', 'https://proxy.example/m\u00fcller-\u20ac']) {
    const server = await startTestServer(t, { ...TEST_CONFIG, mirror });
    const raw = Buffer.from(await rawTlsExchange(server.port, server.ca,
      'GET /gpu/mtl?go-get=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'), 'latin1');
    const split = raw.indexOf('\r\n\r\n');
    const body = raw.subarray(split + 4);
    const length = /\r\ncontent-length: (\d+)\r\n/i.exec(raw.subarray(0, split).toString('latin1'))?.[1];
    assert.equal(length, String(body.length), mirror);
    assert.deepEqual(parseGoImports(body.toString('utf8')).map((i) => i.repoRoot), [mirror]);
  }
});

test('requests for the same target as the last and for others are each answered and logged as asked', async (t) => {
  // Answers are kept by path: a stale one would answer or log an earlier target.
  const server = await startTestServer(t);
  const targets = ['/a?go-get=1', '/a?go-get=1', '/b?go-get=1', '/a?go-get=1', '/a?go-get=2'];
  const answers = [];
  for (const path of targets) answers.push(await httpsRequest({ port: server.port, ca: server.ca, path }));
  assert.deepEqual(answers.map((answer) => parseGoImports(answer.body).map((i) => i.prefix).join()), [
    'dmitri.shuralyov.com/a', 'dmitri.shuralyov.com/a', 'dmitri.shuralyov.com/b', 'dmitri.shuralyov.com/a', '']);
  assert.deepEqual(answers.map((answer) => answer.status), [200, 200, 200, 200, 404]);
  assert.deepEqual(server.logs().filter((line) => line.msg === 'request').map((line) => line.url), targets);
});

test('request lines a well-behaved client would not send get a clear 4xx', async (t) => {
  const server = await startTestServer(t);
  const exchange = (requestLine: string) =>
    rawTlsExchange(server.port, server.ca, `${requestLine}\r\nHost: localhost\r\nConnection: close\r\n\r\n`);

  const markup = await exchange('GET /x"><script>alert(1)</script>?go-get=1 HTTP/1.1');
  assert.match(markup, /^HTTP\/1\.1 404 /);
  assert.doesNotMatch(markup.split('\r\n\r\n')[1] ?? '', /[<>]/);

  const latin1 = await exchange('GET /caf\u00e9?go-get=1 HTTP/1.1');
  assert.match(latin1, /^HTTP\/1\.1 (400|404) /);

  const absolute = await exchange('GET https://evil.example/x?go-get=1 HTTP/1.1');
  assert.match(absolute, /^HTTP\/1\.1 404 /);
  assert.doesNotMatch(absolute, /go-import/);

  const garbage = await exchange('\u0000\u0001 nonsense');
  assert.match(garbage, /^HTTP\/1\.1 400 /);

  const ping = await httpsRequest({ port: server.port, ca: server.ca, path: '/.ping' });
  assert.equal(ping.status, 200, 'the server still answers');
});

test('every byte a request target can carry is logged as sent, in a line of JSON; the parser refuses the rest', async (t) => {
  // Node's parser refuses control characters in a target: this holds each
  // Node the project runs on to it, and the log to every byte it lets through.
  const server = await startTestServer(t);
  const targetWith = (byte: number): string => `/a${String.fromCharCode(byte)}b?go-get=1`;
  const bytes = Array.from({ length: 0x100 }, (_, byte) => byte);
  const answers = await Promise.all(bytes.map((byte) => rawTlsExchange(server.port, server.ca, Buffer.from(
    `GET ${targetWith(byte)} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`, 'latin1'))));
  const logged = server.logs().filter((line) => line.msg === 'request').map((line) => line.url);
  const visible = bytes.filter((byte) => byte >= 0x21 && byte <= 0x7e);
  assert.deepEqual(new Set(logged), new Set(visible.map(targetWith)), 'each visible ASCII target logged as sent, nothing else');
  for (const byte of bytes.filter((b) => !visible.includes(b))) {
    assert.match(answers[byte] ?? '', /^HTTP\/1\.1 400 /, `byte 0x${byte.toString(16)}`);
  }
});

test('one JSON log line per request with method, target, status, answer, remote address and agent', async (t) => {
  const server = await startTestServer(t);
  await httpsRequest({
    port: server.port, ca: server.ca, path: '/gpu/mtl?go-get=1', headers: { 'user-agent': 'Go-http-client/1.1' },
  });
  const requests = server.logs().filter((line) => line.msg === 'request');
  assert.equal(requests.length, 1);
  const line = requests[0];
  assert.ok(line);
  assert.equal(line.level, 'info');
  assert.equal(line.method, 'GET');
  assert.equal(line.url, '/gpu/mtl?go-get=1');
  assert.equal(line.status, 200);
  assert.equal(line.answer, 'go-import');
  assert.match(String(line.remoteAddress), /127\.0\.0\.1/);
  assert.equal(line.userAgent, 'Go-http-client/1.1');
  assert.ok(typeof line.time === 'number' && Math.abs(line.time - Date.now()) < 60_000, 'pino\'s time: milliseconds since the epoch');
});

test('each request line names the address its own connection came from, for every request on it', async (t) => {
  const server = await startTestServer(t);
  // Two requests on each connection; the whole of 127/8 is loopback on Linux.
  const twoRequests = (tag: string): string => `GET /${tag}/1?go-get=1 HTTP/1.1\r\nHost: localhost\r\n\r\n`
    + `GET /${tag}/2?go-get=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`;
  await rawTlsExchange(server.port, server.ca, twoRequests('one'), { localAddress: '127.0.0.1' });
  await rawTlsExchange(server.port, server.ca, twoRequests('two'), { localAddress: '127.0.0.2' });
  await rawTlsExchange(server.port, server.ca, twoRequests('three'), { localAddress: '127.0.0.1' });
  const addresses = Object.fromEntries(server.logs().filter((line) => line.msg === 'request')
    .map((line) => [String(line.url), line.remoteAddress]));
  assert.deepEqual(addresses, {
    '/one/1?go-get=1': '127.0.0.1', '/one/2?go-get=1': '127.0.0.1',
    '/two/1?go-get=1': '127.0.0.2', '/two/2?go-get=1': '127.0.0.2',
    '/three/1?go-get=1': '127.0.0.1', '/three/2?go-get=1': '127.0.0.1',
  });
});

test('the chain in the certificate file reaches a client that trusts only the root; the leaf alone does not', async (t) => {
  // What the server sends is what --cert holds.
  const { root, intermediate } = await makeCaChain();
  const leaf = await issueServerCertificate(intermediate, ['localhost']);
  const { logger } = createLogging('silent');
  const ask = async (cert: string): Promise<number | string> => {
    const server = createFallbackServer({ config: TEST_CONFIG, tls: { cert, key: leaf.key }, limits: DEFAULT_LIMITS, logger, logRequest: undefined });
    const port = await listenOnLoopback(t, server);
    return httpsRequest({ port, ca: root.cert, path: '/gpu/mtl?go-get=1' })
      .then((answer) => answer.status, (error: unknown) => (error as NodeJS.ErrnoException).code ?? String(error));
  };
  assert.equal(await ask(leaf.cert + intermediate.cert), 200);
  assert.equal(await ask(leaf.cert), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
});
