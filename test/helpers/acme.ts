// What the ACME tests share: TLS handshakes that report what they got, and the
// CLI started with --acme against a Pebble, as a user starts it against Let's Encrypt.
import { once } from 'node:events';
import { connect } from 'node:tls';
import type { TestContext } from 'node:test';
import { startCli, type CliProcess } from './process.js';

export const DOMAIN = 'dmitri.shuralyov.com';

/** The certificate a handshake got (its SHA-256 fingerprint), or the error that ended it. */
export type HandshakeResult = { readonly fingerprint: string } | { readonly error: string };

/** One TLS handshake with 127.0.0.1:port, trusting only ca; no SNI when servername is undefined. */
export async function handshake(port: number, ca: string, servername: string | undefined): Promise<HandshakeResult> {
  const socket = connect({ host: '127.0.0.1', port, ca, ...(servername === undefined ? {} : { servername }) });
  try {
    await once(socket, 'secureConnect');
    return { fingerprint: socket.getPeerCertificate().fingerprint256 };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    socket.destroy();
  }
}

export interface AcmeCliOptions {
  readonly directoryUrl: string;
  /** Trusted for the CA's own https (Pebble's listener), as NODE_EXTRA_CA_CERTS. */
  readonly caFile: string;
  readonly store: string;
  readonly port?: number;
  readonly extra?: readonly string[];
}

/** modfallback serve --acme, on 127.0.0.1; resolves once it listens. */
export async function startAcmeCli(t: TestContext, options: AcmeCliOptions): Promise<{ cli: CliProcess; port: number }> {
  const cli = startCli(t, [
    'serve', '--acme', '--acme-directory', options.directoryUrl, '--acme-store', options.store,
    '--acme-email', 'ops@example.com', '--host', '127.0.0.1', '--port', String(options.port ?? 0),
    '--log-level', 'debug', ...(options.extra ?? []),
  ], { env: { NODE_EXTRA_CA_CERTS: options.caFile } });
  const listening = await cli.waitForLog((line) => line.msg === 'listening');
  return { cli, port: Number(listening.port) };
}

/** The log lines with this message so far. */
export function linesSaying(cli: CliProcess, msg: string): Record<string, unknown>[] {
  return cli.logs.filter((line) => line.msg === msg);
}
