// The contestants: modfallback as users run it (the built CLI, logging at info
// to /dev/null) and the baseline, a bare node:https server sending the same
// bytes. Each starts on the server core and is stopped with SIGTERM.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createResponder } from '../src/core/respond.js';

export type Kind = 'modfallback' | 'baseline';

export interface Files { readonly cert: string; readonly key: string; readonly answer: string }

export interface Running { readonly kind: Kind; readonly child: ChildProcess; readonly port: number }

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'modfallback.js');
const BASELINE = join(ROOT, 'bench', 'baseline.mjs');
export const DOMAIN = 'dmitri.shuralyov.com';
export const NESTED = '/gpu/mtl/example/movingobjects?go-get=1';
export const PINNING = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
export const PINNED = PINNING ? 'server on core 1, load on core 0' : 'no taskset: not pinned';

// Node reads the certificates NODE_EXTRA_CA_CERTS names at start: a machine
// that sets it would add its own cost to both cold starts.
const SERVER_ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_EXTRA_CA_CERTS'));

/** Runs a command pinned to a core when the OS allows, so server and load do not share one. */
export function pinned(core: number, command: string, args: string[], options: SpawnOptions): ChildProcess {
  return PINNING ? spawn('taskset', ['-c', String(core), command, ...args], options) : spawn(command, args, options);
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

/** Writes the answer modfallback gives a path, for the baseline to send; returns its file. */
export function writeAnswer(dir: string, path: string): string {
  const file = join(dir, `answer-${String(path.split('/').length - 1)}.json`);
  const answer = createResponder({ domain: DOMAIN, mirror: 'https://proxy.golang.org', cacheMaxAge: 60, maxUrlLength: 2048 })(
    { method: 'GET', target: path, hostHeaders: 1 });
  writeFileSync(file, JSON.stringify({ headers: answer.headers, body: answer.body }));
  return file;
}

/** Starts a server; under a wrapper (valgrind), node becomes the wrapper's last argument. */
function startServer(kind: Kind, port: number, files: Files, wrapper: readonly string[]): ChildProcess {
  const command = wrapper[0] ?? process.execPath;
  const prefix = wrapper.length > 0 ? [...wrapper.slice(1), process.execPath] : [];
  const args = kind === 'baseline'
    ? [BASELINE, String(port), files.cert, files.key, files.answer]
    : [CLI, 'serve', '--cert', files.cert, '--key', files.key, '--port', String(port), '--host', '127.0.0.1', '--log-level', 'info'];
  return pinned(1, command, [...prefix, ...args], { stdio: 'ignore', env: SERVER_ENV });
}

/** Starts a server and resolves once it answers over TLS, with the milliseconds that took. */
export async function startAndWait(kind: Kind, files: Files, wrapper: readonly string[] = []): Promise<Running & { coldMs: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = startServer(kind, port, files, wrapper);
  for (;;) {
    if (await get(port, NESTED) === 200) return { kind, child, port, coldMs: performance.now() - started };
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

export async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  if (child.exitCode === null) await once(child, 'exit');
}

export function rssMiB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) / 1024;
}
