/**
 * End-to-end tests of the `margo-conformance` binary: spawns `node dist/cli/main.js` (built by `npm run build`,
 * which `.ci/run` does before `npm test`) and checks exit codes and the one-line error contract.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../core/paths.js';

const bin = packagePath('dist', 'cli', 'main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: opts.cwd, env: { ...process.env, CI: 'true', ...opts.env }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('margo-conformance CLI contract', () => {
  it('--help lists the commands and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['list', 'faults', 'mock-server', 'device', 'client', 'selftest', 'load', 'merge-reports', 'pki']) {
      expect(r.stdout).toContain(cmd);
    }
  });

  it('an unknown flag exits 2 with one clear line', async () => {
    const r = await run(['--no-such-flag']);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("unknown option '--no-such-flag'");
  });

  it('an unknown subcommand flag exits 2 with one clear line', async () => {
    const r = await run(['mock-server', '--prot', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a typo in the config file exits 2 naming the file, line and key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'margo-cli-'));
    const file = join(dir, 'margo.yaml');
    await writeFile(file, 'profile: rfc9421-v1\nsignatures:\n  maxAgeSecond: 5\n');
    const r = await run(['--config', file, '--target', 'https://127.0.0.1:1'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:3:3`);
    expect(r.stderr).toContain('signatures.maxAgeSecond');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a malformed target URL exits 2 with one line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'margo-cli-'));
    const r = await run(['--target', 'not a url'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('TARGET_URL_INVALID');
  });

  it('an unreachable target exits 3 with one line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'margo-cli-'));
    const r = await run(['--target', 'https://127.0.0.1:1', '--insecure-bootstrap', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('an unknown mock fault exits 2', async () => {
    const r = await run(['mock-server', '--port', '0', '--fault', 'no-such-fault']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown mock fault 'no-such-fault'");
  });

  it('faults lists every mock and device fault with the rule it breaks', async () => {
    const r = await run(['faults', '--json']);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as { mock: { name: string; breaks: string }[]; device: { name: string }[] };
    expect(parsed.mock.length).toBeGreaterThan(5);
    expect(parsed.mock.every((f) => f.breaks.length > 10)).toBe(true);
    expect(parsed.device.map((f) => f.name)).toContain('tls-verify-off');
  });
});
