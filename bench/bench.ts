// The benchmark: modfallback as users run it (the built CLI, logging at info to
// /dev/null, and in one figure to a file) against a bare node:https server
// answering the same bytes, the ceiling of the platform. Alternates the two
// over rounds, prints the raw numbers, medians and ratios, and whether each
// target is met. A script that prints figures, never a timed test: compare
// ratios measured in one run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAuthority, issueServerCertificate } from '../src/certs/issue.js';
import { createResponder } from '../src/core/respond.js';
import { startEdge } from './edge.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
// Throughput is measured in turns over short slices, several a round (see inTurns).
const SLICES = Number(process.env.BENCH_SLICES ?? 4);
const SLICE_SECONDS = Number(process.env.BENCH_SLICE_SECONDS ?? 3);
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 10);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'modfallback.js');
const BASELINE = join(ROOT, 'bench', 'baseline.mjs');
const AUTOCANNON = join(ROOT, 'node_modules', 'autocannon', 'autocannon.js');
const LATENCY_CLIENT = join(ROOT, 'bench', 'latency-client.mjs');
const CPU_PROBE = join(ROOT, 'bench', 'cpu-availability.mjs');
/**
 * The least share of wall-clock time each core must run the probe for the
 * timings to judge a target: below it, they measure the host's other tenants.
 */
const MIN_RUNNING_SHARE = 0.9;
const LATENCY_RATE = 2000;
const DOMAIN = 'dmitri.shuralyov.com';
const NESTED = '/gpu/mtl/example/movingobjects?go-get=1';
const ONE = '/gpu?go-get=1';
const FORTY = `/${Array.from({ length: 40 }, (_, i) => `element${i}`).join('/')}?go-get=1`;
const PINNING = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
// Instruction counts need valgrind (Debian: apt-get install valgrind); BENCH_INSTRUCTIONS=0 skips them.
const COUNTING = process.env.BENCH_INSTRUCTIONS !== '0' && spawnSync('callgrind_control', ['--version']).status === 0;
const COUNTED_REQUESTS = 5000;

/**
 * modfallback logs at info to /dev/null, the cost of making each line and
 * handing it to the OS; modfallback-file logs to a file as well, which adds the
 * kernel's cost of keeping the bytes. That cost is the machine's: on these
 * VMs, 0.9 µs a request at 40 path elements, most of it the host backing each
 * new page of the file (dd writes a fresh 256 MiB in 0.45 s, the same pages
 * again in 0.06 s).
 */
type Kind = 'modfallback' | 'modfallback-file' | 'modfallback-warn' | 'baseline';
type Samples = Record<string, number[]>;

const samples: Samples = {};
const record = (name: string, value: number): void => { (samples[name] ??= []).push(value); };

/** Runs a command pinned to a core when the OS allows, so server and load do not share one. */
function pinned(core: number, command: string, args: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  return PINNING ? spawn('taskset', ['-c', String(core), command, ...args], options) : spawn(command, args, options);
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

interface Files { cert: string; key: string; answer: string; log: string }

// Node loads the certificates NODE_EXTRA_CA_CERTS names into every TLS context
// made without a CA list: the baseline's, not modfallback's (see
// serverTlsContext). A machine that sets it would flatter the cold-start ratio.
const SERVER_ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_EXTRA_CA_CERTS'));

function startServer(kind: Kind, port: number, files: Files, wrapper: string[] = []): ChildProcess {
  // Under a wrapper (valgrind), node becomes the wrapper's first argument.
  const command = wrapper[0] ?? process.execPath;
  const prefix = wrapper.length > 0 ? [...wrapper.slice(1), process.execPath] : [];
  if (kind === 'baseline') {
    return pinned(1, command, [...prefix, BASELINE, String(port), files.cert, files.key, files.answer], { stdio: 'ignore', env: SERVER_ENV });
  }
  const log = openSync(kind === 'modfallback-file' ? files.log : '/dev/null', 'a');
  const child = pinned(1, command, [...prefix, CLI, 'serve', '--cert', files.cert, '--key', files.key,
    '--port', String(port), '--host', '127.0.0.1', '--log-level', kind === 'modfallback-warn' ? 'warn' : 'info',
  ], { stdio: ['ignore', log, 'ignore'], env: SERVER_ENV });
  closeSync(log);
  return child;
}

/** Milliseconds from spawning to the first 200 over TLS. */
async function startAndWait(
  kind: Kind, files: Files, wrapper: string[] = [],
): Promise<{ child: ChildProcess; port: number; coldMs: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = startServer(kind, port, files, wrapper);
  for (;;) {
    if (await get(port, NESTED) === 200) return { child, port, coldMs: performance.now() - started };
    if (child.exitCode !== null) throw new Error(`${kind} exited with ${child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    request({ host: '127.0.0.1', port, path, rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      res.on('end', () => { resolve(res.statusCode ?? 0); });
    }).on('error', () => { resolve(0); }).end();
  });
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  if (child.exitCode === null) await once(child, 'exit');
}

/** What a command pinned to a core writes on stdout, once it has exited. */
async function outputOf(core: number, command: string, args: string[]): Promise<string> {
  const child = pinned(core, command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => { out += s; });
  await once(child, 'exit');
  return out;
}

interface Load { rps: number; total: number }

/**
 * Throughput: wrk (Debian: apt-get install wrk) on the other core, for a
 * number of seconds. Not autocannon: on one core it cannot keep up with the
 * baseline (which sat idle a fifth of the time under it), so its figure was
 * partly the load generator's own speed; wrk, in C, leaves the server's core
 * no idle time. A run with a failed request has no figure: it throws.
 */
async function throughput(port: number, path: string, connections: number, seconds: number, closeEach = false): Promise<Load> {
  const out = await outputOf(0, 'wrk', ['-t1', `-c${String(connections)}`, `-d${String(seconds)}s`,
    ...(closeEach ? ['-H', 'Connection: close'] : []), `https://127.0.0.1:${port}${path}`]);
  const done = /(\d+) requests in ([\d.]+)(ms|s|m),/.exec(out);
  if (done === null || Number(done[1]) === 0) throw new Error(`no request was answered: wrk on port ${port}\n${out}`);
  const total = Number(done[1]);
  const duration = Number(done[2]) * { ms: 0.001, s: 1, m: 60 }[done[3] as 'ms' | 's' | 'm'];
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)?.slice(1) ?? [];
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + socketErrors.reduce((sum, n) => sum + Number(n), 0);
  if (errors > 0) throw new Error(`wrk on port ${port}${path}: ${errors} failed requests`);
  return { rps: total / duration, total };
}

/**
 * A number of requests from autocannon on the other core, for counting
 * instructions, where speed does not matter; returns how many were answered
 * with a 2xx. A server under valgrind is some fifty times slower: a minute
 * before a request times out.
 */
async function countedLoad(port: number, args: string[], amount: number): Promise<number> {
  const out = await outputOf(0, process.execPath, [AUTOCANNON, '-j', '-t', '60', '-a', String(amount), ...args, `https://127.0.0.1:${port}${NESTED}`]);
  const result = JSON.parse(out) as { '2xx': number };
  return result['2xx'];
}

/** p50 and p99 in milliseconds at a fixed rate, from the fixed-rate client on the other core. */
async function latency(port: number): Promise<{ p50: number; p99: number }> {
  const out = await outputOf(0, process.execPath, [LATENCY_CLIENT, `https://127.0.0.1:${port}${NESTED}`, String(LATENCY_RATE), String(SECONDS), '8']);
  const result = JSON.parse(out) as { p50: number; p99: number; errors: number };
  if (result.errors > 0) throw new Error(`${result.errors} failed requests in the latency run`);
  return result;
}

/** CPU time a process has used, in microseconds (Linux, 100 ticks a second). */
function cpuMicros(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${String(pid)}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

function rssMiB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) / 1024;
}

/** What share of the wall-clock time a core runs a process (see cpu-availability.mjs), over 2 s. */
async function cpuAvailability(core: number): Promise<void> {
  const out = await outputOf(core, process.execPath, [CPU_PROBE, '2']);
  const { running, longestPauseMs } = JSON.parse(out) as { running: number; longestPauseMs: number };
  record(`core ${core} running share`, running);
  record(`core ${core} longest pause ms`, longestPauseMs);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Running { readonly kind: Kind; readonly child: ChildProcess; readonly port: number }

/** Starts a server and warms it up, recording its cold start and idle memory. */
async function startWarm(kind: Kind, files: Files): Promise<Running> {
  const { child, port, coldMs } = await startAndWait(kind, files);
  record(`${kind} cold start ms`, coldMs);
  await sleep(500);
  record(`${kind} idle RSS MiB`, rssMiB(child.pid));
  await throughput(port, NESTED, 64, 1);
  return { kind, child, port };
}

/** One side of a comparison: what its figures are named, and how one slice of it is measured. */
interface Contestant { readonly name: string; readonly measure: () => Promise<number> }

/**
 * Measures the contestants in turns over short slices, SLICES a round. On a
 * shared machine whose speed drifts by a fifth within a minute, one long run
 * each compares two different machines; here each slice compares two runs
 * seconds apart. Records each figure, and each slice's figure of the others
 * relative to the first contestant's, whose median is the ratio the report judges.
 */
async function slicesInTurns(round: number, figure: string, contestants: readonly Contestant[]): Promise<void> {
  const [reference, ...others] = contestants;
  if (reference === undefined) return;
  for (let slice = 0; slice < SLICES; slice++) {
    const value = new Map<Contestant, number>();
    for (const contestant of takingTurns(round + slice, contestants)) {
      value.set(contestant, await contestant.measure());
      record(`${contestant.name} ${figure}`, value.get(contestant) ?? NaN);
    }
    for (const contestant of others) {
      record(`${contestant.name} ${figure} / ${reference.name}, paired`, (value.get(contestant) ?? NaN) / (value.get(reference) ?? NaN));
    }
  }
}

/**
 * The servers side by side on the server core, idle but the one under load,
 * measured in turns (slicesInTurns); the first kind, the baseline, is the reference.
 */
async function inTurns(
  round: number, kinds: readonly Kind[], files: Files, figure: string, measure: (server: Running) => Promise<number>,
): Promise<void> {
  const running = new Map<Kind, Running>();
  try {
    for (const kind of takingTurns(round, kinds)) running.set(kind, await startWarm(kind, files));
    await slicesInTurns(round, figure, [...running.values()]
      .sort((x, y) => kinds.indexOf(x.kind) - kinds.indexOf(y.kind))
      .map((server) => ({ name: server.kind, measure: () => measure(server) })));
  } finally {
    for (const server of running.values()) await stop(server.child);
  }
}

async function keepAlive(round: number, files: Files): Promise<void> {
  await inTurns(round, ['baseline', 'modfallback', 'modfallback-warn', 'modfallback-file'], files, 'keep-alive req/s', async ({ kind, child, port }) => {
    const cpuBefore = cpuMicros(child.pid);
    const result = await throughput(port, NESTED, 64, SLICE_SECONDS);
    // Beside it, the server's own CPU time per request. (A host that pauses
    // the core without reporting steal time has the guest charge the pause
    // to the server: see cpu-availability.mjs.)
    record(`${kind} keep-alive CPU us/req`, (cpuMicros(child.pid) - cpuBefore) / result.total);
    record(`${kind} RSS after keep-alive MiB`, rssMiB(child.pid));
    return result.rps;
  });
}

async function newConnections(round: number, files: Files): Promise<void> {
  // The server closes each connection after its answer, so every request pays a full handshake.
  await inTurns(round, ['baseline', 'modfallback'], files, 'new-connection req/s',
    async ({ port }) => (await throughput(port, NESTED, 16, SLICE_SECONDS, true)).rps);
}

async function fixedRateLatency(kind: Kind, files: Files): Promise<void> {
  const { child, port } = await startWarm(kind, files);
  try {
    const { p50, p99 } = await latency(port);
    record(`${kind} latency p50 ms`, p50);
    record(`${kind} latency p99 ms`, p99);
  } finally {
    await stop(child);
  }
}

/**
 * The two paths in turns: modfallback (logging at info) answering both, then,
 * for comparison, the baseline's own cost of the longer request and answer,
 * from two baselines, one sending each path's answer.
 */
async function pathScaling(round: number, files: Files, baselineFiles: PathFiles): Promise<void> {
  // ports[i] answers PATHS[i]; a single port answers both.
  const slices = (kind: Kind, ports: readonly number[]): Promise<void> =>
    slicesInTurns(round, 'req/s', PATHS.map(([name, path], i) => ({
      name: `${kind} ${name}`,
      measure: async () => (await throughput(ports[i] ?? ports[0] ?? 0, path, 64, SLICE_SECONDS)).rps,
    })));
  const modfallback = await startWarm('modfallback', files);
  try {
    await slices('modfallback', [modfallback.port]);
  } finally {
    await stop(modfallback.child);
  }
  const baselines: Running[] = [];
  try {
    for (const pathFiles of baselineFiles) baselines.push(await startWarm('baseline', pathFiles));
    await slices('baseline', baselines.map((server) => server.port));
  } finally {
    for (const server of baselines) await stop(server.child);
  }
}

const PATHS = [['1-element', ONE], ['40-element', FORTY]] as const;
/** The files for a baseline sending the answer to each of PATHS. */
type PathFiles = readonly [Files, Files];

/** Writes the answer modfallback gives a path, for the baseline to send; returns its file. */
function writeAnswer(dir: string, path: string): string {
  const file = join(dir, `answer-${String(path.split('/').length - 1)}.json`);
  const answer = createResponder({ domain: DOMAIN, mirror: 'https://proxy.golang.org', cacheMaxAge: 60, maxUrlLength: 2048 })(
    { method: 'GET', target: path, hostHeaders: 1 });
  writeFileSync(file, JSON.stringify({ headers: answer.headers, body: answer.body }));
  return file;
}

type Connections = 'keep-alive' | 'new-connection';

/**
 * User-space instructions per request, counted by valgrind's callgrind over a
 * fixed number of requests after more to warm up: keep-alive requests, or
 * requests that each open a TLS connection. Blind to the kernel's share (TCP,
 * system calls), but mostly the same from run to run within about 2% (now and
 * then a run lands 5-7% off, a different JIT outcome), where timings on a
 * shared machine are not: the figure to trust when deciding whether a change
 * helps.
 *
 * Two figures: the main thread's, which answers the requests and bounds the
 * throughput, and every thread's. The others are V8's helper threads, mostly
 * its optimising compiler, still at work after the warm-up in every server
 * and varying by 10% from run to run: summed in, they hid a main-thread gap.
 * Under valgrind a request takes longer than a millisecond, so the log line's
 * time field, made once a millisecond (logger.ts), is made for every request:
 * about 100 instructions (toISOString runs once a second) that a full-speed
 * server shares among a dozen requests or more.
 */
async function instructionsPerRequest(kind: Kind, connections: Connections, files: Files, dir: string): Promise<void> {
  const out = join(dir, `callgrind-${kind}-${connections}`);
  const { child, port } = await startAndWait(kind, files,
    ['valgrind', '--tool=callgrind', `--callgrind-out-file=${out}`, '--separate-threads=yes', '--cache-sim=no', '--collect-jumps=no']);
  // Handshakes cost some twenty times a keep-alive request: fewer of them.
  const [counted, args] = connections === 'keep-alive'
    ? [COUNTED_REQUESTS, ['-c', '16']]
    : [COUNTED_REQUESTS / 10, ['-c', '4', '-H', 'Connection=close']];
  let answered: number;
  try {
    // Twice over first, so that the compiler has settled before counting starts.
    await countedLoad(port, args, 2 * counted);
    spawnSync('callgrind_control', ['--zero', String(child.pid)], { stdio: 'ignore' });
    answered = await countedLoad(port, args, counted);
    spawnSync('callgrind_control', ['--dump=measured', String(child.pid)], { stdio: 'ignore' });
  } finally {
    await stop(child);
  }
  // One file a thread for each dump: <out>.<dump>-<thread>, the main thread being 01.
  const measured = readdirSync(dir).filter((name) => name.startsWith(`callgrind-${kind}-${connections}.`))
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }))
    .filter(({ text }) => /^desc: Trigger: dump measured$/m.test(text))
    .map(({ name, text }) => ({ main: name.endsWith('-01'), total: Number(/^(?:summary|totals): (\d+)/m.exec(text)?.[1] ?? NaN) }));
  const main = measured.find((thread) => thread.main)?.total ?? NaN;
  record(`${kind} ${connections} instructions/req, main thread`, main / answered);
  record(`${kind} ${connections} instructions/req, all threads`, measured.reduce((sum, thread) => sum + thread.total, 0) / answered);
}

/** The kinds in order on even turns and reversed on odd ones: whichever goes first may find the machine in another state. */
function takingTurns<T>(turn: number, kinds: readonly T[]): T[] {
  return turn % 2 === 0 ? [...kinds] : [...kinds].reverse();
}

function median(values: readonly number[] = []): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] ?? NaN : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

async function main(): Promise<void> {
  if (spawnSync('wrk', ['-v']).error !== undefined) {
    console.error('bench: wrk not found; it drives the throughput runs (Debian: apt-get install wrk)');
    process.exit(1);
  }
  const dir = await mkdtemp(join(tmpdir(), 'modfallback-bench-'));
  try {
    const ca = await createAuthority('modfallback bench CA');
    const leaf = await issueServerCertificate(ca, [DOMAIN, '127.0.0.1']);
    const files: Files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), answer: writeAnswer(dir, NESTED), log: join(dir, 'requests.log') };
    writeFileSync(files.cert, leaf.cert);
    writeFileSync(files.key, leaf.key);
    const [one, forty] = PATHS.map(([, path]) => ({ ...files, answer: writeAnswer(dir, path) }));
    const baselineFiles: PathFiles = [one ?? files, forty ?? files];

    console.log(`machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}; ` +
      `${PINNING ? 'server on core 1, load on core 0' : 'no taskset: not pinned'}; ` +
      `${ROUNDS} rounds of ${SLICES} throughput slices of ${SLICE_SECONDS} s, latency runs of ${SECONDS} s`);
    // Before and after: a host that takes the cores away does so in spells.
    for (const core of [1, 0]) await cpuAvailability(core);
    for (let round = 0; round < ROUNDS; round++) {
      await keepAlive(round, files);
      // The Worker in local workerd (bench/edge.ts), on the server core: reported, no target.
      const edge = await startEdge(files, PINNING ? ['taskset', '-c', '1'] : []);
      try {
        await throughput(edge.port, NESTED, 64, 1);
        for (let slice = 0; slice < SLICES; slice++) record('edge keep-alive req/s', (await throughput(edge.port, NESTED, 64, SLICE_SECONDS)).rps);
      } finally {
        await edge.stop();
      }
      await newConnections(round, files);
      for (const kind of takingTurns<Kind>(round, ['modfallback', 'baseline'])) await fixedRateLatency(kind, files);
      await pathScaling(round, files, baselineFiles);
      for (let i = 0; i < COLD_STARTS; i++) {
        for (const kind of takingTurns(i, ['modfallback', 'baseline'] as const)) {
          const { child, coldMs } = await startAndWait(kind, files);
          record(`${kind} cold start ms`, coldMs);
          await stop(child);
        }
      }
      console.log(`round ${round + 1} done`);
    }
    for (const core of [1, 0]) await cpuAvailability(core);
    if (COUNTING) {
      // The timings took most of an hour: a failure here must not lose them.
      try {
        for (const kind of ['baseline', 'modfallback', 'modfallback-warn'] as const) await instructionsPerRequest(kind, 'keep-alive', files, dir);
        for (const kind of ['baseline', 'modfallback'] as const) await instructionsPerRequest(kind, 'new-connection', files, dir);
      } catch (error) {
        console.log(`instruction counts stopped: ${error instanceof Error ? error.message : String(error)}`);
      }
    } else {
      console.log('no valgrind: instruction counts skipped');
    }
    report();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type Verdict = 'met' | 'MISSED' | 'not judged' | 'reported';

function report(): void {
  console.log('\nraw samples:');
  for (const [name, values] of Object.entries(samples)) {
    console.log(`  ${name.padEnd(56)} ${values.map((v) => v.toFixed(v < 10 ? 3 : 1)).join('  ')}`);
  }
  const m = (name: string): number => median(samples[name]);
  const leastRunning = Math.min(...(samples['core 0 running share'] ?? []), ...(samples['core 1 running share'] ?? []));
  const timingsJudge = leastRunning >= MIN_RUNNING_SHARE;
  const rows: [figure: string, value: number, target: string, verdict: Verdict][] = [];
  /** A row; with a target, ok says whether the value meets it, and a timing judges only on a machine that runs the servers. */
  const row = (figure: string, value: number, target?: { text: string; ok: (r: number) => boolean; timing: boolean }): void => {
    const verdict: Verdict = target === undefined ? 'reported'
      : target.timing && !timingsJudge ? 'not judged' : target.ok(value) ? 'met' : 'MISSED';
    rows.push([figure, value, target?.text ?? '', verdict]);
  };
  const ratio = (a: string, b: string): number => m(a) / m(b);
  const atLeast = (limit: number, timing = true) => ({ text: `>= ${limit.toFixed(2)}`, ok: (r: number) => r >= limit, timing });
  const atMost = (limit: number, timing = true) => ({ text: `<= ${limit.toFixed(2)}`, ok: (r: number) => r <= limit, timing });

  row('keep-alive throughput, logging at info', m('modfallback keep-alive req/s / baseline, paired'), atLeast(0.9));
  row('keep-alive throughput, logging at warn', m('modfallback-warn keep-alive req/s / baseline, paired'), atLeast(0.95));
  row('  the same, as a ratio of medians, info', ratio('modfallback keep-alive req/s', 'baseline keep-alive req/s'));
  row('  the same, as a ratio of medians, warn', ratio('modfallback-warn keep-alive req/s', 'baseline keep-alive req/s'));
  row('keep-alive throughput, info to a file', m('modfallback-file keep-alive req/s / baseline, paired'));
  row('keep-alive throughput, the Worker in local workerd / modfallback', ratio('edge keep-alive req/s', 'modfallback keep-alive req/s'));
  row('keep-alive CPU per request, info', ratio('modfallback keep-alive CPU us/req', 'baseline keep-alive CPU us/req'));
  row('keep-alive CPU per request, warn', ratio('modfallback-warn keep-alive CPU us/req', 'baseline keep-alive CPU us/req'));
  if (COUNTING) {
    for (const threads of ['main thread', 'all threads']) {
      row(`instructions per request, info, ${threads}`, ratio(`modfallback keep-alive instructions/req, ${threads}`, `baseline keep-alive instructions/req, ${threads}`));
      row(`instructions per request, warn, ${threads}`, ratio(`modfallback-warn keep-alive instructions/req, ${threads}`, `baseline keep-alive instructions/req, ${threads}`));
      row(`instructions per new connection, ${threads}`, ratio(`modfallback new-connection instructions/req, ${threads}`, `baseline new-connection instructions/req, ${threads}`));
    }
  }
  row('new-connection throughput', m('modfallback new-connection req/s / baseline, paired'), atLeast(0.9));
  row('  the same, as a ratio of medians', ratio('modfallback new-connection req/s', 'baseline new-connection req/s'));
  row(`latency p50 at ${LATENCY_RATE} req/s`, ratio('modfallback latency p50 ms', 'baseline latency p50 ms'));
  row(`latency p99 at ${LATENCY_RATE} req/s`, ratio('modfallback latency p99 ms', 'baseline latency p99 ms'));
  row('cold start', ratio('modfallback cold start ms', 'baseline cold start ms'), atMost(1.3));
  row('idle memory', ratio('modfallback idle RSS MiB', 'baseline idle RSS MiB'), atMost(1.2, false));
  row('memory after keep-alive', ratio('modfallback RSS after keep-alive MiB', 'baseline RSS after keep-alive MiB'));
  row('40-element / 1-element paths', m('modfallback 40-element req/s / modfallback 1-element, paired'), atLeast(0.9));
  row('  the same, as a ratio of medians', ratio('modfallback 40-element req/s', 'modfallback 1-element req/s'));
  row('  the baseline\'s own, sending the same bytes', m('baseline 40-element req/s / baseline 1-element, paired'));

  console.log('\nmedians:');
  for (const name of Object.keys(samples)) console.log(`  ${name.padEnd(56)} ${m(name).toFixed(3)}`);
  console.log('\nratios (modfallback / baseline; throughput: the median of slices measured in turns):');
  for (const [figure, value, target, verdict] of rows) {
    console.log(`  ${figure.padEnd(48)} ${value.toFixed(3).padStart(7)}  ${target === '' ? '' : `target ${target.padEnd(8)} `}${verdict}`);
  }
  if (!timingsJudge) {
    console.log(`\nThe cores ran the probe ${(100 * leastRunning).toFixed(0)}% of the wall-clock time at worst (at least ` +
      `${(100 * MIN_RUNNING_SHARE).toFixed(0)}% is needed): the host took them away, so the timings above measure it ` +
      'more than the servers, and judge no target. The instruction counts are not affected.');
  }
  process.exitCode = rows.some((r) => r[3] === 'MISSED') ? 1 : rows.some((r) => r[3] === 'not judged') ? 2 : 0;
}

await main();
