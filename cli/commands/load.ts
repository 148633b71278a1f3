/**
 * @module `margo-conformance load` and `merge-reports`: fleet load mode. N simulated devices (identities issued ahead
 * under the persistent device CA) onboard and then poll the desired state and report a status at a steady rate,
 * against `--target` or the embedded mock WFM. Writes `load.json` and `load.html`.
 *
 * Exit codes: 0 no request failed; 1 some requests failed (or, for `merge-reports`, shards are missing); 2 usage/
 * config (including a report folder that cannot be written, checked before the run); 3 the target could not be
 * reached or no TLS handshake completed; 4 harness error (including inconsistent figures); 5 no request was sent.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { MargoConfig } from '../../core/config.js';
import { ConformanceError } from '../../core/errors.js';
import { ensureDirectory } from '../../core/fs-safe.js';
import { toolVersion } from '../../core/paths.js';
import { KEY_TYPES } from '../../core/pki/index.js';
import type { KeyType } from '../../core/pki/index.js';
import { getProfile } from '../../core/profiles/index.js';
import type { Profile } from '../../core/profiles/index.js';
import { defaultReportDir } from '../../core/report/index.js';
import { LOAD_REPORT_FILES, renderLoadHtml, renderLoadJson, renderLoadText } from '../../core/report/load-report.js';
import type { LoadReport } from '../../core/report/load-types.js';
import {
  buildLoadReport,
  checkShardNotEmpty,
  createLoadReportValidator,
  defaultMaxRequests,
  MAX_FLEET_SIZE,
  mergeLoadReports,
  missingShards,
  parseDurationMs,
  parsePositiveNumber,
  parseShard,
  plannedCyclesPerDevice,
  poolBuildWarning,
  runLoad,
  shardIndices,
} from '../../device-simulator/load/index.js';
import type { LoadReportValidator, LoadRunResult, ShardSpec } from '../../device-simulator/load/index.js';
import { startMockWfm } from '../../mock-server/index.js';
import { loadEffectiveConfig, parseIntegerFlag, parseTimeoutFlag } from '../config-loader.js';
import { DEFAULT_DEVICE_CA_DIR, deviceCaPaths, ensureDeviceCa } from '../device-ca.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { createLoadProgressPrinter } from './load-progress.js';
import { downloadRootCa, parseTargetUrl, preflightTarget, readCaFile } from '../wfm-bootstrap.js';

/** Flags of `load` (cli/program.ts). */
export interface LoadFlags {
  target?: string;
  ca?: string;
  insecureBootstrap?: boolean;
  profile?: string;
  devices: string;
  concurrency: string;
  duration: string;
  rate: string;
  maxRequests?: string;
  maxCycles?: string;
  workers?: string;
  shard?: string;
  keyType?: string;
  reportDir?: string;
  progress?: boolean;
  config?: string;
  timeout?: string;
  deviceCaDir?: string;
}

/** Parsed, validated load parameters. */
interface LoadSettings {
  readonly devices: number;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly rate: number;
  readonly maxCycles: number | null;
  readonly maxRequests: number;
  readonly workers: number;
  readonly shard: ShardSpec;
  readonly keyType: KeyType;
}

/** @throws ConformanceError `USAGE` naming the bad flag, or an empty shard */
function parseSettings(flags: LoadFlags, cores: number): LoadSettings {
  const devices = parseIntegerFlag(flags.devices, '--devices', 1, MAX_FLEET_SIZE) ?? 50;
  const durationMs = parseDurationMs(flags.duration, '--duration');
  const rate = parsePositiveNumber(flags.rate, '--rate');
  const maxCycles = parseIntegerFlag(flags.maxCycles, '--max-cycles', 1) ?? null;
  const keyType = flags.keyType ?? 'ec-p256';
  if (!KEY_TYPES.includes(keyType as KeyType)) throw new ConformanceError('USAGE', `--key-type must be one of ${KEY_TYPES.join(', ')} (found '${keyType}')`);
  const cycles = plannedCyclesPerDevice(durationMs, rate, maxCycles);
  const shard = parseShard(flags.shard);
  checkShardNotEmpty(devices, shard);
  return {
    devices,
    concurrency: parseIntegerFlag(flags.concurrency, '--concurrency', 1) ?? 50,
    durationMs,
    rate,
    maxCycles,
    maxRequests: parseIntegerFlag(flags.maxRequests, '--max-requests', 1) ?? defaultMaxRequests(devices, cycles),
    workers: parseIntegerFlag(flags.workers, '--workers', 0) ?? cores,
    shard,
    keyType: keyType as KeyType,
  };
}

/** The target and its root CA: `--target` (with `--ca`, a download, or `--insecure-bootstrap`), else the embedded mock. */
interface LoadTarget {
  readonly url: string;
  readonly caPem: string;
  readonly embedded: boolean;
  readonly notes: string[];
  close(): Promise<void>;
}

async function openTarget(config: MargoConfig, profile: Profile, deviceCaPem: string, s: LoadSettings, io: CliIo): Promise<LoadTarget> {
  if (config.target !== undefined) {
    const address = parseTargetUrl(config.target);
    await preflightTarget(address, config.timeoutMs);
    const caPem = config.ca !== undefined ? await readCaFile(config.ca, io.cwd) : await downloadRootCa(address, profile, { insecure: config.insecureBootstrap, timeoutMs: config.timeoutMs });
    const notes = config.ca === undefined && config.insecureBootstrap ? ['--insecure-bootstrap: the root CA was downloaded over TLS that was NOT verified; every device pins that CA'] : [];
    return { url: address.baseUrl, caPem, embedded: false, notes, close: () => Promise.resolve() };
  }
  const periodMs = 1000 / s.rate;
  const mock = await startMockWfm({
    profileId: profile.id,
    config,
    clock: io.clock,
    host: '127.0.0.1',
    port: 0,
    onboarding: 'auto-approve',
    trustAnyCertificate: false,
    trustedIssuers: [deviceCaPem],
    adminHost: '127.0.0.1',
    adminPort: 0,
    // The load run never reads the traffic: keep only the tail, so memory stays flat on long runs.
    recordLimit: 1000,
    // Devices keep their connection between cycles, as a real fleet polling at this rate would.
    keepAliveTimeoutMs: Math.max(5000, Math.ceil(2 * periodMs) + 1000),
  });
  return { url: mock.url, caPem: mock.caPem, embedded: true, notes: [], close: () => mock.close() };
}

async function writeLoadReport(report: LoadReport, dir: string): Promise<string[]> {
  const files: [string, string][] = [
    [join(dir, LOAD_REPORT_FILES.json), renderLoadJson(report)],
    [join(dir, LOAD_REPORT_FILES.html), renderLoadHtml(report)],
  ];
  try {
    await ensureDirectory(dir);
    for (const [path, content] of files) await writeFile(path, content);
  } catch (err) {
    throw new ConformanceError('REPORT_WRITE_FAILED', `cannot write the load report into ${dir}`, { cause: err, details: { path: dir } });
  }
  return files.map(([path]) => path);
}

/**
 * Makes sure the report can be written before anything is measured: `dir` (the `--report-dir`, or the `reports/`
 * folder the default report directory goes into) is created if missing and a probe file is written and removed.
 * @throws ConformanceError `USAGE` (exit 2) naming the folder and why it cannot hold the report
 */
async function checkReportDir(dir: string, flag: string): Promise<void> {
  const probe = join(dir, `.margo-write-probe-${process.pid}`);
  try {
    await ensureDirectory(dir, undefined, 'USAGE');
    await writeFile(probe, '');
    await rm(probe);
  } catch (err) {
    const why = err instanceof ConformanceError ? err.message : `cannot write into ${dir}`;
    throw new ConformanceError('USAGE', `${flag}: ${why}; the load report could not be written there`, { cause: err, details: { path: dir } });
  }
}

/** 0 clean, 1 errors, 3 nothing reached the target, 4 inconsistent figures, 5 nothing sent. */
function exitCodeOf(report: LoadReport): number {
  const s = report.summary;
  if (Object.values(s.consistency).some((ok) => !ok)) return EXIT.harness;
  if (s.requests === 0) return EXIT.nothingExecuted;
  const transport = s.errorsByKind.tls + s.errorsByKind.refused + s.errorsByKind.network;
  if (s.devices.onboarded === 0 && transport === s.errors) return EXIT.unreachable;
  return s.errors === 0 ? EXIT.conformant : EXIT.failures;
}

/** Prints the summary first, then writes the files: a write failure never loses the measurements. */
async function printAndWrite(report: LoadReport, dir: string, io: CliIo): Promise<void> {
  for (const line of renderLoadText(report)) io.stdout(line);
  io.stdout(`reports: ${(await writeLoadReport(report, dir)).join(', ')}`);
}

/** One-line warnings about the plan: a long identity pool build, a `--max-cycles` the duration cuts short. */
function planWarnings(s: LoadSettings): string[] {
  const devices = shardIndices(s.devices, s.shard).length;
  const threads = s.workers === 0 ? 1 : Math.min(s.workers, s.concurrency, devices);
  const pool = poolBuildWarning(s.keyType, devices, threads);
  const needMs = s.maxCycles === null ? 0 : (s.maxCycles / s.rate) * 1000;
  return [
    ...(pool === undefined ? [] : [`load: warning: ${pool}`]),
    ...(needMs > s.durationMs
      ? [`load: warning: --max-cycles ${s.maxCycles} at --rate ${s.rate} needs ${Math.ceil(needMs / 1000)}s, but --duration is ${s.durationMs / 1000}s: the duration ends the run first`]
      : []),
  ];
}

function reportOf(run: LoadRunResult, meta: { profile: Profile; target: LoadTarget; s: LoadSettings; config: MargoConfig }): LoadReport {
  const { s } = meta;
  return buildLoadReport(
    {
      toolVersion,
      profile: meta.profile,
      target: meta.target.url,
      embeddedMock: meta.target.embedded,
      startedAt: new Date(run.startedAtMs).toISOString(),
      finishedAt: new Date(run.finishedAtMs).toISOString(),
      parameters: {
        devices: s.devices,
        concurrency: s.concurrency,
        durationSeconds: s.durationMs / 1000,
        ratePerDevice: s.rate,
        maxRequests: s.maxRequests,
        maxCyclesPerDevice: s.maxCycles,
        workers: run.mode === 'workers' ? run.threads : 0,
        keyType: s.keyType,
        timeoutMs: meta.config.timeoutMs,
        hardDeadlineSeconds: run.hardDeadlineMs / 1000,
      },
      shards: [s.shard],
      notes: [...meta.target.notes, ...run.notes],
    },
    run.measurements,
  );
}

/**
 * Runs one load shard, prints the summary and writes `load.json` + `load.html` into `--report-dir` (default
 * `reports/<timestamp>[-shard-i-of-n]/`). The report folder is checked before anything is measured. The first
 * `io.shutdown` stops new requests, aborts in-flight ones a second later and still writes the report.
 * @returns the exit code (see the module comment)
 * @throws ConformanceError USAGE / CONFIG_INVALID (flags, an empty shard, an unwritable report folder, config),
 *   TARGET_UNREACHABLE / TLS_SETUP_FAILED / CA_UNAVAILABLE (target), RUN_ABORTED (stopped while the identity pool
 *   was built), REPORT_WRITE_FAILED, INTERNAL (a worker failed)
 */
export async function runLoadCommand(flags: LoadFlags, io: CliIo): Promise<number> {
  const s = parseSettings(flags, availableParallelism());
  const config = await loadEffectiveConfig({
    flags: { profile: flags.profile, target: flags.target, ca: flags.ca, insecureBootstrap: flags.insecureBootstrap === true ? true : undefined, timeoutMs: parseTimeoutFlag(flags.timeout, '--timeout') },
    configFile: flags.config,
    io,
  });
  const profile = getProfile(config.profile);
  const explicitDir = flags.reportDir === undefined ? undefined : resolve(io.cwd, flags.reportDir);
  await checkReportDir(explicitDir ?? resolve(io.cwd, 'reports'), explicitDir === undefined ? 'reports/' : '--report-dir');
  const caDir = flags.deviceCaDir ?? DEFAULT_DEVICE_CA_DIR;
  const deviceCa = await ensureDeviceCa(caDir, io.cwd, new Date(io.clock.nowMs()));
  const target = await openTarget(config, profile, deviceCa.certPem, s, io);
  try {
    io.stdout(`load: ${s.devices} devices (shard ${s.shard.index}/${s.shard.count}) against ${target.url}${target.embedded ? ' (embedded mock WFM)' : ''}; building the identity pool (not measured)…`);
    for (const line of planWarnings(s)) io.stdout(line);
    if (!target.embedded) io.stdout(`load: the target must trust the device CA ${deviceCaPaths(caDir, io.cwd).cert}`);
    const run = await runLoad({
      wfmUrl: target.url,
      caPem: target.caPem,
      profileId: profile.id,
      config,
      deviceCa: { certPem: deviceCa.certPem, privateKeyPem: deviceCa.privateKeyPem, keyType: deviceCa.keyType },
      keyType: s.keyType,
      fleetSize: s.devices,
      shard: s.shard,
      concurrency: s.concurrency,
      durationMs: s.durationMs,
      ratePerDevice: s.rate,
      maxRequests: s.maxRequests,
      maxCyclesPerDevice: s.maxCycles,
      timeoutMs: config.timeoutMs,
      workers: s.workers,
      embeddedMockInProcess: target.embedded,
      clock: io.clock,
      signal: io.shutdown,
      onPoolReady: (i) => io.stdout(`load: ${i.devices} identities ready in ${(i.poolMs / 1000).toFixed(1)}s over ${i.threads} thread(s); measuring`),
      onProgress: createLoadProgressPrinter(io, flags.progress !== false && io.isTty, s.durationMs),
    });
    const report = reportOf(run, { profile, target, s, config });
    const suffix = s.shard.count > 1 ? `-shard-${s.shard.index}-of-${s.shard.count}` : '';
    await printAndWrite(report, explicitDir ?? `${defaultReportDir(io.cwd, report.finishedAt)}${suffix}`, io);
    return exitCodeOf(report);
  } finally {
    await target.close();
  }
}

async function readShardReport(file: string, cwd: string, validator: LoadReportValidator): Promise<LoadReport> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), 'utf8');
  } catch (err) {
    throw new ConformanceError('CONFIG_FILE_UNREADABLE', `cannot read load report ${file}`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConformanceError('USAGE', `${file} is not JSON (expected a load.json)`, { cause: err });
  }
  const checked = validator.validate(value);
  if (!checked.ok) throw new ConformanceError('USAGE', `${file} is not a load report: ${checked.errors.slice(0, 3).join('; ')}`);
  return checked.report;
}

/**
 * Merges shard `load.json` files into `<out>/load.json` + `load.html`.
 * @returns the exit code of the merged figures (as `load`); at least 1 when shards of the split are missing (the
 *   fleet is incomplete; the report's notes name them)
 * @throws ConformanceError USAGE (unreadable or incompatible reports, a shard given twice), REPORT_WRITE_FAILED
 */
export async function runMergeReportsCommand(files: readonly string[], flags: { out: string }, io: CliIo): Promise<number> {
  const validator = createLoadReportValidator();
  const reports = await Promise.all(files.map((f) => readShardReport(f, io.cwd, validator)));
  const first = reports[0];
  if (first === undefined) throw new ConformanceError('USAGE', 'merge-reports needs at least one load.json');
  const merged = mergeLoadReports(reports, getProfile(first.profile), toolVersion);
  await printAndWrite(merged, resolve(io.cwd, flags.out), io);
  const code = exitCodeOf(merged);
  return missingShards(merged).length > 0 && code === EXIT.conformant ? EXIT.failures : code;
}
