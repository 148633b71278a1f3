import { createServer, type Server, type ServerOptions } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConformanceError } from '../errors.js';
import { generateTestPki, type TestPki } from '../pki/index.js';
import { createHttpClient, type HttpClient } from './https-client.js';

const servers: Server[] = [];
const clients: HttpClient[] = [];
let pki: TestPki<'ec-p256'>;

async function serveHttps(options: ServerOptions): Promise<string> {
  const server = createServer(options, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/hang') return; // never answers
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url, received: Buffer.concat(chunks).toString('utf8'), xTest: req.headers['x-test'] }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(trust: Parameters<typeof createHttpClient>[0]): HttpClient {
  const c = createHttpClient(trust);
  clients.push(c);
  return c;
}

async function failure(promise: Promise<unknown>): Promise<ConformanceError> {
  const err = await promise.then(
    () => new Error('expected the request to fail'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConformanceError);
  return err as ConformanceError;
}

beforeAll(async () => {
  pki = await generateTestPki({ clientKeyTypes: ['ec-p256'] });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

describe('createHttpClient', () => {
  it('sends a request to a server whose root CA is pinned and records the TLS facts', async () => {
    const base = await serveHttps({ key: pki.server.privateKeyPem, cert: pki.server.chainPem });
    const http = client({ caPem: pki.rootCa.certPem, minVersion: 'TLSv1.3' });
    const body = new TextEncoder().encode('{"kind":"OnboardingRequest"}');
    const res = await http.send({ method: 'POST', url: `${base}/api/v1/onboarding`, headers: { 'content-type': 'application/json', 'x-test': 'yes' }, body });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString('utf8'))).toEqual({ method: 'POST', url: '/api/v1/onboarding', received: '{"kind":"OnboardingRequest"}', xTest: 'yes' });
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['set-cookie']).toBe('a=1, b=2');
    expect(res.tls).toMatchObject({ protocol: 'TLSv1.3', authorized: true });
    expect(res.durationMs).toBeGreaterThanOrEqual(0);
    const again = await http.send({ method: 'GET', url: `${base}/again`, headers: {} });
    expect(again.tls).toMatchObject({ protocol: 'TLSv1.3', authorized: true });
  });

  it('throws TLS_SETUP_FAILED with the OpenSSL code when a different root CA is pinned', async () => {
    const base = await serveHttps({ key: pki.server.privateKeyPem, cert: pki.server.chainPem });
    const err = await failure(client({ caPem: pki.unknownCa.certPem }).send({ method: 'GET', url: `${base}/`, headers: {} }));
    expect(err.code).toBe('TLS_SETUP_FAILED');
    expect(err.details?.tlsCode).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('never falls back to the system store when pinned (self-signed server)', async () => {
    const bad = pki.bad['self-signed'];
    const base = await serveHttps({ key: bad.privateKeyPem, cert: bad.chainPem });
    const err = await failure(client({ caPem: pki.rootCa.certPem }).send({ method: 'GET', url: `${base}/`, headers: {} }));
    expect(err.details?.tlsCode).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('fails against a TLS 1.2-only server when minVersion is TLSv1.3', async () => {
    const base = await serveHttps({ key: pki.server.privateKeyPem, cert: pki.server.chainPem, maxVersion: 'TLSv1.2' });
    const err = await failure(client({ caPem: pki.rootCa.certPem, minVersion: 'TLSv1.3' }).send({ method: 'GET', url: `${base}/`, headers: {} }));
    expect(err.code).toBe('TLS_SETUP_FAILED');
    expect(err.details?.tlsCode).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
  });

  it('throws TARGET_UNREACHABLE for a closed port', async () => {
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const err = await failure(client({ caPem: pki.rootCa.certPem }).send({ method: 'GET', url: `https://127.0.0.1:${port}/`, headers: {} }));
    expect(err.code).toBe('TARGET_UNREACHABLE');
    expect(err.details?.code).toBe('ECONNREFUSED');
  });

  it('throws TARGET_UNREACHABLE when no response arrives within timeoutMs', async () => {
    const base = await serveHttps({ key: pki.server.privateKeyPem, cert: pki.server.chainPem });
    const err = await failure(client({ caPem: pki.rootCa.certPem }).send({ method: 'GET', url: `${base}/hang`, headers: {} }, { timeoutMs: 200 }));
    expect(err.code).toBe('TARGET_UNREACHABLE');
    expect(err.details?.code).toBe('ETIMEDOUT');
  });

  it('counts a stalled TLS handshake against the request timeout, not the connect timeout', async () => {
    // Accepts TCP and never sends a ServerHello; reads (and drops) the ClientHello so it sees the client's FIN.
    const silent = createNetServer((socket) => void socket.on('error', () => socket.destroy()).resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const accepted: number[] = [];
    silent.on('connection', () => accepted.push(performance.now()));
    try {
      // The connect timeout (60 s) is far beyond the test's own timeout: only the request timeout can end this.
      const http = createHttpClient({ caPem: pki.rootCa.certPem, timeoutMs: 60_000 });
      const started = performance.now();
      const err = await failure(http.send({ method: 'GET', url: `https://127.0.0.1:${port}/`, headers: {} }, { timeoutMs: 300 }));
      expect(err.code).toBe('TARGET_UNREACHABLE');
      expect(err.details).toMatchObject({ code: 'ETIMEDOUT', timeoutMs: 300 });
      expect(accepted.length).toBe(1);
      expect(performance.now() - started).toBeLessThan(30_000);
      // The abandoned handshake is closed at once: close() returns, and so does the server's close below (it waits
      // for every accepted socket to close).
      await http.close();
    } finally {
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }, 45_000);

  it('throws TIMEOUT when the caller aborts', async () => {
    const base = await serveHttps({ key: pki.server.privateKeyPem, cert: pki.server.chainPem });
    const controller = new AbortController();
    const pending = client({ caPem: pki.rootCa.certPem }).send({ method: 'GET', url: `${base}/hang`, headers: {} }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect((await failure(pending)).code).toBe('TIMEOUT');
  });

  it('connects in insecure mode and reports authorized false', async () => {
    const bad = pki.bad['self-signed'];
    const base = await serveHttps({ key: bad.privateKeyPem, cert: bad.chainPem });
    const res = await client({ caPem: pki.rootCa.certPem, insecure: true }).send({ method: 'GET', url: `${base}/`, headers: {} });
    expect(res.status).toBe(200);
    expect(res.tls?.authorized).toBe(false);
    expect(res.tls?.errorMessage).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('uses servername for the host check when dialling an IP address', async () => {
    const base = await serveHttps({ key: pki.server.privateKeyPem, cert: pki.server.chainPem });
    const ok = await client({ caPem: pki.rootCa.certPem, servername: 'localhost' }).send({ method: 'GET', url: `${base}/`, headers: {} });
    expect(ok.tls?.authorized).toBe(true);
    const err = await failure(client({ caPem: pki.rootCa.certPem, servername: 'wfm.example' }).send({ method: 'GET', url: `${base}/`, headers: {} }));
    expect(err.details?.tlsCode).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('throws TARGET_URL_INVALID for a URL that does not parse', async () => {
    const err = await failure(client({}).send({ method: 'GET', url: 'not a url', headers: {} }));
    expect(err.code).toBe('TARGET_URL_INVALID');
  });
});
