/**
 * Hardening over real loopback sockets: body limit (413), malformed JSON (400 with a clear message), wrong method
 * (405 + Allow), unknown path (404), oversized headers (431), and a fuzz run of a few thousand malformed requests
 * after which a valid signed request still succeeds and no request ever made the mock fail (no 500).
 */
import { randomBytes } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCapabilities, getProfile } from '../core/profiles/index.js';
import { createClientPki, createProbe, jsonOf, type Probe } from '../test/support/mock-probe.js';
import type { IssuedCertificate } from '../core/pki/index.js';
import { startMockWfm, type MockLogEntry, type MockWfm } from './index.js';

const profile = getProfile('rfc9421-v1');
let mock: MockWfm;
let probe: Probe;
let device: IssuedCertificate;
let clientId: string;
const logs: MockLogEntry[] = [];

beforeAll(async () => {
  mock = await startMockWfm({ bodyLimitBytes: 64 * 1024, log: (e) => logs.push(e), recordLimit: 10_000 });
  probe = createProbe(mock);
  device = await (await createClientPki()).leaf();
  clientId = jsonOf(await probe.onboard(device))['clientId'] as string;
});
afterAll(async () => {
  await probe.close();
  await mock.close();
});

/** Sends raw bytes over TLS (or plain TCP); resolves with the status line of whatever came back ('' if none). */
function raw(payload: Buffer | string, opts: { tls?: boolean; end?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    const useTls = opts.tls ?? true;
    let data = '';
    const socket = useTls
      ? tlsConnect({ host: '127.0.0.1', port: mock.port, ca: mock.caPem, servername: 'localhost' })
      : netConnect({ host: '127.0.0.1', port: mock.port });
    const timer = setTimeout(() => socket.destroy(), 3000);
    socket.once(useTls ? 'secureConnect' : 'connect', () => {
      socket.write(payload);
      if (opts.end === true) socket.end();
    });
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    socket.on('error', () => undefined); // resets are an expected answer to garbage
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(data.split('\r\n')[0] ?? '');
    });
  });
}

async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

describe('hardening', () => {
  it('answers 413 to a body over the limit and closes the connection', async () => {
    const res = await probe.send('POST', '/api/v1/onboarding', { body: Buffer.alloc(70 * 1024, 0x61) });
    expect(res.status).toBe(413);
    expect(res.headers['connection']).toBe('close');
  });

  it('answers malformed JSON with 400 and a message naming the problem', async () => {
    const res = await probe.send('POST', '/api/v1/onboarding', { body: '{"apiVersion": "x", "kind": ', sign: { cert: device } });
    expect(res.status).toBe(400);
    expect(String(jsonOf(res)['message'])).toMatch(/not valid JSON/);
  });

  it('answers 405 with Allow for a wrong method and 404 for an unknown path', async () => {
    const wrong = await probe.send('DELETE', '/api/v1/onboarding');
    expect(wrong.status).toBe(405);
    expect(wrong.headers['allow']).toBe('POST');
    const cert = await probe.send('PUT', '/api/v1/onboarding/certificate');
    expect(cert.headers['allow']).toBe('GET');
    expect((await probe.send('GET', '/api/v2/nothing')).status).toBe(404);
    expect((await probe.send('GET', '/api/v1/clients//deployments')).status).toBe(404);
  });

  it('answers 431 to oversized headers', async () => {
    const line = await raw(`GET /api/v1/onboarding/certificate HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`);
    expect(line).toMatch(/^HTTP\/1\.1 431/);
  });

  it('survives thousands of malformed requests and still answers a valid signed one', async () => {
    const garbageTcp = Array.from({ length: 800 }, () => randomBytes(1 + Math.floor(Math.random() * 300)));
    const garbageHttp = Array.from({ length: 800 }, (_, i) =>
      i % 3 === 0
        ? randomBytes(200)
        : i % 3 === 1
          ? Buffer.from(`${['GET', 'POST', 'BREW', '\x00'][i % 4]} /${randomBytes(8).toString('hex')} HTTP/1.1\r\nHost: x\r\n${'X: \x01\r\n'.repeat(i % 5)}\r\n`)
          : Buffer.from(`POST /api/v1/onboarding HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"certificate":"`),
    );
    const bodies = [
      '{',
      '[]',
      'null',
      '{"certificate": 5}',
      '{"apiVersion":"a","kind":"OnboardingRequest","certificate":"%%%"}',
      '{"apiVersion":"a","kind":"OnboardingRequest","certificate":"TUlJQg=="}',
      randomBytes(100).toString('latin1'),
      '\u0000\u0001',
      JSON.stringify({ a: 'x'.repeat(1000) }),
    ];
    const requests = Array.from({ length: 1200 }, (_, i) => ({
      path: i % 2 === 0 ? '/api/v1/onboarding' : `/api/v1/clients/${i % 3 === 0 ? clientId : 'zz'}/capabilities`,
      body: bodies[i % bodies.length] ?? '',
      headers: (i % 4 === 0 ? { 'content-digest': 'sha-256=:AAAA:', 'signature-input': 'sig1=(', signature: 'sig1=:!!:' } : {}) as Record<string, string>,
    }));
    await inBatches(garbageTcp, 32, (b) => raw(b, { tls: false, end: true }));
    await inBatches(garbageHttp, 32, (b) => raw(b, { end: true }));
    await inBatches(requests, 16, (r) => probe.send('POST', r.path, { body: r.body, headers: r.headers }));
    const handshakeFailures = mock.traffic().filter((e) => e.type === 'tls' && e.kind === 'handshake-failed');
    expect(handshakeFailures.length).toBeGreaterThan(0);

    const ok = await probe.send('POST', `/api/v1/clients/${clientId}/capabilities`, { body: buildCapabilities(profile, { deviceId: 'd' }), sign: { cert: device } });
    expect(ok.status).toBe(201);
    expect(logs.filter((l) => l.status >= 500 || l.verdict === 'internal-error')).toEqual([]);
  }, 120_000);
});
