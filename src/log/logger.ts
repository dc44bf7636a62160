// The JSON logger: one line per event on stdout, written without blocking the
// event loop, and flushed before the process exits.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { AnswerKind } from '../core/answer.js';
import type { LogLevel } from '../cli/parse.js';
import { fdDestination } from './destination.js';
import type { LineFormat } from './terminal.js';

export type { Logger };

/** The message of the line logged for each request. */
export const REQUEST_MESSAGE = 'request';
/** The longest a line waits in memory before it is written. */
const FLUSH_MS = 250;
/**
 * Lines are written once this many bytes have gathered: one write for hundreds
 * of request lines. Each write is a trip through libuv's thread pool,
 * whose thread takes the server's core from it for a while.
 */
const BATCH_BYTES = 64 * 1024;
/**
 * What is held for a stdout reader that has stopped reading before lines are
 * dropped: about a minute of request lines at 1,000 requests a second.
 */
export const MAX_PENDING_LOG_BYTES = 16 * 1024 * 1024;
/** The line that says lines were dropped. */
export const DROPPED_MESSAGE = 'stdout was not keeping up: log lines were dropped';

/** What the line says about one request. */
export interface RequestRecord {
  readonly method: string;
  /** The request target as sent, path and query. */
  readonly url: string;
  readonly status: number;
  readonly answer: AnswerKind;
  /** Absent once the client has gone; the line leaves such a field out, as pino does. */
  readonly remoteAddress: string | undefined;
  readonly userAgent: string | undefined;
}

export interface Logging {
  readonly logger: Logger;
  /** Undefined when the level leaves request lines out, so that nothing is built for them. */
  readonly logRequest: ((record: RequestRecord) => void) | undefined;
}

/**
 * A logger and a request log writing JSON lines to the destination, or
 * asynchronously to stdout (in the format, when given: see terminal.ts).
 * Whoever ends the process must await flushLogger first.
 */
export function createLogging(level: LogLevel, destination?: DestinationStream, format?: LineFormat): Logging {
  // Dropped lines are reported later, through the logger made just below.
  const lines = destination ?? fdDestination(1, {
    format,
    batchBytes: BATCH_BYTES,
    maxWaitMs: FLUSH_MS,
    maxPendingBytes: MAX_PENDING_LOG_BYTES,
    onDropped: (droppedLines) => { logger.warn({ droppedLines }, DROPPED_MESSAGE); },
  });
  const logger = pino({
    level,
    base: { pid: process.pid },
    formatters: { level: (label) => ({ level: label }) },
  }, lines);
  if (!logger.isLevelEnabled('info')) return { logger, logRequest: undefined };
  // The one line written for every request skips pino's general path (its
  // walk over the fields, for any shape of object) and V8's JSON.stringify of
  // a whole object: its fixed shape is joined here, each string JSON-escaped.
  // It is the line pino writes for these fields, which test/logger.test.ts
  // holds it to byte for byte. bench/README.md has what it saves.
  const pid = process.pid;
  return {
    logger,
    logRequest: (r) => {
      let line = `{"level":"info","time":${Date.now()},"pid":${pid},"method":${JSON.stringify(r.method)},` +
        `"url":${JSON.stringify(r.url)},"status":${r.status},"answer":"${r.answer}"`;
      // pino leaves out a field whose value is undefined.
      if (r.remoteAddress !== undefined) line += `,"remoteAddress":${JSON.stringify(r.remoteAddress)}`;
      if (r.userAgent !== undefined) line += `,"userAgent":${JSON.stringify(r.userAgent)}`;
      lines.write(`${line},"msg":"${REQUEST_MESSAGE}"}\n`);
    },
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
