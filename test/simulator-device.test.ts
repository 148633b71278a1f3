/**
 * The device simulator against a real loopback HTTPS WFM (test/support/simulator-fake-wfm.ts): the full sequence,
 * pinning, refusals, retries with Retry-After, ETag/304, digest verification, and `send`.
 * Sleeps are injected and recorded, so no test waits on the wall clock.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mergeConfig } from '../core/config.js';
import { packagePath } from '../core/paths.js';
import { createDevice } from '../device-simulator/index.js';
import type { Device, DeviceOptions, StepOutcome } from '../device-simulator/index.js';
import { createFakePki, DEPLOYMENT_ID, startFakeWfm } from './support/simulator-fake-wfm.js';
import type { FakePki, FakeWfm, FakeWfmOptions } from './support/simulator-fake-wfm.js';

let pki: FakePki;
const open: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  pki = await createFakePki();
});

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function wfm(opts: FakeWfmOptions = {}): Promise<FakeWfm> {
  const server = await startFakeWfm({ pki, ...opts });
  open.push(server);
  return server;
}

function device(server: FakeWfm, opts: Partial<DeviceOptions> = {}): { device: Device; sleeps: number[] } {
  const sleeps: number[] = [];
  const d = createDevice({
    wfmUrl: server.url,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...opts,
  });
  open.push(d);
  return { device: d, sleeps };
}

const stepNames = (steps: readonly StepOutcome[]): string[] => steps.map((s) => `${s.step}:${s.ok ? 'ok' : 'failed'}`);

describe('device simulator: the seed sequence', () => {
  it('completes all seven steps against a conformant WFM behind a path prefix, every signature verifying', async () => {
    const server = await wfm({ prefix: '/tenant-a/margo' });
    const { device: d } = device(server);
    const run = await d.runSequence();
    expect(stepNames(run.steps)).toEqual([
      'download-ca:ok',
      'pin-ca:ok',
      'onboard:ok',
      'capabilities:ok',
      'poll-desired-state:ok',
      'poll-desired-state:ok',
      'fetch-deployments:ok',
      'report-status:ok',
    ]);
    expect(run.ok).toBe(true);
    expect(d.clientId).toBe('client-1');
    expect(d.caPem).toContain('BEGIN CERTIFICATE');
    const signed = server.calls.filter((c) => c.route !== 'certificate');
    expect(signed.length).toBe(6);
    for (const c of signed) expect(c.verify?.ok, `${c.method} ${c.path}`).toBe(true);
    expect(signed.every((c) => c.path.startsWith('/tenant-a/margo/api/v1/'))).toBe(true);
  });

  it('sends a schema-shaped OnboardingRequest with the certificate as base64(DER), covering content-digest', async () => {
    const server = await wfm();
    const { device: d } = device(server);
    const outcome = await runUntilOnboarded(d);
    expect(outcome.ok).toBe(true);
    const [call] = server.on('onboarding');
    const body = JSON.parse(call?.body.toString('utf8') ?? '{}') as Record<string, string>;
    expect(body['apiVersion']).toBe('onboarding.margo.org/v1alpha1');
    expect(body['kind']).toBe('OnboardingRequest');
    expect(body['certificate']).toMatch(/^MII[A-Za-z0-9+/]+=*$/);
    expect(call?.headers['signature-input']).toMatch(/^sig1=\("@method" "@target-uri" "content-digest"\);created=\d+;keyid="[0-9a-f]{64}"$/);
    expect(outcome.signatureBase).toContain('"@signature-params":');
    expect(outcome.exchange).toMatchObject({ kind: 'exchange', request: { method: 'POST' }, response: { status: 201 } });
  });

  it('reports one installed component per component of the deployment YAML', async () => {
    const server = await wfm();
    const { device: d } = device(server);
    expect((await d.runSequence()).ok).toBe(true);
    const status = JSON.parse(server.on('deploymentStatus')[0]?.body.toString('utf8') ?? '{}') as Record<string, unknown>;
    expect(status).toMatchObject({
      kind: 'DeploymentStatusManifest',
      deploymentId: DEPLOYMENT_ID,
      status: { state: 'installed' },
      components: [
        { name: 'digitron-orchestrator', state: 'installed' },
        { name: 'database-services', state: 'installed' },
      ],
    });
  });

  it('uses PUT …/capabilities/{deviceId} under rfc9421-rc2', async () => {
    const server = await wfm({ profileId: 'rfc9421-rc2' });
    const { device: d } = device(server, { profileId: 'rfc9421-rc2', deviceId: 'gateway1' });
    const run = await d.runSequence();
    expect(run.ok).toBe(true);
    const [caps] = server.on('capabilitiesUpdate');
    expect(caps?.method).toBe('PUT');
    expect(caps?.path).toBe('/api/v1/clients/client-1/capabilities/gateway1');
  });

  it('skips the Certificate API when the root CA is given out of band', async () => {
    const server = await wfm();
    const { device: d } = device(server, { caPem: server.caPem });
    const run = await d.runSequence();
    expect(run.ok).toBe(true);
    expect(run.steps[0]?.step).toBe('pin-ca');
    expect(server.on('certificate')).toHaveLength(0);
  });
});

async function runUntilOnboarded(d: Device): Promise<StepOutcome> {
  expect((await d.downloadCa()).ok).toBe(true);
  expect((await d.pin()).ok).toBe(true);
  return d.onboard();
}

describe('device simulator: pinning the downloaded root CA', () => {
  it('refuses a WFM certificate from another CA after the download: TLS_SETUP_FAILED, no signed request sent', async () => {
    const server = await wfm({ imposterAfterCaDownload: true });
    const { device: d } = device(server);
    const run = await d.runSequence();
    expect(stepNames(run.steps)).toEqual(['download-ca:ok', 'pin-ca:failed']);
    const pinStep = run.steps[1];
    expect(pinStep?.error?.code).toBe('TLS_SETUP_FAILED');
    expect(pinStep?.error?.tlsCode).toMatch(/^[A-Z_]+$/);
    expect(server.calls.map((c) => c.route)).toEqual(['certificate']);
    // The decision point was reached: a handshake was attempted against the imposter.
    expect(server.connections.some((c) => c.imposter)).toBe(true);
  });

  it('refuses the imposter on the request path too, when pin() is never called explicitly', async () => {
    const server = await wfm({ imposterAfterCaDownload: true });
    const { device: d } = device(server);
    expect((await d.downloadCa()).ok).toBe(true);
    const outcome = await d.onboard();
    expect(outcome.ok).toBe(false);
    expect(outcome.error?.code).toBe('TLS_SETUP_FAILED');
    expect(outcome.error?.tlsCode).toBeDefined();
    expect(server.on('onboarding')).toHaveLength(0);
  });

  it('with fault tls-verify-off connects to the imposter anyway and onboards', async () => {
    const server = await wfm({ imposterAfterCaDownload: true });
    const { device: d } = device(server, { faults: ['tls-verify-off'] });
    const run = await d.runSequence();
    expect(run.steps.find((s) => s.step === 'onboard')?.ok).toBe(true);
    expect(server.on('onboarding')).toHaveLength(1);
  });
});

describe('device simulator: refusals and retries', () => {
  const forbidden = { onboarding: () => ({ status: 403, body: '{"error":"Client rejected"}' }) };

  it('stops after 403 on onboarding: never sends capabilities or status, and retries only a few times with backoff', async () => {
    const server = await wfm({ scripts: forbidden });
    const { device: d, sleeps } = device(server);
    const run = await d.runSequence();
    expect(stepNames(run.steps).at(-1)).toBe('onboard:failed');
    expect(run.steps.at(-1)?.error?.code).toBe('ONBOARDING_REJECTED');
    expect(server.on('capabilitiesCreate')).toHaveLength(0);
    expect(server.on('deploymentStatus')).toHaveLength(0);
    expect(server.on('onboarding')).toHaveLength(3);
    expect(sleeps).toEqual([500, 1000]);
  });

  it('treats 403 as final when pending approval is held (onboarding.pendingApprovalBehavior: hold)', async () => {
    const server = await wfm({ scripts: forbidden });
    const config = mergeConfig({ onboarding: { pendingApprovalBehavior: 'hold' } });
    const { device: d } = device(server, { config });
    await d.runSequence();
    expect(server.on('onboarding')).toHaveLength(1);
  });

  it('stops after 400 on onboarding without retrying', async () => {
    const server = await wfm({ scripts: { onboarding: () => ({ status: 400 }) } });
    const { device: d } = device(server);
    const run = await d.runSequence();
    expect(run.ok).toBe(false);
    expect(server.on('onboarding')).toHaveLength(1);
  });

  it('waits at least Retry-After before retrying a 429, then succeeds', async () => {
    const server = await wfm({ scripts: { capabilitiesCreate: (n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : undefined) } });
    const { device: d, sleeps } = device(server, { retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 5000 } });
    const run = await d.runSequence();
    expect(run.ok).toBe(true);
    expect(sleeps).toEqual([1000]);
    const caps = server.on('capabilitiesCreate');
    expect(caps.map((c) => c.status)).toEqual([429, 201]);
    expect(run.steps.find((s) => s.step === 'capabilities')?.attempts).toBe(2);
    // Each attempt is signed afresh.
    expect(caps[0]?.headers['signature']).not.toBe(caps[1]?.headers['signature']);
  });

  it('backs off exponentially on 503 and 500 and gives up after maxAttempts', async () => {
    const server = await wfm({ scripts: { deploymentStatus: () => ({ status: 503 }) } });
    const { device: d, sleeps } = device(server, { retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 5000 } });
    const run = await d.runSequence();
    expect(run.steps.at(-1)).toMatchObject({ step: 'report-status', ok: false, status: 503, attempts: 3 });
    expect(sleeps).toEqual([100, 200]);
  });

  it('gives up rather than retry early when Retry-After exceeds maxDelayMs', async () => {
    const server = await wfm({ scripts: { capabilitiesCreate: () => ({ status: 503, headers: { 'retry-after': '120' } }) } });
    const { device: d, sleeps } = device(server, { retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 5000 } });
    const run = await d.runSequence();
    expect(run.steps.at(-1)).toMatchObject({ step: 'capabilities', ok: false, attempts: 1 });
    expect(sleeps).toEqual([]);
  });
});

describe('device simulator: desired state', () => {
  it('sends If-None-Match with the last ETag and handles 304', async () => {
    const server = await wfm();
    const { device: d } = device(server);
    await runUntilOnboarded(d);
    const first = await d.pollDesiredState();
    const second = await d.pollDesiredState();
    expect(first).toMatchObject({ ok: true, status: 200, notModified: false });
    expect(first.manifest).toMatchObject({ manifestVersion: 1 });
    expect(second).toMatchObject({ ok: true, status: 304, notModified: true });
    const polls = server.on('desiredState');
    expect(polls[0]?.headers['if-none-match']).toBeUndefined();
    expect(polls[1]?.headers['if-none-match']).toMatch(/^"sha256:[0-9a-f]{64}"$/);
    expect(polls[0]?.headers['accept']).toBe('application/vnd.margo.manifest.v1+json');
  });

  it('aborts when the deployment bytes do not match their digest, and reports nothing', async () => {
    const server = await wfm({ tamperDeployment: true });
    const { device: d } = device(server);
    const run = await d.runSequence();
    expect(run.steps.at(-1)).toMatchObject({ step: 'fetch-deployments', ok: false, error: { code: 'ARTIFACT_DIGEST_MISMATCH' } });
    expect(server.on('deploymentStatus')).toHaveLength(0);
  });

  it('rejects a manifest with an unsupported digest algorithm', async () => {
    const manifest = JSON.stringify({ manifestVersion: 1, bundle: null, deployments: [{ deploymentId: 'x', digest: 'md5:abc', url: '/x' }] });
    const server = await wfm({ scripts: { desiredState: () => ({ status: 200, body: manifest, headers: { etag: '"x"' } }) } });
    const { device: d } = device(server);
    const run = await d.runSequence();
    expect(run.steps.at(-1)).toMatchObject({ step: 'poll-desired-state', ok: false, error: { code: 'MANIFEST_INVALID' } });
  });

  it('rejects a manifest whose manifestVersion goes backwards and keeps the previous one', async () => {
    const body = (v: number): string => JSON.stringify({ manifestVersion: v, bundle: null, deployments: [] });
    const server = await wfm({ scripts: { desiredState: (n) => ({ status: 200, body: body(n === 1 ? 5 : 4), headers: { etag: `"v${n}"` } }) } });
    const { device: d } = device(server);
    await runUntilOnboarded(d);
    expect((await d.pollDesiredState()).ok).toBe(true);
    const second = await d.pollDesiredState();
    expect(second.error?.code).toBe('MANIFEST_VERSION_REGRESSED');
    expect(server.on('desiredState')[1]?.headers['if-none-match']).toBe('"v1"');
  });
});

describe('device simulator: send()', () => {
  it('sends a request unsigned on demand, and the WFM refuses it', async () => {
    const server = await wfm();
    const { device: d } = device(server);
    await runUntilOnboarded(d);
    const sent = await d.send({ route: 'capabilitiesCreate', body: { hello: 'world' }, sign: false });
    expect(sent.result?.status).toBe(401);
    expect(sent.signatureBase).toBeUndefined();
    expect(server.on('capabilitiesCreate')[0]?.headers['signature']).toBeUndefined();
    expect(sent.evidence).toMatchObject({ kind: 'exchange', response: { status: 401 } });
  });

  it('signs with a given created and per-request faults, and with another identity', async () => {
    const server = await wfm();
    const { device: d } = device(server);
    await runUntilOnboarded(d);
    const stale = await d.send({ route: 'desiredState', created: Math.floor(Date.now() / 1000) - 3600 });
    expect(stale.result?.status).toBe(401);
    expect(server.on('desiredState')[0]?.verify).toMatchObject({ ok: false, reason: 'stale-created' });
    const upper = await d.send({ route: 'capabilitiesCreate', body: {}, faults: ['uppercase-component-ids'] });
    expect(upper.signatureBase).toContain('"Content-Digest"');
    const other = await d.send({ route: 'desiredState', identity: pki.imposter });
    expect(server.on('desiredState')[1]?.verify).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(other.result?.status).toBe(401);
  });

  it('signs with a bare key (an RFC 9421 test key) when asked, and the WFM refuses it', async () => {
    const server = await wfm();
    const { device: d } = device(server);
    await runUntilOnboarded(d);
    const privateKey = createPrivateKey(readFileSync(packagePath('fixtures', 'rfc9421', 'keys', 'test-key-ecc-p256.pem'), 'utf8'));
    const sent = await d.send({ route: 'desiredState', signingKey: { privateKey, keyid: 'test-key-ecc-p256' } });
    expect(sent.result?.status).toBe(401);
    expect(server.on('desiredState')[0]?.headers['signature-input']).toContain('keyid="test-key-ecc-p256"');
  });

  it('returns the TLS error with evidence instead of throwing when the target is an imposter', async () => {
    const server = await wfm({ imposterAfterCaDownload: true });
    const { device: d } = device(server);
    await d.downloadCa();
    const sent = await d.send({ route: 'desiredState', params: { clientId: 'c1' } });
    expect(sent.result).toBeUndefined();
    expect(sent.error?.code).toBe('TLS_SETUP_FAILED');
    expect(sent.evidence).toMatchObject({ kind: 'exchange', tls: { authorized: false } });
  });
});
