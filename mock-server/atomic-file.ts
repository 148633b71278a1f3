/**
 * @module Crash-safe state files for `--data-dir`.
 *
 * A state file is replaced, never edited: write a temp file beside it, fsync it, rename it over the old one, fsync
 * the folder. After a kill -9 at any point the file is either the old or the new snapshot, never a torn mix
 * (POSIX rename(2) is atomic within one file system). Writes are serialised and coalesced: callers that ask for a
 * save while one is running share the next one, whose snapshot is taken when it starts, so it includes their
 * changes.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConformanceError } from '../core/errors.js';

/**
 * Writes `data` to `file` atomically and durably: temp file + fsync + rename + fsync of the folder.
 * Resolves once the new content is on stable storage.
 *
 * @throws ConformanceError `INTERNAL` (with the fs error as `cause`) when any step fails; the temp file is removed
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  } catch (err) {
    await rm(temp, { force: true });
    throw new ConformanceError('INTERNAL', `could not write ${file} atomically`, { cause: err });
  }
}

/** Saves snapshots of in-memory state to one file; see the module comment for the ordering guarantee. */
export interface SnapshotWriter {
  /** Resolves when a snapshot taken after this call is durable. Rejects with the write error. */
  save(): Promise<void>;
  /** Resolves when every requested save has finished (successfully or not). */
  idle(): Promise<void>;
}

/**
 * Creates a {@link SnapshotWriter} that writes `snapshot()` to `file` with {@link writeFileAtomic}.
 * `snapshot` is called when a write starts, not when `save()` is called.
 */
export function createSnapshotWriter(file: string, snapshot: () => string): SnapshotWriter {
  let tail: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  return {
    save(): Promise<void> {
      if (queued !== undefined) return queued;
      const next = tail.then(async () => {
        queued = undefined;
        await writeFileAtomic(file, snapshot());
      });
      queued = next;
      // The chain must go on after a failed write; the failure itself reaches every caller through `next`.
      tail = next.then(
        () => undefined,
        () => undefined,
      );
      return next;
    },
    idle(): Promise<void> {
      return tail;
    },
  };
}
