import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCapabilities, getProfile } from '../core/profiles/index.js';
import { createClientPki, createProbe, deploymentYaml, jsonOf, type Probe } from '../test/support/mock-probe.js';
import { startMockWfm, type MockWfm, type MockWfmOptions } from './index.js';

const profile = getProfile('rfc9421-v1');
let open: { mock: MockWfm; probe: Probe }[] = [];

async function start(opts: MockWfmOptions): Promise<{ mock: MockWfm; probe: Probe }> {
  const mock = await startMockWfm({ deploymentsDir: await emptyDir(), ...opts });
  const probe = createProbe(mock);
  open.push({ mock, probe });
  return { mock, probe };
}

async function emptyDir(): Promise<string> {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  return mkdtemp(join(tmpdir(), 'margo-empty-'));
}

afterEach(async () => {
  for (const o of open) {
    await o.probe.close();
    await o.mock.close();
  }
  open = [];
});

/** Calls the admin JSON API with the bearer token. */
async function adminApi(mock: MockWfm, method: string, path: string, body?: unknown, token = mock.adminToken) {
  const res = await request(new URL(`api/${path}`, mock.adminUrl), {
    method: method as 'GET',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

describe('admin surface', () => {
  it('binds to loopback and refuses calls without the token', async () => {
    const { mock } = await start({});
    expect(new URL(mock.adminUrl).hostname).toBe('127.0.0.1');
    expect((await adminApi(mock, 'GET', 'clients', undefined, 'wrong')).status).toBe(401);
    const bare = await request(new URL('api/clients', mock.adminUrl));
    expect(bare.statusCode).toBe(401);
    await bare.body.dump();
    expect((await adminApi(mock, 'GET', 'clients')).status).toBe(200);
  });

  it('manual policy: 403 while pending, approved through the admin API, then 201 with a clientId', async () => {
    const { mock, probe } = await start({ onboarding: 'manual' });
    const device = await (await createClientPki()).leaf();
    const first = await probe.onboard(device);
    expect(first.status).toBe(403);
    expect(jsonOf(first)['error']).toBe('Client rejected');
    const pending = (await adminApi(mock, 'GET', 'pending')).json as { id: string; fingerprint256: string; state: string }[];
    expect(pending).toHaveLength(1);
    expect(pending[0]?.fingerprint256).toBe(device.fingerprint256);
    expect((await probe.onboard(device)).status).toBe(403);
    const approved = await adminApi(mock, 'POST', `pending/${pending[0]?.id}/approve`);
    expect(approved.status).toBe(200);
    const after = await probe.onboard(device);
    expect(after.status).toBe(201);
    const clientId = jsonOf(after)['clientId'] as string;
    const again = await probe.onboard(device);
    expect(jsonOf(again)['clientId']).toBe(clientId);
    const clients = (await adminApi(mock, 'GET', 'clients')).json as { clientId: string }[];
    expect(clients.map((c) => c.clientId)).toEqual([clientId]);
  });

  it('manual policy: a rejected pending onboarding stays 403', async () => {
    const { mock, probe } = await start({ onboarding: 'manual' });
    const device = await (await createClientPki()).leaf();
    await probe.onboard(device);
    const [p] = mock.state.listPending();
    expect((await adminApi(mock, 'POST', `pending/${p?.id}/reject`)).status).toBe(200);
    expect((await probe.onboard(device)).status).toBe(403);
    expect((await adminApi(mock, 'POST', 'pending/nope/approve')).status).toBe(404);
  });

  it('hold behaviour: the onboarding request waits for the WFM user and then gets 201', async () => {
    const config = { ...(await import('../core/config.js')).DEFAULT_CONFIG, onboarding: { requireSignature: true, pendingApprovalBehavior: 'hold' as const } };
    const { mock, probe } = await start({ onboarding: 'manual', config, pendingHoldMs: 20_000 });
    const device = await (await createClientPki()).leaf();
    const held = probe.onboard(device);
    for (let i = 0; i < 100 && mock.state.listPending().length === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    await mock.state.approve(mock.state.listPending()[0]?.id ?? '');
    expect((await held).status).toBe(201);
  });

  it('uploaded certificates and allowlisted fingerprints onboard under manual and allowlist policies', async () => {
    const pki = await createClientPki();
    const { mock, probe } = await start({ onboarding: 'allowlist' });
    const uploaded = await pki.leaf();
    const listed = await pki.leaf();
    const stranger = await pki.leaf();
    expect((await adminApi(mock, 'POST', 'certificates', uploaded.certPem)).status).toBe(201);
    expect((await adminApi(mock, 'POST', 'allowlist', { fingerprint: listed.fingerprint256.replace(/(..)/g, '$1:').slice(0, -1).toUpperCase() })).status).toBe(201);
    expect((await probe.onboard(uploaded)).status).toBe(201);
    expect((await probe.onboard(listed)).status).toBe(201);
    expect((await probe.onboard(stranger)).status).toBe(403);
    expect((await adminApi(mock, 'POST', 'allowlist', { issuerPem: pki.ca.certPem })).status).toBe(201);
    expect((await probe.onboard(stranger)).status).toBe(201);
  });

  it('reject-all answers 403; auto-approve with trusted issuers only takes their leaves', async () => {
    const pki = await createClientPki();
    const other = await createClientPki('Other CA');
    const rejectAll = await start({ onboarding: 'reject-all' });
    expect((await rejectAll.probe.onboard(await pki.leaf())).status).toBe(403);
    const trusted = await start({ trustedIssuers: [pki.ca.certPem] });
    expect((await trusted.probe.onboard(await pki.leaf('rsa-2048'))).status).toBe(201);
    expect((await trusted.probe.onboard(await other.leaf())).status).toBe(403);
  });

  it('operator pre-rejection and the operator hook', async () => {
    const pki = await createClientPki();
    const { mock, probe } = await start({ onboarding: 'manual' });
    const early = await pki.leaf();
    expect((await adminApi(mock, 'POST', 'rejections', { fingerprint: early.fingerprint256 })).status).toBe(201);
    expect((await probe.onboard(early)).status).toBe(403);
    expect(mock.state.listPending()).toHaveLength(0);
    const hooked = await pki.leaf();
    expect((await probe.onboard(hooked)).status).toBe(403);
    const hook = await adminApi(mock, 'POST', 'operator-hook', { action: 'approve', fingerprint: hooked.fingerprint256 });
    expect(hook.json).toEqual({ outcome: 'approved-pending' });
    expect((await probe.onboard(hooked)).status).toBe(201);
    const byPem = await pki.leaf();
    expect((await adminApi(mock, 'POST', 'operator-hook', { action: 'reject', fingerprint: '', certificatePem: byPem.certPem })).json).toEqual({ outcome: 'pre-rejected' });
    expect((await probe.onboard(byPem)).status).toBe(403);
  });

  it('operator hook speaks the wfm suite contract: reject-onboarding, revoke-client, change-desired-state', async () => {
    const pki = await createClientPki();
    const { mock, probe } = await start({});
    const rejected = await pki.leaf();
    const reject = await adminApi(mock, 'POST', 'operator-hook', { action: 'reject-onboarding', fingerprint: rejected.fingerprint256, certificatePem: rejected.certPem });
    expect(reject).toEqual({ status: 200, json: { outcome: 'pre-rejected' } });
    expect((await probe.onboard(rejected)).status).toBe(403);

    const device = await pki.leaf();
    const clientId = jsonOf(await probe.onboard(device))['clientId'] as string;
    const change = await adminApi(mock, 'POST', 'operator-hook', { action: 'change-desired-state', fingerprint: device.fingerprint256, certificatePem: device.certPem, clientId });
    expect(change).toEqual({ status: 200, json: { outcome: 'desired-state-changed', clientId, manifestVersion: '2' } });
    const manifest = jsonOf(await probe.send('GET', `/api/v1/clients/${clientId}/deployments`, { sign: { cert: device } }));
    expect(manifest['manifestVersion']).toBe(2);
    expect(manifest['deployments']).toHaveLength(1);

    const send = () => probe.send('POST', `/api/v1/clients/${clientId}/capabilities`, { body: buildCapabilities(profile, { deviceId: 'd' }), sign: { cert: device } });
    expect((await send()).status).toBe(201);
    const revoke = await adminApi(mock, 'POST', 'operator-hook', { action: 'revoke-client', fingerprint: device.fingerprint256, certificatePem: device.certPem, clientId });
    expect(revoke.json).toMatchObject({ outcome: 'revoked', clientId });
    expect((await send()).status).toBe(403);
  });

  it('operator hook refuses what it cannot do: 400 for an unknown action, a missing clientId or another certificate, 404 for an unknown client', async () => {
    const pki = await createClientPki();
    const { mock, probe } = await start({});
    const device = await pki.leaf();
    const other = await pki.leaf();
    const clientId = jsonOf(await probe.onboard(device))['clientId'] as string;
    const hook = (body: object) => adminApi(mock, 'POST', 'operator-hook', body);
    expect((await hook({ action: 'delete-everything', fingerprint: device.fingerprint256 })).status).toBe(400);
    expect((await hook({ action: 'revoke-client', fingerprint: device.fingerprint256 })).status).toBe(400);
    expect((await hook({ action: 'revoke-client', fingerprint: '', certificatePem: other.certPem, clientId })).status).toBe(400);
    expect((await hook({ action: 'change-desired-state', fingerprint: '', clientId: 'no-such-client' })).status).toBe(404);
    expect(mock.state.client(clientId)).toMatchObject({ manifestVersion: '1' });
    expect(mock.state.client(clientId)?.revokedAt).toBeUndefined();
  });

  it('revoke: later signed requests of the client answer 403', async () => {
    const { mock, probe } = await start({});
    const device = await (await createClientPki()).leaf();
    const clientId = jsonOf(await probe.onboard(device))['clientId'] as string;
    const send = () => probe.send('POST', `/api/v1/clients/${clientId}/capabilities`, { body: buildCapabilities(profile, { deviceId: 'd' }), sign: { cert: device } });
    expect((await send()).status).toBe(201);
    expect((await adminApi(mock, 'POST', `clients/${clientId}/revoke`)).status).toBe(200);
    expect((await send()).status).toBe(403);
    expect((await probe.onboard(device)).status).toBe(403);
  });

  it('desired state through the admin API: PUT YAML raises manifestVersion, DELETE too; capabilities are shown', async () => {
    const { mock, probe } = await start({});
    const device = await (await createClientPki()).leaf();
    const clientId = jsonOf(await probe.onboard(device))['clientId'] as string;
    const id = 'b0b1b2b3-0000-4000-8000-000000000002';
    const put = await request(new URL(`api/clients/${clientId}/deployments`, mock.adminUrl), {
      method: 'PUT',
      headers: { authorization: `Bearer ${mock.adminToken}`, 'content-type': 'application/yaml' },
      body: deploymentYaml(id),
    });
    expect(put.statusCode).toBe(200);
    expect(((await put.body.json()) as { manifestVersion: string }).manifestVersion).toBe('2');
    const same = await mock.state.putDeployment(clientId, deploymentYaml(id));
    expect(same.manifestVersion).toBe('2');
    const changed = await mock.state.putDeployment(clientId, deploymentYaml(id, 'digitron-orchestrator', '1.2.4'));
    expect(changed.manifestVersion).toBe('3');
    const got = await adminApi(mock, 'GET', `clients/${clientId}/deployments`);
    expect((got.json as { deployments: unknown[] }).deployments).toHaveLength(1);
    expect((await adminApi(mock, 'DELETE', `clients/${clientId}/deployments/${id}`)).status).toBe(200);
    const manifest = jsonOf(await probe.send('GET', `/api/v1/clients/${clientId}/deployments`, { sign: { cert: device } }));
    expect(manifest).toEqual({ manifestVersion: 4, bundle: null, deployments: [] });
    expect((await adminApi(mock, 'PUT', `clients/${clientId}/deployments`, 'kind: Nope')).status).toBe(400);
    await probe.send('POST', `/api/v1/clients/${clientId}/capabilities`, { body: buildCapabilities(profile, { deviceId: 'd' }), sign: { cert: device } });
    const view = (await adminApi(mock, 'GET', `clients/${clientId}`)).json as { capabilities: Record<string, { body: unknown }> };
    expect(view.capabilities['']?.body).toEqual(JSON.parse(JSON.stringify(buildCapabilities(profile, { deviceId: 'd' }))));
  });

  it('traffic is readable as JSON through the admin API', async () => {
    const { mock, probe } = await start({});
    await probe.send('GET', '/api/v1/onboarding/certificate');
    const traffic = (await adminApi(mock, 'GET', 'traffic')).json as { entries: { type: string; route?: string }[] };
    expect(traffic.entries.some((e) => e.type === 'tls')).toBe(true);
    expect(traffic.entries.some((e) => e.type === 'exchange' && e.route === 'certificate')).toBe(true);
  });
});

describe('admin page (server-rendered forms)', () => {
  it('takes ?token= once, sets a cookie, lists the pending onboarding and approves it through its form', async () => {
    const { mock, probe } = await start({ onboarding: 'manual' });
    const device = await (await createClientPki()).leaf();
    await probe.onboard(device);
    const login = await request(`${mock.adminUrl}?token=${mock.adminToken}`);
    expect(login.statusCode).toBe(303);
    await login.body.dump();
    const cookie = String(login.headers['set-cookie']).split(';')[0] ?? '';
    expect(cookie).toContain('margo_admin_token=');
    const page = await request(mock.adminUrl, { headers: { cookie } });
    const html = await page.body.text();
    expect(page.statusCode).toBe(200);
    const form = new RegExp(`<form[^>]*action="/admin/approve">(.*?)<button[^>]*data-testid="approve"[^>]*data-fingerprint="${device.fingerprint256}"`).exec(html);
    expect(form).not.toBeNull();
    const fields = new URLSearchParams(
      [...(form?.[1] ?? '').matchAll(/name="([^"]+)" value="([^"]*)"/g)].map(
        (m): [string, string] => [m[1] ?? '', (m[2] ?? '').replace(/&#(\d+);/g, (_x, n: string) => String.fromCharCode(Number(n)))],
      ),
    );
    // The cookie alone never authorises a POST.
    const csrf = await request(new URL('approve', mock.adminUrl), { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: `id=${fields.get('id')}` });
    expect(csrf.statusCode).toBe(401);
    await csrf.body.dump();
    const posted = await request(new URL('approve', mock.adminUrl), { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() });
    expect(posted.statusCode).toBe(303);
    await posted.body.dump();
    expect((await probe.onboard(device)).status).toBe(201);
    const after = await (await request(mock.adminUrl, { headers: { cookie } })).body.text();
    expect(after).toContain('data-testid="revoke"');
  });

  it('escapes what devices control', async () => {
    const { mock, probe } = await start({ onboarding: 'manual' });
    const pki = await createClientPki();
    const { issueClientLeaf } = await import('../core/pki/index.js');
    const hostile = await issueClientLeaf(pki.ca, { commonName: '<script>alert(1)</script>' });
    await probe.onboard(hostile);
    const html = await (await request(`${mock.adminUrl}`, { headers: { authorization: `Bearer ${mock.adminToken}` } })).body.text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&#60;script');
  });
});

describe('operator hook URL forms', () => {
  it('accepts the token as Basic password or ?token=, never without it', async () => {
    const { mock, probe } = await start({ onboarding: 'manual' });
    const device = await (await createClientPki()).leaf();
    expect((await probe.onboard(device)).status).toBe(403);
    const hook = new URL('api/operator-hook', mock.adminUrl);
    const body = JSON.stringify({ action: 'approve', fingerprint: device.fingerprint256 });
    const none = await request(hook, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(none.statusCode).toBe(401);
    await none.body.dump();
    const basic = await request(hook, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`op:${mock.adminToken}`).toString('base64')}` } });
    expect(basic.statusCode).toBe(200);
    await basic.body.dump();
    const query = await request(`${hook.href}?token=${mock.adminToken}`, { method: 'POST', body: JSON.stringify({ action: 'reject', fingerprint: (await (await createClientPki()).leaf()).fingerprint256 }), headers: { 'content-type': 'application/json' } });
    expect(query.statusCode).toBe(200);
    await query.body.dump();
    expect((await probe.onboard(device)).status).toBe(201);
  });
});
