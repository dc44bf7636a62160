// Module path validation: the rules of golang.org/x/mod/module.CheckPath, so that
// this server emits a go-import tag only for paths the go command could ask for.

/** Why a path is not a module path, in the go command's own words. */
export type PathProblem = string;

/** Longer paths are refused outright; no real module path comes near it. */
export const MAX_MODULE_PATH_LENGTH = 1024;

// The part of an element before its first dot may not be one of these (any case).
const WINDOWS_RESERVED = new Set([
  'CON', 'PRN', 'AUX', 'NUL',
  'COM1', 'COM2', 'COM3', 'COM4', 'COM5', 'COM6', 'COM7', 'COM8', 'COM9',
  'LPT1', 'LPT2', 'LPT3', 'LPT4', 'LPT5', 'LPT6', 'LPT7', 'LPT8', 'LPT9',
]);

const ELEMENT_CHARS = /^[A-Za-z0-9._~-]*$/;
const HOST_CHARS = /^[a-z0-9.-]*$/;
const ONLY_DOTS = /^\.+$/;
const TILDE_DIGITS = /~[0-9]+$/;
// A final element made only of "v", digits and dots is a major version suffix.
const VERSION_LIKE = /^v[0-9.]+$/;
const GOOD_MAJOR = /^v(?:[2-9]|[1-9][0-9]+)$/;

/**
 * Checks a whole module path (host plus elements). Returns null when the go
 * command would accept it as a module path, or the reason it would not.
 */
export function checkModulePath(path: string): PathProblem | null {
  if (path === '') return 'empty string';
  if (path.length > MAX_MODULE_PATH_LENGTH) return `longer than ${MAX_MODULE_PATH_LENGTH} characters`;
  if (path.startsWith('-')) return 'leading dash';
  if (path.includes('//')) return 'double slash';
  if (path.startsWith('/')) return 'leading slash';
  if (path.endsWith('/')) return 'trailing slash';

  const elements = path.split('/');
  for (const element of elements) {
    const problem = checkElement(element);
    if (problem !== null) return problem;
  }

  const host = elements[0] ?? '';
  if (!host.includes('.')) return 'missing dot in first path element';
  if (!HOST_CHARS.test(host)) return 'an invalid char in the first path element (only a-z, 0-9, "." and "-")';

  const last = elements[elements.length - 1] ?? '';
  if (elements.length > 1 && VERSION_LIKE.test(last) && !GOOD_MAJOR.test(last)) {
    return `invalid major version suffix "/${last}" (must be /v2 or higher, no dots, no leading zero)`;
  }
  return null;
}

/** A path-element prefix: "a/b" is one of "a/b" and "a/b/c", not of "a/bc". */
export function hasPathPrefix(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** Checks the first element of a module path on its own, as --domain must pass. */
export function checkHost(host: string): PathProblem | null {
  if (host.includes('/')) return 'no slash in a host name';
  return checkModulePath(host);
}

function checkElement(element: string): PathProblem | null {
  if (element === '') return 'empty path element';
  if (ONLY_DOTS.test(element)) return `invalid path element ${quote(element)}`;
  if (element.startsWith('.')) return 'leading dot in path element';
  if (element.endsWith('.')) return 'trailing dot in path element';
  if (!ELEMENT_CHARS.test(element)) {
    const bad = /[^A-Za-z0-9._~-]/u.exec(element)?.[0] ?? '';
    return `invalid char ${quote(bad)} (only ASCII letters, digits and "-._~")`;
  }
  const short = element.split('.', 1)[0] ?? '';
  if (WINDOWS_RESERVED.has(short.toUpperCase())) {
    return `${quote(short)} disallowed as path element component on Windows`;
  }
  if (TILDE_DIGITS.test(short)) return 'trailing tilde and digits in path element';
  return null;
}

const UNSAFE = /[^\x20-\x7e]|[<>&']/gu;
const QUOTE_LIMIT = 80;

/**
 * Quotes text taken from a request for an error message: printable ASCII only,
 * markup characters escaped, long input cut, so that nothing a client sent can
 * reach a terminal or a browser as control characters or HTML.
 */
export function quote(text: string): string {
  const cut = text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}...` : text;
  return JSON.stringify(cut).replace(UNSAFE, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
