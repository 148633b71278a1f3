/**
 * @module The fleet load report as data (`load.json`, schema `schemas/load-report.schema.json`).
 *
 * A report has two layers: `measurements`, the mergeable source of truth (counts, log-bucket latency histograms,
 * device bitmaps, per-thread CPU samples), and `summary` / `cpu`, derived from the measurements by
 * `device-simulator/load/summarize.ts`. `merge-reports` merges measurements and derives the summary again, so a
 * merged report is built exactly like a single run. Types only.
 */

/** Phases of a load run: every device onboards (OnboardingRequest + DeviceCapabilitiesManifest), then the steady state. */
export type LoadPhase = 'onboarding' | 'steady';

/** Both phases, in run order. */
export const LOAD_PHASES: readonly LoadPhase[] = ['onboarding', 'steady'];

/**
 * Why a request failed. `http`: the WFM answered a status outside the route's success statuses; `protocol`: a success
 * status with an unusable body; `tls`: TLS setup or verification failed; `timeout`: no complete response in time;
 * `reset`: the connection was reset or closed mid-request; `refused`: TCP refused; `network`: any other socket
 * error; `aborted`: the generator cut the request (the hard deadline, or one grace period after Ctrl-C).
 */
export type LoadErrorKind = 'http' | 'protocol' | 'tls' | 'timeout' | 'reset' | 'refused' | 'network' | 'aborted';

/** Every {@link LoadErrorKind}, in report order. */
export const LOAD_ERROR_KINDS: readonly LoadErrorKind[] = ['http', 'protocol', 'tls', 'timeout', 'reset', 'refused', 'network', 'aborted'];

/** Why a (slice of a) run stopped. */
export type LoadStopReason = 'duration' | 'max-cycles' | 'max-requests' | 'deadline' | 'interrupted' | 'no-device-onboarded';

/**
 * A mergeable latency histogram with fixed logarithmic buckets: bucket `i` holds values in
 * `[baseMs·growth^i, baseMs·growth^(i+1))`. Two histograms with the same `baseMs` and `growth` merge by adding counts.
 */
export interface LatencyHistogram {
  /** Lower bound of bucket 0, ms. */
  readonly baseMs: number;
  /** Ratio between consecutive bucket bounds (relative precision). */
  readonly growth: number;
  /** `[bucket index, count]`, ascending index, counts > 0. */
  readonly buckets: readonly (readonly [number, number])[];
  readonly count: number;
  readonly sumMs: number;
  /** Exact extremes, ms; null when empty. */
  readonly minMs: number | null;
  readonly maxMs: number | null;
}

/** Requests of one endpoint (profile route name, e.g. `desiredState`) in one phase. */
export interface LoadCell {
  readonly phase: LoadPhase;
  readonly endpoint: string;
  readonly requests: number;
  readonly errors: number;
  readonly latency: LatencyHistogram;
}

/** One time bucket of the timeline; `startMs` is Unix ms, aligned to a multiple of the timeline's `bucketMs`. */
export interface LoadTimeBucket {
  readonly startMs: number;
  readonly requests: number;
  readonly errors: number;
  readonly latency: LatencyHistogram;
}

/** A distinct failure seen during the run and how often. `message` comes from the target: escape it when shown. */
export interface LoadErrorSample {
  readonly endpoint: string;
  readonly kind: LoadErrorKind;
  readonly status?: number;
  readonly message: string;
  readonly count: number;
}

/**
 * The interval a phase ran, Unix ms: from when it opened to when its last device left it (every request of the phase
 * lies inside). Throughput is per second of this window. Null when the phase never ran.
 */
export interface PhaseWindow {
  readonly startMs: number | null;
  readonly endMs: number | null;
}

/** Event-loop utilisation of one generator thread over the measured window. */
export interface LoadThreadSample {
  readonly name: string;
  readonly wallMs: number;
  /** Time the thread's event loop was busy, ms (`performance.eventLoopUtilization().active`). */
  readonly activeMs: number;
}

/** CPU facts of one generator process (one shard). */
export interface LoadHostSample {
  /** `i/n` of the shard, `1/1` when unsharded. */
  readonly shard: string;
  readonly wallMs: number;
  /** `process.cpuUsage()` over the measured window, ms (every thread of the process). */
  readonly processUserMs: number;
  readonly processSystemMs: number;
  /** Logical cores of the machine. */
  readonly cores: number;
  /** Busy fraction of all cores of the machine (os.cpus() times), 0–1; null when unavailable. */
  readonly machineBusyFraction: number | null;
  /** True when the embedded mock WFM ran in this process (its CPU is then in `process*Ms`). */
  readonly embeddedMockInProcess: boolean;
  readonly threads: readonly LoadThreadSample[];
}

/** Which fleet indices a report covers, as base64 bitmaps (bit `i` = device index `i`, LSB first). */
export interface LoadDeviceSet {
  readonly planned: number;
  readonly started: number;
  readonly onboarded: number;
  /** Devices whose OnboardingRequest failed, for any reason. */
  readonly failedOnboarding: number;
  /** Of `failedOnboarding`: those the WFM refused with an HTTP 4xx status. */
  readonly refusedOnboarding: number;
  /** `failedOnboarding` by error kind (a refusal is `http`). */
  readonly failedOnboardingByKind: Readonly<Record<LoadErrorKind, number>>;
  readonly plannedBitmap: string;
  readonly onboardedBitmap: string;
}

/** The mergeable measurements of a run (or of merged shards). */
export interface LoadMeasurements {
  readonly fleetSize: number;
  readonly devices: LoadDeviceSet;
  readonly cells: readonly LoadCell[];
  readonly errorsByStatus: Readonly<Record<string, number>>;
  readonly errorsByKind: Readonly<Record<LoadErrorKind, number>>;
  readonly errorSamples: readonly LoadErrorSample[];
  readonly timeline: { readonly bucketMs: number; readonly buckets: readonly LoadTimeBucket[] };
  readonly windows: Readonly<Record<LoadPhase, PhaseWindow>>;
  /** Steady-state cycles completed; cycles that started a full period late; status reports skipped (no deployment). */
  readonly cycles: { readonly completed: number; readonly late: number; readonly statusSkipped: number };
  readonly stopReasons: readonly LoadStopReason[];
  readonly hosts: readonly LoadHostSample[];
}

/** Latency summary, ms; null fields when there was no request. */
export interface LatencySummary {
  readonly count: number;
  readonly minMs: number | null;
  readonly meanMs: number | null;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

/** Throughput of one phase. */
export interface PhaseSummary {
  readonly phase: LoadPhase;
  readonly requests: number;
  readonly errors: number;
  readonly durationSeconds: number | null;
  readonly requestsPerSecond: number | null;
}

/** One endpoint: route name, method and path template from the profile, counts and latency over both phases. */
export interface EndpointSummary {
  readonly endpoint: string;
  readonly method: string;
  readonly path: string;
  readonly requests: number;
  readonly errors: number;
  readonly latency: LatencySummary;
}

/** One point of the latency-over-time chart. */
export interface TimelinePoint {
  /** Seconds since the first bucket. */
  readonly offsetSeconds: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly errors: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
}

/** Internal consistency of the figures; every flag must be true in a sound report. */
export interface LoadConsistency {
  readonly requestsEqualSumOverEndpoints: boolean;
  readonly requestsEqualSumOverPhases: boolean;
  /** No device index appears in two slices (shards or workers). */
  readonly devicesDistinct: boolean;
  readonly onboardedMatchesBitmap: boolean;
  readonly errorsEqualSumOverKinds: boolean;
}

/** The derived figures. */
export interface LoadSummary {
  readonly requests: number;
  readonly errors: number;
  /** errors / requests, 0–1; 0 when no request. */
  readonly errorRate: number;
  readonly devices: {
    readonly planned: number;
    readonly onboarded: number;
    readonly failedOnboarding: number;
    /** Of `failedOnboarding`: refused by the WFM with an HTTP 4xx status. */
    readonly refusedOnboarding: number;
    readonly failedOnboardingByKind: Readonly<Record<LoadErrorKind, number>>;
  };
  /** Devices onboarded per second of the onboarding phase. */
  readonly onboardingsPerSecond: number | null;
  readonly phases: readonly PhaseSummary[];
  readonly endpoints: readonly EndpointSummary[];
  readonly latency: LatencySummary;
  readonly errorsByStatus: Readonly<Record<string, number>>;
  readonly errorsByKind: Readonly<Record<LoadErrorKind, number>>;
  readonly errorSamples: readonly LoadErrorSample[];
  readonly timeline: readonly TimelinePoint[];
  readonly timelineBucketSeconds: number;
  readonly consistency: LoadConsistency;
  readonly stopReasons: readonly LoadStopReason[];
  readonly steadyRate: SteadyRateSummary;
}

/** The steady load asked for and the load the generator offered. */
export interface SteadyRateSummary {
  /** Onboarded devices × `--rate`, cycles/s; null when no device ran the steady state. */
  readonly requestedCyclesPerSecond: number | null;
  /** Completed cycles per second of the steady window; null without a steady window. */
  readonly offeredCyclesPerSecond: number | null;
  /** Mean time of one cycle's requests, one after another, ms; null without a completed cycle. */
  readonly meanCycleMs: number | null;
  readonly completedCycles: number;
  /** Cycles that started a whole period late. */
  readonly lateCycles: number;
  /** True when the generator could not offer the requested rate (the statement says why). */
  readonly shortfall: boolean;
  readonly statement: string | null;
}

/** CPU use of the generator, and whether it (or the machine) was the bottleneck. */
export interface LoadCpuSummary {
  readonly threads: readonly { readonly name: string; readonly busyFraction: number }[];
  /** Cores' worth of event-loop time the generator threads used. */
  readonly generatorBusyCores: number;
  /** Cores' worth of CPU the generator process(es) used (includes the embedded mock when in-process). */
  readonly processCores: number;
  readonly machineBusyFraction: number | null;
  readonly generatorSaturated: boolean;
  readonly machineSaturated: boolean;
  /** Plain statement for the reader when a limit was ours, not the target's; null when none was. */
  readonly statement: string | null;
}

/** The run's parameters as given (after defaults). */
export interface LoadParameters {
  /** Fleet size N (all shards together). */
  readonly devices: number;
  readonly concurrency: number;
  readonly durationSeconds: number;
  /** Steady-state cycles per second per device. */
  readonly ratePerDevice: number;
  readonly maxRequests: number;
  readonly maxCyclesPerDevice: number | null;
  readonly workers: number;
  readonly keyType: string;
  readonly timeoutMs: number;
  readonly hardDeadlineSeconds: number;
}

/** `load.json`: the fleet load report. */
export interface LoadReport {
  readonly reportVersion: '1.0';
  readonly kind: 'margo-load-report';
  readonly tool: { readonly name: string; readonly version: string };
  readonly profile: string;
  readonly target: string;
  readonly embeddedMock: boolean;
  /** ISO 8601: start and end of the measured window (the identity pool is built before it). */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly parameters: LoadParameters;
  /** Shards this report covers, ascending index. */
  readonly shards: readonly { readonly index: number; readonly count: number }[];
  readonly summary: LoadSummary;
  readonly cpu: LoadCpuSummary;
  readonly notes: readonly string[];
  readonly measurements: LoadMeasurements;
}
