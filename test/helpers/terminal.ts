// Runs the built CLI on a real terminal: util-linux's `script` gives it a
// pseudo-terminal for stdin, stdout and stderr, and copies what the terminal
// shows to a pipe the test reads. Typing goes through the terminal too, so ^C
// is a real SIGINT from the terminal driver. Killed when the test ends.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { CLI } from './process.js';

export interface TerminalProcess {
  /** What the terminal showed so far, colours removed, line ends as "\n"; a bare "\r" is kept. */
  screen(): string;
  /** Resolves with the first match on the screen; rejects when the process exits first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Types ^C. */
  interrupt(): void;
  /** The command's exit code. */
  readonly exited: Promise<number>;
}

/** Whether `script` is here to make a terminal. */
export function canMakeTerminal(): boolean {
  return spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
}

const shellQuote = (arg: string): string => `'${arg.replaceAll("'", "'\\''")}'`;

export function startInTerminal(
  t: TestContext, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; columns?: number } = {},
): TerminalProcess {
  // A terminal made from a pipe has no size until told one. exec: the CLI is
  // script's own child, so that cleanup can find it.
  const command = `stty cols ${options.columns ?? 120} rows 40 && exec ${[process.execPath, CLI, ...args].map(shellQuote).join(' ')}`;
  const script = spawn('script', ['--quiet', '--return', '--flush', '--command', command, '/dev/null'], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, TERM: 'xterm' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const pid = script.pid;
  t.after(() => {
    if (script.exitCode !== null || script.signalCode !== null || pid === undefined) return;
    // Closing the terminal would only send SIGHUP, which serve takes as "reload the certificate".
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)) {
      if (child !== '') process.kill(Number(child), 'SIGKILL');
    }
    script.kill('SIGKILL');
  });

  let raw = '';
  const waiters = new Set<() => void>();
  script.stdout.setEncoding('utf8').on('data', (text: string) => {
    raw += text;
    for (const wake of waiters) wake();
  });
  const exited = once(script, 'close').then(([code]) => (typeof code === 'number' ? code : -1));
  const screen = (): string => stripVTControlCharacters(raw).replaceAll('\r\n', '\n');

  return {
    screen,
    waitFor: (pattern, timeoutMs = 15_000) => new Promise((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(screen());
        if (match !== null) { done(); resolve(match); }
      };
      const timer = setTimeout(() => { done(); reject(new Error(`${String(pattern)} not seen in ${timeoutMs} ms; screen:\n${screen()}`)); }, timeoutMs);
      const done = (): void => { clearTimeout(timer); waiters.delete(check); };
      waiters.add(check);
      void exited.then((code) => { done(); reject(new Error(`exited with ${code} first; screen:\n${screen()}`)); });
      check();
    }),
    interrupt: () => { script.stdin.write('\x03'); },
    exited,
  };
}
