// Instructions per request, counted by valgrind's callgrind: repeatable for the
// same build and inputs whatever else the machine is doing, where timings on a
// shared machine are not. The figure to trust when deciding whether a change pays.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countedLoad } from './load.js';
import { startAndWait, stop, type Files, type Kind } from './servers.js';

export type Connections = 'keep-alive' | 'new-connection';

export const COUNTING = process.env.BENCH_INSTRUCTIONS !== '0' && spawnSync('callgrind_control', ['--version']).status === 0;
const COUNTED_REQUESTS = 5000;

export interface Counts {
  /** The main thread answers the requests and bounds the throughput. */
  readonly mainThread: number;
  /** With V8's helper threads (its compiler, its collector), which vary more from run to run. */
  readonly allThreads: number;
  /** All threads, from spawning to the first answer: a cold start, counted. */
  readonly toFirstAnswer: number;
}

/**
 * Counts user-space instructions over a fixed number of requests, after twice
 * as many to let V8's compiler settle: keep-alive requests, or requests that
 * each open a TLS connection. Also from spawning to the first answer. Blind to
 * the kernel's share.
 */
export async function instructionsPerRequest(kind: Kind, connections: Connections, files: Files, dir: string): Promise<Counts> {
  const out = join(dir, `callgrind-${kind}-${connections}`);
  const { child, port } = await startAndWait(kind, files,
    ['valgrind', '--tool=callgrind', `--callgrind-out-file=${out}`, '--separate-threads=yes', '--cache-sim=no', '--collect-jumps=no']);
  // Handshakes cost some twenty times a keep-alive request: fewer of them.
  const [counted, args] = connections === 'keep-alive'
    ? [COUNTED_REQUESTS, ['-c', '16']]
    : [COUNTED_REQUESTS / 10, ['-c', '4', '-H', 'Connection=close']];
  let answered: number;
  try {
    spawnSync('callgrind_control', ['--dump=start', String(child.pid)], { stdio: 'ignore' });
    await countedLoad(port, args, 2 * counted);
    spawnSync('callgrind_control', ['--zero', String(child.pid)], { stdio: 'ignore' });
    answered = await countedLoad(port, args, counted);
    spawnSync('callgrind_control', ['--dump=measured', String(child.pid)], { stdio: 'ignore' });
  } finally {
    await stop(child);
  }
  // One file a thread for each dump: <out>.<dump>-<thread>, the main thread being 01.
  const dumps = readdirSync(dir).filter((name) => name.startsWith(`callgrind-${kind}-${connections}.`))
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
  const threads = (trigger: string) => dumps.filter(({ text }) => text.includes(`\ndesc: Trigger: dump ${trigger}\n`))
    .map(({ name, text }) => ({ main: name.endsWith('-01'), total: Number(/^(?:summary|totals): (\d+)/m.exec(text)?.[1] ?? NaN) }));
  const sum = (counts: readonly { total: number }[]): number =>
    (counts.length === 0 ? NaN : counts.reduce((total, thread) => total + thread.total, 0));
  const measured = threads('measured');
  return {
    mainThread: (measured.find((thread) => thread.main)?.total ?? NaN) / answered,
    allThreads: sum(measured) / answered,
    toFirstAnswer: sum(threads('start')),
  };
}
