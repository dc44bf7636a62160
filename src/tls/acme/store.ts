// The ACME store on disk. One folder per CA directory, so that a staging
// certificate is never served as a production one and each CA has its own
// account:
//   <store>/<ca>/account.key    the account's private key
//   <store>/<ca>/<domain>.pem   the certificate chain, then its private key
// One file for the pair, so that a single rename replaces both at once. Keys
// are readable by the owner only; a damaged file stops the start with one
// line naming it, rather than being silently replaced.
import { createPrivateKey, generateKeyPair } from 'node:crypto';
import { constants, readFileSync } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { StartupError, describeFsError } from '../../cli/errors.js';
import { checkCertificatePair, type CertificatePair } from '../certificate.js';
import { writeFileAtomically } from './atomic-write.js';

export interface AcmeStore {
  /** This CA's folder in the store. */
  readonly dir: string;
  readonly accountKeyFile: string;
  readonly certificateFile: string;
  /** The account's key, made and saved at the first start. */
  readonly accountKeyPem: string;
  /** The stored certificate, or undefined when there is none. Damage is a StartupError naming the file. */
  loadCertificate(): CertificatePair | undefined;
  /** Replaces the stored certificate and key, atomically. */
  saveCertificate(chainPem: string, keyPem: string): Promise<void>;
}

const PRIVATE_MODE = 0o600;
const PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----[\s\S]+?-----END (?:[A-Z]+ )?PRIVATE KEY-----\n?/;

/** "https://acme-v02.api.letsencrypt.org/directory" is kept in "acme-v02.api.letsencrypt.org-directory". */
export function caFolderName(directoryUrl: string): string {
  const url = new URL(directoryUrl);
  return `${url.host}${url.pathname}`.replace(/[^A-Za-z0-9.]+/g, '-').replace(/^-+|-+$/g, '');
}

/** Opens (making if needed) the store's folder for this CA, with its account key. */
export async function openStore(root: string, directoryUrl: string, domain: string): Promise<AcmeStore> {
  const dir = join(resolve(root), caFolderName(directoryUrl));
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new StartupError(`--acme-store ${root}: cannot use ${dir}: ${describeFsError(error)}`);
  }
  const accountKeyFile = join(dir, 'account.key');
  const certificateFile = join(dir, `${domain}.pem`);
  const accountKeyPem = readAccountKey(accountKeyFile) ?? await makeAccountKey(accountKeyFile);

  return {
    dir,
    accountKeyFile,
    certificateFile,
    accountKeyPem,
    loadCertificate: () => readCertificate(certificateFile, domain),
    saveCertificate: (chainPem, keyPem) =>
      writeFileAtomically(certificateFile, `${chainPem.trimEnd()}\n${keyPem.trimEnd()}\n`, PRIVATE_MODE),
  };
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw new StartupError(`${file}: cannot read: ${describeFsError(error)}`);
  }
}

function readAccountKey(file: string): string | undefined {
  const pem = readOptional(file);
  if (pem === undefined) return undefined;
  try {
    createPrivateKey(pem);
  } catch {
    throw new StartupError(`${file}: the ACME account key is damaged (not a PEM private key); ` +
      'restore it from a backup, or move it away to register a new account');
  }
  return pem;
}

async function makeAccountKey(file: string): Promise<string> {
  // ECDSA P-256 (ES256), which every ACME CA accepts, made in a blink.
  const { privateKey } = await promisify(generateKeyPair)('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    await writeFileAtomically(file, pem, PRIVATE_MODE);
  } catch (error) {
    throw new StartupError(`${file}: cannot write: ${describeFsError(error)}`);
  }
  return pem;
}

function readCertificate(file: string, domain: string): CertificatePair | undefined {
  const text = readOptional(file);
  if (text === undefined) return undefined;
  const damaged = (problem: string): StartupError => new StartupError(
    `${file}: the stored certificate is damaged (${problem}); move it away to order a new one`);
  const key = PRIVATE_KEY.exec(text)?.[0];
  if (key === undefined) throw damaged('no private key after the certificate chain');
  let pair: CertificatePair;
  try {
    pair = checkCertificatePair(text.replace(key, ''), key, { cert: 'the chain', key: 'the key' });
  } catch (error) {
    throw damaged(error instanceof Error ? error.message : String(error));
  }
  if (!pair.covers(domain)) throw damaged(`it does not cover ${domain}, only ${pair.names.join(', ')}`);
  return pair;
}
