/**
 * @module The root command: run the `wfm` suite against `--target`, or, without a target, against the embedded mock
 * WFM (the README's first quick-start command). Loads the config, prepares target and trust, prints the effective
 * config (redacted) and live progress, writes the reports, applies the baseline and gates, and returns the exit code.
 *
 * Exit codes: 0 conformant; 1 failures; 2 usage/config; 3 unreachable/TLS setup; 4 harness; 5 nothing executed.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { RunResult } from '../../core/check.js';
import type { MargoConfig, PartialDeep } from '../../core/config.js';
import { redactConfig } from '../../core/config.js';
import { ConformanceError } from '../../core/errors.js';
import { DEFAULT_PROFILE_ID, getProfile } from '../../core/profiles/index.js';
import type { Profile } from '../../core/profiles/index.js';
import {
  applyBaseline,
  checkBaselineIds,
  defaultReportDir,
  formatProgress,
  formatSummary,
  parseBaseline,
  redactRun,
  writeReports,
} from '../../core/report/index.js';
import type { Baseline, ConsoleStyle, RedactionOptions } from '../../core/report/index.js';
import type { RunProgressEvent } from '../../core/runner.js';
import { runWfmSuite, WFM_CHECKS } from '../../suites/wfm/index.js';
import type { DeviceTrustMode, Operator, WfmTarget } from '../../suites/wfm/index.js';
import { loadEffectiveConfig, parseFormats, parseIntegerFlag } from '../config-loader.js';
import { DEFAULT_DEVICE_CA_DIR, ensureDeviceCa } from '../device-ca.js';
import { startEmbeddedWfm } from '../embedded-wfm.js';
import type { CliIo } from '../io.js';
import { createOperator } from '../operator.js';
import { downloadRootCa, parseTargetUrl, preflightTarget, readCaFile } from '../wfm-bootstrap.js';

/** Flags of the root command (see cli/program.ts). */
export interface WfmRunFlags {
  config?: string;
  profile?: string;
  timeout?: string;
  only?: string[];
  skip?: string[];
  reportDir?: string;
  format?: string;
  failOn?: 'fail' | 'warn';
  certification?: boolean;
  expectedFailures?: string;
  progress?: boolean;
  target?: string;
  ca?: string;
  insecureBootstrap?: boolean;
  operatorCommand?: string;
  operatorHook?: string;
  operatorPrompt?: boolean;
  trust?: string;
  deviceCaDir?: string;
}

/** Cursor up one line: lets a TTY overwrite the "running…" line with the verdict (CliIo writes whole lines). */
const CURSOR_UP = '\x1b[1A';
/** A prompt may wait for a person: operator checks then get this long, ms. */
const INTERACTIVE_CHECK_TIMEOUT_MS = 15 * 60_000;

/** The flag layer of the config, shaped like MargoConfig. @throws ConformanceError `USAGE` for malformed values */
export function flagsToConfigLayer(flags: WfmRunFlags): PartialDeep<MargoConfig> {
  return {
    profile: flags.profile,
    target: flags.target,
    ca: flags.ca,
    insecureBootstrap: flags.insecureBootstrap === true ? true : undefined,
    timeoutMs: parseIntegerFlag(flags.timeout, '--timeout', 1),
    operator: { command: flags.operatorCommand, hook: flags.operatorHook, interactive: flags.operatorPrompt === true ? true : undefined },
    reports: { dir: flags.reportDir, formats: parseFormats(flags.format) },
    failOn: flags.failOn,
    certification: flags.certification === true ? true : undefined,
    expectedFailures: flags.expectedFailures,
  } as PartialDeep<MargoConfig>;
}

/** `--trust`: how the WFM under test trusts device certificates. @throws ConformanceError `USAGE` */
export function parseTrustMode(value: string | undefined): DeviceTrustMode {
  if (value === undefined || value === 'ca-chain') return 'ca-chain';
  if (value === 'any-cert') return 'any-cert';
  throw new ConformanceError('USAGE', `--trust must be ca-chain or any-cert (found '${value}')`);
}

async function loadBaseline(path: string | undefined, cwd: string): Promise<Baseline | undefined> {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
  } catch (err) {
    throw new ConformanceError('CONFIG_FILE_UNREADABLE', `--expected-failures ${path}: cannot read the file`, { cause: err });
  }
  const baseline = parseBaseline(text, path);
  checkBaselineIds(baseline, 'wfm', WFM_CHECKS.map((c) => c.id));
  return baseline;
}

/** Trust anchor of a remote target: `--ca`, else a download verified by the system store, else `--insecure-bootstrap`. */
async function remoteTarget(config: MargoConfig, profile: Profile, io: CliIo): Promise<{ target: WfmTarget; notes: string[] }> {
  const address = parseTargetUrl(config.target ?? '');
  await preflightTarget(address, config.timeoutMs);
  if (config.ca !== undefined) {
    return { target: { ...address, trustAnchorPem: await readCaFile(config.ca, io.cwd), trustAnchorSource: 'out-of-band' }, notes: [] };
  }
  const insecure = config.insecureBootstrap;
  const pem = await downloadRootCa(address, profile, { insecure, timeoutMs: config.timeoutMs });
  const notes = insecure
    ? ['--insecure-bootstrap: the root CA was downloaded over TLS that was NOT verified; every later check pins that CA']
    : [];
  return { target: { ...address, trustAnchorPem: pem, trustAnchorSource: insecure ? 'insecure-bootstrap' : 'downloaded' }, notes };
}

function progressPrinter(io: CliIo, enabled: boolean): ((e: RunProgressEvent) => void) | undefined {
  if (!enabled) return undefined;
  const style: ConsoleStyle = { tty: io.isTty, color: io.isTty };
  return (e) => {
    const text = formatProgress(e, style);
    if (text === undefined) return;
    const line = text.replace(/\n$/, '');
    io.stdout(io.isTty && e.type === 'end' ? `${CURSOR_UP}${line}` : line);
  };
}

function printEffectiveConfig(io: CliIo, reportConfig: Record<string, unknown>, target: WfmTarget, embedded: boolean): void {
  io.stdout(`target: ${embedded ? `${target.baseUrl} (embedded mock WFM)` : target.baseUrl} — root CA ${target.trustAnchorSource}`);
  io.stdout('effective configuration (redacted):');
  for (const line of toYaml(reportConfig).trimEnd().split('\n')) io.stdout(`  ${line}`);
}

/**
 * Runs the `wfm` suite as the root command does.
 * @returns the exit code (0, 1, 4 or 5 from the gates)
 * @throws ConformanceError USAGE / CONFIG_INVALID / TARGET_URL_INVALID (exit 2); TARGET_UNREACHABLE / TLS_SETUP_FAILED /
 *   CA_UNAVAILABLE (exit 3); REPORT_WRITE_FAILED and others (exit 4) — cli/main.ts maps them
 */
export async function runWfmCommand(flags: WfmRunFlags, io: CliIo): Promise<number> {
  // A bad --target is named as such (the config schema would only call it an invalid uri); env and file values
  // are reported by the config loader with their source and position.
  if (flags.target !== undefined) parseTargetUrl(flags.target);
  const config = await loadEffectiveConfig({ flags: flagsToConfigLayer(flags), ...(flags.config === undefined ? {} : { configFile: flags.config }), io });
  const profile = getProfile(config.profile);
  const deviceTrust = parseTrustMode(flags.trust);
  if (config.target !== undefined) parseTargetUrl(config.target); // usage errors before any I/O
  const baseline = await loadBaseline(config.expectedFailures, io.cwd);
  const operatorFromConfig = createOperator(config, io);
  const deviceCa = await ensureDeviceCa(flags.deviceCaDir ?? DEFAULT_DEVICE_CA_DIR, io.cwd, new Date(io.clock.nowMs()));
  const embedded = config.target === undefined
    ? await startEmbeddedWfm({ config, profileId: profile.id, deviceCa, deviceTrust, clock: io.clock })
    : undefined;
  try {
    const remote = embedded === undefined ? await remoteTarget(config, profile, io) : undefined;
    const target = embedded?.target ?? remote!.target;
    const operator: Operator | undefined = operatorFromConfig ?? embedded?.operator;
    const reportConfig = redactConfig(config);
    printEffectiveConfig(io, reportConfig, target, embedded !== undefined);
    const notes = [
      ...(remote?.notes ?? []),
      ...(embedded === undefined ? [] : ['target: the embedded mock WFM (no --target given)']),
      ...(operator === undefined ? ['no operator action configured: operator checks are skipped'] : [`operator: ${operator.description}`]),
    ];
    const run = await runWfmSuite({
      profile,
      config,
      reportConfig,
      target,
      deviceCa,
      deviceTrust,
      ...(operator === undefined ? {} : { operator }),
      clock: io.clock,
      ...(flags.only === undefined ? {} : { only: flags.only }),
      ...(flags.skip === undefined ? {} : { skip: flags.skip }),
      signal: io.shutdown,
      ...optional('onProgress', progressPrinter(io, flags.progress !== false)),
      notes,
      ...(config.operator.interactive && operatorFromConfig !== undefined ? { checkTimeoutMs: INTERACTIVE_CHECK_TIMEOUT_MS } : {}),
    });
    const secretValues = embedded === undefined ? config.secrets.values : [...config.secrets.values, embedded.mock.adminToken];
    return await finishRun(baseline === undefined ? run : applyBaseline(run, baseline), config, io, { secretHeaders: config.secrets.headers, secretValues });
  } finally {
    await embedded?.mock.close();
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Writes the reports, prints the summary and returns the gate's exit code. */
async function finishRun(run: RunResult, config: MargoConfig, io: CliIo, redaction: RedactionOptions): Promise<number> {
  const gate = {
    failOn: config.failOn,
    certification: config.certification,
    fullCatalogueIds: WFM_CHECKS.filter((c) => c.profiles.includes(DEFAULT_PROFILE_ID)).map((c) => c.id),
    redaction,
  };
  const dir = config.reports.dir === undefined ? defaultReportDir(io.cwd, run.finishedAt) : resolve(io.cwd, config.reports.dir);
  const written = await writeReports(run, dir, config.reports.formats, gate);
  const paths = written.manifest === undefined ? written.files : [...written.files, written.manifest];
  io.stdout(formatSummary(redactRun(run, redaction), written.outcome, { tty: io.isTty, color: io.isTty }, paths).trimEnd());
  return written.outcome.exitCode;
}
