// The benchmark (npm run bench): modfallback against a bare node:https server
// answering the same bytes, the ceiling of the platform. Measures the two side
// by side or in turns, prints raw samples, medians and ratios, and whether each
// target of bench/README.md is met. A script that prints figures, never a timed
// test.
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createAuthority, issueServerCertificate } from '../src/certs/issue.js';
import { startEdge } from './edge.js';
import { COUNTING, instructionsPerRequest } from './instructions.js';
import { outputOf, throughput } from './load.js';
import { report, type Samples } from './report.js';
import { DOMAIN, NESTED, PINNED, PINNING, rssMiB, startAndWait, stop, writeAnswer, type Files, type Kind, type Running } from './servers.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// Throughput is measured over short slices, several a round (see slices).
const SLICES = Number(process.env.BENCH_SLICES ?? 4);
const SLICE_SECONDS = Number(process.env.BENCH_SLICE_SECONDS ?? 3);
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 10);
const CPU_PROBE = new URL('cpu-availability.mjs', import.meta.url).pathname;
const PATHS = [['1-element', '/gpu?go-get=1'], ['40-element', `/${Array.from({ length: 40 }, (_, i) => `element${i}`).join('/')}?go-get=1`]] as const;

const samples: Samples = {};
const record = (name: string, value: number): void => { (samples[name] ??= []).push(value); };

/** What share of the wall-clock time a core runs a process (see cpu-availability.mjs), over 2 s. */
async function cpuAvailability(core: number): Promise<void> {
  const { running } = JSON.parse(await outputOf(core, process.execPath, [CPU_PROBE, '2'])) as { running: number };
  record(`core ${core} running share`, running);
}

/** Starts a server and warms it up, recording its cold start and idle memory. */
async function startWarm(kind: Kind, files: Files): Promise<Running> {
  const server = await startAndWait(kind, files);
  record(`${kind} cold start ms`, server.coldMs);
  await new Promise((resolve) => setTimeout(resolve, 500));
  record(`${kind} idle RSS MiB`, rssMiB(server.child.pid));
  await throughput(server.port, NESTED, 64, 1);
  return server;
}

interface Contestant { readonly name: string; readonly measure: () => Promise<number> }

/**
 * How contestants are measured in each slice:
 * - side by side: each under its own load at the same time, sharing the server
 *   core. On a shared machine whose speed drifts within seconds, what the host
 *   does to the core in a moment it does to all of them.
 * - in turns: one after the other, for new connections, whose TLS handshakes
 *   cost the load on the other core nearly as much as the server: two loads at
 *   once would measure that core.
 */
type Slicing = 'side by side' | 'in turns';

/**
 * Measures the contestants over several slices. Records each figure, and each
 * slice's figure of the others relative to the first contestant's, whose
 * median the report judges.
 */
async function slices(round: number, slicing: Slicing, figure: string, contestants: readonly Contestant[]): Promise<void> {
  const [reference, ...others] = contestants;
  if (reference === undefined) return;
  for (let slice = 0; slice < SLICES; slice++) {
    const value = new Map<Contestant, number>();
    if (slicing === 'side by side') {
      // Started in turns too: whichever load starts first has the core alone for a moment.
      const order = takingTurns(round + slice, contestants);
      const values = await Promise.all(order.map((contestant) => contestant.measure()));
      order.forEach((contestant, i) => value.set(contestant, values[i] ?? NaN));
    } else {
      for (const contestant of takingTurns(round + slice, contestants)) value.set(contestant, await contestant.measure());
    }
    for (const contestant of contestants) record(`${contestant.name} ${figure}`, value.get(contestant) ?? NaN);
    for (const contestant of others) {
      record(`${contestant.name} ${figure} / ${reference.name}, paired`, (value.get(contestant) ?? NaN) / (value.get(reference) ?? NaN));
    }
  }
}

interface ServerCase { readonly name: string; readonly kind: Kind; readonly files: Files; readonly path: string }

/** Starts the servers in turns (whichever starts first may find the machine in another state), then measures them. */
async function measureServers(round: number, servers: readonly ServerCase[], slicing: Slicing, figure: string,
  measure: (port: number, path: string) => Promise<number>): Promise<void> {
  const running = new Map<string, Running>();
  try {
    for (const server of takingTurns(round, servers)) running.set(server.name, await startWarm(server.kind, server.files));
    await slices(round, slicing, figure, servers.map((server) => ({
      name: server.name,
      measure: () => measure(portOf(running.get(server.name)), server.path),
    })));
  } finally {
    for (const server of running.values()) await stop(server.child);
  }
}

function portOf(server: Running | undefined): number {
  if (server === undefined) throw new Error('bench: a server was measured before it was started');
  return server.port;
}

/**
 * The Worker in local workerd (bench/edge.ts) beside modfallback on the server
 * core: reported, judged by no target, so a failure is told and left out, not
 * the end of the run.
 */
async function edgeBeside(round: number, files: Files): Promise<void> {
  const modfallback = await startWarm('modfallback', files);
  try {
    const edge = await startEdge(files, PINNING ? ['taskset', '-c', '1'] : []);
    try {
      await throughput(edge.port, NESTED, 64, 1);
      await slices(round, 'side by side', 'keep-alive req/s, the Worker beside', [
        { name: 'modfallback', measure: () => throughput(modfallback.port, NESTED, 64, SLICE_SECONDS) },
        { name: 'edge', measure: () => throughput(edge.port, NESTED, 64, SLICE_SECONDS) },
      ]);
    } finally {
      await edge.stop();
    }
  } catch (error) {
    console.log(`edge: left out of this round: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await stop(modfallback.child);
  }
}

interface PathCase { readonly name: string; readonly path: string; readonly baselineFiles: Files }

/** Each path on a server of its own, side by side: two modfallbacks, then two baselines, each sending its path's answer. */
async function pathScaling(round: number, files: Files, paths: readonly PathCase[]): Promise<void> {
  for (const kind of ['modfallback', 'baseline'] as const) {
    const servers = paths.map(({ name, path, baselineFiles }) =>
      ({ name: `${kind} ${name}`, kind, path, files: kind === 'baseline' ? baselineFiles : files }));
    await measureServers(round, servers, 'side by side', 'req/s', (port, path) => throughput(port, path, 64, SLICE_SECONDS));
  }
}

/** The kinds in order on even turns and reversed on odd ones: whichever goes first may find the machine in another state. */
function takingTurns<T>(turn: number, kinds: readonly T[]): T[] {
  return turn % 2 === 0 ? [...kinds] : [...kinds].reverse();
}

async function main(): Promise<void> {
  if (spawnSync('wrk', ['-v']).error !== undefined) {
    console.error('bench: wrk not found; it drives the throughput runs (Debian: apt-get install wrk)');
    process.exit(1);
  }
  const dir = await mkdtemp(join(tmpdir(), 'modfallback-bench-'));
  try {
    const leaf = await issueServerCertificate(await createAuthority('modfallback bench CA'), [DOMAIN, '127.0.0.1']);
    const files: Files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), answer: writeAnswer(dir, NESTED) };
    writeFileSync(files.cert, leaf.cert);
    writeFileSync(files.key, leaf.key);
    const paths = PATHS.map(([name, path]) => ({ name, path, baselineFiles: { ...files, answer: writeAnswer(dir, path) } }));

    console.log(`machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
      `node ${process.version}; ${PINNED}; ${ROUNDS} rounds of ${SLICES} throughput slices of ${SLICE_SECONDS} s`);
    for (const core of [1, 0]) await cpuAvailability(core);
    for (let round = 0; round < ROUNDS; round++) {
      const contestants = (['baseline', 'modfallback'] as const).map((kind) => ({ name: kind, kind, files, path: NESTED }));
      await measureServers(round, contestants, 'side by side', 'keep-alive req/s', (port, path) => throughput(port, path, 64, SLICE_SECONDS));
      await edgeBeside(round, files);
      // Every request opens a connection and pays a full handshake.
      await measureServers(round, contestants, 'in turns', 'new-connection req/s', (port, path) => throughput(port, path, 16, SLICE_SECONDS, true));
      await pathScaling(round, files, paths);
      for (let i = 0; i < COLD_STARTS; i++) {
        for (const kind of takingTurns<Kind>(i, ['modfallback', 'baseline'])) {
          const { child, coldMs } = await startAndWait(kind, files);
          record(`${kind} cold start ms`, coldMs);
          await stop(child);
        }
      }
      console.log(`round ${round + 1} done`);
    }
    for (const core of [1, 0]) await cpuAvailability(core);
    if (COUNTING) {
      for (const kind of ['baseline', 'modfallback'] as const) {
        for (const connections of ['keep-alive', 'new-connection'] as const) {
          const counts = await instructionsPerRequest(kind, connections, files, dir);
          record(`${kind} ${connections} instructions/req, main thread`, counts.mainThread);
          record(`${kind} ${connections} instructions/req, all threads`, counts.allThreads);
          record(`${kind} instructions to the first answer, millions`, counts.toFirstAnswer / 1e6);
        }
      }
    } else {
      console.log('no valgrind: instruction counts skipped (Debian: apt-get install valgrind)');
    }
    process.exitCode = report(samples, COUNTING);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
