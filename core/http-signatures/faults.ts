/**
 * @module Named signing faults: deliberate misbehaviour of the signer, used by the device simulator and the suites to
 * prove that a verifier rejects each broken signature. A fault is an option of the one signer, never a forked copy;
 * the helpers below are the parts of signing that only faults use.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ConformanceError } from '../errors.js';
import type { SignVariant, SignatureAlgorithm } from './algorithms.js';

/** One deliberate deviation from RFC 9421 / RFC 9530 / Margo payload security. */
export type SigningFault =
  | 'uppercase-component-ids'
  | 'der-ecdsa'
  | 'wrong-pss-salt'
  | 'stale-created'
  | 'future-created'
  | 'body-changed-after-signing'
  | 'signed-by-other-key'
  /** Drops both Signature and Signature-Input. */
  | 'no-signature'
  | 'drop-signature-header'
  | 'drop-content-digest'
  | 'wrong-content-digest'
  | 'uncovered-content-digest'
  | 'uncovered-target-uri'
  | 'corrupt-signature';

/** Every fault with the one rule it breaks. */
export const SIGNING_FAULTS: readonly { readonly name: SigningFault; readonly breaks: string }[] = Object.freeze([
  { name: 'uppercase-component-ids', breaks: 'RFC 9421 §2.1: HTTP field names in component identifiers are lower-case ("content-digest", not "Content-Digest")' },
  { name: 'der-ecdsa', breaks: 'RFC 9421 §3.3.4/§3.3.5: ECDSA signatures are raw r||s (64 or 96 bytes), not DER' },
  { name: 'wrong-pss-salt', breaks: 'RFC 9421 §3.3.1: RSA-PSS salt length is fixed (64 bytes for rsa-pss-sha512; 32 for Margo rsa-pss-sha256)' },
  { name: 'stale-created', breaks: 'Margo payload security: created older than the replay window (sig.maxAgeSeconds) MUST be rejected' },
  { name: 'future-created', breaks: 'Margo payload security: created in the future beyond clock skew MUST be rejected' },
  { name: 'body-changed-after-signing', breaks: 'RFC 9530 §2: Content-Digest must match the body actually sent' },
  { name: 'signed-by-other-key', breaks: 'RFC 9421 §3.2: the signature must verify with the key bound to the client certificate' },
  { name: 'no-signature', breaks: 'Margo payload security: every request is signed (Signature-Input and Signature present)' },
  { name: 'drop-signature-header', breaks: 'RFC 9421 §4.2: each Signature-Input label needs a Signature member with the same label' },
  { name: 'drop-content-digest', breaks: 'Margo payload security: a request with a body carries Content-Digest' },
  { name: 'wrong-content-digest', breaks: 'RFC 9530 §2: Content-Digest is the digest of the body (signed over a wrong digest)' },
  { name: 'uncovered-content-digest', breaks: 'Margo payload security: covered components include content-digest when there is a body' },
  { name: 'uncovered-target-uri', breaks: 'Margo payload security: covered components include @target-uri' },
  { name: 'corrupt-signature', breaks: 'RFC 9421 §3.2: the signature verifies over the signature base' },
] as const);

/** True when `name` is a known fault (for config and CLI validation). */
export function isSigningFault(name: string): name is SigningFault {
  return SIGNING_FAULTS.some((f) => f.name === name);
}

/** The crypto-level faults for `algorithm`; throws `SIGNING_FAULT_NOT_APPLICABLE` when one cannot apply. */
export function signVariant(algorithm: SignatureAlgorithm, faults: ReadonlySet<SigningFault>): SignVariant {
  const isEcdsa = algorithm === 'ecdsa-p256-sha256' || algorithm === 'ecdsa-p384-sha384';
  const isPss = algorithm === 'rsa-pss-sha256' || algorithm === 'rsa-pss-sha512';
  if (faults.has('der-ecdsa') && !isEcdsa) throw notApplicable('der-ecdsa', `algorithm ${algorithm} is not ECDSA`);
  if (faults.has('wrong-pss-salt') && !isPss) throw notApplicable('wrong-pss-salt', `algorithm ${algorithm} is not RSA-PSS`);
  return { derEcdsa: faults.has('der-ecdsa'), wrongPssSalt: faults.has('wrong-pss-salt') };
}

/** Applies faults that act after signing; returns the body to send. Mutates `headers` (our own copy). */
export function applyPostSigningFaults(headers: Record<string, string>, body: Uint8Array, faults: ReadonlySet<SigningFault>): Uint8Array {
  if (faults.has('drop-content-digest')) delete headers['content-digest'];
  if (faults.has('no-signature')) {
    delete headers['signature'];
    delete headers['signature-input'];
  }
  if (faults.has('drop-signature-header')) delete headers['signature'];
  if (!faults.has('body-changed-after-signing')) return body;
  const changed = alteredBody(body);
  if (headers['content-length'] !== undefined) headers['content-length'] = String(changed.length);
  return changed;
}

/** Flips the lowest bit of the middle byte: a signature of the right length that no longer verifies. */
export function flipOneBit(signature: Buffer): void {
  const middle = signature.length >> 1;
  signature.writeUInt8((signature.readUInt8(middle) ^ 0x01) & 0xff, middle);
}

/** The body plus one trailing space: still valid JSON, different digest. */
export function alteredBody(body: Uint8Array): Uint8Array {
  const changed = new Uint8Array(body.length + 1);
  changed.set(body);
  changed[body.length] = 0x20;
  return changed;
}

/** A fresh key pair of the same type and size, for `signed-by-other-key`. Throws `KEY_UNSUPPORTED` otherwise. */
export function generateSameKeyType(key: KeyObject): KeyObject {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      return generateKeyPairSync('ec', { namedCurve: details.namedCurve ?? 'prime256v1' }).privateKey;
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: details.modulusLength ?? 2048 }).privateKey;
    case 'rsa-pss':
      return generateKeyPairSync('rsa-pss', { modulusLength: details.modulusLength ?? 2048 }).privateKey;
    case 'ed25519':
      return generateKeyPairSync('ed25519').privateKey;
    default:
      throw new ConformanceError('KEY_UNSUPPORTED', `cannot generate another key like this ${key.asymmetricKeyType ?? key.type} key`);
  }
}

/** The error for a fault that would change nothing (a fault must never pass silently). */
export function notApplicable(fault: SigningFault, why: string): ConformanceError {
  return new ConformanceError('SIGNING_FAULT_NOT_APPLICABLE', `signing fault ${fault} changes nothing here: ${why}`, {
    details: { fault },
  });
}
