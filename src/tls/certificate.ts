// Loads and inspects the certificate and key the server presents, so that every
// problem is found at start-up and told in one line.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { StartupError, describeFsError } from '../cli/errors.js';

export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
}

/** A certificate chain and its private key, checked to belong together. */
export interface CertificatePair {
  readonly certPem: string;
  readonly keyPem: string;
  /** DNS names and IP addresses the leaf certificate covers. */
  readonly names: readonly string[];
  /** The issuer's distinguished name, one line ("CN=R11, O=Let's Encrypt, C=US"). */
  readonly issuer: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /**
   * Whether the leaf covers the domain (wildcards as a TLS client matches them).
   * A domain starts a module path: a DNS name, or an IPv4 address, never IPv6,
   * whose colons no module path may hold.
   */
  covers(domain: string): boolean;
}

const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----';
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/;
const DAY = 24 * 60 * 60 * 1000;
const EXPIRY_WARNING_DAYS = 14;

export function loadCertificatePair(files: CertificateFiles): CertificatePair {
  return checkCertificatePair(readText(files.cert, '--cert'), readText(files.key, '--key'),
    { cert: `--cert ${files.cert}`, key: `--key ${files.key}` });
}

/**
 * Parses a chain and its key and checks that they belong together; each
 * problem is a StartupError naming the input by its label (an option and
 * its file, or a file of the ACME store).
 */
export function checkCertificatePair(
  certPem: string, keyPem: string, labels: { readonly cert: string; readonly key: string },
): CertificatePair {
  if (!certPem.includes(PEM_CERTIFICATE)) {
    throw new StartupError(`${labels.cert}: not a PEM certificate (expected "${PEM_CERTIFICATE}")`);
  }
  let leaf: X509Certificate;
  try {
    // The first block of a full-chain file is the server's own certificate.
    leaf = new X509Certificate(certPem);
  } catch {
    throw new StartupError(`${labels.cert}: the PEM certificate cannot be parsed`);
  }
  const key = parseKey(keyPem, labels.key);
  if (!leaf.checkPrivateKey(key)) {
    throw new StartupError(`${labels.key} does not match the certificate in ${labels.cert}`);
  }
  return {
    certPem,
    keyPem,
    names: subjectNames(leaf),
    issuer: leaf.issuer.replace(/\n/g, ', '),
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    covers: (domain) => (isIPv4(domain) ? leaf.checkIP(domain) : leaf.checkHost(domain)) !== undefined,
  };
}

/** What an operator should know about a pair before serving it: expiry and coverage. */
export function certificateWarnings(pair: CertificatePair, domain: string, now: Date): string[] {
  const warnings: string[] = [];
  const notAfter = pair.notAfter.toISOString();
  if (now < pair.notBefore) {
    warnings.push(`the certificate is not valid until ${pair.notBefore.toISOString()}: clients will refuse it`);
  }
  if (now > pair.notAfter) {
    warnings.push(`the certificate expired at ${notAfter}: clients will refuse it`);
  } else if (pair.notAfter.getTime() - now.getTime() < EXPIRY_WARNING_DAYS * DAY) {
    warnings.push(`the certificate expires soon, at ${notAfter}`);
  }
  if (!pair.covers(domain)) {
    warnings.push(`the certificate does not cover ${domain} (it covers ${pair.names.join(', ') || 'no names'}): ` +
      'the go command will refuse it');
  }
  return warnings;
}

function readText(file: string, option: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new StartupError(`${option} ${file}: cannot read: ${describeFsError(error)}`);
  }
}

function parseKey(pem: string, label: string): KeyObject {
  // Told apart by its PEM header: OpenSSL's errors for a missing passphrase differ between versions.
  if (ENCRYPTED_KEY.test(pem)) {
    throw new StartupError(`${label}: the private key is encrypted; give the server an unencrypted key readable only by it`);
  }
  try {
    return createPrivateKey(pem);
  } catch {
    throw new StartupError(`${label}: not a PEM private key`);
  }
}

/**
 * "DNS:a.example, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1" becomes
 * ["a.example", "127.0.0.1", "::1"]: OpenSSL writes IPv6 addresses in full;
 * people know them in the short form a URL's host takes.
 */
function subjectNames(leaf: X509Certificate): string[] {
  const names: string[] = [];
  for (const entry of (leaf.subjectAltName ?? '').split(', ')) {
    const [, dns, ip] = /^(?:DNS:(.+)|IP Address:(.+))$/.exec(entry) ?? [];
    if (dns !== undefined) names.push(dns);
    else if (ip !== undefined) names.push(ip.includes(':') ? new URL(`http://[${ip}]`).hostname.slice(1, -1) : ip);
  }
  return names;
}
