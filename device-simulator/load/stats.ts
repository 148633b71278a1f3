/**
 * @module Pure statistics of the load generator: a mergeable latency histogram with fixed logarithmic buckets,
 * quantiles from it, count maps, and device-index bitmaps. Histograms (not raw samples) cross worker and shard
 * boundaries, so merging N shards costs the same as merging two, and the percentiles of a merge are exact up to the
 * bucket width (±1 % relative with the default growth of 1.02).
 */
import type { LatencyHistogram, LatencySummary } from '../../core/report/load-types.js';
import { ConformanceError } from '../../core/errors.js';

/** Lower bound of bucket 0: 1 µs, in ms. Smaller values land in bucket 0. */
export const HISTOGRAM_BASE_MS = 0.001;
/** Bucket growth: 2 % steps, so a bucket's geometric middle is within 1 % of any value in it. */
export const HISTOGRAM_GROWTH = 1.02;

const LOG_GROWTH = Math.log(HISTOGRAM_GROWTH);

/** A histogram being filled: counts by bucket index. Mutable; convert with {@link freezeHistogram}. */
export interface HistogramBuilder {
  readonly counts: Map<number, number>;
  count: number;
  sumMs: number;
  minMs: number;
  maxMs: number;
}

/** An empty {@link HistogramBuilder}. */
export function createHistogram(): HistogramBuilder {
  return { counts: new Map(), count: 0, sumMs: 0, minMs: Number.POSITIVE_INFINITY, maxMs: Number.NEGATIVE_INFINITY };
}

/** Bucket index of a value in ms (values below {@link HISTOGRAM_BASE_MS}, and non-finite ones, go to bucket 0). */
export function bucketIndexOf(valueMs: number): number {
  if (!(valueMs > HISTOGRAM_BASE_MS)) return 0;
  return Math.floor(Math.log(valueMs / HISTOGRAM_BASE_MS) / LOG_GROWTH);
}

/** Adds one latency sample (ms; negative values count as 0). */
export function recordLatency(h: HistogramBuilder, valueMs: number): void {
  const v = Number.isFinite(valueMs) && valueMs > 0 ? valueMs : 0;
  const i = bucketIndexOf(v);
  h.counts.set(i, (h.counts.get(i) ?? 0) + 1);
  h.count += 1;
  h.sumMs += v;
  if (v < h.minMs) h.minMs = v;
  if (v > h.maxMs) h.maxMs = v;
}

/** The JSON form of a builder: buckets sorted by index. */
export function freezeHistogram(h: HistogramBuilder): LatencyHistogram {
  const buckets = [...h.counts.entries()].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
  return {
    baseMs: HISTOGRAM_BASE_MS,
    growth: HISTOGRAM_GROWTH,
    buckets,
    count: h.count,
    sumMs: h.sumMs,
    minMs: h.count === 0 ? null : h.minMs,
    maxMs: h.count === 0 ? null : h.maxMs,
  };
}

/** An empty histogram in JSON form. */
export function emptyHistogram(): LatencyHistogram {
  return freezeHistogram(createHistogram());
}

/**
 * Adds the counts of `a` and `b`. Both must use the same bucket scheme.
 * @throws ConformanceError `USAGE` when the schemes differ (reports from another tool version)
 */
export function mergeHistograms(a: LatencyHistogram, b: LatencyHistogram): LatencyHistogram {
  if (a.baseMs !== b.baseMs || a.growth !== b.growth) {
    throw new ConformanceError('USAGE', `cannot merge latency histograms with different buckets (base ${a.baseMs}/${b.baseMs} ms, growth ${a.growth}/${b.growth})`);
  }
  const counts = new Map<number, number>(a.buckets.map(([i, c]) => [i, c]));
  for (const [i, c] of b.buckets) counts.set(i, (counts.get(i) ?? 0) + c);
  const extreme = (x: number | null, y: number | null, pick: (p: number, q: number) => number): number | null =>
    x === null ? y : y === null ? x : pick(x, y);
  return {
    baseMs: a.baseMs,
    growth: a.growth,
    buckets: [...counts.entries()].sort((p, q) => p[0] - q[0]),
    count: a.count + b.count,
    sumMs: a.sumMs + b.sumMs,
    minMs: extreme(a.minMs, b.minMs, Math.min),
    maxMs: extreme(a.maxMs, b.maxMs, Math.max),
  };
}

/**
 * The `q`-quantile (0 < q ≤ 1) in ms: the geometric middle of the bucket holding the sample of rank ⌈q·count⌉,
 * clamped to the exact min and max; the top rank is the exact maximum. Null for an empty histogram.
 */
export function quantileMs(h: LatencyHistogram, q: number): number | null {
  if (h.count === 0 || h.minMs === null || h.maxMs === null) return null;
  const rank = Math.max(1, Math.ceil(q * h.count));
  if (rank >= h.count) return h.maxMs;
  let seen = 0;
  for (const [i, c] of h.buckets) {
    seen += c;
    if (seen >= rank) {
      const middle = h.baseMs * h.growth ** (i + 0.5);
      return Math.min(h.maxMs, Math.max(h.minMs, middle));
    }
  }
  return h.maxMs;
}

/** min / mean / p50 / p95 / p99 / max of a histogram, ms, rounded to µs. */
export function summarizeLatency(h: LatencyHistogram): LatencySummary {
  const r = (v: number | null): number | null => (v === null ? null : Math.round(v * 1000) / 1000);
  return {
    count: h.count,
    minMs: r(h.minMs),
    meanMs: h.count === 0 ? null : r(h.sumMs / h.count),
    p50Ms: r(quantileMs(h, 0.5)),
    p95Ms: r(quantileMs(h, 0.95)),
    p99Ms: r(quantileMs(h, 0.99)),
    maxMs: r(h.maxMs),
  };
}

/** Sums two count maps key by key. */
export function addCounts<K extends string>(a: Readonly<Record<K, number>>, b: Readonly<Record<K, number>>): Record<K, number> {
  const out = { ...a } as Record<K, number>;
  for (const [k, v] of Object.entries(b) as [K, number][]) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** A bitmap of `size` device indices, all clear. */
export function createBitmap(size: number): Uint8Array {
  return new Uint8Array(Math.ceil(size / 8));
}

/** Sets bit `index`. */
export function setBit(bits: Uint8Array, index: number): void {
  const byte = index >> 3;
  bits[byte] = (bits[byte] ?? 0) | (1 << (index & 7));
}

/** Number of set bits. */
export function popcount(bits: Uint8Array): number {
  let n = 0;
  for (let byte of bits) {
    while (byte !== 0) {
      byte &= byte - 1;
      n += 1;
    }
  }
  return n;
}

/** The first index set in both bitmaps, or undefined when they are disjoint. */
export function firstOverlap(a: Uint8Array, b: Uint8Array): number | undefined {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    const both = (a[i] ?? 0) & (b[i] ?? 0);
    if (both !== 0) return i * 8 + Math.log2(both & -both);
  }
  return undefined;
}

/** Bitwise OR of two bitmaps of the same fleet. */
export function orBitmaps(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.max(a.length, b.length));
  for (let i = 0; i < out.length; i += 1) out[i] = (a[i] ?? 0) | (b[i] ?? 0);
  return out;
}

/** Bitmap → base64 (the report's form). */
export function encodeBitmap(bits: Uint8Array): string {
  return Buffer.from(bits).toString('base64');
}

/**
 * Base64 → bitmap of a fleet of `size` devices.
 * @throws ConformanceError `USAGE` when the bitmap does not fit the fleet size
 */
export function decodeBitmap(text: string, size: number): Uint8Array {
  const bits = new Uint8Array(Buffer.from(text, 'base64'));
  if (bits.length !== Math.ceil(size / 8)) {
    throw new ConformanceError('USAGE', `device bitmap of ${bits.length} bytes does not fit a fleet of ${size} devices`);
  }
  return bits;
}
