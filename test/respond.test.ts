import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { FallbackConfig } from '../src/core/config.js';
import { parseGoImports } from '../src/check/go-import.js';
import { checkModulePath } from '../src/core/module-path.js';
import type { Answer } from '../src/core/answer.js';
import { createResponder, GO_GET_ANSWERS_KEPT } from '../src/core/respond.js';

const config: FallbackConfig = {
  domain: 'dmitri.shuralyov.com', mirror: 'https://proxy.golang.org', cacheMaxAge: 60, maxUrlLength: 2048,
};
const responder = createResponder(config);
const respond = (method: string, target: string, hostHeaders = 1): Answer => responder({ method, target, hostHeaders });

/** The go-import tags of an answer, read as the go command reads them. */
function tags(answer: Answer): string[] {
  return parseGoImports(answer.body).map((t) => `${t.prefix} ${t.vcs} ${t.repoRoot}`);
}

test('go-get on a module path: 200 and exactly one mod tag echoing the path', () => {
  const cases: [target: string, prefix: string][] = [
    ['/gpu/mtl?go-get=1', 'dmitri.shuralyov.com/gpu/mtl'],
    ['/gpu/mtl/example/movingobjects?go-get=1', 'dmitri.shuralyov.com/gpu/mtl/example/movingobjects'],
    ['/?go-get=1', 'dmitri.shuralyov.com'],
    ['/state/v2?go-get=1', 'dmitri.shuralyov.com/state/v2'],
    ['/Go/Upper?go-get=1', 'dmitri.shuralyov.com/Go/Upper'],
    ['/gpu%2Fmtl?go-get=1', 'dmitri.shuralyov.com/gpu/mtl'],     // decoded once
    ['/gpu/mtl?go-get=1&x=y', 'dmitri.shuralyov.com/gpu/mtl'],  // other tools add parameters
    ['/gpu/mtl?x=y&go-get=1', 'dmitri.shuralyov.com/gpu/mtl'],
    ['/gpu/mtl?go-get=0&go-get=1', 'dmitri.shuralyov.com/gpu/mtl'],
  ];
  for (const method of ['GET', 'HEAD']) {
    for (const [target, prefix] of cases) {
      const answer = respond(method, target);
      assert.equal(answer.kind, 'go-import', target);
      assert.equal(answer.status, 200);
      assert.deepEqual(tags(answer), [`${prefix} mod https://proxy.golang.org`], target);
      assert.equal(answer.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(answer.headers['cache-control'], 'public, max-age=60');
      assert.equal(answer.headers['x-content-type-options'], 'nosniff');
      assert.equal(answer.headers['content-length'], String(Buffer.byteLength(answer.body)));
      assert.ok(answer.body.includes(`<a href="https://pkg.go.dev/${prefix}">`), target);
      assert.ok(answer.body.includes('outage'), 'the page says why it is there');
    }
  }
});

test('the page follows the go command parser rules: tag first in head, ASCII, no script', () => {
  const { body } = respond('GET', '/gpu/mtl?go-get=1');
  assert.match(body, /^<!DOCTYPE html>\s*<html[^>]*>\s*<head>\s*<meta name="go-import" /);
  assert.match(body, /^[\x00-\x7f]*$/);
  assert.doesNotMatch(body, /<script|<style|<\?xml/i);
  // Every byte is sent with every answer, and a deep path is long.
  assert.equal(body.split('dmitri.shuralyov.com/gpu/mtl').length - 1, 2, 'the path twice: in the tag and the link');
});

test('go-get on a path that is no module path: 404 text/plain, one line saying why', () => {
  const cases: [target: string, reason: RegExp][] = [
    ['/gpu//mtl?go-get=1', /double slash/],
    ['//gpu?go-get=1', /double slash/],
    ['/gpu/mtl/?go-get=1', /trailing slash/],
    ['/gpu/./mtl?go-get=1', /invalid path element/],
    ['/gpu/../mtl?go-get=1', /invalid path element/],
    ['/.git?go-get=1', /leading dot/],
    ['/a+b?go-get=1', /invalid char "\+"/],
    ['/x/v0?go-get=1', /major version/],
    ['/x/v1?go-get=1', /major version/],
    ['/x/v2.1?go-get=1', /major version/],
    ['/caf%C3%A9?go-get=1', /invalid char "\\u00e9"/],
    ['/a%00b?go-get=1', /invalid char "\\u0000"/],
    ['/a%0Ab?go-get=1', /invalid char "\\n"/],
    ['/x%ZZ?go-get=1', /invalid percent-encoding/],
    ['/x%FF?go-get=1', /invalid percent-encoding/],
    ['/%E0%A4%A?go-get=1', /invalid percent-encoding/],
    [`/${'a'.repeat(1500)}?go-get=1`, /longer than 1024/],
    ['*?go-get=1', /not a path/],
    ['http://evil.example/x?go-get=1', /not a path/],
  ];
  for (const [target, reason] of cases) {
    const answer = respond('GET', target);
    assert.equal(answer.kind, 'bad-module-path', target);
    assert.equal(answer.status, 404);
    assert.equal(answer.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(answer.headers['cache-control'], 'no-store');
    assert.match(answer.body, reason, target.slice(0, 60));
    assert.match(answer.body, /^[\x20-\x7e]+\n$/, 'one printable line');
    assert.ok(answer.body.length < 300, 'short even for long input');
  }
});

test('markup in a request is never echoed', () => {
  for (const target of ['/x"><script>alert(1)</script>?go-get=1', '/%3Cscript%3E?go-get=1', '/<b>?go-get=1']) {
    const answer = respond('GET', target);
    assert.equal(answer.status, 404, target);
    assert.doesNotMatch(answer.body, /[<>]/, target);
  }
});

test('other methods with go-get=1: 405 with Allow', () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE', 'get']) {
    const answer = respond(method, '/gpu/mtl?go-get=1');
    assert.equal(answer.status, 405, method);
    assert.equal(answer.headers.allow, 'GET, HEAD');
  }
});

test('/.ping: 200 ok for GET and HEAD, never cached', () => {
  for (const method of ['GET', 'HEAD']) {
    const answer = respond(method, '/.ping');
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'ok\n');
    assert.equal(answer.headers['cache-control'], 'no-store');
  }
  assert.equal(respond('POST', '/.ping').status, 405);
});

test('everything else: 404 text/plain saying what this host is', () => {
  for (const [method, target] of [
    ['GET', '/'], ['GET', '/gpu/mtl'], ['GET', '/gpu/mtl?go-get=0'], ['GET', '/gpu/mtl?go-get'],
    ['GET', '/gpu/mtl?go-get=1x'], ['GET', '/favicon.ico'], ['POST', '/'], ['GET', '/.ping/x'], ['GET', '*'],
  ] as const) {
    const answer = respond(method, target);
    assert.equal(answer.kind, 'not-found', `${method} ${target}`);
    assert.equal(answer.status, 404);
    assert.equal(answer.headers['cache-control'], 'no-store');
    assert.match(answer.body, /fallback for dmitri\.shuralyov\.com .*go get/);
  }
});

test('a missing or repeated Host header is 400; an over-long target is 414', () => {
  for (const hosts of [0, 2, 3]) {
    const answer = respond('GET', '/gpu/mtl?go-get=1', hosts);
    assert.equal(answer.status, 400);
    assert.match(answer.body, /Host header/);
  }
  const long = respond('GET', `/${'a'.repeat(2048)}?go-get=1`);
  assert.equal(long.status, 414);
  assert.match(long.body, /at most 2048 characters/);
  assert.equal(respond('GET', `/${'a'.repeat(1000)}?go-get=1`).status, 200, 'long but within both limits');
});

test('the mirror base path and max-age come from the configuration', () => {
  const custom = createResponder({ domain: 'example.org', mirror: 'https://mirror.example/cached-only', cacheMaxAge: 5, maxUrlLength: 100 });
  const answer = custom({ method: 'GET', target: '/a?go-get=1', hostHeaders: 1 });
  assert.deepEqual(tags(answer), ['example.org/a mod https://mirror.example/cached-only']);
  assert.equal(answer.headers['cache-control'], 'public, max-age=5');
});

test('property: any method, path and query gets a contract row; any prefix is domain plus a valid path', () => {
  const pathChar = fc.constantFrom('a', 'Z', '0', '.', '-', '_', '~', '/', '%', '+', '<', '"', ' ', '\u00e9', '\u0000', 'v', '2');
  const target = fc.tuple(
    fc.array(pathChar, { maxLength: 30 }).map((cs) => `/${cs.join('')}`),
    fc.constantFrom('', '?go-get=1', '?go-get=1&x=1', '?x=1', '?go-get=0'),
  ).map(([path, query]) => path + query);
  const method = fc.constantFrom('GET', 'HEAD', 'POST', 'OPTIONS', 'BREW');
  const hosts = fc.constantFrom(1, 1, 1, 0, 2);
  const padding = fc.constantFrom('', '', 'x'.repeat(2100));
  const rows: Partial<Record<Answer['kind'], number>> = {
    'go-import': 200, 'bad-module-path': 404, 'method-not-allowed': 405, health: 200, 'not-found': 404,
    'bad-request': 400, 'uri-too-long': 414,
  };
  fc.assert(fc.property(method, target, hosts, padding, (m, path, h, pad) => {
    const t = pad + path;
    const answer = respond(m, t, h);
    assert.equal(answer.status, rows[answer.kind], `${answer.kind} is not a row of this server's contract`);
    if (h !== 1) assert.equal(answer.kind, 'bad-request');
    else if (t.length > 2048) assert.equal(answer.kind, 'uri-too-long');
    const found = parseGoImports(answer.body);
    if (answer.kind !== 'go-import') {
      assert.equal(found.length, 0);
      return;
    }
    assert.equal(found.length, 1);
    const prefix = found[0]?.prefix ?? '';
    assert.ok(prefix === 'dmitri.shuralyov.com' || prefix.startsWith('dmitri.shuralyov.com/'), prefix);
    assert.equal(checkModulePath(prefix), null);
    assert.doesNotMatch(prefix, /[<>"&]/);
  }), { numRuns: 3000, interruptAfterTimeLimit: 8000 });
});

test('after a scan of more paths than are kept, every path still gets its own answer', () => {
  const fresh = createResponder(config);
  const ask = (target: string, method = 'GET'): Answer => fresh({ method, target, hostHeaders: 1 });
  const first = ask('/gpu/mtl?go-get=1');
  assert.equal(ask('/gpu//mtl?go-get=1').kind, 'bad-module-path');
  for (let i = 0; i < 3 * GO_GET_ANSWERS_KEPT; i++) {
    const tail = `/a-long-package-name/shared/by/every/path/${i}`;
    assert.deepEqual(tags(ask(`/scan${tail}?go-get=1`)), [`dmitri.shuralyov.com/scan${tail} mod https://proxy.golang.org`]);
  }
  assert.deepEqual(ask('/gpu/mtl?go-get=1&x=y', 'HEAD'), first);
  assert.equal(ask('/gpu//mtl?go-get=1').kind, 'bad-module-path');
  assert.equal(ask('/gpu/mtl?go-get=1', 'POST').kind, 'method-not-allowed', 'the method is still checked first');
  assert.equal(fresh({ method: 'GET', target: '/gpu/mtl?go-get=1', hostHeaders: 2 }).kind, 'bad-request');
});

test('any sequence of requests gets, each time, the answer of a responder that saw no other', () => {
  // Few choices for each part of the head, so that a request is often the same
  // as the one before, or the same but for one part.
  const head = fc.record({
    method: fc.constantFrom('GET', 'HEAD', 'POST'),
    target: fc.constantFrom('/gpu/mtl?go-get=1', '/gpu/mtl?go-get=0', '/gpu//mtl?go-get=1', '/.ping', `/${'x'.repeat(2100)}?go-get=1`),
    hostHeaders: fc.constantFrom(1, 1, 2),
  });
  fc.assert(fc.property(fc.array(head, { minLength: 1, maxLength: 20 }), (heads) => {
    const seen = createResponder(config);
    for (const h of heads) {
      // The same text in a string of its own, as each request brings.
      const again = { ...h, target: (' ' + h.target).slice(1) };
      assert.deepEqual(seen(again), createResponder(config)(h));
    }
  }), { numRuns: 500 });
});
