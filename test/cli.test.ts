/**
 * End-to-end tests of the `margo-conformance` binary: spawns `node dist/cli/main.js` (built by `npm run build`,
 * which `.ci/run` does before `npm test`) and checks exit codes and the one-line error contract.
 */
import { execFile, spawn } from 'node:child_process';
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

  it('an unknown command exits 2 with one line and a suggestion', async () => {
    const r = await run(['lst']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(["error: unknown command 'lst' (did you mean list?)"]);
  });

  it('help <command> prints that command\'s help and exits 0; help <unknown> exits 2', async () => {
    const r = await run(['help', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: margo-conformance list');
    expect(r.stdout).toContain('--role');
    const bad = await run(['help', 'lisst']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(["error: unknown command 'lisst' (did you mean list?)"]);
  });

  it('empty path values and empty selections exit 2 with one line each', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'margo-cli-'));
    const cases: [string[], string][] = [
      [['--report-dir', ''], '--report-dir needs a non-empty path'],
      [['--config', ''], '--config needs a non-empty path'],
      [['--expected-failures', ''], '--expected-failures needs a non-empty path'],
      [['--device-ca-dir', ''], '--device-ca-dir needs a non-empty path'],
      [['pki', '--out', ''], '--out needs a non-empty path'],
      [['--only', ''], '--only needs at least one id or glob'],
      [['client', '--skip', ' , '], '--skip needs at least one id or glob'],
    ];
    for (const [args, message] of cases) {
      const r = await run(args, { cwd: dir });
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(message);
    }
  });

  it('timeouts outside 1..600000 ms exit 2 naming the flag or the variable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'margo-cli-'));
    const flag = await run(['--timeout', '600001'], { cwd: dir });
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim()).toBe("error [USAGE]: --timeout must be a whole number from 1 to 600000 (found '600001')");
    const env = await run(['--only', 'x'], { cwd: dir, env: { MARGO_TIMEOUT_MS: '700000' } });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('env MARGO_TIMEOUT_MS');
    const scenario = await run(['client', '--manual', '--scenario-timeout', '600001'], { cwd: dir });
    expect(scenario.code).toBe(2);
    expect(scenario.stderr.trim()).toBe("error [USAGE]: --scenario-timeout must be a whole number from 1 to 600000 (found '600001')");
  });

  it('a flag value the schema refuses is named by its flag', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'margo-cli-'));
    const r = await run(['--profile', 'nope'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("error [CONFIG_INVALID]: --profile: must be one of 'rfc9421-v1', 'rfc9421-rc2' (found 'nope')");
  });

  it('an unresolved YAML alias in the config file exits 2 with file:line:col', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'margo-cli-'));
    const file = join(dir, 'margo.yaml');
    await writeFile(file, 'profile: rfc9421-v1\nb: *y\n');
    const r = await run(['--config', file], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`error [CONFIG_INVALID]: ${file}:2:4: unresolved alias '*y': define the anchor '&y' before using it`);
  });

  it('a baseline with a YAML syntax error exits 2 with one line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'margo-cli-'));
    await writeFile(join(dir, 'known.yaml'), 'wfm:\n  wfm.a.b: [unclosed\n');
    const r = await run(['--expected-failures', 'known.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/BASELINE_INVALID\]: known\.yaml:\d+:\d+: YAML syntax error: /);
  });

  it('an output folder under /proc fails promptly with one line instead of hanging', async () => {
    const r = await run(['pki', '--out', '/proc/margo-nope/pki']);
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('REPORT_WRITE_FAILED');
    expect(r.stderr).toContain('/proc/margo-nope/pki');
  });

  it('a reader that closes stdout early (list | head -1) ends the run quietly', async () => {
    const child = spawn(process.execPath, [bin, 'list'], { env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    // Closing our end before the CLI writes makes its first write fail with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

/** Spawns the CLI, waits until `ready` matches its output, sends `signal`, and resolves with the exit code. */
function interruptWhen(args: readonly string[], ready: RegExp, signal: NodeJS.Signals, cwd: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, CI: 'true' } });
    let output = '';
    let sent = false;
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (!sent && ready.test(output)) {
        sent = true;
        child.kill(signal);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within 60 s; output: ${output.slice(-500)}`));
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve(code);
    });
  });
}

describe('signals', () => {
  it('mock-server stops cleanly on SIGINT with exit 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'margo-cli-'));
    expect(await interruptWhen(['mock-server', '--port', '0'], /admin token/, 'SIGINT', dir)).toBe(0);
  });

  it('an interrupted client run exits 130 on SIGINT and 143 on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'margo-cli-'));
    const args = ['client', '--command', 'sleep 30', '--scenario-timeout', '20000', '--report-dir', join(dir, 'r')];
    expect(await interruptWhen(args, /happy-path|scenario/, 'SIGINT', dir)).toBe(130);
    expect(await interruptWhen([...args.slice(0, -1), join(dir, 'r2')], /happy-path|scenario/, 'SIGTERM', dir)).toBe(143);
  });
});
