// The ACME store on disk: its layout and modes, atomic replacement, a damaged
// file told in one line that names it, and SIGHUP reading it again, by the real CLI.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFileAtomically } from '../src/tls/acme/atomic-write.js';
import { defaultStoreDir } from '../src/tls/acme/defaults.js';
import { caFolderName, openStore } from '../src/tls/acme/store.js';
import { DOMAIN, handshake, startAcmeCli } from './helpers/acme.js';
import { freePort } from './helpers/free-port.js';
import { runCli } from './helpers/process.js';
import { makePki, tempDir } from './helpers/tls.js';

const DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';

test('the store keeps one folder per CA, an account key made once, and the pair in one file, all owner-only',
  async (t) => {
    const root = join(await tempDir(t, 'modfallback-store-'), 'state');
    const store = await openStore(root, DIRECTORY, DOMAIN);
    assert.equal(store.dir, join(root, 'acme-v02.api.letsencrypt.org-directory'));
    assert.equal(caFolderName('https://127.0.0.1:14000/dir'), '127.0.0.1-14000-dir');
    assert.equal(caFolderName('https://acme-staging-v02.api.letsencrypt.org/directory'),
      'acme-staging-v02.api.letsencrypt.org-directory');
    assert.equal((await stat(store.dir)).mode & 0o777, 0o700);
    assert.equal((await stat(store.accountKeyFile)).mode & 0o777, 0o600);
    assert.match(store.accountKeyPem, /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(store.loadCertificate(), undefined);

    const again = await openStore(root, DIRECTORY, DOMAIN);
    assert.equal(again.accountKeyPem, store.accountKeyPem, 'a restart keeps the account key, so the account');
    const staging = await openStore(root, 'https://acme-staging-v02.api.letsencrypt.org/directory', DOMAIN);
    assert.notEqual(staging.accountKeyPem, store.accountKeyPem, 'another CA, another account');

    const pki = await makePki(t);
    const pair = await pki.issue('leaf', [DOMAIN]);
    await store.saveCertificate(`${pair.cert}${pki.ca.cert}`, pair.key);
    assert.equal((await stat(store.certificateFile)).mode & 0o777, 0o600);
    const loaded = again.loadCertificate();
    assert.deepEqual(loaded?.names, [DOMAIN]);
    assert.equal(loaded.keyPem.trim(), pair.key.trim());
    assert.ok(loaded.certPem.startsWith(pair.cert.trim()), 'the chain, leaf first');
  });

test('the store defaults to the directory systemd makes for the service, else ./acme', () => {
  assert.equal(defaultStoreDir({ STATE_DIRECTORY: '/var/lib/modfallback' }), '/var/lib/modfallback');
  assert.equal(defaultStoreDir({ STATE_DIRECTORY: '/var/lib/modfallback:/var/lib/other' }), '/var/lib/modfallback');
  assert.equal(defaultStoreDir({ STATE_DIRECTORY: '' }), 'acme');
  assert.equal(defaultStoreDir({}), 'acme');
});

test('an atomic write replaces the file by rename, leaves no temporary file, and keeps the old file on failure',
  async (t) => {
    const dir = await tempDir(t, 'modfallback-atomic-');
    const file = join(dir, 'key.pem');
    await writeFile(file, 'old');
    const before = (await stat(file)).ino;
    await writeFileAtomically(file, 'new', 0o600);
    assert.equal(await readFile(file, 'utf8'), 'new');
    assert.notEqual((await stat(file)).ino, before, 'a new file took the name: readers see old or new, never a part');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(dir), ['key.pem']);

    // A directory where the file should go: the rename fails, and nothing is left behind.
    const blocked = join(dir, 'blocked');
    await mkdir(join(blocked, 'inside'), { recursive: true });
    await assert.rejects(writeFileAtomically(blocked, 'x', 0o600), { code: /^(EISDIR|ENOTEMPTY|EEXIST)$/ });
    assert.deepEqual((await readdir(dir)).sort(), ['blocked', 'key.pem']);
    assert.deepEqual(await readdir(blocked), ['inside'], 'what was there is untouched');
  });

test('a damaged store stops the start with one line naming the file (exit 1)', async (t) => {
  const pki = await makePki(t);
  const good = await pki.issue('good', [DOMAIN]);
  const stranger = await pki.issue('stranger', [DOMAIN]);
  const other = await pki.issue('other', ['other.example']);
  const cases: [file: string, content: string, problem: RegExp][] = [
    [`${DOMAIN}.pem`, 'not a certificate\n', /the stored certificate is damaged \(no private key after the certificate chain\)/],
    [`${DOMAIN}.pem`, good.key, /the stored certificate is damaged \(the chain: not a PEM certificate/],
    [`${DOMAIN}.pem`, `${good.cert}${stranger.key}`, /damaged \(the key does not match the certificate in the chain\)/],
    [`${DOMAIN}.pem`, `${good.cert.slice(0, 200)}\n-----END CERTIFICATE-----\n${good.key}`, /damaged \(the chain: the PEM certificate cannot be parsed\)/],
    [`${DOMAIN}.pem`, `${other.cert}${other.key}`, /damaged \(it does not cover dmitri\.shuralyov\.com, only other\.example\)/],
    ['account.key', 'garbage\n', /the ACME account key is damaged \(not a PEM private key\)/],
  ];
  for (const [name, content, problem] of cases) {
    const store = await tempDir(t, 'modfallback-damaged-');
    const dir = join(store, caFolderName(DIRECTORY));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, name), content);
    const file = join(dir, name);
    const result = await runCli(t, ['serve', '--acme', '--acme-store', store, '--port', '0', '--host', '127.0.0.1']);
    assert.equal(result.code, 1, `${name}: ${result.stderr}`);
    assert.match(result.stderr, /^modfallback: [^\n]+\n$/, 'one line');
    assert.ok(result.stderr.startsWith(`modfallback: ${file}: `), `names ${file}: ${result.stderr}`);
    assert.match(result.stderr, problem);
    assert.equal(await readFile(file, 'utf8'), content, 'the damaged file is left for the operator');
  }
});

test('SIGHUP reads the store again: a certificate put there by hand is served, a damaged one refused', async (t) => {
  const pki = await makePki(t);
  const store = await tempDir(t, 'modfallback-acme-store-');
  // A CA that is never asked: without --http-port nothing is ordered before a handshake wants it.
  const directoryUrl = `https://127.0.0.1:${await freePort()}/dir`;
  const { cli, port } = await startAcmeCli(t, { directoryUrl, caFile: pki.caFile, store });
  const file = join(store, caFolderName(directoryUrl), `${DOMAIN}.pem`);
  const byHand = await pki.issue('by-hand', [DOMAIN]);
  await writeFile(file, `${byHand.cert}${byHand.key}`, { mode: 0o600 });
  cli.child.kill('SIGHUP');
  const loaded = await cli.waitForLog((l) => l.msg === 'certificate loaded' && l.reason === 'SIGHUP');
  assert.deepEqual(loaded.names, [DOMAIN]);
  assert.deepEqual(await handshake(port, pki.ca.cert, DOMAIN), { fingerprint: new X509Certificate(byHand.cert).fingerprint256 });

  await writeFile(file, 'damaged\n');
  cli.child.kill('SIGHUP');
  const refused = await cli.waitForLog((l) => l.msg === 'certificate reload refused; still serving the previous certificate');
  assert.match(String(refused.problem), /the stored certificate is damaged/);
  assert.deepEqual(await handshake(port, pki.ca.cert, DOMAIN), { fingerprint: new X509Certificate(byHand.cert).fingerprint256 });
  assert.deepEqual(cli.logs.filter((l) => l.msg === 'ordering a certificate'), []);
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0);
});
