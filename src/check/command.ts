// The check command's options: which modules, where the primary, the mirror and
// the fallback are, and how hard to try. Its work is loaded only when it runs.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { domainOption, mirrorOption } from '../cli/shared-options.js';
import { UsageError, describeFsError } from '../cli/errors.js';
import { checkModulePath, hasPathPrefix, quote } from '../core/module-path.js';
import { parseBaseUrl, parseSecondsAsMs, wholeNumber } from '../cli/parse.js';
import type { Progress } from './run.js';

interface CheckFlags {
  modules?: string;
  domain: string;
  primary?: string;
  mirror: string;
  fallback?: string;
  warm?: boolean;
  json?: boolean;
  concurrency: number;
  timeout: number;
  retries: number;
  backoff: number;
  maxBackoff: number;
}

export interface CheckIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal, where progress is shown; asked only when a check runs. */
  readonly stderrIsTty: () => boolean;
  /** The terminal's width, which a progress line must not pass. */
  readonly stderrColumns: () => number;
  readonly exit: (code: number) => void;
}

export function addCheckCommand(program: Command, io: CheckIo): void {
  program.command('check')
    .description('before an outage: which versions could the fallback not serve? (exit 1 if any)')
    .argument('[module...]', 'module paths, like dmitri.shuralyov.com/gpu/mtl')
    .addOption(new Option('--modules <file>', 'read module paths from a file, one a line, # comments allowed'))
    .addOption(domainOption())
    .addOption(new Option('--primary <url>', 'the origin site (default: https://<domain>)').argParser(parseBaseUrl))
    .addOption(mirrorOption('module mirror the fallback sends the go command to'))
    .addOption(new Option('--fallback <url>', 'also check that a running fallback answers right').argParser(parseBaseUrl))
    .addOption(new Option('--warm', 'ask the mirror for each missing version, so that it fetches it, then check again'))
    .addOption(new Option('--json', 'print one JSON document instead of the table'))
    .addOption(new Option('--concurrency <n>', 'requests in flight at once').argParser(wholeNumber(1, 64)).default(8))
    .addOption(new Option('--timeout <seconds>', 'per try of a request, connecting and TLS included').argParser(parseSecondsAsMs).default(30_000, '30'))
    .addOption(new Option('--retries <n>', 'tries after the first, for timeouts, resets, 429 and 5xx').argParser(wholeNumber(0, 10)).default(3))
    .addOption(new Option('--backoff <seconds>', 'wait before the first retry; it doubles, with jitter').argParser(parseSecondsAsMs).default(500, '0.5'))
    .addOption(new Option('--max-backoff <seconds>', 'longest wait between tries').argParser(parseSecondsAsMs).default(10_000, '10'))
    .action(async (args: string[], flags: CheckFlags) => {
      const modules = [...args, ...(flags.modules === undefined ? [] : readModulesFile(flags.modules))];
      if (modules.length === 0) throw new UsageError('no modules to check: name them, or give --modules <file>');
      for (const path of modules) checkModuleArgument(path, flags.domain, 'module');
      if (flags.backoff > flags.maxBackoff) throw new UsageError('--backoff must not be longer than --max-backoff');

      const { check } = await import('./run.js');
      const { renderJson, renderText } = await import('./report.js');
      const progress = flags.json !== true && io.stderrIsTty();
      const report = await check({
        modules: [...new Set(modules)],
        domain: flags.domain,
        primary: flags.primary ?? `https://${flags.domain}`,
        mirror: flags.mirror,
        fallback: flags.fallback,
        warm: flags.warm === true,
        concurrency: flags.concurrency,
        http: { timeoutMs: flags.timeout, retries: flags.retries, backoffMs: flags.backoff, maxBackoffMs: flags.maxBackoff },
        ...(progress ? { onProgress: (p: Progress) => { io.stderr(progressLine(p, io.stderrColumns())); } } : {}),
      });
      if (progress) io.stderr('\r\x1b[K');
      io.stdout(flags.json === true ? renderJson(report) : renderText(report));
      io.exit(report.ready ? 0 : 1);
    });
}

/** One line that replaces the last: modules done, and what is being done for one of them. */
function progressLine({ done, total, module, step }: Progress, columns: number): string {
  const line = `[${done}/${total} done] ${module}: ${step}`;
  // A line longer than the terminal would wrap, and the next one could not replace it.
  // A terminal that does not say its width (0) is taken as 80 wide.
  const width = columns > 0 ? columns : 80;
  return `\r\x1b[K${line.length < width ? line : `${line.slice(0, Math.max(width - 4, 0))}...`}`;
}

/** Module paths from a file: one a line, blank lines and # comments ignored. */
function readModulesFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--modules ${file}: cannot read: ${describeFsError(error)}`);
  }
  const modules: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    checkModuleArgument(line, undefined, `--modules ${file}:${i + 1}:`);
    modules.push(line);
  });
  return modules;
}

function checkModuleArgument(path: string, domain: string | undefined, where: string): void {
  const problem = checkModulePath(path);
  if (problem !== null) throw new UsageError(`${where} ${quote(path)} is not a module path: ${problem}`);
  if (domain !== undefined && !hasPathPrefix(path, domain)) {
    throw new UsageError(`${where} ${quote(path)} is not under --domain ${domain}`);
  }
}
