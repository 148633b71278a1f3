/**
 * @module `margo-conformance selftest`: proves the suites can fail. Runs the `wfm` suite against the clean mock WFM
 * and against one mock per deliberate fault, and the `client` suite against the clean simulator and one broken
 * simulator per fault; prints each matrix and the sensitivity score (faults caught / faults).
 */
import { resolve } from 'node:path';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { formatClientSelftest, runClientSelftest } from '../selftest-client.js';
import { formatWfmSelftest, runWfmSelftest } from '../selftest-wfm.js';

interface RoleOutcome {
  readonly role: 'wfm' | 'client';
  readonly cleanOk: boolean;
  readonly caught: number;
  readonly total: number;
  /** Fault rows where something other than the bound checks failed, or a bound check did not fail. */
  readonly inexact: readonly string[];
}

async function selftestWfm(io: CliIo, reportDir: string | undefined, json: boolean): Promise<RoleOutcome> {
  const result = await runWfmSelftest(io, {
    reportDir: reportDir === undefined ? undefined : resolve(io.cwd, reportDir),
    onRun: (label, run) => {
      if (!json) io.stderr(`selftest wfm: ${label} done (${run.results.length} checks)`);
    },
  });
  if (json) io.stdout(JSON.stringify({ role: 'wfm', ...result, matrix: result.matrix }, null, 2));
  else for (const line of formatWfmSelftest(result)) io.stdout(line);
  const inexact = result.matrix.rows.filter((r) => !r.caught || r.collateral.length > 0).map((r) => r.fault);
  return { role: 'wfm', cleanOk: result.cleanOk, ...result.sensitivity, inexact };
}

async function selftestClient(io: CliIo, reportDir: string | undefined, json: boolean): Promise<RoleOutcome> {
  const result = await runClientSelftest(io, {
    reportDir: reportDir === undefined ? undefined : resolve(io.cwd, reportDir),
    onRow: (row) => {
      if (!json) io.stderr(`selftest client: ${row.client} done (exit ${row.exitCode})`);
    },
  });
  if (json) {
    const rows = result.matrix.map(({ run: _run, ...row }) => row);
    io.stdout(JSON.stringify({ role: 'client', sensitivity: result.sensitivity, cleanOk: result.cleanOk, matrix: rows }, null, 2));
  } else {
    for (const line of formatClientSelftest(result)) io.stdout(line);
  }
  const inexact = result.matrix.filter((r) => r.client !== 'clean' && !(r.caught && r.exact)).map((r) => String(r.client));
  return { role: 'client', cleanOk: result.cleanOk, caught: result.sensitivity.caught, total: result.sensitivity.total, inexact };
}

/**
 * Runs the self-test of one role or both.
 * @returns 0 when every clean run passed and every fault was caught by exactly its checks; 1 otherwise
 */
export async function runSelftestCommand(
  opts: { role: 'wfm' | 'client' | 'all'; reportDir?: string; json?: true },
  io: CliIo,
): Promise<number> {
  const json = opts.json === true;
  const outcomes: RoleOutcome[] = [];
  if (opts.role !== 'client') outcomes.push(await selftestWfm(io, opts.reportDir, json));
  if (opts.role !== 'wfm') outcomes.push(await selftestClient(io, opts.reportDir, json));
  let ok = true;
  for (const o of outcomes) {
    const pct = o.total === 0 ? 0 : Math.round((o.caught / o.total) * 1000) / 10;
    const line = `selftest ${o.role}: clean run ${o.cleanOk ? 'ok' : 'NOT ok'}; sensitivity ${o.caught}/${o.total} (${pct}%)`;
    io.stderr(o.inexact.length === 0 ? line : `${line}; inexact rows: ${o.inexact.join(', ')}`);
    ok &&= o.cleanOk && o.caught === o.total && o.total > 0 && o.inexact.length === 0;
  }
  return ok ? EXIT.conformant : EXIT.failures;
}
