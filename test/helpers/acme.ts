// What the ACME tests share: TLS handshakes that report what they got, the CLI
// started with --acme against a Pebble, as a user starts it against Let's
// Encrypt, and the same server built in the test's process.
import { once } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import type { TestContext } from 'node:test';
import { createLogging } from '../../src/log/logger.js';
import { createHttpServer } from '../../src/serve/http.js';
import { createFallbackServer } from '../../src/serve/https.js';
import { DEFAULT_LIMITS } from '../../src/serve/limits.js';
import { DEFAULT_ACME_TUNING, acmeCertificates, type AcmeTuning } from '../../src/tls/acme/provider.js';
import { startCli, type CliProcess } from './process.js';
import { TEST_CONFIG } from './server.js';
import { tempDir } from './tls.js';
import { wholeLines } from './log-lines.js';

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

/**
 * Whether the server refused a handshake: it closed the connection before TLS
 * completed. The client trusts any certificate, so only the server can say no.
 */
export async function refusedByServer(port: number, servername: string | undefined): Promise<boolean> {
  const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(servername === undefined ? {} : { servername }) });
  try {
    await once(socket, 'secureConnect');
    return false;
  } catch {
    return true;
  } finally {
    socket.destroy();
  }
}

export interface AcmeCliOptions {
  readonly directoryUrl: string;
  /** Trusted for the CA's own https (Pebble's listener), as NODE_EXTRA_CA_CERTS; none when undefined. */
  readonly caFile?: string;
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
  ], options.caFile === undefined ? {} : { env: { NODE_EXTRA_CA_CERTS: options.caFile } });
  const listening = await cli.waitForLog((line) => line.msg === 'listening');
  return { cli, port: Number(listening.port) };
}

/** The log lines with this message so far. */
export function linesSaying(cli: CliProcess, msg: string): Record<string, unknown>[] {
  return cli.logs.filter((line) => line.msg === msg);
}

export interface InProcessAcme {
  readonly port: number;
  readonly httpPort: number | undefined;
  readonly logs: Record<string, unknown>[];
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/**
 * The --acme server built in this process from the same parts serve uses, with
 * timings a test can wait for (retries in milliseconds, not minutes).
 */
export async function startAcmeInProcess(t: TestContext, options: {
  readonly directoryUrl: string;
  /** Trusted for the CA's own https (Pebble's listener). */
  readonly trustedCaPem?: string;
  readonly port?: number;
  /** Also a plain-http listener, for http-01: on this port, or 0. */
  readonly httpPort?: number;
  readonly tuning: Partial<AcmeTuning>;
}): Promise<InProcessAcme> {
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  const { logger, logRequest } = createLogging('debug', { write: (text: string) => {
    for (const line of wholeLines(text)) logs.push(JSON.parse(line) as Record<string, unknown>);
    for (const wake of waiters) wake();
  } });
  const store = await tempDir(t, 'modfallback-acme-store-');
  const certificate = await acmeCertificates({ directoryUrl: options.directoryUrl, email: undefined, storeDir: store }, {
    domain: DOMAIN, httpChallenges: options.httpPort !== undefined, handshakeTimeoutMs: DEFAULT_LIMITS.handshakeTimeoutMs, logger,
  }, { ...DEFAULT_ACME_TUNING, ...(options.trustedCaPem === undefined ? {} : { trustedCaPem: options.trustedCaPem }), ...options.tuning });
  const https = createFallbackServer({ config: TEST_CONFIG, tls: certificate.initial, limits: DEFAULT_LIMITS, logger, logRequest });
  certificate.attach(https);
  const servers: (HttpServer | HttpsServer)[] = [https];
  https.listen(options.port ?? 0, '127.0.0.1');
  await once(https, 'listening');
  let httpPort: number | undefined;
  if (options.httpPort !== undefined) {
    const http = createHttpServer({
      config: { domain: DOMAIN, httpsPort: 443, maxUrlLength: 2048 }, webroot: undefined,
      challenges: certificate.httpChallenge, limits: DEFAULT_LIMITS, logger, logRequest,
    });
    http.listen(options.httpPort, '127.0.0.1');
    await once(http, 'listening');
    httpPort = (http.address() as AddressInfo).port;
    servers.push(http);
  }
  t.after(async () => {
    certificate.close();
    await Promise.all(servers.map((server) => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    })));
  });
  certificate.start();
  return {
    port: (https.address() as AddressInfo).port,
    httpPort,
    logs,
    waitForLog: (predicate, timeoutMs = 15_000) => new Promise((resolve, reject) => {
      const check = (): void => {
        const found = logs.find(predicate);
        if (found !== undefined) { done(); resolve(found); }
      };
      const timer = setTimeout(() => { done(); reject(new Error(`not logged in ${timeoutMs} ms:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`)); }, timeoutMs);
      const done = (): void => { clearTimeout(timer); waiters.delete(check); };
      waiters.add(check);
      check();
    }),
  };
}
