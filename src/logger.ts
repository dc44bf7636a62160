// The JSON logger: one line per event on stdout, written without blocking the
// event loop, and flushed before the process exits.
//
// Request lines are batched (see log-destination.ts): handing each to the
// asynchronous writer on its own costs two thread switches per request, which
// on one core was a third of the server's throughput. They reach stdout once
// 16 KiB have gathered, or within FLUSH_MS. Every other line (start,
// certificates, limits, errors, stop) is rare and wanted at once, so it is
// written as soon as it is logged, after the request lines before it.
import { pino, type DestinationStream, type Logger } from 'pino';
import { batchedDestination } from './log-destination.js';
import type { LogLevel } from './options.js';

export type { Logger };

/** The message of the one line logged per request; those lines are batched. */
export const REQUEST_MESSAGE = 'request';
/** The longest a request line waits before it is written. */
export const FLUSH_MS = 250;
const BATCH_CHARS = 16 * 1024;
// pino writes the message last: a request line, and only a request line, ends so.
const REQUEST_LINE_END = `,"msg":${JSON.stringify(REQUEST_MESSAGE)}}\n`;

/** Whether a line pino wrote is a request line, the only kind that may wait for its batch. */
export function isRequestLine(line: string): boolean {
  return line.endsWith(REQUEST_LINE_END);
}

/**
 * A logger writing JSON lines to the destination, or asynchronously to stdout.
 * Whoever ends the process must await flushLogger first.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: isoTimeField(() => Date.now()),
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? batchedDestination(1, { mayWait: isRequestLine, batchChars: BATCH_CHARS, maxWaitMs: FLUSH_MS }),
  );
}

/**
 * pino's time field, `,"time":"<ISO 8601>"`, formatted once per millisecond:
 * under load a dozen requests share each millisecond, and formatting a date
 * is among the dearest parts of a log line.
 */
export function isoTimeField(now: () => number): () => string {
  let formattedMs = NaN;
  let field = '';
  return () => {
    const ms = now();
    if (ms !== formattedMs) {
      formattedMs = ms;
      field = `,"time":"${new Date(ms).toISOString()}"`;
    }
    return field;
  };
}

/** Resolves when every line logged so far has been handed to the OS. */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    logger.flush(() => {
      resolve();
    });
  });
}
