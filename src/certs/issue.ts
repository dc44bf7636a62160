// Makes a local certificate authority and server certificates signed by it, the
// way mkcert does, with @peculiar/x509 (which finds Node's WebCrypto on globalThis).
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the
// Reflect metadata API installed before it loads.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;


const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;
// Clocks differ a little between machines; a certificate born "now" may look
// not-yet-valid to a client a few seconds behind.
const BACKDATE = 60 * 60 * 1000;

/** A certificate and its private key, both PEM. */
export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

/** A local CA: trusted by whoever chooses to, never by default. */
export async function createAuthority(commonName: string, days = 3650): Promise<PemPair> {
  const keys = await generateKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: [commonName] }, { O: ['modfallback development CA'] }],
    notBefore: new Date(now - BACKDATE),
    notAfter: new Date(now + days * DAY),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await exportKey(keys.privateKey) };
}

/** A server certificate for DNS names and IP addresses, signed by the authority. */
export async function issueServerCertificate(
  authority: PemPair,
  names: readonly string[],
  options: { days?: number; notBefore?: Date } = {},
): Promise<PemPair> {
  const [commonName] = names;
  if (commonName === undefined) throw new Error('a server certificate needs at least one name');
  const issuer = new x509.X509Certificate(authority.cert);
  const issuerKey = await importKey(authority.key);
  const keys = await generateKeys();
  const notBefore = options.notBefore ?? new Date(Date.now() - BACKDATE);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: [{ CN: [commonName] }],
    issuer: issuer.subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + BACKDATE + (options.days ?? 825) * DAY),
    publicKey: keys.publicKey,
    signingKey: issuerKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((name) => (isIP(name) === 0 ? { type: 'dns', value: name } : { type: 'ip', value: name }))),
      await x509.AuthorityKeyIdentifierExtension.create(issuer),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await exportKey(keys.privateKey) };
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) ;
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY') + '\n';
}

async function importKey(pem: string): Promise<CryptoKey> {
  const [der] = x509.PemConverter.decode(pem);
  if (der === undefined) throw new Error('the authority key is not PEM');
  return webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, false, ['sign']);
}

/** 16 random bytes with the top bit clear: positive, as RFC 5280 requires. */
function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}
