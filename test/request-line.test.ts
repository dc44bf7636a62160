import assert from 'node:assert/strict';
import { METHODS } from 'node:http';
import { test } from 'node:test';
import fc from 'fast-check';
import { createLogging } from '../src/logger.js';
import { REQUEST_MESSAGE, type RequestRecord } from '../src/request-line.js';

/** The line pino writes for a record and the line the template renders, through the same logging. */
function bothLines(record: RequestRecord): { pino: string; template: string } {
  const lines: string[] = [];
  const keep = (line: string): void => { lines.push(line); };
  const { logger, logRequest } = createLogging('info', { write: keep, gather: keep });
  assert.ok(logRequest);
  logger.info(record, REQUEST_MESSAGE);
  logRequest(record);
  assert.equal(lines.length, 2);
  // The two calls may straddle a millisecond; the time field has a test of its own.
  const timeless = (line: string): string => line.replace(/,"time":"[^"]*"/, ',"time":"T"');
  return { pino: timeless(lines[0] ?? ''), template: timeless(lines[1] ?? '') };
}

const charsIn = (min: number, max: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min, max }).map((c) => String.fromCharCode(c)), maxLength });
// Node decodes header values as latin1: these are the characters a request can carry.
const latin1 = charsIn(0, 0xff, 120);
// Its parser admits only visible ASCII in a request target (test/server.test.ts holds it to that).
const target = charsIn(0x21, 0x7e, 400);
const kinds = fc.constantFrom('go-import', 'health', 'redirect', 'bad-request', 'bad-module-path', 'not-found',
  'method-not-allowed', 'uri-too-long', 'acme-challenge');
const recordOf = (text: fc.Arbitrary<string>): fc.Arbitrary<RequestRecord> => fc.record({
  method: fc.constantFrom(...METHODS),
  url: target,
  status: fc.constantFrom(200, 308, 400, 404, 405, 414),
  answer: kinds,
  remoteAddress: fc.option(text, { nil: undefined }),
  userAgent: fc.option(text, { nil: undefined }),
});

test('the request line is byte for byte the line pino writes, for anything a request can carry', () => {
  fc.assert(fc.property(recordOf(latin1), (record) => {
    const { pino, template } = bothLines(record);
    assert.equal(template, pino);
  }), { numRuns: 2_000 });
});

test('for any text at all in the header fields (lone surrogates included) the line is one line of JSON saying what pino says', () => {
  fc.assert(fc.property(recordOf(fc.string({ unit: 'binary', maxLength: 60 })), (record) => {
    const { pino, template } = bothLines(record);
    assert.equal(template.indexOf('\n'), template.length - 1);
    assert.deepEqual(JSON.parse(template), JSON.parse(pino));
  }), { numRuns: 1_000 });
});

test('quotes, backslashes, control characters and markup in a request are escaped, never echoed raw', () => {
  const hostile = '"},"level":"fatal","x":"\\\n<script>alert(1)</script>\u0000';
  // What a request target can carry of it: no spaces or control characters.
  const hostileTarget = '/a?go-get=1&"},"level":"fatal","x":"\\<script>alert(1)</script>';
  const { template } = bothLines({
    method: 'GET', url: hostileTarget, status: 200, answer: 'go-import',
    remoteAddress: '::1', userAgent: hostile,
  });
  assert.equal(template.split('\n').length, 2, 'one line');
  const line = JSON.parse(template) as Record<string, unknown>;
  assert.equal(line.level, 'info');
  assert.equal(line.userAgent, hostile);
  assert.equal(line.url, hostileTarget);
  assert.equal(line.msg, REQUEST_MESSAGE);
});

test('a client already gone has no remote address, and the line leaves the field out as pino does', () => {
  const { pino, template } = bothLines({
    method: 'HEAD', url: '/x', status: 404, answer: 'not-found', remoteAddress: undefined, userAgent: undefined,
  });
  assert.equal(template, pino);
  assert.doesNotMatch(template, /remoteAddress|userAgent/);
});
