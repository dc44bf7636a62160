// Where the check command learns about versions: the primary's go-import tag
// and the proxy or git repository it names, the mirror's list and .info files,
// and a fallback's go-import answer. Each failure is one line, in a CheckError.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { messageOf } from '../cli/errors.js';
import { matchGoImport, parseGoImports, type GoImport } from './go-import.js';
import { escapeForProxy } from './proxy-path.js';
import { FetchError, type HttpResult } from './http.js';
import { parseLsRemote, parseVersionList, versionsFromTags } from './versions.js';

/** A check that could not be made, with the reason in one line. */
export class CheckError extends Error {}

export type Get = (url: string, options?: { readonly discardBody?: boolean }) => Promise<HttpResult>;

const run = promisify(execFile);
const GIT_TIMEOUT_MS = 60_000;
const GONE = new Set([404, 410]);

/** The URL of a module's go-get page on a server standing for the domain. */
function goGetUrl(base: string, domain: string, modulePath: string): string {
  const path = modulePath.slice(domain.length);
  return `${base}${path === '' ? '/' : path}?go-get=1`;
}

/** The go-import tag the go command would use for the module, as served at base. */
export async function readGoImport(get: Get, base: string, domain: string, modulePath: string): Promise<GoImport> {
  const url = goGetUrl(base, domain, modulePath);
  const page = await fetchOrFail(get, url);
  // The go command reads tags from any answer; the status matters only when there are none.
  const match = matchGoImport(parseGoImports(page.body), modulePath);
  if (match.tag !== undefined) return match.tag;
  throw new CheckError(page.status === 200 ? `${url}: ${match.problem}` : `${url}: ${page.status}, ${match.problem}`);
}

/** The versions the primary offers, from the proxy or git repository its tag names. */
export async function primaryVersions(get: Get, tag: GoImport, modulePath: string): Promise<string[]> {
  if (tag.vcs === 'mod') {
    const url = `${tag.repoRoot}/${escapeForProxy(modulePath)}/@v/list`;
    const list = await fetchOrFail(get, url);
    if (list.status !== 200) throw new CheckError(`${url}: ${list.status}`);
    return parseVersionList(list.body);
  }
  if (tag.vcs === 'git') return gitVersions(tag, modulePath);
  throw new CheckError(`the primary serves ${modulePath} with ${tag.vcs}; check reads only mod and git`);
}

async function gitVersions(tag: GoImport, modulePath: string): Promise<string[]> {
  try {
    const { stdout } = await run('git', ['ls-remote', '--tags', '--refs', '--', tag.repoRoot], {
      timeout: GIT_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    });
    return versionsFromTags(parseLsRemote(stdout), modulePath, tag.prefix);
  } catch (error) {
    const stderr = typeof error === 'object' && error !== null && 'stderr' in error ? String(error.stderr) : '';
    const reason = stderr.trim().split('\n').at(-1) ?? '';
    throw new CheckError(`git ls-remote --tags ${tag.repoRoot}: ${reason === '' ? String(error) : reason}`);
  }
}

/** The mirror's list of versions; none when it does not know the module. */
export async function mirrorList(get: Get, mirror: string, modulePath: string): Promise<string[]> {
  const url = `${mirror}/${escapeForProxy(modulePath)}/@v/list`;
  const list = await fetchOrFail(get, url);
  if (GONE.has(list.status)) return [];
  if (list.status !== 200) throw new CheckError(`${url}: ${list.status}`);
  return parseVersionList(list.body);
}

/** Whether the mirror serves a version (its list may leave some out). */
export async function mirrorHas(get: Get, mirror: string, modulePath: string, version: string): Promise<boolean> {
  const url = `${versionBase(mirror, modulePath, version)}.info`;
  const info = await fetchOrFail(get, url);
  if (info.status === 200) return true;
  if (GONE.has(info.status)) return false;
  throw new CheckError(`${url}: ${info.status}`);
}

/**
 * Asks the mirror for everything the go command would download, which makes a
 * fetching mirror such as proxy.golang.org pull the version from the origin.
 */
export async function warmVersion(get: Get, mirror: string, modulePath: string, version: string): Promise<void> {
  // proxy.golang.org/cached-only never fetches from the origin: warm through
  // the proxy itself, whose cache cached-only then shows.
  const base = versionBase(mirror.replace(/\/cached-only$/, ''), modulePath, version);
  for (const suffix of ['.info', '.mod', '.zip']) {
    await fetchOrFail(get, base + suffix, suffix === '.zip');
  }
}

/** Why a fallback's answer for the module is wrong, or null when it is right. */
export async function fallbackProblem(
  get: Get, fallback: string, domain: string, mirror: string, modulePath: string,
): Promise<string | null> {
  let tag: GoImport;
  try {
    tag = await readGoImport(get, fallback, domain, modulePath);
  } catch (error) {
    return messageOf(error);
  }
  const expected = `${modulePath} mod ${mirror}`;
  const got = `${tag.prefix} ${tag.vcs} ${tag.repoRoot}`;
  return got === expected ? null : `answers "${got}", expected "${expected}"`;
}

function versionBase(mirror: string, modulePath: string, version: string): string {
  return `${mirror}/${escapeForProxy(modulePath)}/@v/${escapeForProxy(version)}`;
}

async function fetchOrFail(get: Get, url: string, discardBody = false): Promise<HttpResult> {
  try {
    return await get(url, { discardBody });
  } catch (error) {
    if (error instanceof FetchError) throw new CheckError(error.message);
    throw error;
  }
}
