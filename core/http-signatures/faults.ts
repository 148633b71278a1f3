/**
 * @module Named signing faults: deliberate misbehaviour of the signer, used by the device simulator and the suites to
 * prove that a verifier rejects each broken signature. A fault is an option of the one signer, never a forked copy.
 */

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
