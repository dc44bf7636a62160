// The one place responses are built: status, headers and body, complete before
// anything is written, so every answer carries the same safety headers.

const STATUS = {
  'go-import': 200,
  health: 200,
  'acme-challenge': 200,
  redirect: 308,
  'bad-request': 400,
  'bad-module-path': 404,
  'not-found': 404,
  'method-not-allowed': 405,
  'uri-too-long': 414,
  // Only the Worker gives these: a bad variable, and an origin it passes requests to that failed.
  misconfigured: 500,
  'origin-unreachable': 502,
  'origin-timeout': 504,
} as const;

/** Which row of the contract an answer is; logged with every request. */
export type AnswerKind = keyof typeof STATUS;

export interface Answer<K extends AnswerKind = AnswerKind> {
  readonly kind: K;
  readonly status: (typeof STATUS)[K];
  /** Complete headers, lower-case names, Content-Length included. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body for GET, sent as UTF-8; the shell sends none for HEAD. */
  readonly body: string;
}

const utf8 = new TextEncoder();

export type ContentType = 'text/plain' | 'text/html';

export function answer<K extends AnswerKind>(
  kind: K,
  type: ContentType,
  cacheControl: string,
  body: string,
  extra: Readonly<Record<string, string>> = {},
): Answer<K> {
  return {
    kind,
    status: STATUS[kind],
    headers: {
      'content-type': `${type}; charset=utf-8`,
      'content-length': String(utf8.encode(body).byteLength),
      'cache-control': cacheControl,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'",
      ...extra,
    },
    body,
  };
}

/** An error answer: plain text, one line, never cached. */
export function plainError<K extends AnswerKind>(kind: K, line: string, extra?: Readonly<Record<string, string>>): Answer<K> {
  return answer(kind, 'text/plain', 'no-store', `${line}\n`, extra);
}

/** What the shell knows of a request before answering it. */
export interface RequestHead {
  readonly method: string;
  /** The request target exactly as sent: path and query, not decoded. */
  readonly target: string;
  /** How many Host header lines the request had; exactly one is valid. */
  readonly hostHeaders: number;
}

/** Checks every server applies before its own routing; null when the request may go on. */
export function checkRequestHead(head: RequestHead, maxUrlLength: number): Answer | null {
  if (head.hostHeaders !== 1) {
    return plainError('bad-request', head.hostHeaders === 0
      ? 'Bad request: the Host header is missing.'
      : 'Bad request: more than one Host header.');
  }
  if (head.target.length > maxUrlLength) {
    return plainError('uri-too-long', `URI too long: this server takes at most ${maxUrlLength} characters.`);
  }
  return null;
}
