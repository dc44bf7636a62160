// What a logging destination is given: whole lines, one or many at a time (request lines come in batches).

/** The lines in one write, each with its newline. */
export function wholeLines(text: string): string[] {
  return text.split(/(?<=\n)/);
}

/** A destination that keeps every line written to it, one array element a line. */
export function collectLines(): { destination: { write(text: string): void }; lines: string[] } {
  const lines: string[] = [];
  return { destination: { write: (text) => { lines.push(...wholeLines(text)); } }, lines };
}
