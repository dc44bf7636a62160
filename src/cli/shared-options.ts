// Options more than one command takes, defined once.
import { Option } from 'commander';
import { DEFAULT_CERTS_DIR } from '../certs/paths.js';
import { DEFAULT_DOMAIN, DEFAULT_MIRROR } from '../core/config.js';
import { parseBaseUrl, parseDomain } from './parse.js';

export function domainOption(): Option {
  return new Option('--domain <name>', 'the vanity domain being stood in for').env('MODFALLBACK_DOMAIN')
    .argParser(parseDomain).default(DEFAULT_DOMAIN);
}

export function mirrorOption(description: string): Option {
  return new Option('--mirror <url>', description).env('MODFALLBACK_MIRROR')
    .argParser(parseBaseUrl).default(DEFAULT_MIRROR);
}

/** Where development certificates live: certs --out, and serve --dev's --certs-dir. */
export function certsDirOption(flags: string, description: string): Option {
  return new Option(flags, description).env('MODFALLBACK_CERTS_DIR').default(DEFAULT_CERTS_DIR);
}
