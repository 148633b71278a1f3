/**
 * @module `margo-conformance mock-server`: starts the mock WFM, prints its banner, logs one JSON line per request,
 * and shuts down gracefully on SIGINT/SIGTERM.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConformanceError } from '../../core/errors.js';
import { exportCaPem, formatBanner, startMockWfm } from '../../mock-server/index.js';
import { isMockFault, type MockFault } from '../../mock-server/faults.js';
import { loadEffectiveConfig, parseIntegerFlag } from '../config-loader.js';
import { DEFAULT_DEVICE_CA_DIR, ensureDeviceCa } from '../device-ca.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';

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

/**
 * Runs the mock WFM until SIGINT/SIGTERM.
 * @returns exit code 0 after a graceful shutdown
 * @throws ConformanceError USAGE / CONFIG_INVALID for bad flags; listen errors (port in use) as INTERNAL with the cause
 */
export async function runMockServerCommand(flags: MockServerFlags, io: CliIo): Promise<number> {
  const config = await loadEffectiveConfig({ flags: { profile: flags.profile }, configFile: flags.config, io });
  const faults = parseMockFaults(flags.fault);
  const port = parseIntegerFlag(flags.port, '--port') ?? 8443;
  const deviceCa = await ensureDeviceCa(flags.deviceCaDir ?? DEFAULT_DEVICE_CA_DIR, io.cwd, new Date(io.clock.nowMs()));
  const trustedIssuers = [deviceCa.certPem, ...(await readTrustedIssuers(flags.trustCa ?? [], io.cwd))];
  const mock = await startMockWfm({
    profileId: config.profile,
    config,
    clock: io.clock,
    host: flags.host ?? '127.0.0.1',
    port,
    tlsMinVersion: flags.tlsMin ?? config.tls.minVersion,
    onboarding: flags.onboarding,
    trustAnyCertificate: flags.trustAny === true,
    trustedIssuers,
    allowlist: flags.allow ?? [],
    faults,
    dataDir: flags.dataDir === undefined ? undefined : resolve(io.cwd, flags.dataDir),
    plainHttpCertificatePort: parseIntegerFlag(flags.plainHttpPort, '--plain-http-port'),
    adminHost: flags.adminHost ?? '127.0.0.1',
    adminPort: parseIntegerFlag(flags.adminPort, '--admin-port') ?? 0,
    adminToken: flags.adminToken,
    log: (entry) => io.stdout(JSON.stringify(entry)),
  });
  if (flags.exportCa !== undefined) await exportCaPem(mock, resolve(io.cwd, flags.exportCa));
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
