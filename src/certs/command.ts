// The certs command: a local CA and a server certificate, and the two lines a
// user needs to test the fallback on their own machine.
import { DEFAULT_DOMAIN } from '../core/config.js';
import { writeNewCertificates, serverNames } from './files.js';

export interface CertsOptions {
  readonly dir: string;
  readonly domain: string;
  readonly extraNames: readonly string[];
  readonly force: boolean;
}

export async function makeCertificates(options: CertsOptions): Promise<string> {
  const names = serverNames(options.domain, options.extraNames);
  const paths = await writeNewCertificates(options.dir, names, options.force);
  return [
    `Wrote a local CA (${paths.ca}, key ${paths.caKey})`,
    `and a server certificate for ${names.join(', ')} (${paths.cert}, key ${paths.key}).`,
    '',
    'To test the fallback locally, point the domain at this machine in /etc/hosts:',
    `  127.0.0.1 ${options.domain}`,
    'start it on port 443 (on Linux, first: sudo sysctl -w net.ipv4.ip_unprivileged_port_start=443; see the README):',
    `  modfallback serve --cert ${paths.cert} --key ${paths.key}`,
    'and, in an empty directory, make a module and ask the go command for one of the domain\'s',
    '(on Linux, SSL_CERT_FILE adds the CA and the system\'s roots stay trusted):',
    '  go mod init example.com/try',
    `  SSL_CERT_FILE=${paths.ca} GOPROXY=direct GOSUMDB=off go get ${exampleModule(options.domain)}@latest`,
    '',
  ].join('\n');
}

function exampleModule(domain: string): string {
  return domain === DEFAULT_DOMAIN ? `${domain}/gpu/mtl` : `${domain}/MODULE`;
}
