// The benchmark (npm run bench): modfallback against a bare node:https server
// answering the same bytes, the ceiling of the platform. Measures the two in
// turns, prints raw samples, medians and ratios, and whether each target of
// bench/README.md is met. A script that prints figures, never a timed test.
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
// Throughput is measured in turns over short slices, several a round (see slicesInTurns).
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
 * Measures the contestants in turns over short slices: on a shared machine
 * whose speed drifts within a minute, one long run each would compare two
 * different machines. Records each figure, and each slice's figure of the
 * others relative to the first contestant's, whose median the report judges.
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

/** Both servers up, measured in turns; the baseline is the reference. */
async function inTurns(round: number, files: Files, figure: string, measure: (port: number) => Promise<number>): Promise<void> {
  const kinds: Kind[] = ['baseline', 'modfallback'];
  const running: Running[] = [];
  try {
    for (const kind of takingTurns(round, kinds)) running.push(await startWarm(kind, files));
    running.sort((x, y) => kinds.indexOf(x.kind) - kinds.indexOf(y.kind));
    await slicesInTurns(round, figure, running.map((server) => ({ name: server.kind, measure: () => measure(server.port) })));
  } finally {
    for (const server of running) await stop(server.child);
  }
}

/** modfallback answering a 1-element and a 40-element path in turns; then the baseline's own cost of the longer answer. */
async function pathScaling(round: number, files: Files, baselineFiles: readonly Files[]): Promise<void> {
  const slices = (kind: Kind, ports: readonly number[]): Promise<void> =>
    slicesInTurns(round, 'req/s', PATHS.map(([name, path], i) => ({
      name: `${kind} ${name}`,
      measure: () => throughput(ports[i] ?? ports[0] ?? 0, path, 64, SLICE_SECONDS),
    })));
  const modfallback = await startWarm('modfallback', files);
  try {
    await slices('modfallback', [modfallback.port]);
  } finally {
    await stop(modfallback.child);
  }
  // One baseline a path, each sending that path's answer.
  const baselines: Running[] = [];
  try {
    for (const pathFiles of baselineFiles) baselines.push(await startWarm('baseline', pathFiles));
    await slices('baseline', baselines.map((server) => server.port));
  } finally {
    for (const server of baselines) await stop(server.child);
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
    const baselineFiles = PATHS.map(([, path]) => ({ ...files, answer: writeAnswer(dir, path) }));

    console.log(`machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
      `node ${process.version}; ${PINNED}; ${ROUNDS} rounds of ${SLICES} throughput slices of ${SLICE_SECONDS} s`);
    for (const core of [1, 0]) await cpuAvailability(core);
    for (let round = 0; round < ROUNDS; round++) {
      await inTurns(round, files, 'keep-alive req/s', (port) => throughput(port, NESTED, 64, SLICE_SECONDS));
      // The Worker in local workerd (bench/edge.ts), on the server core: reported, no target.
      const edge = await startEdge(files, PINNING ? ['taskset', '-c', '1'] : []);
      try {
        await throughput(edge.port, NESTED, 64, 1);
        for (let slice = 0; slice < SLICES; slice++) record('edge keep-alive req/s', await throughput(edge.port, NESTED, 64, SLICE_SECONDS));
      } finally {
        await edge.stop();
      }
      // Every request opens a connection and pays a full handshake.
      await inTurns(round, files, 'new-connection req/s', (port) => throughput(port, NESTED, 16, SLICE_SECONDS, true));
      await pathScaling(round, files, baselineFiles);
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
