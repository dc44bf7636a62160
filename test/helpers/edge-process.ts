// Runs npm run edge's launcher as a user runs it: its own process (node with
// tsx), real signals, and the processes it starts found through /proc.
import { readFile, readdir } from 'node:fs/promises';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startCli, type CliOptions, type CliProcess } from './process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LAUNCHER = fileURLToPath(new URL('../../src/edge/local/dev.ts', import.meta.url));

/** The launcher's options, as a user's own ones: `npm run edge -- <args>`. */
export const EDGE_LAUNCHER: CliOptions = { cli: LAUNCHER, nodeArgs: ['--import', 'tsx'], cwd: ROOT };

export function startEdgeCli(t: TestContext, args: readonly string[]): CliProcess {
  return startCli(t, args, EDGE_LAUNCHER);
}

/** The ids of a process's workerd children (Linux /proc). */
export async function workerdChildren(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const task of await readdir(`/proc/${pid}/task`)) {
    const list = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8');
    children.push(...list.split(' ').filter((s) => s !== '').map(Number));
  }
  const named = await Promise.all(children.map(async (child) =>
    (await readFile(`/proc/${child}/comm`, 'utf8').catch(() => '')).trim() === 'workerd' ? child : null));
  return named.filter((child) => child !== null);
}

/** Whether a process id is still in use. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
