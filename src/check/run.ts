// The check command's work: for each module, the versions at the primary, those
// in the mirror, what is missing, warming it when asked, and the fallback's answer.
import pLimit from 'p-limit';
import { messageOf } from '../cli/errors.js';
import { httpClient, type HttpOptions } from './http.js';
import {
  CheckError, fallbackProblem, mirrorHas, mirrorList, primaryVersions, readGoImport, warmVersion, type Get,
} from './sources.js';
import { sortVersions } from './versions.js';

export interface CheckOptions {
  readonly modules: readonly string[];
  readonly domain: string;
  readonly primary: string;
  readonly mirror: string;
  readonly fallback: string | undefined;
  readonly warm: boolean;
  /** Requests in flight at once, over all modules. */
  readonly concurrency: number;
  readonly http: HttpOptions;
  /** Told at each step of each module, and at each retry. */
  readonly onProgress?: (progress: Progress) => void;
}

export interface Progress {
  /** Modules finished, of total. */
  readonly done: number;
  readonly total: number;
  readonly module: string;
  /** What is being done for the module, in a few words. */
  readonly step: string;
}

/** Says what is being done for a module. */
type Step = (step: string) => void;

export interface ModuleReport {
  readonly path: string;
  /** The go-import tag the primary serves: how its versions were listed. */
  readonly source: { readonly vcs: string; readonly url: string } | null;
  readonly primary: readonly string[];
  readonly mirror: readonly string[];
  /** At the primary, not in the mirror (after warming, when asked). */
  readonly missing: readonly string[];
  /** Missing before warming, present after. */
  readonly warmed: readonly string[];
  /** Why warming a version failed, a line each. */
  readonly warmFailures: readonly string[];
  /** "ok", or what is wrong with the fallback's answer; null when not asked. */
  readonly fallback: string | null;
  /** Why the module could not be checked; null when it was. */
  readonly error: string | null;
}

export interface Report {
  readonly primary: string;
  readonly mirror: string;
  readonly fallback: string | null;
  readonly modules: readonly ModuleReport[];
  /** Every module checked, nothing missing, the fallback right: exit 0. */
  readonly ready: boolean;
}

export async function check(options: CheckOptions): Promise<Report> {
  const limit = pLimit(options.concurrency);
  const client = httpClient(options.http);
  const total = options.modules.length;
  let done = 0;
  const modules = await Promise.all(options.modules.map(async (path) => {
    let current = '';
    const tell = (step: string): void => { options.onProgress?.({ done, total, module: path, step }); };
    const step: Step = (text) => { current = text; tell(text); };
    const get: Get = (url, extra) => limit(() => client.get(url, {
      ...extra, onRetry: (reason, next, tries) => { tell(`${current}: ${reason}, try ${next} of ${tries}`); },
    }));
    const report = await checkModule(get, options, path, step);
    done++;
    step('done');
    return report;
  })).finally(() => client.close());
  const ready = modules.every((m) => m.error === null && m.missing.length === 0 && (m.fallback ?? 'ok') === 'ok');
  return { primary: options.primary, mirror: options.mirror, fallback: options.fallback ?? null, modules, ready };
}

async function checkModule(get: Get, options: CheckOptions, path: string, step: Step): Promise<ModuleReport> {
  if (options.fallback !== undefined) step('asking the fallback for its go-import tag');
  const fallback = options.fallback === undefined ? null
    : await fallbackProblem(get, options.fallback, options.domain, options.mirror, path) ?? 'ok';
  const empty = { path, source: null, primary: [], mirror: [], missing: [], warmed: [], warmFailures: [], fallback };
  try {
    step('asking the primary for its go-import tag');
    const tag = await readGoImport(get, options.primary, options.domain, path).catch((error: unknown) => {
      throw error instanceof CheckError ? new CheckError(`primary: ${error.message}`) : error;
    });
    const source = { vcs: tag.vcs, url: tag.repoRoot };
    step(tag.vcs === 'git' ? `listing tags with git ls-remote ${tag.repoRoot}` : `listing versions at ${tag.repoRoot}`);
    const primary = await primaryVersions(get, tag, path);
    let { inMirror, missing } = await compare(get, options.mirror, path, primary, step);
    let warmed: string[] = [];
    const warmFailures: string[] = [];
    if (options.warm && missing.length > 0) {
      step(`warming ${versions(missing.length)} in the mirror`);
      await Promise.all(missing.map((v) => warmVersion(get, options.mirror, path, v).catch((error: unknown) => {
        // Not fatal: the check that follows says whether the version arrived.
        warmFailures.push(`${v}: ${messageOf(error)}`);
      })));
      const before = missing;
      ({ inMirror, missing } = await compare(get, options.mirror, path, primary, step));
      warmed = before.filter((v) => !missing.includes(v));
    }
    return { ...empty, source, primary, mirror: inMirror, missing, warmed, warmFailures, error: null };
  } catch (error) {
    if (!(error instanceof CheckError)) throw error;
    return { ...empty, error: error.message };
  }
}

/** The mirror's versions, and which of the primary's it lacks (probing .info for those its list leaves out). */
async function compare(
  get: Get, mirror: string, path: string, primary: readonly string[], step: Step,
): Promise<{ inMirror: string[]; missing: string[] }> {
  step("listing the mirror's versions");
  const listed = new Set(await mirrorList(get, mirror, path));
  const unlisted = primary.filter((v) => !listed.has(v));
  if (unlisted.length > 0) step(`asking the mirror for ${versions(unlisted.length)} its list leaves out`);
  const present = await Promise.all(unlisted.map((v) => mirrorHas(get, mirror, path, v)));
  const missing = unlisted.filter((_, i) => present[i] !== true);
  return { inMirror: sortVersions([...listed, ...unlisted.filter((_, i) => present[i] === true)]), missing };
}

const versions = (n: number): string => `${n} version${n === 1 ? '' : 's'}`;
