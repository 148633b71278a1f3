import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { createServer, type Server, type TlsOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConformanceError } from '../errors.js';
import { BAD_CERT_FACTS, BAD_CERT_NAMES, checkLeafProfile, generateTestPki, type TestPki } from '../pki/index.js';
import { fetchPeerChain, probeTls, verifyChainAgainstRoot } from './tls-probe.js';

const TIMEOUT_MS = 5_000;
const servers: Server[] = [];

async function serve(options: TlsOptions): Promise<number> {
  const server = createServer(options, (socket) => socket.end());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let pki: TestPki<'ec-p256'>;
let chained: TestPki<'ec-p256'>;

beforeAll(async () => {
  [pki, chained] = await Promise.all([
    generateTestPki({ clientKeyTypes: ['ec-p256'] }),
    generateTestPki({ clientKeyTypes: ['ec-p256'], withIntermediate: true }),
  ]);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

describe('probeTls', () => {
  it('completes a TLS 1.3 handshake with the good server leaf when the root CA is pinned', async () => {
    const port = await serve({ key: pki.server.privateKeyPem, cert: pki.server.chainPem });
    const facts = await probeTls({ host: '127.0.0.1', port, caPem: pki.rootCa.certPem, minVersion: 'TLSv1.3', timeoutMs: TIMEOUT_MS });
    expect(facts).toMatchObject({ protocol: 'TLSv1.3', authorized: true });
    expect(facts.cipher).toMatch(/^TLS_/);
    expect(facts.errorCode).toBeUndefined();
  });

  it('checks the host against servername when dialling an IP address', async () => {
    const port = await serve({ key: pki.server.privateKeyPem, cert: pki.server.chainPem });
    const ok = await probeTls({ host: '127.0.0.1', port, servername: 'localhost', caPem: pki.rootCa.certPem, timeoutMs: TIMEOUT_MS });
    expect(ok.authorized).toBe(true);
    const wrong = await probeTls({ host: '127.0.0.1', port, servername: 'wfm.example', caPem: pki.rootCa.certPem, timeoutMs: TIMEOUT_MS });
    expect(wrong.errorCode).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('fails when a different root CA is pinned', async () => {
    const port = await serve({ key: pki.server.privateKeyPem, cert: pki.server.chainPem });
    const facts = await probeTls({ host: '127.0.0.1', port, caPem: pki.unknownCa.certPem, timeoutMs: TIMEOUT_MS });
    expect(facts).toMatchObject({ authorized: false, errorCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  describe.each(BAD_CERT_NAMES.filter((n) => BAD_CERT_FACTS[n].expectedTlsError !== undefined))(
    'bad server leaf %s',
    (name) => {
      it(`fails with ${BAD_CERT_FACTS[name].expectedTlsError}`, async () => {
        const bad = pki.bad[name];
        const port = await serve({ key: bad.privateKeyPem, cert: bad.chainPem });
        const facts = await probeTls({ host: '127.0.0.1', port, caPem: pki.rootCa.certPem, timeoutMs: TIMEOUT_MS });
        expect(facts.authorized).toBe(false);
        expect(facts.errorCode).toBe(BAD_CERT_FACTS[name].expectedTlsError);
      });
    },
  );

  it('reports SELF_SIGNED_CERT_IN_CHAIN for an unknown-CA leaf served with its rogue root', async () => {
    const bad = pki.bad['unknown-ca'];
    const port = await serve({ key: bad.privateKeyPem, cert: bad.chainPem + pki.unknownCa.certPem });
    const facts = await probeTls({ host: '127.0.0.1', port, caPem: pki.rootCa.certPem, timeoutMs: TIMEOUT_MS });
    expect(facts.errorCode).toBe(BAD_CERT_FACTS['unknown-ca'].expectedTlsErrorWithRoot);
  });

  it('accepts a CA:true leaf (OpenSSL does) while checkLeafProfile reports it', async () => {
    const bad = pki.bad['ca-true-leaf'];
    const port = await serve({ key: bad.privateKeyPem, cert: bad.chainPem });
    const facts = await probeTls({ host: '127.0.0.1', port, caPem: pki.rootCa.certPem, timeoutMs: TIMEOUT_MS });
    expect(facts.authorized).toBe(true);
    expect(checkLeafProfile(bad.x509, Math.floor(Date.now() / 1000))).toContain('basicConstraints CA:true on a leaf');
  });

  it('verifies a leaf + intermediate chain against the pinned root', async () => {
    const port = await serve({ key: chained.server.privateKeyPem, cert: chained.server.chainPem });
    const facts = await probeTls({ host: '127.0.0.1', port, caPem: chained.rootCa.certPem, timeoutMs: TIMEOUT_MS });
    expect(facts).toMatchObject({ authorized: true, protocol: 'TLSv1.3' });
  });

  it('fails when the server omits the intermediate', async () => {
    const port = await serve({ key: chained.server.privateKeyPem, cert: chained.server.certPem });
    const facts = await probeTls({ host: '127.0.0.1', port, caPem: chained.rootCa.certPem, timeoutMs: TIMEOUT_MS });
    expect(facts.errorCode).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('reports a protocol-version failure against a TLS 1.2-only server when TLS 1.3 is required', async () => {
    const port = await serve({ key: pki.server.privateKeyPem, cert: pki.server.chainPem, maxVersion: 'TLSv1.2' });
    const facts = await probeTls({ host: '127.0.0.1', port, caPem: pki.rootCa.certPem, minVersion: 'TLSv1.3', timeoutMs: TIMEOUT_MS });
    expect(facts.authorized).toBe(false);
    expect(facts.errorCode).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
  });

  it('throws TARGET_UNREACHABLE for a closed port', async () => {
    const port = await closedPort();
    const err = await probeTls({ host: '127.0.0.1', port, timeoutMs: TIMEOUT_MS }).catch((e: unknown) => e);
    expect(isConformanceError(err, 'TARGET_UNREACHABLE')).toBe(true);
    expect((err as { details?: Record<string, unknown> }).details?.code).toBe('ECONNREFUSED');
  });
});

describe('fetchPeerChain', () => {
  it('returns leaf then intermediate as presented, and the chain verifies against the root', async () => {
    const port = await serve({ key: chained.server.privateKeyPem, cert: chained.server.chainPem });
    const { certificates, tls } = await fetchPeerChain({ host: '127.0.0.1', port, timeoutMs: TIMEOUT_MS });
    expect(certificates.map((c) => c.fingerprint256)).toEqual([chained.server.x509.fingerprint256, chained.intermediate?.x509.fingerprint256]);
    expect(tls.protocol).toBe('TLSv1.3');
    const nowSeconds = Math.floor(Date.now() / 1000);
    expect(verifyChainAgainstRoot(certificates, chained.rootCa.x509, '127.0.0.1', nowSeconds)).toEqual({ ok: true });
    expect(verifyChainAgainstRoot(certificates, pki.rootCa.x509, '127.0.0.1', nowSeconds).ok).toBe(false);
  });

  it('returns a self-signed leaf without verifying it', async () => {
    const bad = pki.bad['self-signed'];
    const port = await serve({ key: bad.privateKeyPem, cert: bad.chainPem });
    const { certificates } = await fetchPeerChain({ host: '127.0.0.1', port, timeoutMs: TIMEOUT_MS });
    expect(certificates).toHaveLength(1);
    expect(certificates[0]?.fingerprint256).toBe(bad.x509.fingerprint256);
  });

  it('throws TARGET_UNREACHABLE for a closed port', async () => {
    const port = await closedPort();
    await expect(fetchPeerChain({ host: '127.0.0.1', port, timeoutMs: TIMEOUT_MS })).rejects.toMatchObject({ code: 'TARGET_UNREACHABLE' });
  });
});
