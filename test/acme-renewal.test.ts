// When certificates are ordered and renewed, and what the server does while a
// CA fails: the pure timing and routing rules, then against Pebble issuing
// certificates that live seconds: renewal while requests flow, a CA down at
// start and again at renewal, and the bound on a handshake's wait.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, request } from 'node:https';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { routeHandshake, type HelloFacts } from '../src/tls/acme/handshake-route.js';
import {
  DEFAULT_RETRY, MAX_TIMER_MS, isFresh, isUsable, nextOrderTime, renewalTime, retryDelay, timerDelay,
} from '../src/tls/acme/renewal.js';
import { DOMAIN, handshake, startAcmeCli, startAcmeInProcess } from './helpers/acme.js';
import { freePort } from './helpers/free-port.js';
import { preparePebble, skipWithoutPebble } from './helpers/pebble.js';
import { tempDir } from './helpers/tls.js';

const skip = skipWithoutPebble();
const DAY = 86_400_000;
const T0 = Date.parse('2030-01-01T00:00:00Z');
const ninetyDays = { notBefore: new Date(T0), notAfter: new Date(T0 + 90 * DAY) };

test('renewal comes when a third of the lifetime is left, from the certificate\'s own dates', () => {
  assert.equal(renewalTime(ninetyDays), T0 + 60 * DAY);
  assert.equal(renewalTime({ notBefore: new Date(T0), notAfter: new Date(T0 + 9_000) }), T0 + 6_000);
  assert.equal(isFresh(ninetyDays, T0 + 59 * DAY), true);
  assert.equal(isFresh(ninetyDays, T0 + 60 * DAY), false);
  assert.equal(isUsable(ninetyDays, T0 + 89 * DAY), true);
  assert.equal(isUsable(ninetyDays, T0 + 90 * DAY), false);
  assert.equal(isUsable(ninetyDays, T0 - 1), false, 'not yet valid');
});

test('failed orders back off from a minute to an hour', () => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) => retryDelay(n, DEFAULT_RETRY) / 60_000);
  assert.deepEqual(delays, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
  assert.equal(retryDelay(3, { minMs: 100, maxMs: 250 }), 250);
});

test('timers never overflow, and the next timed order follows the certificate and the challenge available', () => {
  assert.equal(timerDelay(T0 + 60 * DAY, T0), MAX_TIMER_MS, 'a 60-day wait is cut to what a timer holds, then re-planned');
  assert.equal(timerDelay(T0 - 5, T0), 0);
  const cases: [current: typeof ninetyDays | undefined, http: boolean, retryAt: number, next: number | undefined][] = [
    [ninetyDays, true, 0, T0 + 60 * DAY],
    [ninetyDays, false, 0, T0 + 60 * DAY],
    [ninetyDays, true, T0 + 61 * DAY, T0 + 61 * DAY],
    [ninetyDays, true, T0 + 91 * DAY, T0 + 91 * DAY],
    // tls-alpn-01 past the end: only a handshake (clients reach this server) starts an order.
    [ninetyDays, false, T0 + 91 * DAY, undefined],
    [undefined, true, 0, 0],
    [undefined, true, T0, T0],
    [undefined, false, 0, undefined],
  ];
  for (const [current, http, retryAt, next] of cases) {
    assert.equal(nextOrderTime(current, http, retryAt), next, JSON.stringify({ current, http, retryAt }));
  }
});

test('each ClientHello is routed: the CA\'s validation, the domain, a wait for an order, or refused', () => {
  const state = (hasUsableCertificate: boolean, mayOrder: boolean, pending = false) =>
    ({ hasUsableCertificate, mayOrder, challengePending: (name: string) => pending && name === DOMAIN });
  const hello = (serverName: string | undefined, alpn: string[] = []): HelloFacts => ({ serverName, alpn });
  const cases: [HelloFacts | undefined, ReturnType<typeof state>, string][] = [
    [undefined, state(true, true), 'refuse:not a TLS ClientHello'],
    [hello(undefined), state(true, true), 'refuse:no server name'],
    [hello(''), state(true, true), 'refuse:no server name'],
    [hello('other.example'), state(false, true), 'refuse:not the domain'],
    [hello(`${DOMAIN}.`), state(false, true), 'refuse:not the domain'],
    [hello(`x.${DOMAIN}`), state(false, true), 'refuse:not the domain'],
    [hello('other.example', ['acme-tls/1']), state(false, true, true), 'refuse:not the domain'],
    [hello(DOMAIN, ['acme-tls/1']), state(false, true, true), 'challenge'],
    [hello('DMITRI.Shuralyov.COM', ['acme-tls/1']), state(true, true, true), 'challenge'],
    [hello(DOMAIN, ['acme-tls/1']), state(true, true, false), 'refuse:no challenge pending'],
    [hello(DOMAIN, ['h2', 'http/1.1']), state(true, false), 'serve'],
    [hello('Dmitri.Shuralyov.com'), state(true, false), 'serve'],
    [hello(DOMAIN), state(false, true), 'wait-for-order'],
    [hello(DOMAIN), state(false, false), 'refuse:no certificate yet, and the last order failed'],
  ];
  for (const [facts, routeState, expected] of cases) {
    const route = routeHandshake(facts, DOMAIN, routeState);
    assert.equal(route.kind === 'refuse' ? `refuse:${route.reason}` : route.kind, expected, JSON.stringify(facts));
  }
});

/** GET /.ping over https; resolves with the status and the local port of the connection used. */
function ping(port: number, ca: string, agent: Agent | false): Promise<{ status: number; localPort: number | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/.ping', servername: DOMAIN, headers: { host: DOMAIN }, ca, agent },
      (res) => {
        res.resume();
        res.on('end', () => { resolve({ status: res.statusCode ?? 0, localPort: req.socket?.localPort }); });
      });
    req.on('error', reject);
    req.end();
  });
}

test('a short-lived certificate is renewed in time while requests flow: none fails, open connections stay',
  { skip, timeout: 30_000 }, async (t) => {
    const site = await preparePebble(t);
    const store = await tempDir(t, 'modfallback-acme-store-');
    const { cli, port } = await startAcmeCli(t, { directoryUrl: site.directoryUrl, caFile: site.listenerCaFile, store });
    // Certificates of nine seconds: renewal is due six seconds after each is issued.
    const pebble = await site.start({ httpPort: await freePort(), tlsPort: port, validitySeconds: 9 });
    const root = await pebble.root();
    const first = await handshake(port, root, DOMAIN);
    assert.ok('fingerprint' in first, JSON.stringify(first));
    const obtained = await cli.waitForLog((l) => l.msg === 'certificate obtained');

    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => { agent.destroy(); });
    const failures: string[] = [];
    const seen: { renewed: boolean; localPort: number | undefined }[] = [];
    let renewed = false;
    let after = 0;
    const flow = async (keepAlive: boolean): Promise<void> => {
      // Paced, not a flood: two clients, one on a kept-alive connection, one on a new connection each time.
      while (after < 20) {
        try {
          const result = await ping(port, root, keepAlive ? agent : false);
          if (result.status !== 200) failures.push(`status ${result.status}`);
          if (keepAlive) seen.push({ renewed, localPort: result.localPort });
        } catch (error) {
          failures.push(String(error));
        }
        if (renewed) after++;
        await delay(25);
      }
    };
    const flows = Promise.all([flow(true), flow(false)]);
    const renewal = await cli.waitForLog((l) => l.msg === 'certificate renewed', 15_000);
    renewed = true;
    await flows;

    assert.deepEqual(failures, [], 'no request failed across the renewal');
    assert.equal(renewal.trigger, 'renewal');
    assert.equal(renewal.challenge, 'tls-alpn-01');
    assert.ok(Date.parse(String(renewal.notAfter)) > Date.parse(String(obtained.notAfter)));
    const due = Date.parse(String(obtained.renewAt));
    assert.ok(Date.parse(String(renewal.time)) >= due, 'not before a third of the lifetime was left');
    assert.ok(Date.parse(String(renewal.time)) < Date.parse(String(obtained.notAfter)), 'before the old one ran out');
    const before = seen.filter((s) => !s.renewed).map((s) => s.localPort);
    assert.ok(seen.some((s) => s.renewed && before.includes(s.localPort)), 'a connection opened before the renewal still serves');
    const now = await handshake(port, root, DOMAIN);
    assert.ok('fingerprint' in now && now.fingerprint !== first.fingerprint, 'new connections get the new certificate');
    assert.equal(pebble.orders(), 2);
  });

test('a CA down at start is retried until it is back; down at renewal, the server keeps its certificate and says so',
  { skip, timeout: 30_000 }, async (t) => {
    const site = await preparePebble(t);
    const port = await freePort();
    const httpPort = await freePort();
    const server = await startAcmeInProcess(t, {
      directoryUrl: site.directoryUrl, trustedCaPem: site.listenerCaPem, port, httpPort,
      tuning: { retry: { minMs: 200, maxMs: 800 } },
    });
    const down = await server.waitForLog((l) => l.msg === 'certificate order failed');
    assert.match(JSON.stringify(down.problem), /cannot reach the CA/);
    assert.equal(down.retryBy, 'timer');
    assert.ok('error' in await handshake(port, site.listenerCaPem, DOMAIN), 'no certificate yet: refused, not hung');

    let pebble = await site.start({ httpPort, tlsPort: port, validitySeconds: 9 });
    const obtained = await server.waitForLog((l) => l.msg === 'certificate obtained');
    assert.equal(obtained.trigger, 'retry');
    assert.equal(obtained.challenge, 'http-01');
    const oldRoot = await pebble.root();
    const first = await handshake(port, oldRoot, DOMAIN);
    assert.ok('fingerprint' in first);

    await pebble.stop();
    const failed = await server.waitForLog((l) => l.msg === 'certificate order failed' && l.trigger === 'renewal', 15_000);
    assert.match(String(failed.serving), /^the previous certificate, valid until /);
    assert.deepEqual(await handshake(port, oldRoot, DOMAIN), first, 'still serving the certificate it has');

    pebble = await site.start({ httpPort, tlsPort: port, validitySeconds: 9 });
    const renewed = await server.waitForLog((l) => l.msg === 'certificate renewed');
    assert.equal(renewed.trigger, 'retry');
    assert.equal(renewed.challenge, 'http-01', 'renewal by http-01 when there is an http listener');
    const now = await handshake(port, await pebble.root(), DOMAIN);
    assert.ok('fingerprint' in now && now.fingerprint !== first.fingerprint);
  });

test('a handshake waits for an on-demand order no longer than the bound, and later ones join the same order', async (t) => {
  // A CA that takes connections and never answers.
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => { sockets.add(socket); });
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  t.after(() => new Promise((resolve) => {
    for (const socket of sockets) socket.destroy();
    silent.close(resolve);
  }));
  const server = await startAcmeInProcess(t, {
    directoryUrl: `https://127.0.0.1:${(silent.address() as AddressInfo).port}/dir`, tuning: { orderWaitMs: 400 },
  });
  for (let i = 0; i < 2; i++) {
    const started = Date.now();
    const result = await handshake(server.port, '', DOMAIN);
    const waited = Date.now() - started;
    assert.ok('error' in result);
    assert.ok(waited >= 350 && waited < 3_000, `waited ${waited} ms for a 400 ms bound`);
  }
  await server.waitForLog((l) => l.msg === 'handshake refused' && l.reason === 'the order did not finish in time');
  assert.equal(server.logs.filter((l) => l.msg === 'ordering a certificate').length, 1, 'one order, still running');
});
