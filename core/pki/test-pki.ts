/**
 * @module The whole test PKI of a run: root CA, optional intermediate, server leaf, one client leaf per key type,
 * the broken leaves, the rogue root CA they call "unknown", malformed `certificate` field values, and a manifest
 * that names every item with its fingerprint and defect. Generated at run time; nothing is committed.
 *
 * @see fixtures/pki/README.md
 */
import { BAD_CERT_FACTS, BAD_CERT_NAMES, issueBadCertificates, type BadCertName } from './bad-certificates.js';
import { GARBAGE_FACTS, GARBAGE_NAMES, makeGarbagePayloads, type GarbageName } from './garbage.js';
import { createRootCa, issueClientLeaf, issueIntermediateCa, issueServerLeaf, type IssuedCertificate } from './issue.js';
import { KEY_TYPES, type KeyType } from './key-types.js';
import type { ErrorCode } from '../errors.js';

/** One named item of the test PKI. */
export interface PkiManifestEntry {
  readonly name: string;
  readonly kind: 'root-ca' | 'intermediate-ca' | 'server' | 'client' | 'bad' | 'garbage';
  readonly keyType?: KeyType;
  /** SHA-256 of the certificate DER, lowercase hex. */
  readonly fingerprint256?: string;
  /** SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex. */
  readonly spkiSha256Hex?: string;
  /** Name of the issuing item; absent for self-signed certificates and garbage. */
  readonly issuer?: string;
  /** What is wrong with the item; null for good items. */
  readonly defect: string | null;
  /** Error code a TLS client pinning the root CA reports when this leaf's `chainPem` is served. */
  readonly expectedTlsError?: string;
  /** Error code when the leaf is served together with its (untrusted) root. */
  readonly expectedTlsErrorWithRoot?: string;
  /** Code `decodeCertificateField(value, ['base64-der'])` throws (garbage only). */
  readonly expectedDecodeError?: ErrorCode;
}

/** The test PKI. `K` narrows `clients` to the key types that were requested. */
export interface TestPki<K extends KeyType = KeyType> {
  readonly rootCa: IssuedCertificate;
  readonly intermediate?: IssuedCertificate;
  /** Issued by the intermediate when there is one, else by the root CA. */
  readonly server: IssuedCertificate;
  readonly clients: Readonly<Record<K, IssuedCertificate>>;
  readonly bad: Readonly<Record<BadCertName, IssuedCertificate>>;
  /** The rogue root CA that issued `bad['unknown-ca']`; trusted by nobody. */
  readonly unknownCa: IssuedCertificate;
  readonly garbage: Readonly<Record<GarbageName, string>>;
  readonly manifest: readonly PkiManifestEntry[];
}

/** Options of {@link generateTestPki}. */
export interface GenerateTestPkiOptions<K extends KeyType> {
  /** Anchors every validity period. Default: the current time. */
  readonly now?: Date;
  /** Issue leaves from an intermediate CA. Default false. */
  readonly withIntermediate?: boolean;
  /** Client key types. Default: all five. */
  readonly clientKeyTypes?: readonly K[];
}

function certEntry(
  cert: IssuedCertificate,
  kind: PkiManifestEntry['kind'],
  issuer: IssuedCertificate | undefined,
  defect: string | null,
): PkiManifestEntry {
  return {
    name: cert.name,
    kind,
    keyType: cert.keyType,
    fingerprint256: cert.fingerprint256,
    spkiSha256Hex: cert.spkiSha256Hex,
    ...(issuer === undefined ? {} : { issuer: issuer.name }),
    defect,
  };
}

function badIssuer(name: BadCertName, issuing: IssuedCertificate, unknownCa: IssuedCertificate): IssuedCertificate | undefined {
  if (name === 'self-signed') return undefined;
  return name === 'unknown-ca' ? unknownCa : issuing;
}

function buildManifest<K extends KeyType>(
  pki: Omit<TestPki<K>, 'manifest'>,
  issuing: IssuedCertificate,
): PkiManifestEntry[] {
  const entries: PkiManifestEntry[] = [certEntry(pki.rootCa, 'root-ca', undefined, null)];
  if (pki.intermediate !== undefined) entries.push(certEntry(pki.intermediate, 'intermediate-ca', pki.rootCa, null));
  entries.push(certEntry(pki.server, 'server', issuing, null));
  for (const client of Object.values<IssuedCertificate>(pki.clients)) {
    entries.push(certEntry(client, 'client', issuing, null));
  }
  entries.push(certEntry(pki.unknownCa, 'root-ca', undefined, 'rogue root CA that no peer trusts'));
  for (const name of BAD_CERT_NAMES) {
    const facts = BAD_CERT_FACTS[name];
    entries.push({
      ...certEntry(pki.bad[name], 'bad', badIssuer(name, issuing, pki.unknownCa), facts.defect),
      ...(facts.expectedTlsError === undefined ? {} : { expectedTlsError: facts.expectedTlsError }),
      ...(facts.expectedTlsErrorWithRoot === undefined
        ? {}
        : { expectedTlsErrorWithRoot: facts.expectedTlsErrorWithRoot }),
    });
  }
  for (const name of GARBAGE_NAMES) {
    const { defect, expectedDecodeError } = GARBAGE_FACTS[name];
    entries.push({ name: `garbage-${name}`, kind: 'garbage', defect, expectedDecodeError });
  }
  return entries;
}

/**
 * Generates the test PKI. Keys are generated in parallel once the root CA exists (RSA-3072 dominates: about a
 * second). Every CA and broken leaf uses EC P-256. Resolves to a {@link TestPki} with its manifest.
 * Garbage values are derived from the first requested client leaf (the server leaf when none is requested).
 */
export async function generateTestPki<K extends KeyType = KeyType>(
  opts: GenerateTestPkiOptions<K> = {},
): Promise<TestPki<K>> {
  const now = opts.now ?? new Date();
  const clientKeyTypes = opts.clientKeyTypes ?? (KEY_TYPES as readonly K[]);
  const [rootCa, unknownCa] = await Promise.all([
    createRootCa({ now }),
    createRootCa({ now, name: 'unknown-ca', commonName: 'Unknown Test Root CA' }),
  ]);
  const intermediate = opts.withIntermediate === true ? await issueIntermediateCa(rootCa, { now }) : undefined;
  const issuing = intermediate ?? rootCa;
  const [server, clientList, bad] = await Promise.all([
    issueServerLeaf(issuing, { now }),
    Promise.all(clientKeyTypes.map((keyType) => issueClientLeaf(issuing, { keyType, now }))),
    issueBadCertificates(issuing, unknownCa, now),
  ]);
  const clients = Object.fromEntries(clientKeyTypes.map((k, i) => [k, clientList[i]])) as Record<K, IssuedCertificate>;
  const garbage = makeGarbagePayloads((clientList[0] ?? server).certDer);
  const parts = {
    rootCa,
    ...(intermediate === undefined ? {} : { intermediate }),
    server,
    clients,
    bad,
    unknownCa,
    garbage,
  };
  return { ...parts, manifest: buildManifest(parts, issuing) };
}
