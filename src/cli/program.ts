// The command line: parses and validates every option, then hands a typed
// configuration to a command. Usage errors exit 2, start-up problems 1, each
// with one line on stderr and never a stack trace.
import { Command, Option } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { addCheckCommand } from '../check/command.js';
import { domainOption } from './shared-options.js';
import { DEFAULT_CERTS_DIR } from '../certs/paths.js';
import { forUsers, processIo, runProgram, type Io } from './run-program.js';
import { addServeCommand } from './serve.js';

const NAME = 'modfallback';

/** Runs the command line; resolves to an exit code, or undefined while a server runs. */
export async function run(argv: readonly string[], io: Io = processIo): Promise<number | undefined> {
  let exitCode: number | undefined;
  const program = buildProgram(io, (code) => { exitCode = code; });
  return (await runProgram(program, argv, io)) ?? exitCode;
}

function buildProgram(io: Io, exit: (code: number) => void): Command {
  const program = forUsers(new Command(NAME), io)
    .description('A standby go-import server for a vanity domain whose own server is down.')
    .version(packageJson.version, '-v, --version');

  addServeCommand(program);
  addCheckCommand(program, { ...io, stderrIsTty: () => io.stderrIsTty?.() === true, exit });

  program.command('certs')
    .description('make a local CA and a server certificate for testing on this machine')
    .addOption(new Option('--out <dir>', 'directory to write them to').env('MODFALLBACK_CERTS_DIR').default(DEFAULT_CERTS_DIR))
    .addOption(new Option('--name <host...>', 'more DNS names or IP addresses for the certificate'))
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
