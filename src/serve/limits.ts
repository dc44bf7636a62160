// Timeouts and sizes the servers enforce, chosen deliberately rather than left
// to Node's defaults, which suit an application server behind a proxy, not a
// public endpoint facing every client of a domain. The CLI can change them.
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from '../log/logger.js';
import { closeSilentConnections } from './silent-connections.js';

export interface Limits {
  /** A client has this long to finish the TLS handshake (Node's default is 120 s). */
  readonly handshakeTimeoutMs: number;
  /** ...then this long to send all request headers: the slowloris bound. */
  readonly headersTimeoutMs: number;
  /** ...and the whole request. go-get requests have no body. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  readonly keepAliveTimeoutMs: number;
  /** Request line plus headers, in bytes; beyond it Node answers 431. */
  readonly maxHeaderSize: number;
  /** Connections held at once; more are closed as they arrive. */
  readonly maxConnections: number;
  /** On SIGTERM, in-flight requests get this long before connections are cut. */
  readonly drainTimeoutMs: number;
  /**
   * A connection on which nothing has moved either way this long is closed,
   * such as a client that stops reading its answers. Not an option: the other
   * limits bound every stall a client can cause on purpose.
   */
  readonly silentConnectionMs: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  // A go-get request needs well under 1 KiB.
  maxHeaderSize: 16 * 1024,
  // Each idle TLS connection costs tens of KiB; this bounds memory near 200 MiB
  // and stays under a file-descriptor limit of 8192 (see README).
  maxConnections: 4096,
  drainTimeoutMs: 10_000,
  silentConnectionMs: 30_000,
});

/** How often Node checks the headers and request timeouts (its default is 30 s). */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

/** Options for http(s).createServer that carry the limits. */
export function serverOptions(limits: Limits) {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxHeaderSize: limits.maxHeaderSize,
    connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
  } as const;
}

/** Applies the limits that are properties rather than options, and reports what they cost. */
export function applyLimits(server: HttpServer | HttpsServer, limits: Limits, logger: Logger, name: string): void {
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  closeSilentConnections(server, limits.silentConnectionMs);
  server.maxConnections = limits.maxConnections;
  // A flood drops thousands of connections a second: a line when it starts,
  // then a count every 10 s while it lasts, never a line each, so that the log
  // cannot become the bottleneck. It has ended when 10 s pass with no drop.
  let dropped = 0;
  let flood: NodeJS.Timeout | undefined;
  const endOfWindow = (): void => {
    if (dropped === 0) {
      flood = undefined;
      return;
    }
    logger.warn({ server: name, dropped }, 'connections refused at the limit in the last 10 s');
    dropped = 0;
    flood = setTimeout(endOfWindow, 10_000).unref();
  };
  server.on('drop', () => {
    if (flood !== undefined) {
      dropped++;
      return;
    }
    logger.warn({ server: name, maxConnections: limits.maxConnections },
      'at the connection limit: refusing new connections');
    flood = setTimeout(endOfWindow, 10_000).unref();
  });
  server.on('error', (error) => {
    // A failure to listen is listen()'s to tell: one line on stderr, and exit 1.
    if (!server.listening) return;
    logger.error({ err: error, server: name }, 'server error');
  });
}
