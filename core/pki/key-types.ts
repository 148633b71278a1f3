/**
 * @module Key types of the test PKI: key generation (WebCrypto, so RSA runs on the libuv thread pool and several
 * keys can be generated in parallel), the certificate signature algorithm each issuer key uses, and naming a
 * public key's type.
 *
 * @see RFC 5758 §3.2 (ECDSA with SHA-256/384), RFC 8410 (Ed25519 in X.509), RFC 4055 (RSA PKCS#1 v1.5)
 */
import { createPrivateKey, webcrypto, type KeyObject } from 'node:crypto';

type Algorithm = webcrypto.Algorithm;
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type EcdsaParams = webcrypto.EcdsaParams;
type EcKeyGenParams = webcrypto.EcKeyGenParams;
type EcKeyImportParams = webcrypto.EcKeyImportParams;
type RsaHashedImportParams = webcrypto.RsaHashedImportParams;
type RsaHashedKeyGenParams = webcrypto.RsaHashedKeyGenParams;

/** Key types the test PKI issues. RSA sizes in bits; EC curves P-256 / P-384; Ed25519. */
export type KeyType = 'rsa-2048' | 'rsa-3072' | 'ec-p256' | 'ec-p384' | 'ed25519';

/** Every {@link KeyType}, in a stable order. */
export const KEY_TYPES: readonly KeyType[] = ['rsa-2048', 'rsa-3072', 'ec-p256', 'ec-p384', 'ed25519'];

/** A freshly generated key pair: WebCrypto keys (for @peculiar/x509) and the private key as a Node KeyObject. */
export interface KeyMaterial {
  readonly keyType: KeyType;
  readonly cryptoKeys: CryptoKeyPair;
  readonly privateKey: KeyObject;
}

type ImportAlgorithm = RsaHashedImportParams | EcKeyImportParams | Algorithm;

function webCryptoAlgorithm(keyType: KeyType): ImportAlgorithm {
  switch (keyType) {
    case 'rsa-2048':
    case 'rsa-3072':
      return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    case 'ec-p256':
      return { name: 'ECDSA', namedCurve: 'P-256' };
    case 'ec-p384':
      return { name: 'ECDSA', namedCurve: 'P-384' };
    case 'ed25519':
      return { name: 'Ed25519' };
  }
}

function generationAlgorithm(keyType: KeyType): RsaHashedKeyGenParams | EcKeyGenParams | Algorithm {
  const base = webCryptoAlgorithm(keyType);
  if (keyType === 'rsa-2048' || keyType === 'rsa-3072') {
    const modulusLength = keyType === 'rsa-2048' ? 2048 : 3072;
    return { ...(base as RsaHashedImportParams), modulusLength, publicExponent: new Uint8Array([1, 0, 1]) };
  }
  return base;
}

/**
 * Generates a key pair of `keyType`. Resolves to {@link KeyMaterial}; the private key is extractable so it can be
 * exported as PKCS#8. RSA-3072 takes hundreds of ms; EC and Ed25519 take a few ms.
 */
export async function generateKeyMaterial(keyType: KeyType): Promise<KeyMaterial> {
  const pair = (await webcrypto.subtle.generateKey(generationAlgorithm(keyType), true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', pair.privateKey);
  const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  return { keyType, cryptoKeys: pair, privateKey };
}

/** Imports an issuer's private key as a WebCrypto signing key for @peculiar/x509. */
export async function importSigningKey(privateKey: KeyObject, keyType: KeyType): Promise<CryptoKey> {
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', pkcs8, webCryptoAlgorithm(keyType), false, ['sign']);
}

/**
 * The certificate signature algorithm an issuer with `keyType` uses: ECDSA with SHA-256 (P-256) or SHA-384 (P-384),
 * RSA PKCS#1 v1.5 with SHA-256, or Ed25519.
 */
export function signingAlgorithmOf(keyType: KeyType): Algorithm | EcdsaParams {
  switch (keyType) {
    case 'ec-p256':
      return { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams;
    case 'ec-p384':
      return { name: 'ECDSA', hash: 'SHA-384' } as EcdsaParams;
    case 'ed25519':
      return { name: 'Ed25519' };
    default:
      return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as Algorithm;
  }
}

const CURVE_NAMES: Readonly<Record<string, string>> = { prime256v1: 'p256', secp384r1: 'p384', secp521r1: 'p521' };

/**
 * Names the type of a public (or private) key: `rsa-<bits>`, `ec-p256`, `ec-p384`, `ec-<curve>` for other curves,
 * `ed25519`, `ed448`, or the Node key type (`dsa`, `rsa-pss-<bits>`, …). Matches {@link KeyType} for the types the
 * test PKI issues.
 */
export function describeKeyType(key: KeyObject): string {
  const type = key.asymmetricKeyType ?? 'unknown';
  const details = key.asymmetricKeyDetails ?? {};
  if ((type === 'rsa' || type === 'rsa-pss') && details.modulusLength !== undefined) {
    return `${type}-${details.modulusLength}`;
  }
  if (type === 'ec') {
    const curve = details.namedCurve ?? 'unknown';
    return `ec-${CURVE_NAMES[curve] ?? curve}`;
  }
  return type;
}
