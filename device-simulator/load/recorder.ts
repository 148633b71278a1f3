/**
 * @module The per-thread recorder of a load run: counts each request once, by phase × endpoint, by time bucket,
 * and by error kind and status; tracks which fleet indices were planned and onboarded. Its snapshot is a
 * {@link LoadMeasurements}, the mergeable form that crosses worker and shard boundaries.
 */
import type {
  LoadCell,
  LoadErrorKind,
  LoadErrorSample,
  LoadHostSample,
  LoadMeasurements,
  LoadPhase,
  LoadStopReason,
  LoadTimeBucket,
  PhaseWindow,
} from '../../core/report/load-types.js';
import { LOAD_ERROR_KINDS } from '../../core/report/load-types.js';
import type { Classified } from './classify.js';
import { createBitmap, createHistogram, encodeBitmap, freezeHistogram, recordLatency, setBit } from './stats.js';
import type { HistogramBuilder } from './stats.js';

/** Distinct error samples kept per recorder (and per merged report). */
export const ERROR_SAMPLE_LIMIT = 20;

interface CellBuilder {
  requests: number;
  errors: number;
  readonly latency: HistogramBuilder;
}

/** One request to record. `startedAtMs` is Unix ms (it places the request on the timeline and in its phase window). */
export interface RecordedRequestFacts {
  readonly phase: LoadPhase;
  readonly endpoint: string;
  readonly startedAtMs: number;
  readonly result: Classified;
}

/** Live counters for the progress line. */
export interface LoadProgress {
  readonly onboarded: number;
  readonly requests: number;
  readonly errors: number;
}

/** Accumulates one thread's requests. */
export interface LoadRecorder {
  record(facts: RecordedRequestFacts): void;
  markPlanned(index: number): void;
  markStarted(index: number): void;
  markOnboarded(index: number): void;
  /** The device's OnboardingRequest failed as `result` says (a 4xx status is a refusal). */
  markOnboardingFailed(index: number, result: Classified): void;
  /** The phase ran from `startMs` to `endMs` (Unix ms): widens its window. */
  markPhase(phase: LoadPhase, startMs: number, endMs: number): void;
  cycleCompleted(late: boolean): void;
  statusSkipped(): void;
  stopped(reason: LoadStopReason): void;
  progress(): LoadProgress;
  /** The measurements so far; `hosts` is filled in by the orchestrator. */
  snapshot(hosts: readonly LoadHostSample[]): LoadMeasurements;
}

function zeroKinds(): Record<LoadErrorKind, number> {
  return Object.fromEntries(LOAD_ERROR_KINDS.map((k) => [k, 0])) as Record<LoadErrorKind, number>;
}

function widen(window: { startMs: number | null; endMs: number | null }, start: number, end: number): void {
  window.startMs = window.startMs === null ? start : Math.min(window.startMs, start);
  window.endMs = window.endMs === null ? end : Math.max(window.endMs, end);
}

/** A recorder for a fleet of `fleetSize` devices with timeline buckets `bucketMs` wide. */
export function createLoadRecorder(fleetSize: number, bucketMs: number): LoadRecorder {
  const cells = new Map<string, CellBuilder & { phase: LoadPhase; endpoint: string }>();
  const buckets = new Map<number, CellBuilder>();
  const byStatus: Record<string, number> = {};
  const byKind = zeroKinds();
  const samples = new Map<string, LoadErrorSample>();
  const windows: Record<LoadPhase, { startMs: number | null; endMs: number | null }> = {
    onboarding: { startMs: null, endMs: null },
    steady: { startMs: null, endMs: null },
  };
  const planned = createBitmap(fleetSize);
  const onboarded = createBitmap(fleetSize);
  const counts = { planned: 0, started: 0, onboarded: 0, failed: 0, refused: 0, requests: 0, errors: 0, cycles: 0, late: 0, statusSkipped: 0 };
  const failedByKind = zeroKinds();
  const stopReasons = new Set<LoadStopReason>();

  function cell(phase: LoadPhase, endpoint: string): CellBuilder {
    const key = `${phase} ${endpoint}`;
    let c = cells.get(key);
    if (c === undefined) {
      c = { phase, endpoint, requests: 0, errors: 0, latency: createHistogram() };
      cells.set(key, c);
    }
    return c;
  }

  function bucket(atMs: number): CellBuilder {
    const start = Math.floor(atMs / bucketMs) * bucketMs;
    let b = buckets.get(start);
    if (b === undefined) {
      b = { requests: 0, errors: 0, latency: createHistogram() };
      buckets.set(start, b);
    }
    return b;
  }

  function noteError(facts: RecordedRequestFacts): void {
    const { result } = facts;
    const kind = result.kind ?? 'network';
    byKind[kind] += 1;
    if (result.status !== undefined) byStatus[String(result.status)] = (byStatus[String(result.status)] ?? 0) + 1;
    const key = `${facts.endpoint}|${kind}|${result.status ?? ''}|${result.message ?? ''}`;
    const seen = samples.get(key);
    if (seen !== undefined) samples.set(key, { ...seen, count: seen.count + 1 });
    else if (samples.size < ERROR_SAMPLE_LIMIT) {
      samples.set(key, {
        endpoint: facts.endpoint,
        kind,
        ...(result.status === undefined ? {} : { status: result.status }),
        message: result.message ?? '',
        count: 1,
      });
    }
  }

  return {
    record(facts) {
      const failed = !facts.result.ok;
      for (const target of [cell(facts.phase, facts.endpoint), bucket(facts.startedAtMs)]) {
        target.requests += 1;
        if (failed) target.errors += 1;
        recordLatency(target.latency, facts.result.latencyMs);
      }
      widen(windows[facts.phase], facts.startedAtMs, facts.startedAtMs + facts.result.latencyMs);
      counts.requests += 1;
      if (failed) {
        counts.errors += 1;
        noteError(facts);
      }
    },
    markPlanned(index) {
      setBit(planned, index);
      counts.planned += 1;
    },
    markStarted: () => void (counts.started += 1),
    markOnboarded(index) {
      setBit(onboarded, index);
      counts.onboarded += 1;
    },
    markOnboardingFailed(_index, result) {
      counts.failed += 1;
      const kind = result.kind ?? 'network';
      failedByKind[kind] += 1;
      if (kind === 'http' && result.status !== undefined && result.status >= 400 && result.status < 500) counts.refused += 1;
    },
    markPhase: (phase, startMs, endMs) => widen(windows[phase], startMs, Math.max(startMs, endMs)),
    cycleCompleted(late) {
      counts.cycles += 1;
      if (late) counts.late += 1;
    },
    statusSkipped: () => void (counts.statusSkipped += 1),
    stopped: (reason) => void stopReasons.add(reason),
    progress: () => ({ onboarded: counts.onboarded, requests: counts.requests, errors: counts.errors }),
    snapshot(hosts) {
      const cellList: LoadCell[] = [...cells.values()].map((c) => ({
        phase: c.phase,
        endpoint: c.endpoint,
        requests: c.requests,
        errors: c.errors,
        latency: freezeHistogram(c.latency),
      }));
      const bucketList: LoadTimeBucket[] = [...buckets.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([startMs, b]) => ({ startMs, requests: b.requests, errors: b.errors, latency: freezeHistogram(b.latency) }));
      return {
        fleetSize,
        devices: {
          // The call count, not the popcount: a device planned twice shows as a consistency failure.
          planned: counts.planned,
          started: counts.started,
          onboarded: counts.onboarded,
          failedOnboarding: counts.failed,
          refusedOnboarding: counts.refused,
          failedOnboardingByKind: { ...failedByKind },
          plannedBitmap: encodeBitmap(planned),
          onboardedBitmap: encodeBitmap(onboarded),
        },
        cells: cellList,
        errorsByStatus: { ...byStatus },
        errorsByKind: { ...byKind },
        errorSamples: [...samples.values()],
        timeline: { bucketMs, buckets: bucketList },
        windows: { onboarding: { ...windows.onboarding } as PhaseWindow, steady: { ...windows.steady } as PhaseWindow },
        cycles: { completed: counts.cycles, late: counts.late, statusSkipped: counts.statusSkipped },
        stopReasons: [...stopReasons].sort(),
        hosts: [...hosts],
      };
    },
  };
}
