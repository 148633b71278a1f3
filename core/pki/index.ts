/**
 * @module Test PKI and X.509 helpers: issue a root CA, intermediate, server and client leaves and deliberately broken
 * certificates at run time; encode and decode the `certificate` field; inspect and check certificates and chains.
 */
export { BAD_CERT_FACTS, BAD_CERT_NAMES, issueBadCertificates } from './bad-certificates.js';
export type { BadCertFacts, BadCertName } from './bad-certificates.js';
export { decodeCertificateField, encodeCertificateField, parseCertificate } from './certificate-field.js';
export type { CertificateEncoding, DecodedCertificateField } from './certificate-field.js';
export { GARBAGE_FACTS, GARBAGE_NAMES, makeGarbagePayloads } from './garbage.js';
export type { GarbageFacts, GarbageName } from './garbage.js';
export {
  basicConstraintsOf,
  checkLeafProfile,
  describeCertificate,
  EKU_CLIENT_AUTH,
  EKU_SERVER_AUTH,
  isIssuedBy,
  isSelfSigned,
  keyUsageOf,
  sha256Hex,
  spkiSha256Hex,
  validityOf,
} from './inspect.js';
export {
  createRootCa,
  DEFAULT_SERVER_HOSTS,
  issueCertificate,
  issueClientLeaf,
  issueIntermediateCa,
  issueServerLeaf,
} from './issue.js';
export type { CaOptions, CertificateSpec, IssuedCertificate, KeyUsageName, LeafOptions } from './issue.js';
export { describeKeyType, generateKeyMaterial, KEY_TYPES } from './key-types.js';
export type { KeyMaterial, KeyType } from './key-types.js';
export { issuedFromPem, keyTypeOfKey } from './load.js';
export type { StoredIssuedCertificate } from './load.js';
export { derToPem, isStrictBase64, parsePemBlocks, pemToDer, pemToDerList } from './pem.js';
export type { PemBlock } from './pem.js';
export { generateTestPki } from './test-pki.js';
export type { GenerateTestPkiOptions, PkiManifestEntry, TestPki } from './test-pki.js';
export { verifyChainAgainstRoot } from './verify-chain.js';
export type { ChainVerdict } from './verify-chain.js';
export { writeTestPki } from './write-test-pki.js';
