import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isConformanceError } from '../core/errors.js';
import { createHttpClient } from '../core/net/https-client.js';
import { buildCapabilities, getProfile } from '../core/profiles/index.js';
import type { RecordedExchange, RecordedTlsEvent } from '../core/traffic.js';
import { createClientPki, createProbe, jsonOf, type Probe } from '../test/support/mock-probe.js';
import { startMockWfm, type ClientFault, type MockWfm } from './index.js';

const profile = getProfile('rfc9421-v1');
let open: { mock: MockWfm; probe: Probe }[] = [];

async function start(clientFaults: readonly ClientFault[]): Promise<{ mock: MockWfm; probe: Probe }> {
  const mock = await startMockWfm({ clientFaults });
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

/** `openssl s_client` pinned to `caFile`, refusing on verification errors (it sends a TLS alert). */
function opensslConnect(port: number, caFile: string): Promise<void> {
  return new Promise((resolve) => {
    const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', caFile, '-verify_return_error'], { timeout: 10_000 }, () => resolve());
    child.stdin?.end();
  });
}

/** One TLS handshake that trusts anything (to see which certificate is served), offering `session` for resumption. */
function handshake(port: number, session?: Buffer): Promise<{ session?: Buffer; reused: boolean; fingerprint?: string }> {
  return new Promise((resolve) => {
    let ticket: Buffer | undefined;
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, ...(session === undefined ? {} : { session }) });
    socket.on('session', (s: Buffer) => (ticket = s));
    socket.once('secureConnect', () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      const reused = socket.isSessionReused();
      // TLS 1.3 tickets arrive after the handshake; a request makes the server flush them.
      socket.write('GET /none HTTP/1.1\r\nHost: x\r\n\r\n');
      socket.once('data', () => {
        socket.end();
        resolve({ ...(ticket === undefined ? {} : { session: ticket }), reused, fingerprint });
      });
    });
    socket.on('error', () => resolve({ reused: false }));
  });
}

const exchanges = (mock: MockWfm): RecordedExchange[] => mock.traffic().filter((e): e is RecordedExchange => e.type === 'exchange');

describe('scenario faults for a device client under test', () => {
  it('imposter-tls-after-ca-download: later handshakes present an unrelated chain and the client alert is recorded', async () => {
    const { mock, probe } = await start([{ kind: 'imposter-tls-after-ca-download' }]);
    expect((await probe.send('GET', '/api/v1/onboarding/certificate')).status).toBe(200);
    const pinned = createHttpClient({ caPem: mock.caPem, timeoutMs: 5000 });
    const err = await pinned.send({ method: 'GET', url: `${mock.url}/api/v1/onboarding/certificate`, headers: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await pinned.close();
    expect(isConformanceError(err, 'TLS_SETUP_FAILED')).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    const tls = mock.traffic().filter((e): e is RecordedTlsEvent => e.type === 'tls');
    expect(tls[0]).toMatchObject({ kind: 'handshake-ok', servedCertificate: 'genuine', afterCaDownload: false });
    const refused = tls.find((e) => e.kind === 'handshake-failed');
    // Node clients drop the connection without an alert; the refusal is still recorded, with the peer address.
    expect(refused).toMatchObject({ servedCertificate: 'imposter', afterCaDownload: true });
    expect(refused?.remote).toMatch(/^127\.0\.0\.1:\d+$/);
    // An OpenSSL client sends the alert, and the mock records it.
    const caFile = join(await mkdtemp(join(tmpdir(), 'margo-ca-')), 'ca.pem');
    await writeFile(caFile, mock.caPem);
    await opensslConnect(mock.port, caFile);
    await new Promise((r) => setTimeout(r, 100));
    const alerts = mock.traffic().filter((e): e is RecordedTlsEvent => e.type === 'tls' && e.alert !== undefined);
    expect(alerts.map((e) => [e.alert, e.servedCertificate])).toContainEqual(['unknown ca', 'imposter']);
    // A client that does not pin (trusts anything) would go on talking to the imposter.
    const careless = createHttpClient({ insecure: true, timeoutMs: 5000 });
    const res = await careless.send({ method: 'GET', url: `${mock.url}/api/v1/onboarding/certificate`, headers: {} });
    await careless.close();
    expect(res.status).toBe(200);
    expect(mock.traffic().some((e) => e.type === 'tls' && e.kind === 'handshake-ok' && e.servedCertificate === 'imposter')).toBe(true);
  });

  it('imposter-tls-after-ca-download: a TLS session from before the switch is not resumed after it', async () => {
    const { mock, probe } = await start([{ kind: 'imposter-tls-after-ca-download' }]);
    const first = await handshake(mock.port);
    expect((await handshake(mock.port, first.session)).reused).toBe(true);
    await probe.send('GET', '/api/v1/onboarding/certificate');
    const after = await handshake(mock.port, first.session);
    expect(after.reused).toBe(false);
    expect(after.fingerprint).not.toBe(first.fingerprint);
  });

  it('status: answers N requests of a route with 429 + Retry-After, then behaves', async () => {
    const { mock, probe } = await start([{ kind: 'status', route: 'onboarding', status: 429, retryAfterSeconds: 7, times: 2 }]);
    const device = await (await createClientPki()).leaf();
    const first = await probe.onboard(device);
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('7');
    expect((await probe.onboard(device)).status).toBe(429);
    expect((await probe.onboard(device)).status).toBe(201);
    expect(exchanges(mock).filter((e) => e.route === 'onboarding').map((e) => e.clientFaultsApplied ?? [])).toEqual([['status:429'], ['status:429'], []]);
  });

  it('stall: delays the route and records that it did', async () => {
    const { mock, probe } = await start([{ kind: 'stall', route: 'certificate', ms: 300 }]);
    expect((await probe.send('GET', '/api/v1/onboarding/certificate')).status).toBe(200);
    const [ex] = exchanges(mock);
    expect(ex?.clientFaultsApplied).toEqual(['stall:300']);
    expect(ex?.durationMs).toBeGreaterThanOrEqual(290);
  });

  it('reject-onboarding answers 403 Client rejected; bad-certificate-response answers 400 Invalid certificate', async () => {
    const device = await (await createClientPki()).leaf();
    const rejecting = await start([{ kind: 'reject-onboarding' }]);
    const r = await rejecting.probe.onboard(device);
    expect([r.status, jsonOf(r)['error']]).toEqual([403, 'Client rejected']);
    const bad = await start([{ kind: 'bad-certificate-response' }]);
    const b = await bad.probe.onboard(device);
    expect([b.status, jsonOf(b)['error']]).toEqual([400, 'Invalid certificate']);
  });

  it('per-client faults set through the admin handle touch only that client', async () => {
    const { mock, probe } = await start([]);
    const pki = await createClientPki();
    const a = await pki.leaf();
    const b = await pki.leaf();
    const idA = jsonOf(await probe.onboard(a))['clientId'] as string;
    const idB = jsonOf(await probe.onboard(b))['clientId'] as string;
    await mock.state.setClientFaults(idA, [{ kind: 'status', route: 'capabilitiesCreate', status: 503, retryAfterSeconds: 1, times: 1 }]);
    const caps = (id: string, cert: typeof a) =>
      probe.send('POST', `/api/v1/clients/${id}/capabilities`, { body: buildCapabilities(profile, { deviceId: 'd' }), sign: { cert } }).then((r) => r.status);
    expect(await caps(idB, b)).toBe(201);
    expect(await caps(idA, a)).toBe(503);
    expect(await caps(idA, a)).toBe(201);
    expect(mock.state.clientFaults()[idA]).toHaveLength(1);
  });
});
