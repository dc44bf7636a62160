import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { batchedDestination } from '../src/log-destination.js';
import { createLogger, flushLogger, isoTimeField, REQUEST_MESSAGE } from '../src/logger.js';

test('the time field is formatted once per millisecond, and is that millisecond in ISO 8601', () => {
  let now = Date.UTC(2026, 10, 25, 1, 2, 3, 456);
  let formatted = 0;
  const realToISOString = Object.getOwnPropertyDescriptor(Date.prototype, 'toISOString')?.value as (this: Date) => string;
  const field = isoTimeField(() => now);
  Date.prototype.toISOString = function counted(this: Date) {
    formatted++;
    return realToISOString.call(this);
  };
  try {
    const first = field();
    assert.equal(first, ',"time":"2026-11-25T01:02:03.456Z"');
    assert.equal(field(), first);
    assert.equal(formatted, 1, 'the same millisecond is not formatted again');
    now++;
    assert.equal(field(), ',"time":"2026-11-25T01:02:03.457Z"');
    assert.equal(formatted, 2);
  } finally {
    Date.prototype.toISOString = realToISOString;
  }
});

/** A batched destination writing to a real file, and a reader of that file. */
function fileDestination(t: TestContext, batchChars: number, maxWaitMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'modfallback-log-'));
  const file = join(dir, 'log');
  const fd = openSync(file, 'w');
  t.after(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
  return { destination: batchedDestination(fd, { batchChars, maxWaitMs }), written: () => readFileSync(file, 'utf8') };
}

const flushed = (destination: { flush(cb: (error?: Error) => void): void }): Promise<void> =>
  new Promise((resolve) => {
    destination.flush(() => {
      resolve();
    });
  });

test('lines wait in memory until a batch is full, then reach the file in order', async (t) => {
  const { destination, written } = fileDestination(t, 100, 60_000);
  destination.write('a'.repeat(40) + '\n');
  destination.write('b'.repeat(40) + '\n');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(written(), '', 'under the batch size nothing is written yet');
  destination.write('c'.repeat(40) + '\n');
  await flushed(destination);
  assert.deepEqual(written().split('\n'), ['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40), '']);
});

test('a line never waits longer than the longest wait', async (t) => {
  const { destination, written } = fileDestination(t, 1_000_000, 40);
  destination.write('alone\n');
  const deadline = Date.now() + 2_000;
  while (written() === '' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(written(), 'alone\n');
});

test('flush and flushSync write whatever is gathered', async (t) => {
  const { destination, written } = fileDestination(t, 1_000_000, 60_000);
  destination.write('one\n');
  await flushed(destination);
  assert.equal(written(), 'one\n');
  destination.write('two\n');
  destination.flushSync();
  assert.equal(written(), 'one\ntwo\n');
});

test('through pino: request lines are batched, every other line is written at once', async (t) => {
  const { destination, written } = fileDestination(t, 1_000_000, 60_000);
  const logger = createLogger('info', destination);
  logger.info({ url: '/a?go-get=1' }, REQUEST_MESSAGE);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(written(), '', 'a request line waits for its batch');
  logger.warn('something the operator must see');
  await new Promise((resolve) => setTimeout(resolve, 50));
  const lines = written().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines.map((l) => l.msg), [REQUEST_MESSAGE, 'something the operator must see'], 'in the order logged');
  logger.info({ url: '/b?go-get=1' }, REQUEST_MESSAGE);
  await flushLogger(logger);
  assert.equal(written().trim().split('\n').length, 3);
});
