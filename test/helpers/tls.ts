// Test certificates: a CA and server certificates made with the same library the
// certs command uses, written to a temporary directory removed after the test.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import * as x509 from '@peculiar/x509';
import { createAuthority, issueServerCertificate, type PemPair } from '../../src/certs/issue.js';

export interface TestPki {
  readonly dir: string;
  readonly ca: PemPair;
  readonly caFile: string;
  /** A server certificate for the names, written as <label>.pem and <label>-key.pem. */
  issue(label: string, names: readonly string[], options?: { days?: number; notBefore?: Date }):
    Promise<PemPair & { certFile: string; keyFile: string }>;
}

export async function makePki(t: TestContext): Promise<TestPki> {
  const dir = await tempDir(t, 'modfallback-pki-');
  const ca = await createAuthority('modfallback test CA');
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, ca.cert);
  return {
    dir,
    ca,
    caFile,
    async issue(label, names, options = {}) {
      const pair = await issueServerCertificate(ca, names, options);
      const certFile = join(dir, `${label}.pem`);
      const keyFile = join(dir, `${label}-key.pem`);
      await writeFile(certFile, pair.cert);
      await writeFile(keyFile, pair.key);
      return { ...pair, certFile, keyFile };
    },
  };
}

/** A temporary directory that is removed when the test ends, pass or fail. */
export async function tempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A root CA and an intermediate it signed, as public CAs issue from: servers
 * are given leaf + intermediate (a "full chain"), clients trust only the root.
 */
export async function makeCaChain(): Promise<{ root: PemPair; intermediate: PemPair }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const make = async (name: string, pathLength: number, issuer?: { cert: x509.X509Certificate; key: webcrypto.CryptoKey }) => {
    const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: String(pathLength + 1),
      subject: [{ CN: [name] }],
      issuer: issuer?.cert.subject ?? [{ CN: [name] }],
      notBefore: new Date(Date.now() - 3_600_000),
      notAfter: new Date(Date.now() + 86_400_000),
      publicKey: keys.publicKey,
      signingKey: issuer?.key ?? keys.privateKey,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, pathLength, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const key = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
    return { cert, key: keys.privateKey, pem: { cert: `${cert.toString('pem')}\n`, key: `${key}\n` } };
  };
  const root = await make('modfallback test root', 1);
  const intermediate = await make('modfallback test intermediate', 0, root);
  return { root: root.pem, intermediate: intermediate.pem };
}
