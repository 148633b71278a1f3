/**
 * @module The load run's progress line: devices onboarded, requests per second and errors, as a bar on a terminal
 * and as plain lines in CI. Pure formatting plus a small rate tracker the caller owns.
 */
import type { FleetProgress } from './run.js';

const BAR_WIDTH = 24;

/** Tracks requests/s between two progress snapshots. */
export interface RateTracker {
  /** Requests per second since the previous call (the first call measures from the window's start). */
  update(p: FleetProgress): number;
}

/** A new {@link RateTracker}. */
export function createRateTracker(): RateTracker {
  let last = { requests: 0, elapsedMs: 0 };
  let rate = 0;
  return {
    update(p) {
      const dt = p.elapsedMs - last.elapsedMs;
      // Samples closer than 200 ms apart would make the figure jump; keep the previous one.
      if (dt >= 200) {
        rate = ((p.requests - last.requests) * 1000) / dt;
        last = { requests: p.requests, elapsedMs: p.elapsedMs };
      }
      return rate;
    },
  };
}

function bar(fraction: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
}

/**
 * One progress line. On a TTY a bar leads: onboarding progress until every device is onboarded, then the share of
 * the steady duration elapsed. `durationMs` is the steady duration; `rate` is requests/s.
 */
export function formatLoadProgress(p: FleetProgress, rate: number, durationMs: number, tty: boolean): string {
  const seconds = (p.elapsedMs / 1000).toFixed(1);
  const text = `onboarded ${p.onboarded}/${p.planned} · ${Math.round(rate)} req/s · ${p.requests} requests · ${p.errors} errors · ${seconds}s`;
  if (!tty) return `load: ${text}`;
  const fraction = p.onboarded < p.planned ? p.onboarded / Math.max(1, p.planned) : p.elapsedMs / durationMs;
  return `${bar(fraction)} ${text}`;
}
