// The request log: one JSON line for every request, held as a record when the
// request is answered and turned into text with the others of its batch.
//
// Formatting lines one after another in a loop, rather than one between each
// pair of requests, keeps the code and data it needs in the CPU's caches; the
// server answers the requests in between faster for it (bench/README.md has
// the figure). A line is held until the batch is full, a little while at most,
// or until any other line is written, so the log stays in order.
import type { AnswerKind } from '../core/answer.js';

/** The message of the line logged for each request. */
export const REQUEST_MESSAGE = 'request';

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

export interface HeldRequestLines {
  /** Holds the line for one request, stamped with the time now. */
  readonly logRequest: (record: RequestRecord) => void;
  /** Writes every line held, in the order logged. */
  readonly writeHeld: () => void;
  /** Every line held, in the order logged, no longer held: for whoever writes them at exit. */
  readonly takeHeld: () => string;
}

export interface HoldOptions {
  readonly pid: number;
  /** Lines held before they are written together. */
  readonly batchLines: number;
  /** The longest a line is held... */
  readonly maxWaitMs: number;
  /** ...before this is called, to write the lines held and whatever waits behind them. */
  readonly flush: () => void;
}

/** Request lines, held and handed to write a batch at a time as one piece of text. */
export function holdRequestLines(write: (text: string) => void, { pid, batchLines, maxWaitMs, flush }: HoldOptions): HeldRequestLines {
  const records: RequestRecord[] = [];
  const times: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  const takeHeld = (): string => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    let text = '';
    for (let i = 0; i < records.length; i++) text += requestLine(records[i] as RequestRecord, times[i] as number, pid);
    records.length = 0;
    times.length = 0;
    return text;
  };
  const writeHeld = (): void => {
    if (records.length > 0) write(takeHeld());
  };
  return {
    logRequest: (record) => {
      records.push(record);
      times.push(Date.now());
      if (records.length >= batchLines) writeHeld();
      // A timer that does not keep the process alive: whoever ends it flushes the logger first.
      else timer ??= setTimeout(flush, maxWaitMs).unref();
    },
    writeHeld,
    takeHeld,
  };
}

/**
 * The line pino writes for these fields (test/logger.test.ts holds it to that
 * byte for byte), joined by hand: pino's general path walks any shape of
 * object, where this one has a fixed shape. Each string is JSON-escaped.
 */
function requestLine(r: RequestRecord, time: number, pid: number): string {
  let line = `{"level":"info","time":${time},"pid":${pid},"method":${JSON.stringify(r.method)},` +
    `"url":${JSON.stringify(r.url)},"status":${r.status},"answer":"${r.answer}"`;
  // pino leaves out a field whose value is undefined.
  if (r.remoteAddress !== undefined) line += `,"remoteAddress":${JSON.stringify(r.remoteAddress)}`;
  if (r.userAgent !== undefined) line += `,"userAgent":${JSON.stringify(r.userAgent)}`;
  return `${line},"msg":"${REQUEST_MESSAGE}"}\n`;
}
