// The JSON logger: one line per event on stdout, written without blocking the
// event loop, and flushed before the process exits.
//
// Request lines are batched (see log-destination.ts): handing each to the
// asynchronous writer on its own costs two thread switches per request, which
// on one core was a third of the server's throughput. They reach stdout once
// BATCH_BYTES have gathered, or within FLUSH_MS, and are rendered from a template
// (see request-line.ts). Every other line (start, certificates, limits,
// errors, stop) is rare and wanted at once: pino writes it as soon as it is
// logged, after the request lines before it.
import { pino, type Logger } from 'pino';
import { batchedDestination, type LineSink } from './log-destination.js';
import type { LogLevel } from './options.js';
import { requestLineRenderer, type RequestRecord } from './request-line.js';

export type { Logger };
export type { LineSink };

/** The longest a request line waits before it is written. */
export const FLUSH_MS = 250;
/**
 * Each write is a trip through libuv's thread pool and a system call. At
 * 16 KiB, logging to a file cost 1.0 µs a request more than to /dev/null
 * (50,000 requests a second on one core); at 64 KiB, 0.4 µs. At 256 KiB, no
 * less: what is left is the bytes.
 */
const BATCH_BYTES = 64 * 1024;
/**
 * What is held for a stdout reader that has stopped reading before lines are
 * dropped: about a minute of request lines at 1,000 requests a second.
 */
export const MAX_PENDING_LOG_BYTES = 16 * 1024 * 1024;
/** The line that says lines were dropped. */
export const DROPPED_MESSAGE = 'stdout was not keeping up: log lines were dropped';

/** Logs the line for one answered request. */
export type RequestLog = (record: RequestRecord) => void;

export interface Logging {
  readonly logger: Logger;
  /** Undefined when the level leaves request lines out, so that nothing is built for them. */
  readonly logRequest: RequestLog | undefined;
}

/**
 * A logger and a request log writing JSON lines to the sink, or asynchronously
 * to stdout. Whoever ends the process must await flushLogger first.
 */
export function createLogging(level: LogLevel, sink?: LineSink): Logging {
  const timeField = isoTimeField(() => Date.now());
  // Dropped lines are reported later, through the logger made just below.
  const lines = sink ?? stdoutSink((droppedLines) => { logger.warn({ droppedLines }, DROPPED_MESSAGE); });
  const logger = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: timeField,
      formatters: { level: (label) => ({ level: label }) },
    },
    lines,
  );
  if (!logger.isLevelEnabled('info')) return { logger, logRequest: undefined };
  const render = requestLineRenderer(process.pid, timeField);
  return { logger, logRequest: (record) => { lines.gather(render(record)); } };
}

function stdoutSink(onDropped: (lines: number) => void): LineSink {
  return batchedDestination(1, {
    batchBytes: BATCH_BYTES, maxWaitMs: FLUSH_MS, maxPendingBytes: MAX_PENDING_LOG_BYTES, onDropped,
  });
}

/**
 * pino's time field, `,"time":"<ISO 8601>"`, formatted once per millisecond:
 * under load a dozen requests share each millisecond. The date and time to the
 * second come from toISOString once a second; the milliseconds are three
 * digits put after them. toISOString for each millisecond cost about 6,000
 * instructions (V8 formats it with printf), as much as the rest of the line.
 */
export function isoTimeField(now: () => number): () => string {
  let formattedMs = NaN;
  let field = '';
  let second = NaN;
  let upToSecond = '';
  return () => {
    const ms = now();
    if (ms !== formattedMs) {
      formattedMs = ms;
      const thisSecond = Math.floor(ms / 1000);
      if (thisSecond !== second) {
        second = thisSecond;
        const iso = new Date(thisSecond * 1000).toISOString();
        // Through the decimal point: years past 9999 are written with more digits.
        upToSecond = `,"time":"${iso.slice(0, iso.lastIndexOf('.') + 1)}`;
      }
      const milliseconds = ms - thisSecond * 1000;
      field = upToSecond + (milliseconds < 10 ? '00' : milliseconds < 100 ? '0' : '') + String(milliseconds) + 'Z"';
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
