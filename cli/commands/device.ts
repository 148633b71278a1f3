/**
 * @module `margo-conformance device`: runs the device simulator's seven-step sequence against a WFM.
 * Without `--wfm` it follows the client-suite contract (MARGO_WFM_URL, MARGO_CA_FILE, MARGO_SCENARIO, MARGO_CONTEXT).
 */
import { runDeviceCommand } from '../../device-simulator/index.js';
import { loadEffectiveConfig, parseIntegerFlag } from '../config-loader.js';
import type { CliIo } from '../io.js';

/** Flags of `device` (see cli/program.ts). */
export interface DeviceFlags {
  wfm?: string;
  ca?: string;
  caFromEnv?: true;
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
  const timeoutMs = parseIntegerFlag(flags.timeout, '--timeout', 1);
  const config = await loadEffectiveConfig({ flags: { profile: flags.profile, timeoutMs }, configFile: flags.config, io });
  return runDeviceCommand({
    wfmUrl: flags.wfm,
    caFile: flags.ca,
    caFromEnv: flags.caFromEnv === true,
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
