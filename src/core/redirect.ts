// The pure core of the optional plain-http listener: ACME http-01 challenges
// are looked up (in --acme's memory, or a webroot so that certbot can renew on
// the standby), everything else is sent to https with the same path and query.
import { checkRequestHead, plainError, type Answer, type RequestHead } from './answer.js';

export interface RedirectConfig {
  readonly domain: string;
  /** The https port redirects point at. */
  readonly httpsPort: number;
  readonly maxUrlLength: number;
  /** Whether challenges are answered (--acme, or an --acme-webroot, was given). */
  readonly acme: boolean;
}

/** The shell reads the token's file; only a validated token ever reaches it. */
export interface ChallengeLookup {
  readonly kind: 'challenge';
  readonly token: string;
}

export const ACME_PREFIX = '/.well-known/acme-challenge/';
// RFC 8555 tokens are base64url; nothing else can name a file.
const TOKEN = /^[A-Za-z0-9_-]{1,255}$/;
// What may go into a Location header unchanged.
const HEADER_SAFE = /^[\x21-\x7e]*$/;
const READ_METHODS = new Set(['GET', 'HEAD']);

export function createHttpResponder(config: RedirectConfig): (head: RequestHead) => Answer | ChallengeLookup {
  const origin = `https://${config.domain}${config.httpsPort === 443 ? '' : `:${config.httpsPort}`}`;
  const notFound = plainError('not-found', 'No such ACME challenge.');
  const notPath = plainError('bad-request', 'Bad request: the request target is not a path.');
  const methodNotAllowed = plainError('method-not-allowed', 'Method not allowed: use GET or HEAD.', { allow: 'GET, HEAD' });

  return (head) => {
    const refused = checkRequestHead(head, config.maxUrlLength);
    if (refused !== null) return refused;
    const { target } = head;
    if (!target.startsWith('/') || !HEADER_SAFE.test(target)) return notPath;

    if (config.acme && target.startsWith(ACME_PREFIX)) {
      if (!READ_METHODS.has(head.method)) return methodNotAllowed;
      const token = target.slice(ACME_PREFIX.length).split('?', 1)[0] ?? '';
      return TOKEN.test(token) ? { kind: 'challenge', token } : notFound;
    }
    const location = origin + target;
    return plainError('redirect', `This server answers over https: ${origin}/`, { location });
  };
}
