// Pure version arithmetic for the check command: reading version lists and
// git tags the way the go command does, and what the mirror lacks.
import semver from 'semver';

// Go's semver: a "v", three numbers, an optional pre-release; build metadata is
// not a module version.
const MODULE_VERSION = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
const MAJOR_SUFFIX = /\/v([2-9]|[1-9][0-9]+)$/;

function isModuleVersion(text: string): boolean {
  return MODULE_VERSION.test(text);
}

/** Sorted, without repeats, by semantic version. */
export function sortVersions(versions: Iterable<string>): string[] {
  return [...new Set(versions)].sort((a, b) => semver.compare(a, b));
}

/** A module proxy's @v/list: one version a line; anything else is ignored, as the go command does. */
export function parseVersionList(text: string): string[] {
  return sortVersions(text.split('\n').map((line) => line.trim().split(/\s+/)[0] ?? '').filter(isModuleVersion));
}

/**
 * The versions of a module that a repository's tags make, as the go command
 * reads them: a module at the repository root uses tags "vX.Y.Z"; a module in a
 * subdirectory uses "sub/dir/vX.Y.Z"; a /vN module only takes vN tags, and a
 * module without a suffix only v0 and v1 (v2 and later need the suffix).
 */
export function versionsFromTags(tags: readonly string[], modulePath: string, repoPrefix: string): string[] {
  const major = MAJOR_SUFFIX.exec(modulePath)?.[1];
  const base = major === undefined ? modulePath : modulePath.slice(0, -`/v${major}`.length);
  // The module's directory in the repository, without the major-version suffix
  // (cmd/go's codeDir); a prefix naming the whole /vN path is the root too.
  const dir = modulePath === repoPrefix || base === repoPrefix ? ''
    : base.startsWith(`${repoPrefix}/`) ? base.slice(repoPrefix.length + 1) : null;
  if (dir === null) return [];
  const tagPrefix = dir === '' ? '' : `${dir}/`;
  const versions = tags
    .filter((tag) => tag.startsWith(tagPrefix))
    .map((tag) => tag.slice(tagPrefix.length))
    .filter(isModuleVersion)
    .filter((v) => {
      const m = semver.major(v);
      return major === undefined ? m <= 1 : m === Number(major);
    });
  return sortVersions(versions);
}

/** The tag names in `git ls-remote --tags --refs` output. */
export function parseLsRemote(output: string): string[] {
  return output.split('\n')
    .map((line) => /^[0-9a-f]+\s+refs\/tags\/(.+)$/.exec(line.trim())?.[1])
    .filter((tag): tag is string => tag !== undefined);
}
