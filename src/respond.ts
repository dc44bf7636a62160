// The pure core: what any request gets, as a function of the configuration and
// the request head. No I/O here; the https server is a thin shell around it.
import QuickLRU from 'quick-lru';
import { answer, checkRequestHead, plainError, type Answer, type RequestHead } from './answer.js';
import type { FallbackConfig } from './config.js';
import { keepingLast } from './keep-last.js';
import { checkModulePath, quote } from './module-path.js';
import { createPageRenderer } from './render.js';

export type Responder = (head: RequestHead) => Answer;

export const HEALTH_PATH = '/.ping';
const READ_METHODS = new Set(['GET', 'HEAD']);
const ALLOW = 'GET, HEAD';
/**
 * go-get answers kept, by request path. The go command asks for the same few
 * paths over and over (each module, and each of its packages): once answered,
 * a path costs a lookup instead of decoding, validating and rendering. Bounded
 * (quick-lru holds at most twice this), so that a scanner's endless new paths
 * cost a few MiB at most.
 */
export const GO_GET_ANSWERS_KEPT = 1000;
/**
 * A path is looked up by at most its last this many characters, and the path
 * kept with the answer is compared with it in full. V8 hashes every character
 * of a string key, and a request's path is a new string each time: for a
 * 40-element path, about 4,000 instructions a request, where comparing two
 * strings is a memory comparison. Paths that end in the same characters take
 * turns in one slot, each answered rightly.
 */
const KEY_CHARS = 32;

interface KeptAnswer {
  readonly path: string;
  readonly answer: Answer;
}

/** Builds the responder for one configuration; everything fixed is rendered here, once. */
export function createResponder(config: FallbackConfig): Responder {
  const cacheable = `public, max-age=${config.cacheMaxAge}`;
  const renderPage = createPageRenderer(config);
  const notFound = plainError('not-found',
    `This host is a fallback for ${config.domain} that answers only go get lookups (?go-get=1).`);
  const health = plainError('health', 'ok');
  const methodNotAllowed = plainError('method-not-allowed', `Method not allowed: use ${ALLOW}.`, { allow: ALLOW });
  const goGetAnswers = new QuickLRU<string, KeptAnswer>({ maxSize: GO_GET_ANSWERS_KEPT });

  const goGetAnswer = (rawPath: string): Answer => {
    const modulePath = toModulePath(config.domain, rawPath);
    if (modulePath.problem !== null) return plainError('bad-module-path', modulePath.problem);
    return answer('go-import', 'text/html', cacheable, renderPage(modulePath.path));
  };

  // An answer is a function of the request head alone, and a flood asks for
  // one path over and over: comparing the target with the last one (a memory
  // comparison) is cheaper than finding the kept answer (slicing the path,
  // hashing its tail, comparing sliced strings: about 1,500 instructions of
  // V8's string functions; 3,100 a request in all, measured at warn).
  return keepingLast((head: RequestHead): Answer => {
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

    const key = rawPath.length > KEY_CHARS ? rawPath.slice(-KEY_CHARS) : rawPath;
    const kept = goGetAnswers.get(key);
    if (kept !== undefined && kept.path === rawPath) return kept.answer;
    const fresh = goGetAnswer(rawPath);
    goGetAnswers.set(key, { path: rawPath, answer: fresh });
    return fresh;
  }, sameHead);
}

const sameHead = (a: RequestHead, b: RequestHead): boolean =>
  a.target === b.target && a.method === b.method && a.hostHeaders === b.hostHeaders;

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
