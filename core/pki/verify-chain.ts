/**
 * @module Offline check of a served TLS server chain against one root CA, as a WFM client that pins that root would
 * judge it: for example the chain a WFM presents versus the root CA its Certificate API (E1) advertises.
 *
 * It mirrors what OpenSSL plus Node's host check enforce for a TLS client (signatures, names, validity, CA flags,
 * path length, server purpose, RFC 6125 host). It does not evaluate name constraints, certificate policies or
 * revocation; Margo defines none of these (spec-digest §4.1).
 *
 * @see RFC 5280 §6.1 (path validation), RFC 6125 §6 (host name), spec-digest §5.1 item 5
 */
import 'reflect-metadata';
import { KeyUsageFlags } from '@peculiar/x509';
import type { X509Certificate } from 'node:crypto';
import { checkServerIdentity } from 'node:tls';
import { basicConstraintsOf, EKU_SERVER_AUTH, isIssuedBy, keyUsageOf, validityOf } from './inspect.js';

/** Outcome of {@link verifyChainAgainstRoot}; `reason` names the first problem found. */
export type ChainVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

function subjectOf(cert: X509Certificate): string {
  return cert.subject.replace(/\n/g, ', ');
}

function validityProblem(cert: X509Certificate, nowSeconds: number, role: string): string | undefined {
  const { notBeforeSeconds, notAfterSeconds } = validityOf(cert);
  if (nowSeconds > notAfterSeconds) return `${role} "${subjectOf(cert)}" expired at ${cert.validTo}`;
  if (nowSeconds < notBeforeSeconds) return `${role} "${subjectOf(cert)}" is not valid before ${cert.validFrom}`;
  return undefined;
}

function caProblem(cert: X509Certificate, intermediatesBelow: number, role: string): string | undefined {
  const bc = basicConstraintsOf(cert);
  if (bc?.ca !== true) return `${role} "${subjectOf(cert)}" is not a CA (basicConstraints CA:true missing)`;
  const ku = keyUsageOf(cert);
  if (ku !== undefined && (ku & KeyUsageFlags.keyCertSign) === 0) {
    return `${role} "${subjectOf(cert)}" key usage lacks keyCertSign`;
  }
  if (bc.pathLength !== undefined && intermediatesBelow > bc.pathLength) {
    return `${role} "${subjectOf(cert)}" pathLenConstraint ${bc.pathLength} exceeded by ${intermediatesBelow} intermediates`;
  }
  return undefined;
}

function serverLeafProblem(leaf: X509Certificate, host: string): string | undefined {
  const eku = leaf.keyUsage; // node:crypto names the extended key usage OIDs `keyUsage`
  if (eku !== undefined && eku.length > 0 && !eku.includes(EKU_SERVER_AUTH)) {
    return 'leaf extended key usage lacks serverAuth';
  }
  const ku = keyUsageOf(leaf);
  const serverBits = KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment | KeyUsageFlags.keyAgreement;
  if (ku !== undefined && (ku & serverBits) === 0) return 'leaf key usage allows no TLS server use';
  const hostError = checkServerIdentity(host, leaf.toLegacyObject());
  return hostError === undefined ? undefined : `leaf does not match host ${host}: ${hostError.message}`;
}

/**
 * Verifies `chain` (leaf first, then intermediates; the root itself MAY be presented last) against the trust
 * anchor `root` for TLS server `host` at `nowSeconds` (Unix seconds). Steps:
 * 1. drop a trailing copy of `root`; an empty chain fails;
 * 2. each certificate is issued by the next one, the last by `root` (names, key identifiers, signatures);
 * 3. every certificate, the root included, is within its validity period;
 * 4. every intermediate and the root is a CA with keyCertSign, and path length constraints hold;
 * 5. the leaf is fit for a TLS server (EKU serverAuth, key usage) and matches `host` (tls.checkServerIdentity).
 * Returns `{ ok: true }` or `{ ok: false, reason }`. Never throws for a bad chain.
 */
export function verifyChainAgainstRoot(
  chain: readonly X509Certificate[],
  root: X509Certificate,
  host: string,
  nowSeconds: number,
): ChainVerdict {
  // Step 1.
  const path = [...chain];
  while (path.length > 0 && path[path.length - 1]?.raw.equals(root.raw) === true) path.pop();
  const leaf = path[0];
  if (leaf === undefined) return { ok: false, reason: 'the chain holds no certificate other than the root CA' };
  // Step 2.
  for (const [i, cert] of path.entries()) {
    const issuer = path[i + 1] ?? root;
    if (!isIssuedBy(cert, issuer)) {
      const role = i === 0 ? 'leaf' : `intermediate #${i}`;
      return { ok: false, reason: `${role} "${subjectOf(cert)}" is not issued by "${subjectOf(issuer)}"` };
    }
  }
  // Steps 3 and 4.
  const roles = path.map((cert, i) => ({ cert, role: i === 0 ? 'leaf' : `intermediate #${i}` }));
  for (const { cert, role } of [...roles, { cert: root, role: 'root CA' }]) {
    const problem = validityProblem(cert, nowSeconds, role);
    if (problem !== undefined) return { ok: false, reason: problem };
  }
  for (const [i, cert] of [...path.slice(1), root].entries()) {
    const problem = caProblem(cert, i, i === path.length - 1 ? 'root CA' : `intermediate #${i + 1}`);
    if (problem !== undefined) return { ok: false, reason: problem };
  }
  // Step 5.
  const problem = serverLeafProblem(leaf, host);
  return problem === undefined ? { ok: true } : { ok: false, reason: problem };
}
