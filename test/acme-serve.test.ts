// serve --acme as a user runs it, against Let's Encrypt's test CA (Pebble) on
// loopback: the certificate on demand at the first handshake, by http-01 at
// start, kept across restarts, and never ordered for a name it does not serve.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { caFolderName } from '../src/tls/acme/store.js';
import { DOMAIN, handshake, linesSaying, refusedByServer, startAcmeCli } from './helpers/acme.js';
import { freePort } from './helpers/free-port.js';
import { httpsRequest } from './helpers/https.js';
import { preparePebble, skipWithoutPebble } from './helpers/pebble.js';
import { tempDir } from './helpers/tls.js';

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => { body += s; });
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body }); });
    }).on('error', reject).end();
  });
}

const skip = skipWithoutPebble();

test('on demand: the first handshakes for the domain share one order; other names and no SNI start nothing',
  { skip, timeout: 30_000 }, async (t) => {
    const store = await tempDir(t, 'modfallback-acme-store-');
    const site = await preparePebble(t);
    const { directoryUrl } = site;
    // The server first: Pebble must be told which port to validate tls-alpn-01 on.
    const { cli, port } = await startAcmeCli(t, { directoryUrl, caFile: site.listenerCaFile, store });
    const pebble = await site.start({ httpPort: await freePort(), tlsPort: port, validitySeconds: 3600 });
    const root = await pebble.root();

    // Strangers: refused, and no order.
    for (const servername of [undefined, 'other.example', `www.${DOMAIN}`, `${DOMAIN}.evil.example`]) {
      assert.ok(await refusedByServer(port, servername), `${servername ?? 'no SNI'} was refused`);
    }
    await cli.waitForLog((l) => l.msg === 'handshake refused' && l.reason === 'not the domain' && l.serverName === 'other.example');
    await cli.waitForLog((l) => l.msg === 'handshake refused' && l.reason === 'no server name');
    assert.equal(pebble.orders(), 0, 'no order for a stranger');
    assert.deepEqual(linesSaying(cli, 'ordering a certificate'), []);

    // Twenty first handshakes at once: each waits for the one order and gets its certificate.
    const results = await Promise.all(Array.from({ length: 20 }, () => handshake(port, root, DOMAIN)));
    const fingerprints = new Set(results.map((r) => ('fingerprint' in r ? r.fingerprint : r.error)));
    assert.equal(fingerprints.size, 1, [...fingerprints].join('\n'));
    assert.ok(results.every((r) => 'fingerprint' in r), JSON.stringify(results[0]));
    assert.equal(pebble.orders(), 1, 'one order for twenty handshakes');
    const obtained = await cli.waitForLog((l) => l.msg === 'certificate obtained');
    assert.equal(linesSaying(cli, 'ordering a certificate').length, 1);
    assert.equal(obtained.challenge, 'tls-alpn-01');
    assert.equal(obtained.trigger, 'handshake');
    assert.deepEqual(obtained.names, [DOMAIN]);
    assert.match(String(obtained.issuer), /Pebble Intermediate CA/);
    assert.match(String(obtained.notAfter), /^\d{4}-\d\d-\d\dT/);

    const ping = await httpsRequest({ port, ca: root, path: '/.ping', servername: DOMAIN });
    assert.equal(ping.status, 200);

    // The store: the account key and the certificate, readable by the owner only.
    const dir = join(store, caFolderName(directoryUrl));
    for (const file of ['account.key', `${DOMAIN}.pem`]) {
      assert.equal((await stat(join(dir, file))).mode & 0o777, 0o600, file);
    }
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    const stored = new X509Certificate(await readFile(join(dir, `${DOMAIN}.pem`), 'utf8'));
    assert.equal(stored.fingerprint256, [...fingerprints][0]);

    // A stranger after the order still gets nothing, and orders nothing.
    assert.ok(await refusedByServer(port, 'other.example'));
    assert.equal(pebble.orders(), 1);
    cli.child.kill('SIGTERM');
    assert.equal(await cli.exited, 0);
  });

test('http-01 at start: ready before any handshake, the webroot still served; a restart orders nothing; ' +
  'a lost certificate is ordered again on the same account', { skip, timeout: 30_000 }, async (t) => {
  const store = await tempDir(t, 'modfallback-acme-store-');
  const webroot = await tempDir(t, 'modfallback-webroot-');
  await mkdir(join(webroot, '.well-known', 'acme-challenge'), { recursive: true });
  await writeFile(join(webroot, '.well-known', 'acme-challenge', 'certbot-token'), 'certbot-token.thumbprint');
  const site = await preparePebble(t);
  // Pebble validates on ports it is told in advance: these two, each server in turn.
  const port = await freePort();
  const httpPort = await freePort();
  const pebble = await site.start({ httpPort, tlsPort: port, validitySeconds: 3600 });
  const root = await pebble.root();
  const options = {
    directoryUrl: site.directoryUrl, caFile: site.listenerCaFile, store, port,
    extra: ['--http-port', String(httpPort), '--acme-webroot', webroot],
  };

  const first = await startAcmeCli(t, options);
  const obtained = await first.cli.waitForLog((l) => l.msg === 'certificate obtained');
  assert.equal(obtained.challenge, 'http-01');
  assert.equal(obtained.trigger, 'start');
  assert.deepEqual(linesSaying(first.cli, 'handshake refused'), [], 'no handshake was needed');
  const served = await handshake(port, root, DOMAIN);
  assert.ok('fingerprint' in served, JSON.stringify(served));
  const challenge = await httpGet(httpPort, '/.well-known/acme-challenge/certbot-token');
  assert.deepEqual(challenge, { status: 200, body: 'certbot-token.thumbprint' }, 'webroot files are still served');
  assert.equal((await httpGet(httpPort, '/gpu/mtl?go-get=1')).status, 308);
  assert.equal(pebble.orders(), 1);
  assert.equal(pebble.accounts(), 1);
  first.cli.child.kill('SIGTERM');
  assert.equal(await first.cli.exited, 0);

  // A restart serves the stored certificate at once. An order would be logged before 'listening'.
  const second = await startAcmeCli(t, options);
  const loaded = linesSaying(second.cli, 'certificate loaded');
  assert.equal(loaded.length, 1);
  assert.equal(loaded[0]?.notAfter, obtained.notAfter);
  assert.deepEqual(linesSaying(second.cli, 'ordering a certificate'), []);
  assert.deepEqual(await handshake(port, root, DOMAIN), served);
  assert.equal(pebble.orders(), 1, 'no order after the restart');
  second.cli.child.kill('SIGTERM');
  assert.equal(await second.cli.exited, 0);

  // The certificate lost, the account key kept: a new order, by the same account.
  await rm(join(store, caFolderName(site.directoryUrl), `${DOMAIN}.pem`));
  const third = await startAcmeCli(t, options);
  await third.cli.waitForLog((l) => l.msg === 'certificate obtained');
  assert.equal(pebble.orders(), 2);
  assert.equal(pebble.accounts(), 1, 'no second account');
  third.cli.child.kill('SIGTERM');
  assert.equal(await third.cli.exited, 0);
});

test('a failed validation is one error line with the CA\'s problem document, and no new order until the backoff ends',
  { skip, timeout: 30_000 }, async (t) => {
    const site = await preparePebble(t);
    const store = await tempDir(t, 'modfallback-acme-store-');
    const { cli, port } = await startAcmeCli(t, { directoryUrl: site.directoryUrl, caFile: site.listenerCaFile, store });
    // Pebble validates tls-alpn-01 where nothing listens: as when the domain's DNS points elsewhere.
    const pebble = await site.start({ httpPort: await freePort(), tlsPort: await freePort(), validitySeconds: 3600 });
    assert.ok(await refusedByServer(port, DOMAIN));
    const failed = await cli.waitForLog((l) => l.msg === 'certificate order failed');
    assert.equal(failed.level, 'error');
    const problem = failed.problem as Record<string, unknown>;
    assert.match(String(problem.type), /^urn:ietf:params:acme:error:/);
    assert.equal(typeof problem.status, 'number');
    assert.match(String(problem.detail), /tls-alpn-01/);
    assert.equal(failed.retryBy, 'the next handshake for the domain');
    await cli.waitForLog((l) => l.msg === 'handshake refused' && l.reason === 'the order failed');
    assert.equal(cli.stdout().split('\n').filter((line) => line.includes('"certificate order failed"')).length, 1, 'one line');

    assert.ok(await refusedByServer(port, DOMAIN));
    await cli.waitForLog((l) => l.msg === 'handshake refused' && l.reason === 'no certificate yet, and the last order failed');
    assert.equal(pebble.orders(), 1, 'no second order within the backoff');
  });

test('a CA that cannot be reached: one error line with the cause, and the server stays up', async (t) => {
  const store = await tempDir(t, 'modfallback-acme-store-');
  const nobody = await freePort();
  const { cli, port } = await startAcmeCli(t, {
    directoryUrl: `https://127.0.0.1:${nobody}/dir`, store, extra: ['--http-port', '0'],
  });
  const failed = await cli.waitForLog((l) => l.msg === 'certificate order failed');
  assert.equal(failed.level, 'error');
  assert.match(JSON.stringify(failed.problem), new RegExp(`cannot reach the CA at https://127\\.0\\.0\\.1:${nobody}/dir: .*ECONNREFUSED`));
  assert.match(String(failed.serving), /^no certificate/);
  const retryIn = Date.parse(String(failed.retryAt)) - Number(failed.time);
  assert.ok(retryIn >= 59_000 && retryIn <= 61_000, `the first retry comes a minute later (${retryIn} ms)`);
  assert.equal(cli.stdout().split('\n').filter((line) => line.includes('certificate order failed')).length, 1, 'one line');

  const listening = cli.logs.find((l) => l.msg === 'listening');
  assert.equal((await httpGet(Number(listening?.httpPort), '/x?go-get=1')).status, 308, 'plain http still answers');
  assert.ok(await refusedByServer(port, DOMAIN), 'no certificate to offer, and no new order before the retry');
  await cli.waitForLog((l) => l.msg === 'handshake refused' && l.reason === 'no certificate yet, and the last order failed');
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0);
});
