/**
 * @module Synthetic load reports for unit tests of merging, summarising and rendering (no network).
 */
import { getProfile } from '../../core/profiles/index.js';
import type { LoadHostSample, LoadReport } from '../../core/report/load-types.js';
import { createLoadRecorder } from '../../device-simulator/load/recorder.js';
import type { LoadRecorder } from '../../device-simulator/load/recorder.js';
import { buildLoadReport } from '../../device-simulator/load/summarize.js';

/** Epoch of the synthetic runs, Unix ms. */
export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A recorder that saw `indices` onboard and each make `cycles` clean steady cycles (poll + status). */
export function syntheticRecorder(fleetSize: number, indices: readonly number[], cycles: number, extra?: (r: LoadRecorder) => void): LoadRecorder {
  const r = createLoadRecorder(fleetSize, 1000);
  for (const i of indices) {
    r.markPlanned(i);
    r.markStarted(i);
    r.record({ phase: 'onboarding', endpoint: 'onboarding', startedAtMs: T0 + i, result: { ok: true, status: 201, latencyMs: 5 + i } });
    r.markOnboarded(i);
    r.record({ phase: 'onboarding', endpoint: 'capabilitiesCreate', startedAtMs: T0 + 10 + i, result: { ok: true, status: 201, latencyMs: 3 } });
    for (let c = 0; c < cycles; c += 1) {
      const at = T0 + 1000 * (c + 1) + i;
      r.record({ phase: 'steady', endpoint: 'desiredState', startedAtMs: at, result: { ok: true, status: 304, latencyMs: 1 + c } });
      r.record({ phase: 'steady', endpoint: 'deploymentStatus', startedAtMs: at + 5, result: { ok: true, status: 201, latencyMs: 2 } });
      r.cycleCompleted(false);
    }
  }
  r.stopped('max-cycles');
  extra?.(r);
  return r;
}

/** A host sample with one thread busy `busy` of the time. */
export function hostSample(shard: string, busy: number, machine: number | null = 0.3, embedded = false): LoadHostSample {
  return {
    shard,
    wallMs: 10_000,
    processUserMs: 3000,
    processSystemMs: 500,
    cores: 2,
    machineBusyFraction: machine,
    embeddedMockInProcess: embedded,
    threads: [{ name: 'worker-1', wallMs: 10_000, activeMs: busy * 10_000 }],
  };
}

/** A full report of shard `index/count` of a fleet of `fleetSize`. */
export function syntheticReport(fleetSize: number, index: number, count: number, cycles = 2, notes: string[] = []): LoadReport {
  const indices: number[] = [];
  for (let i = index - 1; i < fleetSize; i += count) indices.push(i);
  const m = syntheticRecorder(fleetSize, indices, cycles).snapshot([hostSample(`${index}/${count}`, 0.4)]);
  return buildLoadReport(
    {
      toolVersion: '0.0.0-test',
      profile: getProfile('rfc9421-v1'),
      target: 'https://wfm.example',
      embeddedMock: false,
      startedAt: new Date(T0).toISOString(),
      finishedAt: new Date(T0 + 5000).toISOString(),
      parameters: {
        devices: fleetSize,
        concurrency: 10,
        durationSeconds: 60,
        ratePerDevice: 1,
        maxRequests: 10_000,
        maxCyclesPerDevice: cycles,
        workers: 1,
        keyType: 'ec-p256',
        timeoutMs: 10_000,
        hardDeadlineSeconds: 180,
      },
      shards: [{ index, count }],
      notes,
    },
    m,
  );
}
