// The rules behind ACME orders, as pure functions: when a certificate is
// renewed, how failed orders back off, when a timer orders by itself, and
// what each ClientHello is routed to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routeHandshake, type HelloFacts } from '../src/tls/acme/handshake-route.js';
import {
  DEFAULT_RETRY, MAX_TIMER_MS, isFresh, isUsable, nextOrderTime, renewalTime, retryDelay, timerDelay,
} from '../src/tls/acme/renewal.js';

const DOMAIN = 'dmitri.shuralyov.com';
const DAY = 86_400_000;
const T0 = Date.parse('2030-01-01T00:00:00Z');
const ninetyDays = { notBefore: new Date(T0), notAfter: new Date(T0 + 90 * DAY) };

test('renewal comes when a third of the lifetime is left, from the certificate\'s own dates', () => {
  assert.equal(renewalTime(ninetyDays), T0 + 60 * DAY);
  assert.equal(renewalTime({ notBefore: new Date(T0), notAfter: new Date(T0 + 9_000) }), T0 + 6_000);
  assert.equal(isFresh(ninetyDays, T0 + 59 * DAY), true);
  assert.equal(isFresh(ninetyDays, T0 + 60 * DAY), false);
  assert.equal(isUsable(ninetyDays, T0 + 89 * DAY), true);
  assert.equal(isUsable(ninetyDays, T0 + 90 * DAY), false);
  assert.equal(isUsable(ninetyDays, T0 - 1), false, 'not yet valid');
});

test('failed orders back off from a minute to an hour', () => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) => retryDelay(n, DEFAULT_RETRY) / 60_000);
  assert.deepEqual(delays, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
  assert.equal(retryDelay(3, { minMs: 100, maxMs: 250 }), 250);
});

test('timers never overflow, and the next timed order follows the certificate and the challenge available', () => {
  assert.equal(timerDelay(T0 + 60 * DAY, T0), MAX_TIMER_MS, 'a 60-day wait is cut to what a timer holds, then re-planned');
  assert.equal(timerDelay(T0 - 5, T0), 0);
  const cases: [current: typeof ninetyDays | undefined, http: boolean, retryAt: number, now: number, next: number | undefined][] = [
    [ninetyDays, true, 0, T0, T0 + 60 * DAY],
    [ninetyDays, false, 0, T0, T0 + 60 * DAY],
    [ninetyDays, true, T0 + 61 * DAY, T0, T0 + 61 * DAY],
    [ninetyDays, true, T0 + 91 * DAY, T0, T0 + 91 * DAY],
    // tls-alpn-01 past the end: only a handshake (clients reach this server) starts an order,
    [ninetyDays, false, T0 + 91 * DAY, T0, undefined],
    // also when the certificate has already run out (a restart of an expired standby orders nothing).
    [ninetyDays, false, 0, T0 + 91 * DAY, undefined],
    [ninetyDays, true, 0, T0 + 91 * DAY, T0 + 60 * DAY],
    [undefined, true, 0, T0, 0],
    [undefined, true, T0, T0, T0],
    [undefined, false, 0, T0, undefined],
  ];
  for (const [current, http, retryAt, now, next] of cases) {
    assert.equal(nextOrderTime(current, http, retryAt, now), next, JSON.stringify({ current, http, retryAt, now }));
  }
});

test('each ClientHello is routed: the CA\'s validation, the domain, a wait for an order, or refused', () => {
  const state = (hasUsableCertificate: boolean, mayOrder: boolean, pending = false) =>
    ({ hasUsableCertificate, mayOrder, challengePending: (name: string) => pending && name === DOMAIN });
  const hello = (serverName: string | undefined, alpn: string[] = []): HelloFacts => ({ serverName, alpn });
  const cases: [HelloFacts | undefined, ReturnType<typeof state>, string][] = [
    [undefined, state(true, true), 'refuse:not a TLS ClientHello'],
    [hello(undefined), state(true, true), 'refuse:no server name'],
    [hello(''), state(true, true), 'refuse:no server name'],
    [hello('other.example'), state(false, true), 'refuse:not the domain'],
    [hello(`${DOMAIN}.`), state(false, true), 'refuse:not the domain'],
    [hello(`x.${DOMAIN}`), state(false, true), 'refuse:not the domain'],
    [hello('other.example', ['acme-tls/1']), state(false, true, true), 'refuse:not the domain'],
    [hello(DOMAIN, ['acme-tls/1']), state(false, true, true), 'challenge'],
    [hello('DMITRI.Shuralyov.COM', ['acme-tls/1']), state(true, true, true), 'challenge'],
    [hello(DOMAIN, ['acme-tls/1']), state(true, true, false), 'refuse:no challenge pending'],
    [hello(DOMAIN, ['h2', 'http/1.1']), state(true, false), 'serve'],
    [hello('Dmitri.Shuralyov.com'), state(true, false), 'serve'],
    [hello(DOMAIN), state(false, true), 'wait-for-order'],
    [hello(DOMAIN), state(false, false), 'refuse:no certificate yet, and the last order failed'],
  ];
  for (const [facts, routeState, expected] of cases) {
    const route = routeHandshake(facts, DOMAIN, routeState);
    assert.equal(route.kind === 'refuse' ? `refuse:${route.reason}` : route.kind, expected, JSON.stringify(facts));
  }
});
