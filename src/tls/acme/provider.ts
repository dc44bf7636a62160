// The --acme certificate source: the store, the CA client, the challenge
// answers, the manager that keeps the certificate current and the handshake
// router, wired together. Loaded only when --acme is given.
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from '../../log/logger.js';
import type { CertificateProvider } from '../provider.js';
import { useCertificate } from '../reload.js';
import { ChallengeAnswers } from './challenges.js';
import { createOrderer } from './client.js';
import { routeHandshakes } from './handshake-router.js';
import { createCertificateManager } from './manager.js';
import { DEFAULT_RETRY, type RetryBounds } from './renewal.js';
import { openStore } from './store.js';

/** What the operator chose (serve's --acme-* options). */
export interface AcmeSettings {
  readonly directoryUrl: string;
  readonly email: string | undefined;
  readonly storeDir: string;
}

/** Timings the operator has no reason to change, and tests do. */
export interface AcmeTuning {
  /** Delays between failed orders. */
  readonly retry: RetryBounds;
  /** How long a handshake waits for an on-demand order. */
  readonly orderWaitMs: number;
  /** Trusted for the CA's own https besides the public roots (Pebble in tests). */
  readonly trustedCaPem?: string;
}

export const DEFAULT_ACME_TUNING: AcmeTuning = Object.freeze({
  retry: DEFAULT_RETRY,
  // The go command gives a TLS handshake 10 s from its ClientHello; this
  // leaves it time to finish the handshake, and a proxy in between some slack.
  orderWaitMs: 7_000,
});

/** What the serve command knows that the source needs. */
export interface AcmeContext {
  readonly domain: string;
  /** A plain-http listener runs (--http-port): orders at start and renewal use http-01. */
  readonly httpChallenges: boolean;
  readonly handshakeTimeoutMs: number;
  readonly logger: Logger;
}

export async function acmeCertificates(
  settings: AcmeSettings, context: AcmeContext, tuning: AcmeTuning = DEFAULT_ACME_TUNING,
): Promise<CertificateProvider> {
  const { domain, logger } = context;
  const store = await openStore(settings.storeDir, settings.directoryUrl, domain);
  const initial = store.loadCertificate();
  const challenges = new ChallengeAnswers();
  const orderer = createOrderer({
    directoryUrl: settings.directoryUrl, accountKeyPem: store.accountKeyPem, email: settings.email,
    trustedCaPem: tuning.trustedCaPem,
  }, challenges);
  let server: HttpsServer | undefined;
  const manager = createCertificateManager({
    domain,
    httpChallenges: context.httpChallenges,
    orderer,
    store,
    initial,
    use: (pair) => { if (server !== undefined) useCertificate(server, pair); },
    logger,
    retry: tuning.retry,
  });

  return {
    initial: initial === undefined ? undefined : { cert: initial.certPem, key: initial.keyPem },
    label: store.certificateFile,
    httpChallenge: (token) => challenges.httpAnswer(token),
    summary: { certificate: 'acme', acmeDirectory: settings.directoryUrl, acmeStore: store.dir },
    attach(https) {
      server = https;
      routeHandshakes(https, {
        domain,
        handshakeTimeoutMs: context.handshakeTimeoutMs,
        orderWaitMs: tuning.orderWaitMs,
        logger,
        state: () => ({
          hasUsableCertificate: manager.hasUsableCertificate(),
          mayOrder: manager.mayOrder(),
          challengePending: (name) => challenges.alpnContext(name) !== undefined,
        }),
        challengeContext: (name) => challenges.alpnContext(name),
        orderOnDemand: () => manager.orderOnDemand(),
      });
    },
    start: () => { manager.start(); },
    reload: () => { manager.reload(); },
    close: () => { manager.close(); },
  };
}
