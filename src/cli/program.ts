// The command line: parses and validates every option, then hands a typed
// configuration to a command. Usage errors exit 2, start-up problems 1, each
// with one line on stderr and never a stack trace.
import { Command, Option } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { addCheckCommand } from '../check/command.js';
import { readBooleanEnv } from './boolean-env.js';
import { certsDirOption, domainOption } from './shared-options.js';
import { parseCertName } from './parse.js';
import { forUsers, processIo, runProgram, type Io } from './run-program.js';
import { addServeCommand } from './serve.js';

const NAME = 'modfallback';

/** Runs the command line; resolves to an exit code, or undefined while a server runs. */
export async function run(argv: readonly string[], io: Io = processIo): Promise<number | undefined> {
  let exitCode: number | undefined;
  const program = buildProgram(io, (code) => { exitCode = code; });
  return (await runProgram(program, withDefaultCommand(argv), io)) ?? exitCode;
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

function buildProgram(io: Io, exit: (code: number) => void): Command {
  const program = forUsers(new Command(NAME), io)
    .description('A standby go-import server for a vanity domain whose own server is down.')
    .version(packageJson.version, '-v, --version')
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
