/**
 * @module `margo-conformance mock-server`: starts the mock WFM, prints its banner, logs one JSON line per request,
 * and shuts down gracefully on SIGINT/SIGTERM.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConformanceError } from '../../core/errors.js';
import { exportCaPem, formatBanner, startMockWfm, type MockWfm } from '../../mock-server/index.js';
import { isMockFault, type MockFault } from '../../mock-server/faults.js';
import { loadEffectiveConfig } from '../config-loader.js';
import { DEFAULT_DEVICE_CA_DIR, ensureDeviceCa } from '../device-ca.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { checkAdminTokenFlag, checkAllowFlags, checkDataDirFlag, checkExportCaFlag, nameListenerFlag, parsePortFlag } from './mock-server-flags.js';

/** Flags of `mock-server` (see cli/program.ts). */
export interface MockServerFlags {
  config?: string;
  profile?: string;
  host?: string;
  port?: string;
  onboarding: 'auto-approve' | 'manual' | 'reject-all' | 'allowlist';
  trustCa?: string[];
  trustAny?: true;
  allow?: string[];
  fault?: string[];
  exportCa?: string;
  dataDir?: string;
  plainHttpPort?: string;
  adminHost?: string;
  adminPort?: string;
  adminToken?: string;
  tlsMin?: 'TLSv1.2' | 'TLSv1.3';
  deviceCaDir?: string;
}

/** Validates `--fault` names. @throws ConformanceError USAGE naming the unknown fault */
export function parseMockFaults(names: readonly string[] | undefined): MockFault[] {
  const faults: MockFault[] = [];
  for (const name of names ?? []) {
    if (!isMockFault(name)) {
      throw new ConformanceError('USAGE', `unknown mock fault '${name}' (run \`margo-conformance faults\` for the list)`);
    }
    faults.push(name);
  }
  return faults;
}

async function readTrustedIssuers(files: readonly string[], cwd: string): Promise<string[]> {
  return Promise.all(
    files.map((f) =>
      readFile(resolve(cwd, f), 'utf8').then(
        (pem) => {
          if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
            throw new ConformanceError('CONFIG_INVALID', `--trust-ca ${f}: not a PEM certificate`);
          }
          return pem;
        },
        (err: unknown) => {
          throw new ConformanceError('CONFIG_FILE_UNREADABLE', `--trust-ca ${f}: cannot read the file`, { cause: err });
        },
      ),
    ),
  );
}

/** The flags that are plain values, checked before anything is written or bound. */
interface CheckedFlags {
  readonly faults: MockFault[];
  readonly port: number;
  readonly adminPort: number;
  readonly plainHttpPort: number | undefined;
  readonly dataDir: string | undefined;
  readonly exportCa: string | undefined;
}

async function checkFlags(flags: MockServerFlags, cwd: string): Promise<CheckedFlags> {
  const faults = parseMockFaults(flags.fault);
  checkAdminTokenFlag(flags.adminToken);
  checkAllowFlags(flags.allow);
  const checked = {
    faults,
    port: parsePortFlag(flags.port, '--port') ?? 8443,
    adminPort: parsePortFlag(flags.adminPort, '--admin-port') ?? 0,
    plainHttpPort: parsePortFlag(flags.plainHttpPort, '--plain-http-port'),
    dataDir: flags.dataDir === undefined ? undefined : resolve(cwd, flags.dataDir),
    exportCa: flags.exportCa === undefined ? undefined : resolve(cwd, flags.exportCa),
  };
  await checkDataDirFlag(checked.dataDir, flags.dataDir);
  await checkExportCaFlag(checked.exportCa, flags.exportCa);
  return checked;
}

async function exportCa(mock: MockWfm, file: string, shown: string): Promise<void> {
  try {
    await exportCaPem(mock, file);
  } catch (err) {
    await mock.close();
    throw new ConformanceError('REPORT_WRITE_FAILED', `--export-ca ${shown}: cannot write the root CA`, { cause: err, details: { path: file } });
  }
}

/**
 * Runs the mock WFM until SIGINT/SIGTERM.
 * @returns exit code 0 after a graceful shutdown
 * @throws ConformanceError USAGE / CONFIG_INVALID for bad flags (a port outside 0..65535, a port in use, a short
 *   admin token, a malformed `--allow`, a `--data-dir` that is a file or holds foreign files), each naming its
 *   flag or file; REPORT_WRITE_FAILED when `--export-ca` cannot be written
 */
export async function runMockServerCommand(flags: MockServerFlags, io: CliIo): Promise<number> {
  const config = await loadEffectiveConfig({ flags: { profile: flags.profile }, configFile: flags.config, io });
  const checked = await checkFlags(flags, io.cwd);
  const trustCa = await readTrustedIssuers(flags.trustCa ?? [], io.cwd);
  const deviceCa = await ensureDeviceCa(flags.deviceCaDir ?? DEFAULT_DEVICE_CA_DIR, io.cwd, new Date(io.clock.nowMs()));
  const trustedIssuers = [deviceCa.certPem, ...trustCa];
  const mock = await startMockWfm({
    profileId: config.profile,
    config,
    clock: io.clock,
    host: flags.host ?? '127.0.0.1',
    port: checked.port,
    tlsMinVersion: flags.tlsMin ?? config.tls.minVersion,
    onboarding: flags.onboarding,
    trustAnyCertificate: flags.trustAny === true,
    trustedIssuers,
    allowlist: flags.allow ?? [],
    faults: checked.faults,
    dataDir: checked.dataDir,
    plainHttpCertificatePort: checked.plainHttpPort,
    adminHost: flags.adminHost ?? '127.0.0.1',
    adminPort: checked.adminPort,
    adminToken: flags.adminToken,
    log: (entry) => io.stdout(JSON.stringify(entry)),
  }).catch((err: unknown) => {
    throw nameListenerFlag(err);
  });
  if (checked.exportCa !== undefined) await exportCa(mock, checked.exportCa, flags.exportCa ?? checked.exportCa);
  io.stdout(formatBanner(mock));
  io.stdout(`device CA trusted by default: ${resolve(io.cwd, flags.deviceCaDir ?? DEFAULT_DEVICE_CA_DIR)}/device-ca.pem`);
  await new Promise<void>((done) => {
    if (io.shutdown.aborted) done();
    else io.shutdown.addEventListener('abort', () => done(), { once: true });
  });
  io.stderr('shutting down');
  await mock.close();
  return EXIT.conformant;
}
