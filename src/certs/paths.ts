// Where development certificates live: cheap to import, so that the command
// line can name them without loading the code that makes them.
import { resolve } from 'node:path';

/** Where development certificates live, relative to the working directory. */
export const DEFAULT_CERTS_DIR = 'certs';

export interface CertificatePaths {
  /** The local CA certificate: what SSL_CERT_FILE or a trust store should name. */
  readonly ca: string;
  readonly caKey: string;
  readonly cert: string;
  readonly key: string;
}

export function certificatePaths(dir: string): CertificatePaths {
  return {
    ca: resolve(dir, 'ca.pem'),
    caKey: resolve(dir, 'ca-key.pem'),
    cert: resolve(dir, 'cert.pem'),
    key: resolve(dir, 'key.pem'),
  };
}
