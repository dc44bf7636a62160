// Development certificates on disk: where they live, making them, and reusing them.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { certificatePaths, type CertificatePaths } from './paths.js';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { StartupError, describeFsError } from '../cli/errors.js';
import { createAuthority, issueServerCertificate, type PemPair } from './issue.js';

const RENEW_BEFORE_DAYS = 30;

/** Everything a local server certificate for the domain should cover, without repeats. */
export function serverNames(domain: string, extra: readonly string[] = []): string[] {
  return [...new Set([domain, 'localhost', '127.0.0.1', '::1', ...extra])];
}

/**
 * Makes a new CA and a server certificate in dir. Refuses to replace any
 * existing file unless forced: a user may already trust that CA.
 */
export async function writeNewCertificates(
  dir: string, names: readonly string[], force: boolean,
): Promise<CertificatePaths> {
  const writePair = pairWriter('--out');
  const paths = certificatePaths(dir);
  if (!force) {
    const existing = [paths.ca, paths.caKey, paths.cert, paths.key].filter((file) => existsSync(file));
    if (existing.length > 0) {
      throw new StartupError(`${existing.join(', ')} already exist(s); pass --force to replace them`);
    }
  }
  const authority = await createAuthority('modfallback development CA');
  await writePair(paths.ca, paths.caKey, authority);
  await writePair(paths.cert, paths.key, await issueServerCertificate(authority, names));
  return paths;
}

export interface DevCertificates {
  readonly paths: CertificatePaths;
  /** What was made this time, for the start-up message; empty when all was reused. */
  readonly made: readonly ('authority' | 'server certificate')[];
}

/**
 * Development certificates for `serve --dev`: reuses what is in dir, keeps the
 * CA a user may already trust, and issues a new server certificate when the old
 * one is missing, does not cover the domain, or is about to expire.
 */
export async function ensureDevCertificates(dir: string, domain: string): Promise<DevCertificates> {
  const paths = certificatePaths(dir);
  const writePair = pairWriter('--certs-dir');
  const made: DevCertificates['made'][number][] = [];
  let authority = await readPair(paths.ca, paths.caKey);
  if (authority !== null) checkAuthority(authority, paths);
  if (authority === null) {
    authority = await createAuthority('modfallback development CA');
    await writePair(paths.ca, paths.caKey, authority);
    made.push('authority');
  }
  const server = await readPair(paths.cert, paths.key);
  if (made.length > 0 || server === null || !isFreshFor(server.cert, domain)) {
    await writePair(paths.cert, paths.key, await issueServerCertificate(authority, serverNames(domain)));
    made.push('server certificate');
  }
  return { paths, made };
}

/** The line serve --dev says on stderr: what it made, and where. */
export function describeDevCertificates({ paths, made }: DevCertificates): string {
  const dir = dirname(paths.ca);
  if (made.includes('authority')) {
    return `--dev made a local CA and a server certificate in ${dir}: ${basename(paths.ca)}, ` +
      `${basename(paths.caKey)} (the CA's private key), ${basename(paths.cert)}, ${basename(paths.key)}`;
  }
  if (made.length > 0) {
    return `--dev made a new server certificate in ${dir} (${basename(paths.cert)}, ${basename(paths.key)}), ` +
      `signed by the CA already there (${basename(paths.ca)})`;
  }
  return `--dev is using the certificates already in ${dir}`;
}

function isFreshFor(certPem: string, domain: string): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const renewAt = new Date(cert.validTo).getTime() - RENEW_BEFORE_DAYS * 24 * 60 * 60 * 1000;
    return cert.checkHost(domain) !== undefined && Date.now() < renewAt;
  } catch {
    return false;
  }
}

/** A CA pair that cannot sign is one clear line naming its files, not a library's error. */
function checkAuthority(authority: PemPair, paths: CertificatePaths): void {
  let matches: boolean;
  try {
    matches = new X509Certificate(authority.cert).checkPrivateKey(createPrivateKey(authority.key));
  } catch {
    matches = false;
  }
  if (!matches) {
    throw new StartupError(`${paths.ca}, ${paths.caKey}: not a PEM certificate and its private key; ` +
      'move them away to make a new development CA, or run modfallback certs --force');
  }
}

async function readPair(certFile: string, keyFile: string): Promise<PemPair | null> {
  if (!existsSync(certFile) || !existsSync(keyFile)) return null;
  try {
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } catch (error) {
    throw new StartupError(`${certFile}: cannot read: ${describeFsError(error)}`);
  }
}

/** Writes a certificate and its key; a failure names the option that picks another directory. */
function pairWriter(option: '--out' | '--certs-dir') {
  return async (certFile: string, keyFile: string, pair: PemPair): Promise<void> => {
    try {
      await mkdir(resolve(certFile, '..'), { recursive: true });
      await writeFile(certFile, pair.cert, { mode: 0o644 });
      // Private keys are readable by their owner only.
      await writeFile(keyFile, pair.key, { mode: 0o600 });
    } catch (error) {
      throw new StartupError(`cannot write ${certFile}: ${describeFsError(error)}; ` +
        `choose a writable directory with ${option} or MODFALLBACK_CERTS_DIR`);
    }
  };
}
