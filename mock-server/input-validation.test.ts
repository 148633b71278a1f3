/**
 * Input validation of the mock WFM: the admin token (length, empty presented tokens), the admin API bodies and
 * query parameters, listener errors, the `--data-dir` files and the allowlist.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { isConformanceError } from '../core/errors.js';
import { parseClientFaults } from './client-fault-input.js';
import { startMockWfm, type MockWfm, type MockWfmOptions } from './index.js';

let open: MockWfm[] = [];
let blockers: Server[] = [];

afterEach(async () => {
  for (const m of open) await m.close();
  for (const b of blockers) await new Promise((done) => b.close(done));
  open = [];
  blockers = [];
});

async function emptyDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'margo-input-'));
}

async function start(opts: MockWfmOptions = {}): Promise<MockWfm> {
  const mock = await startMockWfm({ deploymentsDir: await emptyDir(), ...opts });
  open.push(mock);
  return mock;
}

async function adminCall(mock: MockWfm, method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  const res = await request(new URL(path, mock.adminUrl), { method: method as 'GET', headers, ...(body === undefined ? {} : { body }) });
  const text = await res.body.text();
  return { status: res.statusCode, text };
}

const bearer = (mock: MockWfm): Record<string, string> => ({ authorization: `Bearer ${mock.adminToken}`, 'content-type': 'application/json' });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

async function busyPort(): Promise<number> {
  const blocker = createServer();
  blockers.push(blocker);
  await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
  return (blocker.address() as AddressInfo).port;
}

describe('admin token', () => {
  it('startMockWfm refuses an empty or short admin token with USAGE', async () => {
    for (const adminToken of ['', 'short', '123456789012345']) {
      const err = await rejection(startMockWfm({ adminToken }));
      expect(isConformanceError(err, 'USAGE')).toBe(true);
      expect((err as Error).message).toContain('at least 16 characters');
    }
  });

  it('accepts a 16-character token, and an empty presented token never authorises', async () => {
    const mock = await start({ adminToken: 'abcdefghijklmnop' });
    expect((await adminCall(mock, 'GET', 'api/info', { authorization: 'Bearer abcdefghijklmnop' })).status).toBe(200);
    const emptyBasic = `Basic ${Buffer.from('op:').toString('base64')}`;
    expect((await adminCall(mock, 'GET', 'api/info', { authorization: emptyBasic })).status).toBe(401);
    expect((await adminCall(mock, 'GET', 'api/info?token=')).status).toBe(401);
    expect((await adminCall(mock, 'GET', 'api/info', { authorization: 'Bearer ' })).status).toBe(401);
    expect((await adminCall(mock, 'GET', '?token=')).status).toBe(401);
  });
});

describe('POST /admin/api/faults', () => {
  it('refuses bodies that are not arrays of known scenario faults with 400', async () => {
    const mock = await start();
    const bodies = [
      { faults: 'x' },
      { faults: [{ kind: 'bogus' }] },
      { faults: [5, 'x', null] },
      {},
      { faults: [{ kind: 'status', route: 'onboarding', status: 418, times: 1 }] },
      { faults: [{ kind: 'status', route: 'nowhere', status: 503, times: 1 }] },
      { faults: [{ kind: 'stall', route: 'onboarding', ms: -1 }] },
      { clientId: 5, faults: [] },
    ];
    for (const body of bodies) {
      const r = await adminCall(mock, 'POST', 'api/faults', bearer(mock), JSON.stringify(body));
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(JSON.parse(r.text)).toMatchObject({ error: 'Bad request' });
    }
    const faults = await adminCall(mock, 'GET', 'api/faults', bearer(mock));
    expect(JSON.parse(faults.text)).toMatchObject({ clients: {} });
  });

  it('accepts well-formed faults and names the bad element otherwise', async () => {
    const mock = await start();
    const good = [{ kind: 'status', route: 'onboarding', status: 503, times: 2, retryAfterSeconds: 1 }, { kind: 'reject-onboarding' }];
    const ok = await adminCall(mock, 'POST', 'api/faults', bearer(mock), JSON.stringify({ faults: good }));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({ clientId: '*', faults: good });
    const bad = await adminCall(mock, 'POST', 'api/faults', bearer(mock), JSON.stringify({ faults: [{ kind: 'reject-onboarding' }, { kind: 'bogus' }] }));
    expect(JSON.parse(bad.text)).toMatchObject({ message: expect.stringContaining('faults[1].kind') });
  });

  it('parseClientFaults rejects each malformed element', () => {
    const routes = ['onboarding', 'certificate'] as const;
    expect(() => parseClientFaults('x', routes)).toThrow(/expected an array/);
    expect(() => parseClientFaults([5], routes)).toThrow(/faults\[0\]: expected a fault object/);
    expect(() => parseClientFaults([{ kind: 'stall', route: 'onboarding', ms: 1.5 }], routes)).toThrow(/faults\[0\]\.ms/);
    expect(() => parseClientFaults([{ kind: 'status', route: 'certificate', status: 500 }], routes)).toThrow(/faults\[0\]\.times/);
    expect(parseClientFaults([{ kind: 'stall', route: 'certificate', ms: 10, extra: true }], routes)).toEqual([{ kind: 'stall', route: 'certificate', ms: 10 }]);
  });
});

describe('GET /admin/api/traffic', () => {
  it('answers 400 for a since that is not a whole number, 200 otherwise', async () => {
    const mock = await start();
    for (const since of ['abc', '-1', '1.5', '']) {
      expect((await adminCall(mock, 'GET', `api/traffic?since=${since}`, bearer(mock))).status, since).toBe(400);
    }
    expect((await adminCall(mock, 'GET', 'api/traffic?since=3', bearer(mock))).status).toBe(200);
  });
});

describe('listeners', () => {
  it('reports a port in use as USAGE naming the option, and leaves nothing bound', async () => {
    const port = await busyPort();
    const api = await rejection(startMockWfm({ port }));
    expect(isConformanceError(api, 'USAGE')).toBe(true);
    expect((api as Error).message).toContain('address already in use');
    expect((api as { details?: Record<string, unknown> }).details).toMatchObject({ option: 'port', port, errno: 'EADDRINUSE' });
    const admin = await rejection(startMockWfm({ adminPort: port }));
    expect((admin as { details?: Record<string, unknown> }).details).toMatchObject({ option: 'adminPort' });
    const plain = await rejection(startMockWfm({ plainHttpCertificatePort: port }));
    expect((plain as { details?: Record<string, unknown> }).details).toMatchObject({ option: 'plainHttpCertificatePort' });
  });

  it('refuses a port outside 0..65535 with USAGE', async () => {
    const err = await rejection(startMockWfm({ port: 70_000 }));
    expect(isConformanceError(err, 'USAGE')).toBe(true);
  });
});

describe('allowlist and data dir', () => {
  it('refuses a malformed allowlist fingerprint with USAGE', async () => {
    const err = await rejection(startMockWfm({ allowlist: ['zz'] }));
    expect(isConformanceError(err, 'USAGE')).toBe(true);
  });

  it('refuses a pki.json or state.json of the wrong shape with CONFIG_INVALID naming the file and member', async () => {
    const junkCert = { certPem: 'x', privateKeyPem: 'y', chainPem: 'x', name: 'n', keyType: 'ec-p256' };
    const cases: [string, string, RegExp][] = [
      ['pki.json', '{"x":1}', /pki\.json: missing rootCa\.certPem/],
      ['pki.json', 'null', /pki\.json: the file: expected a JSON object/],
      ['pki.json', JSON.stringify({ rootCa: junkCert, server: junkCert }), /pki\.json: rootCa: CERT_/],
      ['pki.json', JSON.stringify({ rootCa: { ...junkCert, keyType: 'dsa' }, server: junkCert }), /pki\.json: rootCa\.keyType: expected one of/],
      ['state.json', '{"x":1}', /state\.json: format: expected margo-mock-state\/1/],
      ['state.json', '{"format":"margo-mock-state/1"}', /state\.json: missing clients/],
      ['state.json', '{"format":"margo-mock-state/1","clients":[{}],"pending":[]}', /state\.json: missing clients\[0\]\.manifestVersion/],
    ];
    for (const [name, text, message] of cases) {
      const dataDir = await emptyDir();
      await writeFile(join(dataDir, name), text);
      const err = await rejection(startMockWfm({ dataDir, deploymentsDir: await emptyDir() }));
      expect(isConformanceError(err, 'CONFIG_INVALID'), `${name} ${text}`).toBe(true);
      expect((err as Error).message).toMatch(message);
    }
  });

  it('refuses stored entries whose key or certificate no longer parse, naming the entry', async () => {
    const own = await emptyDir();
    await (await start({ dataDir: own })).close();
    open = [];
    const pki = JSON.parse(await readFile(join(own, 'pki.json'), 'utf8')) as { server: { privateKeyPem: string } };
    pki.server.privateKeyPem = `-----BEGIN ${'PRIVATE'} KEY-----\nAAAA\n-----END ${'PRIVATE'} KEY-----\n`;
    await writeFile(join(own, 'pki.json'), JSON.stringify(pki));
    const keyErr = await rejection(startMockWfm({ dataDir: own, deploymentsDir: await emptyDir() }));
    expect((keyErr as Error).message).toMatch(/pki\.json: server: KEY_UNSUPPORTED/);
    const dataDir = await emptyDir();
    const client = { clientId: 'c1', certificateBase64: 'AAAA', encoding: 'base64-der', onboardedAt: 'x', manifestVersion: '1', deployments: [], capabilities: [], statuses: [] };
    const state = { format: 'margo-mock-state/1', clients: [client], pending: [], allowedFingerprints: [], rejectedFingerprints: [], trustedIssuerPems: [], uploads: [] };
    await writeFile(join(dataDir, 'state.json'), JSON.stringify(state));
    const certErr = await rejection(startMockWfm({ dataDir, deploymentsDir: await emptyDir() }));
    expect(isConformanceError(certErr, 'CONFIG_INVALID')).toBe(true);
    expect((certErr as Error).message).toMatch(/state\.json: clients\[0\]: CERT_/);
  });

  it('still reloads its own pki.json and state.json', async () => {
    const dataDir = await emptyDir();
    const first = await start({ dataDir });
    await first.close();
    open = [];
    expect(JSON.parse(await readFile(join(dataDir, 'pki.json'), 'utf8'))).toHaveProperty('rootCa.certPem');
    const second = await start({ dataDir });
    expect(second.caFingerprint256).toBe(first.caFingerprint256);
  });
});
