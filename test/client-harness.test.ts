/**
 * The `client` harness: the client process contract (environment, exit code, bounded output, process-group kill at
 * the timeout) and a scenario run against a real mock WFM in `--manual` mode, with the simulator playing the operator.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { mergeConfig } from '../core/config.js';
import { isConformanceError } from '../core/errors.js';
import { getProfile } from '../core/profiles/index.js';
import { MAX_TIMER_MS, OUTPUT_LIMIT_BYTES, runCommand, runScenario, runScenarios, scenarioEnv } from '../cli/client-harness.js';
import { runClientSuite } from '../cli/commands/client.js';
import { runDeviceCommand } from '../device-simulator/index.js';
import { clientScenarios } from '../suites/client/index.js';

const profile = getProfile('rfc9421-v1');
const config = mergeConfig({ profile: profile.id });
const happyPath = clientScenarios(profile).find((s) => s.id === 'happy-path');
if (happyPath === undefined) throw new Error('happy-path scenario missing');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

describe('client command contract', () => {
  it('passes MARGO_* variables over the inherited environment and reports the exit code', async () => {
    const env = { ...process.env, KEEP_ME: 'inherited', ...scenarioEnv(happyPath, 'https://127.0.0.1:1', '/tmp/ca.pem') };
    const out = await runCommand('printf "%s|%s|%s" "$MARGO_SCENARIO" "$MARGO_WFM_URL" "$KEEP_ME"; echo oops >&2; exit 7', env, 10_000, systemClock);
    expect(out).toMatchObject({ mode: 'command', exitCode: 7, timedOut: false });
    expect(out.stdout).toBe('happy-path|https://127.0.0.1:1|inherited');
    expect(out.stderr.trim()).toBe('oops');
    expect(JSON.parse(scenarioEnv(happyPath, 'u', 'f')['MARGO_CONTEXT'] ?? '')).toMatchObject({ scenario: 'happy-path', profile: 'rfc9421-v1' });
  });

  it('keeps only the tail of a large output', async () => {
    const out = await runCommand(`node -e "process.stdout.write('x'.repeat(300000) + 'END')"`, process.env, 20_000, systemClock);
    expect(out.exitCode).toBe(0);
    expect(out.stdout.length).toBeLessThanOrEqual(OUTPUT_LIMIT_BYTES);
    expect(out.stdout.endsWith('xEND')).toBe(true);
  });

  it('kills the whole process group at the scenario timeout', async () => {
    const out = await runCommand('sleep 30 & echo $!; wait', process.env, 500, systemClock);
    expect(out.timedOut).toBe(true);
    expect(out.exitCode).toBeNull();
    const background = Number(out.stdout.trim());
    expect(background).toBeGreaterThan(0);
    // The group got SIGKILL before runCommand resolved; the orphan is reaped by init shortly after.
    for (let i = 0; i < 50 && alive(background); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(background)).toBe(false);
  });
});

describe('--manual scenario', () => {
  it('prints the URL and CA, waits for the operator, and records what the device did', async () => {
    const printed: string[] = [];
    const rec = await runScenario({
      scenario: happyPath,
      profile,
      config,
      clock: systemClock,
      timeoutMs: 30_000,
      env: {},
      launcher: {
        kind: 'manual',
        print: (line) => printed.push(line),
        // The "operator" starts the simulator by hand against the printed URL, then presses a key.
        async waitForOperator(signal) {
          const url = printed.find((l) => l.startsWith('WFM URL:'))?.split(/\s+/)[2] ?? '';
          await runDeviceCommand({ wfmUrl: url, env: {}, stdout: () => undefined, stderr: () => undefined, signal });
        },
      },
    });
    expect(printed.some((l) => l.includes('-----BEGIN CERTIFICATE-----'))).toBe(true);
    expect(rec.client).toMatchObject({ mode: 'manual', timedOut: false });
    expect(rec.entries.some((e) => e.type === 'exchange' && e.route === 'onboarding' && e.response.status === 201)).toBe(true);
  }, 60_000);

  it('ends at the scenario timeout when no key is pressed', async () => {
    const rec = await runScenario({
      scenario: happyPath,
      profile,
      config,
      clock: systemClock,
      timeoutMs: 300,
      env: {},
      launcher: { kind: 'manual', print: () => undefined, waitForOperator: () => new Promise<void>(() => undefined) },
    });
    expect(rec.client).toMatchObject({ mode: 'manual', timedOut: true });
    expect(rec.entries).toEqual([]);
  }, 30_000);
});

describe('harness robustness', () => {
  it.skipIf(process.platform !== 'linux')('kills a helper that escaped the process group with setsid, and says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'margo-setsid-'));
    const pidFile = join(dir, 'pid');
    // The helper writes its pid only once it runs in its own session, so the client exits after the escape.
    const command = `setsid sh -c 'echo $$ > "${pidFile}.tmp"; mv "${pidFile}.tmp" "${pidFile}"; exec sleep 30' >/dev/null 2>&1 </dev/null &
while [ ! -s "${pidFile}" ]; do sleep 0.05; done; cat "${pidFile}"`;
    const out = await runCommand(command, process.env, 10_000, systemClock);
    await rm(dir, { recursive: true, force: true });
    const escaped = Number(out.stdout.trim());
    expect(escaped).toBeGreaterThan(0);
    expect(out.leftoverPids).toContain(escaped);
    for (let i = 0; i < 50 && alive(escaped); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(escaped)).toBe(false);
  });

  it('refuses a scenario timeout setTimeout cannot honour before starting anything', async () => {
    const err = await runScenarios([happyPath], { profile, config, clock: systemClock, timeoutMs: MAX_TIMER_MS + 1, env: {}, launcher: { kind: 'command', command: 'true' } }, 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isConformanceError(err, 'CONFIG_INVALID')).toBe(true);
  });

  it('starts no mock when the temp folder cannot be made (TMPDIR missing)', async () => {
    const servers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    const before = servers();
    const saved = process.env['TMPDIR'];
    process.env['TMPDIR'] = '/nonexistent/margo';
    const err = await runScenario({ scenario: happyPath, profile, config, clock: systemClock, timeoutMs: 5_000, env: {}, launcher: { kind: 'command', command: 'true' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (saved === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = saved;
    expect(isConformanceError(err, 'INTERNAL')).toBe(true);
    expect(servers()).toBe(before);
  });

  it('an interrupt stops the client, judges nothing as pass, and labels the scenario interrupted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'margo-interrupt-'));
    const marker = join(dir, 'started');
    const controller = new AbortController();
    const poll = setInterval(() => {
      if (existsSync(marker)) controller.abort();
    }, 50);
    try {
      const { run, recordings, interrupted } = await runClientSuite({
        profile,
        config: mergeConfig(config, { client: { scenarioTimeoutMs: 60_000 } }),
        clock: systemClock,
        launcher: { kind: 'command', command: `touch "${marker}"; sleep 30` },
        target: 'interrupted',
        env: process.env,
        concurrency: 1,
        signal: controller.signal,
      });
      expect(interrupted).toBe(true);
      expect(recordings.map((r) => [r.scenario.id, r.client.interrupted, r.client.timedOut])).toEqual([['happy-path', true, false]]);
      expect(run.results.filter((r) => r.status !== 'inconclusive').map((r) => `${r.id}=${r.status}`)).toEqual([]);
      expect(run.results.find((r) => r.id === 'client.onboarding.sends-onboarding-request')?.message).toContain('interrupted');
      expect(run.notes.join('\n')).toMatch(/scenario happy-path: client interrupted/);
    } finally {
      clearInterval(poll);
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
