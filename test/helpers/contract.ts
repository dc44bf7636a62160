// The HTTP contract of src/core/respond.ts as requests over real HTTPS. Every
// runtime that serves the fallback (the Node server, the Worker in workerd)
// runs these same rows, each as a subtest.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { parseGoImports } from '../../src/check/go-import.js';
import { httpsRequest, type HttpsAnswer } from './https.js';

const DOMAIN = 'dmitri.shuralyov.com';
const MIRROR = 'https://proxy.golang.org';

/** A server on loopback serving the contract for dmitri.shuralyov.com with the default settings. */
export interface ContractServer {
  readonly port: number;
  /** The CA that signed its certificate (for localhost), PEM. */
  readonly ca: string;
}

type Ask = (path: string, method?: string) => Promise<HttpsAnswer>;

interface Row {
  readonly name: string;
  readonly method?: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly status: number;
  /** The go-import prefix a 200 names; every other answer is one line of plain text. */
  readonly prefix?: string;
  readonly body?: string | RegExp;
  readonly check?: (answer: HttpsAnswer, ask: Ask) => Promise<void> | void;
}

const noMarkup = (answer: HttpsAnswer): void => { assert.doesNotMatch(answer.body, /[<>]/); };

export const CONTRACT: readonly Row[] = [
  { name: 'a nested package', path: '/gpu/mtl/example/movingobjects?go-get=1', status: 200, prefix: `${DOMAIN}/gpu/mtl/example/movingobjects` },
  { name: 'the bare domain, with no slash', path: '/?go-get=1', status: 200, prefix: DOMAIN },
  { name: 'a major version', path: '/state/v2?go-get=1', status: 200, prefix: `${DOMAIN}/state/v2` },
  { name: 'upper case kept', path: '/Go/Upper?go-get=1', status: 200, prefix: `${DOMAIN}/Go/Upper` },
  { name: 'other query parameters beside go-get=1', path: '/gpu/mtl?x=y&go-get=1', status: 200, prefix: `${DOMAIN}/gpu/mtl` },
  {
    name: 'HEAD: the same headers, no body', method: 'HEAD', path: '/gpu/mtl?go-get=1', status: 200, prefix: `${DOMAIN}/gpu/mtl`,
    check: async (head, ask) => {
      assert.equal(head.body, '');
      const get = await ask('/gpu/mtl?go-get=1');
      assert.equal(head.headers['content-length'], String(Buffer.byteLength(get.body)));
      assert.equal(head.headers['content-type'], get.headers['content-type']);
    },
  },
  {
    name: 'the Host header is never reflected', path: '/x?go-get=1', headers: { host: 'evil.example' }, status: 200,
    prefix: `${DOMAIN}/x`, check: (answer) => { assert.doesNotMatch(answer.body, /evil/); },
  },
  {
    name: 'not a module path: 404 and the rule', path: '/gpu//mtl?go-get=1', status: 404,
    body: `malformed module path "${DOMAIN}/gpu//mtl": double slash\n`,
  },
  { name: 'an invalid major version', path: '/state/v1?go-get=1', status: 404, body: /invalid major version suffix "\/v1"/ },
  { name: 'a bad percent-encoding', path: '/a%zz?go-get=1', status: 404, body: /invalid percent-encoding/ },
  { name: 'markup in the path is never echoed', path: '/x"><script>alert(1)</script>?go-get=1', status: 404, check: noMarkup },
  { name: 'encoded markup is never echoed', path: '/x%22%3E%3Cscript%3E?go-get=1', status: 404, check: noMarkup },
  {
    name: 'POST with go-get=1: 405', method: 'POST', path: '/gpu/mtl?go-get=1', status: 405, body: 'Method not allowed: use GET, HEAD.\n',
    check: (answer) => { assert.equal(answer.headers.allow, 'GET, HEAD'); },
  },
  { name: 'the health check', path: '/.ping', status: 200, body: 'ok\n' },
  { name: 'the health check, HEAD', method: 'HEAD', path: '/.ping', status: 200, body: '' },
  { name: 'the health check, POST', method: 'POST', path: '/.ping', status: 405 },
  { name: 'no go-get: 404 saying what this host is', path: '/gpu/mtl', status: 404, body: /fallback for dmitri\.shuralyov\.com/ },
  { name: 'go-get=0 is not a lookup', path: '/gpu/mtl?go-get=0', status: 404, body: /fallback for dmitri\.shuralyov\.com/ },
  { name: 'a target longer than the limit: 414', path: `/${'a'.repeat(2100)}?go-get=1`, status: 414, body: /URI too long/ },
];

/** Runs every row of the contract against a server, one subtest a row. */
export async function checkContract(t: TestContext, server: ContractServer): Promise<void> {
  const ask: Ask = (path, method = 'GET') => httpsRequest({ port: server.port, ca: server.ca, path, method });
  for (const row of CONTRACT) {
    await t.test(row.name, async () => {
      const answer = await httpsRequest({
        port: server.port, ca: server.ca, path: row.path, method: row.method ?? 'GET', headers: row.headers ?? {},
      });
      assert.equal(answer.status, row.status);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff');
      assert.equal(answer.headers['content-security-policy'], "default-src 'none'");
      if (row.prefix === undefined) {
        assert.equal(answer.headers['content-type'], 'text/plain; charset=utf-8');
        assert.equal(answer.headers['cache-control'], 'no-store');
      } else {
        assert.equal(answer.headers['content-type'], 'text/html; charset=utf-8');
        assert.equal(answer.headers['cache-control'], 'public, max-age=60');
        if ((row.method ?? 'GET') === 'GET') {
          assert.deepEqual(parseGoImports(answer.body), [{ prefix: row.prefix, vcs: 'mod', repoRoot: MIRROR }]);
        }
      }
      if (typeof row.body === 'string') assert.equal(answer.body, row.body);
      else if (row.body !== undefined) assert.match(answer.body, row.body);
      await row.check?.(answer, ask);
    });
  }
}
