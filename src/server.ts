// The https shell around the pure core: builds a server (without listening) that
// answers with createResponder's decision and logs one line per request.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FallbackConfig } from './config.js';
import { LIMITS } from './limits.js';
import type { Logger } from './logger.js';
import { createResponder } from './respond.js';

export interface FallbackServerOptions {
  readonly config: FallbackConfig;
  /** PEM certificate (chain) and private key. */
  readonly tls: { readonly cert: string; readonly key: string };
  readonly logger: Logger;
}

export function createFallbackServer({ config, tls, logger }: FallbackServerOptions): Server {
  const respond = createResponder(config);

  const server = createServer({
    cert: tls.cert,
    key: tls.key,
    ALPNProtocols: ['http/1.1'],
    handshakeTimeout: LIMITS.handshakeTimeoutMs,
    headersTimeout: LIMITS.headersTimeoutMs,
    requestTimeout: LIMITS.requestTimeoutMs,
    connectionsCheckingInterval: LIMITS.connectionsCheckingIntervalMs,
    keepAliveTimeout: LIMITS.keepAliveTimeoutMs,
    maxHeaderSize: LIMITS.maxHeaderSize,
  }, handle);
  server.keepAliveTimeout = LIMITS.keepAliveTimeoutMs;
  server.timeout = LIMITS.socketIdleTimeoutMs;

  server.on('tlsClientError', (error, socket) => {
    // Scanners and clients that do not trust the certificate: routine, not an error.
    logger.debug({ err: error, remoteAddress: socket.remoteAddress }, 'TLS handshake failed');
    socket.destroy();
  });
  server.on('error', (error) => {
    logger.error({ err: error }, 'server error');
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const method = req.method ?? '';
    const target = req.url ?? '';
    const answer = respond(method, target);
    // Once the server is stopping, a keep-alive connection ends with this response.
    if (!server.listening) res.setHeader('connection', 'close');
    res.writeHead(answer.status, answer.headers);
    res.end(method === 'HEAD' ? undefined : answer.body);

    const q = target.indexOf('?');
    logger.info({
      method,
      path: q === -1 ? target : target.slice(0, q),
      query: q === -1 ? undefined : target.slice(q + 1),
      status: answer.status,
      answer: answer.kind,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      remoteAddress: req.socket.remoteAddress,
      userAgent: req.headers['user-agent'],
    }, 'request');
  }

  return server;
}
