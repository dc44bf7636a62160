// Runs the built CLI as a user runs it: its own process, real signals, its
// stdout read as JSON log lines and its stderr as text. Killed when the test ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

export interface CliOptions {
  /** The command to run: the built one unless given (a copy of it, say). */
  readonly cli?: string;
  /** Options for node itself, before the command (--import tsx, say). */
  readonly nodeArgs?: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Run as this user and group (needs root). */
  readonly uid?: number;
  readonly gid?: number;
  /**
   * Where stdout goes instead of the test (logs then stays empty): a file
   * descriptor, or 'reader-gone', a pipe whose reading end is closed at once,
   * as when a log shipper dies (writes fail with EPIPE).
   */
  readonly stdout?: number | 'reader-gone';
}

export const CLI = fileURLToPath(new URL('../../dist/modfallback.js', import.meta.url));

export interface CliProcess {
  readonly child: ChildProcess;
  /** Parsed JSON lines from stdout so far (a line that is not JSON as { unparsed }). */
  readonly logs: Record<string, unknown>[];
  /** Stdout as text. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first log line that matches, or rejects when the process exits first. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the first match in stderr, or rejects when the process exits first. */
  waitForStderr(pattern: RegExp): Promise<RegExpExecArray>;
  /** Exit code, or 128 + signal number when killed by a signal. */
  readonly exited: Promise<number>;
}

export function startCli(
  t: TestContext, args: readonly string[], options: CliOptions = {},
): CliProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.cli ?? CLI, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
    stdio: ['ignore', typeof options.stdout === 'number' ? options.stdout : 'pipe', 'pipe'],
  });
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  if (options.stdout === 'reader-gone') child.stdout?.destroy();

  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let stdout = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    for (const wake of waiters) wake();
  });
  if (child.stdout !== null && options.stdout === undefined) createInterface({ input: child.stdout }).on('line', (line) => {
    stdout += `${line}\n`;
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      logs.push({ unparsed: line });
    }
    for (const wake of waiters) wake();
  });
  const exited = once(child, 'close').then(([code, signal]) =>
    typeof code === 'number' ? code : 128 + signalNumber(String(signal)));

  /** Re-evaluates find on every output until it finds something, the process exits, or time runs out. */
  function waitFor<T>(find: () => T | undefined, timeoutMs = 15_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = find();
        if (found !== undefined) { done(); resolve(found); }
      };
      const timer = setTimeout(() => { done(); reject(new Error(`not seen in ${timeoutMs} ms; stderr: ${stderr}`)); }, timeoutMs);
      const done = (): void => { clearTimeout(timer); waiters.delete(check); };
      waiters.add(check);
      void exited.then((code) => { done(); reject(new Error(`exited with ${code} first; stderr: ${stderr}`)); });
      check();
    });
  }

  return {
    child,
    logs,
    stderr: () => stderr,
    stdout: () => stdout,
    exited,
    waitForLog: (predicate, timeoutMs) => waitFor(() => logs.find(predicate), timeoutMs),
    waitForStderr: (pattern) => waitFor(() => pattern.exec(stderr) ?? undefined),
  };
}

/** Runs the CLI to completion. */
export async function runCli(
  t: TestContext, args: readonly string[], options: CliOptions = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = startCli(t, args, options);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

function signalNumber(signal: string): number {
  return ({ SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 0;
}
