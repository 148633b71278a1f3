/**
 * Known-answer tests: RFC 9421 Appendix B.2 vectors (fixtures/rfc9421/appendix-b2-vectors.json) with the Appendix B.1
 * keys (fixtures/rfc9421/keys/).
 */
import { createPrivateKey, createPublicKey, createSecretKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSigner, createVerifier, httpbis } from 'http-message-signatures';
import { describe, expect, test } from 'vitest';
import { packagePath } from '../paths.js';
import { ALL_ALGORITHMS } from './algorithms.js';
import { parseComponentId } from './components.js';
import { defaultVerifyPolicy } from './policy.js';
import type { VerifyPolicy } from './policy.js';
import { signRequest } from './sign.js';
import { buildSignatureBaseForRequest, formatBase, prepareComponents, serializeSignatureParams } from './signature-base.js';
import type { HttpRequestParts, HttpResponseParts, SignatureParams } from './types.js';
import { verifyRequest, verifyResponse } from './verify.js';

interface Vector {
  id: string;
  title: string;
  message: 'request' | 'response';
  algorithm: string;
  key: string;
  deterministic: boolean;
  label: string;
  components: string[];
  params: SignatureParams;
  signatureBase: string;
  signatureInput: string;
  signature: string;
}
interface WireMessage {
  headers: Record<string, string>;
  body: string;
}
interface VectorFile {
  testRequest: WireMessage & { method: string; url: string };
  testResponse: WireMessage & { status: number };
  vectors: Vector[];
}

const fixture = JSON.parse(readFileSync(packagePath('fixtures', 'rfc9421', 'appendix-b2-vectors.json'), 'utf8')) as VectorFile;
const keyText = (file: string): string => readFileSync(packagePath('fixtures', 'rfc9421', 'keys', file), 'utf8');
const vector = (id: string): Vector => {
  const found = fixture.vectors.find((v) => v.id === id);
  if (!found) throw new Error(`vector ${id} missing from the fixture`);
  return found;
};

function testRequest(extraHeaders: Record<string, string> = {}): HttpRequestParts {
  const { method, url, headers, body } = fixture.testRequest;
  return { method, url, headers: { ...headers, ...extraHeaders }, body: new TextEncoder().encode(body) };
}

function testResponse(extraHeaders: Record<string, string> = {}): HttpResponseParts {
  const { status, headers, body } = fixture.testResponse;
  return { status, headers: { ...headers, ...extraHeaders }, body: new TextEncoder().encode(body) };
}

/** The vectors are from 2021: verify at their created time, with no Margo-specific demands. */
const vectorPolicy: VerifyPolicy = defaultVerifyPolicy(1618884473, {
  requiredComponents: [],
  allowedAlgorithms: ALL_ALGORITHMS,
  requireContentDigestOnBody: false,
});

const signedHeaders = (v: Vector): Record<string, string> => ({ 'signature-input': v.signatureInput, signature: v.signature });
const publicKeyOf = (v: Vector): KeyObject => createPublicKey(keyText(v.key));
const sharedSecret = (): Buffer => Buffer.from(keyText('test-shared-secret.txt').trim(), 'base64');

function expectedBase(v: Vector): string {
  const components = v.components.map((c) => parseComponentId(c));
  const message = v.message === 'request' ? testRequest() : testResponse();
  return formatBase(message, prepareComponents(components), serializeSignatureParams(components, v.params));
}

describe('RFC 9421 Appendix B.2 signature bases', () => {
  for (const v of fixture.vectors) {
    test(`RFC 9421 Appendix ${v.id} (${v.title}): signature base rebuilt byte for byte`, () => {
      expect(expectedBase(v)).toBe(v.signatureBase);
      const components = v.components.map((c) => parseComponentId(c));
      expect(`${v.label}=${serializeSignatureParams(components, v.params)}`).toBe(v.signatureInput);
    });

    test(`RFC 9421 Appendix ${v.id}: http-message-signatures builds the same base`, () => {
      const fields = [...v.components.map((c) => parseComponentId(c).serialized)];
      const message = v.message === 'request' ? testRequest() : testResponse();
      const lines = httpbis.createSignatureBase({ fields }, message as Parameters<typeof httpbis.createSignatureBase>[1]);
      const params = v.signatureInput.slice(v.label.length + 1);
      lines.push(['"@signature-params"', [params]]);
      expect(httpbis.formatSignatureBase(lines)).toBe(v.signatureBase);
    });
  }

  test('buildSignatureBaseForRequest reproduces B.2.2 (@query-param with a name parameter, tag)', () => {
    const v = vector('B.2.2');
    expect(buildSignatureBaseForRequest(testRequest(), v.components, v.params)).toBe(v.signatureBase);
  });
});

describe('RFC 9421 Appendix B.2 signatures verify', () => {
  for (const id of ['B.2.1', 'B.2.2', 'B.2.3']) {
    test(`RFC 9421 Appendix ${id} rsa-pss-sha512 signature verifies (salt length exactly 64)`, async () => {
      const v = vector(id);
      const outcome = await verifyRequest(testRequest(signedHeaders(v)), vectorPolicy, () => publicKeyOf(v));
      expect(outcome).toMatchObject({ ok: true, label: v.label, algorithm: 'rsa-pss-sha512', created: 1618884473, keyid: 'test-key-rsa-pss' });
      expect(outcome.signatureBase).toBe(v.signatureBase);
    });
  }

  test('RFC 9421 Appendix B.2.4 ecdsa-p256-sha256 response signature verifies (raw r||s)', async () => {
    const v = vector('B.2.4');
    const outcome = await verifyResponse(testResponse(signedHeaders(v)), vectorPolicy, () => publicKeyOf(v));
    expect(outcome).toMatchObject({ ok: true, label: 'sig-b24', algorithm: 'ecdsa-p256-sha256' });
    expect(outcome.signatureBase).toBe(v.signatureBase);
  });

  test('RFC 9421 Appendix B.2.5 hmac-sha256 signature verifies through http-message-signatures', async () => {
    const v = vector('B.2.5');
    const verifier = createVerifier(sharedSecret(), 'hmac-sha256');
    const result = await httpbis.verifyMessage(
      { keyLookup: async () => ({ id: 'test-shared-secret', algs: ['hmac-sha256'], verify: verifier }) },
      testRequest(signedHeaders(v)),
    );
    expect(result).toBe(true);
  });

  test('RFC 9421 Appendix B.2.6 ed25519 signature verifies', async () => {
    const v = vector('B.2.6');
    const outcome = await verifyRequest(testRequest(signedHeaders(v)), vectorPolicy, () => publicKeyOf(v));
    expect(outcome).toMatchObject({ ok: true, label: 'sig-b26', algorithm: 'ed25519', keyid: 'test-key-ed25519' });
  });

  test('RFC 9421 Appendix B.2.3 fails once a covered field changes (date)', async () => {
    const v = vector('B.2.3');
    const req = testRequest({ ...signedHeaders(v), date: 'Tue, 20 Apr 2021 02:07:56 GMT' });
    const outcome = await verifyRequest(req, vectorPolicy, () => publicKeyOf(v));
    expect(outcome).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(outcome.signatureBase).toContain('"date": Tue, 20 Apr 2021 02:07:56 GMT');
  });

  test('RFC 9421 Appendix B.2.6 is refused when the policy allows only the four Margo algorithms', async () => {
    const v = vector('B.2.6');
    const policy = { ...vectorPolicy, allowedAlgorithms: defaultVerifyPolicy(0).allowedAlgorithms };
    const outcome = await verifyRequest(testRequest(signedHeaders(v)), policy, () => publicKeyOf(v));
    expect(outcome).toMatchObject({ ok: false, reason: 'unsupported-algorithm' });
  });

  test('RFC 9421 Appendix B.2.1 with a secret KeyObject is unsupported-algorithm, not a crash', async () => {
    const v = vector('B.2.1');
    const outcome = await verifyRequest(testRequest(signedHeaders(v)), vectorPolicy, () => createSecretKey(sharedSecret()));
    expect(outcome).toMatchObject({ ok: false, reason: 'unsupported-algorithm' });
  });
});

describe('RFC 9421 Appendix B.2 deterministic signatures reproduced', () => {
  test('RFC 9421 Appendix B.2.6 ed25519 signature reproduced byte for byte', async () => {
    const v = vector('B.2.6');
    const signed = await signRequest(testRequest(), {
      privateKey: createPrivateKey(keyText(v.key)),
      keyid: 'test-key-ed25519',
      created: 1618884473,
      algorithm: 'ed25519',
      label: v.label,
      components: v.components,
    });
    expect(signed.signatureBase).toBe(v.signatureBase);
    expect(signed.request.headers['signature-input']).toBe(v.signatureInput);
    expect(signed.request.headers['signature']).toBe(v.signature);
  });

  test('RFC 9421 Appendix B.2.5 hmac-sha256 signature reproduced byte for byte through http-message-signatures', async () => {
    const v = vector('B.2.5');
    const signed = await httpbis.signMessage(
      {
        key: createSigner(sharedSecret(), 'hmac-sha256', 'test-shared-secret'),
        name: v.label,
        fields: v.components,
        params: ['created', 'keyid'],
        paramValues: { created: new Date(1618884473 * 1000) },
      },
      testRequest(),
    );
    expect(signed.headers['Signature-Input']).toBe(v.signatureInput);
    expect(signed.headers['Signature']).toBe(v.signature);
  });
});
