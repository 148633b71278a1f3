/**
 * @module RFC 9421 §3.3 signature algorithms, done with node:crypto directly (not the library's signers).
 *
 * Why our own signer and verifier: http-message-signatures@1.0.6 signs rsa-pss-sha512 with OpenSSL's maximum salt
 * and verifies with AUTO salt, so it can neither produce nor catch the 64-byte salt RFC 9421 §3.3.1 fixes; and it
 * has no `rsa-pss-sha256`, which Margo lists (spec-digest §3.1.6). ECDSA signatures are raw r||s (IEEE P1363),
 * never DER (RFC 9421 §3.3.4, §3.3.5).
 * @see RFC 9421 §3.3
 */
import { constants, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ConformanceError } from '../errors.js';

/** Algorithm names: the RFC 9421 registry plus Margo's `rsa-pss-sha256` (not IANA-registered; spec-digest §6.12). */
export type SignatureAlgorithm =
  | 'ecdsa-p256-sha256'
  | 'ecdsa-p384-sha384'
  | 'rsa-v1_5-sha256'
  | 'rsa-pss-sha256'
  | 'rsa-pss-sha512'
  | 'ed25519';

/** The four algorithms a Margo WFM MUST support and a WFM client MAY use. @see spec-digest §3.1 step 6 */
export const MARGO_ALGORITHMS: readonly SignatureAlgorithm[] = Object.freeze([
  'ecdsa-p256-sha256',
  'ecdsa-p384-sha384',
  'rsa-v1_5-sha256',
  'rsa-pss-sha256',
] as const);

/** Every algorithm this module signs and verifies. */
export const ALL_ALGORITHMS: readonly SignatureAlgorithm[] = Object.freeze([
  ...MARGO_ALGORITHMS,
  'rsa-pss-sha512',
  'ed25519',
] as const);

/** RSA algorithms in the order an RSA key without `alg` is tried. */
export const RSA_ALGORITHMS: readonly SignatureAlgorithm[] = Object.freeze([
  'rsa-v1_5-sha256',
  'rsa-pss-sha256',
  'rsa-pss-sha512',
] as const);

/** Salt lengths in bytes: RFC 9421 §3.3.1 fixes 64 for rsa-pss-sha512; Margo's rsa-pss-sha256 uses the hash length, 32. */
export const PSS_SALT_LENGTH: Readonly<Record<'rsa-pss-sha256' | 'rsa-pss-sha512', number>> = {
  'rsa-pss-sha256': 32,
  'rsa-pss-sha512': 64,
};

/** Raw r||s length in bytes per ECDSA algorithm. */
const ECDSA_SIGNATURE_BYTES = { 'ecdsa-p256-sha256': 64, 'ecdsa-p384-sha384': 96 } as const;

/** True when `name` is one of {@link ALL_ALGORITHMS}. */
export function isSignatureAlgorithm(name: string): name is SignatureAlgorithm {
  return (ALL_ALGORITHMS as readonly string[]).includes(name);
}

/**
 * The algorithm to sign with when none is configured: P-256 → `ecdsa-p256-sha256`, P-384 → `ecdsa-p384-sha384`,
 * Ed25519 → `ed25519`, RSA → `rsa-pss-sha256` (an RSASSA-PSS key restricted to SHA-512 → `rsa-pss-sha512`).
 * Throws ConformanceError `KEY_UNSUPPORTED` for other key types (X25519, P-521, DSA, secret keys).
 */
export function defaultAlgorithmForKey(key: KeyObject): SignatureAlgorithm {
  const candidates = algorithmsForKey(key);
  const preferred = candidates.includes('rsa-pss-sha256') ? 'rsa-pss-sha256' : candidates[0];
  if (preferred === undefined) throw unsupportedKey(key);
  return preferred;
}

/** Algorithms `key` can sign or verify, in the order they are tried. Empty for unsupported key types. */
export function algorithmsForKey(key: KeyObject): readonly SignatureAlgorithm[] {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return ['ecdsa-p256-sha256'];
      if (curve === 'secp384r1') return ['ecdsa-p384-sha384'];
      return [];
    }
    case 'rsa':
      return RSA_ALGORITHMS;
    case 'rsa-pss': {
      // An RSASSA-PSS key may be restricted to one hash; it never signs PKCS#1 v1.5.
      const hash = key.asymmetricKeyDetails?.hashAlgorithm;
      if (hash === 'sha512') return ['rsa-pss-sha512'];
      if (hash === 'sha256') return ['rsa-pss-sha256'];
      return ['rsa-pss-sha256', 'rsa-pss-sha512'];
    }
    case 'ed25519':
      return ['ed25519'];
    default:
      return [];
  }
}

/** True when `algorithm` can be used with `key`. */
export function isAlgorithmCompatible(algorithm: SignatureAlgorithm, key: KeyObject): boolean {
  return algorithmsForKey(key).includes(algorithm);
}

/** Deliberate deviations the signer can produce (see SIGNING_FAULTS). */
export interface SignVariant {
  /** ECDSA: DER instead of raw r||s. */
  derEcdsa?: boolean;
  /** RSA-PSS: OpenSSL's maximum salt length instead of 32 / 64 bytes. */
  wrongPssSalt?: boolean;
}

/**
 * Signs the signature base bytes. Returns the raw signature (ECDSA raw r||s; RSA modulus length; Ed25519 64 bytes).
 * Throws ConformanceError `KEY_UNSUPPORTED` when the key does not fit the algorithm.
 * @see RFC 9421 §3.3
 */
export function signBase(algorithm: SignatureAlgorithm, key: KeyObject, data: Uint8Array, variant: SignVariant = {}): Buffer {
  switch (algorithm) {
    case 'ecdsa-p256-sha256':
    case 'ecdsa-p384-sha384':
      return cryptoSign(ecdsaHash(algorithm), data, { key, dsaEncoding: variant.derEcdsa ? 'der' : 'ieee-p1363' });
    case 'rsa-v1_5-sha256':
      return cryptoSign('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING });
    case 'rsa-pss-sha256':
    case 'rsa-pss-sha512':
      return cryptoSign(pssHash(algorithm), data, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: variant.wrongPssSalt ? constants.RSA_PSS_SALTLEN_MAX_SIGN : PSS_SALT_LENGTH[algorithm],
      });
    case 'ed25519':
      return cryptoSign(null, data, key);
  }
}

/**
 * Verifies raw signature bytes over the signature base with exactly the RFC 9421 parameters (fixed PSS salt, raw
 * ECDSA). Returns false for any mismatch, including a signature of the wrong length or a key that cannot do the
 * algorithm (checked first, because OpenSSL throws on PKCS#1 v1.5 with an RSASSA-PSS key).
 * @see RFC 9421 §3.3
 */
export function verifyBase(algorithm: SignatureAlgorithm, key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  if (!isAlgorithmCompatible(algorithm, key)) return false;
  switch (algorithm) {
    case 'ecdsa-p256-sha256':
    case 'ecdsa-p384-sha384':
      if (signature.length !== ECDSA_SIGNATURE_BYTES[algorithm]) return false;
      return cryptoVerify(ecdsaHash(algorithm), data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    case 'rsa-v1_5-sha256':
      return cryptoVerify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    case 'rsa-pss-sha256':
    case 'rsa-pss-sha512':
      return cryptoVerify(
        pssHash(algorithm),
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PSS_SALT_LENGTH[algorithm] },
        signature,
      );
    case 'ed25519':
      return cryptoVerify(null, data, key, signature);
  }
}

/**
 * Explains why a signature that failed {@link verifyBase} failed, when a common mistake explains it: a DER-encoded
 * ECDSA signature, or an RSA-PSS salt length other than the fixed one. Returns undefined when no hint applies.
 * Costs one extra verification; call it only on failure.
 */
export function diagnoseSignatureFailure(
  algorithm: SignatureAlgorithm,
  key: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
): string | undefined {
  if (!isAlgorithmCompatible(algorithm, key)) return undefined;
  if (algorithm === 'ecdsa-p256-sha256' || algorithm === 'ecdsa-p384-sha384') {
    const raw = ECDSA_SIGNATURE_BYTES[algorithm];
    if (signature.length === raw || signature[0] !== 0x30) return undefined;
    const der = cryptoVerify(ecdsaHash(algorithm), data, { key, dsaEncoding: 'der' }, signature);
    return der
      ? `the signature is DER-encoded ECDSA (${signature.length} bytes); RFC 9421 §3.3.4 requires raw r||s (${raw} bytes)`
      : `the signature is ${signature.length} bytes and looks like DER; RFC 9421 requires raw r||s (${raw} bytes)`;
  }
  if (algorithm === 'rsa-pss-sha256' || algorithm === 'rsa-pss-sha512') {
    const anySalt = cryptoVerify(
      pssHash(algorithm),
      data,
      { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
      signature,
    );
    if (anySalt) {
      return `the ${algorithm} signature verifies only with a salt length other than ${PSS_SALT_LENGTH[algorithm]} bytes`;
    }
  }
  return undefined;
}

function ecdsaHash(algorithm: 'ecdsa-p256-sha256' | 'ecdsa-p384-sha384'): string {
  return algorithm === 'ecdsa-p256-sha256' ? 'sha256' : 'sha384';
}

function pssHash(algorithm: 'rsa-pss-sha256' | 'rsa-pss-sha512'): string {
  return algorithm === 'rsa-pss-sha256' ? 'sha256' : 'sha512';
}

function unsupportedKey(key: KeyObject): ConformanceError {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return new ConformanceError(
    'KEY_UNSUPPORTED',
    `expected an EC P-256/P-384, RSA or Ed25519 key; got ${key.type} ${key.asymmetricKeyType ?? 'secret'}${curve ? ` (${curve})` : ''}`,
    { details: { keyType: key.asymmetricKeyType ?? key.type, ...(curve ? { namedCurve: curve } : {}) } },
  );
}

/**
 * Throws ConformanceError `KEY_UNSUPPORTED` unless `algorithm` fits `key` (used before signing).
 */
export function assertAlgorithmFitsKey(algorithm: SignatureAlgorithm, key: KeyObject): void {
  if (algorithmsForKey(key).length === 0) throw unsupportedKey(key);
  if (!isAlgorithmCompatible(algorithm, key)) {
    throw new ConformanceError(
      'KEY_UNSUPPORTED',
      `algorithm ${algorithm} needs a different key; this ${key.asymmetricKeyType} key can do ${algorithmsForKey(key).join(', ')}`,
      { details: { algorithm, keyType: key.asymmetricKeyType } },
    );
  }
}
