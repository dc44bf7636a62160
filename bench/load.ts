// Load on the other core: wrk for throughput, autocannon for a fixed number of
// requests (instruction counts, where speed does not matter).
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NESTED, pinned } from './servers.js';

const AUTOCANNON = join(fileURLToPath(new URL('..', import.meta.url)), 'node_modules', 'autocannon', 'autocannon.js');

/** What a command pinned to a core writes on stdout, once it has exited. */
export async function outputOf(core: number, command: string, args: string[]): Promise<string> {
  const child = pinned(core, command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => { out += s; });
  await once(child, 'exit');
  return out;
}

/**
 * Requests a second from wrk (Debian: apt-get install wrk), in C, which keeps
 * the server's core busy where a load generator in Node cannot. A run with a
 * failed request has no figure: it throws.
 */
export async function throughput(port: number, path: string, connections: number, seconds: number, closeEach = false): Promise<number> {
  const out = await outputOf(0, 'wrk', ['-t1', `-c${String(connections)}`, `-d${String(seconds)}s`,
    ...(closeEach ? ['-H', 'Connection: close'] : []), `https://127.0.0.1:${port}${path}`]);
  const done = /(\d+) requests in ([\d.]+)(ms|s|m),/.exec(out);
  if (done === null || Number(done[1]) === 0) throw new Error(`no request was answered: wrk on port ${port}\n${out}`);
  const duration = Number(done[2]) * { ms: 0.001, s: 1, m: 60 }[done[3] as 'ms' | 's' | 'm'];
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + (socketErrors?.slice(1) ?? []).reduce((sum, n) => sum + Number(n), 0);
  if (errors > 0) throw new Error(`wrk on port ${port}${path}: ${errors} failed requests (${socketErrors?.[0] ?? 'non-2xx answers'})`);
  return Number(done[1]) / duration;
}

/**
 * A number of requests from autocannon on the other core; resolves to how many
 * were answered with a 2xx. A server under valgrind is some fifty times
 * slower: a minute before a request times out.
 */
export async function countedLoad(port: number, args: string[], amount: number): Promise<number> {
  const out = await outputOf(0, process.execPath, [AUTOCANNON, '-j', '-t', '60', '-a', String(amount), ...args, `https://127.0.0.1:${port}${NESTED}`]);
  const answered = (JSON.parse(out) as { '2xx': number })['2xx'];
  if (answered === 0) throw new Error(`autocannon on port ${port}: no request answered`);
  return answered;
}
