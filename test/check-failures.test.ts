import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { runCli } from './helpers/process.js';
import { listenOnLoopback } from './helpers/listen.js';
import { makePki, type TestPki } from './helpers/tls.js';

const MODULE = 'dmitri.shuralyov.com/gpu/mtl';

/** Runs check against a primary that fails; the mirror is never reached. Backoff is short: tries are counted, not timed. */
async function checkPrimary(t: TestContext, pki: TestPki, primary: string, extra: string[] = []) {
  const started = Date.now();
  const result = await runCli(t, ['check', '--primary', primary, '--mirror', 'https://localhost:1', '--backoff', '0.01',
    '--max-backoff', '0.02', ...extra, MODULE], { env: { NODE_EXTRA_CA_CERTS: pki.caFile } });
  const line = /^ {2}not checked: {4}primary: GET (\S+): (.*)$/m.exec(result.stdout);
  return { code: result.code, url: line?.[1], reason: line?.[2], stdout: result.stdout, seconds: (Date.now() - started) / 1000 };
}

/** A TCP server that counts connections and does what it is told with each. */
async function tcpServer(t: TestContext, onConnection: (socket: Socket) => void): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => { socket.destroy(); });
    onConnection(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => { for (const socket of sockets) socket.destroy(); server.close(); });
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

/** An HTTPS server with the certificate that counts connections. */
async function httpsServer(t: TestContext, tls: { cert: string; key: string }): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = createHttpsServer({ cert: tls.cert, key: tls.key }, (_req, res) => res.end());
  server.on('connection', () => { connections++; });
  return { port: await listenOnLoopback(t, server), connections: () => connections };
}

describe('check fails at once on what another try cannot change, and says why in words', { concurrency: true }, () => {
  test('a name that does not exist', async (t) => {
    const pki = await makePki(t);
    const result = await checkPrimary(t, pki, 'https://nosuch.invalid');
    assert.equal(result.code, 1);
    assert.equal(result.reason, 'the name nosuch.invalid does not exist (DNS has no address for it)', result.stdout);
    assert.doesNotMatch(result.stdout, /ENOTFOUND|getaddrinfo/);
  });

  test('a refused connection', async (t) => {
    const pki = await makePki(t);
    // A port nothing listens on: listen, note it, close.
    const free = createServer().listen(0, '127.0.0.1');
    await once(free, 'listening');
    const port = (free.address() as AddressInfo).port;
    await new Promise((resolve) => free.close(resolve));
    const result = await checkPrimary(t, pki, `https://localhost:${port}`);
    assert.equal(result.code, 1);
    assert.equal(result.reason, `connection refused: nothing is listening at localhost:${port}`, result.stdout);
  });

  test('a certificate for another name', async (t) => {
    const pki = await makePki(t);
    const server = await httpsServer(t, await pki.issue('other', ['example.com']));
    const result = await checkPrimary(t, pki, `https://localhost:${server.port}`);
    assert.equal(result.reason, `the certificate at localhost:${server.port} is not for localhost`, result.stdout);
    assert.equal(server.connections(), 1, 'no retry');
  });

  test('a certificate no trusted CA signed', async (t) => {
    const pki = await makePki(t);
    const server = await httpsServer(t, await (await makePki(t)).issue('stranger', ['localhost']));
    const result = await checkPrimary(t, pki, `https://localhost:${server.port}`);
    assert.equal(result.reason,
      `the certificate at localhost:${server.port} is not signed by a CA this machine trusts (NODE_EXTRA_CA_CERTS adds one)`, result.stdout);
    assert.equal(server.connections(), 1, 'no retry');
  });

  test('a reset, and a TLS handshake that never completes within --timeout, are tried again and told once', async (t) => {
    const pki = await makePki(t);
    const cases: [onConnection: (socket: Socket) => void, args: string[], reason: string][] = [
      [(socket) => { socket.resetAndDestroy(); }, [], 'the connection was closed before the answer was complete (3 tries)'],
      [() => undefined, ['--timeout', '0.3'], 'no answer within 0.3 s (3 tries)'],
    ];
    for (const [onConnection, args, reason] of cases) {
      const server = await tcpServer(t, onConnection);
      const result = await checkPrimary(t, pki, `https://localhost:${server.port}`, ['--retries', '2', ...args]);
      assert.equal(result.reason, reason, result.stdout);
      assert.equal(server.connections(), 3);
      // The stalled connects end with their tries, not at the HTTP client's own
      // 10 s connect timeout (left at that default, this check takes 11 s).
      assert.ok(result.seconds < 8, `took ${result.seconds} s`);
    }
  });
});
