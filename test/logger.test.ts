import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { pbkdf2 } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { batchedDestination } from '../src/log-destination.js';
import { createLogging, DROPPED_MESSAGE, flushLogger, isoTimeField, MAX_PENDING_LOG_BYTES } from '../src/logger.js';
import { REQUEST_MESSAGE, type RequestRecord } from '../src/request-line.js';

test('the time field is formatted once per millisecond, toISOString once per second', () => {
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
    assert.equal(formatted, 1);
    now += 1;
    assert.equal(field(), ',"time":"2026-11-25T01:02:03.457Z"');
    now += 540;
    assert.equal(field(), ',"time":"2026-11-25T01:02:03.997Z"');
    assert.equal(formatted, 1, 'milliseconds of the same second do not call toISOString again');
    now += 3;
    assert.equal(field(), ',"time":"2026-11-25T01:02:04.000Z"');
    assert.equal(formatted, 2);
  } finally {
    Date.prototype.toISOString = realToISOString;
  }
});

test('the time field is toISOString\'s, for any time and any order of times', () => {
  // Every millisecond a Date can hold, and runs of nearby ones as a clock gives them.
  const instant = fc.integer({ min: -8.64e15, max: 8.64e15 });
  fc.assert(fc.property(instant, fc.array(fc.integer({ min: -1500, max: 1500 }), { maxLength: 20 }), (start, steps) => {
    let now = start;
    const field = isoTimeField(() => now);
    for (const step of [0, ...steps]) {
      now = Math.min(8.64e15, Math.max(-8.64e15, now + step));
      assert.equal(field(), `,"time":"${new Date(now).toISOString()}"`);
    }
  }), { numRuns: 2000 });
});

const unexpectedDrop = (lines: number): void => { assert.fail(`${lines} lines dropped`); };

/** A batched destination writing to a real file, and a reader of that file. */
function fileDestination(t: TestContext, batchBytes: number, maxWaitMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'modfallback-log-'));
  const file = join(dir, 'log');
  const fd = openSync(file, 'w');
  t.after(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
  return { destination: batchedDestination(fd, { batchBytes, maxWaitMs, maxPendingBytes: 1 << 30, onDropped: unexpectedDrop }), written: () => readFileSync(file, 'utf8') };
}

const flushed = (destination: { flush(cb: (error?: Error) => void): void }): Promise<void> =>
  new Promise((resolve) => {
    destination.flush(() => {
      resolve();
    });
  });

test('lines wait in memory until a batch is full, then reach the file in order', async (t) => {
  const { destination, written } = fileDestination(t, 120, 60_000);
  const request = (fill: string): string => `{"x":"${fill.repeat(20)}","msg":"request"}\n`;
  destination.gather(request('a'));
  destination.gather(request('b'));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(written(), '', 'under the batch size nothing is written yet');
  destination.gather(request('c'));
  await flushed(destination);
  assert.equal(written(), request('a') + request('b') + request('c'));
});

test('a line longer than a batch is written whole, after the lines before it and before those after', async (t) => {
  const { destination, written } = fileDestination(t, 64, 60_000);
  const short = (fill: string): string => `{"x":"${fill}","msg":"request"}\n`;
  // Longer than the batch in bytes, not in characters: each of these is two bytes in UTF-8.
  const long = `{"x":"${'é'.repeat(30)}","msg":"request"}\n`;
  destination.gather(short('a'));
  destination.gather(long);
  destination.gather(short('b'));
  await flushed(destination);
  assert.equal(written(), short('a') + long + short('b'));
});

test('batches written one after another, their buffers used again, carry every line intact and in order', async (t) => {
  // Many small batches, in bursts with and without a turn of the event loop
  // between them: writes in flight while the next batches fill, and buffers
  // taken again once sonic-boom has written them.
  const { destination, written } = fileDestination(t, 100, 60_000);
  let expected = '';
  let n = 0;
  for (const burst of [1, 50, 3, 200, 7, 400, 2, 90]) {
    for (let i = 0; i < burst; i++) {
      const line = `{"n":${n++},"msg":"request"}\n`;
      destination.gather(line);
      expected += line;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await flushed(destination);
  assert.equal(written(), expected);
});

test('a line never waits longer than the longest wait', async (t) => {
  const { destination, written } = fileDestination(t, 1_000_000, 40);
  const alone = '{"msg":"request"}\n';
  destination.gather(alone);
  const deadline = Date.now() + 2_000;
  while (written() === '' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(written(), alone);
});

test('flush and flushSync write whatever is gathered; flushSync leaves no write in flight', async (t) => {
  const { destination, written } = fileDestination(t, 1_000_000, 60_000);
  const line = (n: number): string => `{"n":${n},"msg":"request"}\n`;
  destination.gather(line(0));
  await flushed(destination);
  assert.equal(written(), line(0));

  // Every thread of libuv's pool busy (4 by default): an asynchronous write
  // queued now could not land before these end, so only a synchronous one passes.
  const poolSize = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const busy = Array.from({ length: poolSize }, () => promisify(pbkdf2)('x', 'y', 300_000, 32, 'sha256'));
  destination.gather(line(1));
  destination.flushSync();
  assert.equal(written(), line(0) + line(1), 'written the moment flushSync returns');
  await Promise.all(busy);
});

test('a process that exits at once still writes every gathered line, in order', () => {
  // A real process: lines gathered, then process.exit, with no event-loop turn in between.
  const destinationModule = new URL('../src/log-destination.ts', import.meta.url).href;
  const script = `
    import { batchedDestination } from ${JSON.stringify(destinationModule)};
    const destination = batchedDestination(1, { batchBytes: 1_000_000, maxWaitMs: 60_000, maxPendingBytes: 1 << 30, onDropped: () => {} });
    destination.gather('{"n":1,"msg":"request"}\\n');
    destination.gather('{"n":2,"msg":"request"}\\n');
    destination.flushSync();
    destination.gather('{"n":3,"msg":"request"}\\n');
    process.exit(0);`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout, '{"n":1,"msg":"request"}\n{"n":2,"msg":"request"}\n{"n":3,"msg":"request"}\n');
});

const record = (url: string): RequestRecord => ({
  method: 'GET', url, status: 200, answer: 'go-import', remoteAddress: '127.0.0.1', userAgent: 'Go-http-client/1.1',
});

test('request lines wait for their batch; every other line is written at once, after them', async (t) => {
  const { destination, written } = fileDestination(t, 1_000_000, 60_000);
  const { logger, logRequest } = createLogging('info', destination);
  assert.ok(logRequest);
  logRequest(record('/a?go-get=1'));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(written(), '', 'a request line waits for its batch');
  logger.warn('something the operator must see');
  await new Promise((resolve) => setTimeout(resolve, 50));
  const lines = written().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines.map((l) => l.msg), [REQUEST_MESSAGE, 'something the operator must see'], 'in the order logged');
  assert.equal(lines[0]?.url, '/a?go-get=1');
  logRequest(record('/b?go-get=1'));
  await flushLogger(logger);
  assert.equal(written().trim().split('\n').length, 3);
});

test('above info there is no request log, and nothing reaches the sink', () => {
  const lines: string[] = [];
  const keep = (line: string): void => { lines.push(line); };
  const { logger, logRequest } = createLogging('warn', { write: keep, gather: keep });
  assert.equal(logRequest, undefined);
  logger.info('not written');
  logger.warn('written');
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { msg: string }).msg), ['written']);
});

test('a stdout nobody reads holds at most the bound; the rest is dropped, counted and reported once it is read again', async () => {
  // A real process whose stdout is a pipe this test leaves unread until the
  // process has logged half again as much as the bound.
  const loggerModule = new URL('../src/logger.ts', import.meta.url).href;
  const script = `
    import { createLogging, MAX_PENDING_LOG_BYTES } from ${JSON.stringify(loggerModule)};
    const { logRequest } = createLogging('info');
    const record = { method: 'GET', url: '/gpu/mtl?go-get=1', status: 200, answer: 'go-import',
      remoteAddress: '127.0.0.1', userAgent: 'Go-http-client/1.1' };
    let logged = 0;
    for (let bytes = 0; bytes < MAX_PENDING_LOG_BYTES * 1.5; bytes += 200) { logRequest(record); logged++; }
    process.stderr.write(logged + '\\n');`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const [firstErr] = await once(child.stderr.setEncoding('utf8'), 'data') as [string];
  const logged = Number(firstErr.trim());
  assert.ok(logged > 0, `the process logged its lines: ${firstErr}`);

  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => { out += text; });
  const [code] = await once(child, 'exit') as [number];
  assert.equal(code, 0);
  await new Promise((resolve) => setImmediate(resolve));
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; droppedLines?: number });
  const requests = lines.filter((l) => l.msg === REQUEST_MESSAGE).length;
  const reports = lines.filter((l) => l.msg === DROPPED_MESSAGE);
  assert.equal(reports.length, 1, 'one line reports the drops');
  const dropped = reports[0]?.droppedLines ?? 0;
  assert.equal(requests + dropped, logged, 'every line logged was either written or counted as dropped');
  // Held: the bound, what the pipe itself holds, and the batch being gathered.
  const lineBytes = out.length / lines.length;
  assert.ok(requests * lineBytes < MAX_PENDING_LOG_BYTES + 1024 * 1024,
    `${requests} lines written, about ${Math.round(requests * lineBytes / 1048576)} MiB: more than the bound`);
  assert.equal(lines.at(-1)?.msg, DROPPED_MESSAGE, 'reported after the lines held were written');
});
