/**
 * @module Time and concurrency primitives of the fleet loop: a monotonic timer with an abortable sleep (injected, so
 * tests run a whole schedule in virtual time), a counting semaphore for the concurrency limit, and the signal that
 * cuts in-flight requests after a stop.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleepTimer } from 'node:timers/promises';

/** Monotonic time for scheduling cycles. `now()` is ms from an arbitrary origin. */
export interface FleetTimer {
  now(): number;
  /** Resolves after `ms`, or early (never rejecting) when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** The real timer: `performance.now()` and Node's timers. */
export const systemFleetTimer: FleetTimer = {
  now: () => performance.now(),
  async sleep(ms, signal) {
    if (ms <= 0 || signal.aborted) return;
    await sleepTimer(ms, undefined, { signal }).catch((err: unknown) => {
      // An abort is the expected early wake-up; anything else is a real failure.
      if (!signal.aborted) throw err;
    });
  },
};

/** A counting semaphore: at most `size` holders. */
export interface Limiter {
  acquire(): Promise<void>;
  release(): void;
}

/** A {@link Limiter} with `size` (≥ 1) slots; waiters are served first come, first served. */
export function createLimiter(size: number): Limiter {
  let free = Math.max(1, size);
  const waiting: (() => void)[] = [];
  return {
    acquire() {
      if (free > 0) {
        free -= 1;
        return Promise.resolve();
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
    release() {
      const next = waiting.shift();
      if (next !== undefined) next();
      else free += 1;
    },
  };
}

/**
 * Spread of the devices' first cycles, ms: over one period, but never past the steady duration, so every device
 * polls at least once in a run shorter than its period.
 */
export function startSpreadMs(periodMs: number, durationMs: number): number {
  return Math.min(periodMs, durationMs);
}

/** When in-flight requests are cut: the two stops and the grace after the soft one. */
export interface CutOptions {
  /** Cuts at once (the hard deadline). */
  readonly hardStop: AbortSignal;
  /** Cuts `graceMs` later (Ctrl-C). */
  readonly softStop: AbortSignal;
  readonly graceMs: number;
  readonly timer: FleetTimer;
}

/**
 * The signal that aborts in-flight requests: at once on the hard stop, `graceMs` after the soft stop (so a Ctrl-C
 * ends requests stalled on a silent target well before the CLI's forced exit). `dispose` cancels a pending grace
 * and removes the listeners.
 */
export function createCutSignal(opts: CutOptions): { signal: AbortSignal; dispose(): void } {
  const cut = new AbortController();
  const done = new AbortController();
  const onHard = (): void => cut.abort(opts.hardStop.reason);
  const onSoft = (): void => {
    opts.timer.sleep(opts.graceMs, AbortSignal.any([cut.signal, done.signal])).then(
      () => {
        if (!done.signal.aborted) cut.abort(opts.softStop.reason);
      },
      // A timer that fails cannot give the grace: cut at once rather than leave requests running.
      (err: unknown) => cut.abort(err),
    );
  };
  const listen = (signal: AbortSignal, fn: () => void): void => {
    if (signal.aborted) fn();
    else signal.addEventListener('abort', fn, { once: true });
  };
  listen(opts.hardStop, onHard);
  listen(opts.softStop, onSoft);
  return {
    signal: cut.signal,
    dispose() {
      done.abort();
      opts.hardStop.removeEventListener('abort', onHard);
      opts.softStop.removeEventListener('abort', onSoft);
    },
  };
}
