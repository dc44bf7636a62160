// The Worker for the bench: npm run edge's launcher as users run it, the Worker
// in local workerd over HTTPS with the given certificate files, started in a
// wrapper (taskset, to share the Node server's core) that workerd inherits.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LAUNCHER = fileURLToPath(new URL('../src/edge/local/dev.ts', import.meta.url));

export interface RunningEdge {
  readonly port: number;
  /** Stops workerd and the launcher; resolves once the launcher has exited. */
  stop(): Promise<void>;
}

export async function startEdge(files: { cert: string; key: string }, wrapper: readonly string[] = []): Promise<RunningEdge> {
  const command = [...wrapper, process.execPath, '--import', 'tsx', LAUNCHER, '--port', '0', '--cert', files.cert, '--key', files.key];
  const [program = process.execPath, ...args] = command;
  const child = spawn(program, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'close');
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    lines.on('line', (line) => {
      const { msg, port } = JSON.parse(line) as { msg?: string; port?: number };
      if (msg === 'listening' && typeof port === 'number') resolve(port);
    });
    void exited.then(() => { reject(new Error('bench: npm run edge exited before it was listening')); });
  });
  // The Worker's line for each answer is left unread: parsing it would cost the bench's core, not workerd's.
  lines.close();
  child.stdout.resume();
  return {
    port,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
