/**
 * Profile-driven behaviour: rc.2 capabilities (PUT 201/200, DELETE 204, gateway ordering 404, semantic 422),
 * status codes of signature failures, problem+json errors, a base path prefix, the plain-HTTP Certificate API
 * listener and the `certificate.encoding: auto` reading.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type MargoConfig } from '../core/config.js';
import { encodeCertificateField } from '../core/pki/index.js';
import { buildCapabilities, buildDeploymentStatus, getProfile } from '../core/profiles/index.js';
import { createClientPki, createProbe, jsonOf, type Probe } from '../test/support/mock-probe.js';
import { startMockWfm, type MockWfm, type MockWfmOptions } from './index.js';

let open: { mock: MockWfm; probe: Probe }[] = [];
async function start(opts: MockWfmOptions): Promise<{ mock: MockWfm; probe: Probe }> {
  const mock = await startMockWfm(opts);
  const probe = createProbe(mock);
  open.push({ mock, probe });
  return { mock, probe };
}
afterEach(async () => {
  for (const o of open) {
    await o.probe.close();
    await o.mock.close();
  }
  open = [];
});

function withConfig(patch: (c: MargoConfig) => MargoConfig): MargoConfig {
  return patch(structuredClone(DEFAULT_CONFIG) as MargoConfig);
}

describe('rfc9421-rc2 capabilities', () => {
  const rc2 = getProfile('rfc9421-rc2');

  it('PUT creates (201) then updates (200); a child before its gateway is 404; a mismatched id is 422; DELETE 204 then 404', async () => {
    const { probe } = await start({ profileId: 'rfc9421-rc2' });
    const device = await (await createClientPki()).leaf();
    const clientId = jsonOf(await probe.onboard(device))['clientId'] as string;
    const put = (deviceId: string, body: unknown) =>
      probe.send('PUT', `/api/v1/clients/${clientId}/capabilities/${deviceId}`, { body, sign: { cert: device } }).then((r) => r.status);
    expect(await put('gw1/child', buildCapabilities(rc2, { deviceId: 'gw1/child' }))).toBe(404);
    expect(await put('gw1', buildCapabilities(rc2, { deviceId: 'gw1', hosting: false }))).toBe(201);
    expect(await put('gw1', buildCapabilities(rc2, { deviceId: 'gw1', hosting: false }))).toBe(200);
    expect(await put('gw1/child', buildCapabilities(rc2, { deviceId: 'gw1/child' }))).toBe(201);
    expect(await put('gw1', buildCapabilities(rc2, { deviceId: 'other' }))).toBe(422);
    const halfHosting = buildCapabilities(rc2, { deviceId: 'gw1' }) as { properties: Record<string, unknown> };
    delete halfHosting.properties['otelCollector'];
    expect(await put('gw1', halfHosting)).toBe(422);
    expect(await put('gw1', { kind: 'DeviceCapabilitiesManifest' })).toBe(400);
    const del = (deviceId: string) => probe.send('DELETE', `/api/v1/clients/${clientId}/capabilities/${deviceId}`, { sign: { cert: device } }).then((r) => r.status);
    expect(await del('gw1/child')).toBe(204);
    expect(await del('gw1/child')).toBe(404);
    expect(await probe.send('PUT', `/api/v1/clients/unknown/capabilities/gw1`, { body: buildCapabilities(rc2, { deviceId: 'gw1' }), sign: { cert: device } }).then((r) => r.status)).toBe(404);
  });

  it('deployment status: 201 first, 200 after; a body deploymentId differing from the path is 422', async () => {
    const { probe } = await start({ profileId: 'rfc9421-rc2' });
    const device = await (await createClientPki()).leaf();
    const clientId = jsonOf(await probe.onboard(device))['clientId'] as string;
    const post = (pathId: string, bodyId: string) =>
      probe
        .send('POST', `/api/v1/clients/${clientId}/deployments/${pathId}/status`, {
          body: buildDeploymentStatus(rc2, { deploymentId: bodyId, state: 'installed', components: [{ name: 'c', state: 'installed' }] }),
          sign: { cert: device },
        })
        .then((r) => r.status);
    expect(await post('d1', 'd1')).toBe(201);
    expect(await post('d1', 'd1')).toBe(200);
    expect(await post('d1', 'd2')).toBe(422);
  });
});

describe('signature failures map to the profile statuses', () => {
  it('missing Content-Digest 400, future created 401, unknown clientId 404, stale 401; recorded with the rebuilt base', async () => {
    const { mock, probe } = await start({});
    const device = await (await createClientPki()).leaf();
    const clientId = jsonOf(await probe.onboard(device))['clientId'] as string;
    const v1 = getProfile('rfc9421-v1');
    const caps = (sign: Parameters<Probe['send']>[2], id = clientId) =>
      probe.send('POST', `/api/v1/clients/${id}/capabilities`, { body: buildCapabilities(v1, { deviceId: 'd' }), ...sign }).then((r) => r.status);
    expect(await caps({ sign: { cert: device, faults: ['drop-content-digest'] } })).toBe(400);
    expect(await caps({ sign: { cert: device, faults: ['future-created'] } })).toBe(401);
    expect(await caps({ sign: { cert: device, faults: ['stale-created'] } })).toBe(401);
    expect(await caps({ sign: { cert: device, faults: ['corrupt-signature'] } })).toBe(401);
    expect(await caps({ sign: { cert: device } }, 'nobody')).toBe(404);
    const status = await probe.send('POST', `/api/v1/clients/nobody/deployments/x/status`, { body: '{}', sign: { cert: device } });
    expect(status.status).toBe(404);
    const outcomes = mock.traffic().flatMap((e) => (e.type === 'exchange' && e.signature !== undefined ? [e.signature.outcome] : []));
    expect(outcomes).toEqual(expect.arrayContaining(['missing-content-digest', 'future-created', 'stale-created', 'bad-signature']));
    const bad = mock.traffic().find((e) => e.type === 'exchange' && e.signature?.outcome === 'bad-signature');
    expect(bad?.type === 'exchange' && bad.signature?.signatureBase).toMatch(/"@signature-params": \("@method" "@target-uri" "content-digest"\);created=\d+;keyid="/);
  });

  it('onboarding must be signed by the key of the certificate it carries', async () => {
    const { probe } = await start({});
    const pki = await createClientPki();
    const device = await pki.leaf();
    const other = await pki.leaf();
    const field = encodeCertificateField(device.certDer, 'base64-der');
    const res = await probe.send('POST', '/api/v1/onboarding', {
      body: { apiVersion: 'onboarding.margo.org/v1alpha1', kind: 'OnboardingRequest', certificate: field },
      sign: { cert: other },
    });
    expect(res.status).toBe(401);
    expect((await probe.onboard(device, { faults: ['no-signature'] })).status).toBe(401);
  });
});

describe('options', () => {
  it('problem+json errors carry the Margo problem type', async () => {
    const { probe } = await start({ config: withConfig((c) => ({ ...c, errors: { format: 'problem+json' } })) });
    const device = await (await createClientPki()).leaf();
    const res = await probe.onboard(device, { field: '###' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(jsonOf(res)).toMatchObject({ type: 'https://docs.margo.org/specification/problems/invalid-certificate-format', status: 400, title: 'Invalid certificate' });
  });

  it('a base path prefix is served and reflected in manifest URLs; other paths are 404', async () => {
    const { mock, probe } = await start({ basePath: '/tenant-a/margo' });
    expect(mock.url).toMatch(/\/tenant-a\/margo$/);
    expect((await probe.send('GET', '/api/v1/onboarding/certificate')).status).toBe(200);
    const device = await (await createClientPki()).leaf();
    const onboarded = await probe.onboard(device);
    expect(onboarded.status).toBe(201);
    const clientId = jsonOf(onboarded)['clientId'] as string;
    await mock.state.putDeployment(clientId, (await import('../test/support/mock-probe.js')).deploymentYaml('e0e1e2e3-0000-4000-8000-000000000005'));
    const manifest = jsonOf(await probe.send('GET', `/api/v1/clients/${clientId}/deployments`, { sign: { cert: device } }));
    const url = (manifest['deployments'] as { url: string }[])[0]?.url ?? '';
    expect(url.startsWith(`/tenant-a/margo/api/v1/clients/${clientId}/deployments/`)).toBe(true);
    const outside = createProbe({ ...mock, url: mock.url.replace('/tenant-a/margo', '') });
    expect((await outside.send('GET', '/api/v1/onboarding/certificate')).status).toBe(404);
    await outside.close();
  });

  it('the opt-in plain-HTTP listener serves the Certificate API only', async () => {
    const { mock } = await start({ plainHttpCertificatePort: 0 });
    const { request } = await import('undici');
    const cert = await request(`${mock.plainHttpUrl}/api/v1/onboarding/certificate`);
    expect(cert.statusCode).toBe(200);
    expect(((await cert.body.json()) as { certificate: string }).certificate).toBe(Buffer.from(mock.rootCa.certDer).toString('base64'));
    const onboarding = await request(`${mock.plainHttpUrl}/api/v1/onboarding`, { method: 'POST', body: '{}' });
    expect(onboarding.statusCode).toBe(404);
    await onboarding.body.dump();
  });

  it('certificate.encoding auto accepts base64 of the PEM text and records the encoding; the default refuses it', async () => {
    const device = await (await createClientPki()).leaf();
    const pemField = encodeCertificateField(device.certDer, 'base64-pem');
    const strict = await start({});
    expect((await strict.probe.onboard(device, { field: pemField })).status).toBe(400);
    const auto = await start({ config: withConfig((c) => ({ ...c, certificate: { encoding: 'auto' } })) });
    const res = await auto.probe.onboard(device, { field: pemField });
    expect(res.status).toBe(201);
    expect(auto.mock.state.client(jsonOf(res)['clientId'] as string)?.certificateEncoding).toBe('base64-pem');
  });

  it('Accept negotiation: wildcards and application/json fall back to the manifest type', async () => {
    const { probe } = await start({});
    const device = await (await createClientPki()).leaf();
    const clientId = jsonOf(await probe.onboard(device))['clientId'] as string;
    const get = (accept: string) => probe.send('GET', `/api/v1/clients/${clientId}/deployments`, { headers: { accept }, sign: { cert: device } }).then((r) => r.status);
    expect(await get('*/*')).toBe(200);
    expect(await get('application/*;q=0.5')).toBe(200);
    expect(await get('application/json')).toBe(200);
    expect(await get('application/xml, text/plain')).toBe(406);
    expect(await get('application/vnd.margo.manifest.v1+json;q=0')).toBe(406);
  });
});
