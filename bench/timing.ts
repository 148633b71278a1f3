/**
 * @module Rate measurement for the benchmarks: operations per second over a time slice, the median of several
 * slices, and interleaving of two measurements so that a busy machine slows both alike (the ratios stay fair even
 * when the absolute numbers move).
 */
import { performance } from 'node:perf_hooks';

/** Runs `op` back to back for about `sliceMs` ms (async ops awaited one by one); the count and the elapsed ms. */
async function runFor(op: () => unknown, sliceMs: number): Promise<{ ops: number; ms: number }> {
  const end = performance.now() + sliceMs;
  const t0 = performance.now();
  let n = 0;
  let now = t0;
  while (now < end) {
    // Check the clock every 32 operations: performance.now() itself costs ~50 ns.
    for (let i = 0; i < 32; i += 1) {
      const r = op();
      if (r instanceof Promise) await r;
    }
    n += 32;
    now = performance.now();
  }
  return { ops: n, ms: now - t0 };
}

/** Operations per second of `op` run back to back for about `sliceMs` ms (async ops are awaited one by one). */
export async function measureRate(op: () => unknown, sliceMs: number): Promise<number> {
  const { ops, ms } = await runFor(op, sliceMs);
  return (ops * 1000) / ms;
}

/** CPU time of this process (user + system) in µs; differences of it measure work, whatever else runs on the machine. */
export function processCpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/**
 * Rate of `op` (per second of wall time) and its cost in CPU µs per operation (process CPU time over the slice:
 * on a busy machine the rate drops, the CPU cost much less).
 */
export async function measureRateAndCpu(op: () => unknown, sliceMs: number): Promise<{ perSecond: number; cpuMicrosPerOp: number }> {
  const cpu0 = processCpuMicros();
  const { ops, ms } = await runFor(op, sliceMs);
  return { perSecond: (ops * 1000) / ms, cpuMicrosPerOp: (processCpuMicros() - cpu0) / ops };
}

/** The median of `values` (0 for an empty list). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Rates of every op in `ops`, measured round-robin: one warm-up slice each, then `rounds` rounds of one `sliceMs`
 * slice per op. Returns the rates per op, in the order given.
 */
export async function interleave(ops: readonly (() => unknown)[], rounds: number, sliceMs: number): Promise<number[][]> {
  for (const op of ops) await measureRate(op, sliceMs);
  const out: number[][] = ops.map(() => []);
  for (let r = 0; r < rounds; r += 1) {
    for (const [i, op] of ops.entries()) out[i]!.push(await measureRate(op, sliceMs));
  }
  return out;
}
