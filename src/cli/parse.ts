// The configuration parsers of src/core/parse.ts as commander takes them (an
// InvalidArgumentError names the option and the rule), and the command line's own.
import { isIP } from 'node:net';
import { InvalidArgumentError } from 'commander';
import * as core from '../core/parse.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Turns a core parser's InvalidValue into commander's own error, which names the option. */
function forCommander<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      if (error instanceof core.InvalidValue) throw new InvalidArgumentError(error.message);
      throw error;
    }
  };
}

export const parsePort = forCommander(core.parsePort);
export const parseSeconds = forCommander(core.parseSeconds);
export const parseSecondsAsMs = forCommander(core.parseSecondsAsMs);
export const parseDomain = forCommander(core.parseDomain);
export const parseBaseUrl = forCommander(core.parseBaseUrl);

export function wholeNumber(min: number, max: number): (text: string) => number {
  return forCommander(core.wholeNumber(min, max));
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
