// Synchronous writes straight to a file descriptor, for the moments that must
// not wait: the process's last log lines, and lines for people on stderr.
import { writeSync } from 'node:fs';

/** Writes all of text (or bytes) to fd before returning; a pipe may take part of it at a time. */
export function writeFully(fd: number, text: string | Buffer): void {
  for (let rest = typeof text === 'string' ? Buffer.from(text) : text; rest.length > 0;) {
    rest = rest.subarray(writeSync(fd, rest));
  }
}

/**
 * Writes text to stderr and never throws. Directly to file descriptor 2:
 * process.stderr would be built first (a millisecond or two of a cold start),
 * and a stderr whose reader has gone must not stop the server.
 */
export function writeStderr(text: string): void {
  try {
    writeFully(2, text);
  } catch {
    // stderr is gone, or will not take more: these lines are a courtesy.
  }
}
