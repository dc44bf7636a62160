// Test certificates: a CA and server certificates made with the same library the
// certs command uses, written to a temporary directory removed after the test.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { createAuthority, issueServerCertificate, type PemPair } from '../../src/issue-certificates.js';

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
