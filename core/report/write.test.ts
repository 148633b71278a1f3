import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConformanceError } from '../errors.js';
import { sampleRun } from '../../test/support/sample-run.js';
import { parseFormats } from './render.js';
import type { CertificationManifest } from './write.js';
import { defaultReportDir, writeReports } from './write.js';

describe('writeReports', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'margo-write-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes only the requested formats and no manifest outside certification', async () => {
    const out = await writeReports(await sampleRun(), join(dir, 'a', 'b'), ['json', 'md'], { failOn: 'fail', certification: false });
    expect(out.files.map((f) => f.slice(dir.length))).toEqual(['/a/b/report.json', '/a/b/summary.md']);
    expect(out.manifest).toBeUndefined();
    expect(out.outcome.exitCode).toBe(4);
  });

  it('writes a certification manifest with the SHA-256 of every report file', async () => {
    const out = await writeReports(await sampleRun(), join(dir, 'cert'), parseFormats('json,junit,html,md'), {
      failOn: 'fail',
      certification: true,
    });
    const manifest = JSON.parse(await readFile(out.manifest ?? '', 'utf8')) as CertificationManifest;
    expect(manifest.files.map((f) => f.file)).toEqual(['report.json', 'junit.xml', 'report.html', 'summary.md']);
    for (const f of manifest.files) {
      const bytes = await readFile(join(dir, 'cert', f.file));
      expect(f.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(f.bytes).toBe(bytes.length);
    }
    expect(manifest).toMatchObject({ manifestVersion: '1.0', profile: 'rfc9421-v1', conformant: false });
  });

  it('removes stale report files of formats not written this time, and nothing else', async () => {
    const target = join(dir, 'reused');
    await writeReports(await sampleRun(), target, parseFormats('json,junit,html,md'), { failOn: 'fail', certification: true });
    await writeFile(join(target, 'notes.txt'), 'mine');
    await writeFile(join(target, 'report.json.bak'), 'mine too');
    const out = await writeReports(await sampleRun(), target, ['md'], { failOn: 'fail', certification: false });
    expect(out.files.map((f) => f.slice(target.length))).toEqual(['/summary.md']);
    expect((await readdir(target)).sort()).toEqual(['notes.txt', 'report.json.bak', 'summary.md']);
  });

  it('throws REPORT_WRITE_FAILED when the directory cannot be created', async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    const err = await writeReports(await sampleRun(), join(file, 'sub'), ['json'], { failOn: 'fail', certification: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConformanceError);
    expect((err as ConformanceError).code).toBe('REPORT_WRITE_FAILED');
  });
});

describe('report options', () => {
  it('parses --format lists and rejects unknown formats with USAGE', () => {
    expect(parseFormats('html, JSON,html')).toEqual(['html', 'json']);
    expect(() => parseFormats('json,pdf')).toThrow(/unknown report format "pdf"/);
    expect(() => parseFormats(' , ')).toThrow(ConformanceError);
  });

  it('derives a file-name-safe default directory from the timestamp', () => {
    expect(defaultReportDir('/w', '2026-11-30T00:15:00.123Z')).toBe('/w/reports/2026-11-30T00-15-00Z');
  });
});
