import 'reflect-metadata';
import { X509Certificate, constants, createHash, generateKeyPairSync, sign, verify, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { describe, expect, test } from 'vitest';
import { isConformanceError } from '../errors.js';
import {
  PSS_SALT_LENGTH,
  algorithmsForKey,
  defaultAlgorithmForKey,
  diagnoseSignatureFailure,
  signBase,
  verifyBase,
} from './algorithms.js';
import { keyIdForPublicKey } from './keyid.js';

const data = Buffer.from('"@method": POST\n"@signature-params": ("@method");created=1');
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed = generateKeyPairSync('ed25519');

describe('defaultAlgorithmForKey', () => {
  test('maps P-256, P-384, Ed25519 and RSA keys to the Margo defaults', () => {
    expect(defaultAlgorithmForKey(p256.privateKey)).toBe('ecdsa-p256-sha256');
    expect(defaultAlgorithmForKey(p384.publicKey)).toBe('ecdsa-p384-sha384');
    expect(defaultAlgorithmForKey(ed.privateKey)).toBe('ed25519');
    expect(defaultAlgorithmForKey(rsa.privateKey)).toBe('rsa-pss-sha256');
  });

  test('throws KEY_UNSUPPORTED for P-521 and X25519 keys', () => {
    for (const key of [
      generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey,
      generateKeyPairSync('x25519').privateKey,
    ]) {
      let caught: unknown;
      try {
        defaultAlgorithmForKey(key);
      } catch (err) {
        caught = err;
      }
      expect(isConformanceError(caught, 'KEY_UNSUPPORTED')).toBe(true);
    }
  });

  test('an RSA key can be tried with all three RSA algorithms, v1.5 first', () => {
    expect(algorithmsForKey(rsa.publicKey)).toEqual(['rsa-v1_5-sha256', 'rsa-pss-sha256', 'rsa-pss-sha512']);
  });
});

describe('signBase / verifyBase', () => {
  test('ECDSA signatures are raw r||s: 64 bytes for P-256, 96 for P-384', () => {
    expect(signBase('ecdsa-p256-sha256', p256.privateKey, data)).toHaveLength(64);
    expect(signBase('ecdsa-p384-sha384', p384.privateKey, data)).toHaveLength(96);
  });

  test('a DER-encoded ECDSA signature fails, and the diagnosis says DER', () => {
    const der = signBase('ecdsa-p256-sha256', p256.privateKey, data, { derEcdsa: true });
    expect(der[0]).toBe(0x30);
    expect(verifyBase('ecdsa-p256-sha256', p256.publicKey, data, der)).toBe(false);
    expect(diagnoseSignatureFailure('ecdsa-p256-sha256', p256.publicKey, data, der)).toMatch(/DER-encoded/);
  });

  for (const algorithm of ['rsa-pss-sha256', 'rsa-pss-sha512'] as const) {
    test(`${algorithm} signs with salt length exactly ${PSS_SALT_LENGTH[algorithm]} bytes`, () => {
      const signature = signBase(algorithm, rsa.privateKey, data);
      const hash = algorithm === 'rsa-pss-sha256' ? 'sha256' : 'sha512';
      const exact = (saltLength: number): boolean =>
        verify(hash, data, { key: rsa.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature);
      expect(exact(PSS_SALT_LENGTH[algorithm])).toBe(true);
      expect(exact(PSS_SALT_LENGTH[algorithm] + 1)).toBe(false);
    });

    test(`${algorithm} refuses a maximum-salt signature and says why`, () => {
      const maxSalt = signBase(algorithm, rsa.privateKey, data, { wrongPssSalt: true });
      expect(verifyBase(algorithm, rsa.publicKey, data, maxSalt)).toBe(false);
      expect(diagnoseSignatureFailure(algorithm, rsa.publicKey, data, maxSalt)).toMatch(/salt length/);
    });
  }

  test('rsa-pss-sha512 signatures verify strictly in WebCrypto (saltLength 64)', async () => {
    const signature = signBase('rsa-pss-sha512', rsa.privateKey, data);
    const spki = rsa.publicKey.export({ type: 'spki', format: 'der' });
    const key = await webcrypto.subtle.importKey('spki', spki, { name: 'RSA-PSS', hash: 'SHA-512' }, false, ['verify']);
    expect(await webcrypto.subtle.verify({ name: 'RSA-PSS', saltLength: 64 }, key, signature, data)).toBe(true);
  });

  test('node default RSA-PSS (max salt) is what the wrong-pss-salt fault produces', () => {
    const nodeDefault = sign('sha256', data, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING });
    expect(verifyBase('rsa-pss-sha256', rsa.publicKey, data, nodeDefault)).toBe(false);
  });

  test('a signature of the wrong key type or length is false, not an exception', () => {
    const edSig = signBase('ed25519', ed.privateKey, data);
    expect(verifyBase('ecdsa-p256-sha256', ed.publicKey, data, edSig)).toBe(false);
    expect(verifyBase('ed25519', ed.publicKey, data, edSig.subarray(0, 10))).toBe(false);
    expect(verifyBase('rsa-v1_5-sha256', rsa.publicKey, data, Buffer.alloc(3))).toBe(false);
  });
});

describe('keyIdForPublicKey', () => {
  test('is the lower-case hex SHA-256 of the SPKI DER, the same for the private key, public key and certificate', async () => {
    const expected = createHash('sha256').update(p256.publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
    expect(keyIdForPublicKey(p256.publicKey)).toBe(expected);
    expect(keyIdForPublicKey(p256.privateKey)).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);

    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=keyid test',
      notBefore: new Date(Date.UTC(2026, 0, 1)),
      notAfter: new Date(Date.UTC(2027, 0, 1)),
      signingAlgorithm: alg,
      keys,
    });
    const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
    expect(keyIdForPublicKey(new X509Certificate(Buffer.from(cert.rawData)))).toBe(createHash('sha256').update(spki).digest('hex'));
  });
});
