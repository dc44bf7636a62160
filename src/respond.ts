// The pure core: what any request gets, as a function of the configuration, the
// method and the request target. No I/O here; the https server is a thin shell.
import type { FallbackConfig } from './config.js';
import { checkModulePath, quote } from './module-path.js';
import { renderGoImportPage } from './render.js';

/** Which row of the contract an answer is. */
export type AnswerKind = 'go-import' | 'bad-module-path' | 'method-not-allowed' | 'health' | 'not-found';

const STATUS = {
  'go-import': 200,
  'bad-module-path': 404,
  'method-not-allowed': 405,
  health: 200,
  'not-found': 404,
} as const satisfies Record<AnswerKind, number>;

export interface Answer<K extends AnswerKind = AnswerKind> {
  readonly kind: K;
  readonly status: (typeof STATUS)[K];
  /** Complete headers, lower-case names, Content-Length included. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body for GET; the shell sends none for HEAD. Always ASCII. */
  readonly body: string;
}

export type Responder = (method: string, target: string) => Answer;

export const HEALTH_PATH = '/.ping';
const READ_METHODS = new Set(['GET', 'HEAD']);
const ALLOW = 'GET, HEAD';

/** Builds the responder for one configuration; everything fixed is rendered here, once. */
export function createResponder(config: FallbackConfig): Responder {
  const cacheable = `public, max-age=${config.cacheMaxAge}`;
  const notFound = answer('not-found', 'text/plain', 'no-store',
    `This host is a fallback for ${config.domain} that answers only go get lookups (?go-get=1).\n`);
  const health = answer('health', 'text/plain', 'no-store', 'ok\n');
  const methodNotAllowed = answer('method-not-allowed', 'text/plain', 'no-store',
    `Method not allowed: use ${ALLOW}.\n`, { allow: ALLOW });

  return (method, target) => {
    const q = target.indexOf('?');
    const rawPath = q === -1 ? target : target.slice(0, q);
    if (q === -1 || !isGoGet(target.slice(q + 1))) {
      if (rawPath !== HEALTH_PATH) return notFound;
      return READ_METHODS.has(method) ? health : methodNotAllowed;
    }
    if (!READ_METHODS.has(method)) return methodNotAllowed;

    const modulePath = toModulePath(config.domain, rawPath);
    if (modulePath.problem !== null) {
      return answer('bad-module-path', 'text/plain', 'no-store', `${modulePath.problem}\n`);
    }
    return answer('go-import', 'text/html', cacheable, renderGoImportPage(config, modulePath.path));
  };
}

/** The go command sends exactly "go-get=1"; other tools add parameters of their own. */
function isGoGet(query: string): boolean {
  return query === 'go-get=1' || new URLSearchParams(query).getAll('go-get').includes('1');
}

type ModulePathResult = { path: string; problem: null } | { path: null; problem: string };

/** The module path a request path names under the domain, or why it names none. */
function toModulePath(domain: string, rawPath: string): ModulePathResult {
  if (!rawPath.startsWith('/')) {
    return { path: null, problem: `request target ${quote(rawPath)} is not a path` };
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { path: null, problem: `invalid percent-encoding in ${quote(rawPath)}` };
  }
  // The bare domain is itself a module path; "domain/" would not match it.
  const path = decoded === '/' ? domain : domain + decoded;
  const problem = checkModulePath(path);
  if (problem !== null) return { path: null, problem: `malformed module path ${quote(path)}: ${problem}` };
  return { path, problem: null };
}

function answer<K extends AnswerKind>(
  kind: K,
  type: 'text/plain' | 'text/html',
  cacheControl: string,
  body: string,
  extra: Readonly<Record<string, string>> = {},
): Answer<K> {
  return {
    kind,
    status: STATUS[kind],
    headers: {
      'content-type': `${type}; charset=utf-8`,
      'content-length': String(Buffer.byteLength(body)),
      'cache-control': cacheControl,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'",
      ...extra,
    },
    body,
  };
}
