/**
 * `load` and `merge-reports` at the edges a new user meets: flags refused up front (empty shard, fleet too large,
 * an unwritable report folder), the summary printed before the files are written, Ctrl-C while every request is
 * stalled on a silent target (the report is still written, the stalled requests counted as aborted), a stop during
 * the identity pool build, and merges of incomplete fleets.
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoadCommand, runMergeReportsCommand } from '../cli/commands/load.js';
import type { LoadFlags } from '../cli/commands/load.js';
import type { CliIo } from '../cli/io.js';
import { systemClock } from '../core/clock.js';
import { createRootCa, issueServerLeaf } from '../core/pki/index.js';
import type { LoadReport } from '../core/report/load-types.js';
import { syntheticReport } from './support/load-reports.js';

interface FakeIo extends CliIo {
  readonly out: string[];
}

function fakeIo(cwd: string, shutdown = new AbortController().signal, onLine?: (line: string) => void): FakeIo {
  const out: string[] = [];
  const push = (l: string): void => {
    out.push(l);
    onLine?.(l);
  };
  return { out, stdout: push, stderr: push, env: {}, clock: systemClock, cwd, isTty: false, shutdown };
}

function flags(extra: Partial<LoadFlags>): LoadFlags {
  return { devices: '2', concurrency: '2', duration: '60s', rate: '20', maxCycles: '1', workers: '0', progress: false, ...extra };
}

let cwd: string;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'margo-load-cli-'));
});

afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('load: refused before anything runs', () => {
  it('refuses an empty shard with one line (exit 2)', async () => {
    const io = fakeIo(cwd);
    await expect(runLoadCommand(flags({ devices: '1', shard: '2/2' }), io)).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('shard 2/2 of 1 device is empty'),
    });
    expect(io.out).toEqual([]);
  });

  it('refuses a fleet above the upper bound', async () => {
    await expect(runLoadCommand(flags({ devices: '1000001' }), fakeIo(cwd))).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('--devices must be a whole number from 1 to 1000000'),
    });
  });

  it('refuses a --report-dir that is a file before building anything (exit 2)', async () => {
    const file = join(cwd, 'not-a-dir');
    await writeFile(file, 'x');
    const io = fakeIo(cwd);
    await expect(runLoadCommand(flags({ reportDir: file }), io)).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining(`--report-dir: cannot create directory ${file}`),
    });
    expect(io.out).toEqual([]);
  });
});

describe('load: output', () => {
  it('prints the summary before writing the files, so a write failure loses no measurement', async () => {
    const dir = join(cwd, 'blocked');
    // load.html already exists as a folder: the folder check passes, writing that one file fails.
    await mkdir(join(dir, 'load.html'), { recursive: true });
    const io = fakeIo(cwd);
    await expect(runLoadCommand(flags({ reportDir: dir }), io)).rejects.toMatchObject({ code: 'REPORT_WRITE_FAILED' });
    expect(io.out.some((l) => l.startsWith('devices: 2/2 onboarded'))).toBe(true);
    expect(io.out.some((l) => /^requests: \d+ · errors: 0/.test(l)), io.out.join('\n')).toBe(true);
    expect((await stat(join(dir, 'load.json'))).isFile()).toBe(true);
  });

  it('warns about a long identity pool build and stops it on the user signal', async () => {
    const stop = new AbortController();
    stop.abort('SIGINT');
    const io = fakeIo(cwd, stop.signal);
    await expect(runLoadCommand(flags({ devices: '500', keyType: 'rsa-3072', reportDir: join(cwd, 'rsa') }), io)).rejects.toMatchObject({ code: 'RUN_ABORTED' });
    expect(io.out.some((l) => /^load: warning: building 500 rsa-3072 identities will take about \d+ (s|min)/.test(l))).toBe(true);
  });
});

describe('load: Ctrl-C while every request is stalled', () => {
  let server: Server;
  let url: string;
  let caFile: string;
  const arrived: number[] = [];

  beforeAll(async () => {
    const ca = await createRootCa({ commonName: 'Silent WFM root CA' });
    const leaf = await issueServerLeaf(ca, {});
    // Accepts TLS, reads the request, never answers.
    server = createServer({ key: leaf.privateKeyPem, cert: leaf.chainPem }, (req) => {
      arrived.push(1);
      req.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    caFile = join(cwd, 'silent-ca.pem');
    await writeFile(caFile, ca.certPem);
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('aborts the stalled requests after the grace, counts them as aborted and writes the report', async () => {
    const stop = new AbortController();
    const dir = join(cwd, 'interrupted');
    // The user presses Ctrl-C once the run is measuring; the silent target holds both OnboardingRequests.
    const io = fakeIo(cwd, stop.signal, (line) => {
      if (line.includes('; measuring')) {
        const poll = setInterval(() => {
          if (arrived.length < 2) return;
          clearInterval(poll);
          stop.abort('SIGINT');
        }, 20);
      }
    });
    // --timeout 10 minutes: only the stop can end these requests.
    const code = await runLoadCommand(flags({ target: url, ca: caFile, timeout: '600000', reportDir: dir }), io);
    expect(code, io.out.join('\n')).toBe(1);
    const report = JSON.parse(await readFile(join(dir, 'load.json'), 'utf8')) as LoadReport;
    expect(report.summary.stopReasons).toEqual(['interrupted']);
    expect(report.summary.errorsByKind.aborted).toBe(2);
    expect(report.summary.devices).toMatchObject({ planned: 2, onboarded: 0, failedOnboarding: 2, refusedOnboarding: 0 });
    expect(io.out.some((l) => l.startsWith('devices: 0/2 onboarded, 2 failed to onboard (aborted 2)'))).toBe(true);
  }, 60_000);
});

describe('merge-reports of an incomplete fleet', () => {
  it('shows onboarded devices out of the fleet, prints the notes and exits 1 when shards are missing', async () => {
    const files = [join(cwd, 'm1.json'), join(cwd, 'm3.json')];
    await writeFile(files[0]!, JSON.stringify(syntheticReport(21, 1, 3, 2, ['--insecure-bootstrap: the root CA was downloaded over TLS that was NOT verified'])));
    await writeFile(files[1]!, JSON.stringify(syntheticReport(21, 3, 3)));
    const io = fakeIo(cwd);
    const code = await runMergeReportsCommand(files, { out: join(cwd, 'merged-incomplete') }, io);
    expect(code).toBe(1);
    expect(io.out[0]).toMatch(/^devices: 14\/21 onboarded \(this report covers shards 1\/3, 3\/3: 14 devices\)/);
    expect(io.out).toContain('NOTE: shard(s) 2/3 missing: the fleet is not complete');
    expect(io.out).toContain('NOTE: --insecure-bootstrap: the root CA was downloaded over TLS that was NOT verified');
  });

  it('exits 0 for a complete merge', async () => {
    const files = [1, 2].map((i) => join(cwd, `c${i}.json`));
    await writeFile(files[0]!, JSON.stringify(syntheticReport(6, 1, 2)));
    await writeFile(files[1]!, JSON.stringify(syntheticReport(6, 2, 2)));
    const io = fakeIo(cwd);
    expect(await runMergeReportsCommand(files, { out: join(cwd, 'merged-complete') }, io)).toBe(0);
    expect(io.out[0]).toMatch(/^devices: 6\/6 onboarded ·/);
  });
});
