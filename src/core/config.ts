// The validated, immutable settings that decide every answer the server gives.

/** What the pure core needs to answer a request. Built once, at start-up. */
export interface FallbackConfig {
  /** The vanity domain being stood in for; a valid first element of a module path. */
  readonly domain: string;
  /** The module mirror's base URL, http(s), no query, no trailing slash. */
  readonly mirror: string;
  /** Seconds a client or CDN may cache a go-import answer. */
  readonly cacheMaxAge: number;
  /** Longer request targets get 414. */
  readonly maxUrlLength: number;
}

export const DEFAULT_DOMAIN = 'dmitri.shuralyov.com';
export const DEFAULT_MIRROR = 'https://proxy.golang.org';
/**
 * Short on purpose: a CDN in front must not keep serving the fallback's answers
 * for long after the origin is back.
 */
export const DEFAULT_CACHE_MAX_AGE = 60;
/** Twice the longest module path the core accepts, plus room for a query. */
export const DEFAULT_MAX_URL_LENGTH = 2048;
