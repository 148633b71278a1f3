import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { computeContentDigest } from '../content-digest.js';
import { isConformanceError } from '../errors.js';
import { ALL_ALGORITHMS, isAlgorithmCompatible } from './algorithms.js';
import { keyIdForPublicKey } from './keyid.js';
import { defaultVerifyPolicy, httpStatusForFailure } from './policy.js';
import type { SignatureFailureReason, VerifyPolicy } from './policy.js';
import { createRequestSigner, signRequest } from './sign.js';
import { buildSignatureBaseForRequest } from './signature-base.js';
import type { HttpRequestParts } from './types.js';
import { verifyRequest } from './verify.js';

const NOW = 1_764_460_800;
type Pair = { privateKey: KeyObject; publicKey: KeyObject };
const KEYS: Record<string, Pair> = {
  'RSA-2048': generateKeyPairSync('rsa', { modulusLength: 2048 }),
  'RSA-3072': generateKeyPairSync('rsa', { modulusLength: 3072 }),
  'P-256': generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  'P-384': generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  Ed25519: generateKeyPairSync('ed25519'),
};
const p256 = KEYS['P-256'] as Pair;
const allAlgorithms = defaultVerifyPolicy(NOW, { allowedAlgorithms: ALL_ALGORITHMS });

const post = (): HttpRequestParts => ({
  method: 'POST',
  url: 'https://wfm.example:8443/api/v1/clients/c-1/deployments/d-1/status',
  headers: { 'content-type': 'application/json' },
  body: new TextEncoder().encode('{"apiVersion":"deployment.margo.org/v1alpha1","kind":"DeploymentStatusManifest"}'),
});
const get = (): HttpRequestParts => ({ method: 'GET', url: 'https://wfm.example/api/v1/clients/c-1/deployments', headers: {} });

async function signed(req: HttpRequestParts, extra: Partial<Parameters<typeof signRequest>[1]> = {}): Promise<HttpRequestParts> {
  const result = await signRequest(req, { privateKey: p256.privateKey, keyid: keyIdForPublicKey(p256.publicKey), created: NOW, ...extra });
  return result.request;
}

async function reasonFor(req: HttpRequestParts, policy: VerifyPolicy = defaultVerifyPolicy(NOW)): Promise<SignatureFailureReason | 'ok'> {
  const outcome = await verifyRequest(req, policy, () => p256.publicKey);
  return outcome.ok ? 'ok' : outcome.reason;
}

describe('sign → verify round trip for every algorithm and key type', () => {
  for (const [keyName, pair] of Object.entries(KEYS)) {
    for (const algorithm of ALL_ALGORITHMS.filter((a) => isAlgorithmCompatible(a, pair.privateKey))) {
      for (const includeAlgParam of [false, true]) {
        test(`${algorithm} with a ${keyName} key${includeAlgParam ? ' and the alg parameter' : ''}`, async () => {
          const keyid = keyIdForPublicKey(pair.publicKey);
          const result = await signRequest(post(), { privateKey: pair.privateKey, keyid, created: NOW, algorithm, includeAlgParam });
          expect(result.algorithm).toBe(algorithm);
          expect(result.request.headers['signature-input']?.includes(`;alg="${algorithm}"`)).toBe(includeAlgParam);
          const outcome = await verifyRequest(result.request, allAlgorithms, (id) => (id === keyid ? pair.publicKey : undefined));
          expect(outcome).toMatchObject({ ok: true, label: 'sig1', keyid, algorithm, created: NOW });
          expect(outcome.signatureBase).toBe(result.signatureBase);
        });
      }
    }
  }

  test('signing with an algorithm that does not fit the key throws KEY_UNSUPPORTED', async () => {
    const caught = await signRequest(post(), { privateKey: p256.privateKey, keyid: 'k', created: NOW, algorithm: 'ed25519' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isConformanceError(caught, 'KEY_UNSUPPORTED')).toBe(true);
  });
});

describe('signRequest', () => {
  test('produces the Margo headers: Content-Digest sha-256, sig1 over @method @target-uri content-digest, created and keyid', async () => {
    const req = post();
    const keyid = keyIdForPublicKey(p256.publicKey);
    const result = await signRequest(req, { privateKey: p256.privateKey, keyid, created: NOW });
    const headers = result.request.headers;
    expect(headers['content-digest']).toBe(computeContentDigest(req.body as Uint8Array));
    expect(headers['signature-input']).toBe(`sig1=("@method" "@target-uri" "content-digest");created=${NOW};keyid="${keyid}"`);
    expect(headers['signature']).toMatch(/^sig1=:[A-Za-z0-9+/]{86}==:$/);
    expect(result.signatureBase).toBe(
      [
        '"@method": POST',
        '"@target-uri": https://wfm.example:8443/api/v1/clients/c-1/deployments/d-1/status',
        `"content-digest": ${headers['content-digest']}`,
        `"@signature-params": ("@method" "@target-uri" "content-digest");created=${NOW};keyid="${keyid}"`,
      ].join('\n'),
    );
    expect(buildSignatureBaseForRequest(result.request, ['@method', '@target-uri', 'content-digest'], { created: NOW, keyid })).toBe(
      result.signatureBase,
    );
  });

  test('leaves the caller request untouched', async () => {
    const req = post();
    await signRequest(req, { privateKey: p256.privateKey, keyid: 'k', created: NOW });
    expect(Object.keys(req.headers)).toEqual(['content-type']);
  });

  test('a bodyless GET covers @method and @target-uri only and carries no Content-Digest', async () => {
    const req = await signed(get());
    expect(req.headers['content-digest']).toBeUndefined();
    expect(req.headers['signature-input']).toMatch(/^sig1=\("@method" "@target-uri"\);created=/);
    expect(await reasonFor(req)).toBe('ok');
  });

  test('lower-cases configured component ids (Margo writes "Content-Digest")', async () => {
    const req = await signed(post(), { components: ['@method', '@target-uri', 'Content-Digest'] });
    expect(req.headers['signature-input']).toContain('"content-digest"');
    expect(await reasonFor(req)).toBe('ok');
  });

  test('a covered header that the request lacks throws SIGNATURE_COMPONENT_UNRESOLVED', async () => {
    const caught = await signed(post(), { components: ['@method', 'date'] }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isConformanceError(caught, 'SIGNATURE_COMPONENT_UNRESOLVED')).toBe(true);
  });

  test('a prepared signer signs many requests with its label and key', () => {
    const signer = createRequestSigner({ privateKey: p256.privateKey, keyid: 'k', label: 'wfm' });
    const a = signer.sign(post(), NOW);
    const b = signer.sign(get(), NOW + 1);
    expect(a.request.headers['signature-input']).toMatch(/^wfm=\(/);
    expect(b.request.headers['signature-input']).toContain(`created=${NOW + 1}`);
    expect(() => createRequestSigner({ privateKey: p256.privateKey, keyid: 'k', label: 'Sig1' })).toThrow(/label/);
  });
});

describe('verifyRequest policy', () => {
  test('created exactly maxAge + skew old is accepted; one second more is stale-created', async () => {
    const policy = defaultVerifyPolicy(NOW + 300 + 60);
    expect(await reasonFor(await signed(post()), policy)).toBe('ok');
    expect(await reasonFor(await signed(post()), { ...policy, nowSeconds: NOW + 361 })).toBe('stale-created');
  });

  test('created up to clockSkewSeconds in the future is accepted; beyond is future-created', async () => {
    expect(await reasonFor(await signed(post()), defaultVerifyPolicy(NOW - 60))).toBe('ok');
    expect(await reasonFor(await signed(post()), defaultVerifyPolicy(NOW - 61))).toBe('future-created');
  });

  test('a signature without created is missing-created', async () => {
    const req = await signed(post());
    req.headers['signature-input'] = (req.headers['signature-input'] as string).replace(/;created=\d+/, '');
    expect(await reasonFor(req)).toBe('missing-created');
  });

  test('an expired signature (expires parameter) is stale-created', async () => {
    const req = await signed(post());
    req.headers['signature-input'] = `${req.headers['signature-input'] as string};expires=${NOW - 120}`;
    expect(await reasonFor(req)).toBe('stale-created');
  });

  test('@target-uri is compared verbatim: an explicit :443 signed is not the same URI without it', async () => {
    const req = await signed({ ...post(), url: 'https://wfm.example:443/api/v1/x' });
    expect(await reasonFor(req)).toBe('ok');
    const outcome = await verifyRequest({ ...req, url: 'https://wfm.example/api/v1/x' }, defaultVerifyPolicy(NOW), () => p256.publicKey);
    expect(outcome).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(outcome.signatureBase).toContain('"@target-uri": https://wfm.example/api/v1/x\n');
  });

  test('unknown keyid is unknown-key and still returns the rebuilt signature base', async () => {
    const req = await signed(post());
    const outcome = await verifyRequest(req, defaultVerifyPolicy(NOW), () => undefined);
    expect(outcome).toMatchObject({ ok: false, reason: 'unknown-key', keyid: keyIdForPublicKey(p256.publicKey), label: 'sig1' });
    expect(outcome.signatureBase).toMatch(/^"@method": POST\n/);
  });

  test('an alg parameter that does not fit the key, or is not allowed, is unsupported-algorithm', async () => {
    const req = await signed(post(), { includeAlgParam: true });
    const p384 = (KEYS['P-384'] as Pair).publicKey;
    expect(await verifyRequest(req, defaultVerifyPolicy(NOW), () => p384)).toMatchObject({ reason: 'unsupported-algorithm' });
    expect(await reasonFor(req, defaultVerifyPolicy(NOW, { allowedAlgorithms: ['rsa-pss-sha256'] }))).toBe('unsupported-algorithm');
  });

  test('an RSA key without alg: the verifier says which RSA algorithm matched', async () => {
    const rsa = KEYS['RSA-2048'] as Pair;
    const result = await signRequest(post(), { privateKey: rsa.privateKey, keyid: 'k', created: NOW, algorithm: 'rsa-v1_5-sha256' });
    const outcome = await verifyRequest(result.request, defaultVerifyPolicy(NOW), () => rsa.publicKey);
    expect(outcome).toMatchObject({ ok: true, algorithm: 'rsa-v1_5-sha256' });
    expect(outcome.ok ? outcome.warnings : []).toContain('no alg parameter; the signature verified as rsa-v1_5-sha256');
  });

  test('Content-Digest on a body is required, must match, and must be covered', async () => {
    const req = await signed(post());
    expect(await reasonFor({ ...req, headers: { ...req.headers, 'content-digest': 'sha-256=abc' } })).toBe('malformed-content-digest');
    expect(await reasonFor({ ...req, headers: { ...req.headers, 'content-digest': 'md5=:AAAA:' } })).toBe('malformed-content-digest');
    const uncovered = await signed(post(), { components: ['@method', '@target-uri'] });
    expect(await reasonFor(uncovered)).toBe('component-not-covered');
    const noDigestRequired = defaultVerifyPolicy(NOW, { requireContentDigestOnBody: false, requiredComponents: ['@method', '@target-uri'] });
    expect(await reasonFor(uncovered, noDigestRequired)).toBe('ok');
  });

  test('base64-of-body digests verify only under digestMode base64-of-body (spec-digest §6.9)', async () => {
    const req = await signed(post(), { digestMode: 'base64-of-body' });
    expect(await reasonFor(req)).toBe('digest-mismatch');
    expect(await reasonFor(req, defaultVerifyPolicy(NOW, { digestMode: 'base64-of-body' }))).toBe('ok');
  });

  test('malformed Signature-Input and Signature fields get their own reasons', async () => {
    const req = await signed(post());
    const withHeaders = (h: Record<string, string>): HttpRequestParts => ({ ...req, headers: { ...req.headers, ...h } });
    expect(await reasonFor(withHeaders({ 'signature-input': 'sig1=("@method"' }))).toBe('malformed-signature-input');
    expect(await reasonFor(withHeaders({ 'signature-input': 'sig1=("@method" "@method");created=1' }))).toBe('malformed-signature-input');
    expect(await reasonFor(withHeaders({ 'signature-input': 'sig1=(@method);created=1' }))).toBe('malformed-signature-input');
    expect(await reasonFor(withHeaders({ 'signature-input': 'sig1=("@method");created="1"' }))).toBe('malformed-signature-input');
    expect(await reasonFor(withHeaders({ signature: 'sig1=abc' }))).toBe('malformed-signature');
    expect(await reasonFor(withHeaders({ signature: 'other=:AAAA:' }))).toBe('malformed-signature');
    expect(await reasonFor(withHeaders({ signature: 'sig1=:AAAA' }))).toBe('malformed-signature');
  });

  test('a covered header absent from the request is bad-signature, without a signature base', async () => {
    const req = await signed({ ...post(), headers: { 'content-type': 'application/json', date: 'Sun, 30 Nov 2025 00:00:00 GMT' } }, {
      components: ['@method', '@target-uri', 'content-digest', 'date'],
    });
    delete req.headers['date'];
    const outcome = await verifyRequest(req, defaultVerifyPolicy(NOW), () => p256.publicKey);
    expect(outcome).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(outcome.ok ? '' : outcome.message).toMatch(/date/);
    expect(outcome.signatureBase).toBeUndefined();
  });

  test('the label comes from the policy, else the only one present, else sig1', async () => {
    const one = await signed(post(), { label: 'device' });
    expect(await reasonFor(one)).toBe('ok');
    expect(await reasonFor(one, defaultVerifyPolicy(NOW, { label: 'sig1' }))).toBe('malformed-signature-input');
    const two = {
      ...one,
      headers: {
        ...one.headers,
        'signature-input': `${one.headers['signature-input'] as string}, proxy=("@method");created=${NOW}`,
        signature: `${one.headers['signature'] as string}, proxy=:AAAA:`,
      },
    };
    expect(await reasonFor(two)).toBe('malformed-signature-input');
    const outcome = await verifyRequest(two, defaultVerifyPolicy(NOW, { label: 'device' }), () => p256.publicKey);
    expect(outcome).toMatchObject({ ok: true, label: 'device' });
    expect(outcome.ok ? outcome.warnings.join() : '').toMatch(/only device was verified/);
  });

  test('header names in wire casing are still found', async () => {
    const req = await signed(post());
    const upper = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.replace(/(^|-)[a-z]/g, (m) => m.toUpperCase()), v]));
    expect(await reasonFor({ ...req, headers: upper })).toBe('ok');
  });

  test('httpStatusForFailure: Content-Digest problems are 400, all other reasons 401', () => {
    const reasons: SignatureFailureReason[] = [
      'missing-header', 'malformed-signature-input', 'malformed-signature', 'component-not-covered', 'missing-content-digest',
      'malformed-content-digest', 'digest-mismatch', 'bad-signature', 'stale-created', 'future-created', 'missing-created',
      'unknown-key', 'unsupported-algorithm', 'uppercase-component-id',
    ];
    const fourHundreds = reasons.filter((r) => httpStatusForFailure(r) === 400);
    expect(fourHundreds).toEqual(['missing-content-digest', 'malformed-content-digest', 'digest-mismatch']);
  });
});
