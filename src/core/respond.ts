// The contract: what any request gets, as a pure function of the configuration
// and the request head. Every runtime (the Node server, the Worker) asks this.
//
//   request                                   answer
//   GET|HEAD /<path>?go-get=1, a module path  200 text/html, <meta name="go-import"
//                                               content="<domain>/<path> mod <mirror>">
//   GET|HEAD /?go-get=1                       200, the prefix is the bare domain
//   GET|HEAD ...?go-get=1, not a module path  404 text/plain, the rule it breaks
//   other methods with go-get=1               405, Allow: GET, HEAD
//   GET|HEAD /.ping                           200 text/plain "ok", never cached
//   no Host header, or more than one          400
//   a target longer than maxUrlLength         414
//   anything else                             404 text/plain, what this host is
import QuickLRU from 'quick-lru';
import { answer, checkRequestHead, plainError, type Answer, type RequestHead } from './answer.js';
import type { FallbackConfig } from './config.js';
import { checkModulePath, quote } from './module-path.js';
import { createPageRenderer } from './page.js';

export type Responder = (head: RequestHead) => Answer;

const HEALTH_PATH = '/.ping';
const READ_METHODS = new Set(['GET', 'HEAD']);
const ALLOW = 'GET, HEAD';
/**
 * go-get answers kept, by request path: the go command asks for the same few
 * paths over and over. Bounded (quick-lru holds at most twice this), so that a
 * scanner's endless new paths cost a few MiB at most.
 */
export const GO_GET_ANSWERS_KEPT = 1000;

/** Builds the responder for one configuration; everything fixed is rendered here, once. */
export function createResponder(config: FallbackConfig): Responder {
  const cacheable = `public, max-age=${config.cacheMaxAge}`;
  const renderPage = createPageRenderer(config);
  const notFound = plainError('not-found',
    `This host is a fallback for ${config.domain} that answers only go get lookups (?go-get=1).`);
  const health = plainError('health', 'ok');
  const methodNotAllowed = plainError('method-not-allowed', `Method not allowed: use ${ALLOW}.`, { allow: ALLOW });
  const goGetAnswers = new QuickLRU<string, Answer>({ maxSize: GO_GET_ANSWERS_KEPT });

  const goGetAnswer = (rawPath: string): Answer => {
    const modulePath = toModulePath(config.domain, rawPath);
    if (modulePath.problem !== null) return plainError('bad-module-path', modulePath.problem);
    return answer('go-import', 'text/html', cacheable, renderPage(modulePath.path));
  };

  return (head) => {
    const refused = checkRequestHead(head, config.maxUrlLength);
    if (refused !== null) return refused;
    const { method, target } = head;
    const q = target.indexOf('?');
    const rawPath = q === -1 ? target : target.slice(0, q);
    if (q === -1 || !isGoGet(target.slice(q + 1))) {
      if (rawPath !== HEALTH_PATH) return notFound;
      return READ_METHODS.has(method) ? health : methodNotAllowed;
    }
    if (!READ_METHODS.has(method)) return methodNotAllowed;

    let kept = goGetAnswers.get(rawPath);
    if (kept === undefined) {
      kept = goGetAnswer(rawPath);
      goGetAnswers.set(rawPath, kept);
    }
    return kept;
  };
}

/** A go get lookup: GET or HEAD with go-get=1, the requests a fallback answers itself. */
export function isGoGetRequest(method: string, target: string): boolean {
  const q = target.indexOf('?');
  return q !== -1 && READ_METHODS.has(method) && isGoGet(target.slice(q + 1));
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
