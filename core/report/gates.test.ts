import { describe, expect, it } from 'vitest';
import type { CheckResult, RunResult, VerdictStatus } from '../check.js';
import { countVerdicts } from '../check.js';
import { UNMET_PRECONDITION_LABEL } from '../runner.js';
import { STALE_BASELINE_PREFIX } from './baseline.js';
import { computeExitCode } from './gates.js';
import type { GateOptions } from './gates.js';

function result(id: string, status: VerdictStatus, extra: Partial<CheckResult> = {}): CheckResult {
  return {
    id,
    title: id,
    role: 'wfm',
    area: 'a',
    level: status === 'warn' ? 'SHOULD' : 'MUST',
    clause: { source: 's', section: 'x', quote: 'q' },
    status,
    message: `${status} message`,
    evidence: [],
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1,
    ...extra,
  };
}

function run(results: CheckResult[], notes: string[] = []): RunResult {
  return {
    reportVersion: '1.0',
    tool: { name: 'margo-conformance', version: '0.0.0' },
    role: 'wfm',
    profile: 'p',
    specRevision: 'r',
    target: 't',
    config: {},
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    catalogueHash: '0'.repeat(64),
    results,
    counts: countVerdicts(results),
    notes,
  };
}

const plain: GateOptions = { failOn: 'fail', certification: false };
const unmet = { evidence: [{ kind: 'note' as const, label: UNMET_PRECONDITION_LABEL, text: 'unmet precondition: x is skip' }] };

describe('computeExitCode', () => {
  it('is 0 for passes, warnings (failOn fail), n/a and skips', () => {
    const r = run([result('wfm.a.p', 'pass'), result('wfm.a.w', 'warn'), result('wfm.a.n', 'not-applicable'), result('wfm.a.s', 'skip')]);
    expect(computeExitCode(r, plain)).toEqual({ code: 0, reasons: [] });
  });

  it('is 5 when nothing executed, never 0', () => {
    expect(computeExitCode(run([]), plain).code).toBe(5);
    expect(computeExitCode(run([result('wfm.a.s', 'skip'), result('wfm.a.n', 'not-applicable')]), plain).code).toBe(5);
    expect(computeExitCode(run([result('wfm.a.s', 'skip'), result('wfm.a.i', 'inconclusive', unmet)]), plain).code).toBe(5);
  });

  it('is 4 when any check errored, even with failures', () => {
    const gate = computeExitCode(run([result('wfm.a.f', 'fail'), result('wfm.a.e', 'error', { errorCode: 'TIMEOUT' })]), plain);
    expect(gate.code).toBe(4);
    expect(gate.reasons[0]).toBe('wfm.a.e: error TIMEOUT: error message');
  });

  it('is 1 for a fail, for an inconclusive from run, and for warn with failOn warn', () => {
    expect(computeExitCode(run([result('wfm.a.f', 'fail')]), plain).code).toBe(1);
    expect(computeExitCode(run([result('wfm.a.p', 'pass'), result('wfm.a.i', 'inconclusive')]), plain).code).toBe(1);
    expect(computeExitCode(run([result('wfm.a.p', 'pass'), result('wfm.a.i', 'inconclusive', unmet)]), plain).code).toBe(1);
    expect(computeExitCode(run([result('wfm.a.w', 'warn')]), { ...plain, failOn: 'warn' }).code).toBe(1);
  });

  it('keeps 0 for failures covered by the baseline and 1 for stale entries', () => {
    expect(computeExitCode(run([result('wfm.a.f', 'fail', { expectedFailure: 'ticket' })]), plain).code).toBe(0);
    expect(computeExitCode(run([result('wfm.a.w', 'warn', { expectedFailure: 'ticket' })]), { ...plain, failOn: 'warn' }).code).toBe(0);
    const stale = computeExitCode(run([result('wfm.a.p', 'pass', { expectedFailure: 'ticket' })]), plain);
    expect(stale).toEqual({ code: 1, reasons: ['stale baseline entry: wfm.a.p passes; remove it'] });
    const unknown = computeExitCode(
      run([result('wfm.a.p', 'pass')], [`${STALE_BASELINE_PREFIX}wfm.a.gone is not in the catalogue; remove it from b.yaml (line 3)`]),
      plain,
    );
    expect(unknown.code).toBe(1);
    expect(unknown.reasons[0]).toContain('wfm.a.gone is not in the catalogue');
  });

  it('in certification mode allows no skips, no expected failures and no missing catalogue ids', () => {
    const cert: GateOptions = { failOn: 'fail', certification: true, fullCatalogueIds: ['wfm.a.p', 'wfm.a.s', 'wfm.a.missing'] };
    const gate = computeExitCode(
      run([result('wfm.a.p', 'pass'), result('wfm.a.s', 'skip'), result('wfm.a.f', 'fail', { expectedFailure: 'ticket' })]),
      cert,
    );
    expect(gate.code).toBe(1);
    expect(gate.reasons).toEqual([
      'certification allows no skips: wfm.a.s (skip message)',
      'certification allows no expected failures: wfm.a.f',
      "certification requires the default profile's full catalogue; not executed: wfm.a.s, wfm.a.missing",
    ]);
    expect(computeExitCode(run([result('wfm.a.p', 'pass')]), { ...cert, fullCatalogueIds: ['wfm.a.p'] }).code).toBe(0);
  });
});
