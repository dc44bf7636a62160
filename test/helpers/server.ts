// Starts a fallback server in this process on an ephemeral loopback port, with
// certificates made for the test and a logger whose JSON lines the test can read.
import type { TestContext } from 'node:test';
import type { FallbackConfig } from '../../src/core/config.js';
import { DEFAULT_LIMITS } from '../../src/serve/limits.js';
import { createLogging } from '../../src/log/logger.js';
import { createFallbackServer } from '../../src/serve/https.js';
import { makePki } from './tls.js';
import { listenOnLoopback } from './listen.js';
import { collectLines } from './log-lines.js';

export interface RunningTestServer {
  readonly port: number;
  /** The CA that signed the server's certificate, PEM. */
  readonly ca: string;
  /** Every log line so far, parsed. */
  logs(): Record<string, unknown>[];
}

export const TEST_CONFIG: FallbackConfig = Object.freeze({
  domain: 'dmitri.shuralyov.com',
  mirror: 'https://proxy.golang.org',
  cacheMaxAge: 60,
  maxUrlLength: 2048,
});

export async function startTestServer(t: TestContext, config: FallbackConfig = TEST_CONFIG): Promise<RunningTestServer> {
  const pki = await makePki(t);
  const leaf = await pki.issue('server', [config.domain, 'localhost', '127.0.0.1']);
  const { destination, lines } = collectLines();
  const { logger, logRequest } = createLogging('debug', destination);
  const server = createFallbackServer({ config, tls: leaf, limits: DEFAULT_LIMITS, logger, logRequest });
  return {
    port: await listenOnLoopback(t, server),
    ca: pki.ca.cert,
    logs: () => {
      // Request lines are held a moment (src/log/request-lines.ts): flushing writes them, at once.
      logger.flush();
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}
