import { describe, expect, it } from 'vitest';
import {
  createBitmap,
  createHistogram,
  decodeBitmap,
  encodeBitmap,
  firstOverlap,
  freezeHistogram,
  mergeHistograms,
  orBitmaps,
  popcount,
  quantileMs,
  recordLatency,
  setBit,
  summarizeLatency,
} from './stats.js';

function histogramOf(values: readonly number[]): ReturnType<typeof freezeHistogram> {
  const h = createHistogram();
  for (const v of values) recordLatency(h, v);
  return freezeHistogram(h);
}

function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe('latency histogram', () => {
  it('gives quantiles within 1 % of the exact sample quantile', () => {
    const values = Array.from({ length: 5000 }, (_, i) => 0.2 + ((i * 7919) % 5000) * 0.37);
    const sorted = [...values].sort((a, b) => a - b);
    const h = histogramOf(values);
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      const exact = exactQuantile(sorted, q);
      expect(Math.abs(quantileMs(h, q)! - exact) / exact).toBeLessThan(0.0101);
    }
    expect(quantileMs(h, 1)).toBe(sorted.at(-1));
    expect(h.minMs).toBe(sorted[0]);
  });

  it('merging two histograms equals the histogram of all samples', () => {
    const a = [1, 2, 3, 50, 700];
    const b = [0.5, 4, 4, 9000];
    expect(mergeHistograms(histogramOf(a), histogramOf(b))).toEqual(histogramOf([...a, ...b]));
  });

  it('is empty-safe: null quantiles and extremes', () => {
    const empty = histogramOf([]);
    expect(summarizeLatency(empty)).toEqual({ count: 0, minMs: null, meanMs: null, p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null });
    expect(mergeHistograms(empty, histogramOf([3]))).toEqual(histogramOf([3]));
  });

  it('counts negative and non-finite samples as zero', () => {
    const h = histogramOf([-1, Number.NaN]);
    expect(h.count).toBe(2);
    expect(h.maxMs).toBe(0);
  });

  it('refuses to merge histograms with different buckets', () => {
    const other = { ...histogramOf([1]), growth: 1.05 };
    expect(() => mergeHistograms(histogramOf([1]), other)).toThrowError(expect.objectContaining({ code: 'USAGE' }));
  });
});

describe('device bitmaps', () => {
  it('sets, counts, ORs and round-trips through base64', () => {
    const a = createBitmap(20);
    const b = createBitmap(20);
    [0, 7, 19].forEach((i) => setBit(a, i));
    [8, 9].forEach((i) => setBit(b, i));
    expect(popcount(a)).toBe(3);
    expect(firstOverlap(a, b)).toBeUndefined();
    expect(popcount(orBitmaps(a, b))).toBe(5);
    expect(decodeBitmap(encodeBitmap(a), 20)).toEqual(a);
  });

  it('finds the first index present in both', () => {
    const a = createBitmap(30);
    const b = createBitmap(30);
    setBit(a, 21);
    setBit(b, 21);
    setBit(b, 3);
    expect(firstOverlap(a, b)).toBe(21);
  });

  it('rejects a bitmap that does not fit the fleet size', () => {
    expect(() => decodeBitmap(encodeBitmap(createBitmap(64)), 10)).toThrowError(expect.objectContaining({ code: 'USAGE' }));
  });
});
