// Runs the Worker locally in real workerd (through Miniflare), over HTTPS with
// a given certificate, on loopback: bundled from src/edge as wrangler bundles
// it, with wrangler.toml's compatibility date. Nothing in it reaches the
// internet: no Request.cf download, no inspector, no request log of its own.
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { parse as parseToml } from 'smol-toml';

const WORKER = fileURLToPath(new URL('../worker.ts', import.meta.url));
export const WRANGLER_TOML = fileURLToPath(new URL('../wrangler.toml', import.meta.url));

/** One Worker, with its variables; all but the first answer only the hosts named. */
export interface LocalWorker {
  readonly vars: Readonly<Record<string, string>>;
  readonly hosts?: readonly string[];
}

export interface LocalOptions {
  readonly cert: string;
  readonly key: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly workers: readonly [LocalWorker, ...LocalWorker[]];
  /** Each line workerd writes: the Worker's console lines, and workerd's own. */
  readonly output: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Requests arrive with this URL's origin, as on a Cloudflare route in front of it. */
  readonly upstream?: string;
}

export interface RunningWorker {
  readonly port: number;
  readonly url: string;
  /** Stops workerd; resolves when it has exited. */
  stop(): Promise<void>;
}

export async function startLocalWorker(options: LocalOptions): Promise<RunningWorker> {
  const [script, compatibility] = await Promise.all([bundleWorker(), readCompatibility()]);
  // Held until workerd is up: when it cannot start, the error says why in one
  // line, and its own lines (a stack trace) are dropped.
  let held: [string, 'stdout' | 'stderr'][] | null = [];
  const output = (line: string, stream: 'stdout' | 'stderr'): void => {
    if (held === null) options.output(line, stream);
    else held.push([line, stream]);
  };
  const miniflare = new Miniflare({
    host: '127.0.0.1',
    port: options.port,
    https: true,
    httpsCert: options.cert,
    httpsKey: options.key,
    cf: false,
    logRequests: false,
    ...(options.upstream === undefined ? {} : { upstream: options.upstream }),
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      createInterface({ input: stdout }).on('line', (line) => { output(line, 'stdout'); });
      createInterface({ input: stderr }).on('line', (line) => { output(line, 'stderr'); });
    },
    workers: options.workers.map((worker, i) => ({
      name: `modfallback-${i}`,
      modules: true,
      script,
      ...compatibility,
      bindings: { ...worker.vars },
      routes: (worker.hosts ?? []).map((host) => `${host}/*`),
    })),
  });
  let url: URL;
  try {
    url = await miniflare.ready;
  } catch (error) {
    await miniflare.dispose().catch(() => undefined);
    throw error;
  }
  for (const [line, stream] of held) options.output(line, stream);
  held = null;
  return { port: Number(url.port), url: url.href, stop: () => miniflare.dispose() };
}

/** The Worker as one ES module, the way wrangler bundles it for deploy. */
async function bundleWorker(): Promise<string> {
  const result = await build({
    entryPoints: [WORKER],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (file === undefined) throw new Error('esbuild produced no output for the Worker');
  return file.text;
}

/** The compatibility date and flags deploys use, so that local runs behave the same. */
async function readCompatibility(): Promise<{ compatibilityDate: string; compatibilityFlags: string[] }> {
  const config = parseToml(await readFile(WRANGLER_TOML, 'utf8'));
  const date = config.compatibility_date;
  const flags = config.compatibility_flags ?? [];
  if (typeof date !== 'string' || !Array.isArray(flags) || !flags.every((f) => typeof f === 'string')) {
    throw new Error(`${WRANGLER_TOML}: compatibility_date must be a date and compatibility_flags a list of names`);
  }
  return { compatibilityDate: date, compatibilityFlags: flags };
}
