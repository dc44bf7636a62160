// Keeps the served certificate current under --acme: serves the stored one,
// orders when there is none (by http-01 at start, with --http-port; by
// tls-alpn-01 at the first handshake for the domain), renews when a third of
// its life is left, retries with backoff, and swaps each new certificate in.
// At most one order runs at a time; everyone who wants one shares it.
import { checkCertificatePair, type CertificatePair } from '../certificate.js';
import type { Logger } from '../../log/logger.js';
import type { ChallengeType } from './challenges.js';
import { OrderFailure, type Orderer } from './client.js';
import { describeFsError, messageOf } from '../../cli/errors.js';
import {
  isFresh, isUsable, nextOrderTime, renewalTime, retryDelay, timerDelay, type RetryBounds,
} from './renewal.js';
import type { AcmeStore } from './store.js';

export interface ManagerOptions {
  readonly domain: string;
  /** A plain-http listener answers http-01: orders at start and renewal use it. */
  readonly httpChallenges: boolean;
  readonly orderer: Orderer;
  readonly store: Pick<AcmeStore, 'certificateFile' | 'loadCertificate' | 'saveCertificate'>;
  /** The certificate found in the store at start. */
  readonly initial: CertificatePair | undefined;
  /** Puts a certificate in front of new connections. */
  readonly use: (pair: CertificatePair) => void;
  readonly logger: Logger;
  readonly retry: RetryBounds;
}

export interface CertificateManager {
  /** A certificate clients accept is in place now. */
  hasUsableCertificate(): boolean;
  /** An order may start now (no failure is being waited out), or one is running. */
  mayOrder(): boolean;
  /** Starts a tls-alpn-01 order, or joins the running one; settles when it ends, never rejects. */
  orderOnDemand(): Promise<void>;
  /** Says what it serves, and orders or plans the renewal. Called once the listeners are up. */
  start(): void;
  /** Reads the store again (SIGHUP), for a certificate put there by hand. */
  reload(): void;
  /** No more orders or timers. */
  close(): void;
}

type Trigger = 'start' | 'renewal' | 'retry' | 'handshake';

export function createCertificateManager(options: ManagerOptions): CertificateManager {
  const { domain, logger, store } = options;
  const timedType: ChallengeType = options.httpChallenges ? 'http-01' : 'tls-alpn-01';
  let current = options.initial;
  let running: Promise<void> | undefined;
  let failures = 0;
  let retryAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const describe = (pair: CertificatePair) => ({
    names: pair.names, issuer: pair.issuer, notAfter: pair.notAfter.toISOString(),
    renewAt: new Date(renewalTime(pair)).toISOString(), file: store.certificateFile,
  });

  function plan(): void {
    clearTimeout(timer);
    const at = nextOrderTime(current, options.httpChallenges, retryAt, Date.now());
    if (closed || at === undefined) return;
    timer = setTimeout(() => {
      // A wait longer than a timer holds was cut short: plan again.
      if (Date.now() < at) plan();
      else void order(failures > 0 ? 'retry' : current === undefined ? 'start' : 'renewal', timedType);
    }, timerDelay(at, Date.now()));
  }

  function order(trigger: Trigger, challenge: ChallengeType): Promise<void> {
    if (running !== undefined) return running;
    if (closed) return Promise.resolve();
    logger.info({ domain, challenge, trigger }, 'ordering a certificate');
    running = attempt(trigger, challenge).finally(() => {
      running = undefined;
      plan();
    });
    return running;
  }

  async function attempt(trigger: Trigger, challenge: ChallengeType): Promise<void> {
    try {
      const issued = await options.orderer.order(domain, challenge);
      const pair = checkCertificatePair(issued.chainPem, issued.keyPem, { cert: "the CA's certificate", key: 'its key' });
      if (!pair.covers(domain)) throw new OrderFailure({ detail: `the CA's certificate does not cover ${domain}` });
      const previous = current;
      current = pair;
      failures = 0;
      retryAt = 0;
      options.use(pair);
      logger.info({ domain, ...describe(pair), challenge, trigger, account: options.orderer.accountUrl() },
        previous === undefined ? 'certificate obtained' : 'certificate renewed');
      await store.saveCertificate(issued.chainPem, issued.keyPem).catch((error: unknown) => {
        logger.error({ file: store.certificateFile, problem: describeFsError(error) },
          'cannot save the certificate in the ACME store; serving it from memory, a restart orders again');
      });
    } catch (error) {
      failures += 1;
      const delay = retryDelay(failures, options.retry);
      retryAt = Date.now() + delay;
      const usable = current !== undefined && isUsable(current, Date.now());
      const next = nextOrderTime(current, options.httpChallenges, retryAt, Date.now());
      logger.error({
        domain, challenge, trigger, failures,
        problem: error instanceof OrderFailure ? error.problem : { detail: messageOf(error) },
        retryAt: new Date(retryAt).toISOString(),
        retryBy: next === undefined ? 'the next handshake for the domain' : 'timer',
        serving: usable && current !== undefined
          ? `the previous certificate, valid until ${current.notAfter.toISOString()}`
          : 'no certificate: handshakes are refused until an order succeeds',
      }, 'certificate order failed');
    }
  }

  return {
    hasUsableCertificate: () => current !== undefined && isUsable(current, Date.now()),
    mayOrder: () => running !== undefined || (!closed && Date.now() >= retryAt),
    orderOnDemand: () => order('handshake', 'tls-alpn-01'),
    start() {
      if (current !== undefined) {
        logger.info({ reason: 'start', domain, ...describe(current) }, 'certificate loaded');
        if (!isFresh(current, Date.now())) logger.info({ domain }, 'the stored certificate is due for renewal');
        plan();
      } else if (options.httpChallenges) {
        logger.warn({ domain }, 'no certificate yet: ordering one now (http-01)');
        void order('start', 'http-01');
      } else {
        logger.warn({ domain }, 'no certificate yet: the first TLS handshake for the domain orders one (tls-alpn-01)');
      }
    },
    reload() {
      let stored: CertificatePair | undefined;
      try {
        stored = store.loadCertificate();
      } catch (error) {
        logger.error({ reason: 'SIGHUP', problem: messageOf(error) },
          'certificate reload refused; still serving the previous certificate');
        return;
      }
      if (stored === undefined || stored.certPem === current?.certPem) return;
      // A renewal that could not be saved lives only in memory: never trade it for an older one.
      if (current !== undefined && stored.notAfter < current.notAfter) {
        logger.warn({ reason: 'SIGHUP', domain, ...describe(stored), serving: current.notAfter.toISOString() },
          'the ACME store holds an older certificate than the one served; keeping the newer');
        return;
      }
      current = stored;
      failures = 0;
      retryAt = 0;
      options.use(stored);
      logger.info({ reason: 'SIGHUP', domain, ...describe(stored) }, 'certificate loaded');
      plan();
    },
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
