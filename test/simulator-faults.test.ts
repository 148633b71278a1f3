/**
 * Every device fault changes what goes on the wire: for each fault, a fault-free device and a faulted device run
 * the same scenario against a fresh loopback WFM, and an observation of the recorded traffic differs.
 * The table must name every fault in DEVICE_FAULTS, so a new fault cannot ship without its proof.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SIGNING_FAULTS } from '../core/http-signatures/index.js';
import type { KeyType } from '../core/pki/index.js';
import { createDevice, DEVICE_FAULTS } from '../device-simulator/index.js';
import type { DeviceFault } from '../device-simulator/index.js';
import { createFakePki, startFakeWfm } from './support/simulator-fake-wfm.js';
import type { FakePki, FakeWfm, FakeWfmOptions } from './support/simulator-fake-wfm.js';

interface Scenario {
  server?: FakeWfmOptions;
  keyType?: KeyType;
  observe(wfm: FakeWfm, sleeps: readonly number[]): unknown;
}

const refused: FakeWfmOptions = { scripts: { onboarding: () => ({ status: 403 }) } };
const badCertificate: FakeWfmOptions = { scripts: { onboarding: () => ({ status: 400 }) } };
const throttled: FakeWfmOptions = {
  scripts: { capabilitiesCreate: (n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : undefined) },
};

function json(buf: Buffer | undefined): Record<string, unknown> {
  return JSON.parse(buf?.toString('utf8') ?? '{}') as Record<string, unknown>;
}

/** The verification outcome the WFM reached on the first onboarding request. */
const onboardingSignature: Scenario = {
  observe: (wfm) => {
    const v = wfm.on('onboarding')[0]?.verify;
    return v === undefined ? 'not verified' : v.ok ? 'ok' : v.reason;
  },
};

const signingScenarios = Object.fromEntries(
  SIGNING_FAULTS.map((f) => [f.name, f.name === 'wrong-pss-salt' ? { ...onboardingSignature, keyType: 'rsa-2048' as const } : onboardingSignature]),
) as Record<string, Scenario>;

const SCENARIOS: Record<DeviceFault, Scenario> = {
  ...(signingScenarios as Record<(typeof SIGNING_FAULTS)[number]['name'], Scenario>),
  'tls-verify-off': { server: { imposterAfterCaDownload: true }, observe: (wfm) => wfm.on('onboarding').length },
  'bad-certificate-encoding': { observe: (wfm) => String(json(wfm.on('onboarding')[0]?.body)['certificate']).slice(0, 5) },
  'certificate-as-base64-pem': { observe: (wfm) => String(json(wfm.on('onboarding')[0]?.body)['certificate']).slice(0, 5) },
  'continue-after-403': { server: refused, observe: (wfm) => wfm.calls.filter((c) => c.route !== 'onboarding' && c.route !== 'certificate').length },
  'continue-after-400': { server: badCertificate, observe: (wfm) => wfm.calls.filter((c) => c.route !== 'onboarding' && c.route !== 'certificate').length },
  'retry-tight-loop': { server: refused, observe: (wfm, sleeps) => [wfm.on('onboarding').length, sleeps] },
  'invalid-capabilities': {
    observe: (wfm) => {
      const body = json(wfm.on('capabilitiesCreate')[0]?.body);
      return [body['kind'], Object.keys(body['properties'] as object).sort()];
    },
  },
  'invalid-status': { observe: (wfm) => json(wfm.on('deploymentStatus')[0]?.body) },
  'ignore-client-id': { observe: (wfm) => wfm.calls.filter((c) => c.params['clientId'] !== undefined).map((c) => c.params['clientId']) },
  'no-if-none-match': { observe: (wfm) => wfm.on('desiredState').map((c) => c.headers['if-none-match'] !== undefined) },
  'ignore-retry-after': { server: throttled, observe: (_wfm, sleeps) => sleeps },
  'skip-deployment-fetch': { observe: (wfm) => wfm.on('deploymentByDigest').length },
};

let pki: FakePki;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  pki = await createFakePki();
});

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function observe(scenario: Scenario, faults: readonly DeviceFault[]): Promise<unknown> {
  const wfm = await startFakeWfm({ pki, ...scenario.server });
  open.push(wfm);
  const sleeps: number[] = [];
  const device = createDevice({
    wfmUrl: wfm.url,
    faults,
    retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 5000 },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...(scenario.keyType === undefined ? {} : { identity: { keyType: scenario.keyType } }),
  });
  open.push(device);
  await device.runSequence();
  return scenario.observe(wfm, sleeps);
}

describe('device faults change the wire', () => {
  it('has a scenario for every fault in DEVICE_FAULTS', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual(DEVICE_FAULTS.map((f) => f.name).sort());
    for (const f of DEVICE_FAULTS) expect(f.breaks.length).toBeGreaterThan(20);
  });

  for (const { name } of DEVICE_FAULTS) {
    it(`${name}: the faulted device's traffic differs from the conformant device's`, async () => {
      const scenario = SCENARIOS[name];
      const clean = await observe(scenario, []);
      const faulted = await observe(scenario, [name]);
      expect(faulted).not.toEqual(clean);
    });
  }

  it('a conformant device passes strict verification where the signing faults do not', async () => {
    expect(await observe(onboardingSignature, [])).toBe('ok');
    expect(await observe(onboardingSignature, ['no-signature'])).toBe('missing-header');
  });
});
