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
//
// The method and the target are checked only for what Node's HTTP parser lets
// through (test/server.test.ts holds it to that): a method from its fixed list,
// and a target of visible ASCII, where JSON escapes nothing but the quote and
// the backslash. Two native searches cost the same for any length, where the
// general check reads every character: for a 40-element path, 4,600
// instructions a request.
import type { AnswerKind } from './answer.js';

/** The message of the request line, its last field. */
export const REQUEST_MESSAGE = 'request';

/** What the line says about one request. */
export interface RequestRecord {
  /** As Node's parser gives it: one of http.METHODS, capital letters and hyphens. */
  readonly method: string;
  /**
   * The request target as sent: one field, where a path and a query cut apart
   * would cost two more strings. Node's parser admits only visible ASCII
   * (0x21-0x7e) in a request target, as RFC 9112 asks.
   */
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
    + ',"method":"' + r.method
    + '","url":' + targetString(r.url)
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

/** A request target (visible ASCII) as a JSON string. */
function targetString(target: string): string {
  return target.includes('"') || target.includes('\\') ? JSON.stringify(target) : `"${target}"`;
}
