// HTTP for the check command: undici's fetch, each try bounded by --timeout from
// the first byte of the connection to the last of the body (TLS handshake
// included), and retries with backoff only for what another try can change
// (see failure.ts), 429 and 5xx. TLS trust is Node's: NODE_EXTRA_CA_CERTS adds a CA.
import pRetry from 'p-retry';
import { Agent, fetch } from 'undici';
import { describeFailure } from './failure.js';

export interface HttpResult {
  readonly url: string;
  readonly status: number;
  readonly body: string;
}

export interface HttpOptions {
  /** Each try, whole. */
  readonly timeoutMs: number;
  /** Tries after the first. */
  readonly retries: number;
  /** The first wait before another try; it doubles, with jitter... */
  readonly backoffMs: number;
  /** ...up to this. */
  readonly maxBackoffMs: number;
}

export interface GetOptions {
  /** Read and drop the body (module zips), keeping memory flat. */
  readonly discardBody?: boolean;
  /** Told before each retry: why, and which try comes next of how many. */
  readonly onRetry?: (reason: string, nextTry: number, tries: number) => void;
}

export interface HttpClient {
  /** GETs a URL. Resolves with any final status (a 5xx after the last retry too); rejects only with FetchError. */
  get(url: string, options?: GetOptions): Promise<HttpResult>;
  /** Closes the connections kept for reuse. */
  close(): Promise<void>;
}

/** A failed try; retry says whether another could go otherwise. */
class TryFailed extends Error {
  constructor(message: string, readonly retry: boolean, readonly result?: HttpResult) {
    super(message);
  }
}

/** Thrown when a URL could not be fetched at all; its message is the one line to show. */
export class FetchError extends Error {}

export function httpClient(options: HttpOptions): HttpClient {
  // The signal below ends a try, but only the connect timeout ends the connect
  // itself: without it a stalled handshake holds close() open. undici's default
  // (10 s) would also cut a slow handshake before the default --timeout of 30 s.
  const dispatcher = new Agent({ connect: { timeout: options.timeoutMs } });
  const tries = options.retries + 1;

  async function attempt(url: string, discardBody: boolean): Promise<HttpResult> {
    let response;
    let body: string;
    try {
      response = await fetch(url, { dispatcher, signal: AbortSignal.timeout(options.timeoutMs), redirect: 'follow' });
      body = discardBody ? (await response.arrayBuffer(), '') : await response.text();
    } catch (error) {
      const { reason, retry } = describeFailure(error, new URL(url), options.timeoutMs);
      throw new TryFailed(reason, retry);
    }
    const result = { url, status: response.status, body };
    if (response.status === 429 || response.status >= 500) {
      throw new TryFailed(`${response.status} ${response.statusText}`, true, result);
    }
    return result;
  }

  return {
    async get(url, { discardBody = false, onRetry } = {}) {
      let tried = 0;
      try {
        return await pRetry((n) => { tried = n; return attempt(url, discardBody); }, {
          retries: options.retries,
          minTimeout: options.backoffMs,
          maxTimeout: options.maxBackoffMs,
          factor: 2,
          randomize: true,
          shouldRetry: ({ error }) => error instanceof TryFailed && error.retry,
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
            if (retriesLeft > 0 && error instanceof TryFailed && error.retry) onRetry?.(error.message, attemptNumber + 1, tries);
          },
        });
      } catch (error) {
        if (error instanceof TryFailed && error.result !== undefined) return error.result;
        const after = tried > 1 ? ` (${tried} tries)` : '';
        throw new FetchError(`GET ${url}: ${error instanceof Error ? error.message : String(error)}${after}`);
      }
    },
    close: () => dispatcher.close(),
  };
}
