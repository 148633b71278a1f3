/**
 * Every deliberate signing fault is rejected by verifyRequest under the default policy, each with its own typed reason.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { isConformanceError } from '../errors.js';
import type { SignatureAlgorithm } from './algorithms.js';
import { SIGNING_FAULTS } from './faults.js';
import type { SigningFault } from './faults.js';
import { keyIdForPublicKey } from './keyid.js';
import { defaultVerifyPolicy, httpStatusForFailure } from './policy.js';
import type { SignatureFailureReason } from './policy.js';
import { createRequestSigner, signRequest } from './sign.js';
import type { HttpRequestParts } from './types.js';
import { verifyRequest } from './verify.js';

const NOW = 1_764_460_800;
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const request = (): HttpRequestParts => ({
  method: 'POST',
  url: 'https://wfm.example/api/v1/clients/c-1/capabilities',
  headers: { 'content-type': 'application/json', 'content-length': '18' },
  body: new TextEncoder().encode('{"hello": "world"}'),
});

interface Row {
  fault: SigningFault;
  reason: SignatureFailureReason;
  status: 400 | 401;
  /** Part of the outcome message that shows the verifier found the right cause. */
  says: RegExp;
  key?: { privateKey: KeyObject; publicKey: KeyObject };
  algorithm?: SignatureAlgorithm;
}

const TABLE: readonly Row[] = [
  { fault: 'uppercase-component-ids', reason: 'uppercase-component-id', status: 401, says: /"Content-Digest"/ },
  { fault: 'der-ecdsa', reason: 'bad-signature', status: 401, says: /DER/ },
  { fault: 'wrong-pss-salt', reason: 'bad-signature', status: 401, says: /salt length other than 32/, key: rsa, algorithm: 'rsa-pss-sha256' },
  { fault: 'stale-created', reason: 'stale-created', status: 401, says: /3600 s old/ },
  { fault: 'future-created', reason: 'future-created', status: 401, says: /3600 s in the future/ },
  { fault: 'body-changed-after-signing', reason: 'digest-mismatch', status: 400, says: /does not match/ },
  { fault: 'signed-by-other-key', reason: 'bad-signature', status: 401, says: /does not verify/ },
  { fault: 'no-signature', reason: 'missing-header', status: 401, says: /not signed/ },
  { fault: 'drop-signature-header', reason: 'missing-header', status: 401, says: /Signature is absent/ },
  { fault: 'drop-content-digest', reason: 'missing-content-digest', status: 400, says: /Content-Digest field is absent/ },
  { fault: 'wrong-content-digest', reason: 'digest-mismatch', status: 400, says: /does not match/ },
  { fault: 'uncovered-content-digest', reason: 'component-not-covered', status: 401, says: /"content-digest"/ },
  { fault: 'uncovered-target-uri', reason: 'component-not-covered', status: 401, says: /"@target-uri"/ },
  { fault: 'corrupt-signature', reason: 'bad-signature', status: 401, says: /does not verify/ },
];

describe('signing faults under the default verify policy', () => {
  test('the table covers every fault in SIGNING_FAULTS', () => {
    expect(TABLE.map((r) => r.fault).sort()).toEqual(SIGNING_FAULTS.map((f) => f.name).sort());
  });

  test('control: the same request without faults verifies', async () => {
    for (const key of [p256, rsa]) {
      const signed = await signRequest(request(), { privateKey: key.privateKey, keyid: keyIdForPublicKey(key.publicKey), created: NOW });
      const outcome = await verifyRequest(signed.request, defaultVerifyPolicy(NOW), () => key.publicKey);
      expect(outcome).toMatchObject({ ok: true });
    }
  });

  for (const row of TABLE) {
    test(`${row.fault} is rejected with reason ${row.reason} (HTTP ${row.status})`, async () => {
      const key = row.key ?? p256;
      const signed = await signRequest(request(), {
        privateKey: key.privateKey,
        keyid: keyIdForPublicKey(key.publicKey),
        created: NOW,
        faults: [row.fault],
        otherKey: other.privateKey,
        ...(row.algorithm ? { algorithm: row.algorithm } : {}),
      });
      const outcome = await verifyRequest(signed.request, defaultVerifyPolicy(NOW), () => key.publicKey);
      expect(outcome).toMatchObject({ ok: false, reason: row.reason });
      expect(outcome.ok ? '' : outcome.message).toMatch(row.says);
      expect(httpStatusForFailure(row.reason)).toBe(row.status);
    });
  }

  test('wrong-pss-salt is also caught for rsa-pss-sha512 and when no alg parameter narrows the RSA algorithm', async () => {
    const signed = await signRequest(request(), {
      privateKey: rsa.privateKey,
      keyid: 'k',
      created: NOW,
      algorithm: 'rsa-pss-sha512',
      faults: ['wrong-pss-salt'],
    });
    const policy = defaultVerifyPolicy(NOW, { allowedAlgorithms: ['rsa-v1_5-sha256', 'rsa-pss-sha256', 'rsa-pss-sha512'] });
    const outcome = await verifyRequest(signed.request, policy, () => rsa.publicKey);
    expect(outcome).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(outcome.ok ? '' : outcome.message).toMatch(/rsa-pss-sha512 signature verifies only with a salt length other than 64/);
  });

  test('signed-by-other-key generates a key of the same type when none is given', async () => {
    const signed = await signRequest(request(), { privateKey: p256.privateKey, keyid: 'k', created: NOW, faults: ['signed-by-other-key'] });
    const outcome = await verifyRequest(signed.request, defaultVerifyPolicy(NOW), () => p256.publicKey);
    expect(outcome).toMatchObject({ ok: false, reason: 'bad-signature', algorithm: 'ecdsa-p256-sha256' });
  });

  test('uppercase-component-ids is accepted with a warning when acceptMixedCaseComponentIds is true (spec-digest §6.8)', async () => {
    const signed = await signRequest(request(), { privateKey: p256.privateKey, keyid: 'k', created: NOW, faults: ['uppercase-component-ids'] });
    expect(signed.request.headers['signature-input']).toContain('("@method" "@target-uri" "Content-Digest")');
    expect(signed.signatureBase).toContain('\n"Content-Digest": sha-256=:');
    const outcome = await verifyRequest(signed.request, defaultVerifyPolicy(NOW, { acceptMixedCaseComponentIds: true }), () => p256.publicKey);
    expect(outcome).toMatchObject({ ok: true });
    expect(outcome.ok ? outcome.warnings.join(' ') : '').toMatch(/upper-case/);
  });

  test('uppercase-component-ids on a bodyless request capitalises the derived ids', async () => {
    const get: HttpRequestParts = { method: 'GET', url: 'https://wfm.example/api/v1/x', headers: {} };
    const signed = await signRequest(get, { privateKey: p256.privateKey, keyid: 'k', created: NOW, faults: ['uppercase-component-ids'] });
    expect(signed.request.headers['signature-input']).toContain('("@Method" "@Target-Uri")');
    const outcome = await verifyRequest(signed.request, defaultVerifyPolicy(NOW), () => p256.publicKey);
    expect(outcome).toMatchObject({ ok: false, reason: 'uppercase-component-id' });
  });

  test('body-changed-after-signing keeps content-length consistent with the body sent', async () => {
    const signed = await signRequest(request(), { privateKey: p256.privateKey, keyid: 'k', created: NOW, faults: ['body-changed-after-signing'] });
    expect(signed.request.body).toHaveLength(19);
    expect(signed.request.headers['content-length']).toBe('19');
  });

  test('faults that would change nothing throw SIGNING_FAULT_NOT_APPLICABLE', async () => {
    const get: HttpRequestParts = { method: 'GET', url: 'https://wfm.example/api/v1/x', headers: {} };
    const cases: [HttpRequestParts, SigningFault, KeyObject][] = [
      [request(), 'der-ecdsa', rsa.privateKey],
      [request(), 'wrong-pss-salt', p256.privateKey],
      [get, 'drop-content-digest', p256.privateKey],
      [get, 'wrong-content-digest', p256.privateKey],
      [get, 'uncovered-content-digest', p256.privateKey],
    ];
    for (const [req, fault, privateKey] of cases) {
      const caught = await signRequest(req, { privateKey, keyid: 'k', created: NOW, faults: [fault] }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isConformanceError(caught, 'SIGNING_FAULT_NOT_APPLICABLE'), fault).toBe(true);
    }
    const signer = createRequestSigner({ privateKey: p256.privateKey, keyid: 'k', components: ['@method'], faults: ['uncovered-target-uri'] });
    expect(() => signer.sign(request(), NOW)).toThrow(/uncovered-target-uri/);
  });
});
