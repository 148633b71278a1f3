/**
 * @module Gates: turn a finished run into a conformance exit code (0, 1, 4 or 5) with the reasons.
 *
 * Codes 2 (usage/config) and 3 (target unreachable) are decided by the CLI before or around the run.
 * Precedence: 5 nothing executed → 4 harness error → 1 conformance failure → 0 conformant.
 * @see STYLE.md §3 (verdict statuses and exit codes)
 */
import type { CheckResult, RunResult } from '../check.js';
import { wasExecuted } from '../runner.js';
import { STALE_BASELINE_PREFIX } from './baseline.js';

/** `--fail-on`: which verdicts fail the run; `warn` also fails on unmet SHOULD clauses. */
export type FailOn = 'fail' | 'warn';

/** Gate settings; `fullCatalogueIds` are the default profile's check ids a certification run must execute. */
export interface GateOptions {
  failOn: FailOn;
  certification: boolean;
  fullCatalogueIds?: readonly string[];
}

/** The gate decision: exit code and one line per reason (empty when conformant). */
export interface GateResult {
  code: 0 | 1 | 4 | 5;
  reasons: string[];
}

/**
 * Decides the exit code of a run:
 * - 5 when no check executed (zero executed is never 0);
 * - 4 when any check ended `error`;
 * - 1 for any `fail` not covered by the baseline, any `inconclusive`, any uncovered `warn` with failOn `warn`,
 *   stale baseline entries, and in certification mode any `skip`, any expected failure and any catalogue id
 *   that did not execute;
 * - 0 otherwise.
 */
export function computeExitCode(run: RunResult, opts: GateOptions): GateResult {
  const executed = run.results.filter(wasExecuted);
  if (executed.length === 0) {
    return { code: 5, reasons: [`no check executed (${run.results.length} in the run, none reached its run step)`] };
  }
  const errors = run.results.filter((r) => r.status === 'error');
  const failures = conformanceFailures(run, opts);
  const reasons = [...errors.map((r) => `${r.id}: error ${r.errorCode ?? 'INTERNAL'}: ${r.message}`), ...failures];
  if (errors.length > 0) return { code: 4, reasons };
  if (failures.length > 0) return { code: 1, reasons };
  return { code: 0, reasons: [] };
}

function conformanceFailures(run: RunResult, opts: GateOptions): string[] {
  const covered = (r: CheckResult): boolean => r.expectedFailure !== undefined;
  const reasons: string[] = [];
  for (const r of run.results) {
    if (r.status === 'fail' && !covered(r)) reasons.push(`${r.id}: fail (${r.level}): ${r.message}`);
    if (r.status === 'inconclusive') reasons.push(`${r.id}: inconclusive: ${r.message}`);
    if (r.status === 'warn' && opts.failOn === 'warn' && !covered(r)) reasons.push(`${r.id}: warn (--fail-on warn): ${r.message}`);
  }
  reasons.push(...staleEntries(run));
  if (opts.certification) reasons.push(...certificationViolations(run, opts.fullCatalogueIds ?? []));
  return reasons;
}

/** Stale baseline entries: listed checks that passed, and listed ids missing from the run (from the notes). */
function staleEntries(run: RunResult): string[] {
  const stale = new Map<string, string>();
  for (const r of run.results) {
    if (r.status === 'pass' && r.expectedFailure !== undefined) stale.set(r.id, `${r.id} passes; remove it`);
  }
  for (const note of run.notes) {
    if (!note.startsWith(STALE_BASELINE_PREFIX)) continue;
    const rest = note.slice(STALE_BASELINE_PREFIX.length);
    const id = rest.split(' ')[0] ?? rest;
    if (!stale.has(id)) stale.set(id, rest);
  }
  return [...stale.values()].map((text) => `stale baseline entry: ${text}`);
}

function certificationViolations(run: RunResult, fullCatalogueIds: readonly string[]): string[] {
  const reasons: string[] = [];
  for (const r of run.results) {
    if (r.status === 'skip') reasons.push(`certification allows no skips: ${r.id} (${r.message})`);
    if (r.expectedFailure !== undefined) reasons.push(`certification allows no expected failures: ${r.id}`);
  }
  const executed = new Set(run.results.filter(wasExecuted).map((r) => r.id));
  const missing = fullCatalogueIds.filter((id) => !executed.has(id));
  if (missing.length > 0) {
    reasons.push(`certification requires the default profile's full catalogue; not executed: ${missing.join(', ')}`);
  }
  return reasons;
}

/** The gate decision as recorded in every report; `exitCode` is the {@link GateResult} code. */
export interface ReportOutcome {
  conformant: boolean;
  exitCode: GateResult['code'];
  reasons: string[];
  failOn: FailOn;
  certification: boolean;
}

/** {@link computeExitCode} plus the settings it used; `conformant` is true exactly when the code is 0. */
export function outcomeOf(run: RunResult, opts: GateOptions): ReportOutcome {
  const gate = computeExitCode(run, opts);
  return {
    conformant: gate.code === 0,
    exitCode: gate.code,
    reasons: gate.reasons,
    failOn: opts.failOn,
    certification: opts.certification,
  };
}
