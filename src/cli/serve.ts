// The serve command's options, and their conversion into ServeOptions. Every
// option also comes from a MODFALLBACK_* environment variable; flags win.
import { Command, Option } from 'commander';
import { certsDirOption, domainOption, mirrorOption } from './shared-options.js';
import { DEFAULT_CACHE_MAX_AGE, DEFAULT_MAX_URL_LENGTH } from '../core/config.js';
import { UsageError } from './errors.js';
import { DEFAULT_LIMITS, type Limits } from '../serve/limits.js';
import {
  LOG_LEVELS, parseDirectoryUrl, parseEmail, parseHost, parseLogLevel, parsePath, parsePort, parseSeconds, parseSecondsAsMs,
  wholeNumber, type LogLevel,
} from './parse.js';
import { LETS_ENCRYPT_PRODUCTION, defaultStoreDir } from '../tls/acme/defaults.js';
import { serve, type CertificateSource, type ServeOptions } from '../serve/start.js';
import { writeStderr } from '../log/stderr.js';

interface ServeFlags {
  port: number;
  host?: string;
  cert?: string;
  key?: string;
  dev?: boolean;
  certsDir: string;
  acme?: boolean;
  acmeEmail?: string;
  acmeDirectory?: string;
  acmeStore?: string;
  mirror: string;
  domain: string;
  cacheMaxAge: number;
  httpPort?: number;
  acmeWebroot?: string;
  handshakeTimeout: number;
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  drainTimeout: number;
  maxHeaderSize: number;
  maxUrlLength: number;
  maxConnections: number;
  logLevel: LogLevel;
}

function option(flags: string, description: string, env: string): Option {
  return new Option(flags, description).env(`MODFALLBACK_${env}`);
}

const seconds = (ms: number): string => String(ms / 1000);

export function addServeCommand(program: Command): void {
  // The default command: see withDefaultCommand in program.ts.
  program.command('serve')
    .description('serve go-import tags for the domain, pointing at the mirror (the default command)')
    .addOption(option('--port <n>', 'TCP port for https', 'PORT').argParser(parsePort).default(443))
    .addOption(option('--host <address>', 'address to listen on (default: all interfaces)', 'HOST').argParser(parseHost))
    .addOption(option('--cert <file>', 'PEM certificate, or full chain, for the domain', 'CERT'))
    .addOption(option('--key <file>', 'PEM private key of the certificate', 'KEY'))
    .addOption(option('--dev', 'use development certificates in --certs-dir, making them if missing', 'DEV'))
    .addOption(certsDirOption('--certs-dir <dir>', 'where --dev keeps its certificates'))
    .addOption(option('--acme', 'get and renew the certificate from an ACME CA (Let\'s Encrypt) instead of --cert/--key', 'ACME'))
    .addOption(option('--acme-email <address>', 'contact address of the ACME account', 'ACME_EMAIL').argParser(parseEmail))
    .addOption(option('--acme-directory <url>', 'ACME directory URL (default: Let\'s Encrypt production)', 'ACME_DIRECTORY')
      .argParser(parseDirectoryUrl))
    .addOption(option('--acme-store <dir>', 'keeps the ACME account key and the certificate (default: $STATE_DIRECTORY, else ./acme)',
      'ACME_STORE').argParser(parsePath))
    .addOption(mirrorOption('module mirror the go command is sent to'))
    .addOption(domainOption())
    .addOption(option('--cache-max-age <seconds>', 'how long clients and CDNs may cache an answer', 'CACHE_MAX_AGE')
      .argParser(parseSeconds).default(DEFAULT_CACHE_MAX_AGE))
    .addOption(option('--http-port <n>', 'also listen for plain http: ACME challenges, and redirects to https', 'HTTP_PORT')
      .argParser(parsePort))
    .addOption(option('--acme-webroot <dir>', 'serve /.well-known/acme-challenge/ from this directory (with --http-port)', 'ACME_WEBROOT'))
    .addOption(option('--handshake-timeout <seconds>', 'time to finish the TLS handshake', 'HANDSHAKE_TIMEOUT')
      .argParser(parseSecondsAsMs).default(DEFAULT_LIMITS.handshakeTimeoutMs, seconds(DEFAULT_LIMITS.handshakeTimeoutMs)))
    .addOption(option('--headers-timeout <seconds>', 'time to send the request headers', 'HEADERS_TIMEOUT')
      .argParser(parseSecondsAsMs).default(DEFAULT_LIMITS.headersTimeoutMs, seconds(DEFAULT_LIMITS.headersTimeoutMs)))
    .addOption(option('--request-timeout <seconds>', 'time to send the whole request', 'REQUEST_TIMEOUT')
      .argParser(parseSecondsAsMs).default(DEFAULT_LIMITS.requestTimeoutMs, seconds(DEFAULT_LIMITS.requestTimeoutMs)))
    .addOption(option('--keep-alive-timeout <seconds>', 'how long an idle keep-alive connection stays open', 'KEEP_ALIVE_TIMEOUT')
      .argParser(parseSecondsAsMs).default(DEFAULT_LIMITS.keepAliveTimeoutMs, seconds(DEFAULT_LIMITS.keepAliveTimeoutMs)))
    .addOption(option('--drain-timeout <seconds>', 'on SIGTERM, how long in-flight requests may take', 'DRAIN_TIMEOUT')
      .argParser(parseSecondsAsMs).default(DEFAULT_LIMITS.drainTimeoutMs, seconds(DEFAULT_LIMITS.drainTimeoutMs)))
    .addOption(option('--max-header-size <bytes>', 'request line plus headers; larger requests get 431', 'MAX_HEADER_SIZE')
      .argParser(wholeNumber(1024, 1024 * 1024)).default(DEFAULT_LIMITS.maxHeaderSize))
    .addOption(option('--max-url-length <n>', 'longest request target; longer ones get 414', 'MAX_URL_LENGTH')
      .argParser(wholeNumber(64, 1024 * 1024)).default(DEFAULT_MAX_URL_LENGTH))
    .addOption(option('--max-connections <n>', 'connections held at once; more are closed on arrival', 'MAX_CONNECTIONS')
      .argParser(wholeNumber(1, 1_000_000)).default(DEFAULT_LIMITS.maxConnections))
    .addOption(option('--log-level <level>', `one of ${LOG_LEVELS.join(', ')}`, 'LOG_LEVEL')
      .argParser(parseLogLevel).default('info'))
    .action(async (flags: ServeFlags) => {
      const { certificate, ...options } = toServeOptions(flags);
      await serve({ ...options, certificate: certificate.kind === 'dev' ? await devCertificates(certificate.dir, options.config.domain) : certificate });
    });
}

/** Where --dev's certificates come from: made or reused in a directory, before the server starts. */
type CertificateChoice = CertificateSource | { readonly kind: 'dev'; readonly dir: string };

/** Development certificates, made if missing, and one line on stderr saying what was made and where. */
async function devCertificates(dir: string, domain: string): Promise<CertificateSource> {
  // Loaded only here: serving real certificates never pays for X.509 generation.
  const { describeDevCertificates, ensureDevCertificates } = await import('../certs/files.js');
  const dev = await ensureDevCertificates(dir, domain);
  writeStderr(`modfallback: ${describeDevCertificates(dev)}\n`);
  return { kind: 'files', files: { cert: dev.paths.cert, key: dev.paths.key }, localCa: dev.paths.ca };
}

function toServeOptions(flags: ServeFlags): Omit<ServeOptions, 'certificate'> & { certificate: CertificateChoice } {
  if (flags.acmeWebroot !== undefined && flags.httpPort === undefined) {
    throw new UsageError('--acme-webroot needs --http-port: challenges are served over plain http');
  }
  const limits: Limits = Object.freeze({
    handshakeTimeoutMs: flags.handshakeTimeout,
    headersTimeoutMs: flags.headersTimeout,
    requestTimeoutMs: flags.requestTimeout,
    keepAliveTimeoutMs: flags.keepAliveTimeout,
    maxHeaderSize: flags.maxHeaderSize,
    maxConnections: flags.maxConnections,
    drainTimeoutMs: flags.drainTimeout,
    // Never shorter than a wait the options allow: an idle keep-alive connection moves nothing either.
    silentConnectionMs: Math.max(DEFAULT_LIMITS.silentConnectionMs, flags.keepAliveTimeout, flags.headersTimeout, flags.requestTimeout),
  });
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new UsageError('--headers-timeout must not be longer than --request-timeout');
  }
  return {
    config: Object.freeze({
      domain: flags.domain, mirror: flags.mirror, cacheMaxAge: flags.cacheMaxAge, maxUrlLength: flags.maxUrlLength,
    }),
    certificate: certificateSource(flags),
    port: flags.port,
    host: flags.host,
    http: flags.httpPort === undefined ? undefined : { port: flags.httpPort, acmeWebroot: flags.acmeWebroot },
    limits,
    logLevel: flags.logLevel,
  };
}

function certificateSource(flags: ServeFlags): CertificateChoice {
  if (flags.acme === true) {
    if (flags.dev === true) throw new UsageError('--acme and --dev are two ways to get a certificate; use one');
    if (flags.cert !== undefined || flags.key !== undefined) {
      throw new UsageError('--acme gets its own certificate; drop --cert and --key, or drop --acme');
    }
    return { kind: 'acme', acme: {
      directoryUrl: flags.acmeDirectory ?? LETS_ENCRYPT_PRODUCTION,
      email: flags.acmeEmail,
      storeDir: flags.acmeStore ?? defaultStoreDir(process.env),
    } };
  }
  const stray = ([['--acme-email', flags.acmeEmail], ['--acme-directory', flags.acmeDirectory], ['--acme-store', flags.acmeStore]] as const)
    .find(([, value]) => value !== undefined);
  if (stray !== undefined) throw new UsageError(`${stray[0]} needs --acme`);
  if (flags.dev === true) {
    if (flags.cert !== undefined || flags.key !== undefined) {
      throw new UsageError('--dev makes its own certificate; drop --cert and --key, or drop --dev');
    }
    return { kind: 'dev', dir: flags.certsDir };
  }
  if (flags.cert !== undefined && flags.key !== undefined) {
    return { kind: 'files', files: { cert: flags.cert, key: flags.key } };
  }
  if (flags.cert === undefined && flags.key === undefined) {
    throw new UsageError('--cert and --key are required (or --acme, to get a certificate from Let\'s Encrypt; ' +
      'or --dev, for development certificates made in --certs-dir, ./certs by default)');
  }
  throw new UsageError(flags.cert === undefined ? '--cert is required with --key' : '--key is required with --cert');
}
