/**
 * @module Fleet load mode: many simulated devices onboard and then poll and report at a steady rate against a WFM,
 * spread over worker threads and, with `--shard`, over machines. Re-exports only.
 */
export { classifyOutcome } from './classify.js';
export type { Classified } from './classify.js';
export { DEFAULT_STOP_GRACE_MS, runFleet } from './fleet.js';
export type { FleetDevice, FleetDeviceFactory, FleetOptions } from './fleet.js';
export { buildIdentityPool, issuerFromPem } from './identities.js';
export type { DeviceIdentity, IssuerPem } from './identities.js';
export { mergeMeasurements, mergeTwo } from './merge.js';
export { mergeLoadReports, missingShards } from './merge-reports.js';
export {
  assignWorkers,
  checkShardNotEmpty,
  defaultMaxRequests,
  deviceIdFor,
  estimatePoolSeconds,
  hardDeadlineMs,
  MAX_FLEET_SIZE,
  parseDurationMs,
  parsePositiveNumber,
  parseShard,
  plannedCyclesPerDevice,
  POOL_WARNING_SECONDS,
  poolBuildWarning,
  shardIndices,
  splitAcrossWorkers,
  splitProportionally,
  timelineBucketMs,
  WHOLE_FLEET,
} from './plan.js';
export type { ShardSpec, WorkerAssignment } from './plan.js';
export { createRateTracker, formatLoadProgress } from './progress.js';
export type { RateTracker } from './progress.js';
export { createLoadRecorder, ERROR_SAMPLE_LIMIT } from './recorder.js';
export type { LoadProgress, LoadRecorder, RecordedRequestFacts } from './recorder.js';
export { runLoad } from './run.js';
export type { FleetProgress, LoadRunOptions, LoadRunResult } from './run.js';
export {
  bucketIndexOf,
  createHistogram,
  emptyHistogram,
  freezeHistogram,
  HISTOGRAM_BASE_MS,
  HISTOGRAM_GROWTH,
  mergeHistograms,
  quantileMs,
  recordLatency,
  summarizeLatency,
} from './stats.js';
export type { HistogramBuilder } from './stats.js';
export { buildLoadReport, MACHINE_SATURATION, summarizeCpu, summarizeMeasurements, THREAD_SATURATION } from './summarize.js';
export type { LoadReportMeta } from './summarize.js';
export { LATE_CYCLE_SHARE, MIN_JUDGED_WINDOW_MS, RATE_SHORTFALL, summarizeSteadyRate } from './steady-rate.js';
export type { SteadyLoad } from './steady-rate.js';
export { createCutSignal, createLimiter, startSpreadMs, systemFleetTimer } from './timing.js';
export type { CutOptions, FleetTimer, Limiter } from './timing.js';
export { createLoadReportValidator, LOAD_REPORT_SCHEMA_FILE } from './validate.js';
export type { LoadReportValidator } from './validate.js';
