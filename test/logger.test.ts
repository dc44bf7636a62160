import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { fdDestination } from '../src/log/destination.js';
import { createLogging, DROPPED_MESSAGE, flushLogger, MAX_PENDING_LOG_BYTES, REQUEST_MESSAGE, type RequestRecord } from '../src/log/logger.js';
import { collectLines } from './helpers/log-lines.js';

const unexpectedDrop = (lines: number): void => { assert.fail(`${lines} lines dropped`); };

/** A destination writing to a real file, and a reader of that file. */
function fileDestination(t: TestContext, batchBytes: number, maxWaitMs: number, format?: (line: string) => string) {
  const dir = mkdtempSync(join(tmpdir(), 'modfallback-log-'));
  const file = join(dir, 'log');
  const fd = openSync(file, 'w');
  t.after(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    destination: fdDestination(fd, { format, batchBytes, maxWaitMs, maxPendingBytes: 1 << 30, onDropped: unexpectedDrop }),
    written: () => readFileSync(file, 'utf8'),
  };
}

const flushed = (destination: { flush(cb: (error?: Error) => void): void }): Promise<void> =>
  new Promise((resolve) => {
    destination.flush(() => {
      resolve();
    });
  });

test('lines reach the file whole and in order, however they fall into batches', async (t) => {
  const { destination, written } = fileDestination(t, 120, 60_000);
  const request = (fill: string): string => `{"x":"${fill.repeat(20)}","msg":"request"}\n`;
  destination.write(request('a'));
  destination.write(request('b'));
  destination.write(request('c'));
  await flushed(destination);
  assert.equal(written(), request('a') + request('b') + request('c'));
});

test('bursts of lines, with writes in flight, reach the file intact and in order', async (t) => {
  const { destination, written } = fileDestination(t, 100, 60_000);
  let expected = '';
  let n = 0;
  for (const burst of [1, 50, 3, 200, 7, 400, 2, 90]) {
    for (let i = 0; i < burst; i++) {
      const line = `{"n":${n++},"msg":"request","x":"${'é'.repeat(i % 70)}"}\n`;
      destination.write(line);
      expected += line;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await flushed(destination);
  assert.equal(written(), expected);
});

test('a line never waits longer than the longest wait', async (t) => {
  const { destination, written } = fileDestination(t, 16_000, 40);
  const alone = '{"msg":"request"}\n';
  destination.write(alone);
  const deadline = Date.now() + 2_000;
  while (written() === '' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(written(), alone);
});

test('a process that exits at once still writes every line, in order', () => {
  // A real process: lines logged, then process.exit, with no event-loop turn in between.
  const loggerModule = new URL('../src/log/logger.ts', import.meta.url).href;
  const script = `
    import { createLogging } from ${JSON.stringify(loggerModule)};
    const { logger, logRequest } = createLogging('info');
    for (let n = 1; n <= 3; n++) logger.info({ n }, 'line');
    // Long lines, more than a write's batch of them held when the process exits.
    for (let n = 4; n <= 203; n++) logRequest({ method: 'GET', url: '/' + n + '/' + 'x'.repeat(500), status: 200, answer: 'go-import' });
    process.exit(0);`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(child.stdout.trim().split('\n').map((l) => {
    const { n, url } = JSON.parse(l) as { n?: number; url?: string };
    return n ?? Number(url?.split('/')[1]);
  }), Array.from({ length: 203 }, (_, i) => i + 1));
});

test('a formatted destination formats each line of a write on its own', async (t) => {
  const { destination, written } = fileDestination(t, 1000, 60_000, (line) => `<${line.trimEnd()}>\n`);
  destination.write('{"a":1}\n{"b":2}\n');
  await flushed(destination);
  assert.equal(written(), '<{"a":1}>\n<{"b":2}>\n');
});

const record = (url: string): RequestRecord => ({
  method: 'GET', url, status: 200, answer: 'go-import', remoteAddress: '127.0.0.1', userAgent: 'Go-http-client/1.1',
});

/** A request line and the line pino writes for the same record, each through createLogging. */
function bothLines(r: RequestRecord): [ours: string, pinos: string] {
  const { destination, lines } = collectLines();
  const { logger, logRequest } = createLogging('info', destination);
  assert.ok(logRequest);
  logRequest(r);
  logger.info(r, REQUEST_MESSAGE);
  // The same time in both: they may fall in different milliseconds.
  const [ours = '', pinos = ''] = lines.map((line) => line.replace(/"time":\d+/, '"time":0'));
  return [ours, pinos];
}

test('a request line is byte for byte the line pino writes for the same fields', () => {
  assert.match(bothLines(record('/a?go-get=1'))[0], /^\{"level":"info","time":0,"pid":\d+,"method":"GET","url":"\/a\?go-get=1",/);
  // What a request can carry: Node's parser lets visible ASCII through in a target, and header values are printable.
  const printable = fc.string({ unit: fc.constantFrom(...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))) });
  fc.assert(fc.property(printable, printable, fc.option(printable, { nil: undefined }), (url, userAgent, remoteAddress) => {
    const [ours, pinos] = bothLines({ ...record(url), userAgent, remoteAddress });
    assert.equal(ours, pinos);
  }), { numRuns: 500 });
});

test('for any text at all in the fields, the line is one line of JSON saying what pino says', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (url, userAgent) => {
    const [ours, pinos] = bothLines({ ...record(url), userAgent });
    assert.equal(ours.indexOf('\n'), ours.length - 1, 'one line, ended by a newline');
    assert.deepEqual(JSON.parse(ours), JSON.parse(pinos.toWellFormed()));
  }), { numRuns: 500 });
  const [markup] = bothLines({ ...record('/x"><script>alert(1)</script>'), remoteAddress: undefined });
  assert.equal((JSON.parse(markup) as { url: string }).url, '/x"><script>alert(1)</script>');
  assert.doesNotMatch(markup, /remoteAddress/, 'a client already gone has no address, as pino leaves it out');
});

test('request lines come out in the order logged, all of them, and before any line logged after them', () => {
  const { destination, lines } = collectLines();
  const { logger, logRequest } = createLogging('info', destination);
  assert.ok(logRequest);
  // More than one batch of them, and a part of the next.
  const urls = Array.from({ length: 1000 }, (_, i) => `/m${i}?go-get=1`);
  for (const url of urls) logRequest(record(url));
  logger.warn('after the requests');
  const logged = lines.map((line) => JSON.parse(line) as { msg: string; url?: string });
  assert.deepEqual(logged.map((line) => line.url ?? line.msg), [...urls, 'after the requests']);
});

test('a request line alone is written within a moment, with the time it was logged', async () => {
  const { destination, lines } = collectLines();
  const { logRequest } = createLogging('info', destination);
  const before = Date.now();
  logRequest?.(record('/alone?go-get=1'));
  const after = Date.now();
  // Held 250 ms at most: a second is room for a busy machine.
  const deadline = Date.now() + 1_000;
  while (lines.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  const [line] = lines.map((l) => JSON.parse(l) as { url: string; time: number });
  assert.equal(line?.url, '/alone?go-get=1', 'written within a second');
  assert.ok(line.time >= before && line.time <= after, `time ${line.time} is when it was logged, not when written`);
});

test('above info there is no request log, and only lines at the level reach the destination', () => {
  const { destination, lines } = collectLines();
  const { logger, logRequest } = createLogging('warn', destination);
  assert.equal(logRequest, undefined);
  logger.info('not written');
  logger.warn('written');
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { msg: string }).msg), ['written']);
});

test('flushLogger resolves once every line is in the file', async (t) => {
  const { destination, written } = fileDestination(t, 16_000, 60_000);
  const { logger, logRequest } = createLogging('info', destination);
  const messages = (): string[] => written().trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg);
  // A request line is held until the batch is full: flushing writes it all the same.
  logRequest?.(record('/a?go-get=1'));
  await flushLogger(logger);
  assert.deepEqual(messages(), [REQUEST_MESSAGE]);
  logger.warn('something the operator must see');
  await flushLogger(logger);
  assert.deepEqual(messages(), [REQUEST_MESSAGE, 'something the operator must see']);
});

test('a stdout nobody reads holds at most the bound; the rest is dropped, counted and reported once it is read again', async () => {
  // A real process whose stdout is a pipe this test leaves unread until the
  // process has logged half again as much as the bound.
  const loggerModule = new URL('../src/log/logger.ts', import.meta.url).href;
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
