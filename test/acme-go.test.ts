// The real go command against serve --acme: it trusts only the root of the CA
// (Pebble's, as SSL_CERT_FILE), and its own first handshakes are what make the
// server order its certificate, as when a standby becomes the DNS target in
// the middle of an outage. The mirror's certificate comes from the same CA.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { createOrderer } from '../src/tls/acme/client.js';
import { DOMAIN, startAcmeCli } from './helpers/acme.js';
import { goVersion, MIRROR_HOST, startGoWorld } from './helpers/go-world.js';
import { listenOnLoopback } from './helpers/listen.js';
import type { FixtureModule } from './helpers/module-mirror.js';
import { preparePebble, skipWithoutPebble } from './helpers/pebble.js';
import { tempDir } from './helpers/tls.js';

const MTL = `${DOMAIN}/gpu/mtl`;
const MODULES: readonly FixtureModule[] = [{ path: MTL, versions: [
  { version: 'v0.1.0', time: '2020-01-01T00:00:00Z', listed: true, files: { 'mtl.go': 'package mtl\n' } },
  { version: 'v0.2.0', time: '2021-01-01T00:00:00Z', listed: true, files: { 'mtl.go': 'package mtl\n' } },
] }];

const go = goVersion();
const skip = skipWithoutPebble() || (go === null && process.env.CI !== 'true' ? 'no go command on PATH' : false);

test('the go command, trusting only the CA\'s root, resolves a module through a server whose certificate ' +
  'its first handshake had ordered', { skip, timeout: 60_000 }, async (t) => {
  const site = await preparePebble(t);
  const store = await tempDir(t, 'modfallback-acme-store-');
  const { cli, port } = await startAcmeCli(t, { directoryUrl: site.directoryUrl, caFile: site.listenerCaFile, store });

  // The mirror's own http-01 answers, on the port Pebble validates http-01 at.
  const tokens = new Map<string, string>();
  const http01 = createServer((req, res) => {
    const answer = tokens.get((req.url ?? '').split('/').pop() ?? '');
    res.writeHead(answer === undefined ? 404 : 200).end(answer);
  });
  const httpPort = await listenOnLoopback(t, http01);
  const pebble = await site.start({ httpPort, tlsPort: port, validitySeconds: 3600 });
  const mirrorAccount = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
  const mirrorOrder = createOrderer({
    directoryUrl: site.directoryUrl, accountKeyPem: mirrorAccount.toString(), email: undefined, trustedCaPem: site.listenerCaPem,
  }, {
    present: (a) => { if (a.type === 'http-01') tokens.set(a.token, a.keyAuthorization); },
    withdraw: (a) => { if (a.type === 'http-01') tokens.delete(a.token); },
  });
  const mirrorCertificate = await mirrorOrder.order(MIRROR_HOST, 'http-01');
  const rootFile = join(await tempDir(t, 'modfallback-roots-'), 'pebble-root.pem');
  await writeFile(rootFile, await pebble.root());
  assert.equal(pebble.orders(), 1, 'only the mirror\'s order so far: the server waits for a handshake');

  const world = await startGoWorld(t, {
    modules: MODULES,
    mirrorTls: { cert: mirrorCertificate.chainPem, key: mirrorCertificate.keyPem },
    rootCaFile: rootFile,
    vanity: () => Promise.resolve({
      port,
      sawRequest: (pathAndQuery) => cli.waitForLog((l) => l.msg === 'request' && l.url === pathAndQuery, 5_000)
        .then(() => true, () => false),
    }),
  });
  const ws = await world.workspace();
  const result = await ws.go(['list', '-m', '-versions', MTL]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `${MTL} v0.1.0 v0.2.0\n`);
  assert.ok(await world.vanity.sawRequest('/gpu/mtl?go-get=1'));

  const obtained = await cli.waitForLog((l) => l.msg === 'certificate obtained');
  assert.equal(obtained.trigger, 'handshake');
  assert.equal(obtained.challenge, 'tls-alpn-01');
  assert.equal(pebble.orders(), 2, 'one order for the server, whatever the go command\'s parallel lookups');
  assert.deepEqual(world.proxy.refused, []);
});
