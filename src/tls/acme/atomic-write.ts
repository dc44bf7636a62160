// Writes a file so that a reader, or the next start after a crash, sees either
// the old content or the new, never a part: write a temporary file beside it,
// flush it to disk, then rename it over the old one.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Writes text to file with the given mode (0o600 for anything holding a key). */
export async function writeFileAtomically(file: string, text: string, mode: number): Promise<void> {
  // Same directory, so that the rename never crosses file systems.
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    // 'wx': never follow or reuse something already there; the mode is set at creation.
    const handle = await open(temporary, 'wx', mode);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    // The temporary file may never have been made; the first error is the one to report.
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
