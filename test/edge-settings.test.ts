// The Worker's variables: read with the command line's rules, the defaults the
// server's, and every bad value refused with one line naming it and the rule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_ORIGIN_TIMEOUT_MS, readSettings, type EdgeSettings } from '../src/edge/settings.js';

function settings(env: Record<string, unknown>): EdgeSettings {
  const result = readSettings(env);
  assert.ok(result.ok, result.ok ? '' : result.problem);
  return result.settings;
}

test('no variables: the server defaults, and no origin', () => {
  assert.deepEqual(settings({}), {
    fallback: { domain: 'dmitri.shuralyov.com', mirror: 'https://proxy.golang.org', cacheMaxAge: 60, maxUrlLength: 2048 },
    origin: { kind: 'none' },
    originTimeoutMs: DEFAULT_ORIGIN_TIMEOUT_MS,
  });
});

test('each variable, as text or (from wrangler.toml) as a bare number', () => {
  const read = settings({
    MODFALLBACK_DOMAIN: 'go.example.org',
    MODFALLBACK_MIRROR: 'https://proxy.golang.org/cached-only/',
    MODFALLBACK_CACHE_MAX_AGE: 30,
    MODFALLBACK_ORIGIN: 'https://origin.example.org/base/',
    MODFALLBACK_ORIGIN_TIMEOUT: '2.5',
    OTHER_BINDING: { unrelated: true },
  });
  assert.deepEqual(read.fallback, { domain: 'go.example.org', mirror: 'https://proxy.golang.org/cached-only', cacheMaxAge: 30, maxUrlLength: 2048 });
  assert.deepEqual(read.origin, { kind: 'url', base: 'https://origin.example.org/base' });
  assert.equal(read.originTimeoutMs, 2500);
  assert.deepEqual(settings({ MODFALLBACK_ORIGIN: 'zone' }).origin, { kind: 'zone' });
  assert.deepEqual(settings({ MODFALLBACK_ORIGIN: '' }).origin, { kind: 'none' });
});

test('bad values are refused with the variable, the value and the rule', () => {
  const cases: [env: Record<string, unknown>, problem: string][] = [
    [{ MODFALLBACK_MIRROR: 'ftp://x' }, 'MODFALLBACK_MIRROR "ftp://x": It must be an https (or http) URL.'],
    [{ MODFALLBACK_MIRROR: 'https://u:p@m.example' }, 'MODFALLBACK_MIRROR "https://u:p@m.example": It must not contain a user name or password: every answer would publish it.'],
    [{ MODFALLBACK_DOMAIN: 'Example.com' }, 'MODFALLBACK_DOMAIN "Example.com": It must be a host name that can start a module path, like example.com (the rule it breaks: an invalid char in the first path element (only a-z, 0-9, "." and "-")).'],
    [{ MODFALLBACK_DOMAIN: '<b>' }, 'MODFALLBACK_DOMAIN "\\u003cb\\u003e": It must be a host name that can start a module path, like example.com (the rule it breaks: invalid char "\\u003c" (only ASCII letters, digits and "-._~")).'],
    [{ MODFALLBACK_CACHE_MAX_AGE: '-1' }, 'MODFALLBACK_CACHE_MAX_AGE "-1": It must be a whole number of seconds from 0 to 31536000.'],
    [{ MODFALLBACK_CACHE_MAX_AGE: true }, 'MODFALLBACK_CACHE_MAX_AGE must be text, not boolean.'],
    [{ MODFALLBACK_ORIGIN: 'ftp://origin.internal' }, 'MODFALLBACK_ORIGIN: It must be an https (or http) URL.'],
    [{ MODFALLBACK_ORIGIN: 'zone', MODFALLBACK_ORIGIN_TIMEOUT: '0' }, 'MODFALLBACK_ORIGIN_TIMEOUT "0": It must be a number of seconds from 0.001 to 3600, like 10 or 2.5.'],
    [{ MODFALLBACK_ORIGIN_TIMEOUT: '5' }, 'MODFALLBACK_ORIGIN_TIMEOUT needs MODFALLBACK_ORIGIN: without an origin nothing waits.'],
    [{ MODFALLBACK_ORIGN: 'zone' }, 'MODFALLBACK_ORIGN is not a variable this Worker reads; it reads MODFALLBACK_DOMAIN, MODFALLBACK_MIRROR, MODFALLBACK_CACHE_MAX_AGE, MODFALLBACK_ORIGIN, MODFALLBACK_ORIGIN_TIMEOUT.'],
  ];
  for (const [env, problem] of cases) {
    assert.deepEqual(readSettings(env), { ok: false, problem }, JSON.stringify(env));
  }
});
