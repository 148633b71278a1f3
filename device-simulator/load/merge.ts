/**
 * @module Merging load measurements: worker threads into one process's figures, and shard reports into one fleet
 * report (`merge-reports`). Counts add, histograms add bucket by bucket, device bitmaps OR together after a check
 * that no device index appears twice. Pure.
 */
import { ConformanceError } from '../../core/errors.js';
import type { LoadCell, LoadErrorSample, LoadMeasurements, LoadStopReason, LoadTimeBucket, PhaseWindow } from '../../core/report/load-types.js';
import { ERROR_SAMPLE_LIMIT } from './recorder.js';
import { addCounts, decodeBitmap, encodeBitmap, firstOverlap, mergeHistograms, orBitmaps } from './stats.js';

function mergeWindow(a: PhaseWindow, b: PhaseWindow): PhaseWindow {
  const pick = (x: number | null, y: number | null, f: (p: number, q: number) => number): number | null =>
    x === null ? y : y === null ? x : f(x, y);
  return { startMs: pick(a.startMs, b.startMs, Math.min), endMs: pick(a.endMs, b.endMs, Math.max) };
}

function mergeCells(a: readonly LoadCell[], b: readonly LoadCell[]): LoadCell[] {
  const byKey = new Map<string, LoadCell>();
  for (const c of [...a, ...b]) {
    const key = `${c.phase} ${c.endpoint}`;
    const seen = byKey.get(key);
    byKey.set(
      key,
      seen === undefined
        ? c
        : { ...seen, requests: seen.requests + c.requests, errors: seen.errors + c.errors, latency: mergeHistograms(seen.latency, c.latency) },
    );
  }
  return [...byKey.values()].sort((x, y) => x.phase.localeCompare(y.phase) || x.endpoint.localeCompare(y.endpoint));
}

function mergeBuckets(a: readonly LoadTimeBucket[], b: readonly LoadTimeBucket[]): LoadTimeBucket[] {
  const byStart = new Map<number, LoadTimeBucket>();
  for (const t of [...a, ...b]) {
    const seen = byStart.get(t.startMs);
    byStart.set(
      t.startMs,
      seen === undefined
        ? t
        : { startMs: t.startMs, requests: seen.requests + t.requests, errors: seen.errors + t.errors, latency: mergeHistograms(seen.latency, t.latency) },
    );
  }
  return [...byStart.values()].sort((x, y) => x.startMs - y.startMs);
}

function mergeSamples(a: readonly LoadErrorSample[], b: readonly LoadErrorSample[]): LoadErrorSample[] {
  const byKey = new Map<string, LoadErrorSample>();
  for (const s of [...a, ...b]) {
    const key = `${s.endpoint}|${s.kind}|${s.status ?? ''}|${s.message}`;
    const seen = byKey.get(key);
    if (seen !== undefined) byKey.set(key, { ...seen, count: seen.count + s.count });
    else if (byKey.size < ERROR_SAMPLE_LIMIT) byKey.set(key, s);
  }
  return [...byKey.values()];
}

/**
 * Stop reasons of the union. `no-device-onboarded` describes one slice; once any device of the union onboarded it
 * no longer describes the merged fleet and is dropped.
 */
function mergeStopReasons(a: LoadMeasurements, b: LoadMeasurements): LoadStopReason[] {
  const reasons = new Set([...a.stopReasons, ...b.stopReasons]);
  if (a.devices.onboarded + b.devices.onboarded > 0) reasons.delete('no-device-onboarded');
  return [...reasons].sort();
}

/**
 * Merges two measurements of the same fleet.
 * @throws ConformanceError `USAGE` when the fleet sizes or timeline buckets differ, or a device index is in both
 *   (two reports of the same shard, or overlapping slices)
 */
export function mergeTwo(a: LoadMeasurements, b: LoadMeasurements): LoadMeasurements {
  if (a.fleetSize !== b.fleetSize) {
    throw new ConformanceError('USAGE', `cannot merge reports of fleets of ${a.fleetSize} and ${b.fleetSize} devices`);
  }
  if (a.timeline.bucketMs !== b.timeline.bucketMs) {
    throw new ConformanceError('USAGE', `cannot merge timelines with ${a.timeline.bucketMs} ms and ${b.timeline.bucketMs} ms buckets (use the same --duration)`);
  }
  const plannedA = decodeBitmap(a.devices.plannedBitmap, a.fleetSize);
  const plannedB = decodeBitmap(b.devices.plannedBitmap, b.fleetSize);
  const overlap = firstOverlap(plannedA, plannedB);
  if (overlap !== undefined) {
    throw new ConformanceError('USAGE', `device index ${overlap} appears in two reports: each shard may be merged once`);
  }
  const onboarded = orBitmaps(decodeBitmap(a.devices.onboardedBitmap, a.fleetSize), decodeBitmap(b.devices.onboardedBitmap, b.fleetSize));
  return {
    fleetSize: a.fleetSize,
    devices: {
      planned: a.devices.planned + b.devices.planned,
      started: a.devices.started + b.devices.started,
      onboarded: a.devices.onboarded + b.devices.onboarded,
      failedOnboarding: a.devices.failedOnboarding + b.devices.failedOnboarding,
      refusedOnboarding: a.devices.refusedOnboarding + b.devices.refusedOnboarding,
      failedOnboardingByKind: addCounts(a.devices.failedOnboardingByKind, b.devices.failedOnboardingByKind),
      plannedBitmap: encodeBitmap(orBitmaps(plannedA, plannedB)),
      onboardedBitmap: encodeBitmap(onboarded),
    },
    cells: mergeCells(a.cells, b.cells),
    errorsByStatus: addCounts(a.errorsByStatus, b.errorsByStatus),
    errorsByKind: addCounts(a.errorsByKind, b.errorsByKind),
    errorSamples: mergeSamples(a.errorSamples, b.errorSamples),
    timeline: { bucketMs: a.timeline.bucketMs, buckets: mergeBuckets(a.timeline.buckets, b.timeline.buckets) },
    windows: { onboarding: mergeWindow(a.windows.onboarding, b.windows.onboarding), steady: mergeWindow(a.windows.steady, b.windows.steady) },
    cycles: {
      completed: a.cycles.completed + b.cycles.completed,
      late: a.cycles.late + b.cycles.late,
      statusSkipped: a.cycles.statusSkipped + b.cycles.statusSkipped,
    },
    stopReasons: mergeStopReasons(a, b),
    hosts: [...a.hosts, ...b.hosts],
  };
}

/**
 * Merges any number (≥ 1) of measurements of the same fleet.
 * @throws ConformanceError `USAGE` as {@link mergeTwo}, or when the list is empty
 */
export function mergeMeasurements(list: readonly LoadMeasurements[]): LoadMeasurements {
  const [first, ...rest] = list;
  if (first === undefined) throw new ConformanceError('USAGE', 'nothing to merge: give at least one load report');
  return rest.reduce(mergeTwo, first);
}
