import { describe, expect, it } from 'vitest';
import type { CheckResult, RunResult } from '../check.js';
import { countVerdicts } from '../check.js';
import { ConformanceError } from '../errors.js';
import { applyBaseline, checkBaselineIds, parseBaseline, STALE_BASELINE_PREFIX } from './baseline.js';
import { computeExitCode } from './gates.js';

function invalid(text: string): ConformanceError {
  try {
    parseBaseline(text, 'expected.yaml');
  } catch (err) {
    if (err instanceof ConformanceError) return err;
    throw err;
  }
  throw new Error('parseBaseline accepted the file');
}

describe('parseBaseline', () => {
  it('reads check-id: reason entries per role with their lines', () => {
    const b = parseBaseline('wfm:\n  wfm.a.one: "ticket 1"\n  wfm.a.two: vendor says fixed in 2.4\nclient:\n  client.x.y: simulator gap\n', 'e.yaml');
    expect(b.entries.wfm).toEqual([
      { id: 'wfm.a.one', reason: 'ticket 1', line: 2 },
      { id: 'wfm.a.two', reason: 'vendor says fixed in 2.4', line: 3 },
    ]);
    expect(b.entries.client).toEqual([{ id: 'client.x.y', reason: 'simulator gap', line: 5 }]);
  });

  it('accepts an empty file and empty sections', () => {
    expect(parseBaseline('', 'e.yaml').entries).toEqual({ wfm: [], client: [] });
    expect(parseBaseline('wfm:\nclient:\n', 'e.yaml').entries).toEqual({ wfm: [], client: [] });
  });

  it('reports a YAML syntax error on one line with file:line:col', () => {
    const err = invalid('wfm:\n  wfm.a.one: [unclosed\n');
    expect(err.code).toBe('BASELINE_INVALID');
    expect(err.message).not.toContain('\n');
    expect(err.message).toMatch(/^expected\.yaml:\d+:\d+: YAML syntax error: /);
  });

  it('rejects an unresolved alias as BASELINE_INVALID with its position', () => {
    const err = invalid('wfm:\n  wfm.a.one: *reason\n');
    expect(err.code).toBe('BASELINE_INVALID');
    expect(err.message).toBe("expected.yaml:2:14: unresolved alias '*reason': define the anchor '&reason' before using it");
  });

  it('accepts a reason given through an alias of an earlier anchor', () => {
    const b = parseBaseline('wfm:\n  wfm.a.one: &why vendor ticket 7\n  wfm.a.two: *why\n', 'e.yaml');
    expect(b.entries.wfm.map((e) => e.reason)).toEqual(['vendor ticket 7', 'vendor ticket 7']);
  });

  it('rejects an entry without a reason with file, line and key', () => {
    for (const text of ['wfm:\n  wfm.a.one: ok\n  wfm.a.two:\n', 'wfm:\n  wfm.a.one: ok\n  wfm.a.two: "  "\n']) {
      const err = invalid(text);
      expect(err.code).toBe('BASELINE_INVALID');
      expect(err.details).toEqual({ file: 'expected.yaml', line: 3, key: 'wfm.a.two' });
      expect(err.message).toContain('expected.yaml:3: wfm.a.two: entry has no reason');
    }
  });

  it('rejects YAML errors, duplicate keys, unknown sections, lists and ids of the other role', () => {
    expect(invalid('wfm:\n  a: [\n').code).toBe('BASELINE_INVALID');
    expect(invalid('wfm:\n  wfm.a.b: x\n  wfm.a.b: y\n').code).toBe('BASELINE_INVALID');
    expect(invalid('server:\n  wfm.a.b: x\n').details).toMatchObject({ line: 1, key: 'server' });
    expect(invalid('- wfm.a.b\n').code).toBe('BASELINE_INVALID');
    expect(invalid('wfm:\n  - wfm.a.b\n').code).toBe('BASELINE_INVALID');
    expect(invalid('wfm:\n  client.a.b: x\n').details).toMatchObject({ line: 2, key: 'client.a.b' });
  });
});

function result(id: string, status: CheckResult['status']): CheckResult {
  return {
    id,
    title: id,
    role: 'wfm',
    area: 'a',
    level: 'MUST',
    clause: { source: 's', section: 'x', quote: 'q' },
    status,
    message: status,
    evidence: [],
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1,
  };
}

function run(results: CheckResult[]): RunResult {
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
    notes: [],
  };
}

describe('applyBaseline', () => {
  const baseline = parseBaseline(
    'wfm:\n  wfm.a.fails: known\n  wfm.a.passes: fixed already\n  wfm.a.na: other profile\n  wfm.a.gone: retired\nclient:\n  client.a.x: other role\n',
    'b.yaml',
  );

  it('covers listed failures (exit 0) and leaves other roles alone', () => {
    const applied = applyBaseline(run([result('wfm.a.fails', 'fail'), result('wfm.a.ok', 'pass')]), {
      ...baseline,
      entries: { wfm: [baseline.entries.wfm[0]!], client: baseline.entries.client },
    });
    expect(applied.results[0]?.expectedFailure).toBe('known');
    expect(applied.results[1]?.expectedFailure).toBeUndefined();
    expect(computeExitCode(applied, { failOn: 'fail', certification: false }).code).toBe(0);
  });

  it('turns a listed passing check and an unknown id into stale entries that fail the run', () => {
    const applied = applyBaseline(
      run([result('wfm.a.fails', 'fail'), result('wfm.a.passes', 'pass'), result('wfm.a.na', 'not-applicable')]),
      baseline,
    );
    expect(applied.notes).toEqual([
      `${STALE_BASELINE_PREFIX}wfm.a.passes passes; remove it from b.yaml (line 3)`,
      'baseline entry wfm.a.na did not apply: the check is not-applicable',
      `${STALE_BASELINE_PREFIX}wfm.a.gone is not in the catalogue; remove it from b.yaml (line 5)`,
    ]);
    const gate = computeExitCode(applied, { failOn: 'fail', certification: false });
    expect(gate.code).toBe(1);
    expect(gate.reasons).toHaveLength(2);
  });

  it('checkBaselineIds refuses ids outside the catalogue before a run', () => {
    expect(() => checkBaselineIds(baseline, 'wfm', ['wfm.a.fails', 'wfm.a.passes', 'wfm.a.na'])).toThrow(/wfm\.a\.gone/);
    expect(() => checkBaselineIds(baseline, 'client', ['client.a.x'])).not.toThrow();
  });
});
