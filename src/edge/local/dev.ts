// npm run edge: the Worker in local workerd, over HTTPS on 127.0.0.1 with the
// given certificate, in the foreground until SIGTERM or SIGINT, which stop
// workerd before this process exits. The Worker's log lines go to stdout.
import { Command, Option } from 'commander';
import { StartupError, UsageError, messageOf } from '../../cli/errors.js';
import { parseBaseUrl, parsePort, parseSeconds, parseSecondsAsMs } from '../../cli/parse.js';
import { forUsers, processIo, runProgram } from '../../cli/run-program.js';
import { domainOption, mirrorOption } from '../../cli/shared-options.js';
import { DEFAULT_CACHE_MAX_AGE } from '../../core/config.js';
import { loadCertificatePair } from '../../tls/certificate.js';
import { DEFAULT_ORIGIN_TIMEOUT_MS, VARIABLES } from '../settings.js';

const NAME = 'modfallback-edge';

interface EdgeFlags {
  port: number;
  cert: string;
  key: string;
  mirror: string;
  domain: string;
  cacheMaxAge: number;
  origin?: string;
  originTimeout?: number;
}

const program = forUsers(new Command(NAME), processIo)
  .description('run the modfallback Worker in local workerd, over HTTPS on 127.0.0.1')
  .addOption(new Option('--port <n>', 'TCP port for https (0 picks a free one)').argParser(parsePort).makeOptionMandatory())
  .addOption(new Option('--cert <file>', 'PEM certificate, or full chain').makeOptionMandatory())
  .addOption(new Option('--key <file>', 'PEM private key of the certificate').makeOptionMandatory())
  .addOption(mirrorOption('module mirror the go command is sent to'))
  .addOption(domainOption())
  .addOption(new Option('--cache-max-age <seconds>', 'how long clients and CDNs may cache an answer')
    .argParser(parseSeconds).default(DEFAULT_CACHE_MAX_AGE))
  .addOption(new Option('--origin <url>', 'the origin server to pass requests to (default: none, answer them all here)')
    .argParser(parseBaseUrl))
  .addOption(new Option('--origin-timeout <seconds>', `how long the origin has to answer (default: ${DEFAULT_ORIGIN_TIMEOUT_MS / 1000})`)
    .argParser(parseSecondsAsMs))
  .action(async (flags: EdgeFlags) => {
    if (flags.originTimeout !== undefined && flags.origin === undefined) {
      throw new UsageError('--origin-timeout needs --origin: without an origin nothing waits');
    }
    const pair = loadCertificatePair({ cert: flags.cert, key: flags.key });
    const vars: Record<string, string> = {
      [VARIABLES.domain]: flags.domain,
      [VARIABLES.mirror]: flags.mirror,
      [VARIABLES.cacheMaxAge]: String(flags.cacheMaxAge),
    };
    if (flags.origin !== undefined) vars[VARIABLES.origin] = flags.origin;
    if (flags.originTimeout !== undefined) vars[VARIABLES.originTimeout] = String(flags.originTimeout / 1000);

    // Loaded only here: a mistyped option is told without loading Miniflare and esbuild.
    const { startLocalWorker } = await import('./start.js');
    const worker = await startLocalWorker({
      cert: pair.certPem,
      key: pair.keyPem,
      port: flags.port,
      workers: [{ vars }],
      output: (line, stream) => { (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`); },
    }).catch((error: unknown) => {
      throw new StartupError(`workerd could not start on --port ${flags.port}: ${firstLine(messageOf(error))}`);
    });
    process.stdout.write(`${JSON.stringify({ msg: 'listening', url: worker.url, port: worker.port, ...vars })}\n`);
    process.stderr.write(`${NAME}: the Worker answers at ${worker.url} in local workerd; Ctrl-C stops it\n`);

    const signal = await new Promise<string>((resolve) => {
      for (const name of ['SIGTERM', 'SIGINT'] as const) {
        // Miniflare's own handlers kill workerd and exit at once with 128 plus the
        // signal; this one waits until workerd is gone and exits 0, as the server does.
        process.removeAllListeners(name);
        process.once(name, () => { resolve(name); });
      }
    });
    await worker.stop();
    process.stderr.write(`${NAME}: stopped on ${signal}\n`);
  });

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}

const exitCode = await runProgram(program, process.argv.slice(2), processIo);
process.exitCode = exitCode ?? 0;
