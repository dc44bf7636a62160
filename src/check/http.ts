// HTTP for the check command: Node's fetch with a per-request timeout, and
// retries with backoff on timeouts, network errors, 429 and 5xx. TLS trust is
// Node's own, so NODE_EXTRA_CA_CERTS adds a local CA.
import pRetry from 'p-retry';
import { messageOf } from '../cli/errors.js';

export interface HttpResult {
  readonly url: string;
  readonly status: number;
  readonly body: string;
}

export interface HttpOptions {
  readonly timeoutMs: number;
  readonly retries: number;
  /** First backoff; it doubles, with jitter. */
  readonly backoffMs: number;
  /** Read and drop the body (module zips), keeping memory flat. */
  readonly discardBody?: boolean;
}

export const DEFAULT_HTTP: HttpOptions = { timeoutMs: 30_000, retries: 3, backoffMs: 500 };

/** A failure worth another try; its message is the one-line reason. */
class TransientError extends Error {
  constructor(message: string, readonly result?: HttpResult) {
    super(message);
  }
}

/** Thrown when a URL could not be fetched at all, after every retry. */
export class FetchError extends Error {}

/** GETs a URL. Resolves with any final status (a 5xx after the last retry too); rejects only with FetchError. */
export async function get(url: string, options: HttpOptions = DEFAULT_HTTP): Promise<HttpResult> {
  try {
    return await pRetry(() => attempt(url, options), {
      retries: options.retries,
      minTimeout: options.backoffMs,
      factor: 2,
      randomize: true,
    });
  } catch (error) {
    if (error instanceof TransientError && error.result !== undefined) return error.result;
    throw new FetchError(`GET ${url}: ${messageOf(error)}`);
  }
}

async function attempt(url: string, options: HttpOptions): Promise<HttpResult> {
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs), redirect: 'follow' });
    body = options.discardBody === true ? (await response.arrayBuffer(), '') : await response.text();
  } catch (error) {
    throw new TransientError(describe(error, options.timeoutMs));
  }
  const result = { url, status: response.status, body };
  if (response.status === 429 || response.status >= 500) {
    throw new TransientError(`${response.status} ${response.statusText}`, result);
  }
  return result;
}

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) {
    const code = 'code' in cause && typeof cause.code === 'string' ? cause.code : '';
    return code === '' ? cause.message : `${code}: ${cause.message}`;
  }
  return messageOf(error);
}
