// Graceful stop: no new connections, in-flight requests finish, idle keep-alive
// connections close, and anything still open after the timeout is cut.
import type { Server as HttpServer } from 'node:http';

/** What draining needs of an http or https server. */
type Server = Pick<HttpServer, 'close' | 'closeIdleConnections' | 'closeAllConnections'>;

export interface DrainResult {
  /** Connections still open at the deadline, closed without finishing. */
  readonly forced: boolean;
}

export async function drain(server: Server, timeoutMs: number): Promise<DrainResult> {
  const closed = new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  // close() already dropped idle connections; busy ones are told to close after
  // their response (see handler.ts) and are dropped here as they become idle.
  const sweep = setInterval(() => {
    server.closeIdleConnections();
  }, 50);
  try {
    if (await settlesWithin(closed, timeoutMs)) return { forced: false };
    server.closeAllConnections();
    await settlesWithin(closed, 1_000);
    return { forced: true };
  } finally {
    clearInterval(sweep);
  }
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
