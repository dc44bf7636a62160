// Where log lines go: gathered into batches in memory, then written to a file
// descriptor (stdout) by sonic-boom, the asynchronous writer pino is built on.
//
// Why a batch in front of sonic-boom rather than its own minLength: sonic-boom
// appends each line to one pending string and measures that string's UTF-8
// length on every write, so a 4 KiB batch costs a copy and a scan of up to
// 4 KiB per line. Here a line costs a push onto an array; the batch is joined
// once.
//
// A reader that stops reading (a hung journald, a paused terminal) must not
// take the server's memory with it: past a bound, batches are dropped and
// counted, and the count is reported once the reader has caught up.
import { writeSync } from 'node:fs';
import { pino, type DestinationStream } from 'pino';

type SonicBoom = ReturnType<typeof pino.destination>;

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
  /** A batch is written once it holds this many characters, */
  readonly batchChars: number;
  /** and no line waits longer than this. */
  readonly maxWaitMs: number;
  /** Bytes held for a reader that is not keeping up; batches beyond are dropped. */
  readonly maxPendingBytes: number;
  /** Told how many lines were dropped, once everything held has been written. */
  readonly onDropped: (lines: number) => void;
}

/** A destination on file descriptor fd (1 for stdout) that writes lines in batches. */
export function batchedDestination(
  fd: number, { batchChars, maxWaitMs, maxPendingBytes, onDropped }: BatchOptions,
): BatchedDestination {
  // Asynchronous, so that a stalled reader (a busy journald, a paused
  // terminal) never stops the event loop. minLength 1: it writes as soon as it
  // is handed anything, and its flush still waits for writes in flight (with 0
  // it would not).
  const out: SonicBoom = pino.destination({ dest: fd, sync: false, minLength: 1, maxLength: maxPendingBytes });
  let dropped = 0;
  out.on('drop', (batch: string) => { dropped += countLines(batch); });
  // sonic-boom drains when it has written everything it holds.
  out.on('drain', () => {
    if (dropped === 0) return;
    const lines = dropped;
    dropped = 0;
    onDropped(lines);
  });
  let lines: string[] = [];
  let chars = 0;

  /** Takes every gathered line as one string; undefined when there is none. */
  const take = (): string | undefined => {
    if (lines.length === 0) return undefined;
    const batch = lines.join('');
    lines = [];
    chars = 0;
    return batch;
  };
  const handOver = (): void => {
    const batch = take();
    if (batch !== undefined) out.write(batch);
  };
  // Handing the lines to sonic-boom would start an asynchronous write that
  // its flushSync leaves in flight: at exit it would never land. So sonic-boom
  // writes what it holds, then the gathered lines go out directly.
  const writeAllSync = (): void => {
    out.flushSync();
    const batch = take();
    // A pipe may take part of it at a time.
    for (let rest = Buffer.from(batch ?? ''); rest.length > 0;) rest = rest.subarray(writeSync(fd, rest));
  };

  setInterval(handOver, maxWaitMs).unref();
  // pino has sonic-boom write what it holds when the process exits; lines
  // still gathered here would be lost without this.
  process.once('exit', () => {
    try {
      writeAllSync();
    } catch {
      // stdout is gone (closed, broken pipe) or full: nothing more can be written.
    }
  });

  return {
    write(line: string): void {
      lines.push(line);
      handOver();
    },
    gather(line: string): void {
      lines.push(line);
      chars += line.length;
      if (chars >= batchChars) handOver();
    },
    flush(callback): void {
      handOver();
      out.flush(callback);
    },
    flushSync: writeAllSync,
  };
}

function countLines(text: string): number {
  let lines = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
  return lines;
}
