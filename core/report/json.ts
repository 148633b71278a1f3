/**
 * @module JSON report: the RunResult plus the gate outcome, validated by `schemas/report.schema.json`.
 * This is the source of truth; the other formats are views of it.
 */
import type { RunResult } from '../check.js';
import type { ReportOutcome } from './gates.js';

/** The JSON report document (reportVersion `1.0`). */
export interface JsonReport extends RunResult {
  readonly outcome: ReportOutcome;
}

/** Builds the JSON report document from a (redacted) run and its outcome. */
export function toJsonReport(run: RunResult, outcome: ReportOutcome): JsonReport {
  return { ...run, outcome };
}

/** The JSON report as text: two-space indented, trailing newline. */
export function renderJson(run: RunResult, outcome: ReportOutcome): string {
  return `${JSON.stringify(toJsonReport(run, outcome), null, 2)}\n`;
}
