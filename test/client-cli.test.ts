/**
 * End to end, as a device vendor runs it: `margo-conformance client --command "margo-conformance device"` through
 * the built binary (dist/, built by `npm run build` before `npm test`). The clean simulator exits 0; a broken one
 * exits 1 naming the check of its fault; a crashing command never passes; the run writes the four reports.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packagePath } from '../core/paths.js';
import { createAjv } from '../core/schema.js';

const bin = packagePath('dist', 'cli', 'main.js');
const device = `"${process.execPath}" "${bin}" device`;

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  dir: string;
}

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function client(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const dir = await mkdtemp(join(tmpdir(), 'margo-client-cli-'));
  dirs.push(dir);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, 'client', '--report-dir', dir, '--no-progress', ...args],
      { env: { ...process.env, CI: 'true', ...env }, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr, dir }),
    );
  });
}

interface ReportJson {
  role: string;
  results: { id: string; status: string; evidence: unknown[] }[];
}

async function report(dir: string): Promise<ReportJson> {
  return JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as ReportJson;
}

describe('margo-conformance client', () => {
  it('passes every scenario with the device simulator, exits 0 and writes the four reports', async () => {
    const r = await client(['--command', device, '--scenario-timeout', '20000'], { MARGO_DEVICE_FAULTS: '' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await readdir(r.dir)).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'summary.md']);
    const json = await report(r.dir);
    expect(json.role).toBe('client');
    expect(json.results.filter((x) => x.status !== 'pass').map((x) => `${x.id}=${x.status}`)).toEqual([]);
    const schema = JSON.parse(await readFile(packagePath('schemas', 'report.schema.json'), 'utf8')) as object;
    const validate = createAjv().compile(schema);
    expect(validate(JSON.parse(await readFile(join(r.dir, 'report.json'), 'utf8'))), JSON.stringify(validate.errors)).toBe(true);
  }, 240_000);

  it('exits 1 for an unsigned client and names only the signature check', async () => {
    const r = await client(['--command', device, '--scenario-timeout', '20000'], { MARGO_DEVICE_FAULTS: 'no-signature' });
    expect(r.code).toBe(1);
    const failing = (await report(r.dir)).results.filter((x) => x.status === 'fail').map((x) => x.id);
    expect(failing).toEqual(['client.payload-security.signs-requests']);
    expect(r.stdout).toContain('client.payload-security.signs-requests');
  }, 240_000);

  it('exits 1 for a command that crashes at once, with its stderr in the evidence and no pass', async () => {
    const r = await client(['--command', 'echo "no such device driver" >&2; exit 3', '--scenario-timeout', '5000']);
    expect(r.code).toBe(1);
    const json = await report(r.dir);
    const gate = json.results.find((x) => x.id === 'client.onboarding.sends-onboarding-request');
    expect(gate?.status).toBe('fail');
    expect(JSON.stringify(gate?.evidence)).toContain('no such device driver');
    expect(json.results.filter((x) => x.status === 'pass')).toEqual([]);
  }, 120_000);

  it('exits 2 with one line for an out-of-range --scenario-timeout or a --report-dir that is a file, before running', async () => {
    const timeout = await client(['--command', 'echo ran', '--scenario-timeout', '2147483648']);
    expect(timeout.code).toBe(2);
    expect(timeout.stderr.trim().split('\n')).toHaveLength(1);
    expect(timeout.stderr).toContain('--scenario-timeout');
    const file = join(timeout.dir, 'report-file');
    await writeFile(file, 'x');
    const report = await client(['--command', 'echo ran', '--report-dir', file]);
    expect(report.code).toBe(2);
    expect(report.stderr.trim().split('\n')).toHaveLength(1);
    expect(report.stdout).not.toContain('scenario happy-path');
  }, 60_000);

  it('exits 2 without --command or --manual', async () => {
    const r = await client([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--command');
  }, 60_000);
});
