// The one line logged for each request, rendered from a template rather than
// by pino's general serializer.
//
// Why: under load this line is written for every request, and pino's walk
// over the fields (escape each value, run the formatters, assemble the line)
// was a sixth of the server's work per request, the difference between
// meeting and missing the throughput target with logging on. The line's shape
// is fixed, so its constant parts are joined once and only the fields that
// come from the request are checked and, when they hold anything but plain
// printable ASCII, escaped by JSON.stringify. test/request-line.test.ts checks
// that the line is byte for byte what pino writes for the same fields.
import type { AnswerKind } from './answer.js';

/** The message of the request line, its last field. */
export const REQUEST_MESSAGE = 'request';

/** What the line says about one request. */
export interface RequestRecord {
  readonly method: string;
  /** The request target as sent: one field, where a path and a query cut apart would cost two more strings. */
  readonly url: string;
  readonly status: number;
  readonly answer: AnswerKind;
  /** Absent once the client has gone; pino leaves such a field out, and so does the line. */
  readonly remoteAddress: string | undefined;
  readonly userAgent: string | undefined;
}

/**
 * Renders request lines as pino writes `logger.info(record, REQUEST_MESSAGE)`
 * with this project's options (level label, time field, base of pid only).
 */
export function requestLineRenderer(pid: number, timeField: () => string): (record: RequestRecord) => string {
  const start = '{"level":"info"';
  const pidField = `,"pid":${pid}`;
  const end = `,"msg":${JSON.stringify(REQUEST_MESSAGE)}}\n`;
  return (r) => start + timeField() + pidField
    + ',"method":' + jsonString(r.method)
    + ',"url":' + jsonString(r.url)
    + ',"status":' + String(r.status)
    + ',"answer":"' + r.answer + '"'
    + (r.remoteAddress === undefined ? '' : ',"remoteAddress":' + jsonString(r.remoteAddress))
    + (r.userAgent === undefined ? '' : ',"userAgent":' + jsonString(r.userAgent))
    + end;
}

// Printable ASCII but the quote and the backslash: nothing JSON would escape.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** s as a JSON string; quoted as it is when nothing in it needs escaping, the common case. */
function jsonString(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}
