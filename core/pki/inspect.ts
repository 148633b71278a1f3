/**
 * @module Inspecting certificates: fingerprints, SPKI hashes, certificate evidence, the leaf profile check and
 * issuer checks. Pure functions over node:crypto X509Certificate (extension bits via @peculiar/x509).
 *
 * @see RFC 5280 §4.2.1.3 (key usage), §4.2.1.9 (basic constraints), §4.2.1.12 (extended key usage)
 */
import 'reflect-metadata';
import {
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  X509Certificate as PeculiarCertificate,
} from '@peculiar/x509';
import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { Evidence } from '../check.js';
import { describeKeyType } from './key-types.js';

/** OIDs of the extended key usages the profile check knows. @see RFC 5280 §4.2.1.12 */
export const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** SHA-256 of `der` as lowercase hex without colons (the certificate fingerprint when `der` is a certificate). */
export function sha256Hex(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/**
 * SHA-256 over the DER SubjectPublicKeyInfo of a key or certificate, lowercase hex. Also the default `keyid`
 * strategy `spki-sha256-hex` (spec-digest §6.10).
 * @see RFC 5280 §4.1.2.7
 */
export function spkiSha256Hex(keyOrCert: KeyObject | X509Certificate): string {
  const key = keyOrCert instanceof X509Certificate ? keyOrCert.publicKey : keyOrCert;
  // createPublicKey derives the public half of a private KeyObject.
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return sha256Hex(publicKey.export({ type: 'spki', format: 'der' }));
}

/**
 * Certificate evidence for reports: subject, issuer, SPKI SHA-256 and fingerprint (lowercase hex), validity as
 * ISO 8601, key type. Never contains key material beyond the public key hash.
 */
export function describeCertificate(cert: X509Certificate, label?: string): Extract<Evidence, { kind: 'certificate' }> {
  return {
    kind: 'certificate',
    ...(label === undefined ? {} : { label }),
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    spkiSha256: spkiSha256Hex(cert),
    fingerprint256: sha256Hex(cert.raw),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    keyType: describeKeyType(cert.publicKey),
  };
}

/** Key usage bits of `cert`, or undefined when the extension is absent. */
export function keyUsageOf(cert: X509Certificate): KeyUsageFlags | undefined {
  return new PeculiarCertificate(cert.raw).getExtension(KeyUsagesExtension)?.usages;
}

/** Basic constraints of `cert`: `ca` and `pathLength`, or undefined when the extension is absent. */
export function basicConstraintsOf(cert: X509Certificate): { ca: boolean; pathLength?: number } | undefined {
  const ext = new PeculiarCertificate(cert.raw).getExtension(BasicConstraintsExtension);
  if (ext === null) return undefined;
  return ext.pathLength === undefined ? { ca: ext.ca } : { ca: ext.ca, pathLength: ext.pathLength };
}

/** Validity of `cert` in Unix seconds. */
export function validityOf(cert: X509Certificate): { notBeforeSeconds: number; notAfterSeconds: number } {
  return {
    notBeforeSeconds: Math.floor(new Date(cert.validFrom).getTime() / 1000),
    notAfterSeconds: Math.floor(new Date(cert.validTo).getTime() / 1000),
  };
}

function keyStrengthProblem(cert: X509Certificate): string | undefined {
  const keyType = describeKeyType(cert.publicKey);
  const rsaBits = /^rsa(?:-pss)?-(\d+)$/.exec(keyType)?.[1];
  if (rsaBits !== undefined) return Number(rsaBits) < 2048 ? `RSA key of ${rsaBits} bits (expected ≥ 2048)` : undefined;
  if (['ec-p256', 'ec-p384', 'ed25519'].includes(keyType)) return undefined;
  return `key type ${keyType} (expected EC P-256/P-384, RSA ≥ 2048 or Ed25519)`;
}

/**
 * Checks a leaf certificate (client or server) against the project's leaf profile at `nowSeconds` (Unix seconds).
 * Returns the problems found, `[]` when none: expired, not yet valid, basicConstraints CA:true, key usage without
 * digitalSignature or with keyCertSign/cRLSign, a weak or unknown key type, and — when `purpose` is given — an
 * extended key usage that excludes clientAuth/serverAuth. OpenSSL accepts a CA:true leaf, so this check is what
 * catches it.
 * @see spec-digest §6.21 (`cert.clientProfile`), RFC 5280 §4.2.1.3, §4.2.1.9, §4.2.1.12
 */
export function checkLeafProfile(
  cert: X509Certificate,
  nowSeconds: number,
  purpose?: 'client' | 'server',
): string[] {
  const problems: string[] = [];
  const { notBeforeSeconds, notAfterSeconds } = validityOf(cert);
  if (nowSeconds > notAfterSeconds) problems.push(`expired (notAfter ${new Date(cert.validTo).toISOString()})`);
  if (nowSeconds < notBeforeSeconds) problems.push(`not yet valid (notBefore ${new Date(cert.validFrom).toISOString()})`);
  if (basicConstraintsOf(cert)?.ca === true) problems.push('basicConstraints CA:true on a leaf');
  const ku = keyUsageOf(cert);
  if (ku !== undefined && (ku & KeyUsageFlags.digitalSignature) === 0) problems.push('key usage lacks digitalSignature');
  if (ku !== undefined && (ku & (KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)) !== 0) {
    problems.push('key usage sets keyCertSign or cRLSign on a leaf');
  }
  const strength = keyStrengthProblem(cert);
  if (strength !== undefined) problems.push(strength);
  const eku = cert.keyUsage; // node:crypto names the extended key usage OIDs `keyUsage`
  const wanted = purpose === 'client' ? EKU_CLIENT_AUTH : purpose === 'server' ? EKU_SERVER_AUTH : undefined;
  if (wanted !== undefined && eku !== undefined && eku.length > 0 && !eku.includes(wanted)) {
    problems.push(`extended key usage lacks ${purpose === 'client' ? 'clientAuth' : 'serverAuth'}`);
  }
  return problems;
}

/**
 * True when `ca` issued `leaf` as OpenSSL judges it (X509_check_issued): the issuer name matches, the key
 * identifiers match when both are present, `ca`'s key usage (if present) allows keyCertSign — and `leaf`'s signature
 * verifies with `ca`'s public key.
 * @see RFC 5280 §6.1.3 (a)(1), (a)(4)
 */
export function isIssuedBy(leaf: X509Certificate, ca: X509Certificate): boolean {
  return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
}

/**
 * True when `cert` is self-signed: it names itself as issuer and its signature verifies with its own key. Unlike
 * {@link isIssuedBy} it ignores key usage, so a self-signed leaf without keyCertSign counts too.
 */
export function isSelfSigned(cert: X509Certificate): boolean {
  return cert.subject === cert.issuer && cert.verify(cert.publicKey);
}
