import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonLossless } from '../core/json.js';
import { buildCapabilities, buildDeploymentStatus, getProfile } from '../core/profiles/index.js';
import { loadSchemaRegistry } from '../core/schema.js';
import { createClientPki, createProbe, jsonOf, writeDeploymentsDir, type Probe } from '../test/support/mock-probe.js';
import { startMockWfm, type MockLogEntry, type MockWfm } from './index.js';
import { readTar } from './tar.js';

const DEPLOYMENT = 'a3e2f5dc-912e-494f-8395-52cf3769bc06';

describe('mock WFM: the plain onboarding → capabilities → status → desired state sequence', () => {
  let mock: MockWfm;
  let probe: Probe;
  const logs: MockLogEntry[] = [];

  beforeAll(async () => {
    mock = await startMockWfm({ port: 0, deploymentsDir: await writeDeploymentsDir([DEPLOYMENT]), log: (e) => logs.push(e) });
  });
  afterAll(async () => {
    await probe.close();
    await mock.close();
  });

  it('serves the root CA as base64 DER without line breaks, and that CA issued the TLS chain', async () => {
    // Bootstrap: the first download trusts nothing yet, so it is done with the CA given out of band (caPem).
    probe = createProbe(mock);
    const res = await probe.send('GET', '/api/v1/onboarding/certificate');
    expect(res.status).toBe(200);
    const field = jsonOf(res)['certificate'] as string;
    expect(field).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(field, 'base64').equals(Buffer.from(mock.rootCa.certDer))).toBe(true);
    expect(res.tls?.protocol).toBe('TLSv1.3');
  });

  it('onboards, accepts capabilities and status, and serves the desired state with ETag and 304', async () => {
    const profile = getProfile(mock.profileId);
    const schemas = loadSchemaRegistry();
    const device = await (await createClientPki()).leaf();
    const onboarded = await probe.onboard(device);
    expect(onboarded.status).toBe(201);
    expect(schemas.validate('rfc9421-v1/onboarding-response', jsonOf(onboarded)).ok).toBe(true);
    const clientId = jsonOf(onboarded)['clientId'] as string;
    expect(clientId).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const caps = await probe.send('POST', `/api/v1/clients/${clientId}/capabilities`, {
      body: buildCapabilities(profile, { deviceId: 'edge-01' }),
      sign: { cert: device },
    });
    expect(caps.status).toBe(201);

    const status = await probe.send('POST', `/api/v1/clients/${clientId}/deployments/${DEPLOYMENT}/status`, {
      body: buildDeploymentStatus(profile, { deploymentId: DEPLOYMENT, state: 'installing', components: [{ name: 'digitron-orchestrator', state: 'installing' }] }),
      sign: { cert: device },
    });
    expect([200, 201]).toContain(status.status);

    const manifest = await probe.send('GET', `/api/v1/clients/${clientId}/deployments`, {
      headers: { accept: 'application/vnd.margo.manifest.v1+json' },
      sign: { cert: device },
    });
    expect(manifest.status).toBe(200);
    expect(manifest.headers['content-type']).toBe('application/vnd.margo.manifest.v1+json');
    const body = parseJsonLossless(manifest.body.toString('utf8')) as Record<string, unknown>;
    expect(schemas.validate('rfc9421-v1/desired-state', body).ok).toBe(true);
    expect(body['manifestVersion']).toBe(1);
    const { createHash } = await import('node:crypto');
    expect(manifest.headers['etag']).toBe(`"sha256:${createHash('sha256').update(manifest.body).digest('hex')}"`);

    const again = await probe.send('GET', `/api/v1/clients/${clientId}/deployments`, {
      headers: { 'if-none-match': manifest.headers['etag'] ?? '' },
      sign: { cert: device },
    });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);

    const deployments = body['deployments'] as { url: string; digest: string }[];
    const yaml = await probe.send('GET', deployments[0]?.url ?? '', { sign: { cert: device } });
    expect(yaml.status).toBe(200);
    expect(yaml.headers['content-type']).toBe('application/yaml');
    expect(`sha256:${createHash('sha256').update(yaml.body).digest('hex')}`).toBe(deployments[0]?.digest);
    expect(yaml.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    const bundleRef = body['bundle'] as { url: string; digest: string };
    const bundle = await probe.send('GET', bundleRef.url, { sign: { cert: device } });
    expect(bundle.status).toBe(200);
    expect(bundle.headers['content-type']).toBe('application/vnd.margo.bundle.v1+tar+gzip');
    expect(`sha256:${createHash('sha256').update(bundle.body).digest('hex')}`).toBe(bundleRef.digest);
    const entries = readTar(gunzipSync(bundle.body));
    expect(entries.map((e) => e.name)).toEqual([`${DEPLOYMENT}.yaml`]);
    expect(Buffer.from(entries[0]?.data ?? new Uint8Array()).equals(yaml.body)).toBe(true);

    const view = mock.state.client(clientId);
    expect(Object.keys(view?.capabilities ?? {})).toEqual(['']);
    expect(Object.keys(view?.statuses ?? {})).toEqual([DEPLOYMENT]);
  });

  it('records every exchange with its signature verdict and rebuilt signature base, and logs one line each', () => {
    const exchanges = mock.traffic().filter((e) => e.type === 'exchange');
    const onboarding = exchanges.find((e) => e.route === 'onboarding');
    expect(onboarding?.signature?.outcome).toBe('ok');
    expect(onboarding?.signature?.signatureBase).toContain('"@target-uri": https://127.0.0.1:');
    expect(onboarding?.signature?.digest?.outcome).toBe('ok');
    expect(Buffer.from(onboarding?.request.bodyBase64 ?? '', 'base64').toString('utf8')).toBe(onboarding?.request.body);
    expect(mock.traffic().some((e) => e.type === 'tls' && e.kind === 'handshake-ok' && e.protocol === 'TLSv1.3')).toBe(true);
    expect(logs.filter((l) => l.surface === 'api')).toHaveLength(exchanges.length);
    expect(logs.every((l) => typeof l.durationMs === 'number' && l.status > 0)).toBe(true);
  });
});

describe('banner, CA export and fault list', () => {
  it('prints URL, CA fingerprint, admin URL and token; exports the CA PEM; lists every fault', async () => {
    const { formatBanner, exportCaPem, formatFaultList, MOCK_FAULTS } = await import('./index.js');
    const { mkdtemp, readFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const mock = await startMockWfm({ faults: ['no-304'] });
    try {
      const banner = formatBanner(mock);
      for (const part of [mock.url, mock.caFingerprint256, mock.adminUrl, mock.adminToken, 'auto-approve', 'no-304']) expect(banner).toContain(part);
      const file = join(await mkdtemp(join(tmpdir(), 'margo-ca-')), 'ca.pem');
      await exportCaPem(mock, file);
      expect(await readFile(file, 'utf8')).toBe(mock.rootCa.certPem);
      const list = formatFaultList();
      for (const f of MOCK_FAULTS) expect(list).toContain(f.name);
    } finally {
      await mock.close();
    }
  });
});
