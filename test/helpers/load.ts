// Load for the reliability suite: bounded request loops, raw exchanges that
// give up after a deadline, and the server process's memory from /proc.
import { readFile, readdir, readlink } from 'node:fs/promises';
import { request, type Agent } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface Outcome {
  readonly ok: boolean;
  readonly status: number;
  readonly ms: number;
  readonly error?: string;
}

export interface GetOptions {
  readonly port: number;
  readonly ca: string;
  readonly path: string;
  readonly servername: string;
  /** A keep-alive agent, or undefined for a new connection per request. */
  readonly agent?: Agent;
}

/** One GET; never rejects: failures come back as outcomes. */
export function timedGet(options: GetOptions): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request({
      host: '127.0.0.1', port: options.port, path: options.path, ca: options.ca, servername: options.servername,
      headers: { host: options.servername }, agent: options.agent ?? false, timeout: 10_000,
    }, (res) => {
      res.resume();
      res.on('end', () => { resolve({ ok: res.statusCode === 200, status: res.statusCode ?? 0, ms: performance.now() - started }); });
      res.on('error', (error) => { resolve({ ok: false, status: 0, ms: performance.now() - started, error: error.message }); });
    });
    req.on('timeout', () => { req.destroy(new Error('client timeout')); });
    req.on('error', (error) => { resolve({ ok: false, status: 0, ms: performance.now() - started, error: error.message }); });
    req.end();
  });
}

/** Runs `workers` loops of requests until stop() says so; returns every outcome. */
export async function hammer(
  workers: number, stop: () => boolean, next: (worker: number, i: number) => Promise<Outcome>,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  await Promise.all(Array.from({ length: workers }, async (_, worker) => {
    for (let i = 0; !stop(); i++) outcomes.push(await next(worker, i));
  }));
  return outcomes;
}

export interface Exchange {
  /** What the server wrote, as latin1. */
  readonly response: string;
  /** Whether the server closed the connection before the deadline. */
  readonly closed: boolean;
}

/** Writes bytes on a fresh connection (TLS or plain TCP) and collects the answer until close or deadline. */
export function exchange(
  port: number, bytes: string | Buffer, tls: { ca: string; servername?: string } | null, deadlineMs = 5_000,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = tls === null
      ? tcpConnect(port, '127.0.0.1')
      : tlsConnect({
        host: '127.0.0.1', port, ca: tls.ca,
        // Without a server name no SNI is sent, and only the chain is checked.
        ...(tls.servername === undefined ? { checkServerIdentity: () => undefined } : { servername: tls.servername }),
      });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ response: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const timer = setTimeout(() => { finish(false); }, deadlineMs);
    socket.once(tls === null ? 'connect' : 'secureConnect', () => { socket.write(bytes); });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => { finish(true); });
    socket.on('error', () => { finish(true); });
  });
}

/** Resident and peak resident memory of a process, in MiB (Linux). */
export async function memoryMiB(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** How many sockets a process holds open (Linux): the server's own view of its connections. */
export async function socketCount(pid: number): Promise<number> {
  const fds = await readdir(`/proc/${pid}/fd`);
  const links = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
  return links.filter((link) => link.startsWith('socket:')).length;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
