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
import { keepingLast } from './keep-last.js';

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
 *
 * Each part of the line is kept from the line before when what it says has not
 * changed: the time (a dozen requests share each millisecond under load), the
 * request (a flood asks for the same path), the client and its user agent
 * (every go command sends the same one). A kept part is made once and, from its
 * second use, copied in one piece: the line is five pieces instead of twenty.
 */
export function requestLineRenderer(pid: number, timeField: () => string): (record: RequestRecord) => string {
  const head = reusingLast((time: string) => `{"level":"info"${time},"pid":${String(pid)}`);
  const request = reusingLast((r: RequestRecord) => ',"method":"' + r.method
    + '","url":' + targetString(r.url)
    + ',"status":' + String(r.status)
    + ',"answer":"' + r.answer + '"', sameRequest);
  // pino leaves out a field whose value is undefined.
  const remoteAddress = reusingLast((address: string | undefined) =>
    address === undefined ? '' : ',"remoteAddress":' + jsonString(address));
  const userAgent = reusingLast((agent: string | undefined) =>
    agent === undefined ? '' : ',"userAgent":' + jsonString(agent));
  const end = `,"msg":${JSON.stringify(REQUEST_MESSAGE)}}\n`;
  return (r) => head(timeField()) + request(r) + remoteAddress(r.remoteAddress) + userAgent(r.userAgent) + end;
}

const sameRequest = (a: RequestRecord, b: RequestRecord): boolean =>
  a.url === b.url && a.method === b.method && a.status === b.status && a.answer === b.answer;

/**
 * render, with its last answer kept for an argument the same as the last.
 *
 * A string made by joining others is, in V8, a tree of the pieces, and
 * writing it out walks the tree: for a request line, about a quarter of what
 * logging it costs. A kept part is used again, so it is flattened (V8 copies
 * a joined string into one piece the first time a character of it is read),
 * but only on its second use: a part used once would pay for the copy and
 * save nothing.
 */
function reusingLast<A>(
  render: (argument: A) => string,
  same?: (a: A, b: A) => boolean,
): (argument: A) => string {
  return keepingLast(render, same, (text) => { text.charCodeAt(0); });
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
