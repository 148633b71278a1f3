/**
 * @module Deliberately broken leaf certificates. Each one works both as a TLS server leaf (SAN localhost, 127.0.0.1,
 * ::1 unless the defect is the host; EKU serverAuth + clientAuth) and as a client certificate payload for the
 * OnboardingRequest `certificate` field, and has exactly one defect.
 *
 * `unknown-ca` is served as the leaf alone (its `chainPem`, like every chain here, excludes the root), so a client
 * that pins our root CA reports UNABLE_TO_VERIFY_LEAF_SIGNATURE; serving the leaf plus the rogue root
 * (`chainPem + unknownCa.certPem`) gives SELF_SIGNED_CERT_IN_CHAIN instead.
 *
 * @see RFC 5280 §4.1.2.5 (validity), §4.2.1.3 (key usage), §4.2.1.9 (basic constraints); RFC 6125 §6 (host)
 */
import { DEFAULT_SERVER_HOSTS, issueCertificate, type CertificateSpec, type IssuedCertificate } from './issue.js';
import { EKU_CLIENT_AUTH, EKU_SERVER_AUTH } from './inspect.js';

/** Names of the broken leaves. */
export type BadCertName =
  | 'expired'
  | 'not-yet-valid'
  | 'self-signed'
  | 'unknown-ca'
  | 'wrong-key-usage'
  | 'ca-true-leaf'
  | 'server-wrong-host';

/** Every {@link BadCertName}, in a stable order. */
export const BAD_CERT_NAMES: readonly BadCertName[] = [
  'expired',
  'not-yet-valid',
  'self-signed',
  'unknown-ca',
  'wrong-key-usage',
  'ca-true-leaf',
  'server-wrong-host',
];

/** What is wrong with a broken leaf and the error code a TLS client pinning the root CA reports when it is served. */
export interface BadCertFacts {
  readonly defect: string;
  /** Node / OpenSSL error code; undefined when OpenSSL accepts the certificate (only our profile check catches it). */
  readonly expectedTlsError?: string;
  /** Error code when served with its rogue root appended (only `unknown-ca`). */
  readonly expectedTlsErrorWithRoot?: string;
}

/** The defect and expected TLS error of each broken leaf. */
export const BAD_CERT_FACTS: Readonly<Record<BadCertName, BadCertFacts>> = {
  expired: { defect: 'notAfter is one day in the past', expectedTlsError: 'CERT_HAS_EXPIRED' },
  'not-yet-valid': { defect: 'notBefore is one day in the future', expectedTlsError: 'CERT_NOT_YET_VALID' },
  'self-signed': { defect: 'self-signed leaf, not issued by any CA', expectedTlsError: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
  'unknown-ca': {
    defect: 'issued by a root CA the peer does not trust (served without that root)',
    expectedTlsError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    expectedTlsErrorWithRoot: 'SELF_SIGNED_CERT_IN_CHAIN',
  },
  'wrong-key-usage': {
    defect: 'key usage is keyCertSign only (no digitalSignature)',
    expectedTlsError: 'INVALID_PURPOSE',
  },
  'ca-true-leaf': {
    defect: 'leaf carries basicConstraints CA:true; OpenSSL accepts it, checkLeafProfile reports it',
  },
  'server-wrong-host': {
    defect: 'subjectAltName is DNS wrong-host.invalid only (not localhost / 127.0.0.1 / ::1)',
    expectedTlsError: 'ERR_TLS_CERT_ALTNAME_INVALID',
  },
};

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

function specFor(
  name: BadCertName,
  issuer: IssuedCertificate,
  unknownCa: IssuedCertificate,
  now: Date,
): CertificateSpec {
  const t = now.getTime();
  const base: CertificateSpec = {
    name: `bad-${name}`,
    keyType: 'ec-p256',
    subject: `CN=localhost, OU=bad-${name}, O=margo-conformance test PKI`,
    issuer,
    notBefore: new Date(t - HOUR_MS),
    notAfter: new Date(t + 30 * DAY_MS),
    basicConstraints: { ca: false },
    keyUsage: ['digitalSignature'],
    extKeyUsage: [EKU_SERVER_AUTH, EKU_CLIENT_AUTH],
    hosts: DEFAULT_SERVER_HOSTS,
  };
  switch (name) {
    case 'expired':
      return { ...base, notBefore: new Date(t - 30 * DAY_MS), notAfter: new Date(t - DAY_MS) };
    case 'not-yet-valid':
      return { ...base, notBefore: new Date(t + DAY_MS), notAfter: new Date(t + 30 * DAY_MS) };
    case 'self-signed': {
      const { issuer: _omit, ...selfSigned } = base;
      return selfSigned;
    }
    case 'unknown-ca':
      return { ...base, issuer: unknownCa };
    case 'wrong-key-usage':
      return { ...base, keyUsage: ['keyCertSign'] };
    case 'ca-true-leaf':
      return { ...base, basicConstraints: { ca: true } };
    case 'server-wrong-host':
      return {
        ...base,
        subject: 'CN=wrong-host.invalid, OU=bad-server-wrong-host, O=margo-conformance test PKI',
        hosts: ['wrong-host.invalid'],
      };
  }
}

/**
 * Issues every broken leaf in parallel (EC P-256 keys). `issuer` signs all but `self-signed` and `unknown-ca`;
 * `unknownCa` signs `unknown-ca`. Resolves to a record keyed by {@link BadCertName}; names are `bad-<name>`.
 */
export async function issueBadCertificates(
  issuer: IssuedCertificate,
  unknownCa: IssuedCertificate,
  now: Date,
): Promise<Record<BadCertName, IssuedCertificate>> {
  const issued = await Promise.all(
    BAD_CERT_NAMES.map(async (name) => [name, await issueCertificate(specFor(name, issuer, unknownCa, now))] as const),
  );
  return Object.fromEntries(issued) as Record<BadCertName, IssuedCertificate>;
}
