/**
 * @module The load engine for one thread: simulated devices (the real simulator, one session each, no retries)
 * onboard — signed OnboardingRequest, then DeviceCapabilitiesManifest — and then repeat the steady state at
 * `ratePerDevice` cycles per second: a desired-state poll with If-None-Match (ETag), the deployment fetch when the
 * manifest changed, and a DeploymentStatusManifest. Every request is counted once by the recorder.
 *
 * Bounds: a request budget (`--max-requests` share), the steady duration, `--max-cycles`, a soft stop (no new
 * request after it) and a hard stop (in-flight requests abort).
 * @see seed page "Onboarding Sequence"; spec-digest §5.3–5.6
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../core/clock.js';
import type { MargoConfig } from '../../core/config.js';
import type { LoadPhase, LoadStopReason } from '../../core/report/load-types.js';
import { getProfile } from '../../core/profiles/index.js';
import { createDevice } from '../device.js';
import type { Device, PollOutcome, StepOutcome } from '../types.js';
import { classifyOutcome } from './classify.js';
import type { DeviceIdentity } from './identities.js';
import type { LoadRecorder } from './recorder.js';

/** What one thread's fleet runs against and how hard. */
export interface FleetOptions {
  readonly wfmUrl: string;
  /** Root CA of the WFM (PEM), pinned by every device. */
  readonly caPem: string;
  readonly profileId: string;
  readonly config: MargoConfig;
  readonly identities: readonly DeviceIdentity[];
  /** Requests in flight at once, at most. */
  readonly concurrency: number;
  /** Requests this thread may send, at most. */
  readonly requestBudget: number;
  readonly durationMs: number;
  readonly ratePerDevice: number;
  readonly maxCyclesPerDevice: number | null;
  readonly timeoutMs: number;
  readonly recorder: LoadRecorder;
  readonly clock: Clock;
  /** No new request after this aborts (SIGINT, another bound reached). */
  readonly softStop: AbortSignal;
  /** In-flight requests abort (the hard deadline). */
  readonly hardStop: AbortSignal;
}

/** A counting semaphore: at most `size` holders. */
function createLimiter(size: number): { acquire(): Promise<void>; release(): void } {
  let free = size;
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

/** Per-thread run state shared by the device loops. */
interface FleetContext {
  readonly opts: FleetOptions;
  readonly limiter: ReturnType<typeof createLimiter>;
  readonly stop: AbortController;
  readonly capabilitiesEndpoint: string;
  used: number;
}

function stopWith(ctx: FleetContext, reason: LoadStopReason): void {
  ctx.opts.recorder.stopped(reason);
  ctx.stop.abort();
}

function stopped(ctx: FleetContext): boolean {
  return ctx.stop.signal.aborted || ctx.opts.softStop.aborted || ctx.opts.hardStop.aborted;
}

/** Reserves `n` requests of the budget; at the cap the thread stops with `max-requests`. */
function reserve(ctx: FleetContext, n: number): boolean {
  if (ctx.used + n > ctx.opts.requestBudget) {
    stopWith(ctx, 'max-requests');
    return false;
  }
  ctx.used += n;
  return true;
}

/**
 * Runs one simulator step that sends at most one request, under the concurrency limit, and records it.
 * Resolves to undefined when a bound stopped the thread first. A step that made no request (no deployment to
 * report on) gives its reservation back and is not counted.
 */
async function step<T extends StepOutcome>(ctx: FleetContext, phase: LoadPhase, endpoint: string, run: () => Promise<T>): Promise<T | undefined> {
  if (stopped(ctx) || !reserve(ctx, 1)) return undefined;
  await ctx.limiter.acquire();
  const startedAtMs = ctx.opts.clock.nowMs();
  const t0 = performance.now();
  let outcome: T;
  try {
    outcome = await run();
  } finally {
    ctx.limiter.release();
  }
  if (outcome.exchange === undefined) {
    ctx.used -= 1;
    return outcome;
  }
  ctx.opts.recorder.record({ phase, endpoint, startedAtMs, result: classifyOutcome(outcome, performance.now() - t0) });
  return outcome;
}

/** Step 6 as the steady state needs it: every deployment of a changed manifest, one request each. */
async function fetchChanged(ctx: FleetContext, device: Device, poll: PollOutcome): Promise<boolean> {
  const manifest = poll.manifest as { deployments?: unknown } | undefined;
  const count = Array.isArray(manifest?.deployments) ? manifest.deployments.length : 0;
  if (count === 0 || stopped(ctx) || !reserve(ctx, count)) return !stopped(ctx);
  await ctx.limiter.acquire();
  const startedAtMs = ctx.opts.clock.nowMs();
  const t0 = performance.now();
  let outcomes: StepOutcome[];
  try {
    outcomes = await device.fetchDeployments();
  } finally {
    ctx.limiter.release();
  }
  ctx.used -= count - outcomes.length;
  const wallEach = (performance.now() - t0) / Math.max(1, outcomes.length);
  for (const o of outcomes) ctx.opts.recorder.record({ phase: 'steady', endpoint: 'deploymentByDigest', startedAtMs, result: classifyOutcome(o, wallEach) });
  return outcomes.every((o) => o.ok);
}

async function onboardOne(ctx: FleetContext, device: Device, identity: DeviceIdentity): Promise<boolean> {
  const { recorder } = ctx.opts;
  recorder.markStarted(identity.index);
  const onboarded = await step(ctx, 'onboarding', 'onboarding', () => device.onboard());
  if (onboarded === undefined) return false;
  if (!onboarded.ok) {
    recorder.markOnboardingFailed(identity.index);
    return false;
  }
  recorder.markOnboarded(identity.index);
  // Capabilities complete onboarding (spec-digest §5.4 #24); a refusal is counted, the device still polls.
  await step(ctx, 'onboarding', ctx.capabilitiesEndpoint, () => device.sendCapabilities());
  return true;
}

/** One steady-state cycle: poll (If-None-Match), fetch on change, report status. False when the cycle broke off. */
async function cycle(ctx: FleetContext, device: Device): Promise<boolean> {
  const poll = await step(ctx, 'steady', 'desiredState', () => device.pollDesiredState());
  if (poll === undefined || !poll.ok) return poll !== undefined;
  if (poll.notModified !== true && !(await fetchChanged(ctx, device, poll))) return !stopped(ctx);
  const status = await step(ctx, 'steady', 'deploymentStatus', () => device.reportStatus());
  if (status !== undefined && status.exchange === undefined) ctx.opts.recorder.statusSkipped();
  return status !== undefined;
}

async function waitUntil(ctx: FleetContext, at: number): Promise<void> {
  const ms = at - performance.now();
  if (ms <= 0) return;
  const signal = AbortSignal.any([ctx.stop.signal, ctx.opts.softStop, ctx.opts.hardStop]);
  await sleep(ms, undefined, { signal }).catch((err: unknown) => {
    if (!signal.aborted) throw err;
  });
}

/**
 * The steady loop of one device: cycle `k` is due at `start + offset + k / rate`; a cycle that starts a whole period
 * late counts as late and the schedule skips ahead (no catch-up burst).
 */
async function steadyLoop(ctx: FleetContext, device: Device, start: number, offsetMs: number): Promise<void> {
  const { opts } = ctx;
  const periodMs = 1000 / opts.ratePerDevice;
  const end = start + opts.durationMs;
  let due = start + offsetMs;
  for (let n = 0; ; n += 1) {
    if (opts.maxCyclesPerDevice !== null && n >= opts.maxCyclesPerDevice) return opts.recorder.stopped('max-cycles');
    await waitUntil(ctx, due);
    if (stopped(ctx)) return;
    const now = performance.now();
    if (now >= end) return opts.recorder.stopped('duration');
    const late = now - due >= periodMs;
    if (!(await cycle(ctx, device))) return;
    opts.recorder.cycleCompleted(late);
    due = late ? now + periodMs : due + periodMs;
  }
}

/**
 * Runs the thread's devices: all onboard (at most `concurrency` requests in flight), then the onboarded ones run the
 * steady state for `durationMs` with start times spread over one period. Resolves when every loop ended; counts go
 * to `opts.recorder`. Throws only harness errors from the simulator (a signing key that cannot sign, say).
 */
export async function runFleet(opts: FleetOptions): Promise<void> {
  const profile = getProfile(opts.profileId);
  const ctx: FleetContext = {
    opts,
    limiter: createLimiter(Math.max(1, opts.concurrency)),
    stop: new AbortController(),
    capabilitiesEndpoint: profile.routes.capabilitiesCreate === undefined ? 'capabilitiesUpdate' : 'capabilitiesCreate',
    used: 0,
  };
  const devices = opts.identities.map((identity) => {
    opts.recorder.markPlanned(identity.index);
    const device = createDevice({
      wfmUrl: opts.wfmUrl,
      profileId: opts.profileId,
      config: opts.config,
      caPem: opts.caPem,
      identity: { certificate: identity.certificate },
      deviceId: identity.deviceId,
      clock: opts.clock,
      timeoutMs: opts.timeoutMs,
      // One request per step: a load test measures the target's answers, not the client's backoff.
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      onboardingAttempts: 1,
      signal: opts.hardStop,
    });
    return { identity, device };
  });
  try {
    const onboarded = await Promise.all(devices.map((d) => onboardOne(ctx, d.device, d.identity)));
    const ready = devices.filter((_, i) => onboarded[i] === true);
    if (ready.length === 0) {
      if (!stopped(ctx)) opts.recorder.stopped('no-device-onboarded');
      return;
    }
    const start = performance.now();
    const periodMs = 1000 / opts.ratePerDevice;
    await Promise.all(ready.map((d, i) => steadyLoop(ctx, d.device, start, (i * periodMs) / ready.length)));
  } finally {
    if (opts.hardStop.aborted) opts.recorder.stopped('deadline');
    else if (opts.softStop.aborted) opts.recorder.stopped('interrupted');
    await Promise.all(devices.map((d) => d.device.close()));
  }
}
