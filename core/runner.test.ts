import { describe, expect, it } from 'vitest';
import type { BaseCheckContext, Check, Evidence, Verdict } from './check.js';
import { fakeClock } from './clock.js';
import { ConformanceError } from './errors.js';
import type { RunOptions, RunProgressEvent } from './runner.js';
import {
  catalogueHash,
  listCatalogue,
  matchesGlob,
  orderChecks,
  reachedDecisionPoint,
  runChecks,
  wasExecuted,
} from './runner.js';

const answered: Evidence = {
  kind: 'exchange',
  request: { method: 'POST', url: 'https://127.0.0.1/onboarding', headers: {} },
  response: { status: 401, headers: {} },
};

function fake(id: string, verdict: Partial<Verdict> | (() => Promise<Verdict>), extra: Partial<Check> = {}): Check {
  return {
    id,
    title: `title of ${id}`,
    role: 'wfm',
    level: 'MUST',
    clause: { source: 'margo:test', section: 'Test', quote: 'MUST do it' },
    profiles: ['p1'],
    ...extra,
    run:
      typeof verdict === 'function'
        ? verdict
        : async () => ({ status: 'pass', message: 'ok', evidence: [], ...verdict }),
  };
}

function options(catalogue: readonly Check[], extra: Partial<RunOptions<BaseCheckContext>> = {}): RunOptions<BaseCheckContext> {
  const clock = fakeClock(1_700_000_000);
  return {
    role: 'wfm',
    profileId: 'p1',
    specRevision: 'test-rev',
    target: 'https://127.0.0.1:1',
    config: {},
    catalogue,
    makeContext: (signal) => ({ now: () => clock.nowSeconds(), signal }),
    clock,
    checkTimeoutMs: 1_000,
    ...extra,
  };
}

function statusById(run: Awaited<ReturnType<typeof runChecks>>): Record<string, string> {
  return Object.fromEntries(run.results.map((r) => [r.id, r.status]));
}

describe('orderChecks', () => {
  it('puts prerequisites first and keeps catalogue order otherwise', () => {
    const ordered = orderChecks([
      { id: 'c', requires: ['b'] },
      { id: 'x' },
      { id: 'b', requires: ['a'] },
      { id: 'a' },
    ]);
    expect(ordered.map((c) => c.id)).toEqual(['x', 'a', 'b', 'c']);
  });

  it('throws INTERNAL on a cycle, an unknown prerequisite and a duplicate id', () => {
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (err) {
        return err instanceof ConformanceError ? err.code : 'other';
      }
      return undefined;
    };
    expect(code(() => orderChecks([{ id: 'a', requires: ['b'] }, { id: 'b', requires: ['a'] }]))).toBe('INTERNAL');
    expect(code(() => orderChecks([{ id: 'a', requires: ['zzz'] }]))).toBe('INTERNAL');
    expect(code(() => orderChecks([{ id: 'a' }, { id: 'a' }]))).toBe('INTERNAL');
  });
});

describe('matchesGlob', () => {
  it('matches exact ids and * / ? wildcards, with dots literal', () => {
    expect(matchesGlob('wfm.onboarding.x', 'wfm.onboarding.x')).toBe(true);
    expect(matchesGlob('wfm.onboarding.x', 'wfm.onboarding.*')).toBe(true);
    expect(matchesGlob('wfm.onboarding.x', 'wfm.*')).toBe(true);
    expect(matchesGlob('wfm.onboarding.x', 'wfm.onboarding.?')).toBe(true);
    expect(matchesGlob('wfm.onboardingXx', 'wfm.onboarding.x')).toBe(false);
    expect(matchesGlob('wfm.onboarding.x', 'wfm.onboarding')).toBe(false);
    expect(matchesGlob('wfm.status.x', 'wfm.onboarding.*')).toBe(false);
  });
});

describe('catalogueHash', () => {
  it('is order-independent and changes with a level', () => {
    const a = catalogueHash([{ id: 'a', level: 'MUST' }, { id: 'b', level: 'SHOULD' }]);
    expect(catalogueHash([{ id: 'b', level: 'SHOULD' }, { id: 'a', level: 'MUST' }])).toBe(a);
    expect(catalogueHash([{ id: 'a', level: 'MUST' }, { id: 'b', level: 'MUST' }])).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('listCatalogue', () => {
  it('lists every check in run order with applicability, without running anything', () => {
    let ran = false;
    const checks = [
      fake('wfm.a.two', async () => {
        ran = true;
        return { status: 'pass', message: '', evidence: [] };
      }, { requires: ['wfm.a.one'], profiles: ['p2'] }),
      fake('wfm.a.one', {}),
    ];
    const rows = listCatalogue(checks, 'p1');
    expect(rows.map((r) => [r.id, r.applicable, r.requires])).toEqual([
      ['wfm.a.one', true, []],
      ['wfm.a.two', false, ['wfm.a.one']],
    ]);
    expect(ran).toBe(false);
  });
});

describe('runChecks', () => {
  it('records pass, fail, error and the error code of a ConformanceError', async () => {
    const run = await runChecks(
      options([
        fake('wfm.a.pass', {}),
        fake('wfm.a.fail', { status: 'fail', message: 'bad', expected: '401', actual: '200' }),
        fake('wfm.a.coded', async () => {
          throw new ConformanceError('TARGET_UNREACHABLE', 'connection refused');
        }),
        fake('wfm.a.bug', async () => {
          throw new TypeError('x is undefined');
        }),
      ]),
    );
    expect(statusById(run)).toEqual({
      'wfm.a.pass': 'pass',
      'wfm.a.fail': 'fail',
      'wfm.a.coded': 'error',
      'wfm.a.bug': 'error',
    });
    expect(run.results[2]?.errorCode).toBe('TARGET_UNREACHABLE');
    expect(run.results[3]?.errorCode).toBe('INTERNAL');
    expect(run.results[3]?.message).toContain('x is undefined');
    expect(run.results[1]).toMatchObject({ expected: '401', actual: '200', area: 'a', level: 'MUST' });
    expect(run.counts).toMatchObject({ pass: 1, fail: 1, error: 2, skip: 0 });
    expect(run.reportVersion).toBe('1.0');
    expect(run.catalogueHash).toBe(catalogueHash(run.results));
  });

  it('records not-applicable outside the profile and never calls run', async () => {
    let called = false;
    const run = await runChecks(
      options([
        fake('wfm.a.other', async () => {
          called = true;
          return { status: 'pass', message: '', evidence: [] };
        }, { profiles: ['p2'] }),
      ]),
    );
    expect(run.results[0]).toMatchObject({ status: 'not-applicable', message: 'not in profile p1' });
    expect(called).toBe(false);
    expect(run.catalogueHash).toBe(catalogueHash([]));
  });

  it('records inconclusive naming the unmet precondition along a dependency chain', async () => {
    let called = false;
    const run = await runChecks(
      options([
        fake('wfm.b.third', async () => {
          called = true;
          return { status: 'pass', message: '', evidence: [] };
        }, { requires: ['wfm.b.second'] }),
        fake('wfm.b.second', {}, { requires: ['wfm.b.first'] }),
        fake('wfm.b.first', { status: 'fail', message: 'onboarding refused' }),
      ]),
    );
    expect(run.results.map((r) => r.id)).toEqual(['wfm.b.first', 'wfm.b.second', 'wfm.b.third']);
    expect(statusById(run)).toEqual({ 'wfm.b.first': 'fail', 'wfm.b.second': 'inconclusive', 'wfm.b.third': 'inconclusive' });
    expect(run.results[1]?.message).toBe('unmet precondition: wfm.b.first is fail');
    expect(run.results[2]?.message).toBe('unmet precondition: wfm.b.second is inconclusive');
    expect(called).toBe(false);
    expect(wasExecuted(run.results[1]!)).toBe(false);
    expect(wasExecuted(run.results[0]!)).toBe(true);
  });

  it('treats a warned precondition as met', async () => {
    const run = await runChecks(
      options([
        fake('wfm.b.first', { status: 'warn', message: 'slow' }, { level: 'SHOULD' }),
        fake('wfm.b.second', {}, { requires: ['wfm.b.first'] }),
      ]),
    );
    expect(statusById(run)).toEqual({ 'wfm.b.first': 'warn', 'wfm.b.second': 'pass' });
  });

  it('turns warn on a MUST check into fail and notes the defect', async () => {
    const run = await runChecks(options([fake('wfm.a.must', { status: 'warn', message: 'meh' })]));
    expect(run.results[0]?.status).toBe('fail');
    expect(run.notes.join('\n')).toContain('wfm.a.must: returned warn on a MUST clause');
  });

  it('downgrades a negative pass without an answered exchange to inconclusive', async () => {
    const noResponse: Evidence = {
      kind: 'exchange',
      request: { method: 'GET', url: 'https://127.0.0.1/x', headers: {} },
      transportError: 'ECONNREFUSED',
    };
    const tlsAttempt: Evidence = { kind: 'tls', tls: { errorCode: 'CERT_HAS_EXPIRED' } };
    const run = await runChecks(
      options([
        fake('wfm.n.empty', { evidence: [] }, { negative: true }),
        fake('wfm.n.refused', { evidence: [noResponse] }, { negative: true }),
        fake('wfm.n.answered', { evidence: [answered] }, { negative: true }),
        fake('wfm.n.tls', { evidence: [tlsAttempt] }, { negative: true }),
        fake('wfm.n.positive', { evidence: [] }),
      ]),
    );
    expect(statusById(run)).toEqual({
      'wfm.n.empty': 'inconclusive',
      'wfm.n.refused': 'inconclusive',
      'wfm.n.answered': 'pass',
      'wfm.n.tls': 'pass',
      'wfm.n.positive': 'pass',
    });
    expect(run.results[0]?.message).toContain('decision point not reached');
    expect(wasExecuted(run.results[0]!)).toBe(true);
  });

  it('aborts a check that ignores its signal after checkTimeoutMs with error TIMEOUT', async () => {
    const signals: AbortSignal[] = [];
    const run = await runChecks(
      options(
        [
          fake('wfm.t.hangs', (): Promise<Verdict> => new Promise(() => undefined)),
          fake('wfm.t.after', {}),
        ],
        {
          checkTimeoutMs: 20,
          makeContext: (signal) => {
            signals.push(signal);
            return { now: () => 0, signal };
          },
        },
      ),
    );
    expect(run.results[0]).toMatchObject({ status: 'error', errorCode: 'TIMEOUT' });
    expect(run.results[1]?.status).toBe('pass');
    expect(signals.map((s) => s.aborted)).toEqual([true, false]);
  });

  it('selects with --only, pulls in prerequisites and says so', async () => {
    const run = await runChecks(
      options(
        [
          fake('wfm.onboarding.accepts', {}),
          fake('wfm.status.reports', {}, { requires: ['wfm.onboarding.accepts'] }),
          fake('wfm.status.other', {}),
        ],
        { only: ['wfm.status.rep*'] },
      ),
    );
    expect(statusById(run)).toEqual({
      'wfm.onboarding.accepts': 'pass',
      'wfm.status.reports': 'pass',
      'wfm.status.other': 'skip',
    });
    expect(run.results[0]?.message).toContain('prerequisite of wfm.status.reports');
    expect(run.results[2]?.message).toBe('filtered out: not matched by --only wfm.status.rep*');
    expect(run.notes).toContain('wfm.onboarding.accepts was run as a prerequisite of wfm.status.reports');
  });

  it('skips with --skip by glob; an explicitly skipped prerequisite makes dependants inconclusive', async () => {
    const run = await runChecks(
      options(
        [fake('wfm.onboarding.accepts', {}), fake('wfm.status.reports', {}, { requires: ['wfm.onboarding.accepts'] })],
        { skip: ['wfm.onboarding.*', 'wfm.nothing'] },
      ),
    );
    expect(run.results[0]).toMatchObject({ status: 'skip', message: 'filtered out by --skip wfm.onboarding.*' });
    expect(run.results[1]).toMatchObject({
      status: 'inconclusive',
      message: 'unmet precondition: wfm.onboarding.accepts is skip',
    });
    expect(run.notes).toContain('pattern wfm.nothing matched no check');
  });

  it('reports a malformed verdict as error INTERNAL', async () => {
    const run = await runChecks(options([fake('wfm.a.bad', async () => ({ status: 'great' }) as unknown as Verdict)]));
    expect(run.results[0]).toMatchObject({ status: 'error', errorCode: 'INTERNAL' });
  });

  it('stops on run abort: the running check errors with RUN_ABORTED, later ones are skipped', async () => {
    const controller = new AbortController();
    const run = await runChecks(
      options(
        [
          fake('wfm.a.first', async () => {
            controller.abort();
            return new Promise<Verdict>(() => undefined);
          }),
          fake('wfm.a.second', {}),
        ],
        { signal: controller.signal },
      ),
    );
    expect(run.results[0]).toMatchObject({ status: 'error', errorCode: 'RUN_ABORTED' });
    expect(run.results[1]).toMatchObject({ status: 'skip', message: 'run aborted before this check started' });
  });

  it('emits start and end progress events in run order with durations from the clock', async () => {
    const clock = fakeClock(1_700_000_000);
    const events: RunProgressEvent[] = [];
    const run = await runChecks(
      options(
        [
          fake('wfm.a.slow', async () => {
            clock.advance(2);
            return { status: 'pass', message: 'ok', evidence: [] };
          }),
        ],
        { clock, onProgress: (e) => events.push(e) },
      ),
    );
    expect(events.map((e) => [e.type, e.index, e.total])).toEqual([
      ['start', 0, 1],
      ['end', 0, 1],
    ]);
    expect(events[1]?.result?.status).toBe('pass');
    expect(run.results[0]?.durationMs).toBe(2000);
    expect(run.startedAt).toBe('2023-11-14T22:13:20.000Z');
    expect(run.finishedAt).toBe('2023-11-14T22:13:22.000Z');
  });
});

describe('reachedDecisionPoint', () => {
  it('needs a response or a TLS handshake attempt', () => {
    expect(reachedDecisionPoint([answered])).toBe(true);
    expect(reachedDecisionPoint([{ kind: 'note', text: 'nothing' }])).toBe(false);
    expect(reachedDecisionPoint([{ kind: 'tls', tls: {} }])).toBe(false);
  });
});
