// Where log lines go: gathered into batches in memory, then written to a file
// descriptor (stdout) by sonic-boom, the asynchronous writer pino is built on.
//
// Why a batch in front of sonic-boom rather than its own minLength: sonic-boom
// appends each line to one pending string and measures that string's UTF-8
// length on every write, so a 4 KiB batch costs a copy and a scan of up to
// 4 KiB per line. Here each line is encoded into the batch's bytes as it comes:
// the line itself is garbage at once. (Lines kept as strings until the batch
// was written lived through the young generation's collections, each a tree
// of concatenated pieces that the collector copied: a sixth of what a request
// line cost.)
//
// A reader that stops reading (a hung journald, a paused terminal) must not
// take the server's memory with it: past a bound, batches are dropped and
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
import { writeFully, writeStderr } from './write-fd.js';

// sonic-boom is CommonJS with ES-style types: imported, it is the module, whose default is the class.
const { default: SonicBoom } = sonicBoom;

/** Where lines go: at once, or when a batch is full. */
export interface LineSink extends DestinationStream {
  /** Writes the line at once, after every line gathered before it. */
  write(line: string): void;
  /** Keeps the line for the next batch. */
  gather(line: string): void;
}

export interface BatchedDestination extends LineSink {
  /** Hands every gathered line to the OS, then calls back. */
  flush(callback: (error?: Error) => void): void;
  /** Writes every gathered line before returning: for the process's last moments. */
  flushSync(): void;
}

export interface BatchOptions {
  /** A batch holds this many bytes, and is written when the next line does not fit, */
  readonly batchBytes: number;
  /** and no line waits longer than this. */
  readonly maxWaitMs: number;
  /** Bytes held for a reader that is not keeping up; batches beyond are dropped. */
  readonly maxPendingBytes: number;
  /** Told how many lines were dropped, once everything held has been written. */
  readonly onDropped: (lines: number) => void;
}

/** sonic-boom in its buffer mode, which its types do not describe: write takes bytes. */
type ByteSonicBoom = Omit<InstanceType<typeof SonicBoom>, 'write'> & { write(bytes: Buffer): boolean };

/** A destination on file descriptor fd (1 for stdout) that writes lines in batches. */
export function batchedDestination(
  fd: number, { batchBytes, maxWaitMs, maxPendingBytes, onDropped }: BatchOptions,
): BatchedDestination {
  // Asynchronous, so that a stalled reader (a busy journald, a paused
  // terminal) never stops the event loop. minLength 1: it writes as soon as it
  // is handed anything, and its flush still waits for writes in flight (with 0
  // it would not).
  //
  // Bytes, not strings (contentMode 'buffer'): given a string, sonic-boom
  // measures its UTF-8 length on write and encodes it twice (once to write it,
  // once more when the write returns); a batch encoded here once costs one pass.
  const options: SonicBoomOpts & { maxWriteRetries: number } = {
    fd, sync: false, minLength: 1, maxLength: maxPendingBytes, maxWriteRetries: MAX_WRITE_RETRIES, contentMode: 'buffer',
  };
  const out = new SonicBoom(options) as unknown as ByteSonicBoom;
  let dropped = 0;
  let failing = false;
  // Written batches' buffers, for the next batches; and those handed to
  // sonic-boom, which keeps what it is given until written. A new buffer for
  // each batch went through malloc's path for large blocks, which sorts its
  // free lists: about 600 instructions a request on the main thread at info
  // (callgrind: 101,900 -> 101,300 a keep-alive request).
  const spare: Buffer[] = [];
  let handedOver: Buffer[] = [];
  out.on('drop', (batch: Buffer) => { dropped += countLines(batch); });
  out.on('error', (error: NodeJS.ErrnoException) => {
    if (failing) return;
    failing = true;
    // On stderr: stdout itself is the problem.
    writeStderr(`modfallback: ${error.code === 'EPIPE'
      ? 'stdout was closed by its reader: log lines are dropped from now on'
      : `cannot write the log to stdout (${error.message}): lines are held, up to ${maxPendingBytes} bytes, ` +
        'and written when it works again'}\n`);
  });
  // sonic-boom drains when it holds no more than minLength bytes (1): having
  // written everything, as no batch is a single byte. Every batch handed over
  // has been written, and its buffer can take the next.
  out.on('drain', () => {
    for (const buffer of handedOver) if (spare.length < SPARE_BATCHES) spare.push(buffer);
    handedOver = [];
    failing = false;
    if (dropped === 0) return;
    const lines = dropped;
    dropped = 0;
    onDropped(lines);
  });
  let batch: Buffer = Buffer.allocUnsafe(batchBytes);
  let used = 0;

  /** Takes the bytes gathered so far, and starts a new batch; undefined when there are none. */
  const take = (): Buffer | undefined => {
    if (used === 0) return undefined;
    const taken = batch.subarray(0, used);
    batch = spare.pop() ?? Buffer.allocUnsafe(batchBytes);
    used = 0;
    return taken;
  };
  const handOver = (): void => {
    const full = batch;
    const taken = take();
    if (taken === undefined) return;
    // A few are enough to use again. Kept without bound, the buffers of a
    // stdout that never drains (a reader gone for good) would all be kept.
    if (handedOver.length < SPARE_BATCHES) handedOver.push(full);
    out.write(taken);
  };
  /** Encodes the line into the batch; the batch goes first when the line does not fit. */
  const append = (line: string): void => {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8: only near the end of
    // a batch is the line measured, and then once.
    if (used + 3 * line.length > batch.length) {
      const bytes = Buffer.byteLength(line);
      if (used + bytes > batch.length) {
        handOver();
        if (bytes > batch.length) {
          out.write(Buffer.from(line));
          return;
        }
      }
    }
    used += batch.write(line, used);
  };
  // Handing the lines to sonic-boom would start an asynchronous write that
  // its flushSync leaves in flight: at exit it would never land. So sonic-boom
  // writes what it holds, then the gathered lines go out directly.
  const writeAllSync = (): void => {
    out.flushSync();
    const taken = take();
    if (taken !== undefined) writeFully(fd, taken);
  };

  setInterval(handOver, maxWaitMs).unref();
  // Whatever sonic-boom holds, and the lines gathered here, would be lost at exit without this.
  process.once('exit', () => {
    try {
      writeAllSync();
    } catch {
      // stdout is gone (closed, broken pipe), full, or stalled past the retries: nothing more can be written.
    }
  });

  return {
    write(line: string): void {
      append(line);
      handOver();
    },
    gather: append,
    flush(callback): void {
      handOver();
      out.flush(callback);
    },
    flushSync: writeAllSync,
  };
}

/**
 * Consecutive EAGAIN retries, 100 ms apart, before a write gives up: at exit,
 * a non-blocking stdout that has stopped taking lines delays the process 2 s
 * at most. (A blocking one, the usual pipe or socket, holds a write in the
 * kernel until its reader reads; nothing in the process can bound that.)
 */
const MAX_WRITE_RETRIES = 20;

/** Written batches' buffers kept for the next: one being filled while one is written is the usual case. */
const SPARE_BATCHES = 2;

const NEWLINE = 0x0a;

function countLines(batch: Buffer): number {
  let lines = 0;
  for (let at = batch.indexOf(NEWLINE); at !== -1; at = batch.indexOf(NEWLINE, at + 1)) lines++;
  return lines;
}
