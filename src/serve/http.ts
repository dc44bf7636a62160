// The optional plain-http listener: a thin shell around core/redirect.ts's
// decision that answers ACME http-01 challenges, from memory (--acme's own
// orders) or from files in the webroot (certbot's).
import { lstat, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { answer, plainError } from '../core/answer.js';
import { answerRequests } from './handler.js';
import { ACME_PREFIX, createHttpResponder, type RedirectConfig } from '../core/redirect.js';
import { applyLimits, serverOptions, type Limits } from './limits.js';
import type { Logging } from '../log/logger.js';

export interface HttpServerOptions extends Logging {
  readonly config: Omit<RedirectConfig, 'acme'>;
  /** Directory certbot --webroot writes to; challenges live under .well-known/acme-challenge/. */
  readonly webroot: string | undefined;
  /** The key authorization --acme keeps in memory for a token, looked up before the webroot. */
  readonly challenges?: ((token: string) => string | undefined) | undefined;
  readonly limits: Limits;
}

// Challenge files hold one key authorization, well under this.
const MAX_CHALLENGE_BYTES = 4096;

const found = (keyAuthorization: string) => answer('acme-challenge', 'text/plain', 'no-store', keyAuthorization);

export function createHttpServer({ config, webroot, challenges, limits, logger, logRequest }: HttpServerOptions): Server {
  const decide = createHttpResponder({ ...config, acme: webroot !== undefined || challenges !== undefined });
  const missing = plainError('not-found', 'No such ACME challenge.');
  const server = createServer(serverOptions(limits));
  applyLimits(server, limits, logger, 'http');
  answerRequests(server, (head) => {
    const decision = decide(head);
    if (decision.kind !== 'challenge') return decision;
    const remembered = challenges?.(decision.token);
    if (remembered !== undefined) return found(remembered);
    if (webroot === undefined) return missing;
    return readChallenge(join(webroot, ACME_PREFIX, decision.token)).then((content) =>
      content === null ? missing : found(content));
  }, { logger, logRequest });
  return server;
}

/** The file's text, or null unless it is a small regular file (never a link to elsewhere). */
async function readChallenge(file: string): Promise<string | null> {
  try {
    const info = await lstat(file);
    if (!info.isFile() || info.size > MAX_CHALLENGE_BYTES) return null;
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}
