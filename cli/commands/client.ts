/**
 * @module `margo-conformance client`: certify a device's WFM client. For each scenario a fresh mock WFM is started,
 * the client runs against it (`--command`, or by hand with `--manual`), and the `client` checks judge what the mock
 * recorded. Writes the same reports as the `wfm` suite and returns the same exit codes.
 */
import type { Readable } from 'node:stream';
import type { RunResult } from '../../core/check.js';
import type { Clock } from '../../core/clock.js';
import type { MargoConfig, PartialDeep } from '../../core/config.js';
import { DEFAULT_CONFIG, redactConfig } from '../../core/config.js';
import { ConformanceError } from '../../core/errors.js';
import { getProfile } from '../../core/profiles/index.js';
import type { Profile } from '../../core/profiles/index.js';
import { runChecks } from '../../core/runner.js';
import type { RunProgressEvent } from '../../core/runner.js';
import { loadSchemaRegistry } from '../../core/schema.js';
import { checksToRun, clientCatalogue, clientTrafficOf, scenariosFor } from '../../suites/client/index.js';
import type { ClientCheckContext, ScenarioRecording } from '../../suites/client/index.js';
import { runScenarios, waitForKeypress } from '../client-harness.js';
import type { ClientLauncher } from '../client-harness.js';
import { loadEffectiveConfig, parseFormats, parseTimeoutFlag } from '../config-loader.js';
import type { CliIo } from '../io.js';
import type { ReportFlags } from '../program.js';
import { consoleSecretValues, finishRun, loadBaselineFor, progressPrinter } from '../run-support.js';

/** Flags of the `client` command (the report flags are shared with the `wfm` run). */
export interface ClientCommandFlags extends ReportFlags {
  command?: string;
  manual?: boolean;
  /** Milliseconds, as typed. */
  scenarioTimeout?: string;
}

/** Per-check timeout of client checks, ms: they are pure functions of a recording, so this only guards bugs. */
const CHECK_TIMEOUT_MS = 10_000;

/** Everything one run of the `client` suite needs. */
export interface ClientSuiteOptions {
  readonly profile: Profile;
  readonly config: MargoConfig;
  readonly clock: Clock;
  readonly launcher: ClientLauncher;
  /** What the report names as the target: the command, or `manual`. */
  readonly target: string;
  /** Environment the client inherits. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Scenarios run at the same time (each on its own mock); 1 for `--command` and `--manual`. */
  readonly concurrency: number;
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
  readonly signal?: AbortSignal;
  readonly onScenario?: (recording: ScenarioRecording) => void;
  readonly onProgress?: (e: RunProgressEvent) => void;
}

/**
 * Runs the scenarios the selected checks need, then the `client` catalogue over their recordings.
 * Returns the run and the recordings. Rejects only for harness failures (the mock cannot start: ConformanceError).
 */
export async function runClientSuite(opts: ClientSuiteOptions): Promise<{ run: RunResult; recordings: ScenarioRecording[] }> {
  const only = opts.only ?? [];
  const skip = opts.skip ?? [];
  const scenarios = scenariosFor(opts.profile, checksToRun(clientCatalogue, only, skip));
  const recordings = await runScenarios(
    scenarios,
    {
      profile: opts.profile,
      config: opts.config,
      clock: opts.clock,
      launcher: opts.launcher,
      timeoutMs: opts.config.client.scenarioTimeoutMs,
      env: opts.env,
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    },
    opts.concurrency,
    opts.onScenario,
  );
  const run = await judgeRecordings(recordings, {
    profile: opts.profile,
    config: opts.config,
    clock: opts.clock,
    target: opts.target,
    only,
    skip,
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
  });
  return { run, recordings };
}

/** What {@link judgeRecordings} needs besides the recordings. */
export interface JudgeOptions {
  readonly profile: Profile;
  readonly config: MargoConfig;
  readonly clock: Clock;
  readonly target: string;
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (e: RunProgressEvent) => void;
}

/**
 * Runs the `client` catalogue over scenario recordings (pure: no network) and returns the run; each recording adds
 * a note on how the client ended. Rejects only for catalogue defects (ConformanceError INTERNAL).
 */
export function judgeRecordings(recordings: readonly ScenarioRecording[], opts: JudgeOptions): Promise<RunResult> {
  const base: Omit<ClientCheckContext, 'signal'> = {
    profile: opts.profile,
    config: opts.config,
    schemas: loadSchemaRegistry(),
    traffic: clientTrafficOf(recordings),
    now: () => opts.clock.nowSeconds(),
  };
  return runChecks<ClientCheckContext>({
    role: 'client',
    profileId: opts.profile.id,
    specRevision: opts.profile.specRevision,
    target: opts.target,
    config: redactConfig(opts.config),
    catalogue: clientCatalogue,
    only: opts.only ?? [],
    skip: opts.skip ?? [],
    makeContext: (signal) => ({ ...base, signal }),
    clock: opts.clock,
    checkTimeoutMs: CHECK_TIMEOUT_MS,
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
    notes: recordings.map(scenarioNote),
  });
}

/** One line per scenario for the report notes and the console. */
export function scenarioNote(rec: ScenarioRecording): string {
  const c = rec.client;
  const requests = rec.entries.filter((e) => e.type === 'exchange').length;
  const handshakes = rec.entries.length - requests;
  const ended =
    c.spawnError !== undefined
      ? `could not start (${c.spawnError})`
      : c.timedOut
        ? 'stopped at the scenario timeout'
        : c.mode === 'manual'
          ? 'ended by the operator'
          : `exited ${c.exitCode ?? c.signal ?? '?'}`;
  return `scenario ${rec.scenario.id}: client ${ended} after ${(c.durationMs / 1000).toFixed(1)} s; ${requests} request(s), ${handshakes} TLS handshake(s)`;
}

function configFlags(opts: ClientCommandFlags): PartialDeep<MargoConfig> {
  const formats = parseFormats(opts.format);
  return {
    profile: opts.profile,
    timeoutMs: parseTimeoutFlag(opts.timeout, '--timeout'),
    failOn: opts.failOn as MargoConfig['failOn'] | undefined,
    certification: opts.certification,
    expectedFailures: opts.expectedFailures,
    reports: { dir: opts.reportDir, formats },
    client: {
      command: opts.command,
      manual: opts.manual,
      scenarioTimeoutMs: parseTimeoutFlag(opts.scenarioTimeout, '--scenario-timeout'),
    },
  } as PartialDeep<MargoConfig>;
}

function launcherFor(config: MargoConfig, io: CliIo, input: Readable): ClientLauncher {
  const command = config.client.command;
  if (config.client.manual && command !== undefined && command !== '') {
    throw new ConformanceError('USAGE', 'client takes either --command or --manual, not both');
  }
  if (config.client.manual) return { kind: 'manual', print: (line) => io.stdout(line), waitForOperator: (signal) => waitForKeypress(input, signal) };
  if (command === undefined || command.trim() === '') {
    throw new ConformanceError('USAGE', 'client needs --command "<start my client>" (or MARGO_CLIENT_COMMAND), or --manual');
  }
  return { kind: 'command', command };
}

/**
 * `margo-conformance client`: runs the client suite and writes the reports.
 * @returns exit code: 0 conformant, 1 failures (or inconclusive), 2 usage/config, 4 harness error, 5 nothing executed
 * @throws ConformanceError USAGE (no --command / --manual, bad flag), CONFIG_*, PROFILE_UNKNOWN, BASELINE_INVALID,
 *   REPORT_WRITE_FAILED, or the mock WFM's start-up error
 */
export async function runClientCommand(opts: ClientCommandFlags, io: CliIo, deps: { input?: Readable } = {}): Promise<number> {
  const config = await loadEffectiveConfig({ flags: configFlags(opts), ...(opts.config === undefined ? {} : { configFile: opts.config }), io });
  const profile = getProfile(config.profile);
  const launcher = launcherFor(config, io, deps.input ?? process.stdin);
  const baseline = await loadBaselineFor(config, io, 'client', clientCatalogue.map((c) => c.id));
  const target = launcher.kind === 'command' ? `command: ${launcher.command}` : 'manual';
  io.stdout(`client suite: profile ${profile.id}; ${target}; scenario timeout ${config.client.scenarioTimeoutMs} ms`);
  const { run } = await runClientSuite({
    profile,
    config,
    clock: io.clock,
    launcher,
    target,
    env: io.env,
    concurrency: 1,
    ...(opts.only === undefined ? {} : { only: opts.only }),
    ...(opts.skip === undefined ? {} : { skip: opts.skip }),
    signal: io.shutdown,
    onScenario: (rec) => io.stdout(scenarioNote(rec)),
    ...(progressOf(opts, io, config) ?? {}),
  });
  const defaultProfile = getProfile(DEFAULT_CONFIG.profile);
  return finishRun(run, {
    config,
    io,
    ...(baseline === undefined ? {} : { baseline }),
    fullCatalogueIds: clientCatalogue.filter((c) => c.profiles.includes(defaultProfile.id)).map((c) => c.id),
  });
}

function progressOf(
  opts: ClientCommandFlags,
  io: CliIo,
  config: MargoConfig,
): { onProgress: (e: RunProgressEvent) => void } | undefined {
  const printer = progressPrinter(io, opts.progress !== false, consoleSecretValues(config));
  return printer === undefined ? undefined : { onProgress: printer };
}
