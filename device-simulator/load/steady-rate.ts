/**
 * @module The steady load asked for (onboarded devices × `--rate`) against the load the generator offered (completed
 * cycles per second of the steady window), and the plain statement when the generator fell short. Pure.
 */
import type { LoadMeasurements, LoadParameters, SteadyRateSummary } from '../../core/report/load-types.js';

/**
 * Shortest window, ms, over which saturation and the offered rate are judged: a run of a few ms is all start-up
 * (a thread busy 100 % of 5 ms says nothing about its capacity).
 */
export const MIN_JUDGED_WINDOW_MS = 1000;
/** The generator fell short when it offered less than this share of the requested cycles/s… */
export const RATE_SHORTFALL = 0.9;
/** …or when more than this share of its cycles started a whole period late. */
export const LATE_CYCLE_SHARE = 0.05;

/** What the steady load asked for: `--rate` per device and `--concurrency`. */
export type SteadyLoad = Pick<LoadParameters, 'ratePerDevice' | 'concurrency'>;

const round = (v: number, digits = 3): number => Math.round(v * 10 ** digits) / 10 ** digits;
const fmtRate = (v: number): string => (v >= 100 ? String(Math.round(v)) : String(round(v, 2)));

/** Why the rate fell short: a cycle longer than the period, the concurrency limit, or else the generator/target. */
function shortfallReason(r: Omit<SteadyRateSummary, 'statement' | 'shortfall'>, devices: number, load: SteadyLoad): string {
  const perDevice = r.meanCycleMs === null || r.meanCycleMs <= 0 ? null : 1000 / r.meanCycleMs;
  if (perDevice !== null && perDevice < load.ratePerDevice) {
    return `each device runs its cycles one after another, so its rate is capped by the round trip of a cycle (${round(r.meanCycleMs ?? 0, 1)} ms ≈ ${fmtRate(perDevice)}/s per device); lower --rate or add devices`;
  }
  if (load.concurrency < devices) {
    return `--concurrency ${load.concurrency} caps the requests in flight for ${devices} devices, so cycles wait for a free slot; raise --concurrency or lower --rate`;
  }
  return 'the generator or the target could not keep up (see the CPU figures); add workers or shards, or lower --rate';
}

function rateStatement(r: Omit<SteadyRateSummary, 'statement' | 'shortfall'>, devices: number, load: SteadyLoad): string {
  const late = r.lateCycles > 0 ? ` (${r.lateCycles} of ${r.completedCycles} cycles started a whole period late)` : '';
  return (
    `requested ${fmtRate(r.requestedCyclesPerSecond ?? 0)} cycles/s (${devices} device${devices === 1 ? '' : 's'} × ${load.ratePerDevice}/s), ` +
    `offered ${fmtRate(r.offeredCyclesPerSecond ?? 0)}/s${late}: ${shortfallReason(r, devices, load)}`
  );
}

/**
 * The requested and the offered steady rate (cycles/s) and the mean cycle time (ms, its requests back to back).
 * Judged (shortfall, statement) only over a steady window of at least {@link MIN_JUDGED_WINDOW_MS}: short of
 * {@link RATE_SHORTFALL} of the requested cycles/s, or more than {@link LATE_CYCLE_SHARE} of the cycles late.
 */
export function summarizeSteadyRate(m: LoadMeasurements, load: SteadyLoad): SteadyRateSummary {
  const w = m.windows.steady;
  const windowMs = w.startMs === null || w.endMs === null ? null : w.endMs - w.startMs;
  const devices = m.devices.onboarded;
  const steadyMs = m.cells.filter((c) => c.phase === 'steady').reduce((a, c) => a + c.latency.sumMs, 0);
  const base = {
    requestedCyclesPerSecond: windowMs === null || devices === 0 ? null : round(devices * load.ratePerDevice),
    offeredCyclesPerSecond: windowMs === null ? null : round(m.cycles.completed / Math.max(0.001, windowMs / 1000)),
    meanCycleMs: m.cycles.completed === 0 ? null : round(steadyMs / m.cycles.completed),
    completedCycles: m.cycles.completed,
    lateCycles: m.cycles.late,
  };
  const { requestedCyclesPerSecond: requested, offeredCyclesPerSecond: offered } = base;
  const shortfall =
    windowMs !== null &&
    windowMs >= MIN_JUDGED_WINDOW_MS &&
    requested !== null &&
    offered !== null &&
    (offered < RATE_SHORTFALL * requested || m.cycles.late > LATE_CYCLE_SHARE * m.cycles.completed);
  return { ...base, shortfall, statement: shortfall ? rateStatement(base, devices, load) : null };
}
