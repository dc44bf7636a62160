// What certificate a server presents to a new TLS connection.
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:tls';

export async function presentedFingerprint(port: number, ca: string, servername: string): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port, ca, servername });
  try {
    await once(socket, 'secureConnect');
    return socket.getPeerCertificate().fingerprint256;
  } finally {
    socket.destroy();
  }
}

export function fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}
