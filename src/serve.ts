// The serve command: load and check the certificate, build the server, listen,
// say what it is doing, and stop gracefully on a signal.
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { relative } from 'node:path';
import closeWithGrace from 'close-with-grace';
import type { FallbackConfig } from './config.js';
import type { CertificateFiles } from './certificate.js';
import { certificateWarnings, loadCertificatePair } from './certificate.js';
import { drain } from './drain.js';
import { StartupError } from './errors.js';
import { LIMITS } from './limits.js';
import { createLogger, flushLogger, type Logger } from './logger.js';
import type { LogLevel } from './options.js';
import { createFallbackServer } from './server.js';

/** Where the certificate comes from: files the operator names, or made for development. */
export type CertificateSource =
  | { readonly kind: 'files'; readonly files: CertificateFiles }
  | { readonly kind: 'dev'; readonly dir: string };

export interface ServeOptions {
  readonly config: FallbackConfig;
  readonly certificate: CertificateSource;
  readonly port: number;
  /** Listen address; undefined for every interface. */
  readonly host: string | undefined;
  readonly logLevel: LogLevel;
}

/** Starts serving; resolves once listening. Start-up problems reject with a StartupError. */
export async function serve(options: ServeOptions): Promise<Server> {
  const { config } = options;
  const logger = createLogger(options.logLevel);
  const { files, caFile } = await resolveCertificate(options.certificate, config.domain);
  const pair = loadCertificatePair(files);
  for (const warning of certificateWarnings(pair, config.domain, new Date())) {
    logger.warn({ cert: files.cert }, warning);
  }

  let server: Server;
  try {
    server = createFallbackServer({ config, tls: { cert: pair.certPem, key: pair.keyPem }, logger });
  } catch (error) {
    throw new StartupError(`--cert ${files.cert}, --key ${files.key}: TLS cannot use this pair: ${String(error)}`);
  }
  await listen(server, options.port, options.host);
  const { port } = server.address() as AddressInfo;

  logger.info({
    domain: config.domain,
    mirror: config.mirror,
    cacheMaxAge: config.cacheMaxAge,
    host: options.host ?? '(all interfaces)',
    port,
    certificate: { file: files.cert, names: pair.names, notAfter: pair.notAfter.toISOString() },
    node: process.version,
  }, 'listening');
  process.stderr.write(banner(options, port, caFile));

  stopOnSignal(server, logger);
  return server;
}

async function resolveCertificate(
  source: CertificateSource, domain: string,
): Promise<{ files: CertificateFiles; caFile?: string }> {
  if (source.kind === 'files') return { files: source.files };
  // Loaded only here: serving real certificates never pays for X.509 generation.
  const { ensureDevCertificates } = await import('./certificate-files.js');
  const { paths } = await ensureDevCertificates(source.dir, domain);
  return { files: { cert: paths.cert, key: paths.key }, caFile: paths.ca };
}

function listen(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(new StartupError(describeListenError(error, port, host)));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function describeListenError(error: NodeJS.ErrnoException, port: number, host: string | undefined): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return `--port ${port}: address already in use (is another server listening there?)`;
    case 'EACCES':
      return port < 1024
        ? `--port ${port}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE; see README)`
        : `--port ${port}: permission denied`;
    case 'EADDRNOTAVAIL':
      return `--host ${host ?? ''}: not an address of this machine`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `--host ${host ?? ''}: cannot resolve this name`;
    default:
      return `cannot listen on port ${port}: ${error.message}`;
  }
}

/** Human lines on stderr: what is being served, and a command that proves it. */
function banner(options: ServeOptions, port: number, caFile: string | undefined): string {
  const { domain, mirror } = options.config;
  const portPart = port === 443 ? '' : `:${port}`;
  const local = options.host === undefined || options.host === '::' || options.host === '0.0.0.0'
    ? '127.0.0.1' : options.host.includes(':') ? `[${options.host}]` : options.host;
  const curl = caFile === undefined
    ? `curl --resolve '${domain}:${port}:${local}' 'https://${domain}${portPart}/?go-get=1'`
    : `curl --cacert ${shellPath(caFile)} 'https://localhost${portPart}/?go-get=1'`;
  return `modfallback: serving go-import tags for ${domain} that point at ${mirror}, on port ${port}\n` +
    `modfallback: try: ${curl}\n`;
}

function shellPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') || rel === '' ? file : rel;
}

function stopOnSignal(server: Server, logger: Logger): void {
  closeWithGrace({
    // A last resort above the drain's own deadline, in case closing itself hangs.
    delay: LIMITS.drainTimeoutMs + 5_000,
    logger: { error: (message: unknown) => { logger.error(String(message)); } },
  }, async ({ signal, err }) => {
    if (err !== undefined) logger.fatal({ err }, 'unexpected error; stopping');
    else logger.info({ signal }, 'stopping: finishing in-flight requests');
    const { forced } = await drain(server, LIMITS.drainTimeoutMs);
    logger.info({ forced }, forced ? 'stopped; connections still open at the deadline were cut' : 'stopped');
    await flushLogger(logger);
  });
}
