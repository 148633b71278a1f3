/**
 * Fleet load mode end to end against the real mock WFM: count-bounded runs (`maxCycles`) so totals are exact,
 * sharding plus `merge-reports` equal to one run, consistency of the figures, a schema-valid report with the latency
 * chart, and a negative run (the mock refuses the devices) whose errors are counted by status and kind.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoadCommand, runMergeReportsCommand } from '../cli/commands/load.js';
import type { LoadFlags } from '../cli/commands/load.js';
import type { CliIo } from '../cli/io.js';
import { systemClock } from '../core/clock.js';
import { createRootCa } from '../core/pki/index.js';
import type { LoadReport } from '../core/report/load-types.js';
import { createLoadReportValidator } from '../device-simulator/load/index.js';
import { startMockWfm } from '../mock-server/index.js';

interface FakeIo extends CliIo {
  readonly out: string[];
}

function fakeIo(cwd: string): FakeIo {
  const out: string[] = [];
  return {
    out,
    stdout: (l) => void out.push(l),
    stderr: (l) => void out.push(l),
    env: {},
    clock: systemClock,
    cwd,
    isTty: false,
    shutdown: new AbortController().signal,
  };
}

const DEVICES = 6;
const CYCLES = 2;

function flags(reportDir: string, extra: Partial<LoadFlags> = {}): LoadFlags {
  return {
    devices: String(DEVICES),
    concurrency: '4',
    duration: '60s',
    rate: '20',
    maxCycles: String(CYCLES),
    workers: '0',
    reportDir,
    progress: false,
    ...extra,
  };
}

async function readReport(dir: string): Promise<LoadReport> {
  return JSON.parse(await readFile(join(dir, 'load.json'), 'utf8')) as LoadReport;
}

function requestsOf(r: LoadReport, endpoint: string): number {
  return r.summary.endpoints.find((e) => e.endpoint === endpoint)?.requests ?? 0;
}

describe('load command against the embedded mock WFM', () => {
  let cwd: string;
  let whole: LoadReport;
  let io: FakeIo;

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'margo-load-'));
    io = fakeIo(cwd);
    const code = await runLoadCommand(flags(join(cwd, 'whole')), io);
    expect(code, io.out.join('\n')).toBe(0);
    whole = await readReport(join(cwd, 'whole'));
  });

  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('onboards every device once and runs exactly maxCycles steady cycles per device', () => {
    const s = whole.summary;
    expect(s.devices).toMatchObject({ planned: DEVICES, onboarded: DEVICES, failedOnboarding: 0, refusedOnboarding: 0 });
    expect(requestsOf(whole, 'onboarding')).toBe(DEVICES);
    expect(requestsOf(whole, 'capabilitiesCreate')).toBe(DEVICES);
    expect(requestsOf(whole, 'desiredState')).toBe(DEVICES * CYCLES);
    expect(requestsOf(whole, 'deploymentStatus')).toBe(DEVICES * CYCLES);
    expect(s.errors).toBe(0);
    expect(s.stopReasons).toEqual(['max-cycles']);
    expect(whole.measurements.cycles.completed).toBe(DEVICES * CYCLES);
  });

  it('keeps the figures consistent: requests = sum over endpoints = sum over phases, no device twice', () => {
    const s = whole.summary;
    expect(Object.values(s.consistency).every(Boolean)).toBe(true);
    expect(s.endpoints.reduce((a, e) => a + e.requests, 0)).toBe(s.requests);
    expect(s.phases.reduce((a, p) => a + p.requests, 0)).toBe(s.requests);
    expect(s.timeline.reduce((a, t) => a + t.requests, 0)).toBe(s.requests);
    for (const e of s.endpoints) {
      expect(e.latency.p50Ms).not.toBeNull();
      expect(e.latency.p50Ms!).toBeLessThanOrEqual(e.latency.p99Ms!);
      expect(e.latency.p99Ms!).toBeLessThanOrEqual(e.latency.maxMs!);
    }
    expect(s.onboardingsPerSecond).toBeGreaterThan(0);
  });

  it('writes a schema-valid load.json and a load.html with the SVG latency chart', async () => {
    const checked = createLoadReportValidator().validate(whole);
    expect(checked.ok ? [] : checked.errors).toEqual([]);
    const page = await readFile(join(cwd, 'whole', 'load.html'), 'utf8');
    expect(page).toContain('<svg class="chart" id="latency-chart"');
    expect(page).toMatch(/<polyline class="series s-p99" points="[\d.,\s]+"/);
    expect(page).not.toMatch(/<script|src=|href="http/);
  });

  it('two shards plus merge-reports equal one unsharded run in devices and request counts', async () => {
    for (const i of [1, 2]) {
      const code = await runLoadCommand(flags(join(cwd, `shard-${i}`), { shard: `${i}/2` }), fakeIo(cwd));
      expect(code).toBe(0);
    }
    const shard1 = await readReport(join(cwd, 'shard-1'));
    expect(shard1.summary.devices.planned).toBe(DEVICES / 2);
    const mergeIo = fakeIo(cwd);
    const code = await runMergeReportsCommand([join(cwd, 'shard-1', 'load.json'), join(cwd, 'shard-2', 'load.json')], { out: join(cwd, 'merged') }, mergeIo);
    expect(code, mergeIo.out.join('\n')).toBe(0);
    const merged = await readReport(join(cwd, 'merged'));
    expect(merged.summary.devices).toEqual(whole.summary.devices);
    expect(merged.summary.requests).toBe(whole.summary.requests);
    const perEndpoint = (r: LoadReport): Record<string, number> => Object.fromEntries(r.summary.endpoints.map((e) => [e.endpoint, e.requests]));
    expect(perEndpoint(merged)).toEqual(perEndpoint(whole));
    expect(merged.shards).toEqual([
      { index: 1, count: 2 },
      { index: 2, count: 2 },
    ]);
    expect(merged.measurements.devices.onboardedBitmap).toBe(whole.measurements.devices.onboardedBitmap);
    expect(Object.values(merged.summary.consistency).every(Boolean)).toBe(true);
  });

  it('refuses to merge the same shard twice', async () => {
    const file = join(cwd, 'shard-1', 'load.json');
    await expect(runMergeReportsCommand([file, file], { out: join(cwd, 'twice') }, fakeIo(cwd))).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('load command against a WFM that does not trust the device CA', () => {
  let cwd: string;
  let mock: Awaited<ReturnType<typeof startMockWfm>>;

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'margo-load-neg-'));
    const otherCa = await createRootCa({ commonName: 'Some other device CA' });
    mock = await startMockWfm({ port: 0, trustedIssuers: [otherCa.certPem], onboarding: 'auto-approve' });
  });

  afterAll(async () => {
    await mock.close();
    await rm(cwd, { recursive: true, force: true });
  });

  it('counts every refused onboarding as an http error by status and exits 1', async () => {
    const io = fakeIo(cwd);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(cwd, 'ca.pem'), mock.caPem);
    const code = await runLoadCommand(flags(join(cwd, 'neg'), { target: mock.url, ca: join(cwd, 'ca.pem'), devices: '3' }), io);
    expect(code, io.out.join('\n')).toBe(1);
    const r = await readReport(join(cwd, 'neg'));
    expect(r.summary.devices).toMatchObject({ planned: 3, onboarded: 0, failedOnboarding: 3, refusedOnboarding: 3 });
    expect(io.out.some((l) => l.startsWith('devices: 0/3 onboarded, 3 refused (HTTP 4xx) ·')), io.out.join('\n')).toBe(true);
    expect(r.summary.requests).toBe(3);
    expect(r.summary.errors).toBe(3);
    expect(r.summary.errorsByKind.http).toBe(3);
    expect(r.summary.errorsByStatus).toEqual({ '403': 3 });
    expect(r.summary.stopReasons).toEqual(['no-device-onboarded']);
    expect(r.summary.errorSamples[0]).toMatchObject({ endpoint: 'onboarding', kind: 'http', status: 403, count: 3 });
  });
});
