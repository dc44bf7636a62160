// The https server around the pure core: built here, without listening.
import { createServer, type Server } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import type { FallbackConfig } from '../core/config.js';
import { answerRequests } from './handler.js';
import { applyLimits, serverOptions, type Limits } from './limits.js';
import type { Logging } from '../log/logger.js';
import { createResponder } from '../core/respond.js';

export interface FallbackServerOptions extends Logging {
  readonly config: FallbackConfig;
  /** PEM certificate (chain) and private key; undefined while ACME has none yet. */
  readonly tls: { readonly cert: string; readonly key: string } | undefined;
  readonly limits: Limits;
}

/**
 * The TLS context for a certificate and key, at start and at each reload.
 * No trust store (`ca: []`): this server asks no client for a certificate, and
 * without one Node loads its 140-odd root certificates into every context it
 * makes, a quarter of a cold start (about 20 ms) and as long an event-loop stall
 * at each certificate reload. The chain sent is what --cert holds either way.
 */
export function serverTlsContext(tls: { readonly cert: string; readonly key: string } | undefined): SecureContextOptions {
  return tls === undefined ? { ca: [] } : { cert: tls.cert, key: tls.key, ca: [] };
}

export function createFallbackServer({ config, tls, limits, logger, logRequest }: FallbackServerOptions): Server {
  const server = createServer({
    ...serverTlsContext(tls),
    ALPNProtocols: ['http/1.1'],
    handshakeTimeout: limits.handshakeTimeoutMs,
    ...serverOptions(limits),
  });
  applyLimits(server, limits, logger, 'https');
  server.on('tlsClientError', (error, socket) => {
    // Scanners, timeouts and clients that do not trust the certificate: routine, not errors.
    logger.debug({ err: error, remoteAddress: socket.remoteAddress }, 'TLS handshake failed');
    socket.destroy();
  });
  answerRequests(server, createResponder(config), { logger, logRequest });
  return server;
}
