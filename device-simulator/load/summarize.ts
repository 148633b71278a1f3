/**
 * @module Deriving the load report's figures from its measurements: throughput per phase, latency per endpoint,
 * the latency-over-time series, the consistency flags, and whether the generator's CPU (rather than the target)
 * was the limit. Pure; a single run and a merge of shards go through the same functions.
 */
import type { Profile, RouteName } from '../../core/profiles/index.js';
import type {
  EndpointSummary,
  LoadCpuSummary,
  LoadHostSample,
  LoadMeasurements,
  LoadParameters,
  LoadReport,
  LoadSummary,
  PhaseSummary,
  TimelinePoint,
} from '../../core/report/load-types.js';
import { LOAD_ERROR_KINDS, LOAD_PHASES } from '../../core/report/load-types.js';
import { decodeBitmap, emptyHistogram, mergeHistograms, popcount, quantileMs, summarizeLatency } from './stats.js';
import { MIN_JUDGED_WINDOW_MS, summarizeSteadyRate } from './steady-rate.js';
import type { SteadyLoad } from './steady-rate.js';

/** A generator thread whose event loop was busy at least this fraction of the time was the bottleneck. */
export const THREAD_SATURATION = 0.9;
/** A machine whose cores were busy at least this fraction of the time was the bottleneck. */
export const MACHINE_SATURATION = 0.95;

const round = (v: number, digits = 3): number => Math.round(v * 10 ** digits) / 10 ** digits;

function phaseSummaries(m: LoadMeasurements): PhaseSummary[] {
  return LOAD_PHASES.map((phase) => {
    const cells = m.cells.filter((c) => c.phase === phase);
    const requests = cells.reduce((a, c) => a + c.requests, 0);
    const errors = cells.reduce((a, c) => a + c.errors, 0);
    const w = m.windows[phase];
    const seconds = w.startMs === null || w.endMs === null ? null : Math.max(0.001, (w.endMs - w.startMs) / 1000);
    return { phase, requests, errors, durationSeconds: seconds === null ? null : round(seconds), requestsPerSecond: seconds === null ? null : round(requests / seconds, 1) };
  });
}

/** Endpoints in the order a device calls them; others follow alphabetically. */
const FLOW_ORDER: readonly string[] = ['onboarding', 'capabilitiesCreate', 'capabilitiesUpdate', 'desiredState', 'deploymentByDigest', 'deploymentStatus'];

function flowRank(endpoint: string): number {
  const i = FLOW_ORDER.indexOf(endpoint);
  return i === -1 ? FLOW_ORDER.length : i;
}

function endpointSummaries(m: LoadMeasurements, profile: Profile): EndpointSummary[] {
  const names = [...new Set(m.cells.map((c) => c.endpoint))].sort((a, b) => flowRank(a) - flowRank(b) || a.localeCompare(b));
  return names.map((endpoint) => {
    const cells = m.cells.filter((c) => c.endpoint === endpoint);
    const latency = cells.reduce((h, c) => mergeHistograms(h, c.latency), emptyHistogram());
    const route = profile.routes[endpoint as RouteName];
    return {
      endpoint,
      method: route?.method ?? '?',
      path: route?.path ?? '?',
      requests: cells.reduce((a, c) => a + c.requests, 0),
      errors: cells.reduce((a, c) => a + c.errors, 0),
      latency: summarizeLatency(latency),
    };
  });
}

function timeline(m: LoadMeasurements): TimelinePoint[] {
  const first = m.timeline.buckets[0]?.startMs ?? 0;
  const seconds = m.timeline.bucketMs / 1000;
  const r = (v: number | null): number | null => (v === null ? null : round(v));
  return m.timeline.buckets.map((b) => ({
    offsetSeconds: (b.startMs - first) / 1000,
    requests: b.requests,
    requestsPerSecond: round(b.requests / seconds, 1),
    errors: b.errors,
    p50Ms: r(quantileMs(b.latency, 0.5)),
    p95Ms: r(quantileMs(b.latency, 0.95)),
    p99Ms: r(quantileMs(b.latency, 0.99)),
  }));
}

/** The derived figures of `m`; endpoint methods and paths come from `profile`, the requested load from `load`. */
export function summarizeMeasurements(m: LoadMeasurements, profile: Profile, load: SteadyLoad): LoadSummary {
  const phases = phaseSummaries(m);
  const endpoints = endpointSummaries(m, profile);
  // Independent totals: the timeline buckets are filled by the same record() call as the cells, so comparing them
  // catches a request counted in one place and not the other.
  const requests = m.timeline.buckets.reduce((a, b) => a + b.requests, 0);
  const errors = m.timeline.buckets.reduce((a, b) => a + b.errors, 0);
  const onboarding = phases.find((p) => p.phase === 'onboarding');
  const all = m.cells.reduce((h, c) => mergeHistograms(h, c.latency), emptyHistogram());
  return {
    requests,
    errors,
    errorRate: requests === 0 ? 0 : round(errors / requests, 6),
    devices: {
      planned: m.devices.planned,
      onboarded: m.devices.onboarded,
      failedOnboarding: m.devices.failedOnboarding,
      refusedOnboarding: m.devices.refusedOnboarding,
      failedOnboardingByKind: m.devices.failedOnboardingByKind,
    },
    onboardingsPerSecond: onboarding?.durationSeconds == null ? null : round(m.devices.onboarded / onboarding.durationSeconds, 1),
    phases,
    endpoints,
    latency: summarizeLatency(all),
    errorsByStatus: m.errorsByStatus,
    errorsByKind: m.errorsByKind,
    errorSamples: m.errorSamples,
    timeline: timeline(m),
    timelineBucketSeconds: m.timeline.bucketMs / 1000,
    consistency: {
      requestsEqualSumOverEndpoints: requests === endpoints.reduce((a, e) => a + e.requests, 0),
      requestsEqualSumOverPhases: requests === phases.reduce((a, p) => a + p.requests, 0),
      devicesDistinct: popcount(decodeBitmap(m.devices.plannedBitmap, m.fleetSize)) === m.devices.planned,
      onboardedMatchesBitmap: popcount(decodeBitmap(m.devices.onboardedBitmap, m.fleetSize)) === m.devices.onboarded,
      errorsEqualSumOverKinds: errors === LOAD_ERROR_KINDS.reduce((a, k) => a + m.errorsByKind[k], 0),
    },
    stopReasons: m.stopReasons,
    steadyRate: summarizeSteadyRate(m, load),
  };
}

function cpuStatement(cpu: Omit<LoadCpuSummary, 'statement'>, hosts: readonly LoadHostSample[]): string | null {
  const busiest = cpu.generatorSaturated ? [...cpu.threads].sort((a, b) => b.busyFraction - a.busyFraction)[0] : undefined;
  if (cpu.generatorSaturated && busiest !== undefined) {
    return `The generator's CPU was saturated (${busiest.name} busy ${Math.round(busiest.busyFraction * 100)}%): these numbers measure the generator, not the target. Add cores (--workers) or machines (--shard).`;
  }
  if (!cpu.machineSaturated) return null;
  const busy = `${Math.round((cpu.machineBusyFraction ?? 1) * 100)}%`;
  return hosts.some((h) => h.embeddedMockInProcess)
    ? `The machine's CPU was saturated (${busy} busy) and the embedded mock WFM shares it with the generator: these numbers measure this machine, not a WFM.`
    : `The generator machine's CPU was saturated (${busy} busy): these numbers may measure the generator, not the target.`;
}

/**
 * CPU use of the generator threads and processes in `hosts`, and the saturation statement. Saturation is judged
 * only for threads and hosts measured over at least {@link MIN_JUDGED_WINDOW_MS}.
 */
export function summarizeCpu(hosts: readonly LoadHostSample[]): LoadCpuSummary {
  const prefix = hosts.length > 1;
  const threads = hosts.flatMap((h) =>
    h.threads.map((t) => ({
      name: prefix ? `shard ${h.shard} ${t.name}` : t.name,
      busyFraction: round(t.wallMs > 0 ? t.activeMs / t.wallMs : 0),
      judged: t.wallMs >= MIN_JUDGED_WINDOW_MS,
    })),
  );
  const perWall = (h: LoadHostSample, ms: number): number => (h.wallMs > 0 ? ms / h.wallMs : 0);
  const machine = hosts.map((h) => h.machineBusyFraction).filter((v): v is number => v !== null);
  const judgedMachine = hosts.filter((h) => h.wallMs >= MIN_JUDGED_WINDOW_MS).map((h) => h.machineBusyFraction).filter((v): v is number => v !== null);
  const base = {
    threads: threads.map(({ name, busyFraction }) => ({ name, busyFraction })),
    generatorBusyCores: round(hosts.reduce((a, h) => a + perWall(h, h.threads.reduce((s, t) => s + t.activeMs, 0)), 0), 2),
    processCores: round(hosts.reduce((a, h) => a + perWall(h, h.processUserMs + h.processSystemMs), 0), 2),
    machineBusyFraction: machine.length === 0 ? null : round(Math.max(...machine)),
    generatorSaturated: threads.some((t) => t.judged && t.busyFraction >= THREAD_SATURATION),
    machineSaturated: judgedMachine.some((f) => f >= MACHINE_SATURATION),
  };
  return { ...base, statement: cpuStatement(base, hosts) };
}

/** Facts of a run that are not measurements. */
export interface LoadReportMeta {
  readonly toolVersion: string;
  readonly profile: Profile;
  readonly target: string;
  readonly embeddedMock: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly parameters: LoadParameters;
  readonly shards: readonly { readonly index: number; readonly count: number }[];
  readonly notes: readonly string[];
}

/**
 * Assembles `load.json` from its measurements. A derived statement the reader must see (the generator could not
 * offer the requested rate) is added to `notes` as well.
 */
export function buildLoadReport(meta: LoadReportMeta, m: LoadMeasurements): LoadReport {
  const summary = summarizeMeasurements(m, meta.profile, meta.parameters);
  const derived = summary.steadyRate.statement === null ? [] : [summary.steadyRate.statement];
  return {
    reportVersion: '1.0',
    kind: 'margo-load-report',
    tool: { name: 'margo-conformance', version: meta.toolVersion },
    profile: meta.profile.id,
    target: meta.target,
    embeddedMock: meta.embeddedMock,
    startedAt: meta.startedAt,
    finishedAt: meta.finishedAt,
    parameters: meta.parameters,
    shards: [...meta.shards].sort((a, b) => a.index - b.index),
    summary,
    cpu: summarizeCpu(m.hosts),
    notes: [...meta.notes, ...derived],
    measurements: m,
  };
}
