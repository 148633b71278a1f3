import { describe, expect, it } from 'vitest';
import { getProfile } from '../../core/profiles/index.js';
import { mergeMeasurements, mergeTwo } from './merge.js';
import { mergeLoadReports, missingShards } from './merge-reports.js';
import { summarizeCpu, summarizeMeasurements } from './summarize.js';
import { MIN_JUDGED_WINDOW_MS, summarizeSteadyRate } from './steady-rate.js';
import { createLoadRecorder } from './recorder.js';
import { hostSample, syntheticRecorder, syntheticReport } from '../../test/support/load-reports.js';

const profile = getProfile('rfc9421-v1');
const load = { ratePerDevice: 1, concurrency: 10 };

describe('merging measurements', () => {
  it('sums counts and histograms of disjoint slices and keeps the figures consistent', () => {
    const a = syntheticRecorder(10, [0, 2, 4, 6, 8], 3).snapshot([]);
    const b = syntheticRecorder(10, [1, 3, 5, 7, 9], 3).snapshot([]);
    const whole = syntheticRecorder(10, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3).snapshot([]);
    const merged = mergeTwo(a, b);
    const s = summarizeMeasurements(merged, profile, load);
    expect(s.requests).toBe(10 * (2 + 3 * 2));
    expect(s.devices).toMatchObject({ planned: 10, onboarded: 10, failedOnboarding: 0, refusedOnboarding: 0 });
    expect(Object.values(s.consistency).every(Boolean)).toBe(true);
    expect(merged.devices.onboardedBitmap).toBe(whole.devices.onboardedBitmap);
    expect(summarizeMeasurements(merged, profile, load).endpoints).toEqual(summarizeMeasurements(whole, profile, load).endpoints);
    expect(s.endpoints.map((e) => e.endpoint)).toEqual(['onboarding', 'capabilitiesCreate', 'desiredState', 'deploymentStatus']);
    expect(s.endpoints[0]).toMatchObject({ method: 'POST', path: '/api/v1/onboarding' });
  });

  it('refuses slices that share a device', () => {
    const a = syntheticRecorder(10, [0, 1], 1).snapshot([]);
    const b = syntheticRecorder(10, [1, 2], 1).snapshot([]);
    expect(() => mergeTwo(a, b)).toThrowError(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('device index 1') }));
    expect(() => mergeTwo(a, syntheticRecorder(12, [5], 1).snapshot([]))).toThrowError(expect.objectContaining({ code: 'USAGE' }));
    expect(() => mergeMeasurements([])).toThrowError(expect.objectContaining({ code: 'USAGE' }));
  });

  it('drops no-device-onboarded from a union where devices did onboard (an empty or failed slice)', () => {
    const onboarded = syntheticRecorder(3, [0, 1, 2], 1).snapshot([]);
    const empty = syntheticRecorder(3, [], 0, (r) => r.stopped('no-device-onboarded')).snapshot([]);
    expect(mergeTwo(onboarded, empty).stopReasons).toEqual(['max-cycles']);
    const none = syntheticRecorder(3, [], 0, (r) => r.stopped('no-device-onboarded')).snapshot([]);
    expect(mergeTwo(empty, none).stopReasons).toContain('no-device-onboarded');
  });

  it('flags a device counted twice inside one slice (the consistency check can fail)', () => {
    const m = syntheticRecorder(4, [0, 1], 1, (r) => r.markPlanned(1)).snapshot([]);
    expect(summarizeMeasurements(m, profile, load).consistency.devicesDistinct).toBe(false);
  });
});

describe('generator CPU statement', () => {
  it('says the numbers measure the generator when a generator thread was saturated', () => {
    const cpu = summarizeCpu([hostSample('1/1', 0.97)]);
    expect(cpu.generatorSaturated).toBe(true);
    expect(cpu.statement).toContain('numbers measure the generator, not the target');
  });

  it('says so when the machine was saturated with the embedded mock beside the generator', () => {
    const cpu = summarizeCpu([hostSample('1/1', 0.5, 0.99, true)]);
    expect(cpu).toMatchObject({ generatorSaturated: false, machineSaturated: true });
    expect(cpu.statement).toContain('embedded mock WFM shares it');
  });

  it('does not judge saturation over a window of a few ms', () => {
    const tiny = { ...hostSample('1/1', 1, 1), wallMs: 5, threads: [{ name: 'main', wallMs: 5, activeMs: 5 }] };
    const cpu = summarizeCpu([tiny]);
    expect(cpu).toMatchObject({ generatorSaturated: false, machineSaturated: false, statement: null });
    expect(cpu.threads[0]?.busyFraction).toBe(1);
    expect(summarizeCpu([{ ...tiny, wallMs: MIN_JUDGED_WINDOW_MS, threads: [{ name: 'main', wallMs: MIN_JUDGED_WINDOW_MS, activeMs: MIN_JUDGED_WINDOW_MS }] }]).generatorSaturated).toBe(true);
  });

  it('states nothing when neither was saturated', () => {
    const cpu = summarizeCpu([hostSample('1/2', 0.4), hostSample('2/2', 0.5)]);
    expect(cpu.statement).toBeNull();
    expect(cpu.generatorBusyCores).toBe(0.9);
    expect(cpu.threads.map((t) => t.name)).toEqual(['shard 1/2 worker-1', 'shard 2/2 worker-1']);
  });
});

describe('mergeLoadReports', () => {
  it('merges shards of one fleet and notes a missing shard', () => {
    const merged = mergeLoadReports([syntheticReport(9, 1, 3), syntheticReport(9, 3, 3)], profile, '0.0.0-test');
    expect(merged.summary.devices.planned).toBe(6);
    expect(merged.shards).toEqual([
      { index: 1, count: 3 },
      { index: 3, count: 3 },
    ]);
    expect(merged.notes.some((n) => n.includes('2/3 missing'))).toBe(true);
    expect(merged.parameters.concurrency).toBe(20);
  });

  it('names the missing shards of a split', () => {
    expect(missingShards({ shards: [{ index: 1, count: 3 }, { index: 3, count: 3 }] })).toEqual([{ index: 2, count: 3 }]);
    expect(missingShards({ shards: [{ index: 1, count: 1 }] })).toEqual([]);
  });

  it('derives the rate statement again for the merge instead of copying the shards\' statements', () => {
    const statement = (r: ReturnType<typeof syntheticReport>): ReturnType<typeof syntheticReport> => {
      const text = `requested 9 cycles/s (shard ${r.shards[0]?.index}), offered 1/s`;
      return { ...r, summary: { ...r.summary, steadyRate: { ...r.summary.steadyRate, shortfall: true, statement: text } }, notes: [...r.notes, text] };
    };
    const merged = mergeLoadReports([statement(syntheticReport(8, 1, 2, 2, ['given'])), statement(syntheticReport(8, 2, 2))], profile, 'x');
    expect(merged.notes.filter((n) => n.startsWith('requested 9'))).toEqual([]);
    expect(merged.notes).toContain('given');
  });

  it('refuses shards of different loads or splits, and a shard given twice', () => {
    const a = syntheticReport(8, 1, 2);
    expect(() => mergeLoadReports([a, syntheticReport(8, 2, 2, 3)], profile, 'x')).toThrowError(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('maxCyclesPerDevice') }));
    expect(() => mergeLoadReports([a, syntheticReport(8, 2, 4)], profile, 'x')).toThrowError(expect.objectContaining({ code: 'USAGE' }));
    expect(() => mergeLoadReports([a, a], profile, 'x')).toThrowError(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('given twice') }));
  });
});

describe('steady rate', () => {
  /** One device onboarded; `cycles` cycles of `cycleMs` each recorded in a steady window of `windowMs`. */
  function measured(cycles: number, cycleMs: number, windowMs: number, late = 0) {
    const r = createLoadRecorder(1, 1000);
    r.markPlanned(0);
    r.markOnboarded(0);
    for (let c = 0; c < cycles; c += 1) {
      r.record({ phase: 'steady', endpoint: 'desiredState', startedAtMs: 1000 + c * cycleMs, result: { ok: true, status: 304, latencyMs: cycleMs } });
      r.cycleCompleted(c < late);
    }
    r.markPhase('steady', 1000, 1000 + windowMs);
    return r.snapshot([]);
  }

  it('reports a shortfall when the offered cycles/s fall well short of the requested ones', () => {
    const rate = summarizeSteadyRate(measured(20, 100, 2000, 19), { ratePerDevice: 100, concurrency: 1 });
    expect(rate).toMatchObject({ requestedCyclesPerSecond: 100, offeredCyclesPerSecond: 10, meanCycleMs: 100, lateCycles: 19, shortfall: true });
    expect(rate.statement).toBe(
      'requested 100 cycles/s (1 device × 100/s), offered 10/s (19 of 20 cycles started a whole period late): each device runs its cycles one after another, so its rate is capped by the round trip of a cycle (100 ms ≈ 10/s per device); lower --rate or add devices',
    );
  });

  it('names the concurrency limit when the cycles themselves are fast enough', () => {
    const m = measured(10, 10, 2000, 5);
    const rate = summarizeSteadyRate({ ...m, devices: { ...m.devices, onboarded: 10 } }, { ratePerDevice: 1, concurrency: 2 });
    expect(rate.shortfall).toBe(true);
    expect(rate.statement).toContain('--concurrency 2 caps the requests in flight for 10 devices');
  });

  it('reports none when the requested rate was offered, or over a window too short to judge', () => {
    expect(summarizeSteadyRate(measured(20, 10, 2000), { ratePerDevice: 10, concurrency: 1 })).toMatchObject({ shortfall: false, statement: null });
    expect(summarizeSteadyRate(measured(2, 100, 200, 2), { ratePerDevice: 100, concurrency: 1 })).toMatchObject({ shortfall: false, statement: null });
  });
});
