// The command line: parses and validates every option (flags win over
// environment variables), then hands a typed configuration to a command.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { DEFAULT_CACHE_MAX_AGE, DEFAULT_DOMAIN, DEFAULT_MIRROR } from './config.js';
import { StartupError, UsageError } from './errors.js';
import { LOG_LEVELS, parseDomain, parseLogLevel, parseMirror, parsePort, parseSeconds, type LogLevel } from './options.js';
import type { CertificateSource } from './serve.js';

const NAME = 'modfallback';

/** Where a command writes: the real streams, or a test's. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Runs the command line; resolves to an exit code once the command has started or finished. */
export async function run(argv: readonly string[], io: Io = processIo): Promise<number | undefined> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return undefined;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UsageError || error instanceof StartupError) {
      io.stderr(`${NAME}: ${error.message}\n`);
      return error.exitCode;
    }
    // A bug: still one line, not a stack trace, and a non-zero exit.
    io.stderr(`${NAME}: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

function buildProgram(io: Io): Command {
  const program = new Command(NAME)
    .description('A standby go-import server for a vanity domain whose own server is down.')
    .version(packageVersion(), '-v, --version')
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (text, write) => {
        write(`${NAME}: ${text.replace(/^error: /, '').trimEnd()} (see ${NAME} --help)\n`);
      },
    });

  program.command('serve', { isDefault: true })
    .description('serve go-import tags for the domain, pointing at the mirror (the default command)')
    .addOption(new Option('--port <n>', 'TCP port to listen on').env('MODFALLBACK_PORT')
      .argParser(parsePort).default(443))
    .addOption(new Option('--host <address>', 'address to listen on (default: all interfaces)')
      .env('MODFALLBACK_HOST'))
    .addOption(new Option('--cert <file>', 'PEM certificate, or full chain, for the domain')
      .env('MODFALLBACK_CERT'))
    .addOption(new Option('--key <file>', 'PEM private key of the certificate').env('MODFALLBACK_KEY'))
    .addOption(new Option('--dev', 'use development certificates in ./certs, making them if missing')
      .env('MODFALLBACK_DEV'))
    .addOption(mirrorOption())
    .addOption(domainOption())
    .addOption(new Option('--cache-max-age <seconds>', 'how long clients and CDNs may cache an answer')
      .env('MODFALLBACK_CACHE_MAX_AGE').argParser(parseSeconds).default(DEFAULT_CACHE_MAX_AGE))
    .addOption(new Option('--log-level <level>', `one of ${LOG_LEVELS.join(', ')}`)
      .env('MODFALLBACK_LOG_LEVEL').argParser(parseLogLevel).default('info'))
    .action(async (opts: ServeFlags) => {
      const { serve } = await import('./serve.js');
      await serve({
        config: Object.freeze({ domain: opts.domain, mirror: opts.mirror, cacheMaxAge: opts.cacheMaxAge }),
        certificate: certificateSource(opts),
        port: opts.port,
        host: opts.host,
        logLevel: opts.logLevel,
      });
    });

  program.command('certs')
    .description('make a local CA and a server certificate for testing on this machine')
    .addOption(new Option('--out <dir>', 'directory to write them to').env('MODFALLBACK_CERTS_DIR')
      .default('certs'))
    .addOption(new Option('--name <host...>', 'more DNS names or IP addresses for the certificate'))
    .addOption(domainOption())
    .addOption(new Option('--force', 'replace existing files'))
    .action(async (opts: CertsFlags) => {
      const { makeCertificates } = await import('./certs-command.js');
      io.stdout(await makeCertificates({
        dir: opts.out, domain: opts.domain, extraNames: opts.name ?? [], force: opts.force === true,
      }));
    });

  return program;
}

interface ServeFlags {
  port: number;
  host?: string;
  cert?: string;
  key?: string;
  dev?: boolean;
  mirror: string;
  domain: string;
  cacheMaxAge: number;
  logLevel: LogLevel;
}

interface CertsFlags {
  out: string;
  name?: string[];
  domain: string;
  force?: boolean;
}

function certificateSource(opts: ServeFlags): CertificateSource {
  if (opts.dev === true) {
    if (opts.cert !== undefined || opts.key !== undefined) {
      throw new UsageError('--dev makes its own certificate; drop --cert and --key, or drop --dev');
    }
    return { kind: 'dev', dir: 'certs' };
  }
  if (opts.cert === undefined || opts.key === undefined) {
    throw new UsageError(opts.cert === undefined && opts.key === undefined
      ? '--cert and --key are required (or --dev, for development certificates made in ./certs)'
      : `${opts.cert === undefined ? '--cert' : '--key'} is required with ${opts.cert === undefined ? '--key' : '--cert'}`);
  }
  return { kind: 'files', files: { cert: opts.cert, key: opts.key } };
}

function domainOption(): Option {
  return new Option('--domain <name>', 'the vanity domain being stood in for').env('MODFALLBACK_DOMAIN')
    .argParser(parseDomain).default(DEFAULT_DOMAIN);
}

function mirrorOption(): Option {
  return new Option('--mirror <url>', 'module mirror the go command is sent to').env('MODFALLBACK_MIRROR')
    .argParser(parseMirror).default(DEFAULT_MIRROR);
}

function packageVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
