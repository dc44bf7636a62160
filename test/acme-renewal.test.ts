// Renewal, and what the server does while a CA fails, against Pebble issuing
// certificates that live seconds: renewal while requests flow, a stale stored
// certificate renewed at start, a CA down at start and again at renewal, and
// the bound on a handshake's wait.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { caFolderName } from '../src/tls/acme/store.js';
import { DOMAIN, handshake, refusedByServer, startAcmeCli, startAcmeInProcess } from './helpers/acme.js';
import { freePort } from './helpers/free-port.js';
import { preparePebble, skipWithoutPebble } from './helpers/pebble.js';
import { makePki, tempDir } from './helpers/tls.js';

const skip = skipWithoutPebble();

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
    assert.ok(Number(renewal.time) >= due, 'not before a third of the lifetime was left');
    assert.ok(Number(renewal.time) < Date.parse(String(obtained.notAfter)), 'before the old one ran out');
    const before = seen.filter((s) => !s.renewed).map((s) => s.localPort);
    assert.ok(seen.some((s) => s.renewed && before.includes(s.localPort)), 'a connection opened before the renewal still serves');
    const now = await handshake(port, root, DOMAIN);
    assert.ok('fingerprint' in now && now.fingerprint !== first.fingerprint, 'new connections get the new certificate');
    assert.equal(pebble.orders(), 2);
  });

test('a stored certificate with less than a third of its life left is renewed at start', { skip, timeout: 30_000 }, async (t) => {
  const pki = await makePki(t);
  const stale = await pki.issue('stale', [DOMAIN], { notBefore: new Date(Date.now() - 80 * 86_400_000), days: 90 });
  const site = await preparePebble(t);
  const store = await tempDir(t, 'modfallback-acme-store-');
  await mkdir(join(store, caFolderName(site.directoryUrl)), { recursive: true });
  await writeFile(join(store, caFolderName(site.directoryUrl), `${DOMAIN}.pem`), `${stale.cert}${stale.key}`, { mode: 0o600 });
  const port = await freePort();
  const httpPort = await freePort();
  const pebble = await site.start({ httpPort, tlsPort: port, validitySeconds: 3600 });
  const { cli } = await startAcmeCli(t, {
    directoryUrl: site.directoryUrl, caFile: site.listenerCaFile, store, port, extra: ['--http-port', String(httpPort)],
  });
  assert.ok(cli.logs.some((l) => l.msg === 'the stored certificate is due for renewal'));
  const renewed = await cli.waitForLog((l) => l.msg === 'certificate renewed');
  assert.equal(renewed.trigger, 'renewal');
  assert.equal(renewed.challenge, 'http-01');
  assert.match(String(renewed.issuer), /Pebble/);
  assert.ok('fingerprint' in await handshake(port, await pebble.root(), DOMAIN), 'the renewed certificate is served');
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
    assert.ok(await refusedByServer(port, DOMAIN), 'no certificate yet: refused, not hung');

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
    const refused = await refusedByServer(server.port, DOMAIN);
    const waited = Date.now() - started;
    assert.ok(refused);
    assert.ok(waited >= 350 && waited < 3_000, `waited ${waited} ms for a 400 ms bound`);
  }
  await server.waitForLog((l) => l.msg === 'handshake refused' && l.reason === 'the order did not finish in time');
  assert.equal(server.logs.filter((l) => l.msg === 'ordering a certificate').length, 1, 'one order, still running');
});
