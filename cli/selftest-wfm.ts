/**
 * @module Self-test of the `wfm` suite: it must pass against the clean mock WFM and, for every mock fault, the
 * checks that name the fault must fail while no other check fails. The result is a matrix (fault × check) and a
 * sensitivity score (faults caught / faults).
 *
 * "Collateral" counts `fail`, `warn` and `error` in checks that do not name the fault. A check that ends
 * `inconclusive` because a check naming the fault failed before it (its precondition) is not collateral: it never
 * ran, which is the runner's documented behaviour.
 * @see STYLE.md §3 ("a negative check needs a fault that proves it can fail")
 */
import { join, resolve } from 'node:path';
import type { CheckResult, RunResult, VerdictStatus } from '../core/check.js';
import type { MargoConfig, PartialDeep } from '../core/config.js';
import { redactConfig, resolveConfig } from '../core/config.js';
import { createRootCa } from '../core/pki/index.js';
import type { IssuedCertificate } from '../core/pki/index.js';
import { DEFAULT_PROFILE_ID, getProfile } from '../core/profiles/index.js';
import { writeReports } from '../core/report/index.js';
import { UNMET_PRECONDITION_LABEL } from '../core/runner.js';
import { MOCK_FAULTS } from '../mock-server/faults.js';
import type { MockFault } from '../mock-server/faults.js';
import { runWfmSuite, WFM_CHECKS } from '../suites/wfm/index.js';
import { embeddedTargetLabel, startEmbeddedWfm } from './embedded-wfm.js';
import type { CliIo } from './io.js';

/** Options of {@link runWfmSelftest}. */
export interface WfmSelftestOptions {
  /** Profile to test; default `rfc9421-v1`. */
  readonly profileId?: string;
  /** Faults to inject, one mock each; default every MockFault. */
  readonly faults?: readonly MockFault[];
  /** When set, each run's reports go to `<reportDir>/wfm-clean/`, `<reportDir>/wfm-<fault>/`. */
  readonly reportDir?: string;
  /** Mock instances tested at once; default 2. */
  readonly concurrency?: number;
  /** Config keys to set on top of the profile defaults, for both the mock and the suite (e.g. `errors.format`). */
  readonly configLayer?: PartialDeep<MargoConfig>;
  /** Called after each run with its label (`clean` or the fault name). */
  readonly onRun?: (label: string, run: RunResult) => void;
}

/** One fault's row of the matrix. */
export interface WfmFaultRow {
  readonly fault: MockFault;
  /** Checks whose `faults` name this fault. */
  readonly boundChecks: readonly string[];
  /** Bound checks that did not fail (each one is a hole in the suite). */
  readonly missed: readonly string[];
  /** True when at least one bound check exists and every bound check failed. */
  readonly caught: boolean;
  /** Checks that do not name the fault but failed, warned or errored. */
  readonly collateral: readonly { readonly id: string; readonly status: VerdictStatus; readonly message: string }[];
}

/** The fault × check matrix. */
export interface WfmSelftestMatrix {
  readonly profile: string;
  /** Check ids, in run order. */
  readonly checks: readonly string[];
  /** Verdict of each check against the clean mock. */
  readonly clean: Readonly<Record<string, VerdictStatus>>;
  /** Verdict of each check against the mock with each fault. */
  readonly byFault: Readonly<Record<string, Readonly<Record<string, VerdictStatus>>>>;
  readonly rows: readonly WfmFaultRow[];
}

/** Result of {@link runWfmSelftest}. */
export interface WfmSelftestResult {
  readonly matrix: WfmSelftestMatrix;
  /** Faults caught / faults; `score` in [0, 1]. */
  readonly sensitivity: { readonly caught: number; readonly total: number; readonly score: number };
  /** True when every check passed or was not applicable against the clean mock. */
  readonly cleanOk: boolean;
  /** Clean-run checks that were neither `pass` nor `not-applicable`, with their message. */
  readonly cleanProblems: readonly string[];
}

interface Env {
  readonly io: CliIo;
  readonly config: MargoConfig;
  readonly deviceCa: IssuedCertificate;
  readonly reportDir?: string;
}

async function runAgainstMock(env: Env, label: string, faults: readonly MockFault[]): Promise<RunResult> {
  const profile = getProfile(env.config.profile);
  const embedded = await startEmbeddedWfm({
    config: env.config,
    profileId: profile.id,
    deviceCa: env.deviceCa,
    deviceTrust: 'ca-chain',
    clock: env.io.clock,
    faults,
  });
  try {
    const run = await runWfmSuite({
      profile,
      config: env.config,
      reportConfig: redactConfig(env.config),
      target: embedded.target,
      targetLabel: embeddedTargetLabel(embedded.target.baseUrl),
      deviceCa: env.deviceCa,
      deviceTrust: 'ca-chain',
      operator: embedded.operator,
      clock: env.io.clock,
      signal: env.io.shutdown,
      notes: [`selftest: mock WFM ${faults.length === 0 ? 'without faults' : `with fault ${faults.join(', ')}`}`],
    });
    if (env.reportDir !== undefined) {
      await writeReports(run, join(env.reportDir, `wfm-${label}`), env.config.reports.formats, {
        failOn: 'fail',
        certification: false,
        redaction: { secretValues: [embedded.mock.adminToken] },
      });
    }
    return run;
  } finally {
    await embedded.mock.close();
  }
}

function statuses(run: RunResult): Record<string, VerdictStatus> {
  return Object.fromEntries(run.results.map((r) => [r.id, r.status]));
}

function isCollateral(r: CheckResult): boolean {
  if (r.status === 'fail' || r.status === 'warn' || r.status === 'error') return true;
  // An inconclusive verdict from the check's own run step (decision point not reached) is a side effect, too.
  return r.status === 'inconclusive' && !r.evidence.some((e) => e.kind === 'note' && e.label === UNMET_PRECONDITION_LABEL);
}

/** Builds the row of one fault from its run. */
export function faultRow(fault: MockFault, run: RunResult): WfmFaultRow {
  const bound = WFM_CHECKS.filter((c) => (c.faults ?? []).includes(fault)).map((c) => c.id);
  const byId = new Map(run.results.map((r) => [r.id, r]));
  const missed = bound.filter((id) => byId.get(id)?.status !== 'fail');
  const collateral = run.results
    .filter((r) => !bound.includes(r.id) && isCollateral(r))
    .map((r) => ({ id: r.id, status: r.status, message: r.message }));
  return { fault, boundChecks: bound, missed, caught: bound.length > 0 && missed.length === 0, collateral };
}

async function inPool<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      out[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
  return out;
}

/**
 * Runs the `wfm` suite against the clean mock WFM and against one mock per fault, and builds the matrix.
 * Uses an in-memory device CA (nothing is written unless `reportDir` is set) and the default configuration of the
 * profile. Resolves to the matrix, the sensitivity and whether the clean run was green.
 * @throws ConformanceError `PROFILE_UNKNOWN`; `REPORT_WRITE_FAILED` when reports cannot be written
 */
export async function runWfmSelftest(io: CliIo, opts: WfmSelftestOptions = {}): Promise<WfmSelftestResult> {
  const config = resolveConfig({ flags: { ...opts.configLayer, profile: opts.profileId ?? DEFAULT_PROFILE_ID } });
  const deviceCa = await createRootCa({ commonName: 'Margo Conformance Selftest Device CA', name: 'device-ca', now: new Date(io.clock.nowMs()) });
  const env: Env = { io, config, deviceCa, ...(opts.reportDir === undefined ? {} : { reportDir: resolve(io.cwd, opts.reportDir) }) };
  const faults = opts.faults ?? MOCK_FAULTS.map((f) => f.name);
  const labels: (MockFault | 'clean')[] = ['clean', ...faults];
  const runs = await inPool(labels, opts.concurrency ?? 2, async (label) => {
    const run = await runAgainstMock(env, label, label === 'clean' ? [] : [label]);
    opts.onRun?.(label, run);
    return run;
  });
  const [cleanRun, ...faultRuns] = runs;
  const clean = statuses(cleanRun!);
  const cleanProblems = cleanRun!.results
    .filter((r) => r.status !== 'pass' && r.status !== 'not-applicable')
    .map((r) => `${r.id}: ${r.status}: ${r.message}`);
  const rows = faults.map((fault, i) => faultRow(fault, faultRuns[i]!));
  const caught = rows.filter((r) => r.caught).length;
  return {
    matrix: {
      profile: config.profile,
      checks: cleanRun!.results.map((r) => r.id),
      clean,
      byFault: Object.fromEntries(faults.map((f, i) => [f, statuses(faultRuns[i]!)])),
      rows,
    },
    sensitivity: { caught, total: faults.length, score: faults.length === 0 ? 1 : caught / faults.length },
    cleanOk: cleanProblems.length === 0,
    cleanProblems,
  };
}

/** The matrix as text lines: one line per fault (caught or not, bound checks, misses, collateral) and the score. */
export function formatWfmSelftest(result: WfmSelftestResult): string[] {
  const lines = [`wfm selftest (profile ${result.matrix.profile}): clean run ${result.cleanOk ? 'green' : 'NOT green'}`];
  for (const p of result.cleanProblems) lines.push(`  clean: ${p}`);
  for (const row of result.matrix.rows) {
    const mark = row.caught && row.collateral.length === 0 ? 'ok  ' : 'FAIL';
    lines.push(`  ${mark} ${row.fault.padEnd(32)} caught by ${row.boundChecks.join(', ') || '(no check names it)'}`);
    if (row.missed.length > 0) lines.push(`       missed: ${row.missed.map((id) => `${id}=${result.matrix.byFault[row.fault]?.[id] ?? '?'}`).join(', ')}`);
    for (const c of row.collateral) lines.push(`       collateral: ${c.id} ${c.status}: ${c.message}`);
  }
  const { caught, total, score } = result.sensitivity;
  lines.push(`sensitivity: ${caught}/${total} faults caught (${Math.round(score * 100)}%)`);
  return lines;
}
