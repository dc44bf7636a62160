// The JSON logger: one line per event on stdout, written without blocking the
// event loop, and flushed before the process exits.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './options.js';

export type { Logger };

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
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
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
