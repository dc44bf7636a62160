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
} as const;

/** Which row of the contract an answer is; logged with every request. */
export type AnswerKind = keyof typeof STATUS;

export interface Answer<K extends AnswerKind = AnswerKind> {
  readonly kind: K;
  readonly status: (typeof STATUS)[K];
  /** Complete headers, lower-case names, Content-Length included. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The body for GET; the shell sends none for HEAD. A string, not bytes made
   * once: Node sends a string body in one write with the headers, a Buffer in
   * a second chunk (about 2% more instructions a request).
   */
  readonly body: string;
  /**
   * How the body becomes bytes: 'latin1' when it is ASCII, which gives the
   * same bytes as UTF-8 (every answer the server makes is ASCII: checked
   * paths, and a domain and mirror from parsed options), else 'utf8'. V8
   * copies a string's bytes for latin1 where its UTF-8 writer encodes each
   * character: for the page of a 40-element path, about 800 instructions a
   * request on the main thread.
   */
  readonly encoding: 'latin1' | 'utf8';
}

export type ContentType = 'text/plain' | 'text/html';

export function answer<K extends AnswerKind>(
  kind: K,
  type: ContentType,
  cacheControl: string,
  body: string,
  extra: Readonly<Record<string, string>> = {},
): Answer<K> {
  const bytes = Buffer.byteLength(body);
  return {
    kind,
    status: STATUS[kind],
    headers: {
      'content-type': `${type}; charset=utf-8`,
      'content-length': String(bytes),
      'cache-control': cacheControl,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'",
      ...extra,
    },
    body,
    // One byte for each character: nothing but ASCII.
    encoding: bytes === body.length ? 'latin1' : 'utf8',
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
