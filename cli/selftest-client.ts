/**
 * @module Self-test of the `client` suite: the device simulator is the well-behaved client and, with one fault
 * knob each, the deliberately broken clients. The clean simulator must pass every check; each broken client must
 * fail (or warn on, for SHOULD checks) exactly the checks that declare its fault in `faults`, and nothing else.
 * Prints nothing itself; `formatClientSelftest` gives the lines for the `selftest` command.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult, VerdictStatus } from '../core/check.js';
import type { MargoConfig } from '../core/config.js';
import { DEFAULT_CONFIG, mergeConfig } from '../core/config.js';
import { ConformanceError, isConformanceError } from '../core/errors.js';
import { packagePath } from '../core/paths.js';
import { getProfile } from '../core/profiles/index.js';
import { computeExitCode, REPORT_FORMATS, writeReports } from '../core/report/index.js';
import { runDeviceCommand } from '../device-simulator/index.js';
import type { DeviceFault } from '../device-simulator/index.js';
import { clientCatalogue } from '../suites/client/index.js';
import type { ClientLauncher, InProcessResult } from './client-harness.js';
import { runClientSuite } from './commands/client.js';
import type { CliIo } from './io.js';

/** The broken clients of issue #5, then further faults that prove the remaining negative checks can fail. */
export const REQUIRED_CLIENT_FAULTS: readonly DeviceFault[] = [
  'tls-verify-off',
  'no-signature',
  'uppercase-component-ids',
  'wrong-content-digest',
  'continue-after-403',
  'der-ecdsa',
  'stale-created',
  'invalid-capabilities',
];

/** Extra broken clients run by default: each proves one more check can fail. */
export const EXTRA_CLIENT_FAULTS: readonly DeviceFault[] = [
  'continue-after-400',
  'retry-tight-loop',
  'ignore-retry-after',
  'no-if-none-match',
  'skip-deployment-fetch',
  'invalid-status',
  'ignore-client-id',
  'certificate-as-base64-pem',
  'bad-certificate-encoding',
  'uncovered-content-digest',
  'uncovered-target-uri',
  'drop-signature-header',
  'drop-content-digest',
  'body-changed-after-signing',
  'future-created',
  'signed-by-other-key',
  'corrupt-signature',
];

/** How the self-test runs the simulator: as the command users run, or in-process (faster, no build needed). */
export type SelftestLauncher = 'command' | 'in-process';

/** Options of {@link runClientSelftest}; defaults in brackets. */
export interface ClientSelftestOptions {
  /** [`command` when dist/cli/main.js exists, else `in-process`] */
  readonly launcher?: SelftestLauncher;
  /** Broken clients to run [REQUIRED_CLIENT_FAULTS + EXTRA_CLIENT_FAULTS]. */
  readonly faults?: readonly DeviceFault[];
  /** [`rfc9421-v1`] */
  readonly profileId?: string;
  /** Per-scenario timeout, ms [20 000]. */
  readonly scenarioTimeoutMs?: number;
  /** Scenarios of one client run at the same time [3]. */
  readonly concurrency?: number;
  /** Clients (matrix rows) run at the same time [2]. */
  readonly rowConcurrency?: number;
  /** When set, each client's run writes its four reports into `<reportDir>/client-<clean|fault>/`. */
  readonly reportDir?: string;
  /** Called with each finished row (for progress lines). */
  readonly onRow?: (row: ClientSelftestRow) => void;
}

/** One client of the matrix: `clean` or a fault, with every check's verdict. */
export interface ClientSelftestRow {
  readonly client: 'clean' | DeviceFault;
  /** Check ids that declare this fault (empty for `clean`). */
  readonly expected: readonly string[];
  /** Check ids that ended `fail` or `warn`. */
  readonly failing: readonly string[];
  readonly verdicts: Readonly<Record<string, VerdictStatus>>;
  /** The run's exit code under the default gates (fail-on fail). */
  readonly exitCode: number;
  /** Fault rows: every expected check failed. Clean row: every check passed. */
  readonly caught: boolean;
  /** Fault rows: nothing but the expected checks failed. Clean row: same as `caught`. */
  readonly exact: boolean;
  readonly run: RunResult;
}

/** The whole self-test: the matrix (clean row first), the sensitivity score, and whether the clean run passed. */
export interface ClientSelftestResult {
  readonly matrix: readonly ClientSelftestRow[];
  /** Faults caught / faults run (a fault is caught when every check declaring it failed). */
  readonly sensitivity: { readonly caught: number; readonly total: number; readonly ratio: number };
  /** True when every check passed (or was not applicable) against the clean simulator. */
  readonly cleanOk: boolean;
}

/** The simulator as a shell command: `node <package>/dist/cli/main.js device`, quoted for the shell. */
export function simulatorCommand(): string {
  return `"${process.execPath}" "${packagePath('dist', 'cli', 'main.js')}" device`;
}

/**
 * The device simulator as an in-process client: `runDeviceCommand` with the scenario environment, the given faults
 * and config. The scenario timeout aborts it; the abort is recorded as its stderr with exit code 130.
 */
export function inProcessSimulator(faults: readonly DeviceFault[], config: MargoConfig, caOutOfBand = false): ClientLauncher {
  return {
    kind: 'in-process',
    async run(env, signal): Promise<InProcessResult> {
      const stdout: string[] = [];
      const stderr: string[] = [];
      try {
        const exitCode = await runDeviceCommand({
          env,
          faults,
          config,
          caFromEnv: caOutOfBand,
          signal,
          stdout: (l) => stdout.push(l),
          stderr: (l) => stderr.push(l),
        });
        return { exitCode, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
      } catch (err) {
        // The simulator rethrows the abort of the scenario timeout: record it as the client's last words.
        if (!signal.aborted && !isConformanceError(err)) throw err;
        stderr.push(err instanceof Error ? err.message : String(err));
        return { exitCode: 130, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
      }
    },
  };
}

function launcherFor(kind: SelftestLauncher, faults: readonly DeviceFault[], config: MargoConfig): { launcher: ClientLauncher; env: Record<string, string | undefined> } {
  if (kind === 'in-process') return { launcher: inProcessSimulator(faults, config), env: {} };
  return { launcher: { kind: 'command', command: simulatorCommand() }, env: { MARGO_DEVICE_FAULTS: faults.join(',') } };
}

/** Check ids whose `faults` list `fault`. */
export function checksForFault(fault: DeviceFault): string[] {
  return clientCatalogue.filter((c) => (c.faults ?? []).includes(fault)).map((c) => c.id);
}

function rowOf(client: 'clean' | DeviceFault, run: RunResult): ClientSelftestRow {
  const verdicts = Object.fromEntries(run.results.map((r) => [r.id, r.status]));
  const failing = run.results.filter((r) => r.status === 'fail' || r.status === 'warn').map((r) => r.id);
  const expected = client === 'clean' ? [] : checksForFault(client);
  const exitCode = computeExitCode(run, { failOn: 'fail', certification: false }).code;
  if (client === 'clean') {
    const ok = run.results.every((r) => r.status === 'pass' || r.status === 'not-applicable');
    return { client, expected, failing, verdicts, exitCode, caught: ok, exact: ok, run };
  }
  const caught = expected.length > 0 && expected.every((id) => failing.includes(id));
  const exact = failing.every((id) => expected.includes(id));
  return { client, expected, failing, verdicts, exitCode, caught, exact, run };
}

/**
 * Runs the clean simulator and each broken client through every scenario and builds the matrix.
 * Throws ConformanceError REPORT_WRITE_FAILED when `reportDir` cannot be written.
 * `io` supplies the clock, the environment the command form inherits, and the shutdown signal.
 * Rejects only for harness failures (the mock cannot start).
 */
export async function runClientSelftest(io: CliIo, opts: ClientSelftestOptions = {}): Promise<ClientSelftestResult> {
  const profile = getProfile(opts.profileId ?? DEFAULT_CONFIG.profile);
  const config = mergeConfig({ profile: profile.id, client: { scenarioTimeoutMs: opts.scenarioTimeoutMs ?? 20_000 } });
  const kind = opts.launcher ?? (existsSync(packagePath('dist', 'cli', 'main.js')) ? 'command' : 'in-process');
  const clients: ('clean' | DeviceFault)[] = ['clean', ...(opts.faults ?? [...REQUIRED_CLIENT_FAULTS, ...EXTRA_CLIENT_FAULTS])];
  const runRow = async (client: 'clean' | DeviceFault): Promise<ClientSelftestRow> => {
    const { launcher, env } = launcherFor(kind, client === 'clean' ? [] : [client], config);
    const { run, interrupted } = await runClientSuite({
      profile,
      config,
      clock: io.clock,
      launcher,
      target: kind === 'command' ? `${simulatorCommand()} (MARGO_DEVICE_FAULTS=${client === 'clean' ? '' : client})` : `in-process simulator (${client})`,
      env: { ...io.env, ...env },
      concurrency: opts.concurrency ?? 3,
      signal: io.shutdown,
    });
    // A matrix row from an interrupted run would be judged on partial recordings: stop the self-test instead.
    if (interrupted) throw new ConformanceError('RUN_ABORTED', 'the client self-test was interrupted');
    const row = rowOf(client, run);
    if (opts.reportDir !== undefined) {
      await writeReports(run, join(opts.reportDir, `client-${client}`), REPORT_FORMATS, { failOn: 'fail', certification: false });
    }
    opts.onRow?.(row);
    return row;
  };
  const matrix = await inPool(clients, opts.rowConcurrency ?? 2, runRow);
  const faultRows = matrix.filter((r) => r.client !== 'clean');
  const caught = faultRows.filter((r) => r.caught).length;
  return {
    matrix,
    sensitivity: { caught, total: faultRows.length, ratio: faultRows.length === 0 ? 1 : caught / faultRows.length },
    cleanOk: matrix[0]?.caught === true,
  };
}

/** Console lines for the matrix: one line per client with its verdict, then the sensitivity score. */
export function formatClientSelftest(result: ClientSelftestResult): string[] {
  const width = Math.max(...result.matrix.map((r) => r.client.length)) + 2;
  const lines = ['client suite self-test (device simulator × client checks):'];
  for (const r of result.matrix) {
    if (r.client === 'clean') {
      const bad = r.run.results.filter((x) => x.status !== 'pass' && x.status !== 'not-applicable');
      lines.push(`  ${r.client.padEnd(width)}${r.caught ? 'PASS' : 'FAIL'}  ${r.caught ? `all ${r.run.results.length} checks pass` : bad.map((x) => `${x.id}=${x.status}`).join(', ')}`);
      continue;
    }
    const state = !r.caught ? 'MISSED' : r.exact ? 'CAUGHT' : 'CAUGHT+EXTRA';
    const extra = r.failing.filter((id) => !r.expected.includes(id));
    const missed = r.expected.filter((id) => !r.failing.includes(id));
    lines.push(
      `  ${r.client.padEnd(width)}${state.padEnd(13)}exit ${r.exitCode}  fails: ${r.failing.join(', ') || 'none'}` +
        `${missed.length > 0 ? `  missed: ${missed.join(', ')}` : ''}${extra.length > 0 ? `  unexpected: ${extra.join(', ')}` : ''}`,
    );
  }
  const s = result.sensitivity;
  lines.push(`  sensitivity ${s.caught}/${s.total} (${Math.round(s.ratio * 100)}%); clean run ${result.cleanOk ? 'passes' : 'FAILS'}`);
  return lines;
}

/** Maps `items` through `fn` with at most `limit` in flight; results keep the input order. */
async function inPool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
