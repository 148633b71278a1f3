/**
 * @module What every suite command does around a run: read the expected-failures baseline, print progress, then
 * apply the baseline, write the reports (JSON, JUnit, HTML, Markdown), print the summary and return the gate's
 * exit code. Shared by the `wfm` (root) and `client` commands so both write and print the same redacted reports.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Role, RunResult } from '../core/check.js';
import type { MargoConfig } from '../core/config.js';
import { ConformanceError } from '../core/errors.js';
import {
  applyBaseline,
  checkBaselineIds,
  defaultReportDir,
  formatProgress,
  formatSummary,
  parseBaseline,
  writeReports,
} from '../core/report/index.js';
import type { Baseline, ConsoleStyle } from '../core/report/index.js';
import type { RunProgressEvent } from '../core/runner.js';
import type { CliIo } from './io.js';

/**
 * Reads and checks the `expectedFailures` baseline of the config, when one is set. Returns undefined otherwise.
 * Throws ConformanceError CONFIG_FILE_UNREADABLE, or BASELINE_INVALID (entry without reason, unknown check id).
 */
export async function loadBaselineFor(config: MargoConfig, io: CliIo, role: Role, catalogueIds: readonly string[]): Promise<Baseline | undefined> {
  if (config.expectedFailures === undefined) return undefined;
  const path = resolve(io.cwd, config.expectedFailures);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConformanceError('CONFIG_FILE_UNREADABLE', `cannot read the expected-failures file ${config.expectedFailures}`, { cause: err });
  }
  const baseline = parseBaseline(text, config.expectedFailures);
  checkBaselineIds(baseline, role, catalogueIds);
  return baseline;
}

/** Moves the cursor one line up (ANSI CUU). */
const CURSOR_UP = '\x1b[1A';

/**
 * A progress callback printing one line per check (a redrawn line on a TTY), or undefined when progress is off.
 * `secretValues` (see {@link consoleSecretValues}) are scrubbed from every line, as they are from the reports.
 */
export function progressPrinter(io: CliIo, enabled: boolean, secretValues: readonly string[] = []): ((e: RunProgressEvent) => void) | undefined {
  if (!enabled) return undefined;
  const style: ConsoleStyle = { tty: io.isTty, color: io.isTty, secretValues };
  return (e) => {
    const text = formatProgress(e, style);
    if (text === undefined) return;
    // io.stdout ends every line; on a TTY the verdict line goes back up over the "running…" line it replaces.
    const line = text.replace(/\n$/, '');
    io.stdout(io.isTty && e.type === 'end' ? `${CURSOR_UP}${line}` : line);
  };
}

/** The literal secrets a run's console output and reports never show: `secrets.values` plus run-specific ones (admin tokens). */
export function consoleSecretValues(config: MargoConfig, extra: readonly string[] = []): string[] {
  return [...config.secrets.values, ...extra].filter((v) => v !== '');
}

/** What {@link finishRun} needs besides the run. */
export interface FinishRunOptions {
  readonly config: MargoConfig;
  readonly io: CliIo;
  readonly baseline?: Baseline;
  /** The default profile's full catalogue (a certification run must execute all of it). */
  readonly fullCatalogueIds: readonly string[];
  /** Run-specific secrets (an admin token) scrubbed besides `secrets.values`. */
  readonly secretValues?: readonly string[];
}

/**
 * Applies the baseline, writes the reports into `reports.dir` (default `./reports/<timestamp>/`), prints the
 * summary and returns the exit code of the gates (0, 1, 4 or 5).
 * Throws ConformanceError REPORT_WRITE_FAILED.
 * @see core/report/gates.ts
 */
export async function finishRun(run: RunResult, opts: FinishRunOptions): Promise<number> {
  const final = opts.baseline === undefined ? run : applyBaseline(run, opts.baseline);
  const dir = opts.config.reports.dir === undefined ? defaultReportDir(opts.io.cwd, final.finishedAt) : resolve(opts.io.cwd, opts.config.reports.dir);
  const secretValues = consoleSecretValues(opts.config, opts.secretValues);
  const written = await writeReports(final, dir, opts.config.reports.formats, {
    failOn: opts.config.failOn,
    certification: opts.config.certification,
    fullCatalogueIds: opts.fullCatalogueIds,
    redaction: { secretHeaders: opts.config.secrets.headers, secretValues },
  });
  const paths = written.manifest === undefined ? written.files : [...written.files, written.manifest];
  // The console prints the run the report files hold (`written.redacted`), with the same secrets scrubbed again
  // from every line it adds.
  const style: ConsoleStyle = { tty: opts.io.isTty, color: opts.io.isTty, secretValues };
  const summary = formatSummary(written.redacted, written.outcome, style, paths);
  for (const line of summary.replace(/\n$/, '').split('\n')) opts.io.stdout(line);
  return written.outcome.exitCode;
}
