// Passes a request through to the origin and brings back its answer, or says
// why there is none: unreachable, or no answer within the time allowed.
import type { Origin } from './settings.js';

export type OriginOutcome =
  | { readonly kind: 'answered'; readonly response: Response }
  | { readonly kind: 'unreachable'; readonly error: string }
  | { readonly kind: 'timeout' };

export interface PassOptions {
  readonly origin: Exclude<Origin, { kind: 'none' }>;
  readonly timeoutMs: number;
  /**
   * Read the whole body within the time allowed too (go-get pages are small):
   * an origin that sends its headers and then stalls has not answered.
   */
  readonly wholeBody: boolean;
}

// RFC 9110 section 7.6.1: these describe one connection, not the message.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade'];

/** Headers minus the hop-by-hop ones, including any the Connection header names. */
export function endToEnd(headers: Headers): Headers {
  const kept = new Headers(headers);
  const named = (headers.get('connection') ?? '').split(',').map((name) => name.trim().toLowerCase());
  for (const name of [...HOP_BY_HOP, ...named]) if (name !== '') kept.delete(name);
  return kept;
}

export async function passToOrigin(request: Request, options: PassOptions): Promise<OriginOutcome> {
  const url = new URL(request.url);
  const headers = endToEnd(request.headers);
  let target = request.url;
  if (options.origin.kind === 'url') {
    target = options.origin.base + url.pathname + url.search;
    // The Host header becomes the origin's own; say which host was asked for.
    headers.set('x-forwarded-host', url.host);
    headers.set('x-forwarded-proto', url.protocol.slice(0, -1));
  }
  // Aborted only when the time is up, so an aborted signal means a timeout.
  const controller = new AbortController();
  const timer = setTimeout(() => { controller.abort(); }, options.timeoutMs);
  try {
    const answer = await fetch(target, {
      method: request.method,
      headers,
      body: request.body,
      // The client follows the origin's redirects itself, as it would without the Worker.
      redirect: 'manual',
      signal: controller.signal,
    });
    const body = options.wholeBody && answer.body !== null ? await answer.arrayBuffer() : answer.body;
    return {
      kind: 'answered',
      response: new Response(body, { status: answer.status, statusText: answer.statusText, headers: endToEnd(answer.headers) }),
    };
  } catch (error) {
    return controller.signal.aborted ? { kind: 'timeout' } : { kind: 'unreachable', error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
