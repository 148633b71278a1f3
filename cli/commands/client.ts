/**
 * @module `margo-conformance client`: certify a device's WFM client. For each scenario a fresh mock WFM is started,
 * the client runs against it (`--command`, or by hand with `--manual`), and the `client` checks judge what the mock
 * recorded. Writes the same reports as the `wfm` suite and returns the same exit codes.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { RunResult, Verdict } from '../../core/check.js';
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
import type { ClientCheck, ClientCheckContext, ScenarioRecording } from '../../suites/client/index.js';
import { clientNote } from '../../suites/client/recorded.js';
import { runScenarios, waitForKeypress } from '../client-harness.js';
import type { ClientLauncher } from '../client-harness.js';
import { loadEffectiveConfig, parseFormats, parseTimeoutFlag } from '../config-loader.js';
import { EXIT } from '../exit-codes.js';
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
 * Returns the run, the recordings, and whether `signal` interrupted it: then the scenarios not run (and the one
 * interrupted) leave their checks `inconclusive`, and the checks of the finished scenarios are still judged.
 * Rejects only for harness failures (the mock cannot start: ConformanceError).
 */
export async function runClientSuite(opts: ClientSuiteOptions): Promise<{ run: RunResult; recordings: ScenarioRecording[]; interrupted: boolean }> {
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
  const interrupted = opts.signal?.aborted === true;
  const missing = scenarios.filter((s) => !recordings.some((r) => r.scenario.id === s.id)).map((s) => s.id);
  // The checks are pure functions of the recordings, so they are judged even after an interrupt (no abort signal).
  const run = await judgeRecordings(recordings, {
    profile: opts.profile,
    config: opts.config,
    clock: opts.clock,
    target: opts.target,
    only,
    skip,
    ...(interrupted ? { notes: [`the run was interrupted: ${missing.length === 0 ? 'every scenario had started' : `scenario(s) not run: ${missing.join(', ')}`}; their checks are inconclusive`] } : {}),
    ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
  });
  return { run, recordings, interrupted };
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
  /** Extra run notes (e.g. that the run was interrupted). */
  readonly notes?: readonly string[];
}

/**
 * Runs the `client` catalogue over scenario recordings (pure: no network) and returns the run; each recording adds
 * a note on how the client ended. A check whose scenario (or a scenario it `uses`) did not run or was interrupted
 * is `inconclusive` without being called. Rejects only for catalogue defects (ConformanceError INTERNAL).
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
    catalogue: guardedCatalogue(recordings),
    only: opts.only ?? [],
    skip: opts.skip ?? [],
    makeContext: (signal) => ({ ...base, signal }),
    clock: opts.clock,
    checkTimeoutMs: CHECK_TIMEOUT_MS,
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
    notes: [...(opts.notes ?? []), ...recordings.map(scenarioNote)],
  });
}

/** The catalogue with each check's `run` guarded: no verdict from a scenario that did not run or was interrupted. */
function guardedCatalogue(recordings: readonly ScenarioRecording[]): ClientCheck[] {
  const byId = new Map(recordings.map((r) => [r.scenario.id, r] as const));
  return clientCatalogue.map((check) => ({
    ...check,
    async run(ctx: ClientCheckContext): Promise<Verdict> {
      for (const id of [check.scenario, ...(check.uses ?? [])]) {
        const rec = byId.get(id);
        if (rec === undefined) return { status: 'inconclusive', message: `scenario ${id} did not run (the run was interrupted before it)`, evidence: [] };
        if (rec.client.interrupted === true) {
          return { status: 'inconclusive', message: `scenario ${id} was interrupted before the client finished, so it cannot be judged`, evidence: [clientNote(rec)] };
        }
      }
      return check.run(ctx);
    },
  }));
}

/** One line per scenario for the report notes and the console. */
export function scenarioNote(rec: ScenarioRecording): string {
  const c = rec.client;
  const requests = rec.entries.filter((e) => e.type === 'exchange').length;
  const handshakes = rec.entries.length - requests;
  const ended =
    c.spawnError !== undefined
      ? `could not start (${c.spawnError})`
      : c.interrupted === true
        ? 'interrupted'
        : c.timedOut
          ? 'stopped at the scenario timeout'
          : c.mode === 'manual'
            ? 'ended by the operator'
            : `exited ${c.exitCode ?? c.signal ?? '?'}`;
  const leftovers = c.leftoverPids === undefined || c.leftoverPids.length === 0 ? '' : `; killed ${c.leftoverPids.length} leftover process(es) that escaped its process group (pids ${c.leftoverPids.join(', ')})`;
  return `scenario ${rec.scenario.id}: client ${ended} after ${(c.durationMs / 1000).toFixed(1)} s; ${requests} request(s), ${handshakes} TLS handshake(s)${leftovers}`;
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
 * Usage errors found before any scenario runs, so a run of minutes never ends in an error it could have seen at
 * once: a certification run with `--only` / `--skip` (certification allows no skips), and a report directory that
 * is a file or not writable.
 * @throws ConformanceError USAGE (exit 2)
 */
export async function preflightClientRun(config: MargoConfig, flags: Pick<ClientCommandFlags, 'only' | 'skip'>, cwd: string): Promise<void> {
  const selected = [...(flags.only ?? []).map((p) => `--only ${p}`), ...(flags.skip ?? []).map((p) => `--skip ${p}`)];
  if (config.certification && selected.length > 0) {
    throw new ConformanceError('USAGE', `--certification runs the whole catalogue and allows no skips: drop ${selected.join(', ')}`);
  }
  const dir = config.reports.dir === undefined ? resolve(cwd, 'reports') : resolve(cwd, config.reports.dir);
  await checkWritableDirectory(dir, config.reports.dir === undefined ? 'the default report directory' : `--report-dir ${config.reports.dir}`);
}

/**
 * Throws ConformanceError USAGE unless `dir` is a writable directory or can be created: its nearest existing
 * ancestor must be a writable directory. Creates nothing.
 */
async function checkWritableDirectory(dir: string, shown: string): Promise<void> {
  for (let probe = dir; ; probe = dirname(probe)) {
    const found = await stat(probe).then(
      (s) => s,
      (err: NodeJS.ErrnoException) => {
        // Not there (yet): its parent decides whether it can be created.
        if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
        throw new ConformanceError('USAGE', `${shown}: cannot inspect ${probe} (${err.code ?? err.message})`, { cause: err });
      },
    );
    if (found !== undefined) {
      if (!found.isDirectory()) throw new ConformanceError('USAGE', `${shown}: ${probe} is a file, not a directory`);
      await access(probe, constants.W_OK).catch((err: unknown) => {
        throw new ConformanceError('USAGE', `${shown}: ${probe} is not writable`, { cause: err });
      });
      return;
    }
    if (dirname(probe) === probe) return;
  }
}

/**
 * `margo-conformance client`: runs the client suite and writes the reports.
 * @returns exit code: 0 conformant, 1 failures (or inconclusive), 2 usage/config, 4 harness error, 5 nothing executed,
 *   130 interrupted (the reports of what ran are written first)
 * @throws ConformanceError USAGE (no --command / --manual, bad flag, report dir not writable, certification with
 *   --only/--skip), CONFIG_*, PROFILE_UNKNOWN, BASELINE_INVALID, REPORT_WRITE_FAILED, or the mock WFM's start-up error
 */
export async function runClientCommand(opts: ClientCommandFlags, io: CliIo, deps: { input?: Readable } = {}): Promise<number> {
  const config = await loadEffectiveConfig({ flags: configFlags(opts), ...(opts.config === undefined ? {} : { configFile: opts.config }), io });
  const profile = getProfile(config.profile);
  const launcher = launcherFor(config, io, deps.input ?? process.stdin);
  const baseline = await loadBaselineFor(config, io, 'client', clientCatalogue.map((c) => c.id));
  await preflightClientRun(config, opts, io.cwd);
  const target = launcher.kind === 'command' ? `command: ${launcher.command}` : 'manual';
  io.stdout(`client suite: profile ${profile.id}; ${target}; scenario timeout ${config.client.scenarioTimeoutMs} ms`);
  const { run, interrupted } = await runClientSuite({
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
  const code = await finishRun(run, {
    config,
    io,
    ...(baseline === undefined ? {} : { baseline }),
    fullCatalogueIds: clientCatalogue.filter((c) => c.profiles.includes(defaultProfile.id)).map((c) => c.id),
  });
  if (!interrupted) return code;
  io.stderr('client run interrupted: the reports cover the scenarios that ran; the rest are inconclusive');
  return EXIT.interrupted;
}

function progressOf(
  opts: ClientCommandFlags,
  io: CliIo,
  config: MargoConfig,
): { onProgress: (e: RunProgressEvent) => void } | undefined {
  const printer = progressPrinter(io, opts.progress !== false, consoleSecretValues(config));
  return printer === undefined ? undefined : { onProgress: printer };
}
