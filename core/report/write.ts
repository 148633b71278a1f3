/**
 * @module The only file-system code of `core/report/`: writes the rendered reports into a directory and, for a
 * certification run, a manifest with the SHA-256 of every report file.
 */
import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RunResult } from '../check.js';
import { ConformanceError } from '../errors.js';
import { ensureDirectory } from '../fs-safe.js';
import type { ReportOutcome } from './gates.js';
import type { ReportFormat, ReportOptions } from './render.js';
import { REPORT_FILE_NAMES, renderReports } from './render.js';

/** File name of the certification manifest inside the report directory. */
export const MANIFEST_FILE_NAME = 'certification-manifest.json';

/** One report file in the manifest: name relative to the report directory, SHA-256 hex, size in bytes. */
export interface ManifestEntry {
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** The certification manifest (`manifestVersion` 1.0). */
export interface CertificationManifest {
  readonly manifestVersion: '1.0';
  readonly tool: RunResult['tool'];
  readonly role: RunResult['role'];
  readonly profile: string;
  readonly specRevision: string;
  readonly target: string;
  readonly catalogueHash: string;
  readonly finishedAt: string;
  readonly conformant: boolean;
  readonly files: readonly ManifestEntry[];
}

/**
 * What {@link writeReports} wrote: absolute paths of the report files, the manifest path when written, the
 * outcome, and the redacted run (what the console summary should print).
 */
export interface WrittenReports {
  readonly files: readonly string[];
  readonly manifest?: string;
  readonly outcome: ReportOutcome;
  readonly redacted: RunResult;
}

/**
 * The default report directory: `<cwd>/reports/<timestamp>` with the ISO 8601 timestamp made file-name safe
 * (`2026-11-30T00-15-00Z`).
 */
export function defaultReportDir(cwd: string, finishedAtIso: string): string {
  const stamp = finishedAtIso.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  return resolve(cwd, 'reports', stamp);
}

/**
 * Redacts and renders `run` in each format and writes the files into `dir` (created if missing). With
 * `options.certification`, also writes {@link MANIFEST_FILE_NAME} listing the SHA-256 of every report file.
 * In an existing `dir`, report files of formats not written this time (and a manifest outside certification) are
 * removed first, so a reader never sees a previous run's report beside this run's; no other file is touched.
 * Throws ConformanceError `REPORT_WRITE_FAILED` (with `cause`) when the directory or a file cannot be written.
 */
export async function writeReports(
  run: RunResult,
  dir: string,
  formats: readonly ReportFormat[],
  options: ReportOptions,
): Promise<WrittenReports> {
  const { files, outcome, redacted } = renderReports(run, formats, options);
  const absDir = resolve(dir);
  await ensureDirectory(absDir);
  const written = new Set([...files.map((f) => f.fileName), ...(options.certification ? [MANIFEST_FILE_NAME] : [])]);
  await removeStaleReports(absDir, written);
  const paths: string[] = [];
  const entries: ManifestEntry[] = [];
  for (const f of files) {
    const path = join(absDir, f.fileName);
    const bytes = Buffer.from(f.content, 'utf8');
    await guarded(path, () => writeFile(path, bytes));
    paths.push(path);
    entries.push({ file: f.fileName, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
  }
  if (!options.certification) return { files: paths, outcome, redacted };
  const manifestPath = join(absDir, MANIFEST_FILE_NAME);
  const manifest = manifestOf(redacted, outcome, entries);
  await guarded(manifestPath, () => writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`));
  return { files: paths, manifest: manifestPath, outcome, redacted };
}

function manifestOf(run: RunResult, outcome: ReportOutcome, files: readonly ManifestEntry[]): CertificationManifest {
  return {
    manifestVersion: '1.0',
    tool: run.tool,
    role: run.role,
    profile: run.profile,
    specRevision: run.specRevision,
    target: run.target,
    catalogueHash: run.catalogueHash,
    finishedAt: run.finishedAt,
    conformant: outcome.conformant,
    files,
  };
}

/** Removes the report files this run does not write (only the names the tool itself writes; missing is fine). */
async function removeStaleReports(dir: string, written: ReadonlySet<string>): Promise<void> {
  const ours = [...Object.values(REPORT_FILE_NAMES), MANIFEST_FILE_NAME];
  for (const name of ours.filter((n) => !written.has(n))) {
    const path = join(dir, name);
    await guarded(path, () => rm(path, { force: true }));
  }
}

async function guarded(path: string, op: () => Promise<unknown>): Promise<void> {
  try {
    await op();
  } catch (err) {
    throw new ConformanceError('REPORT_WRITE_FAILED', `cannot write ${path}`, { cause: err, details: { path } });
  }
}
