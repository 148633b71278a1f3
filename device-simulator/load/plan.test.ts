import { describe, expect, it } from 'vitest';
import {
  assignWorkers,
  checkShardNotEmpty,
  estimatePoolSeconds,
  poolBuildWarning,
  defaultMaxRequests,
  hardDeadlineMs,
  parseDurationMs,
  parsePositiveNumber,
  parseShard,
  plannedCyclesPerDevice,
  shardIndices,
  splitProportionally,
  timelineBucketMs,
} from './plan.js';

describe('load plan', () => {
  it('parses --shard i/n and rejects anything else', () => {
    expect(parseShard(undefined)).toEqual({ index: 1, count: 1 });
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/2', '3/2', '1/0', 'a/b', '1', '-1/2']) {
      expect(() => parseShard(bad), bad).toThrowError(expect.objectContaining({ code: 'USAGE' }));
    }
  });

  it('parses durations in ms, s, m, h and bare seconds', () => {
    expect(parseDurationMs('500ms', '--duration')).toBe(500);
    expect(parseDurationMs('20s', '--duration')).toBe(20_000);
    expect(parseDurationMs('2m', '--duration')).toBe(120_000);
    expect(parseDurationMs('1h', '--duration')).toBe(3_600_000);
    expect(parseDurationMs('1.5', '--duration')).toBe(1500);
    for (const bad of ['0s', '', 'soon', '-3s', '5d']) {
      expect(() => parseDurationMs(bad, '--duration'), bad).toThrowError(expect.objectContaining({ code: 'USAGE' }));
    }
    expect(parsePositiveNumber('0.5', '--rate')).toBe(0.5);
    expect(() => parsePositiveNumber('0', '--rate')).toThrowError(expect.objectContaining({ code: 'USAGE' }));
  });

  it('gives shards disjoint slices that together cover the fleet exactly once', () => {
    const fleet = 103;
    const all = [1, 2, 3, 4].flatMap((index) => shardIndices(fleet, { index, count: 4 }));
    expect(all.length).toBe(fleet);
    expect(new Set(all).size).toBe(fleet);
    expect(shardIndices(10, { index: 2, count: 3 })).toEqual([1, 4, 7]);
    expect(shardIndices(2, { index: 3, count: 3 })).toEqual([]);
  });

  it('spreads a shard over workers with concurrency and budget summing to the totals', () => {
    const indices = shardIndices(11, { index: 1, count: 1 });
    const workers = assignWorkers(indices, 3, 7, 1000);
    expect(workers.map((w) => w.indices.length)).toEqual([4, 4, 3]);
    expect(workers.reduce((a, w) => a + w.concurrency, 0)).toBe(7);
    expect(workers.reduce((a, w) => a + w.requestBudget, 0)).toBe(1000);
    expect(new Set(workers.flatMap((w) => w.indices)).size).toBe(11);
    // Never more threads than concurrency or devices.
    expect(assignWorkers(indices, 8, 2, 100)).toHaveLength(2);
    expect(assignWorkers([5], 4, 50, 100)).toHaveLength(1);
  });

  it('splits integers proportionally with the exact total', () => {
    expect(splitProportionally(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(splitProportionally(3, [100, 1, 1], 1)).toEqual([1, 1, 1]);
    expect(splitProportionally(5, [0, 0])).toEqual([5, 0]);
  });

  it('derives bounds from the duration and rate', () => {
    expect(plannedCyclesPerDevice(20_000, 1, null)).toBe(20);
    expect(plannedCyclesPerDevice(20_000, 1, 3)).toBe(3);
    expect(defaultMaxRequests(200, 20)).toBe(2 * 200 * (2 + 40 + 8) + 1000);
    expect(timelineBucketMs(20_000)).toBe(1000);
    expect(timelineBucketMs(3_600_000)).toBe(12_000);
    expect(hardDeadlineMs(20_000, 10_000)).toBe(160_000);
  });

  it('refuses a shard with no device', () => {
    expect(() => checkShardNotEmpty(1, { index: 2, count: 2 })).toThrowError(
      expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('shard 2/2 of 1 device is empty') }),
    );
    expect(() => checkShardNotEmpty(3, { index: 3, count: 4 })).not.toThrow();
    expect(() => checkShardNotEmpty(3, { index: 4, count: 4 })).toThrowError(expect.objectContaining({ message: expect.stringContaining('of 3 devices') }));
  });

  it('estimates the identity pool build and warns only when it is long', () => {
    expect(estimatePoolSeconds('rsa-3072', 1000, 2)).toBeGreaterThan(estimatePoolSeconds('ec-p256', 1000, 2) * 10);
    expect(poolBuildWarning('ec-p256', 200, 2)).toBeUndefined();
    const warning = poolBuildWarning('rsa-3072', 10_000, 2);
    expect(warning).toMatch(/^building 10000 rsa-3072 identities will take about \d+ min over 2 thread\(s\)/);
    expect(warning).toContain('--key-type ec-p256');
  });
});
