/**
 * @module `margo-conformance device`: runs the device simulator's seven-step sequence against a WFM.
 * Without `--wfm` it follows the client-suite contract (MARGO_WFM_URL, MARGO_CA_FILE, MARGO_SCENARIO, MARGO_CONTEXT).
 *
 * Device identity: the device certificate is issued under the persistent device CA (`--device-ca-dir`, default
 * `.margo/pki`, the folder `mock-server` trusts by default), so `mock-server` and `device --wfm` started in one
 * folder work together. When the client suite spawns the command (MARGO_SCENARIO set and no `--wfm`; its mock
 * trusts any certificate) a throwaway device CA is used unless `--device-ca-dir` is given, so concurrent scenario
 * runs never write to the working folder.
 */
import { resolve } from 'node:path';
import { runDeviceCommand } from '../../device-simulator/index.js';
import { loadEffectiveConfig, parseTimeoutFlag } from '../config-loader.js';
import { DEFAULT_DEVICE_CA_DIR, ensureDeviceCa } from '../device-ca.js';
import type { CliIo } from '../io.js';

/** Flags of `device` (see cli/program.ts). */
export interface DeviceFlags {
  wfm?: string;
  ca?: string;
  caFromEnv?: true;
  /** Opt-in plain-HTTP root CA URL (not wired in cli/program.ts yet). */
  caUrl?: string;
  deviceCaDir?: string;
  config?: string;
  profile?: string;
  fault?: string[];
  keyType?: string;
  deviceId?: string;
  timeout?: string;
  verbose?: true;
}

/**
 * Runs the simulator once.
 * @returns 0 when every step succeeded, 1 when the WFM refused or misbehaved, 3 when unreachable or TLS failed
 * @throws ConformanceError CONFIG_INVALID / USAGE for bad flags or config
 */
export async function runDeviceCliCommand(flags: DeviceFlags, io: CliIo): Promise<number> {
  const timeoutMs = parseTimeoutFlag(flags.timeout, '--timeout');
  const config = await loadEffectiveConfig({ flags: { profile: flags.profile, timeoutMs }, configFile: flags.config, io });
  const clientSuiteRun = flags.wfm === undefined && (io.env['MARGO_SCENARIO'] ?? '') !== '';
  const persistentCa = flags.deviceCaDir !== undefined || !clientSuiteRun;
  const caDir = flags.deviceCaDir ?? DEFAULT_DEVICE_CA_DIR;
  return runDeviceCommand({
    wfmUrl: flags.wfm,
    caFile: flags.ca === undefined ? undefined : resolve(io.cwd, flags.ca),
    caFromEnv: flags.caFromEnv === true,
    ...(flags.caUrl === undefined ? {} : { caUrl: flags.caUrl }),
    ...(persistentCa ? { loadDeviceCa: () => ensureDeviceCa(caDir, io.cwd, new Date(io.clock.nowMs())) } : {}),
    profile: config.profile,
    faults: flags.fault ?? [],
    keyType: flags.keyType,
    deviceId: flags.deviceId,
    timeoutMs: config.timeoutMs,
    verbose: flags.verbose === true,
    config,
    env: io.env,
    stdout: io.stdout,
    stderr: io.stderr,
    clock: io.clock,
    signal: io.shutdown,
  });
}
