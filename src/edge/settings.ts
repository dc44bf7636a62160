// The Worker's configuration, read once from its variables with the rules the
// command line applies to the same settings, into an immutable object or one
// line saying which variable is wrong and why.
import {
  DEFAULT_CACHE_MAX_AGE, DEFAULT_DOMAIN, DEFAULT_MAX_URL_LENGTH, DEFAULT_MIRROR, type FallbackConfig,
} from '../core/config.js';
import { quote } from '../core/module-path.js';
import { InvalidValue, parseBaseUrl, parseDomain, parseSeconds, parseSecondsAsMs } from '../core/parse.js';

/** Where requests that the fallback does not answer itself are passed. */
export type Origin =
  /** None: every request gets the fallback's contract, as from the Node server. */
  | { readonly kind: 'none' }
  /**
   * The request's own URL: on a Cloudflare route, the zone's origin server
   * (a Worker's subrequest to its own route skips the Worker).
   */
  | { readonly kind: 'zone' }
  /** An http(s) base URL; the request's path and query are appended. */
  | { readonly kind: 'url'; readonly base: string };

export interface EdgeSettings {
  readonly fallback: FallbackConfig;
  readonly origin: Origin;
  /** How long the origin has to answer before the Worker answers instead. */
  readonly originTimeoutMs: number;
}

export type SettingsResult =
  | { readonly ok: true; readonly settings: EdgeSettings }
  | { readonly ok: false; readonly problem: string };

/** The variables, named as the command line's environment variables for the same settings. */
export const VARIABLES = {
  domain: 'MODFALLBACK_DOMAIN',
  mirror: 'MODFALLBACK_MIRROR',
  cacheMaxAge: 'MODFALLBACK_CACHE_MAX_AGE',
  origin: 'MODFALLBACK_ORIGIN',
  originTimeout: 'MODFALLBACK_ORIGIN_TIMEOUT',
} as const;

/** Long enough for a slow page, short enough that a go command is not kept waiting. */
export const DEFAULT_ORIGIN_TIMEOUT_MS = 5000;
export const ZONE_ORIGIN = 'zone';

type Variables = Readonly<Record<string, unknown>>;

/** Reads and checks every variable; the first problem found is the answer. */
export function readSettings(env: Variables): SettingsResult {
  try {
    return { ok: true, settings: Object.freeze(settingsFrom(env)) };
  } catch (error) {
    if (error instanceof InvalidValue) return { ok: false, problem: error.message };
    throw error;
  }
}

function settingsFrom(env: Variables): EdgeSettings {
  const known: readonly string[] = Object.values(VARIABLES);
  // A misspelt MODFALLBACK_ORIGIN would silently answer every request itself.
  const unknown = Object.keys(env).find((name) => name.startsWith('MODFALLBACK_') && !known.includes(name));
  if (unknown !== undefined) {
    throw new InvalidValue(`${unknown} is not a variable this Worker reads; it reads ${known.join(', ')}.`);
  }
  const origin = readOrigin(env);
  const originTimeout = read(env, VARIABLES.originTimeout, parseSecondsAsMs);
  if (originTimeout !== undefined && origin.kind === 'none') {
    throw new InvalidValue(`${VARIABLES.originTimeout} needs ${VARIABLES.origin}: without an origin nothing waits.`);
  }
  return {
    fallback: Object.freeze({
      domain: read(env, VARIABLES.domain, parseDomain) ?? DEFAULT_DOMAIN,
      mirror: read(env, VARIABLES.mirror, parseBaseUrl) ?? DEFAULT_MIRROR,
      cacheMaxAge: read(env, VARIABLES.cacheMaxAge, parseSeconds) ?? DEFAULT_CACHE_MAX_AGE,
      maxUrlLength: DEFAULT_MAX_URL_LENGTH,
    }),
    origin,
    originTimeoutMs: originTimeout ?? DEFAULT_ORIGIN_TIMEOUT_MS,
  };
}

function readOrigin(env: Variables): Origin {
  const text = env[VARIABLES.origin];
  if (text === undefined || text === '') return { kind: 'none' };
  if (text === ZONE_ORIGIN) return { kind: 'zone' };
  // The origin's address is not repeated: it is often kept private behind the edge.
  return { kind: 'url', base: read(env, VARIABLES.origin, parseBaseUrl, { echo: false }) ?? '' };
}

/** A variable's text parsed, or undefined when it is not set. */
function read<T>(env: Variables, name: string, parse: (text: string) => T, { echo = true } = {}): T | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  // wrangler.toml writes numbers bare; they are read as the command line reads their digits.
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') throw new InvalidValue(`${name} must be text, not ${typeof value}.`);
  const shown = echo ? `${name} ${quote(text)}` : name;
  try {
    return parse(text);
  } catch (error) {
    if (error instanceof InvalidValue) throw new InvalidValue(`${shown}: ${error.message}`);
    throw error;
  }
}
