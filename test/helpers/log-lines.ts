// What a logging destination is given: whole lines, one or many at a time (request lines come in batches).

/** The lines in one write, each with its newline. */
export function wholeLines(text: string): string[] {
  return text.split(/(?<=\n)/);
}
