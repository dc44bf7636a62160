// Paths in the module proxy protocol, as the go command writes them.

/**
 * Go's module.EscapePath and EscapeVersion, as module proxies expect them: each
 * upper-case letter becomes "!" and its lower case.
 */
export function escapeForProxy(pathOrVersion: string): string {
  return pathOrVersion.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}
