/**
 * @module `margo-conformance device`: run one simulated device through the seed's sequence and print one plain line
 * per step. The CLI parses argv; this module gets an options object and the environment.
 *
 * Client-suite contract (issue #5): without `--wfm` the WFM URL comes from `MARGO_WFM_URL`. The simulator is a
 * certificate-download client, so it ignores `MARGO_CA_FILE` unless told to take the CA out of band, by
 * `--ca-from-env` (`caFromEnv`) or `MARGO_CONTEXT` `{"caOutOfBand": true}`; `--ca FILE` always wins.
 * Faults come from `--fault`, `MARGO_DEVICE_FAULTS` (comma list) and `MARGO_CONTEXT` `{"faults": [...]}`, so broken
 * clients can be spawned as commands.
 */
import type { Clock } from '../core/clock.js';
import type { MargoConfig } from '../core/config.js';
import { ConformanceError, isConformanceError } from '../core/errors.js';
import { KEY_TYPES } from '../core/pki/index.js';
import type { IssuedCertificate, KeyType } from '../core/pki/index.js';
import { checkCaUrl, checkWfmUrl, readCaPemFile } from './command-input.js';
import { createDevice } from './device.js';
import { parseDeviceFaults } from './faults.js';
import type { DeviceLogEntry, DeviceOptions, StepOutcome } from './types.js';

/** Options of {@link runDeviceCommand}, as the CLI derives them from argv. */
export interface DeviceCommandOptions {
  /** `--wfm URL`; default env `MARGO_WFM_URL`. */
  readonly wfmUrl?: string;
  /** `--ca FILE`: root CA (PEM) out of band. */
  readonly caFile?: string;
  /** `--ca-from-env`: take the root CA from `MARGO_CA_FILE` instead of downloading it. */
  readonly caFromEnv?: boolean;
  /**
   * Opt-in plain-HTTP bootstrap: download the root CA from this URL (the WFM's plain-HTTP certificate listener)
   * instead of over unverified TLS. Every API path still goes over HTTPS to `wfmUrl`.
   */
  readonly caUrl?: string;
  /**
   * The device CA to issue the device certificate under (e.g. the persistent device CA a WFM trusts), loaded only
   * after every input check passed. Default: a throwaway device CA.
   */
  readonly loadDeviceCa?: () => Promise<IssuedCertificate>;
  /** `--profile P`; default `config.profile`. */
  readonly profile?: string;
  /** `--fault NAME` (repeatable). */
  readonly faults?: readonly string[];
  /** `--key-type T`: ec-p256 (default), ec-p384, rsa-2048, rsa-3072, ed25519. */
  readonly keyType?: string;
  readonly deviceId?: string;
  /** `--timeout` in ms. */
  readonly timeoutMs?: number;
  /** `--verbose`: also print each request line. */
  readonly verbose?: boolean;
  /** Effective configuration (flags > env > file), when the CLI resolved one. */
  readonly config?: MargoConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
}

/** Exit codes of the device command. */
export const DEVICE_EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3, harness: 4 } as const;

const UNREACHABLE: readonly string[] = ['TARGET_UNREACHABLE', 'TLS_SETUP_FAILED', 'CA_UNAVAILABLE'];
const USAGE: readonly string[] = ['USAGE', 'CONFIG_INVALID', 'CONFIG_FILE_UNREADABLE', 'TARGET_URL_INVALID', 'PROFILE_UNKNOWN'];

/** What `MARGO_CONTEXT` may carry for the simulator. Other members are scenario data for other clients. */
interface DeviceContext {
  readonly faults: string[];
  readonly caOutOfBand: boolean;
}

/** Parses `MARGO_CONTEXT`. Throws USAGE when it is not a JSON object or `faults` is not a list of strings. */
export function parseDeviceContext(text: string | undefined): DeviceContext {
  if (text === undefined || text.trim() === '') return { faults: [], caOutOfBand: false };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConformanceError('USAGE', 'MARGO_CONTEXT is not valid JSON', { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConformanceError('USAGE', 'MARGO_CONTEXT must be a JSON object');
  const record = value as Record<string, unknown>;
  const faults = record['faults'] ?? [];
  if (!Array.isArray(faults) || faults.some((f) => typeof f !== 'string')) throw new ConformanceError('USAGE', 'MARGO_CONTEXT.faults must be a list of fault names');
  return { faults: faults as string[], caOutOfBand: record['caOutOfBand'] === true };
}

/** Splits `MARGO_DEVICE_FAULTS` (`a,b , c`). */
export function splitFaultList(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** One plain output line for a device log entry: `<step> <event> [status] [detail]`. */
export function formatLogLine(e: DeviceLogEntry): string {
  return [e.step.padEnd(18), e.event, e.status === undefined ? '' : String(e.status), e.detail ?? ''].filter((p) => p !== '').join(' ');
}

function keyTypeOf(value: string | undefined): KeyType | undefined {
  if (value === undefined) return undefined;
  if (!(KEY_TYPES as readonly string[]).includes(value)) throw new ConformanceError('USAGE', `unknown key type ${value}; expected one of ${KEY_TYPES.join(', ')}`);
  return value as KeyType;
}

async function deviceOptions(opts: DeviceCommandOptions): Promise<DeviceOptions> {
  const rawUrl = opts.wfmUrl ?? opts.env['MARGO_WFM_URL'];
  if (rawUrl === undefined || rawUrl === '') throw new ConformanceError('USAGE', 'no WFM: pass --wfm URL or set MARGO_WFM_URL');
  const wfmUrl = checkWfmUrl(rawUrl, opts.wfmUrl === undefined ? 'MARGO_WFM_URL' : '--wfm');
  const caUrl = opts.caUrl === undefined ? undefined : checkCaUrl(opts.caUrl, '--ca-url');
  const context = parseDeviceContext(opts.env['MARGO_CONTEXT']);
  const faults = parseDeviceFaults([...(opts.faults ?? []), ...splitFaultList(opts.env['MARGO_DEVICE_FAULTS']), ...context.faults]);
  const envCa = opts.env['MARGO_CA_FILE'];
  if (opts.caFile === undefined && opts.caFromEnv === true && (envCa === undefined || envCa === '')) {
    throw new ConformanceError('USAGE', '--ca-from-env needs MARGO_CA_FILE (the root CA PEM file); set it, or pass --ca FILE');
  }
  let caPem: string | undefined;
  if (opts.caFile !== undefined) caPem = await readCaPemFile(opts.caFile, '--ca');
  else if ((opts.caFromEnv === true || context.caOutOfBand) && envCa !== undefined && envCa !== '') caPem = await readCaPemFile(envCa, 'MARGO_CA_FILE');
  const keyType = keyTypeOf(opts.keyType);
  const profileId = opts.profile ?? opts.config?.profile;
  const issuer = opts.loadDeviceCa === undefined ? undefined : await opts.loadDeviceCa();
  const identity = issuer !== undefined ? { issuer, ...(keyType === undefined ? {} : { keyType }) } : keyType === undefined ? undefined : { keyType };
  return {
    wfmUrl,
    ...(caUrl === undefined ? {} : { bootstrap: 'plain-http-url' as const, caUrl }),
    faults: [...new Set(faults)],
    ...(profileId === undefined ? {} : { profileId }),
    ...(opts.config === undefined ? {} : { config: opts.config }),
    ...(caPem === undefined ? {} : { caPem }),
    ...(identity === undefined ? {} : { identity }),
    ...(opts.deviceId === undefined ? {} : { deviceId: opts.deviceId }),
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    ...(opts.clock === undefined ? {} : { clock: opts.clock }),
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    log: (e) => {
      if (e.event !== 'request' || opts.verbose === true) opts.stdout(formatLogLine(e));
    },
  };
}

function exitFor(failedStep: StepOutcome | undefined): number {
  if (failedStep === undefined) return DEVICE_EXIT.ok;
  const code = failedStep.error?.code ?? '';
  if (USAGE.includes(code)) return DEVICE_EXIT.usage;
  return UNREACHABLE.includes(code) ? DEVICE_EXIT.unreachable : DEVICE_EXIT.refused;
}

/**
 * Runs one simulated device through the sequence and prints a line per step, then a summary line.
 * Resolves to the exit code: 0 every step succeeded; 1 the WFM refused or misbehaved; 2 usage (no URL; a WFM URL
 * that is not https or carries credentials, a query or a fragment; unknown fault or key type; a CA file that is
 * unreadable or not a PEM certificate; --ca-from-env without MARGO_CA_FILE; bad MARGO_CONTEXT); 3 unreachable or TLS setup failed (pinning refused
 * the WFM certificate); 4 a harness error (e.g. a signing fault that cannot apply to the key type).
 * Errors that are not ConformanceErrors (bugs, an aborted signal) are rethrown.
 */
export async function runDeviceCommand(opts: DeviceCommandOptions): Promise<number> {
  let device: ReturnType<typeof createDevice> | undefined;
  try {
    const options = await deviceOptions(opts);
    device = createDevice(options);
    const faults = options.faults?.length ? options.faults.join(', ') : 'none';
    const scenario = opts.env['MARGO_SCENARIO'];
    opts.stdout(`device: WFM ${options.wfmUrl}; root CA ${options.caPem !== undefined ? 'out of band' : options.caUrl !== undefined ? `from ${options.caUrl} (plain-HTTP bootstrap, opt-in)` : 'from the Certificate API'}; faults: ${faults}${scenario === undefined ? '' : `; scenario ${scenario}`}`);
    const run = await device.runSequence();
    const failedStep = run.steps.find((s) => !s.ok);
    if (failedStep === undefined) opts.stdout(`device: sequence completed (clientId ${device.clientId ?? '-'})`);
    else opts.stdout(`device: sequence stopped at ${failedStep.step}: ${failedStep.error?.code ?? 'failed'}${failedStep.error?.tlsCode === undefined ? '' : ` ${failedStep.error.tlsCode}`}: ${failedStep.error?.message ?? ''}`);
    return exitFor(failedStep);
  } catch (err) {
    if (!isConformanceError(err)) throw err;
    opts.stderr(`error [${err.code}]: ${err.message}`);
    if (USAGE.includes(err.code)) return DEVICE_EXIT.usage;
    return UNREACHABLE.includes(err.code) ? DEVICE_EXIT.unreachable : DEVICE_EXIT.harness;
  } finally {
    await device?.close();
  }
}
