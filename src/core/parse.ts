// Parsers for configuration values, the same rules for every shell (command-line
// options, Worker variables): each returns the validated value or throws an
// InvalidValue saying the rule it broke.
import { checkHost } from './module-path.js';

/** A configuration value that breaks its rule; the message states the rule. */
export class InvalidValue extends Error {
  override readonly name = 'InvalidValue';
}

const WHOLE_NUMBER = /^[0-9]+$/;
const ONE_YEAR = 365 * 24 * 60 * 60;

export function parsePort(text: string): number {
  const port = WHOLE_NUMBER.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new InvalidValue('It must be a whole number from 0 to 65535 (0 picks a free port).');
  }
  return port;
}

export function parseSeconds(text: string): number {
  const seconds = WHOLE_NUMBER.test(text) ? Number(text) : NaN;
  if (!(seconds >= 0 && seconds <= ONE_YEAR)) {
    throw new InvalidValue(`It must be a whole number of seconds from 0 to ${ONE_YEAR}.`);
  }
  return seconds;
}

/** Seconds, fractions allowed to the millisecond, as milliseconds. */
export function parseSecondsAsMs(text: string): number {
  const ms = /^[0-9]+(\.[0-9]{1,3})?$/.test(text) ? Math.round(Number(text) * 1000) : NaN;
  if (!(ms >= 1 && ms <= 3_600_000)) {
    throw new InvalidValue('It must be a number of seconds from 0.001 to 3600, like 10 or 2.5.');
  }
  return ms;
}

/** A whole-number parser for a range, such as sizes and counts. */
export function wholeNumber(min: number, max: number): (text: string) => number {
  return (text) => {
    const n = WHOLE_NUMBER.test(text) ? Number(text) : NaN;
    if (!(n >= min && n <= max)) throw new InvalidValue(`It must be a whole number from ${min} to ${max}.`);
    return n;
  };
}

export function parseDomain(text: string): string {
  const problem = checkHost(text);
  if (problem !== null) {
    throw new InvalidValue(
      `It must be a host name that can start a module path, like example.com (the rule it breaks: ${problem}).`);
  }
  return text;
}

/**
 * An http(s) base URL: scheme, host, optional base path, no trailing slash. The
 * mirror appears like this in every go-import tag; --primary and --fallback too.
 */
export function parseBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidValue('It must be an absolute http or https URL, like https://example.com.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidValue('It must be an https (or http) URL.');
  }
  if (url.search !== '' || text.includes('?')) throw new InvalidValue('It must not have a query.');
  if (url.hash !== '' || text.includes('#')) throw new InvalidValue('It must not have a fragment.');
  if (url.username !== '' || url.password !== '') {
    throw new InvalidValue('It must not contain a user name or password: every answer would publish it.');
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}
