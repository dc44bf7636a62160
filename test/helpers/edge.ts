// Starts the Worker in real workerd for a test, over HTTPS on loopback with a
// certificate from the test CA, and keeps every line workerd writes so that a
// test can wait for the Worker's log lines. Stopped when the test ends.
import type { TestContext } from 'node:test';
import { startLocalWorker, type LocalWorker } from '../../src/edge/local/start.js';
import { makePki } from './tls.js';

export interface RunningEdge {
  readonly port: number;
  /** The CA that signed the certificate (localhost, 127.0.0.1 and the hosts of every Worker). */
  readonly ca: string;
  /** The Worker's JSON log lines so far. */
  logs(): Record<string, unknown>[];
  /** Resolves with the first log line that matches, or rejects after timeoutMs. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export async function startEdge(
  t: TestContext, workers: readonly [LocalWorker, ...LocalWorker[]], upstream?: string,
): Promise<RunningEdge> {
  const pki = await makePki(t);
  const leaf = await pki.issue('edge', ['localhost', '127.0.0.1', ...workers.flatMap((w) => w.hosts ?? [])]);
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  const worker = await startLocalWorker({
    cert: leaf.cert,
    key: leaf.key,
    port: 0,
    workers,
    ...(upstream === undefined ? {} : { upstream }),
    output: (line) => {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ unparsed: line });
      }
      for (const wake of waiters) wake();
    },
  });
  t.after(() => worker.stop());
  return {
    port: worker.port,
    ca: pki.ca.cert,
    logs: () => [...logs],
    waitForLog: (predicate, timeoutMs = 5_000) => new Promise((resolve, reject) => {
      const check = (): void => {
        const found = logs.find(predicate);
        if (found !== undefined) { done(); resolve(found); }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no such log line in ${timeoutMs} ms; lines: ${JSON.stringify(logs)}`));
      }, timeoutMs);
      const done = (): void => { clearTimeout(timer); waiters.delete(check); };
      waiters.add(check);
      check();
    }),
  };
}
