import { describe, expect, it } from 'vitest';
import { getProfile } from '../../core/profiles/index.js';
import { mergeMeasurements, mergeTwo } from './merge.js';
import { mergeLoadReports } from './merge-reports.js';
import { summarizeCpu, summarizeMeasurements } from './summarize.js';
import { hostSample, syntheticRecorder, syntheticReport } from '../../test/support/load-reports.js';

const profile = getProfile('rfc9421-v1');

describe('merging measurements', () => {
  it('sums counts and histograms of disjoint slices and keeps the figures consistent', () => {
    const a = syntheticRecorder(10, [0, 2, 4, 6, 8], 3).snapshot([]);
    const b = syntheticRecorder(10, [1, 3, 5, 7, 9], 3).snapshot([]);
    const whole = syntheticRecorder(10, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3).snapshot([]);
    const merged = mergeTwo(a, b);
    const s = summarizeMeasurements(merged, profile);
    expect(s.requests).toBe(10 * (2 + 3 * 2));
    expect(s.devices).toEqual({ planned: 10, onboarded: 10, failedOnboarding: 0 });
    expect(Object.values(s.consistency).every(Boolean)).toBe(true);
    expect(merged.devices.onboardedBitmap).toBe(whole.devices.onboardedBitmap);
    expect(summarizeMeasurements(merged, profile).endpoints).toEqual(summarizeMeasurements(whole, profile).endpoints);
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

  it('flags a device counted twice inside one slice (the consistency check can fail)', () => {
    const m = syntheticRecorder(4, [0, 1], 1, (r) => r.markPlanned(1)).snapshot([]);
    expect(summarizeMeasurements(m, profile).consistency.devicesDistinct).toBe(false);
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

  it('refuses shards of different loads or splits, and a shard given twice', () => {
    const a = syntheticReport(8, 1, 2);
    expect(() => mergeLoadReports([a, syntheticReport(8, 2, 2, 3)], profile, 'x')).toThrowError(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('maxCyclesPerDevice') }));
    expect(() => mergeLoadReports([a, syntheticReport(8, 2, 4)], profile, 'x')).toThrowError(expect.objectContaining({ code: 'USAGE' }));
    expect(() => mergeLoadReports([a, a], profile, 'x')).toThrowError(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('given twice') }));
  });
});
