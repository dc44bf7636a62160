// The reliability suite: attacks a running server (the built CLI, its own
// process) the way a public endpoint is attacked, and checks that it keeps
// serving. Each test prints its figures. Everything stays on loopback.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rename, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { connect as tcpConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { test, type TestContext } from 'node:test';
import { exchange, hammer, memoryMiB, percentile, sleep, socketCount, timedGet } from './helpers/load.js';
import { fingerprint, presentedFingerprint } from './helpers/peer.js';
import { startCli, type CliProcess } from './helpers/process.js';
import { makePki, tempDir, type TestPki } from './helpers/tls.js';

const DOMAIN = 'dmitri.shuralyov.com';

interface Running {
  readonly cli: CliProcess;
  readonly port: number;
  readonly pki: TestPki;
  readonly certFile: string;
  readonly keyFile: string;
}

/** The built CLI with short timeouts, so that the attacks end within seconds. */
async function startServer(t: TestContext, extra: readonly string[] = []): Promise<Running> {
  const pki = await makePki(t);
  const dir = await tempDir(t, 'modfallback-rel-');
  const leaf = await pki.issue('leaf', [DOMAIN]);
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await writeFile(certFile, leaf.cert);
  await writeFile(keyFile, leaf.key);
  const cli = startCli(t, [
    '--cert', certFile, '--key', keyFile, '--port', '0', '--host', '127.0.0.1',
    '--handshake-timeout', '2', '--headers-timeout', '2', '--request-timeout', '3', '--keep-alive-timeout', '2',
    ...extra,
  ]);
  const port = Number((await cli.waitForLog((l) => l.msg === 'listening')).port);
  return { cli, port, pki, certFile, keyFile };
}

function goGet(server: Running, path = '/gpu/mtl?go-get=1', agent?: Agent) {
  return timedGet({ port: server.port, ca: server.pki.ca.cert, path, servername: DOMAIN, ...(agent ? { agent } : {}) });
}

function errorLines(cli: CliProcess): unknown[] {
  return cli.logs.filter((l) => l.level === 'error' || l.level === 'fatal');
}

test('1. slowloris: trickling connections are cut by the timeouts while go-get requests keep flowing', async (t) => {
  const server = await startServer(t);
  const SLOW = 300;
  const slow: TLSSocket[] = [];
  let closedAt: number[] = [];
  const started = performance.now();
  for (let batch = 0; batch < SLOW / 50; batch++) {
    await Promise.all(Array.from({ length: 50 }, async () => {
      const socket = tlsConnect({ host: '127.0.0.1', port: server.port, ca: server.pki.ca.cert, servername: DOMAIN });
      socket.on('error', () => { socket.destroy(); });
      socket.on('close', () => { closedAt.push(performance.now() - started); });
      slow.push(socket);
      await once(socket, 'secureConnect');
      socket.write('GET /gpu/mtl?go-get=1 HTTP/1.1\r\nHost: dmitri.shuralyov.com\r\n');
    }));
  }
  t.after(() => { for (const s of slow) s.destroy(); });
  const trickle = setInterval(() => { for (const s of slow) if (!s.destroyed) s.write('X-Slow: 1\r\n'); }, 250);
  t.after(() => { clearInterval(trickle); });
  const heldAtStart = slow.filter((s) => !s.destroyed).length;

  const deadline = performance.now() + 3_500;
  const outcomes = await hammer(2, () => performance.now() > deadline, async () => {
    const outcome = await goGet(server);
    await sleep(20);
    return outcome;
  });
  clearInterval(trickle);
  // The last slow connections were opened just before the go-get requests
  // began: on a busy machine their headers timeout may not have come yet.
  const cutBy = performance.now() + 3_000;
  while (closedAt.length < SLOW && performance.now() < cutBy) await sleep(50);
  const latencies = outcomes.map((o) => o.ms);
  t.diagnostic(`slowloris: held ${heldAtStart} trickling TLS connections; served ${outcomes.length} go-get requests ` +
    `meanwhile, p50 ${percentile(latencies, 50).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms; ` +
    `${closedAt.length} slow connections closed by the server, the last after ${Math.max(...closedAt).toFixed(0)} ms`);

  assert.equal(heldAtStart, SLOW, 'every slow connection was accepted');
  assert.deepEqual(outcomes.filter((o) => !o.ok), [], 'every go-get request succeeded');
  // Prompt, with room for the machine: on the shared 2-core machines CI runs
  // on, this test's own process was seen to stall for up to a second (a TCP
  // connect on loopback reported 300-550 ms late), cutting the count to 48
  // in 5 s and the slowest answer to 1,043 ms. A server held up by the attack would
  // answer only once the slow connections were cut, after the 2 s headers
  // timeout, and would serve a handful, not dozens.
  assert.ok(outcomes.length >= 25, `only ${outcomes.length} requests served`);
  assert.ok(percentile(latencies, 50) < 100, 'most answers are prompt');
  assert.ok(Math.max(...latencies) < 2_000, 'no answer waited for the headers timeout');
  assert.equal(closedAt.length, SLOW, 'every slow connection was closed by the headers timeout');
  assert.deepEqual(errorLines(server.cli), []);
  closedAt = [];
});

test('2. a corpus of malformed requests gets 4xx or a closed connection, and the server carries on', async (t) => {
  const server = await startServer(t);
  const tls = { ca: server.pki.ca.cert, servername: DOMAIN };
  // Connection: close, so that an answered request does not wait for the keep-alive timeout.
  const host = `Host: ${DOMAIN}\r\nConnection: close\r\n`;
  const corpus: [name: string, bytes: string | Buffer, overTls: boolean][] = [
    ['invalid request line', 'GET\r\n\r\n', true],
    ['unknown method', `BREW /x?go-get=1 HTTP/1.1\r\n${host}\r\n`, true],
    ['unknown HTTP version', `GET /x?go-get=1 HTTP/7.1\r\n${host}\r\n`, true],
    ['absolute-form target', `GET https://evil.example/x?go-get=1 HTTP/1.1\r\n${host}\r\n`, true],
    ['CONNECT', `CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n`, true],
    ['OPTIONS *', `OPTIONS * HTTP/1.1\r\n${host}\r\n`, true],
    ['NUL in the target', `GET /a\u0000b?go-get=1 HTTP/1.1\r\n${host}\r\n`, true],
    ['control bytes in a header', `GET /x?go-get=1 HTTP/1.1\r\n${host}X-Bad: a\u0001b\r\n\r\n`, true],
    ['header without a colon', `GET /x?go-get=1 HTTP/1.1\r\n${host}Nonsense\r\n\r\n`, true],
    ['invalid percent-encoding', `GET /x%ZZ?go-get=1 HTTP/1.1\r\n${host}\r\n`, true],
    ['markup in the target', `GET /x"><script>alert(1)</script>?go-get=1 HTTP/1.1\r\n${host}\r\n`, true],
    ['100 KB URL', `GET /${'a'.repeat(100_000)}?go-get=1 HTTP/1.1\r\n${host}\r\n`, true],
    ['3 KB URL (over --max-url-length)', `GET /${'a/'.repeat(1_500)}?go-get=1 HTTP/1.1\r\n${host}\r\n`, true],
    ['thousands of headers', `GET /x?go-get=1 HTTP/1.1\r\n${host}${'X-H: v\r\n'.repeat(5_000)}\r\n`, true],
    ['duplicate Host', `GET /x?go-get=1 HTTP/1.1\r\n${host}Host: evil.example\r\n\r\n`, true],
    ['HTTP/1.1 without Host', 'GET /x?go-get=1 HTTP/1.1\r\nConnection: close\r\n\r\n', true],
    ['HTTP/1.0 without Host', 'GET /x?go-get=1 HTTP/1.0\r\n\r\n', true],
    ['smuggling: Content-Length and Transfer-Encoding',
      `POST /x?go-get=1 HTTP/1.1\r\n${host}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, true],
    ['bad Content-Length', `GET /x?go-get=1 HTTP/1.1\r\n${host}Content-Length: abc\r\n\r\n`, true],
    ['plain HTTP to the TLS port', `GET /x?go-get=1 HTTP/1.1\r\n${host}\r\n`, false],
    ['random bytes instead of a ClientHello', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)), false],
    ['a truncated ClientHello', Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]), false],
  ];
  const table: string[] = [];
  for (const [name, bytes, overTls] of corpus) {
    const { response, closed } = await exchange(server.port, bytes, overTls ? tls : null);
    const status = /^HTTP\/1\.[01] (\d{3}) /.exec(response)?.[1];
    table.push(`${name}: ${status ?? (closed ? 'closed' : 'open')}`);
    assert.ok(status === undefined ? closed : /^4\d\d$/.test(status), `${name}: got ${status ?? 'no status'} (closed: ${closed})`);
    if (status !== undefined) assert.doesNotMatch(response, /<script>/, name);
  }
  t.diagnostic(`malformed corpus: ${table.join('; ')}`);

  const keep = `Host: ${DOMAIN}\r\n`;
  const pipelined = await exchange(server.port,
    `GET /a?go-get=1 HTTP/1.1\r\n${keep}\r\nGET /b?go-get=1 HTTP/1.1\r\n${keep}\r\nGET /.ping HTTP/1.1\r\n${host}\r\n`, tls);
  assert.deepEqual([...pipelined.response.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1]), ['200', '200', '200'],
    'pipelined requests are answered in order');
  assert.ok(pipelined.response.indexOf(`${DOMAIN}/a mod`) < pipelined.response.indexOf(`${DOMAIN}/b mod`));

  const noSni = await exchange(server.port, `GET /.ping HTTP/1.1\r\n${host}\r\n`,
    { ca: server.pki.ca.cert }); // connecting to an IP address sends no SNI
  assert.match(noSni.response, /^HTTP\/1\.1 200 /, 'a ClientHello without SNI still gets the certificate');

  assert.ok((await goGet(server)).ok, 'still answering');
  assert.deepEqual(errorLines(server.cli), [], 'no error was logged');
});

test('3. a connection flood: the limit holds, memory stays bounded, the server recovers', async (t) => {
  const LIMIT = 500;
  const FLOOD = 2_000;
  const server = await startServer(t, ['--max-connections', String(LIMIT)]);
  const pid = server.cli.child.pid ?? 0;
  const before = await memoryMiB(pid);
  const baseline = await socketCount(pid);

  const sockets: Socket[] = [];
  t.after(() => { for (const s of sockets) s.destroy(); });
  // The most held at once, sampled all along: on a slow machine the first
  // connections accepted may meet the handshake timeout before the flood ends.
  let peakHeld = 0;
  const sampling = new AbortController();
  const sampler = (async () => {
    while (!sampling.signal.aborted) {
      peakHeld = Math.max(peakHeld, (await socketCount(pid)) - baseline);
      await sleep(50);
    }
  })();
  let connected = 0;
  await Promise.all(Array.from({ length: FLOOD }, () => new Promise<void>((resolve) => {
    const socket = tcpConnect(server.port, '127.0.0.1', () => { connected++; resolve(); });
    socket.on('error', () => { resolve(); });
    socket.on('close', () => { resolve(); });
    sockets.push(socket);
  })));
  // Counted in the server, not the client: when the kernel's accept queue
  // overflows, a client can believe it is connected to a server that never saw it.
  const filling = Date.now();
  while (peakHeld < LIMIT * 0.9 && Date.now() - filling < 5_000) await sleep(50);
  sampling.abort();
  await sampler;
  const during = await memoryMiB(pid);
  const refusedLine = await server.cli.waitForLog((l) => l.msg === 'at the connection limit: refusing new connections');

  // Idle connections that never start TLS are cut by the handshake timeout (2 s
  // here), each 2 s after it was accepted: those the kernel queued while the
  // server was at the limit are accepted as the first are cut, and on a busy
  // machine later still. So the count is watched, for up to 10 s.
  const waitStarted = Date.now();
  let heldAfterTimeout = (await socketCount(pid)) - baseline;
  while (heldAfterTimeout > 0 && Date.now() - waitStarted < 10_000) {
    await sleep(250);
    heldAfterTimeout = (await socketCount(pid)) - baseline;
  }
  const cutWithinMs = Date.now() - waitStarted;
  const recovered = await goGet(server);
  const after = await memoryMiB(pid);
  t.diagnostic(`flood: ${FLOOD} connections opened (${connected} connected), at most ${peakHeld} held at once ` +
    `at the limit of ${LIMIT}, ` +
    `${heldAfterTimeout} left after the handshake timeout (watched for ${cutWithinMs} ms); server memory ${before.rss.toFixed(0)} MiB before, ` +
    `${during.rss.toFixed(0)} MiB during, peak ${after.peak.toFixed(0)} MiB`);

  assert.equal(refusedLine.level, 'warn');
  // Over the limit, Node accepts a connection and closes it in the same
  // callback; a sample can land in between and count that one (CI saw 501).
  assert.ok(peakHeld <= LIMIT + 1, `${peakHeld} connections held, over the limit of ${LIMIT}`);
  assert.ok(peakHeld >= LIMIT * 0.9, `at most ${peakHeld} connections held: the limit, not the machine, should refuse`);
  assert.equal(heldAfterTimeout, 0);
  assert.ok(after.peak - before.rss < 150, 'memory stayed bounded');
  assert.ok(recovered.ok, 'the server recovers');
});

test('4. certificate rotation under load: zero failed requests, the new certificate served afterwards', async (t) => {
  const server = await startServer(t);
  let stopped = false;
  const load = hammer(4, () => stopped, () => goGet(server)); // a new TLS connection per request

  let last = '';
  for (let i = 0; i < 6; i++) {
    const next = await server.pki.issue(`rotation-${i}`, [DOMAIN]);
    await writeFile(`${server.keyFile}.tmp`, next.key);
    await writeFile(`${server.certFile}.tmp`, next.cert);
    const mark = server.cli.logs.length;
    await rename(`${server.keyFile}.tmp`, server.keyFile);
    await rename(`${server.certFile}.tmp`, server.certFile);
    // Half the rotations by signal, half left to the file watcher.
    if (i % 2 === 0) server.cli.child.kill('SIGHUP');
    await server.cli.waitForLog((l) => l.msg === 'certificate loaded' && server.cli.logs.indexOf(l) >= mark);
    last = next.cert;
    await sleep(150);
  }
  stopped = true;
  const outcomes = await load;
  const served = await presentedFingerprint(server.port, server.pki.ca.cert, DOMAIN);
  t.diagnostic(`rotation: 6 certificates (3 by SIGHUP, 3 by file change) while ${outcomes.length} requests ran, ` +
    `${outcomes.filter((o) => !o.ok).length} failed`);
  assert.deepEqual(outcomes.filter((o) => !o.ok), []);
  assert.ok(outcomes.length > 20);
  assert.equal(served, fingerprint(last));
});

test('5. SIGTERM under load: every accepted request completes, exit 0 within the drain timeout', async (t) => {
  const server = await startServer(t, ['--drain-timeout', '5']);
  const agent = new Agent({ keepAlive: true, maxSockets: 32, ca: server.pki.ca.cert });
  t.after(() => { agent.destroy(); });
  const completed = new Set<string>();
  let failures = 0;
  let signalled = false;
  const load = hammer(32, () => signalled && failures > 0, async (worker, i) => {
    const id = `${worker}-${i}`;
    const outcome = await goGet(server, `/gpu/mtl?go-get=1&n=${id}`, agent);
    if (outcome.ok) completed.add(id);
    else failures++;
    return outcome;
  });
  // The signal comes once the load is real: after a few hundred answers, not
  // after a fixed time, which on a busy machine the 32 handshakes alone can fill.
  const loadStarted = performance.now();
  while (completed.size < 200 && performance.now() - loadStarted < 20_000) await sleep(50);
  const started = performance.now();
  signalled = true;
  server.cli.child.kill('SIGTERM');
  const code = await server.cli.exited;
  const stopMs = performance.now() - started;
  failures++; // the server is gone: let every loop end
  await load;

  const accepted = server.cli.logs
    .filter((l) => l.msg === 'request' && typeof l.url === 'string')
    .map((l) => new URL(String(l.url), 'https://x').searchParams.get('n') ?? '');
  const lost = accepted.filter((id) => !completed.has(id));
  const logged = new Set(accepted);
  const unlogged = [...completed].filter((id) => !logged.has(id));
  t.diagnostic(`SIGTERM under load: ${accepted.length} requests accepted by the server, ${completed.size} completed ` +
    `at the client, ${lost.length} lost; exit ${code} after ${stopMs.toFixed(0)} ms`);
  assert.equal(code, 0);
  assert.ok(stopMs < 5_000 + 1_000, 'within the drain timeout');
  assert.ok(accepted.length > 100, 'there was real load');
  assert.deepEqual(lost, [], 'every request the server accepted reached its client');
  assert.deepEqual(unlogged, [], 'every answered request was logged: no line lost at exit');
  assert.ok(server.cli.logs.some((l) => l.msg === 'stopped'), 'the last log line was not lost');
});
