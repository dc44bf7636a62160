// How acme-client reaches the CA, and what a failure there is called. The
// library sends every request through one shared axios instance; this sets it
// up once: no retries of its own (the order's backoff, a minute to an hour,
// replaces them, where the library would wait out a Retry-After of hours
// inside one order), a timeout, and a note of what the last request failed
// with. acme-client 5.4 turns a request that got no answer into a TypeError
// ("reading 'config'", publishlab/node-acme-client#101), and an error answer
// into an Error holding only the problem's detail: the note gives back the
// cause and the CA's whole problem document.
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { axios as acmeAxios } from 'acme-client';
import axios, { type AxiosAdapter } from 'axios';

/** An RFC 7807 problem document, as an ACME CA sends it (RFC 8555 section 6.7). */
export interface Problem {
  readonly type?: string;
  readonly detail: string;
  readonly status?: number;
}

/** A request may wait this long for the CA; Let's Encrypt's finalize can take several seconds. */
const REQUEST_TIMEOUT_MS = 30_000;

interface LastFailure {
  problem: Problem | undefined;
  unreachable: string | undefined;
}

const last: LastFailure = { problem: undefined, unreachable: undefined };
let configured = false;

/**
 * Sets up acme-client's requests. trustedCaPem, when given, is trusted for the
 * CA's own https besides the public roots (a private CA such as Pebble;
 * operators can give one with NODE_EXTRA_CA_CERTS instead).
 */
export function configureTransport(trustedCaPem: string | undefined): void {
  if (trustedCaPem !== undefined) acmeAxios.defaults.httpsAgent = new Agent({ ca: [...rootCertificates, trustedCaPem] });
  if (configured) return;
  configured = true;
  // Not in the library's types; read by its response interceptor (src/axios.js).
  const defaults = acmeAxios.defaults as unknown as { acmeSettings?: { retryMaxAttempts: number } };
  if (defaults.acmeSettings !== undefined) defaults.acmeSettings.retryMaxAttempts = 0;
  acmeAxios.defaults.timeout = REQUEST_TIMEOUT_MS;
  const send: AxiosAdapter = axios.getAdapter('http');
  acmeAxios.defaults.adapter = async (config) => {
    try {
      return await send(config);
    } catch (error) {
      // acme-client has every status rejected here and sorts the answers out itself.
      if (axios.isAxiosError(error)) {
        const status = error.response?.status;
        if (status === undefined) last.unreachable = error.message;
        else if (status >= 400) last.problem = asProblem(error.response?.data, status);
      }
      throw error;
    }
  };
}

/** Forgets what earlier requests failed with; called as an order starts. */
export function clearLastFailure(): void {
  last.problem = undefined;
  last.unreachable = undefined;
}

/** The problem to report for an error that came out of acme-client during an order. */
export function explainFailure(error: unknown, directoryUrl: string): Problem {
  const message = error instanceof Error ? error.message : String(error);
  // acme-client's message for an error answer is the problem's detail without line breaks.
  if (last.problem !== undefined && message === last.problem.detail.replace(/\n/g, '')) return last.problem;
  if (last.unreachable !== undefined) {
    return { detail: `cannot reach the CA at ${directoryUrl}: ${last.unreachable}` };
  }
  return { detail: message };
}

/** A problem document from a parsed JSON body, or undefined when the body is not one. */
export function asProblem(body: unknown, status?: number): Problem | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const fields = body as Record<string, unknown>;
  const { type, detail } = fields;
  const code = typeof fields.status === 'number' ? fields.status : status;
  if (typeof detail !== 'string') return undefined;
  return { ...(typeof type === 'string' ? { type } : {}), detail, ...(code === undefined ? {} : { status: code }) };
}
