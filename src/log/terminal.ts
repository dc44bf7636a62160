// Log lines for a person: when stdout is a terminal, pino-pretty turns each JSON
// line into one readable line; anywhere else the JSON lines go out as they are.
// pino-pretty runs here, in the main thread, not as a pino transport (a worker
// thread that loads files by name, which a bundle does not have), and is loaded
// only on a terminal: a server whose stdout is a pipe or a file never loads it.
import { isatty } from 'node:tty';

/** Turns one JSON log line into the line written. */
export type LineFormat = (line: string) => string;

/** A readable format when stdout is a terminal; undefined (JSON lines) otherwise. */
export async function terminalFormat(): Promise<LineFormat | undefined> {
  if (!isatty(1)) return undefined;
  const { default: pretty } = await import('pino-pretty');
  return pretty.prettyFactory({
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    // The pid is the terminal's own process; the limits are --help's defaults or the flags just typed.
    ignore: 'pid,hostname,limits',
  });
}
