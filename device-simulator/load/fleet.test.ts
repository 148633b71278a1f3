/**
 * The fleet loop in virtual time: fake devices (no network) and a timer whose sleeps advance a virtual clock, so
 * schedules, bounds and stops are checked exactly, never against the wall clock.
 */
import { describe, expect, it } from 'vitest';
import type { Evidence } from '../../core/check.js';
import type { Clock } from '../../core/clock.js';
import { DEFAULT_CONFIG } from '../../core/config-model.js';
import { getProfile } from '../../core/profiles/index.js';
import type { LoadMeasurements } from '../../core/report/load-types.js';
import type { PollOutcome, StepOutcome } from '../types.js';
import { runFleet } from './fleet.js';
import type { FleetDevice, FleetDeviceFactory, FleetOptions } from './fleet.js';
import type { DeviceIdentity } from './identities.js';
import { deviceIdFor } from './plan.js';
import { createLoadRecorder } from './recorder.js';
import { summarizeMeasurements } from './summarize.js';
import type { FleetTimer } from './timing.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/**
 * A timer whose sleeps wake in time order once every device is waiting; `now()` is virtual ms. `earlyMs` wakes each
 * sleep that much early, as Node's timers may (they round to whole ms).
 */
function virtualTimer(earlyMs = 0): FleetTimer & { readonly clock: Clock } {
  let now = 0;
  let seq = 0;
  let scheduled = false;
  const sleepers: { at: number; seq: number; wake(): void }[] = [];
  const pump = (): void => {
    scheduled = false;
    sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = sleepers.shift();
    if (next === undefined) return;
    now = Math.max(now, next.at);
    next.wake();
    schedule();
  };
  // setImmediate runs after every pending microtask: all devices have reached their next wait by then.
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(pump);
  };
  return {
    now: () => now,
    clock: { nowMs: () => T0 + now, nowSeconds: () => Math.floor((T0 + now) / 1000) },
    sleep(ms, signal) {
      if (ms <= 0 || signal.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const entry = {
          at: now + ms - earlyMs,
          seq: (seq += 1),
          wake: () => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = (): void => {
          sleepers.splice(sleepers.indexOf(entry), 1);
          resolve();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        sleepers.push(entry);
        schedule();
      });
    },
  };
}

function exchange(status: number | undefined, durationMs = 1): Evidence {
  return {
    kind: 'exchange',
    request: { method: 'GET', url: 'https://wfm.example/api/v1/x', headers: {} },
    ...(status === undefined ? { transportError: 'TIMEOUT: aborted by the caller' } : { response: { status, headers: {} } }),
    durationMs,
  };
}

interface FakeBehaviour {
  /** Virtual ms one desired-state poll takes. */
  readonly pollMs?: number;
  /** Polls never answer until the device's signal aborts. */
  readonly stallPolls?: boolean;
  /** Called when a poll starts stalling. */
  readonly onStall?: () => void;
  readonly onboardStatus?: number;
}

function fakeDevices(timer: FleetTimer, polls: string[], b: FakeBehaviour = {}): FleetDeviceFactory {
  const never = new AbortController().signal;
  return (identity, signal) => {
    const answer = (step: StepOutcome['step'], status: number): StepOutcome => ({
      step,
      ok: status < 400,
      status,
      exchange: exchange(status),
      ...(status < 400 ? {} : { error: { code: 'UNEXPECTED_STATUS', message: `status ${status}` } }),
    });
    const device: FleetDevice = {
      onboard: () => Promise.resolve(answer('onboard', b.onboardStatus ?? 201)),
      sendCapabilities: () => Promise.resolve(answer('capabilities', 201)),
      async pollDesiredState(): Promise<PollOutcome> {
        polls.push(identity.deviceId);
        if (b.stallPolls === true) {
          b.onStall?.();
          if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
          return { step: 'poll-desired-state', ok: false, error: { code: 'TIMEOUT', message: 'request aborted by the caller' }, exchange: exchange(undefined) };
        }
        if (b.pollMs === undefined) return { ...answer('poll-desired-state', 304), notModified: true };
        await timer.sleep(b.pollMs, never);
        return { ...answer('poll-desired-state', 304), exchange: exchange(304, b.pollMs), notModified: true };
      },
      fetchDeployments: () => Promise.resolve([]),
      reportStatus: () => Promise.resolve(answer('report-status', 201)),
      close: () => Promise.resolve(),
    };
    return device;
  };
}

function identities(n: number): DeviceIdentity[] {
  // The fake devices never read the certificate.
  return Array.from({ length: n }, (_, index) => ({ index, deviceId: deviceIdFor(index), certificate: {} as DeviceIdentity['certificate'] }));
}

interface FleetRun {
  readonly m: LoadMeasurements;
  readonly polls: string[];
  readonly endedAtMs: number;
}

async function run(
  devices: number,
  load: { rate: number; durationMs: number; maxCycles?: number; concurrency?: number },
  behaviour: FakeBehaviour = {},
  stops: { soft?: AbortController; hard?: AbortController; graceMs?: number; earlyMs?: number } = {},
): Promise<FleetRun> {
  const timer = virtualTimer(stops.earlyMs);
  const polls: string[] = [];
  const recorder = createLoadRecorder(devices, 1000);
  const opts: FleetOptions = {
    wfmUrl: 'https://wfm.example',
    caPem: '',
    profileId: 'rfc9421-v1',
    config: DEFAULT_CONFIG,
    identities: identities(devices),
    concurrency: load.concurrency ?? devices,
    requestBudget: 1_000_000,
    durationMs: load.durationMs,
    ratePerDevice: load.rate,
    maxCyclesPerDevice: load.maxCycles ?? null,
    timeoutMs: 60_000,
    recorder,
    clock: timer.clock,
    softStop: (stops.soft ?? new AbortController()).signal,
    hardStop: (stops.hard ?? new AbortController()).signal,
    ...(stops.graceMs === undefined ? {} : { stopGraceMs: stops.graceMs }),
    timer,
    deviceFactory: fakeDevices(timer, polls, behaviour),
  };
  await runFleet(opts);
  return { m: recorder.snapshot([]), polls, endedAtMs: timer.now() };
}

const profile = getProfile('rfc9421-v1');
const requestsOf = (m: LoadMeasurements, endpoint: string): number => m.cells.filter((c) => c.endpoint === endpoint).reduce((a, c) => a + c.requests, 0);

describe('fleet schedule', () => {
  it('ends a run shorter than the polling period at --duration, with every device polling once', async () => {
    const r = await run(5, { rate: 0.1, durationMs: 3000 });
    expect(r.endedAtMs).toBe(3000);
    expect(new Set(r.polls).size).toBe(5);
    expect(r.polls).toHaveLength(5);
    expect(r.m.stopReasons).toEqual(['duration']);
    // Steady throughput is per second of the 3 s steady window, not of the span of its 10 requests.
    const steady = summarizeMeasurements(r.m, profile, { ratePerDevice: 0.1, concurrency: 5 }).phases.find((p) => p.phase === 'steady');
    expect(steady).toMatchObject({ requests: 10, durationSeconds: 3, requestsPerSecond: 3.3 });
  });

  it('stops by itself when the period is far beyond the duration', async () => {
    const r = await run(1, { rate: 0.01, durationMs: 2000 });
    expect(r.endedAtMs).toBe(2000);
    expect(r.polls).toHaveLength(1);
    expect(r.m.stopReasons).toEqual(['duration']);
  });

  it('starts no extra cycle when the timer wakes a fraction of a ms before the end', async () => {
    const r = await run(3, { rate: 0.01, durationMs: 2000 }, {}, { earlyMs: 0.5 });
    expect(r.polls).toHaveLength(3);
    expect(r.m.stopReasons).toEqual(['duration']);
  });

  it('runs exactly --max-cycles cycles per device', async () => {
    const r = await run(4, { rate: 20, durationMs: 60_000, maxCycles: 3 });
    expect(requestsOf(r.m, 'desiredState')).toBe(12);
    expect(requestsOf(r.m, 'deploymentStatus')).toBe(12);
    expect(r.m.cycles.completed).toBe(12);
    expect(r.m.stopReasons).toEqual(['max-cycles']);
    // Three cycles 50 ms apart, first cycles spread over one period: done within one more period.
    expect(r.endedAtMs).toBeLessThan(200);
  });

  it('runs a duration-bound run at the requested rate, within a cycle per device', async () => {
    const r = await run(4, { rate: 2, durationMs: 5000 });
    expect(r.m.cycles.completed).toBeGreaterThanOrEqual(4 * 10 - 4);
    expect(r.m.cycles.completed).toBeLessThanOrEqual(4 * 10 + 4);
    expect(r.m.cycles.late).toBe(0);
    expect(r.endedAtMs).toBe(5000);
    const rate = summarizeMeasurements(r.m, profile, { ratePerDevice: 2, concurrency: 4 }).steadyRate;
    expect(rate).toMatchObject({ requestedCyclesPerSecond: 8, shortfall: false, statement: null });
  });

  it('says so when the devices cannot reach the requested rate (cycles take longer than the period)', async () => {
    const r = await run(2, { rate: 100, durationMs: 2000 }, { pollMs: 100 });
    expect(r.m.cycles.late).toBeGreaterThan(0);
    const rate = summarizeMeasurements(r.m, profile, { ratePerDevice: 100, concurrency: 2 }).steadyRate;
    expect(rate.shortfall).toBe(true);
    expect(rate.requestedCyclesPerSecond).toBe(200);
    expect(rate.offeredCyclesPerSecond).toBeLessThan(25);
    expect(rate.statement).toContain('requested 200 cycles/s (2 devices × 100/s), offered');
    expect(rate.statement).toContain('capped by the round trip of a cycle');
  });

  it('records nothing for an empty slice (no stop reason either)', async () => {
    const r = await run(0, { rate: 1, durationMs: 1000 });
    expect(r.m.stopReasons).toEqual([]);
    expect(r.m.devices.planned).toBe(0);
  });
});

describe('fleet stops', () => {
  it('aborts stalled requests one grace period after the soft stop and counts them as aborted', async () => {
    const soft = new AbortController();
    let stalled = 0;
    const r = await run(3, { rate: 1, durationMs: 600_000 }, { stallPolls: true, onStall: () => (stalled += 1) === 3 && soft.abort('SIGINT') }, { soft, graceMs: 1000 });
    expect(r.m.errorsByKind.aborted).toBe(3);
    expect(requestsOf(r.m, 'desiredState')).toBe(3);
    expect(r.m.stopReasons).toEqual(['interrupted']);
    // The first polls start within the first period (1 s); the cut comes exactly 1 s after the stop.
    expect(r.endedAtMs).toBeGreaterThanOrEqual(1000);
    expect(r.endedAtMs).toBeLessThanOrEqual(2000);
  });

  it('aborts stalled requests at once on the hard stop', async () => {
    const hard = new AbortController();
    let stalled = 0;
    const r = await run(2, { rate: 1, durationMs: 600_000 }, { stallPolls: true, onStall: () => (stalled += 1) === 2 && hard.abort() }, { hard, graceMs: 60_000 });
    expect(r.m.errorsByKind.aborted).toBe(2);
    expect(r.m.stopReasons).toEqual(['deadline']);
    expect(r.endedAtMs).toBeLessThan(1000);
  });

  it('counts onboarding refusals apart from other onboarding failures', async () => {
    const r = await run(3, { rate: 1, durationMs: 1000 }, { onboardStatus: 403 });
    expect(r.m.devices).toMatchObject({ planned: 3, onboarded: 0, failedOnboarding: 3, refusedOnboarding: 3 });
    expect(r.m.devices.failedOnboardingByKind.http).toBe(3);
    expect(r.m.stopReasons).toEqual(['no-device-onboarded']);
    const failed = await run(2, { rate: 1, durationMs: 1000 }, { onboardStatus: 503 });
    expect(failed.m.devices).toMatchObject({ failedOnboarding: 2, refusedOnboarding: 0 });
  });
});
