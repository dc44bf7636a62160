// Runs a CommonJS file through a V8 code cache kept beside it, so that a
// start does not compile again what the last one compiled. Most of what
// separates a cold start from a bare node:https server's is V8 compiling the
// functions of commander, pino and this program the first time they run.
//
// Why not Node's own caches: Node 20 has none, and those of Node 22 and later
// (module.enableCompileCache, v8-compile-cache) are made as soon as a file is
// compiled, when V8 has compiled only its top level. A cache taken with
// script.createCachedData() after the program has run holds every function it
// ran (the vm documentation's `add()` example). That needs a vm.Script, which
// needs a script, not an ES module: hence the CommonJS bundle.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** What became of the cache on this load. */
export type CacheUse =
  | 'used'      // V8 took it: nothing compiled twice
  | 'absent'    // there was none: the first run, or a cache that could not be written
  | 'rejected'; // V8 refused it: another Node version or V8 flags, or a damaged file

export interface CachedScript {
  /** What the file set module.exports to. */
  readonly exports: unknown;
  readonly cache: CacheUse;
  /**
   * Writes what V8 has compiled of the file so far, atomically; false when it
   * cannot (a read-only install): the next start compiles as if there were no cache.
   */
  readonly saveCache: () => boolean;
}

/**
 * Loads a CommonJS file as require() would (its own require, module, exports,
 * __filename and __dirname), compiled with the code cache in cacheFile if V8
 * accepts it.
 */
export function loadCachedScript(file: string, cacheFile: string): CachedScript {
  const source = readFileSync(file, 'utf8');
  const cachedData = readIfPresent(cacheFile);
  // On one line with the source, so that line numbers in stack traces stay true.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));

  return {
    exports: module.exports,
    cache: cachedData === undefined ? 'absent' : script.cachedDataRejected === true ? 'rejected' : 'used',
    saveCache: () => writeAtomically(cacheFile, () => script.createCachedData()),
  };
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined; // absent or unreadable: compiled from source, as without a cache
  }
}

/** A rename, so that a start reading the cache never sees half a file, even with two writers. */
function writeAtomically(file: string, contents: () => Buffer): boolean {
  const partial = `${file}.${process.pid}.partial`;
  try {
    writeFileSync(partial, contents());
    renameSync(partial, file);
    return true;
  } catch {
    removeIfThere(partial);
    return false;
  }
}

function removeIfThere(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // Not there, or nowhere it could have been written: nothing left behind.
  }
}
