// The serve command: find the certificate (files, development ones, or ACME),
// build the servers, listen, say what it is doing, keep the certificate current
// (reload on SIGHUP or change, or ACME renewal), and stop gracefully on SIGTERM
// or SIGINT.
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { relative } from 'node:path';
import closeWithGrace from 'close-with-grace';
import type { CertificateFiles } from '../tls/certificate.js';
import type { FallbackConfig } from '../core/config.js';
import { drain } from './drain.js';
import { StartupError, describeFsError } from '../cli/errors.js';
import { createHttpServer } from './http.js';
import type { Limits } from './limits.js';
import { listen } from './listen.js';
import { createLogging, flushLogger, type Logger } from '../log/logger.js';
import { terminalFormat } from '../log/terminal.js';
import type { LogLevel } from '../cli/parse.js';
import { createFallbackServer } from './https.js';
import { fileCertificates, type CertificateProvider } from '../tls/provider.js';
import type { AcmeSettings } from '../tls/acme/provider.js';
import { writeStderr } from '../log/stderr.js';

/**
 * Where the certificate comes from: files (the operator's, or development
 * certificates signed by a local CA, named for the start-up hint), or an ACME CA.
 */
export type CertificateSource =
  | { readonly kind: 'files'; readonly files: CertificateFiles; readonly localCa?: string }
  | { readonly kind: 'acme'; readonly acme: AcmeSettings };

/** The optional plain-http listener. */
export interface HttpListener {
  readonly port: number;
  readonly acmeWebroot: string | undefined;
}

export interface ServeOptions {
  readonly config: FallbackConfig;
  readonly certificate: CertificateSource;
  readonly port: number;
  /** Listen address; undefined for every interface. */
  readonly host: string | undefined;
  readonly http: HttpListener | undefined;
  readonly limits: Limits;
  readonly logLevel: LogLevel;
}

/** Starts serving; resolves once listening. Start-up problems reject with a StartupError. */
export async function serve(options: ServeOptions): Promise<void> {
  const { config, limits } = options;
  const { logger, logRequest } = createLogging(options.logLevel, undefined, await terminalFormat());
  const { certificate, caFile } = await resolveCertificate(options, logger);
  if (options.http?.acmeWebroot !== undefined) checkDirectory(options.http.acmeWebroot, '--acme-webroot');

  let https: HttpsServer;
  try {
    https = createFallbackServer({ config, tls: certificate.initial, limits, logger, logRequest });
  } catch (error) {
    throw new StartupError(`${certificate.label}: TLS cannot use this pair: ${String(error)}`);
  }
  certificate.attach(https);
  await listen(https, options.port, options.host, '--port');
  const port = (https.address() as AddressInfo).port;
  const servers: (HttpsServer | HttpServer)[] = [https];
  if (options.http !== undefined) {
    const http = createHttpServer({
      config: { domain: config.domain, httpsPort: port, maxUrlLength: config.maxUrlLength },
      webroot: options.http.acmeWebroot,
      challenges: certificate.httpChallenge,
      limits,
      logger,
      logRequest,
    });
    try {
      await listen(http, options.http.port, options.host, '--http-port');
    } catch (error) {
      https.close();
      throw error;
    }
    servers.push(http);
  }

  certificate.start();
  process.on('SIGHUP', () => { certificate.reload(); });

  logger.info({
    domain: config.domain,
    mirror: config.mirror,
    cacheMaxAge: config.cacheMaxAge,
    host: options.host ?? '(all interfaces)',
    port,
    httpPort: servers[1] === undefined ? undefined : (servers[1].address() as AddressInfo).port,
    acmeWebroot: options.http?.acmeWebroot,
    ...certificate.summary,
    limits,
    node: process.version,
  }, 'listening');
  writeStderr(banner(options, port, caFile));
  stopOnSignal(servers, certificate, limits.drainTimeoutMs, logger);
}

function checkDirectory(dir: string, option: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    throw new StartupError(`${option} ${dir}: ${describeFsError(error)}`);
  }
  if (!isDirectory) throw new StartupError(`${option} ${dir}: not a directory`);
}

async function resolveCertificate(
  options: ServeOptions, logger: Logger,
): Promise<{ certificate: CertificateProvider; caFile?: string }> {
  const source = options.certificate;
  const domain = options.config.domain;
  if (source.kind === 'files') {
    return { certificate: fileCertificates(source.files, domain, logger), ...(source.localCa === undefined ? {} : { caFile: source.localCa }) };
  }
  // Loaded only here: serving files never pays for the ACME client.
  const { acmeCertificates } = await import('../tls/acme/provider.js');
  return {
    certificate: await acmeCertificates(source.acme, {
      domain, httpChallenges: options.http !== undefined, handshakeTimeoutMs: options.limits.handshakeTimeoutMs, logger,
    }),
  };
}

/** Human lines on stderr: what is being served, and a command that proves it. */
function banner(options: ServeOptions, port: number, caFile: string | undefined): string {
  const { domain, mirror } = options.config;
  const portPart = port === 443 ? '' : `:${port}`;
  const host = options.host;
  const local = host === undefined || host === '::' || host === '0.0.0.0' ? '127.0.0.1'
    : host.includes(':') ? `[${host}]` : host;
  const curl = caFile === undefined
    ? `curl --resolve '${domain}:${port}:${local}' 'https://${domain}${portPart}/?go-get=1'`
    : `curl --cacert ${shellPath(caFile)} 'https://localhost${portPart}/?go-get=1'`;
  // Under --acme with nothing stored yet, that handshake is what orders the certificate.
  const ordering = options.certificate.kind === 'acme'
    ? ` (with no certificate stored yet, this first handshake for ${domain} orders one)` : '';
  return `modfallback: serving go-import tags for ${domain} that point at ${mirror}, on port ${port}\n` +
    `modfallback: try: ${curl}${ordering}\n`;
}

function shellPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') || rel === '' ? file : rel;
}

function stopOnSignal(
  servers: readonly (HttpsServer | HttpServer)[], certificate: CertificateProvider, drainTimeoutMs: number, logger: Logger,
): void {
  closeWithGrace({
    // SIGHUP reloads the certificate instead (see above).
    skip: ['SIGHUP'],
    // A last resort above the drain's own deadline, in case closing itself hangs.
    delay: drainTimeoutMs + 5_000,
    logger: { error: (message: unknown) => { logger.error(String(message)); } },
  }, async ({ signal, err }) => {
    if (err !== undefined) logger.fatal({ err }, 'unexpected error; stopping');
    else logger.info({ signal }, 'stopping: finishing in-flight requests');
    certificate.close();
    const results = await Promise.all(servers.map((server) => drain(server, drainTimeoutMs)));
    const forced = results.some((r) => r.forced);
    logger.info({ forced }, forced ? 'stopped; connections still open at the deadline were cut' : 'stopped');
    await flushLogger(logger);
  });
}
