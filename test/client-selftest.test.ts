/**
 * The `client` suite's self-test matrix: the clean device simulator passes every check; each broken client (one
 * simulator fault knob) fails exactly the checks that declare its fault, and nothing else. The simulator runs
 * in-process here (same code as `margo-conformance device`); test/client-cli.test.ts covers the command form.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import type { CliIo } from '../cli/io.js';
import {
  checksForFault,
  EXTRA_CLIENT_FAULTS,
  formatClientSelftest,
  REQUIRED_CLIENT_FAULTS,
  runClientSelftest,
} from '../cli/selftest-client.js';
import type { ClientSelftestResult } from '../cli/selftest-client.js';
import { clientCatalogue } from '../suites/client/index.js';

const io: CliIo = {
  stdout: () => undefined,
  stderr: () => undefined,
  env: {},
  clock: systemClock,
  cwd: process.cwd(),
  isTty: false,
  shutdown: new AbortController().signal,
};

let result: ClientSelftestResult;
let reportDir = '';

beforeAll(async () => {
  reportDir = await mkdtemp(join(tmpdir(), 'margo-client-selftest-'));
  result = await runClientSelftest(io, { launcher: 'in-process', scenarioTimeoutMs: 20_000, reportDir });
}, 300_000);

afterAll(async () => {
  if (reportDir !== '') await rm(reportDir, { recursive: true, force: true });
});

describe('client suite self-test', () => {
  it('the clean simulator passes every client check and exits 0', () => {
    const clean = result.matrix[0];
    expect(clean?.client).toBe('clean');
    expect(clean?.run.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}=${r.status}`)).toEqual([]);
    expect(clean?.run.results.length).toBe(clientCatalogue.length);
    expect(clean?.exitCode).toBe(0);
    expect(result.cleanOk).toBe(true);
  });

  it.each(REQUIRED_CLIENT_FAULTS)('broken client %s fails exactly its checks and exits 1', (fault) => {
    const row = result.matrix.find((r) => r.client === fault);
    expect(row?.expected.length).toBeGreaterThan(0);
    expect([...(row?.failing ?? [])].sort()).toEqual([...checksForFault(fault)].sort());
    expect(row?.run.results.filter((r) => r.status === 'fail').length).toBeGreaterThan(0);
    expect(row?.exitCode).toBe(1);
  });

  it.each(EXTRA_CLIENT_FAULTS)('broken client %s fails (or warns on) exactly its checks', (fault) => {
    const row = result.matrix.find((r) => r.client === fault);
    expect(row?.expected.length).toBeGreaterThan(0);
    expect([...(row?.failing ?? [])].sort()).toEqual([...checksForFault(fault)].sort());
  });

  it('no broken client passes a negative check for a scenario it broke', () => {
    for (const row of result.matrix.slice(1)) {
      for (const id of row.expected) expect(['fail', 'warn']).toContain(row.verdicts[id]);
    }
  });

  it('reports 100% sensitivity and prints one line per client', () => {
    expect(result.sensitivity).toEqual({ caught: result.matrix.length - 1, total: result.matrix.length - 1, ratio: 1 });
    const lines = formatClientSelftest(result);
    expect(lines.length).toBe(result.matrix.length + 2);
    expect(lines.at(-1)).toContain('100%');
  });

  it('writes the four reports of each broken client, naming its failing check', async () => {
    const dir = join(reportDir, 'client-der-ecdsa');
    expect((await readdir(dir)).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'summary.md']);
    const json = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as { results: { id: string; status: string }[] };
    expect(json.results.filter((r) => r.status === 'fail').map((r) => r.id)).toEqual(['client.payload-security.signature-verifies']);
    expect(await readFile(join(dir, 'junit.xml'), 'utf8')).toContain('client.payload-security.signature-verifies');
  });

  it('every fault a check declares is exercised by the default self-test', () => {
    const run = new Set<string>([...REQUIRED_CLIENT_FAULTS, ...EXTRA_CLIENT_FAULTS]);
    for (const check of clientCatalogue) for (const fault of check.faults ?? []) expect(run.has(fault), `${check.id}: ${fault}`).toBe(true);
  });
});
