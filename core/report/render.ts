/**
 * @module Renders a run into every requested report format, after redaction. Pure: returns file names and
 * contents; `write.ts` puts them on disk.
 */
import type { RunResult } from '../check.js';
import { ConformanceError } from '../errors.js';
import type { GateOptions, ReportOutcome } from './gates.js';
import { outcomeOf } from './gates.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderJUnit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import type { RedactionOptions } from './redact.js';
import { redactRun } from './redact.js';

/** `--format` values. */
export type ReportFormat = 'json' | 'junit' | 'html' | 'md';

/** All formats, the default of `--format`. */
export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'junit', 'html', 'md'];

/** File name of each format inside the report directory. */
export const REPORT_FILE_NAMES: Readonly<Record<ReportFormat, string>> = {
  json: 'report.json',
  junit: 'junit.xml',
  html: 'report.html',
  md: 'summary.md',
};

/** Gate settings (recorded as the outcome) plus what to redact. */
export interface ReportOptions extends GateOptions {
  redaction?: RedactionOptions;
}

/** One rendered file. */
export interface RenderedReport {
  readonly format: ReportFormat;
  readonly fileName: string;
  readonly content: string;
}

/**
 * Parses `--format json,junit,html,md` (comma-separated, any order, duplicates ignored).
 * Throws ConformanceError `USAGE` for an empty list or an unknown format.
 */
export function parseFormats(list: string): ReportFormat[] {
  const names = list
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  if (names.length === 0) throw new ConformanceError('USAGE', `--format needs one or more of ${REPORT_FORMATS.join(',')}`);
  const out: ReportFormat[] = [];
  for (const name of names) {
    const format = REPORT_FORMATS.find((f) => f === name);
    if (format === undefined) {
      throw new ConformanceError('USAGE', `unknown report format "${name}"; expected one of ${REPORT_FORMATS.join(',')}`);
    }
    if (!out.includes(format)) out.push(format);
  }
  return out;
}

/**
 * Redacts the run, computes its outcome once, and renders each format.
 * Returns the files in the order of `formats`, the outcome they record and the redacted run.
 */
export function renderReports(
  run: RunResult,
  formats: readonly ReportFormat[],
  options: ReportOptions,
): { files: RenderedReport[]; outcome: ReportOutcome; redacted: RunResult } {
  const redacted = redactRun(run, options.redaction);
  const outcome = outcomeOf(redacted, options);
  const files = formats.map((format) => ({
    format,
    fileName: REPORT_FILE_NAMES[format],
    content: RENDERERS[format](redacted, outcome),
  }));
  return { files, outcome, redacted };
}

const RENDERERS: Readonly<Record<ReportFormat, (run: RunResult, outcome: ReportOutcome) => string>> = {
  json: renderJson,
  junit: renderJUnit,
  html: renderHtml,
  md: renderMarkdown,
};
