// The request handler both listeners share: asks a responder for the answer,
// writes it, and logs one line for the request.
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Answer, RequestHead } from '../core/answer.js';
import type { Logging } from '../log/logger.js';

/** Answers each request with respond's answer and logs one line for it. */
export function answerRequests(
  server: HttpServer | HttpsServer,
  respond: (head: RequestHead) => Answer | Promise<Answer>,
  { logger, logRequest }: Logging,
): void {
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const scanned = scanHeaders(req.rawHeaders);
    const head: RequestHead = { method: req.method ?? '', target: req.url ?? '', hostHeaders: scanned.hosts };
    const write = (answer: Answer): void => {
      // Once the server is stopping, a keep-alive connection ends with this response.
      if (!server.listening) res.setHeader('connection', 'close');
      res.writeHead(answer.status, answer.headers);
      res.end(head.method === 'HEAD' ? undefined : answer.body);
      // No duration: every answer is computed in memory, so it would only ever
      // say how long writing the headers took.
      logRequest?.({
        method: head.method,
        url: head.target,
        status: answer.status,
        answer: answer.kind,
        remoteAddress: req.socket.remoteAddress,
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
 * The Host headers counted (req.headers keeps only the first of several, and
 * a request must have exactly one) and the User-Agent, from the raw list.
 */
function scanHeaders(rawHeaders: readonly string[]): { hosts: number; userAgent: string | undefined } {
  let hosts = 0;
  let userAgent: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    if (name === 'host') hosts++;
    else if (name === 'user-agent' && userAgent === undefined) userAgent = rawHeaders[i + 1];
  }
  return { hosts, userAgent };
}
