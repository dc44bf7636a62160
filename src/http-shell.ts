// What the https server and the plain-http listener share: their limits, and
// the request handler that asks a responder, writes its answer and logs it.
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Answer, RequestHead } from './answer.js';
import { keepingLast } from './keep-last.js';
import { CONNECTIONS_CHECKING_INTERVAL_MS, type Limits } from './limits.js';
import type { Logger, Logging } from './logger.js';
import { closeSilentConnections } from './silent-connections.js';

type AnyServer = HttpServer | HttpsServer;

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
export function applyLimits(server: AnyServer, limits: Limits, logger: Logger, name: string): void {
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  closeSilentConnections(server, limits.silentConnectionMs);
  server.maxConnections = limits.maxConnections;
  // A flood drops thousands of connections a second: a line when it starts and
  // a count when it has lasted a while, never a line each, so that the log
  // cannot become the bottleneck.
  let dropped = 0;
  server.on('drop', () => {
    if (dropped++ > 0) return;
    logger.warn({ server: name, maxConnections: limits.maxConnections },
      'at the connection limit: refusing new connections');
    setTimeout(() => {
      if (dropped > 1) logger.warn({ server: name, dropped }, 'connections refused at the limit in the last 10 s');
      dropped = 0;
    }, 10_000).unref();
  });
  server.on('error', (error) => {
    logger.error({ err: error, server: name }, 'server error');
  });
}

/** Answers each request with respond's answer and logs one line for it. */
export function answerRequests(
  server: AnyServer,
  respond: (head: RequestHead) => Answer | Promise<Answer>,
  { logger, logRequest }: Logging,
): void {
  const remoteAddressOf = remoteAddresses();
  // A flood asks for one target over and over, each time in a new string. The
  // responder and the request line each compare the target with the last
  // one; given the last one's own string, both comparisons are an identity
  // check, and only this one reads the characters (for a 40-element path,
  // about 250 instructions a comparison).
  const lastTargetIfSame = keepingLast((target: string) => target);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const scanned = scanHeaders(req.rawHeaders);
    const head: RequestHead = { method: req.method ?? '', target: lastTargetIfSame(req.url ?? ''), hostHeaders: scanned.hosts };
    const write = (answer: Answer): void => {
      // Once the server is stopping, a keep-alive connection ends with this response.
      if (!server.listening) res.setHeader('connection', 'close');
      res.writeHead(answer.status, answer.headers);
      res.end(head.method === 'HEAD' ? undefined : answer.body, answer.encoding);
      // No duration: every answer is computed in memory, so it would only ever
      // say how long writing the headers took.
      logRequest?.({
        method: head.method,
        url: head.target,
        status: answer.status,
        answer: answer.kind,
        remoteAddress: remoteAddressOf(req.socket),
        userAgent: scanned.userAgent,
      });
    };
    const result = respond(head);
    if (result instanceof Promise) {
      result.then(write, (error: unknown) => {
        logger.error({ err: error, path: head.target }, 'request failed');
        res.destroy();
      });
    } else {
      write(result);
    }
  });
}

/**
 * The client's address on a socket, read from Node once per connection: its
 * getter walks the socket and its handle (_getpeername) on every read, about
 * 580 instructions where a WeakMap lookup is 140; on the main thread at info,
 * 111,100 -> 110,500 instructions a keep-alive request. Node keeps the address
 * once read, even after the socket closes, so the one kept here is what the
 * getter would say. Until Node knows it (never, for a client gone before its
 * first request was logged), it is asked again.
 */
function remoteAddresses(): (socket: Socket) => string | undefined {
  const known = new WeakMap<Socket, string>();
  return (socket) => {
    let address = known.get(socket);
    if (address === undefined) {
      address = socket.remoteAddress;
      if (address !== undefined) known.set(socket, address);
    }
    return address;
  };
}

/**
 * The two headers the server reads, from the raw list: touching req.headers
 * would build an object of every header for each request.
 */
function scanHeaders(rawHeaders: readonly string[]): { hosts: number; userAgent: string | undefined } {
  let hosts = 0;
  let userAgent: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    if (name.length === 4 && name.toLowerCase() === 'host') hosts++;
    else if (name.length === 10 && userAgent === undefined && name.toLowerCase() === 'user-agent') userAgent = rawHeaders[i + 1];
  }
  return { hosts, userAgent };
}
