/**
 * @module keyid as the Margo sandbox derives it: lower-case hex SHA-256 of the public key's SPKI DER.
 * Margo leaves `keyid` undefined ("Key-Name"); this is the default `sig.keyidStrategy` (spec-digest §6.10).
 */
import { X509Certificate, createHash, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/**
 * Lower-case hex SHA-256 (64 characters) of the SubjectPublicKeyInfo DER of `key`. A private key gives the keyid of
 * its public half; a certificate gives the keyid of its subject public key.
 * @see spec-digest §3.3 (sandbox `keyid.go`), RFC 9421 §2.3 `keyid`
 */
export function keyIdForPublicKey(key: KeyObject | X509Certificate): string {
  const publicKey = key instanceof X509Certificate ? key.publicKey : key.type === 'private' ? createPublicKey(key) : key;
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex');
}
