/**
 * The `client` harness: the client process contract (environment, exit code, bounded output, process-group kill at
 * the timeout) and a scenario run against a real mock WFM in `--manual` mode, with the simulator playing the operator.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { mergeConfig } from '../core/config.js';
import { getProfile } from '../core/profiles/index.js';
import { OUTPUT_LIMIT_BYTES, runCommand, runScenario, scenarioEnv } from '../cli/client-harness.js';
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
