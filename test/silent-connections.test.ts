import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:https';
import { describe, test, type TestContext } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import { DEFAULT_LIMITS } from '../src/serve/limits.js';
import { createLogging } from '../src/log/logger.js';
import { createFallbackServer } from '../src/serve/https.js';
import { listenOnLoopback } from './helpers/listen.js';
import { sleep } from './helpers/load.js';
import { TEST_CONFIG } from './helpers/server.js';
import { makePki } from './helpers/tls.js';

const SILENT_MS = 1_000;
const REQUEST = 'GET /gpu/mtl?go-get=1 HTTP/1.1\r\nHost: localhost\r\n\r\n';

async function startServer(t: TestContext): Promise<{ server: Server; port: number; ca: string }> {
  const pki = await makePki(t);
  const leaf = await pki.issue('server', ['localhost']);
  const { logger } = createLogging('silent');
  const server = createFallbackServer({
    config: TEST_CONFIG,
    tls: leaf,
    limits: { ...DEFAULT_LIMITS, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000, silentConnectionMs: SILENT_MS },
    logger,
    logRequest: undefined,
  });
  return { server, port: await listenOnLoopback(t, server), ca: pki.ca.cert };
}

async function open(port: number, ca: string): Promise<TLSSocket> {
  const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
  await once(socket, 'secureConnect');
  return socket;
}

const connections = (server: Server): Promise<number> => new Promise((resolve, reject) => {
  server.getConnections((error, count) => { if (error) reject(error); else resolve(count); });
});

// Each test has its own server: they run side by side.
describe('silent connections', { concurrency: true }, () => {
  test('a connection on which nothing moves either way is cut once the silent time has passed', async (t) => {
    // Every other limit far off: what cuts it is the silent time alone.
    const { server, port, ca } = await startServer(t);
    const silent = await open(port, ca);
    let closedAt: number | undefined;
    silent.on('close', () => { closedAt = Date.now(); });
    const closedAfter = (): number | undefined => (closedAt === undefined ? undefined : closedAt - started);
    const started = Date.now();
    await sleep(SILENT_MS / 2);
    assert.equal(closedAfter(), undefined, 'not cut before the silent time');
    assert.equal(await connections(server), 1);
    while (closedAfter() === undefined && Date.now() - started < 10_000) await sleep(50);
    const closedAfterMs = closedAfter();
    assert.ok(closedAfterMs !== undefined, 'cut');
    // Looked at every third of the silent time: cut between it and 4/3 of it, give or take a busy machine.
    assert.ok(closedAfterMs >= SILENT_MS && closedAfterMs < 3 * SILENT_MS, `cut after ${closedAfterMs} ms`);
    assert.equal(await connections(server), 0);
  });

  test('a slow client that keeps asking is not cut, however long it stays', async (t) => {
    const { server, port, ca } = await startServer(t);
    const slow = await open(port, ca);
    let received = '';
    slow.setEncoding('latin1').on('data', (chunk: string) => { received += chunk; });
    let closed = false;
    slow.on('close', () => { closed = true; });
    // A request every 300 ms for over twice the silent time.
    const requests = 7;
    for (let i = 0; i < requests; i++) {
      slow.write(REQUEST);
      await sleep(300);
    }
    assert.equal(closed, false, 'the connection is still open');
    assert.equal(received.split('HTTP/1.1 200 OK').length - 1, requests, 'every request answered on it');
    assert.equal(await connections(server), 1);
    slow.destroy();
  });
});
