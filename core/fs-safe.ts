/**
 * @module Creating output folders safely. Node 20's `mkdir(path, { recursive: true })` never returns on procfs
 * (`/proc/nope`: the kernel answers ENOENT for a parent that exists, and Node retries the parent forever), so every
 * folder the tool writes into is created here, one segment at a time, with non-recursive `mkdir`.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConformanceError, type ErrorCode } from './errors.js';

/** Every folder from the file-system root down to `abs`, outermost first (`/a/b` → `/`, `/a`, `/a/b`). */
function ancestorsOf(abs: string): string[] {
  const chain: string[] = [abs];
  for (let dir = dirname(abs); dir !== chain[0]; dir = dirname(dir)) chain.unshift(dir);
  return chain;
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    // A path that cannot be stat'ed is not a usable directory; the caller reports the mkdir error itself.
    () => false,
  );
}

/**
 * Makes sure `path` (absolute, or relative to the working directory) is a directory, creating each missing segment
 * with a non-recursive `mkdir` (mode `mode`, default 0o777 before the umask). An existing directory anywhere on the
 * way is fine; an existing file in the way, or any other error, stops at once.
 * @returns when the directory exists
 * @throws ConformanceError `code` (default `REPORT_WRITE_FAILED`) naming the folder and the segment that failed,
 *   with the file-system error as `cause`
 */
export async function ensureDirectory(path: string, mode?: number, code: ErrorCode = 'REPORT_WRITE_FAILED'): Promise<void> {
  const target = resolve(path);
  if (await isDirectory(target)) return;
  for (const dir of ancestorsOf(target)) {
    try {
      await mkdir(dir, mode === undefined ? {} : { mode });
    } catch (err) {
      // EEXIST on a directory is the normal case for the existing ancestors; some file systems answer EACCES or
      // EROFS for an existing directory, so the question "is it a directory now?" decides, not the error code.
      if (await isDirectory(dir)) continue;
      // The cause (errno and syscall) is printed after the message by the CLI, so the message only says where.
      const why =
        (err as NodeJS.ErrnoException).code === 'EEXIST' ? `: ${dir} exists and is not a directory` : dir === target ? '' : `: cannot create ${dir}`;
      throw new ConformanceError(code, `cannot create directory ${target}${why}`, { cause: err, details: { path: target, segment: dir } });
    }
  }
}
