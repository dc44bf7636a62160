// Reads each connection's ClientHello before the https server's TLS starts, and
// routes it (handshake-route.ts decides): to the server, to a small TLS server
// that answers the CA's tls-alpn-01 validation, to a wait for an on-demand
// order, or away.
//
// Why here, and not in a TLS callback: the validation and ordinary clients both
// send SNI = the domain, and only the ALPN list (just "acme-tls/1") tells them
// apart. Node's SNICallback, which picks the certificate, is not told the ALPN
// list, and its ALPNCallback, which sees it, can only pick a protocol once the
// certificate is chosen. So the ClientHello is read first, with
// read-tls-client-hello (a well-kept parser that puts the bytes back), then the
// socket is given to the TLS server that should answer it: Node's TLS socket
// takes bytes already buffered on the socket it wraps. A ClientHello it cannot
// parse is refused. The https server's own 'connection' listener (Node's TLS
// set-up) is taken off and called here once the route is known, the way the
// library's trackClientHellos does; the net server underneath still counts,
// limits and closes every connection.
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { getExtensionData, readTlsClientHello } from 'read-tls-client-hello';
import type { SecureContext } from 'node:tls';
import type { Logger } from '../../log/logger.js';
import { servedContextOptions } from '../context.js';
import { ACME_TLS_PROTOCOL, routeHandshake, type HelloFacts, type RouteState } from './handshake-route.js';

export interface HandshakeRouterOptions {
  readonly domain: string;
  /** How long a client may take to send its ClientHello, and the challenge handshake to finish. */
  readonly handshakeTimeoutMs: number;
  /** How long a handshake waits for an on-demand order before it is refused. */
  readonly orderWaitMs: number;
  readonly logger: Logger;
  state(): RouteState;
  challengeContext(name: string): SecureContext | undefined;
  /** Starts an order, or joins the one running; settles when it ends. Never rejects. */
  orderOnDemand(): Promise<void>;
}

export function routeHandshakes(server: HttpsServer, options: HandshakeRouterOptions): void {
  const { logger } = options;
  const listeners = server.listeners('connection');
  const startTls = listeners[0];
  if (listeners.length !== 1 || startTls === undefined) {
    throw new Error(`the https server has ${listeners.length} connection listeners where Node sets up one`);
  }
  server.removeListener('connection', startTls as (socket: Socket) => void);
  const handToServer = (socket: Socket): void => { Reflect.apply(startTls, server, [socket]); };

  const challengeServer = createTlsServer({
    ...servedContextOptions(),
    SNICallback: (name, done) => { done(null, options.challengeContext(name.toLowerCase())); },
    ALPNProtocols: [ACME_TLS_PROTOCOL],
    handshakeTimeout: options.handshakeTimeoutMs,
  });
  // RFC 8737: the validation ends with the handshake; no application data.
  challengeServer.on('secureConnection', (socket) => { socket.end(); });
  challengeServer.on('tlsClientError', (error, socket) => {
    logger.debug({ err: error, remoteAddress: socket.remoteAddress }, 'tls-alpn-01 handshake failed');
    socket.destroy();
  });

  const refuse = (socket: Socket, reason: string, serverName?: string): void => {
    // Scanners and strangers: routine, so debug.
    logger.debug({ reason, serverName, remoteAddress: socket.remoteAddress }, 'handshake refused');
    socket.destroy();
  };

  server.on('connection', (socket: Socket) => {
    socket.on('error', (error) => { logger.debug({ err: error }, 'connection failed before its handshake'); });
    route(socket).catch((error: unknown) => {
      // One bad socket must never take the server down with an unhandled rejection.
      logger.error({ err: error }, 'handshake routing failed');
      socket.destroy();
    });
  });

  async function route(socket: Socket): Promise<void> {
    const timer = setTimeout(() => { socket.destroy(); }, options.handshakeTimeoutMs);
    const hello = await readHello(socket);
    clearTimeout(timer);
    if (gone(socket)) return;

    const decision = routeHandshake(hello, options.domain, options.state());
    switch (decision.kind) {
      case 'challenge':
        challengeServer.emit('connection', socket);
        return;
      case 'serve':
        handToServer(socket);
        return;
      case 'refuse':
        refuse(socket, decision.reason, hello?.serverName);
        return;
      case 'wait-for-order': {
        let wait: NodeJS.Timeout | undefined;
        await Promise.race([
          options.orderOnDemand(),
          new Promise((resolve) => { wait = setTimeout(resolve, options.orderWaitMs); }),
        ]);
        clearTimeout(wait);
        if (gone(socket)) return;
        const after = options.state();
        if (after.hasUsableCertificate) handToServer(socket);
        else refuse(socket, after.mayOrder ? 'the order did not finish in time' : 'the order failed', hello?.serverName);
      }
    }
  }
}

/** Whether the client has gone (a function: the checker would keep its first answer across an await). */
function gone(socket: Socket): boolean {
  return socket.destroyed;
}

/** The SNI name and ALPN list of the socket's ClientHello, or undefined when it is not one. */
async function readHello(socket: Socket): Promise<HelloFacts | undefined> {
  try {
    const hello = await readTlsClientHello(socket);
    return {
      serverName: getExtensionData(hello, 'sni')?.serverName,
      alpn: getExtensionData(hello, 'alpn')?.protocols ?? [],
    };
  } catch {
    // Not TLS, malformed, or closed before it was whole: the caller refuses it.
    return undefined;
  }
}
