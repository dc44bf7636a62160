// Where the served certificate comes from and how it is kept current, as the
// serve command sees it: files named by the operator (reloaded when they
// change), or ACME (src/tls/acme/provider.ts). The command builds its https
// server from the provider's first pair and calls it at each step.
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from '../log/logger.js';
import { loadCertificatePair, type CertificateFiles } from './certificate.js';
import { logCertificate, watchCertificate, type CertificateReloader } from './reload.js';

export interface CertificateProvider {
  /** The pair to build the server with; undefined while there is none yet (ACME before its first order). */
  readonly initial: { readonly cert: string; readonly key: string } | undefined;
  /** Names the source in a start-up error: "--cert FILE, --key FILE" or the store's file. */
  readonly label: string;
  /** The http-01 answer kept in memory for a token, for the plain-http listener; undefined when none are kept. */
  readonly httpChallenge: ((token: string) => string | undefined) | undefined;
  /** What the 'listening' log line says about the source. */
  readonly summary: Readonly<Record<string, string>>;
  /** Hooks into the built https server, before it listens. */
  attach(server: HttpsServer): void;
  /** Once listening: says what it serves, then watches, renews or orders. */
  start(): void;
  /** On SIGHUP: reads the source again. */
  reload(): void;
  /** On stop: no more watching, timers or orders. */
  close(): void;
}

/** The certificate and key files the operator names; a bad pair stops the start. */
export function fileCertificates(files: CertificateFiles, domain: string, logger: Logger): CertificateProvider {
  const pair = loadCertificatePair(files);
  let server: HttpsServer | undefined;
  let reloader: CertificateReloader | undefined;
  return {
    initial: { cert: pair.certPem, key: pair.keyPem },
    label: `--cert ${files.cert}, --key ${files.key}`,
    httpChallenge: undefined,
    summary: { certificate: files.cert },
    attach(https) { server = https; },
    start() {
      logCertificate(logger, pair, files, domain, 'start');
      if (server !== undefined) reloader = watchCertificate(server, files, pair, domain, logger);
    },
    reload() { reloader?.reload('SIGHUP'); },
    close() { reloader?.close(); },
  };
}
