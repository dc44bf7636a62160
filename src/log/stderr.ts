// Lines for people on stderr, written at once and never throwing (a stderr
// whose reader has gone must not stop the server), and the whole write they use.
import { writeSync } from 'node:fs';

/** Writes all of text to stderr before returning. */
export function writeStderr(text: string): void {
  try {
    writeWhole(2, Buffer.from(text));
  } catch {
    // stderr is gone, or will not take more: these lines are a courtesy.
  }
}

/** Writes all the bytes to fd before returning, or throws: a pipe may take part of them at a time. */
export function writeWhole(fd: number, bytes: Buffer): void {
  for (let rest = bytes; rest.length > 0;) rest = rest.subarray(writeSync(fd, rest));
}
