import { describe, expect, it } from 'vitest';
import { allOf, bodyExcerpt, BODY_EXCERPT_BYTES, exchangeEvidence, expectHeader, expectRejected, expectSchema, expectStatus, noResponseReason, pass } from './expect.js';
import type { ObservedExchange } from './expect.js';

const request = { method: 'POST', url: 'https://wfm.example/api/v1/onboarding', headers: { signature: 'sig1=:AAAA:' }, body: Buffer.from('{}') };

function answered(status: number, body = '', headers: Record<string, string> = {}): ObservedExchange {
  return { label: 'probe', request, response: { status, headers, body: Buffer.from(body) }, signatureBase: '"@method": POST' };
}

const dropped: ObservedExchange = { label: 'probe', request, transportError: { code: 'ECONNRESET', message: 'socket hang up' } };

describe('expectStatus', () => {
  it('passes on a listed status and fails a MUST otherwise, with expected and actual', () => {
    expect(expectStatus(answered(201), [201]).status).toBe('pass');
    const v = expectStatus(answered(200, '{"clientId":"a"}'), [201]);
    expect(v).toMatchObject({ status: 'fail', expected: '201', actual: '200 {"clientId":"a"}' });
  });

  it('warns instead of failing for SHOULD and MAY clauses', () => {
    expect(expectStatus(answered(500), [200], { level: 'SHOULD' }).status).toBe('warn');
  });

  it('is inconclusive when no response arrived', () => {
    expect(expectStatus(dropped, [201]).status).toBe('inconclusive');
  });
});

describe('expectRejected', () => {
  it('passes only when the refusal was answered with a listed status', () => {
    expect(expectRejected(answered(401), [401]).status).toBe('pass');
    expect(expectRejected(answered(201), [401])).toMatchObject({ status: 'fail', message: 'probe: accepted with 201' });
    expect(expectRejected(answered(500), [401]).status).toBe('fail');
  });

  it('is inconclusive for a transport failure: a closed connection is no refusal', () => {
    const v = expectRejected(dropped, [401]);
    expect(v.status).toBe('inconclusive');
    expect(v.evidence[0]).toMatchObject({ kind: 'exchange', transportError: 'ECONNRESET: socket hang up' });
  });
});

describe('noResponseReason', () => {
  it('gives the transport code, or for a TLS failure the sentence that names the pinned root CA', () => {
    expect(noResponseReason(dropped)).toBe('ECONNRESET');
    const tlsFailed: ObservedExchange = {
      label: 'probe',
      request,
      transportError: { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: 'the served TLS chain does not verify against the pinned root CA: UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
      tls: { errorCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', authorized: false },
    };
    expect(noResponseReason(tlsFailed)).toBe('the served TLS chain does not verify against the pinned root CA: UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(expectStatus(tlsFailed, [201]).message).toBe('probe: no HTTP response (the served TLS chain does not verify against the pinned root CA: UNABLE_TO_VERIFY_LEAF_SIGNATURE)');
  });
});

describe('evidence', () => {
  it('records the exchange and the signature base as data', () => {
    const [exchange, base] = exchangeEvidence(answered(400, '{"error":"x"}'));
    expect(exchange).toMatchObject({ kind: 'exchange', request: { method: 'POST', body: '{}' }, response: { status: 400, body: '{"error":"x"}' } });
    expect(base).toEqual({ kind: 'signature-base', label: 'probe', base: '"@method": POST' });
  });

  it('cuts long bodies and marks binary ones as base64', () => {
    expect(bodyExcerpt(Buffer.alloc(BODY_EXCERPT_BYTES + 10, 0x61))).toMatch(/… \(4106 bytes in all\)$/);
    expect(bodyExcerpt(Buffer.from([0xff, 0xfe, 0x00]))).toBe('[base64] //4A');
    expect(bodyExcerpt(new Uint8Array(0))).toBeUndefined();
  });
});

describe('expectSchema, expectHeader, allOf', () => {
  const registry = {
    validate: (_name: string, value: unknown) =>
      typeof (value as { clientId?: unknown }).clientId === 'string'
        ? { ok: true, errors: [] }
        : { ok: false, errors: [{ instancePath: '/clientId', keyword: 'type', message: '/clientId: must be string (found integer 12)' }] },
  };

  it('fails with readable schema errors as evidence', () => {
    const v = expectSchema(registry, 'rfc9421-v1/onboarding-response', { clientId: 12 }, 'onboarding body');
    expect(v.status).toBe('fail');
    expect(v.message).toContain('/clientId: must be string (found integer 12)');
    expect(v.evidence[0]).toMatchObject({ kind: 'schema-errors', schema: 'rfc9421-v1/onboarding-response' });
    expect(expectSchema(registry, 's', { clientId: 'a' }, 'body').status).toBe('pass');
  });

  it('judges a response header case-insensitively', () => {
    const x = answered(200, '', { ETag: '"sha256:ab"' });
    expect(expectHeader(x, 'etag', (v) => (v === undefined ? 'is missing' : undefined), 'an ETag').status).toBe('pass');
    expect(expectHeader(answered(200), 'etag', (v) => (v === undefined ? 'is missing' : undefined), 'an ETag').status).toBe('fail');
  });

  it('returns the first non-pass verdict of allOf', () => {
    const failed = expectStatus(answered(500), [200]);
    expect(allOf([pass('a'), failed], 'all good').status).toBe('fail');
    expect(allOf([pass('a'), pass('b')], 'all good')).toMatchObject({ status: 'pass', message: 'all good' });
  });
});
