// Where log lines go: stdout, through sonic-boom (the asynchronous writer pino
// is built on), so that a slow reader never stops the event loop.
//
// A reader that stops reading (a hung journald, a paused terminal) must not
// take the server's memory with it: past a bound, lines are dropped and
// counted, and the count is reported once the reader has caught up. A stdout
// that fails (a full disk under a redirected log) must not take the server
// down or freeze it: the failure is told once on stderr, and writing resumes
// when stdout works again.
//
// sonic-boom 5, not the sonic-boom 4 inside pino.destination(): 4's flushSync
// retries a write that failed for good (ENOSPC, EIO) forever, freezing the
// process at a fatal line or at exit.
import type { DestinationStream } from 'pino';
import sonicBoom, { type SonicBoomOpts } from 'sonic-boom';
import { writeStderr, writeWhole } from './stderr.js';
import type { LineFormat } from './terminal.js';

// sonic-boom is CommonJS with ES-style types: imported, it is the module, whose default is the class.
const { default: SonicBoom } = sonicBoom;

export interface Destination extends DestinationStream {
  /** Hands every line to the OS, then calls back. */
  flush(callback: (error?: Error) => void): void;
  /** Hands every line to the OS before returning, these last ones after the rest, as far as it will take them: for the exit. */
  flushSync(lastLines?: string): void;
}

export interface DestinationOptions {
  /** What each line becomes before it is written; as it is when undefined. */
  readonly format?: LineFormat | undefined;
  /** Lines gather until this many bytes are waiting, one write for them all... */
  readonly batchBytes: number;
  /** ...and none waits longer than this. */
  readonly maxWaitMs: number;
  /** Bytes held for a reader that is not keeping up; lines beyond are dropped. */
  readonly maxPendingBytes: number;
  /** Told how many lines were dropped, once what was held has been written. */
  readonly onDropped: (lines: number) => void;
}

/** sonic-boom in its buffer mode, which its types do not describe: write takes bytes. */
type ByteSonicBoom = Omit<InstanceType<typeof SonicBoom>, 'write'> & { write(bytes: Buffer): boolean };

/**
 * Consecutive EAGAIN retries, 100 ms apart, before a write gives up: at exit,
 * a non-blocking stdout that has stopped taking lines delays the process 2 s
 * at most.
 */
const MAX_WRITE_RETRIES = 20;

/** A destination on file descriptor fd (1 for stdout). */
export function fdDestination(
  fd: number, { format, batchBytes, maxWaitMs, maxPendingBytes, onDropped }: DestinationOptions,
): Destination {
  // Bytes, not strings (contentMode 'buffer'): given strings, sonic-boom
  // measures the UTF-8 length of all it holds at every write. A batch must be
  // less than one write may take (maxWrite): a write takes about one batch, about
  // what a pipe holds. maxWriteRetries is newer than its types.
  const options: SonicBoomOpts & { maxWriteRetries: number } = {
    fd, sync: false, minLength: batchBytes, maxWrite: batchBytes + 1, periodicFlush: maxWaitMs, maxLength: maxPendingBytes,
    maxWriteRetries: MAX_WRITE_RETRIES, contentMode: 'buffer',
  };
  const out = new SonicBoom(options) as unknown as ByteSonicBoom;
  let dropped = 0;
  let failing = false;
  // A write holds whole lines, often many (on a terminal, formatted: an error's stack counts as several).
  out.on('drop', (bytes: Buffer) => { dropped += linesIn(bytes); });
  const bytesOf = (lines: string): Buffer => Buffer.from(format === undefined ? lines : eachLine(lines, format));
  out.on('error', (error: NodeJS.ErrnoException) => {
    if (failing) return;
    failing = true;
    // On stderr: stdout itself is the problem.
    writeStderr(`modfallback: ${error.code === 'EPIPE'
      ? 'stdout was closed by its reader: log lines are dropped from now on'
      : `cannot write the log to stdout (${error.message}): lines are held, up to ${maxPendingBytes} bytes, ` +
        'and written when it works again'}\n`);
  });
  // sonic-boom drains when what it holds is written, down to less than a batch.
  out.on('drain', () => {
    failing = false;
    if (dropped === 0) return;
    const lines = dropped;
    dropped = 0;
    onDropped(lines);
  });
  return {
    // Whole lines, one or many at a time.
    write: (lines: string) => out.write(bytesOf(lines)),
    flush: (callback) => { out.flush(callback); },
    flushSync: (lastLines = '') => {
      try {
        out.flushSync();
        // Not through sonic-boom: given a batch's worth, it would start an asynchronous write, which the exit cuts off.
        writeWhole(fd, bytesOf(lastLines));
      } catch {
        // stdout is gone (closed, broken pipe), full, or stalled past the retries: nothing more can be written.
      }
    },
  };
}

const NEWLINE = 0x0a;

/** Each line formatted on its own; pino ends every line with a newline, so nothing follows the last. */
function eachLine(lines: string, format: LineFormat): string {
  return lines.split('\n').slice(0, -1).map((line) => format(`${line}\n`)).join('');
}

function linesIn(bytes: Buffer): number {
  let lines = 0;
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) lines++;
  return lines;
}
