// Running a commander program as users meet it: output through an Io, and
// every failure told in one line on stderr with its exit code (usage 2, start-up 1).
import { CommanderError, type Command } from 'commander';
import { StartupError, UsageError, messageOf } from './errors.js';

/** Where a command writes: the real streams, or a test's. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stderrIsTty?: () => boolean;
  readonly stderrColumns?: () => number;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  // Asked only when a command shows progress.
  stderrIsTty: () => process.stderr.isTTY,
  stderrColumns: () => process.stderr.columns,
};

/**
 * Runs a program made with forUsers: resolves to undefined once its action has
 * run, or to the exit code of a failure told in one line on stderr.
 */
export async function runProgram(program: Command, argv: readonly string[], io: Io): Promise<number | undefined> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return undefined;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UsageError || error instanceof StartupError) {
      io.stderr(`${program.name()}: ${error.message}\n`);
      return error.exitCode;
    }
    // A bug: still one line, not a stack trace, and a non-zero exit.
    io.stderr(`${program.name()}: unexpected error: ${messageOf(error)}\n`);
    return 1;
  }
}

/** A commander program that writes through io and tells a usage error in one line naming itself. */
export function forUsers(program: Command, io: Io): Command {
  const name = program.name();
  return program.exitOverride().configureOutput({
    writeOut: io.stdout,
    writeErr: io.stderr,
    outputError: (text, write) => { write(oneLine(name, text)); },
  });
}


/** Commander's error as one line: its suggestion, if it has one, or where to look. */
function oneLine(name: string, text: string): string {
  const message = text.replace(/^error: /, '').trim().replace(/\n\(Did you mean (.+)\?\)$/, ' (did you mean $1?)');
  const hint = message.endsWith('?)') ? '' : ` (see ${name} --help)`;
  return `${name}: ${message.replace(/\s*\n\s*/g, ' ')}${hint}\n`;
}
