// The JSON logger: one line per event on stdout, written without blocking the
// event loop, and flushed before the process exits.
//
// Request lines are batched: handing each to the asynchronous writer on its
// own costs two thread switches per request, which on one core was a third of
// the server's throughput. They reach stdout once 4 KiB have gathered, or
// within FLUSH_MS. Every other line (start, certificates, limits, errors,
// stop) is rare and wanted at once, so it is flushed as soon as it is logged.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './options.js';

export type { Logger };

/** The message of the one line logged per request; those lines are batched. */
export const REQUEST_MESSAGE = 'request';
/** The longest a request line waits before it is written. */
export const FLUSH_MS = 250;

/**
 * A logger writing JSON lines to the destination, or asynchronously to stdout.
 * Whoever ends the process must await flushLogger first.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args);
          if (args[1] !== REQUEST_MESSAGE) this.flush();
        },
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: FLUSH_MS }),
  );
}

/** Resolves when every line logged so far has been handed to the OS. */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    logger.flush(() => {
      resolve();
    });
  });
}
