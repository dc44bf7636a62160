import assert from 'node:assert/strict';
import { METHODS } from 'node:http';
import { test } from 'node:test';
import fc from 'fast-check';
import { createLogging } from '../src/logger.js';
import { REQUEST_MESSAGE, requestLineRenderer, type RequestRecord } from '../src/request-line.js';

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

/** A copy of a string, equal to it but not the same string object. */
const copyOf = <T extends string | undefined>(s: T): T => (s === undefined ? s : (' ' + s).slice(1)) as T;

/** The record as the next request would bring it: the same text in strings of its own. */
const alike = (r: RequestRecord): RequestRecord => ({
  ...r, method: copyOf(r.method), url: copyOf(r.url), remoteAddress: copyOf(r.remoteAddress), userAgent: copyOf(r.userAgent),
});

test('a line is the same whether its parts were kept from the line before or made afresh', () => {
  // Lines made of two choices for each field, in any order: consecutive lines
  // share some parts (the time, the request, the client) and differ in others.
  const pair = <T>(values: fc.Arbitrary<T>): fc.Arbitrary<[T, T]> => fc.tuple(values, values);
  const either = <T>([first, second]: readonly [T, T], pickSecond: boolean): T => (pickSecond ? second : first);
  const choices = fc.record({
    time: pair(fc.integer({ min: 0, max: 999 }).map((ms) => `,"time":"2026-11-30T20:00:00.${String(ms).padStart(3, '0')}Z"`)),
    method: pair(fc.constantFrom(...METHODS)), url: pair(target), status: pair(fc.constantFrom(200, 404)),
    answer: pair(kinds), remoteAddress: pair(fc.option(latin1, { nil: undefined })),
    userAgent: pair(fc.option(latin1, { nil: undefined })),
  });
  const picks = fc.array(fc.record({
    time: fc.boolean(), method: fc.boolean(), url: fc.boolean(), status: fc.boolean(),
    answer: fc.boolean(), remoteAddress: fc.boolean(), userAgent: fc.boolean(),
  }), { maxLength: 30 });
  fc.assert(fc.property(choices, picks, (choice, sequence) => {
    let time = '';
    const render = requestLineRenderer(4242, () => time);
    for (const pick of sequence) {
      const record: RequestRecord = {
        method: either(choice.method, pick.method), url: either(choice.url, pick.url),
        status: either(choice.status, pick.status), answer: either(choice.answer, pick.answer),
        remoteAddress: either(choice.remoteAddress, pick.remoteAddress), userAgent: either(choice.userAgent, pick.userAgent),
      };
      const at = either(choice.time, pick.time);
      time = at;
      assert.equal(render(alike(record)), requestLineRenderer(4242, () => at)(record));
    }
  }), { numRuns: 1_000 });
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
