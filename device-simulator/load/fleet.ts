/**
 * @module The load engine for one thread: simulated devices (the real simulator, one session each, no retries)
 * onboard — signed OnboardingRequest, then DeviceCapabilitiesManifest — and then repeat the steady state at
 * `ratePerDevice` cycles per second: a desired-state poll with If-None-Match (ETag), the deployment fetch when the
 * manifest changed, and a DeploymentStatusManifest. Every request is counted once by the recorder.
 *
 * Bounds: a request budget (`--max-requests` share), the steady duration (no wait runs past its end),
 * `--max-cycles`, a soft stop (no new request after it; in-flight requests are aborted `stopGraceMs` later) and a
 * hard stop (in-flight requests abort at once). Aborted requests are counted as `aborted`.
 * @see seed page "Onboarding Sequence"; spec-digest §5.3–5.6
 */
import { setMaxListeners } from 'node:events';
import type { Clock } from '../../core/clock.js';
import type { MargoConfig } from '../../core/config.js';
import type { LoadPhase, LoadStopReason } from '../../core/report/load-types.js';
import { getProfile } from '../../core/profiles/index.js';
import { createDevice } from '../device.js';
import type { Device, PollOutcome, StepOutcome } from '../types.js';
import { classifyOutcome } from './classify.js';
import type { DeviceIdentity } from './identities.js';
import type { LoadRecorder } from './recorder.js';
import { createCutSignal, createLimiter, startSpreadMs, systemFleetTimer } from './timing.js';
import type { FleetTimer, Limiter } from './timing.js';

/** How long in-flight requests may still finish after the soft stop (Ctrl-C) before they are aborted, ms. */
export const DEFAULT_STOP_GRACE_MS = 1000;

/** The part of a simulated device the fleet drives. */
export type FleetDevice = Pick<Device, 'onboard' | 'sendCapabilities' | 'pollDesiredState' | 'fetchDeployments' | 'reportStatus' | 'close'>;

/** Builds the device of one identity; `signal` aborts its in-flight request. */
export type FleetDeviceFactory = (identity: DeviceIdentity, signal: AbortSignal) => FleetDevice;

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
  /** Wall clock of the recorded timestamps (Unix ms). */
  readonly clock: Clock;
  /** No new request after this aborts (SIGINT, another bound reached); in-flight ones get `stopGraceMs`. */
  readonly softStop: AbortSignal;
  /** In-flight requests abort (the hard deadline). */
  readonly hardStop: AbortSignal;
  /** Grace after the soft stop before in-flight requests abort, ms; default {@link DEFAULT_STOP_GRACE_MS}. */
  readonly stopGraceMs?: number;
  /** Scheduling time and sleeps; default the real timer. */
  readonly timer?: FleetTimer;
  /** Builds each device; default the real simulator ({@link createDevice}) against `wfmUrl`. */
  readonly deviceFactory?: FleetDeviceFactory;
}

/** Per-thread run state shared by the device loops. */
interface FleetContext {
  readonly opts: FleetOptions;
  readonly timer: FleetTimer;
  readonly limiter: Limiter;
  readonly stop: AbortController;
  /** Aborts when any stop (own bound, soft, hard) fires: wakes sleeping loops. Built once (AbortSignal.any is costly). */
  readonly wake: AbortSignal;
  readonly capabilitiesEndpoint: string;
  used: number;
}

function stopWith(ctx: FleetContext, reason: LoadStopReason): void {
  ctx.opts.recorder.stopped(reason);
  ctx.stop.abort();
}

function stopped(ctx: FleetContext): boolean {
  return ctx.wake.aborted;
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
  const t0 = ctx.timer.now();
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
  ctx.opts.recorder.record({ phase, endpoint, startedAtMs, result: classifyOutcome(outcome, ctx.timer.now() - t0) });
  return outcome;
}

/** Step 6 as the steady state needs it: every deployment of a changed manifest, one request each. */
async function fetchChanged(ctx: FleetContext, device: FleetDevice, poll: PollOutcome): Promise<boolean> {
  const manifest = poll.manifest as { deployments?: unknown } | undefined;
  const count = Array.isArray(manifest?.deployments) ? manifest.deployments.length : 0;
  if (count === 0 || stopped(ctx) || !reserve(ctx, count)) return !stopped(ctx);
  await ctx.limiter.acquire();
  const startedAtMs = ctx.opts.clock.nowMs();
  const t0 = ctx.timer.now();
  let outcomes: StepOutcome[];
  try {
    outcomes = await device.fetchDeployments();
  } finally {
    ctx.limiter.release();
  }
  ctx.used -= count - outcomes.length;
  const wallEach = (ctx.timer.now() - t0) / Math.max(1, outcomes.length);
  for (const o of outcomes) ctx.opts.recorder.record({ phase: 'steady', endpoint: 'deploymentByDigest', startedAtMs, result: classifyOutcome(o, wallEach) });
  return outcomes.every((o) => o.ok);
}

async function onboardOne(ctx: FleetContext, device: FleetDevice, identity: DeviceIdentity): Promise<boolean> {
  const { recorder } = ctx.opts;
  recorder.markStarted(identity.index);
  const onboarded = await step(ctx, 'onboarding', 'onboarding', () => device.onboard());
  if (onboarded === undefined) return false;
  if (!onboarded.ok) {
    // Counted once more by why it failed: a refusal (HTTP 4xx) or a failure (timeout, TLS, 5xx, …).
    recorder.markOnboardingFailed(identity.index, classifyOutcome(onboarded, 0));
    return false;
  }
  recorder.markOnboarded(identity.index);
  // Capabilities complete onboarding (spec-digest §5.4 #24); a refusal is counted, the device still polls.
  await step(ctx, 'onboarding', ctx.capabilitiesEndpoint, () => device.sendCapabilities());
  return true;
}

/** One steady-state cycle: poll (If-None-Match), fetch on change, report status. False when the cycle broke off. */
async function cycle(ctx: FleetContext, device: FleetDevice): Promise<boolean> {
  const poll = await step(ctx, 'steady', 'desiredState', () => device.pollDesiredState());
  if (poll === undefined || !poll.ok) return poll !== undefined;
  if (poll.notModified !== true && !(await fetchChanged(ctx, device, poll))) return !stopped(ctx);
  const status = await step(ctx, 'steady', 'deploymentStatus', () => device.reportStatus());
  if (status !== undefined && status.exchange === undefined) ctx.opts.recorder.statusSkipped();
  return status !== undefined;
}

/** Sleeps until `at` (timer ms), or until any stop fires. */
async function waitUntil(ctx: FleetContext, at: number): Promise<void> {
  await ctx.timer.sleep(at - ctx.timer.now(), ctx.wake);
}

/**
 * The steady loop of one device: cycle `k` is due at `start + offset + k / rate`; a cycle that starts a whole period
 * late counts as late and the schedule skips ahead (no catch-up burst). No wait goes past the end of the steady
 * duration: the loop stops there even when its next cycle would be due later.
 */
async function steadyLoop(ctx: FleetContext, device: FleetDevice, start: number, offsetMs: number): Promise<void> {
  const { opts } = ctx;
  const periodMs = 1000 / opts.ratePerDevice;
  const end = start + opts.durationMs;
  let due = start + offsetMs;
  for (let n = 0; ; n += 1) {
    if (opts.maxCyclesPerDevice !== null && n >= opts.maxCyclesPerDevice) return opts.recorder.stopped('max-cycles');
    await waitUntil(ctx, Math.min(due, end));
    if (stopped(ctx)) return;
    const now = ctx.timer.now();
    // `due >= end`: the wait was for the end itself (a timer may wake a fraction of a ms early).
    if (due >= end || now >= end) return opts.recorder.stopped('duration');
    const late = now - due >= periodMs;
    if (!(await cycle(ctx, device))) return;
    opts.recorder.cycleCompleted(late);
    due = late ? now + periodMs : due + periodMs;
  }
}

/** The real simulator as a {@link FleetDeviceFactory}: one session per identity, one attempt per request. */
function simulatorDevices(opts: FleetOptions): FleetDeviceFactory {
  return (identity, signal) =>
    createDevice({
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
      signal,
    });
}

/**
 * The steady phase of the onboarded devices: first cycles spread over one period (at most the duration), then
 * `durationMs` of cycles. The phase's interval (its real start and end) is recorded, so steady throughput is per
 * second of the steady window, not per second of the span between its first and last request.
 */
async function runSteady(ctx: FleetContext, ready: readonly FleetDevice[]): Promise<void> {
  const { opts, timer } = ctx;
  const startedAtMs = opts.clock.nowMs();
  const start = timer.now();
  const spread = startSpreadMs(1000 / opts.ratePerDevice, opts.durationMs);
  try {
    await Promise.all(ready.map((device, i) => steadyLoop(ctx, device, start, (i * spread) / ready.length)));
  } finally {
    opts.recorder.markPhase('steady', startedAtMs, opts.clock.nowMs());
  }
}

/**
 * Runs the thread's devices: all onboard (at most `concurrency` requests in flight), then the onboarded ones run the
 * steady state for `durationMs`. Resolves when every loop ended; counts go to `opts.recorder`. An empty slice
 * records nothing (not even a stop reason). Throws only harness errors from the simulator (a signing key that
 * cannot sign, say).
 */
export async function runFleet(opts: FleetOptions): Promise<void> {
  if (opts.identities.length === 0) return;
  const profile = getProfile(opts.profileId);
  const timer = opts.timer ?? systemFleetTimer;
  const stop = new AbortController();
  const ctx: FleetContext = {
    opts,
    timer,
    limiter: createLimiter(opts.concurrency),
    stop,
    wake: AbortSignal.any([stop.signal, opts.softStop, opts.hardStop]),
    capabilitiesEndpoint: profile.routes.capabilitiesCreate === undefined ? 'capabilitiesUpdate' : 'capabilitiesCreate',
    used: 0,
  };
  const cut = createCutSignal({ hardStop: opts.hardStop, softStop: opts.softStop, graceMs: opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS, timer });
  // Every device of the thread listens on these two (one sleep or one request each): not a listener leak.
  setMaxListeners(0, ctx.wake, cut.signal);
  const build = opts.deviceFactory ?? simulatorDevices(opts);
  const devices = opts.identities.map((identity) => {
    opts.recorder.markPlanned(identity.index);
    return { identity, device: build(identity, cut.signal) };
  });
  try {
    const onboardingStartedAtMs = opts.clock.nowMs();
    const onboarded = await Promise.all(devices.map((d) => onboardOne(ctx, d.device, d.identity)));
    opts.recorder.markPhase('onboarding', onboardingStartedAtMs, opts.clock.nowMs());
    const ready = devices.filter((_, i) => onboarded[i] === true).map((d) => d.device);
    if (ready.length === 0) {
      if (!stopped(ctx)) opts.recorder.stopped('no-device-onboarded');
      return;
    }
    if (!stopped(ctx)) await runSteady(ctx, ready);
  } finally {
    if (opts.hardStop.aborted) opts.recorder.stopped('deadline');
    else if (opts.softStop.aborted) opts.recorder.stopped('interrupted');
    cut.dispose();
    await Promise.all(devices.map((d) => d.device.close()));
  }
}
