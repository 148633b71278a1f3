/**
 * The `wfm` suite proves itself: green against the clean mock WFM, and for every mock fault the checks that name
 * the fault fail while nothing else fails (STYLE.md §3: a check that cannot fail is a defect).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatWfmSelftest, runWfmSelftest, type WfmSelftestResult } from '../cli/selftest-wfm.js';
import { MOCK_FAULTS } from '../mock-server/faults.js';
import { WFM_CHECKS } from '../suites/wfm/index.js';
import { fakeIo, removeFakeIoDirs } from './wfm-helpers.js';

afterAll(removeFakeIoDirs);

describe('wfm selftest (full matrix, rfc9421-v1)', () => {
  let result: WfmSelftestResult;
  beforeAll(async () => {
    result = await runWfmSelftest(await fakeIo(), { concurrency: 2 });
  }, 300_000);

  it('passes every check (or finds it not applicable) against the clean mock', () => {
    expect(result.cleanProblems).toEqual([]);
    expect(result.cleanOk).toBe(true);
    expect(Object.values(result.matrix.clean).filter((s) => s === 'pass').length).toBeGreaterThan(30);
  });

  it('has 100% sensitivity: every mock fault is caught', () => {
    expect(result.sensitivity.total).toBe(MOCK_FAULTS.length);
    expect(result.matrix.rows.filter((r) => !r.caught).map((r) => `${r.fault}: missed ${r.missed.join(', ')}`)).toEqual([]);
    expect(result.sensitivity.score).toBe(1);
  });

  it.each(MOCK_FAULTS.map((f) => f.name))('fault %s fails exactly the checks that name it', (fault) => {
    const row = result.matrix.rows.find((r) => r.fault === fault);
    expect(row?.boundChecks.length).toBeGreaterThan(0);
    for (const id of row?.boundChecks ?? []) expect(result.matrix.byFault[fault]?.[id], `${id}\n${formatWfmSelftest(result).join('\n')}`).toBe('fail');
    expect(row?.collateral).toEqual([]);
  });

  it('binds every negative check to at least one mock fault', () => {
    const names = new Set<string>(MOCK_FAULTS.map((f) => f.name));
    for (const check of WFM_CHECKS.filter((c) => c.negative === true)) {
      expect(check.faults?.some((f) => names.has(f)), check.id).toBe(true);
    }
  });
});
