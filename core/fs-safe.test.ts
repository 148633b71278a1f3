import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConformanceError } from './errors.js';
import { ensureDirectory } from './fs-safe.js';

describe('ensureDirectory', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'margo-fs-safe-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates every missing segment and accepts an existing directory', async () => {
    const deep = join(dir, 'a', 'b', 'c');
    await ensureDirectory(deep, 0o700);
    expect((await stat(deep)).isDirectory()).toBe(true);
    expect((await stat(deep)).mode & 0o777).toBe(0o700);
    await expect(ensureDirectory(deep)).resolves.toBeUndefined();
  });

  it('rejects a folder under procfs instead of spinning (Node 20 recursive mkdir never returns there)', async () => {
    const err = await ensureDirectory('/proc/margo-nope/reports').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConformanceError);
    expect((err as ConformanceError).code).toBe('REPORT_WRITE_FAILED');
    expect((err as ConformanceError).message).toContain('/proc/margo-nope/reports');
  });

  it('rejects a file in the way, naming it, with the code the caller asks for', async () => {
    const file = join(dir, 'plain-file');
    await writeFile(file, 'x');
    const err = await ensureDirectory(join(file, 'sub'), undefined, 'CONFIG_INVALID').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConformanceError);
    expect((err as ConformanceError).code).toBe('CONFIG_INVALID');
    expect((err as ConformanceError).message).toContain(`${file} exists and is not a directory`);
  });

  it('rejects when the path itself is a file', async () => {
    const file = join(dir, 'another-file');
    await writeFile(file, 'x');
    await expect(ensureDirectory(file)).rejects.toThrow('is not a directory');
  });
});
