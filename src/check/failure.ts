// Why a request failed, in words, and whether another try could change it:
// timeouts, resets and a DNS server that did not answer can; a name that does
// not exist, a refused connection and a certificate that is wrong or not trusted
// cannot within a check's backoff, so they are told at once.

export interface Failure {
  /** One line, for a person. */
  readonly reason: string;
  readonly retry: boolean;
}

const CERTIFICATE_NOT_TRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE',
]);

const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const RESETS = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** What a failed fetch of url means; its error is fetch's, whose cause holds the code. */
export function describeFailure(error: unknown, url: URL, timeoutMs: number): Failure {
  const timedOut = { reason: `no answer within ${timeoutMs / 1000} s`, retry: true };
  if (error instanceof Error && error.name === 'TimeoutError') return timedOut;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = cause instanceof Error && 'code' in cause && typeof cause.code === 'string' ? cause.code : '';
  const message = cause instanceof Error ? cause.message : String(cause);
  const host = url.hostname;
  const at = `${host}:${url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port}`;

  if (TIMEOUTS.has(code)) return timedOut;
  if (RESETS.has(code)) return { reason: 'the connection was closed before the answer was complete', retry: true };
  if (code === 'EAI_AGAIN') return { reason: `the name ${host} could not be looked up now (DNS did not answer)`, retry: true };
  if (code === 'ENOTFOUND') return { reason: `the name ${host} does not exist (DNS has no address for it)`, retry: false };
  if (code === 'ECONNREFUSED') return { reason: `connection refused: nothing is listening at ${at}`, retry: false };
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return { reason: `${at} cannot be reached from here`, retry: false };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return { reason: `the certificate at ${at} is not for ${host}`, retry: false };
  }
  if (code === 'CERT_HAS_EXPIRED') return { reason: `the certificate at ${at} has expired`, retry: false };
  if (code === 'CERT_NOT_YET_VALID') return { reason: `the certificate at ${at} is not valid yet`, retry: false };
  if (CERTIFICATE_NOT_TRUSTED.has(code)) {
    return { reason: `the certificate at ${at} is not signed by a CA this machine trusts (NODE_EXTRA_CA_CERTS adds one)`, retry: false };
  }
  // Anything else is told as Node tells it, once, and not retried: it is not known to pass.
  return { reason: code === '' || message.includes(code) ? message : `${message} (${code})`, retry: false };
}
