/**
 * @module The load plan: parsing `load` flag values, the deterministic slice of the fleet a shard runs, how a slice
 * is spread over worker threads, and the safety bounds (request cap, hard deadline). Pure functions.
 *
 * Shard `i/n` runs device indices `i-1, i-1+n, i-1+2n, …` of the fleet `0 … N-1`; a device's identity (deviceId,
 * certificate subject) is derived from its index only, so shards never overlap and together cover the fleet.
 */
import { ConformanceError } from '../../core/errors.js';
import type { KeyType } from '../../core/pki/index.js';

/** One shard of the fleet, 1-based: `{ index: 2, count: 4 }` is `--shard 2/4`. */
export interface ShardSpec {
  readonly index: number;
  readonly count: number;
}

/** The whole fleet in one process. */
export const WHOLE_FLEET: ShardSpec = { index: 1, count: 1 };

/**
 * Largest `--devices`: a million device bitmaps, identities and sockets is already more than one process (or a
 * handful of shards) can hold; larger fleets are a typo or need a redesign.
 */
export const MAX_FLEET_SIZE = 1_000_000;

/** Default request cap when `--max-requests` is absent: twice the planned requests plus a margin, at most this. */
export const MAX_DEFAULT_REQUEST_CAP = 50_000_000;
/** Requests per device a cycle-free run makes at most: OnboardingRequest, capabilities, and a few deployment fetches. */
const ONBOARDING_REQUESTS_PER_DEVICE = 2;
const FETCH_ALLOWANCE_PER_DEVICE = 8;

/**
 * Parses `--shard i/n` (1 ≤ i ≤ n). Undefined means the whole fleet.
 * @throws ConformanceError `USAGE` naming the expected form
 */
export function parseShard(text: string | undefined): ShardSpec {
  if (text === undefined) return WHOLE_FLEET;
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || count < 1 || index < 1 || index > count) {
    throw new ConformanceError('USAGE', `--shard takes i/n with 1 ≤ i ≤ n, e.g. 1/4 (found '${text}')`);
  }
  return { index, count };
}

/**
 * Parses a duration: `500ms`, `20s`, `2m`, `1h`, or a bare number of seconds. Returns ms (> 0).
 * @throws ConformanceError `USAGE`
 */
export function parseDurationMs(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m?.[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const ms = m === null ? Number.NaN : Math.round(Number(m[1]) * unit);
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new ConformanceError('USAGE', `${flag} takes a positive duration such as 500ms, 20s, 2m or 1h (found '${text}')`);
  }
  return ms;
}

/**
 * Parses a positive decimal (e.g. `--rate 0.5`).
 * @throws ConformanceError `USAGE`
 */
export function parsePositiveNumber(text: string, flag: string): number {
  const value = /^\s*\d+(?:\.\d+)?\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value) || value <= 0) throw new ConformanceError('USAGE', `${flag} must be a positive number (found '${text}')`);
  return value;
}

/**
 * Refuses a shard with no device (`--devices 1 --shard 2/2`): it would measure nothing and look like a failed run.
 * @throws ConformanceError `USAGE` naming the shard and the fleet size
 */
export function checkShardNotEmpty(fleetSize: number, shard: ShardSpec): void {
  if (shard.index > fleetSize) {
    throw new ConformanceError(
      'USAGE',
      `shard ${shard.index}/${shard.count} of ${fleetSize} device${fleetSize === 1 ? '' : 's'} is empty: split a fleet of ${fleetSize} into at most ${fleetSize} shards`,
    );
  }
}

/** Device indices of `shard` in a fleet of `fleetSize`: `index-1, index-1+count, …`, ascending. */
export function shardIndices(fleetSize: number, shard: ShardSpec): number[] {
  const out: number[] = [];
  for (let i = shard.index - 1; i < fleetSize; i += shard.count) out.push(i);
  return out;
}

/** Spreads `indices` over `workers` slices round-robin (deterministic); never returns an empty slice. */
export function splitAcrossWorkers(indices: readonly number[], workers: number): number[][] {
  const n = Math.max(1, Math.min(workers, indices.length));
  const slices: number[][] = Array.from({ length: n }, () => []);
  indices.forEach((index, i) => slices[i % n]?.push(index));
  return slices;
}

/**
 * Splits an integer `total` over parts proportionally to `weights` (largest remainder), each part at least `min`
 * when the total allows it. The parts sum to `total` exactly when `total ≥ min × parts`.
 */
export function splitProportionally(total: number, weights: readonly number[], min = 0): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0) return [];
  if (sum === 0) return weights.map((_, i) => (i === 0 ? total : 0));
  const floor = Math.min(min, Math.floor(total / weights.length));
  const spare = total - floor * weights.length;
  const raw = weights.map((w) => (spare * w) / sum);
  const parts = raw.map((r) => floor + Math.floor(r));
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
    left -= 1;
  }
  return parts;
}

/** Steady-state cycles one device runs at most: `--max-cycles`, else ⌈duration × rate⌉. */
export function plannedCyclesPerDevice(durationMs: number, ratePerDevice: number, maxCycles: number | null): number {
  const byTime = Math.ceil((durationMs / 1000) * ratePerDevice);
  return maxCycles === null ? byTime : Math.min(maxCycles, byTime);
}

/**
 * Default `--max-requests`: 2 × (devices × (onboarding + 2 per cycle + a fetch allowance)) + 1000, at most
 * {@link MAX_DEFAULT_REQUEST_CAP}. Generous enough never to cut a healthy run, small enough to stop a runaway one.
 */
export function defaultMaxRequests(devices: number, cyclesPerDevice: number): number {
  const planned = devices * (ONBOARDING_REQUESTS_PER_DEVICE + 2 * cyclesPerDevice + FETCH_ALLOWANCE_PER_DEVICE);
  return Math.min(MAX_DEFAULT_REQUEST_CAP, 2 * planned + 1000);
}

/** Width of a timeline bucket, ms: 1 s, widened in whole seconds so a run has at most ~300 buckets. */
export function timelineBucketMs(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs / 300_000)) * 1000;
}

/**
 * The hard deadline of the measured window, ms after its start: the steady duration, as long again for onboarding,
 * plus two minutes (or two request timeouts) of grace. At the deadline in-flight requests are aborted.
 */
export function hardDeadlineMs(durationMs: number, timeoutMs: number): number {
  return 2 * durationMs + Math.max(120_000, 2 * timeoutMs);
}

/** What one worker thread (or the in-thread runner) does. */
export interface WorkerAssignment {
  readonly name: string;
  readonly indices: readonly number[];
  readonly concurrency: number;
  readonly requestBudget: number;
}

/**
 * Spreads a shard over at most `workers` threads: devices round-robin, concurrency and the request cap in proportion
 * to devices. No more threads than devices or than `concurrency`, so every worker may have a request in flight.
 */
export function assignWorkers(indices: readonly number[], workers: number, concurrency: number, maxRequests: number): WorkerAssignment[] {
  const slices = splitAcrossWorkers(indices, Math.max(1, Math.min(workers, concurrency)));
  const sizes = slices.map((s) => s.length);
  const conc = splitProportionally(Math.max(concurrency, slices.length), sizes, 1);
  const budgets = splitProportionally(maxRequests, sizes);
  return slices.map((slice, i) => ({
    name: `worker-${i + 1}`,
    indices: slice,
    concurrency: Math.max(1, conc[i] ?? 1),
    requestBudget: budgets[i] ?? 0,
  }));
}

/** The deviceId of fleet index `index`: stable across runs and shards. */
export function deviceIdFor(index: number): string {
  return `load-device-${String(index).padStart(6, '0')}`;
}

/**
 * Typical time to issue one device identity (key pair + leaf) on one core, ms, measured on a 2-core CI machine:
 * EC and Ed25519 ≈ 10 ms, RSA-2048 ≈ 200 ms, RSA-3072 ≈ 550 ms (RSA key generation dominates).
 */
const ISSUE_MS: Readonly<Record<KeyType, number>> = { 'ec-p256': 12, 'ec-p384': 12, ed25519: 12, 'rsa-2048': 200, 'rsa-3072': 550 };

/** A pool build estimated longer than this (seconds) gets a one-line warning before it starts. */
export const POOL_WARNING_SECONDS = 30;

/** Estimated identity pool build time, seconds: `devices` identities of `keyType` issued over `threads` threads. */
export function estimatePoolSeconds(keyType: KeyType, devices: number, threads: number): number {
  return (devices * ISSUE_MS[keyType]) / 1000 / Math.max(1, threads);
}

/**
 * The warning line for a long pool build (estimate above {@link POOL_WARNING_SECONDS}), else undefined. The build
 * is not measured and Ctrl-C stops it.
 */
export function poolBuildWarning(keyType: KeyType, devices: number, threads: number): string | undefined {
  const seconds = estimatePoolSeconds(keyType, devices, threads);
  if (seconds <= POOL_WARNING_SECONDS) return undefined;
  const human = seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds)} s`;
  return `building ${devices} ${keyType} identities will take about ${human} over ${Math.max(1, threads)} thread(s) (not measured; Ctrl-C stops it)${keyType.startsWith('rsa') ? '; --key-type ec-p256 builds about 40× faster' : ''}`;
}
