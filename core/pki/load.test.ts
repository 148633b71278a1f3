import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isConformanceError } from '../errors.js';
import { createRootCa, issueClientLeaf } from './issue.js';
import { issuedFromPem, keyTypeOfKey } from './load.js';

describe('issuedFromPem', () => {
  it('rebuilds a stored certificate with the same fingerprint, SPKI hash, key and key type', async () => {
    const ca = await createRootCa();
    const leaf = await issueClientLeaf(ca, { keyType: 'ec-p384' });
    const back = issuedFromPem({ name: leaf.name, certPem: leaf.certPem, privateKeyPem: leaf.privateKeyPem });
    expect(back.fingerprint256).toBe(leaf.fingerprint256);
    expect(back.spkiSha256Hex).toBe(leaf.spkiSha256Hex);
    expect(back.keyType).toBe('ec-p384');
    expect(back.chainPem).toBe(leaf.certPem);
    expect(back.privateKey.export({ type: 'pkcs8', format: 'pem' })).toBe(leaf.privateKeyPem);
  });

  it('refuses an unreadable private key with KEY_UNSUPPORTED', async () => {
    const ca = await createRootCa();
    let error: unknown;
    try {
      issuedFromPem({ name: 'x', certPem: ca.certPem, privateKeyPem: 'not a key' });
    } catch (err) {
      error = err;
    }
    expect(isConformanceError(error, 'KEY_UNSUPPORTED')).toBe(true);
  });
});

describe('keyTypeOfKey', () => {
  it('maps the project key types and refuses others', () => {
    expect(keyTypeOfKey(generateKeyPairSync('ed25519').privateKey)).toBe('ed25519');
    expect(keyTypeOfKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)).toBe('ec-p256');
    expect(keyTypeOfKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)).toBe('rsa-2048');
    expect(() => keyTypeOfKey(generateKeyPairSync('ed448').privateKey)).toThrow(/not supported/);
  });
});
