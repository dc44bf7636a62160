// The JSON logger: one line per event on stdout, written without blocking the
// event loop, and flushed before the process exits.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../cli/parse.js';
import { fdDestination } from './destination.js';
import { holdRequestLines, type RequestRecord } from './request-lines.js';
import type { LineFormat } from './terminal.js';

export type { Logger };
export { REQUEST_MESSAGE, type RequestRecord } from './request-lines.js';

/** The longest a line waits in memory before it is written. */
const FLUSH_MS = 250;
/**
 * Bytes are written once this many have gathered: one write for hundreds of
 * request lines. Each write is a trip through libuv's thread pool, whose
 * thread takes the server's core from it for a while.
 */
const WRITE_BATCH_BYTES = 64 * 1024;
/**
 * Request lines formatted together (see request-lines.ts): enough that the
 * formatting runs in a loop, few enough that their text is about one write.
 */
const REQUEST_BATCH_LINES = 256;
/**
 * What is held for a stdout reader that has stopped reading before lines are
 * dropped: about a minute of request lines at 1,000 requests a second.
 */
export const MAX_PENDING_LOG_BYTES = 16 * 1024 * 1024;
/** The line that says lines were dropped. */
export const DROPPED_MESSAGE = 'stdout was not keeping up: log lines were dropped';

export interface Logging {
  readonly logger: Logger;
  /** Undefined when the level leaves request lines out, so that nothing is built for them. */
  readonly logRequest: ((record: RequestRecord) => void) | undefined;
}

/** Where lines go: pino's kind of stream, given whole lines, one or many at a time; flushed when it can be. */
type Lines = DestinationStream & { flush?(callback: (error?: Error) => void): void };

/**
 * A logger and a request log writing JSON lines to the destination, or
 * asynchronously to stdout (in the format, when given: see terminal.ts).
 * Whoever ends the process must await flushLogger first; stdout is also
 * flushed at exit, a destination given here is not.
 */
export function createLogging(level: LogLevel, destination?: Lines, format?: LineFormat): Logging {
  let out: Lines;
  const requests = holdRequestLines((text) => { out.write(text); }, {
    pid: process.pid,
    batchLines: REQUEST_BATCH_LINES,
    maxWaitMs: FLUSH_MS,
    // Written at once, not left for the destination's own wait: a line waits FLUSH_MS at most.
    flush: () => { lines.flush(() => undefined); },
  });
  if (destination === undefined) {
    const stdout = fdDestination(1, {
      format,
      batchBytes: WRITE_BATCH_BYTES,
      maxWaitMs: FLUSH_MS,
      maxPendingBytes: MAX_PENDING_LOG_BYTES,
      // Reported through the logger made below.
      onDropped: (droppedLines) => { logger.warn({ droppedLines }, DROPPED_MESSAGE); },
    });
    // What is held would be lost at exit without this.
    process.once('exit', () => { stdout.flushSync(requests.takeHeld()); });
    out = stdout;
  } else {
    out = destination;
  }
  // Any other line follows the request lines held before it.
  const lines = {
    write: (line: string) => {
      requests.writeHeld();
      out.write(line);
    },
    flush: (callback: (error?: Error) => void) => {
      requests.writeHeld();
      if (out.flush === undefined) callback();
      else out.flush(callback);
    },
  };
  const logger = pino({
    level,
    base: { pid: process.pid },
    formatters: { level: (label) => ({ level: label }) },
  }, lines);
  return { logger, logRequest: logger.isLevelEnabled('info') ? requests.logRequest : undefined };
}

/** Resolves when every line logged so far has been handed to the OS. */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    logger.flush(() => {
      resolve();
    });
  });
}
