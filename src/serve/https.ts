// The https server around the pure core: built here, without listening.
import { createServer, type Server } from 'node:https';
import type { FallbackConfig } from '../core/config.js';
import { answerRequests } from './handler.js';
import { applyLimits, serverOptions, type Limits } from './limits.js';
import { servedContextOptions } from '../tls/context.js';
import type { Logging } from '../log/logger.js';
import { createResponder } from '../core/respond.js';

export interface FallbackServerOptions extends Logging {
  readonly config: FallbackConfig;
  /** PEM certificate (chain) and private key; undefined while ACME has none yet. */
  readonly tls: { readonly cert: string; readonly key: string } | undefined;
  readonly limits: Limits;
}

export function createFallbackServer({ config, tls, limits, logger, logRequest }: FallbackServerOptions): Server {
  const server = createServer({
    ...servedContextOptions(tls),
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
