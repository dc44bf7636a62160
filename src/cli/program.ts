// The command line: parses and validates every option, then hands a typed
// configuration to a command. Usage errors exit 2, start-up problems 1, each
// with one line on stderr and never a stack trace.
import { Command, CommanderError, Option } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { addCheckCommand } from '../check/command.js';
import { readBooleanEnv } from './boolean-env.js';
import { certsDirOption, domainOption } from './shared-options.js';
import { StartupError, UsageError, messageOf } from './errors.js';
import { parseCertName } from './parse.js';
import { addServeCommand } from './serve.js';

const NAME = 'modfallback';

/** Where a command writes: the real streams, or a test's. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stderrIsTty?: () => boolean;
  readonly stderrColumns?: () => number;
}

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  // Asked only when a command shows progress.
  stderrIsTty: () => process.stderr.isTTY,
  stderrColumns: () => process.stderr.columns,
};

/** Runs the command line; resolves to an exit code, or undefined while a server runs. */
export async function run(argv: readonly string[], io: Io = processIo): Promise<number | undefined> {
  let exitCode: number | undefined;
  const program = buildProgram(io, (code) => { exitCode = code; });
  try {
    await program.parseAsync(withDefaultCommand(argv), { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UsageError || error instanceof StartupError) {
      io.stderr(`${NAME}: ${error.message}\n`);
      return error.exitCode;
    }
    // A bug: still one line, not a stack trace, and a non-zero exit.
    io.stderr(`${NAME}: unexpected error: ${messageOf(error)}\n`);
    return 1;
  }
}

// The options of the program itself; any other option belongs to serve.
const PROGRAM_OPTIONS = new Set(['-h', '--help', '-v', '--version']);

/**
 * serve is the default command: arguments that start with one of its options
 * (or with nothing) get it in front. Not commander's isDefault, which would take
 * a mistyped command for an argument to serve; a first word that names no
 * command is left for commander to call unknown, with its suggestion.
 */
function withDefaultCommand(argv: readonly string[]): string[] {
  const [first] = argv;
  const serveOption = first === undefined || (first.startsWith('-') && !PROGRAM_OPTIONS.has(first));
  return serveOption ? ['serve', ...argv] : [...argv];
}

/** Commander's error as one line: its suggestion, if it has one, or where to look. */
function oneLine(text: string): string {
  const message = text.replace(/^error: /, '').trim().replace(/\n\(Did you mean (.+)\?\)$/, ' (did you mean $1?)');
  const hint = message.endsWith('?)') ? '' : ` (see ${NAME} --help)`;
  return `${NAME}: ${message.replace(/\s*\n\s*/g, ' ')}${hint}\n`;
}

function buildProgram(io: Io, exit: (code: number) => void): Command {
  const program = new Command(NAME)
    .description('A standby go-import server for a vanity domain whose own server is down.')
    .version(packageJson.version, '-v, --version')
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (text, write) => { write(oneLine(text)); },
    })
    .hook('preAction', readBooleanEnv);

  addServeCommand(program);
  addCheckCommand(program, {
    ...io, stderrIsTty: () => io.stderrIsTty?.() === true, stderrColumns: () => io.stderrColumns?.() ?? 80, exit,
  });

  program.command('certs')
    .description('make a local CA and a server certificate for testing on this machine')
    .addOption(certsDirOption('--out <dir>', 'directory to write them to'))
    .addOption(new Option('--name <host...>', 'more DNS names (wildcards allowed) or IP addresses for the certificate')
      .argParser((text, previous: string[] | undefined) => [...(previous ?? []), parseCertName(text)]))
    .addOption(domainOption())
    .addOption(new Option('--force', 'replace existing files'))
    .action(async (opts: { out: string; name?: string[]; domain: string; force?: boolean }) => {
      const { makeCertificates } = await import('../certs/command.js');
      io.stdout(await makeCertificates({
        dir: opts.out, domain: opts.domain, extraNames: opts.name ?? [], force: opts.force === true,
      }));
    });

  return program;
}
