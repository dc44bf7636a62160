import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { certificateWarnings, loadCertificatePair } from '../src/tls/certificate.js';
import { StartupError } from '../src/cli/errors.js';
import { makePki } from './helpers/tls.js';

const DAY = 24 * 60 * 60 * 1000;

test('a matching pair loads, also as a full chain, with its names and expiry', async (t) => {
  const pki = await makePki(t);
  const leaf = await pki.issue('leaf', ['dmitri.shuralyov.com', 'localhost', '127.0.0.1', '::1', '2001:db8:0:0:0:0:0:1']);
  const chainFile = join(pki.dir, 'chain.pem');
  await writeFile(chainFile, leaf.cert + pki.ca.cert);
  for (const cert of [leaf.certFile, chainFile]) {
    const pair = loadCertificatePair({ cert, key: leaf.keyFile });
    // IPv6 addresses in the short form people know, not OpenSSL's 0:0:0:0:0:0:0:1.
    assert.deepEqual(pair.names, ['dmitri.shuralyov.com', 'localhost', '127.0.0.1', '::1', '2001:db8::1']);
    // A domain (a module path's start) is a name or an IPv4 address.
    assert.ok(pair.covers('127.0.0.1'));
    assert.ok(!pair.covers('127.0.0.2'));
    assert.ok(pair.covers('dmitri.shuralyov.com'));
    assert.ok(!pair.covers('example.com'));
    assert.ok(pair.notAfter.getTime() > Date.now() + 365 * DAY);
    assert.deepEqual(certificateWarnings(pair, 'dmitri.shuralyov.com', new Date()), []);
  }
});

test('every broken pair is refused with one line naming the file and the problem', async (t) => {
  const pki = await makePki(t);
  const leaf = await pki.issue('leaf', ['dmitri.shuralyov.com']);
  const other = await pki.issue('other', ['dmitri.shuralyov.com']);
  const file = async (name: string, text: string) => {
    const path = join(pki.dir, name);
    await writeFile(path, text);
    return path;
  };
  const encrypted = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;

  const cases: [cert: string, key: string, message: RegExp][] = [
    [join(pki.dir, 'missing.pem'), leaf.keyFile, /^--cert .*missing\.pem: cannot read: no such file or directory$/],
    [leaf.certFile, join(pki.dir, 'missing-key.pem'), /^--key .*missing-key\.pem: cannot read: no such file or directory$/],
    [pki.dir, leaf.keyFile, /^--cert .*: cannot read: is a directory, not a file$/],
    [await file('text.pem', 'hello\n'), leaf.keyFile, /not a PEM certificate/],
    [await file('broken.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), leaf.keyFile,
      /the PEM certificate cannot be parsed/],
    [leaf.certFile, await file('text-key.pem', 'hello\n'), /--key .*: not a PEM private key/],
    [leaf.certFile, leaf.certFile, /not a PEM private key/],
    [leaf.certFile, await file('encrypted-key.pem', encrypted), /the private key is encrypted/],
    [leaf.certFile, other.keyFile, /^--key .*other-key\.pem does not match the certificate in --cert .*leaf\.pem$/],
  ];
  for (const [cert, key, message] of cases) {
    assert.throws(() => loadCertificatePair({ cert, key }), (error: unknown) => {
      assert.ok(error instanceof StartupError);
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    }, `${cert} / ${key}`);
  }
});

test('expired, not yet valid, expiring and foreign certificates start with warnings', async (t) => {
  const pki = await makePki(t);
  const now = new Date();
  const load = async (label: string, names: string[], options: { days?: number; notBefore?: Date }) => {
    const leaf = await pki.issue(label, names, options);
    return certificateWarnings(loadCertificatePair({ cert: leaf.certFile, key: leaf.keyFile }), 'dmitri.shuralyov.com', now);
  };
  const domain = ['dmitri.shuralyov.com'];
  assert.deepEqual(await load('fine', domain, { days: 90 }), []);
  assert.match((await load('expired', domain, { notBefore: new Date(now.getTime() - 10 * DAY), days: 1 })).join(), /expired at/);
  assert.match((await load('future', domain, { notBefore: new Date(now.getTime() + DAY), days: 90 })).join(), /not valid until/);
  assert.match((await load('soon', domain, { days: 5 })).join(), /expires soon/);
  assert.match((await load('foreign', ['example.com'], { days: 90 })).join(), /does not cover dmitri\.shuralyov\.com \(it covers example\.com\)/);
  assert.deepEqual(await load('wildcard', ['*.shuralyov.com'], { days: 90 }), []);
});
