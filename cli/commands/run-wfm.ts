/**
 * @module The root command: run the `wfm` suite against `--target`, or, without a target, against the embedded mock
 * WFM (the README's first quick-start command). Settings that only make sense for a real WFM (`--ca`,
 * `--insecure-bootstrap`, `--operator-*`, `--certification`) and an empty target are usage errors without one, so
 * the mock is never tested, or certified, by mistake; its reports name it `embedded mock WFM (https://127.0.0.1:…)`.
 * Loads the config, prepares target and trust, prints the effective config (redacted) and live progress, writes the
 * reports, applies the baseline and gates, and returns the exit code.
 *
 * Exit codes: 0 conformant; 1 failures; 2 usage/config; 3 unreachable/TLS setup; 4 harness; 5 nothing executed.
 */
import { stringify as toYaml } from 'yaml';
import type { MargoConfig, PartialDeep } from '../../core/config.js';
import { redactConfig } from '../../core/config.js';
import { ConformanceError, isConformanceError } from '../../core/errors.js';
import { DEFAULT_PROFILE_ID, getProfile } from '../../core/profiles/index.js';
import type { Profile } from '../../core/profiles/index.js';
import { redactText } from '../../core/report/index.js';
import { runWfmSuite, WFM_CHECKS } from '../../suites/wfm/index.js';
import type { DeviceTrustMode, Operator, WfmTarget } from '../../suites/wfm/index.js';
import { loadEffectiveConfig, parseFormats, parseTimeoutFlag } from '../config-loader.js';
import { DEFAULT_DEVICE_CA_DIR, ensureDeviceCa } from '../device-ca.js';
import { embeddedTargetLabel, startEmbeddedWfm } from '../embedded-wfm.js';
import type { CliIo } from '../io.js';
import { createOperator, hookSecretValues } from '../operator.js';
import { consoleSecretValues, finishRun, loadBaselineFor, progressPrinter } from '../run-support.js';
import {
  apiPrefixHint,
  downloadRootCa,
  parseTargetUrl,
  preflightTarget,
  readCaBundle,
  showValue,
  sourceName,
  verifyOutOfBandCa,
} from '../wfm-bootstrap.js';
import type { ReportFlags } from '../program.js';
import type { ValueSource } from '../wfm-bootstrap.js';

/** Flags of the root command (see cli/program.ts): the report flags plus the target and operator settings. */
export interface WfmRunFlags extends ReportFlags {
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
    timeoutMs: parseTimeoutFlag(flags.timeout, '--timeout'),
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

/** Where each setting that matters before the run came from (flag > env > config file), for messages. */
interface Sources {
  readonly target: ValueSource;
  readonly ca: ValueSource;
  readonly insecureBootstrap: ValueSource;
  readonly operatorCommand: ValueSource;
  readonly operatorHook: ValueSource;
  readonly operatorInteractive: ValueSource;
  readonly certification: ValueSource;
}

function sourcesOf(flags: WfmRunFlags, io: CliIo, configFile: string | undefined): Sources {
  const of = (flagValue: unknown, flag: string, env: string, key: string): ValueSource => {
    if (flagValue !== undefined && flagValue !== false) return { kind: 'flag', name: flag };
    if ((io.env[env] ?? '').trim() !== '') return { kind: 'env', name: env };
    return { kind: 'file', name: key, ...(configFile === undefined ? {} : { file: configFile }) };
  };
  return {
    target: of(flags.target, '--target', 'MARGO_TARGET', 'target'),
    ca: of(flags.ca, '--ca', 'MARGO_CA', 'ca'),
    insecureBootstrap: of(flags.insecureBootstrap, '--insecure-bootstrap', 'MARGO_INSECURE_BOOTSTRAP', 'insecureBootstrap'),
    operatorCommand: of(flags.operatorCommand, '--operator-command', 'MARGO_OPERATOR_COMMAND', 'operator.command'),
    operatorHook: of(flags.operatorHook, '--operator-hook', 'MARGO_OPERATOR_HOOK', 'operator.hook'),
    operatorInteractive: of(flags.operatorPrompt, '--operator-prompt', 'MARGO_OPERATOR_INTERACTIVE', 'operator.interactive'),
    certification: of(flags.certification, '--certification', 'MARGO_CERTIFICATION', 'certification'),
  };
}

/**
 * A target given as an empty string (`--target ''`, `MARGO_TARGET=`) would silently select the embedded mock: it is a
 * usage error instead, as is a malformed one, named by its source. Runs before the config is loaded.
 * @throws ConformanceError `TARGET_URL_INVALID`
 */
function checkTargetInput(flags: WfmRunFlags, io: CliIo, sources: Sources): void {
  if (flags.target !== undefined) parseTargetUrl(flags.target, sources.target);
  else if (io.env['MARGO_TARGET'] !== undefined) parseTargetUrl(io.env['MARGO_TARGET'], { kind: 'env', name: 'MARGO_TARGET' });
}

/**
 * Settings that only mean something for a remote target. Without a target the suite tests the built-in mock WFM,
 * so each of them would be silently ignored (and a certification manifest would certify the mock).
 * @throws ConformanceError `USAGE` naming the first such setting and its source
 */
function checkEmbeddedUsage(config: MargoConfig, sources: Sources): void {
  const remoteOnly: [boolean, ValueSource][] = [
    [config.ca !== undefined, sources.ca],
    [config.insecureBootstrap, sources.insecureBootstrap],
    [(config.operator.command ?? '') !== '', sources.operatorCommand],
    [(config.operator.hook ?? '') !== '', sources.operatorHook],
    [config.operator.interactive, sources.operatorInteractive],
  ];
  const found = remoteOnly.find(([set]) => set);
  if (found !== undefined) {
    throw new ConformanceError('USAGE', `${sourceName(found[1])} needs --target: without --target the suite tests the built-in mock WFM`);
  }
  if (config.certification) {
    throw new ConformanceError('USAGE', `${sourceName(sources.certification)}: certification needs --target (a certification run judges a WFM, not the built-in mock)`);
  }
}

/**
 * An interactive operator needs a terminal; said here (not in cli/operator.ts) so the message names the source,
 * e.g. `MARGO_OPERATOR_INTERACTIVE=true` when the variable, not the flag, asked for it.
 * @throws ConformanceError `USAGE`
 */
function checkPromptTerminal(config: MargoConfig, io: CliIo, sources: Sources): void {
  const { command, hook, interactive } = config.operator;
  if (!interactive || io.isTty || (command ?? '') !== '' || (hook ?? '') !== '') return;
  const asked = sources.operatorInteractive.kind === 'flag' ? '--operator-prompt' : showValue(sources.operatorInteractive, 'true');
  throw new ConformanceError('USAGE', `${asked} needs a terminal (operator actions are prompted for); use --operator-command or --operator-hook in CI`);
}

/** A remote target with its trust anchor, the run notes, and hints to print before the run. */
interface RemoteTarget {
  readonly target: WfmTarget;
  readonly notes: readonly string[];
  readonly hints: readonly string[];
}

/** Trust anchor of a remote target: `--ca`, else a download verified by the system store, else `--insecure-bootstrap`. */
async function remoteTarget(config: MargoConfig, profile: Profile, io: CliIo, sources: Sources): Promise<RemoteTarget> {
  const address = parseTargetUrl(config.target ?? '', sources.target);
  const hint = apiPrefixHint(address, profile, sources.target);
  const hints = hint === undefined ? [] : [hint];
  await preflightTarget(address, config.timeoutMs);
  if (config.ca !== undefined) {
    const bundle = await readCaBundle(config.ca, io.cwd, sources.ca);
    await verifyOutOfBandCa(address, bundle, config.ca, config.timeoutMs);
    return { target: { ...address, trustAnchorPem: bundle.pem, trustAnchorSource: 'out-of-band' }, notes: hints, hints };
  }
  const insecure = config.insecureBootstrap;
  const pem = await downloadRootCa(address, profile, { insecure, timeoutMs: config.timeoutMs }).catch((err: unknown) => {
    // A base URL ending in /api/v1 is the likely reason the Certificate API was not found: say that first.
    if (hint === undefined || !isConformanceError(err, 'CA_UNAVAILABLE')) throw err;
    throw new ConformanceError('CA_UNAVAILABLE', `${hint} (${err.message})`, { cause: err });
  });
  const notes = insecure
    ? ['--insecure-bootstrap: the root CA was downloaded over TLS that was NOT verified; every later check pins that CA']
    : [];
  return { target: { ...address, trustAnchorPem: pem, trustAnchorSource: insecure ? 'insecure-bootstrap' : 'downloaded' }, notes: [...hints, ...notes], hints };
}

function printEffectiveConfig(io: CliIo, reportConfig: Record<string, unknown>, target: WfmTarget, embedded: boolean, secretValues: readonly string[]): void {
  const shown = redactText(target.baseUrl, secretValues);
  io.stdout(`target: ${embedded ? embeddedTargetLabel(shown) : shown} — root CA ${target.trustAnchorSource}`);
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
  const configFile = flags.config ?? ((io.env['MARGO_CONFIG'] ?? '') === '' ? undefined : io.env['MARGO_CONFIG']);
  const sources = sourcesOf(flags, io, configFile);
  // A bad or empty target is named by its source, before the config schema could only call it an invalid uri.
  checkTargetInput(flags, io, sources);
  const config = await loadEffectiveConfig({ flags: flagsToConfigLayer(flags), ...(flags.config === undefined ? {} : { configFile: flags.config }), io });
  const profile = getProfile(config.profile);
  const deviceTrust = parseTrustMode(flags.trust);
  // Usage errors before any I/O.
  if (config.target !== undefined) parseTargetUrl(config.target, sources.target);
  else checkEmbeddedUsage(config, sources);
  checkPromptTerminal(config, io, sources);
  const baseline = await loadBaselineFor(config, io, 'wfm', WFM_CHECKS.map((c) => c.id));
  const operatorFromConfig = createOperator(config, io);
  const deviceCa = await ensureDeviceCa(flags.deviceCaDir ?? DEFAULT_DEVICE_CA_DIR, io.cwd, new Date(io.clock.nowMs()));
  const embedded = config.target === undefined
    ? await startEmbeddedWfm({ config, profileId: profile.id, deviceCa, deviceTrust, clock: io.clock })
    : undefined;
  try {
    const remote = embedded === undefined ? await remoteTarget(config, profile, io, sources) : undefined;
    const target = embedded?.target ?? remote!.target;
    const operator: Operator | undefined = operatorFromConfig ?? embedded?.operator;
    // Console and reports scrub the same secrets: secrets.values, the hook URL's credentials, the embedded admin token.
    const runSecrets = [...hookSecretValues(config.operator.hook), ...(embedded === undefined ? [] : [embedded.mock.adminToken])];
    const secretValues = consoleSecretValues(config, runSecrets);
    const reportConfig = redactConfig(config);
    printEffectiveConfig(io, reportConfig, target, embedded !== undefined, secretValues);
    for (const hint of remote?.hints ?? []) io.stderr(`note: ${redactText(hint, secretValues)}`);
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
      ...(embedded === undefined ? {} : { targetLabel: embeddedTargetLabel(target.baseUrl) }),
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
