// Lines for people on stderr, written at once and never throwing: a stderr
// whose reader has gone must not stop the server.
import { writeSync } from 'node:fs';

/** Writes all of text to stderr before returning; a pipe may take part of it at a time. */
export function writeStderr(text: string): void {
  try {
    for (let rest = Buffer.from(text); rest.length > 0;) rest = rest.subarray(writeSync(2, rest));
  } catch {
    // stderr is gone, or will not take more: these lines are a courtesy.
  }
}
