/**
 * @module One generator thread's life, the same in a worker thread and in-thread: build the identity pool (before the
 * measured window), then run the fleet and return its measurements with the thread's event-loop utilisation.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../core/clock.js';
import type { MargoConfig } from '../../core/config.js';
import type { KeyType } from '../../core/pki/index.js';
import type { LoadMeasurements, LoadThreadSample } from '../../core/report/load-types.js';
import { runFleet } from './fleet.js';
import { buildIdentityPool, issuerFromPem } from './identities.js';
import type { DeviceIdentity, IssuerPem } from './identities.js';
import type { WorkerAssignment } from './plan.js';
import { createLoadRecorder } from './recorder.js';
import type { LoadProgress } from './recorder.js';

/** Everything a generator thread needs; structured-clone safe (it is a worker's `workerData`). */
export interface ThreadInput {
  readonly assignment: WorkerAssignment;
  readonly wfmUrl: string;
  readonly caPem: string;
  readonly profileId: string;
  readonly config: MargoConfig;
  readonly deviceCa: IssuerPem;
  readonly keyType: KeyType;
  readonly fleetSize: number;
  readonly bucketMs: number;
  readonly durationMs: number;
  readonly ratePerDevice: number;
  readonly maxCyclesPerDevice: number | null;
  readonly timeoutMs: number;
  /** Display name of this thread in the CPU table. */
  readonly threadName: string;
}

/** What a generator thread hands back. */
export interface ThreadResult {
  readonly measurements: LoadMeasurements;
  readonly thread: LoadThreadSample;
}

/** Controls of a running thread. */
export interface ThreadControls {
  readonly clock: Clock;
  readonly softStop: AbortSignal;
  readonly hardStop: AbortSignal;
  /** Called about every `progressEveryMs` with the thread's counters. */
  readonly onProgress?: (p: LoadProgress) => void;
  readonly progressEveryMs?: number;
}

/**
 * Issues the thread's identities under the device CA. Resolves in the order of `assignment.indices`.
 * @throws ConformanceError `RUN_ABORTED` when `signal` (the user's stop) aborts during the build
 */
export function prepareThread(input: ThreadInput, now: Date, signal?: AbortSignal): Promise<DeviceIdentity[]> {
  return buildIdentityPool(input.assignment.indices, issuerFromPem(input.deviceCa), input.keyType, now, signal);
}

/**
 * Runs the fleet of this thread. The event-loop utilisation between start and end is the thread's CPU use
 * (`activeMs`), portable where per-thread CPU clocks are not.
 */
export async function runThread(input: ThreadInput, identities: readonly DeviceIdentity[], ctl: ThreadControls): Promise<ThreadResult> {
  const recorder = createLoadRecorder(input.fleetSize, input.bucketMs);
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const timer = ctl.onProgress === undefined ? undefined : setInterval(() => ctl.onProgress?.(recorder.progress()), ctl.progressEveryMs ?? 500);
  try {
    await runFleet({
      wfmUrl: input.wfmUrl,
      caPem: input.caPem,
      profileId: input.profileId,
      config: input.config,
      identities,
      concurrency: input.assignment.concurrency,
      requestBudget: input.assignment.requestBudget,
      durationMs: input.durationMs,
      ratePerDevice: input.ratePerDevice,
      maxCyclesPerDevice: input.maxCyclesPerDevice,
      timeoutMs: input.timeoutMs,
      recorder,
      clock: ctl.clock,
      softStop: ctl.softStop,
      hardStop: ctl.hardStop,
    });
  } finally {
    if (timer !== undefined) clearInterval(timer);
  }
  ctl.onProgress?.(recorder.progress());
  const elu = performance.eventLoopUtilization(elu0);
  return {
    measurements: recorder.snapshot([]),
    thread: { name: input.threadName, wallMs: performance.now() - t0, activeMs: elu.active },
  };
}
