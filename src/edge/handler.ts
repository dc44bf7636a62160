// The Worker's decision for one request: with no origin, the fallback's answer;
// with one, the origin's answer, unless the origin failed a go get lookup, which
// the fallback then answers. Logs one JSON line for every answer it gives itself.
import { plainError, type Answer } from '../core/answer.js';
import { createResponder, isGoGetRequest } from '../core/respond.js';
import { passToOrigin } from './origin.js';
import type { EdgeSettings } from './settings.js';

export type EdgeHandler = (request: Request) => Promise<Response>;

/** Why the Worker answered a request itself. */
type Reason = 'no origin' | 'unreachable' | 'timeout' | `status ${number}`;

export function createEdgeHandler(settings: EdgeSettings): EdgeHandler {
  const respond = createResponder(settings.fallback);
  const { origin, originTimeoutMs } = settings;
  const seconds = `${originTimeoutMs / 1000} s`;
  const unreachable = plainError('origin-unreachable', `Bad gateway: the origin server for ${settings.fallback.domain} could not be reached.`);
  const timeout = plainError('origin-timeout', `Gateway timeout: the origin server did not answer within ${seconds}.`);

  return async (request) => {
    const url = new URL(request.url);
    const head = { method: request.method, target: url.pathname + url.search, hostHeaders: 1 };
    const fallback = (reason: Reason): Response => answerWith(respond(head), 'fallback', reason, request.method, head.target);
    if (origin.kind === 'none') return fallback('no origin');

    const goGet = isGoGetRequest(head.method, head.target);
    const outcome = await passToOrigin(request, { origin, timeoutMs: originTimeoutMs, wholeBody: goGet });
    if (outcome.kind === 'answered') {
      const { status } = outcome.response;
      return goGet && status >= 500 ? fallback(`status ${status}`) : outcome.response;
    }
    if (goGet) return fallback(outcome.kind);
    return answerWith(outcome.kind === 'timeout' ? timeout : unreachable, 'origin failed', outcome.kind, request.method, head.target);
  };
}

/** The answer as a Response (no body for HEAD), and its log line. */
function answerWith(answer: Answer, msg: string, reason: Reason, method: string, target: string): Response {
  console.log(JSON.stringify({ msg, reason, method, url: target, status: answer.status, answer: answer.kind }));
  return toResponse(answer, method);
}

export function toResponse(answer: Answer, method: string): Response {
  return new Response(method === 'HEAD' ? null : answer.body, { status: answer.status, headers: answer.headers });
}
