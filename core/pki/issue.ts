/**
 * @module Issuing certificates for the test PKI with @peculiar/x509: root CA, intermediate CA, server leaf, client
 * leaf, and the general {@link issueCertificate} the deliberately broken variants are built from. Keys are generated
 * per certificate at run time; nothing is read from or written to disk here.
 *
 * @see RFC 5280 §4.1 (TBSCertificate), §4.2.1 (standard extensions)
 */
import 'reflect-metadata';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsageExtension,
  type Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate as PeculiarCertificate,
  X509CertificateGenerator,
} from '@peculiar/x509';
import { randomBytes, webcrypto, type KeyObject, type X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { parseCertificate } from './certificate-field.js';
import { EKU_CLIENT_AUTH, EKU_SERVER_AUTH, isSelfSigned, sha256Hex, spkiSha256Hex } from './inspect.js';
import { generateKeyMaterial, importSigningKey, signingAlgorithmOf, type KeyType, type KeyMaterial } from './key-types.js';
import { derToPem } from './pem.js';

/** A certificate with its private key, in every form the project needs. */
export interface IssuedCertificate {
  /** Stable name, also the file stem written by `writeTestPki` (`root-ca`, `server`, `client-ec-p256`, …). */
  readonly name: string;
  readonly keyType: KeyType;
  /** PEM of this certificate, ending with a newline. */
  readonly certPem: string;
  readonly certDer: Uint8Array;
  readonly privateKey: KeyObject;
  /** PKCS#8 PEM of the private key. Never evidence; written to disk only with mode 0600. */
  readonly privateKeyPem: string;
  /** This certificate followed by its intermediates, never the root CA: PEM blocks one after another. */
  readonly chainPem: string;
  /** SHA-256 of the DER, lowercase hex, no colons. */
  readonly fingerprint256: string;
  /** SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex. */
  readonly spkiSha256Hex: string;
  readonly x509: X509Certificate;
}

/** Key usage bit names. @see RFC 5280 §4.2.1.3 */
export type KeyUsageName = keyof typeof KeyUsageFlags;

/** Everything that goes into one certificate. */
export interface CertificateSpec {
  readonly name: string;
  readonly keyType: KeyType;
  /** RFC 4514-style distinguished name, e.g. `CN=localhost, O=margo-conformance`. */
  readonly subject: string;
  /** The issuing CA; omitted for a self-signed certificate. */
  readonly issuer?: IssuedCertificate;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Critical basicConstraints; omitted → no extension. */
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number };
  /** Critical key usage; omitted → no extension. */
  readonly keyUsage?: readonly KeyUsageName[];
  /** Extended key usage OIDs; omitted → no extension. */
  readonly extKeyUsage?: readonly string[];
  /** Hosts for the subjectAltName: IP literals become iPAddress entries, anything else dNSName. */
  readonly hosts?: readonly string[];
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Leaves start an hour in the past so that small clock skew between peers does not make them "not yet valid". */
const BACKDATE_MS = HOUR_MS;
const SUBJECT_SUFFIX = 'O=margo-conformance test PKI';
/** Default client-leaf and server-leaf lifetime. */
const LEAF_VALIDITY_DAYS = 90;

function randomSerialHex(): string {
  const bytes = randomBytes(16);
  // Positive INTEGER without a leading zero octet (RFC 5280 §4.1.2.2).
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}

function keyUsageFlags(names: readonly KeyUsageName[]): KeyUsageFlags {
  return names.reduce<number>((flags, name) => flags | KeyUsageFlags[name], 0);
}

async function buildExtensions(spec: CertificateSpec, key: KeyMaterial): Promise<Extension[]> {
  const extensions: Extension[] = [];
  if (spec.basicConstraints !== undefined) {
    const { ca, pathLength } = spec.basicConstraints;
    extensions.push(new BasicConstraintsExtension(ca, pathLength, true));
  }
  if (spec.keyUsage !== undefined) extensions.push(new KeyUsagesExtension(keyUsageFlags(spec.keyUsage), true));
  if (spec.extKeyUsage !== undefined) extensions.push(new ExtendedKeyUsageExtension([...spec.extKeyUsage], false));
  if (spec.hosts !== undefined) {
    const names = spec.hosts.map((host) => ({ type: isIP(host) === 0 ? ('dns' as const) : ('ip' as const), value: host }));
    extensions.push(new SubjectAlternativeNameExtension(names, false));
  }
  extensions.push(await SubjectKeyIdentifierExtension.create(key.cryptoKeys.publicKey, false, webcrypto));
  const issuerKeyId =
    spec.issuer === undefined
      ? undefined
      : new PeculiarCertificate(spec.issuer.certDer).getExtension(SubjectKeyIdentifierExtension)?.keyId;
  if (issuerKeyId !== undefined) extensions.push(new AuthorityKeyIdentifierExtension(issuerKeyId, false));
  return extensions;
}

/**
 * Issues one certificate from `spec` with a fresh key of `spec.keyType`, signed by `spec.issuer` (or by itself).
 * Resolves to an {@link IssuedCertificate}. The signature algorithm follows the issuer's key type.
 */
export async function issueCertificate(spec: CertificateSpec): Promise<IssuedCertificate> {
  const key = await generateKeyMaterial(spec.keyType);
  const { issuer } = spec;
  const signingKey =
    issuer === undefined ? key.cryptoKeys.privateKey : await importSigningKey(issuer.privateKey, issuer.keyType);
  const cert = await X509CertificateGenerator.create(
    {
      serialNumber: randomSerialHex(),
      subject: spec.subject,
      issuer: issuer === undefined ? spec.subject : new PeculiarCertificate(issuer.certDer).subjectName,
      notBefore: spec.notBefore,
      notAfter: spec.notAfter,
      publicKey: key.cryptoKeys.publicKey,
      signingKey,
      signingAlgorithm: signingAlgorithmOf(issuer?.keyType ?? spec.keyType),
      extensions: await buildExtensions(spec, key),
    },
    webcrypto,
  );
  const certDer = new Uint8Array(cert.rawData);
  const certPem = derToPem(certDer);
  const x509 = parseCertificate(certDer);
  const issuerChain = issuer === undefined || isSelfSigned(issuer.x509) ? '' : issuer.chainPem;
  return {
    name: spec.name,
    keyType: spec.keyType,
    certPem,
    certDer,
    privateKey: key.privateKey,
    privateKeyPem: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    chainPem: certPem + issuerChain,
    fingerprint256: sha256Hex(certDer),
    spkiSha256Hex: spkiSha256Hex(x509),
    x509,
  };
}

/** Options shared by the CA issuers. `now` anchors validity; `validityDays` counts from `now`. */
export interface CaOptions {
  readonly commonName?: string;
  /** Default `ec-p256`. */
  readonly keyType?: KeyType;
  readonly now?: Date;
  /** Default 365. */
  readonly validityDays?: number;
  readonly name?: string;
}

/**
 * Creates a self-signed root CA (basicConstraints CA:true critical, key usage keyCertSign + cRLSign critical).
 * Resolves to its {@link IssuedCertificate}; `chainPem` is the root itself.
 * @see RFC 5280 §4.2.1.9
 */
export function createRootCa(opts: CaOptions = {}): Promise<IssuedCertificate> {
  const now = opts.now ?? new Date();
  return issueCertificate({
    name: opts.name ?? 'root-ca',
    keyType: opts.keyType ?? 'ec-p256',
    subject: `CN=${opts.commonName ?? 'Margo Conformance Test Root CA'}, ${SUBJECT_SUFFIX}`,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + (opts.validityDays ?? 365) * DAY_MS),
    basicConstraints: { ca: true },
    keyUsage: ['keyCertSign', 'cRLSign'],
  });
}

/**
 * Issues an intermediate CA under `issuer` (CA:true, pathLength 0, keyCertSign + cRLSign).
 * Resolves to its {@link IssuedCertificate}; `chainPem` holds the intermediate (and any intermediates above it).
 */
export function issueIntermediateCa(issuer: IssuedCertificate, opts: CaOptions = {}): Promise<IssuedCertificate> {
  const now = opts.now ?? new Date();
  return issueCertificate({
    name: opts.name ?? 'intermediate-ca',
    keyType: opts.keyType ?? 'ec-p256',
    subject: `CN=${opts.commonName ?? 'Margo Conformance Test Intermediate CA'}, ${SUBJECT_SUFFIX}`,
    issuer,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + (opts.validityDays ?? 365) * DAY_MS),
    basicConstraints: { ca: true, pathLength: 0 },
    keyUsage: ['keyCertSign', 'cRLSign'],
  });
}

/** Default TLS server identities: DNS localhost, IPv4 and IPv6 loopback. */
export const DEFAULT_SERVER_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/** Options for leaf issuers. */
export interface LeafOptions {
  readonly keyType?: KeyType;
  readonly now?: Date;
  readonly name?: string;
  readonly commonName?: string;
  /** Default 90. */
  readonly validityDays?: number;
}

function leafValidity(opts: LeafOptions): { notBefore: Date; notAfter: Date } {
  const now = opts.now ?? new Date();
  return {
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + (opts.validityDays ?? LEAF_VALIDITY_DAYS) * DAY_MS),
  };
}

/**
 * Issues a TLS server leaf under `issuer`: SAN = `hosts` (default localhost, 127.0.0.1, ::1), EKU serverAuth,
 * key usage digitalSignature (+ keyEncipherment for RSA), CA:false. Default key type `ec-p256`.
 * @see RFC 5280 §4.2.1.6, RFC 6125 §6
 */
export function issueServerLeaf(
  issuer: IssuedCertificate,
  opts: LeafOptions & { readonly hosts?: readonly string[] } = {},
): Promise<IssuedCertificate> {
  const keyType = opts.keyType ?? 'ec-p256';
  const hosts = opts.hosts ?? DEFAULT_SERVER_HOSTS;
  return issueCertificate({
    name: opts.name ?? 'server',
    keyType,
    subject: `CN=${opts.commonName ?? hosts[0] ?? 'localhost'}, ${SUBJECT_SUFFIX}`,
    issuer,
    ...leafValidity(opts),
    basicConstraints: { ca: false },
    keyUsage: keyType.startsWith('rsa') ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'],
    extKeyUsage: [EKU_SERVER_AUTH],
    hosts,
  });
}

/**
 * Issues a device client leaf under `issuer` for the OnboardingRequest `certificate` field and RFC 9421 signing:
 * key usage digitalSignature, EKU clientAuth, CA:false. Default key type `ec-p256`; default name `client-<keyType>`.
 * @see spec-digest §4.1, §6.21
 */
export function issueClientLeaf(issuer: IssuedCertificate, opts: LeafOptions = {}): Promise<IssuedCertificate> {
  const keyType = opts.keyType ?? 'ec-p256';
  return issueCertificate({
    name: opts.name ?? `client-${keyType}`,
    keyType,
    subject: `CN=${opts.commonName ?? `margo-test-client-${keyType}`}, ${SUBJECT_SUFFIX}`,
    issuer,
    ...leafValidity(opts),
    basicConstraints: { ca: false },
    keyUsage: ['digitalSignature'],
    extKeyUsage: [EKU_CLIENT_AUTH],
  });
}
