// The configuration parsers of src/core/parse.ts as commander takes them (an
// InvalidArgumentError names the option and the rule), and the log level.
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

export function parseLogLevel(text: string): LogLevel {
  const level = LOG_LEVELS.find((l) => l === text);
  if (level === undefined) throw new InvalidArgumentError(`It must be one of: ${LOG_LEVELS.join(', ')}.`);
  return level;
}
