import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConformanceError } from '../core/errors.js';
import { deviceCaPaths, ensureDeviceCa } from './device-ca.js';

const NOW = new Date('2026-11-30T00:00:00Z');

async function rejection(p: Promise<unknown>): Promise<ConformanceError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConformanceError);
  return err as ConformanceError;
}

describe('ensureDeviceCa', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'margo-device-ca-'));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('creates the pair once, then loads the same CA', async () => {
    const first = await ensureDeviceCa('pki', cwd, NOW);
    const again = await ensureDeviceCa('pki', cwd, NOW);
    expect(again.fingerprint256).toBe(first.fingerprint256);
    expect((await stat(deviceCaPaths('pki', cwd).key)).mode & 0o777).toBe(0o600);
  });

  it('refuses to regenerate when only the certificate is left, naming the missing key', async () => {
    await ensureDeviceCa('only-cert', cwd, NOW);
    const paths = deviceCaPaths('only-cert', cwd);
    const certBefore = await readFile(paths.cert, 'utf8');
    await rm(paths.key);
    const err = await rejection(ensureDeviceCa('only-cert', cwd, NOW));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain(`${paths.key} is missing`);
    expect(err.message).toContain('delete the folder');
    // The certificate a WFM may already trust is untouched and no key was written.
    expect(await readFile(paths.cert, 'utf8')).toBe(certBefore);
    await expect(stat(paths.key)).rejects.toThrow(/ENOENT/);
  });

  it('refuses to regenerate when only the key is left, naming the missing certificate', async () => {
    await ensureDeviceCa('only-key', cwd, NOW);
    const paths = deviceCaPaths('only-key', cwd);
    const keyBefore = await readFile(paths.key, 'utf8');
    await rm(paths.cert);
    const err = await rejection(ensureDeviceCa('only-key', cwd, NOW));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain(`${paths.cert} is missing`);
    expect(await readFile(paths.key, 'utf8')).toBe(keyBefore);
  });

  it('rejects an empty folder path instead of writing into the working directory', async () => {
    const err = await rejection(ensureDeviceCa('', cwd, NOW));
    expect(err.code).toBe('USAGE');
    expect(err.message).toContain('--device-ca-dir');
  });

  it('rejects a folder under procfs promptly', async () => {
    const err = await rejection(ensureDeviceCa('/proc/self/margo-nope', cwd, NOW));
    expect(err.code).toBe('REPORT_WRITE_FAILED');
  });
});
