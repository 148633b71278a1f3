/**
 * @module The root command: run the `wfm` suite against `--target`, or, without a target, against the embedded mock
 * WFM (the README's first quick-start command). Loads the config, prepares target and trust, prints the effective
 * config (redacted) and live progress, writes the reports, applies the baseline and gates, and returns the exit code.
 *
 * Exit codes: 0 conformant; 1 failures; 2 usage/config; 3 unreachable/TLS setup; 4 harness; 5 nothing executed.
 */
import { stringify as toYaml } from 'yaml';
import type { MargoConfig, PartialDeep } from '../../core/config.js';
import { redactConfig } from '../../core/config.js';
import { ConformanceError } from '../../core/errors.js';
import { DEFAULT_PROFILE_ID, getProfile } from '../../core/profiles/index.js';
import type { Profile } from '../../core/profiles/index.js';
import { redactText } from '../../core/report/index.js';
import { runWfmSuite, WFM_CHECKS } from '../../suites/wfm/index.js';
import type { DeviceTrustMode, Operator, WfmTarget } from '../../suites/wfm/index.js';
import { loadEffectiveConfig, parseFormats, parseIntegerFlag } from '../config-loader.js';
import { DEFAULT_DEVICE_CA_DIR, ensureDeviceCa } from '../device-ca.js';
import { startEmbeddedWfm } from '../embedded-wfm.js';
import type { CliIo } from '../io.js';
import { createOperator, hookSecretValues } from '../operator.js';
import { consoleSecretValues, finishRun, loadBaselineFor, progressPrinter } from '../run-support.js';
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

function printEffectiveConfig(io: CliIo, reportConfig: Record<string, unknown>, target: WfmTarget, embedded: boolean, secretValues: readonly string[]): void {
  const shown = redactText(target.baseUrl, secretValues);
  io.stdout(`target: ${embedded ? `${shown} (embedded mock WFM)` : shown} — root CA ${target.trustAnchorSource}`);
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
  const baseline = await loadBaselineFor(config, io, 'wfm', WFM_CHECKS.map((c) => c.id));
  const operatorFromConfig = createOperator(config, io);
  const deviceCa = await ensureDeviceCa(flags.deviceCaDir ?? DEFAULT_DEVICE_CA_DIR, io.cwd, new Date(io.clock.nowMs()));
  const embedded = config.target === undefined
    ? await startEmbeddedWfm({ config, profileId: profile.id, deviceCa, deviceTrust, clock: io.clock })
    : undefined;
  try {
    const remote = embedded === undefined ? await remoteTarget(config, profile, io) : undefined;
    const target = embedded?.target ?? remote!.target;
    const operator: Operator | undefined = operatorFromConfig ?? embedded?.operator;
    // Console and reports scrub the same secrets: secrets.values, the hook URL's credentials, the embedded admin token.
    const runSecrets = [...hookSecretValues(config.operator.hook), ...(embedded === undefined ? [] : [embedded.mock.adminToken])];
    const secretValues = consoleSecretValues(config, runSecrets);
    const reportConfig = redactConfig(config);
    printEffectiveConfig(io, reportConfig, target, embedded !== undefined, secretValues);
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
      ...optional('onProgress', progressPrinter(io, flags.progress !== false, secretValues)),
      notes,
      ...(config.operator.interactive && operatorFromConfig !== undefined ? { checkTimeoutMs: INTERACTIVE_CHECK_TIMEOUT_MS } : {}),
    });
    return await finishRun(run, {
      config,
      io,
      ...(baseline === undefined ? {} : { baseline }),
      fullCatalogueIds: WFM_CHECKS.filter((c) => c.profiles.includes(DEFAULT_PROFILE_ID)).map((c) => c.id),
      secretValues: runSecrets,
    });
  } finally {
    await embedded?.mock.close();
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
