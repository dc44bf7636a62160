// Parsers for command-line and environment values: each either returns the
// validated value or throws an InvalidArgumentError naming the rule it broke.
import { isIP } from 'node:net';
import { InvalidArgumentError } from 'commander';
import { checkHost } from '../core/module-path.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const WHOLE_NUMBER = /^[0-9]+$/;
const ONE_YEAR = 365 * 24 * 60 * 60;

export function parsePort(text: string): number {
  const port = WHOLE_NUMBER.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new InvalidArgumentError('It must be a whole number from 0 to 65535 (0 picks a free port).');
  }
  return port;
}

export function parseSeconds(text: string): number {
  const seconds = WHOLE_NUMBER.test(text) ? Number(text) : NaN;
  if (!(seconds >= 0 && seconds <= ONE_YEAR)) {
    throw new InvalidArgumentError(`It must be a whole number of seconds from 0 to ${ONE_YEAR}.`);
  }
  return seconds;
}

/** Seconds, fractions allowed to the millisecond, as milliseconds. */
export function parseSecondsAsMs(text: string): number {
  const ms = /^[0-9]+(\.[0-9]{1,3})?$/.test(text) ? Math.round(Number(text) * 1000) : NaN;
  if (!(ms >= 1 && ms <= 3_600_000)) {
    throw new InvalidArgumentError('It must be a number of seconds from 0.001 to 3600, like 10 or 2.5.');
  }
  return ms;
}

/** A whole-number parser for a range, such as sizes and counts. */
export function wholeNumber(min: number, max: number): (text: string) => number {
  return (text) => {
    const n = WHOLE_NUMBER.test(text) ? Number(text) : NaN;
    if (!(n >= min && n <= max)) throw new InvalidArgumentError(`It must be a whole number from ${min} to ${max}.`);
    return n;
  };
}

export function parseDomain(text: string): string {
  const problem = checkHost(text);
  if (problem !== null) {
    throw new InvalidArgumentError(
      `It must be a host name that can start a module path, like example.com (the rule it breaks: ${problem}).`);
  }
  return text;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['', '0', 'false', 'no', 'off']);

/** An on/off environment value, in any case; empty is off. */
export function parseBoolean(text: string): boolean {
  const word = text.trim().toLowerCase();
  if (TRUE.has(word)) return true;
  if (FALSE.has(word)) return false;
  throw new InvalidArgumentError('It must be 1, true, yes or on, or 0, false, no, off or empty (any case).');
}

// A DNS label: letters, digits and inner hyphens, at most 63 characters.
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** A name a certificate can hold: a DNS name (its first label may be the wildcard *), or an IP address. */
export function parseCertName(text: string): string {
  if (isIP(text) !== 0) return text;
  const labels = text.split('.');
  const dnsName = text.length <= 253 && labels.every((label, i) => LABEL.test(label) || (i === 0 && label === '*' && labels.length > 1));
  if (!dnsName) {
    throw new InvalidArgumentError(
      'It must be a DNS name (letters, digits, hyphens and dots; *.example.com for a wildcard) or an IP address.');
  }
  return text;
}

/**
 * An http(s) base URL: scheme, host, optional base path, no trailing slash. The
 * mirror appears like this in every go-import tag; --primary and --fallback too.
 */
export function parseBaseUrl(text: string): string {
  const url = absoluteUrl(text, 'http or https URL, like https://example.com');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidArgumentError('It must be an https (or http) URL.');
  }
  if (url.search !== '' || text.includes('?')) throw new InvalidArgumentError('It must not have a query.');
  if (url.hash !== '' || text.includes('#')) throw new InvalidArgumentError('It must not have a fragment.');
  refuseCredentials(url, ': every answer would publish it');
  return url.origin + url.pathname.replace(/\/+$/, '');
}

function absoluteUrl(text: string, example: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new InvalidArgumentError(`It must be an absolute ${example}.`);
  }
}

function refuseCredentials(url: URL, why: string): void {
  if (url.username !== '' || url.password !== '') {
    throw new InvalidArgumentError(`It must not contain a user name or password${why}.`);
  }
}

export function parseLogLevel(text: string): LogLevel {
  const level = LOG_LEVELS.find((l) => l === text);
  if (level === undefined) throw new InvalidArgumentError(`It must be one of: ${LOG_LEVELS.join(', ')}.`);
  return level;
}

/** An ACME account contact: an email address, which the CA writes to about expiring certificates. */
export function parseEmail(text: string): string {
  if (!/^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>".]+$/.test(text)) {
    throw new InvalidArgumentError('It must be an email address, like ops@example.com.');
  }
  return text;
}

/** An ACME directory URL: https only (RFC 8555 section 6.1), no credentials. */
export function parseDirectoryUrl(text: string): string {
  const url = absoluteUrl(text, 'https URL, like https://acme-v02.api.letsencrypt.org/directory');
  if (url.protocol !== 'https:') throw new InvalidArgumentError('It must be an https URL: ACME runs over https only.');
  refuseCredentials(url, '');
  return url.href;
}

/** A listen address or host name: anything but empty, which would quietly mean every interface. */
export function parseHost(text: string): string {
  if (text === '') throw new InvalidArgumentError('It must be an address of this machine, like 127.0.0.1 or ::; leave it out for every interface.');
  return text;
}

/** A file or directory name: anything but empty. */
export function parsePath(text: string): string {
  if (text === '') throw new InvalidArgumentError('It must name a directory.');
  return text;
}
