// The two ways a command can fail before it does its work, and their exit codes.

/** A problem with the environment the command met: a file, a port, a certificate. Exit 1. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  readonly exitCode = 1;
}

/** A problem with how the command was called. Exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

/** What an unknown thrown value says, for a one-line message. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A one-line description of a file-system error, without the stack or the syscall noise. */
export function describeFsError(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  switch (code) {
    case 'ENOENT': return 'no such file or directory';
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory, not a file';
    case 'EEXIST': return 'already exists';
    case 'EROFS': return 'read-only file system';
    case 'ENOTDIR': return 'a part of the path is not a directory';
    default: return messageOf(error);
  }
}
