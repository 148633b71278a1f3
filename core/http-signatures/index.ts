/**
 * @module RFC 9421 HTTP Message Signatures with RFC 9530 Content-Digest, as Margo payload security uses them.
 * Re-exports only; see the sibling files.
 * @see RFC 9421, RFC 9530, spec-digest §3
 */
export {
  ALL_ALGORITHMS,
  MARGO_ALGORITHMS,
  PSS_SALT_LENGTH,
  RSA_ALGORITHMS,
  algorithmsForKey,
  defaultAlgorithmForKey,
  diagnoseSignatureFailure,
  isAlgorithmCompatible,
  isSignatureAlgorithm,
  signBase,
  verifyBase,
} from './algorithms.js';
export type { SignVariant, SignatureAlgorithm } from './algorithms.js';
export { DERIVED_COMPONENTS, parseComponentId, showComponent } from './components.js';
export type { ComponentId } from './components.js';
export { SIGNING_FAULTS, isSigningFault } from './faults.js';
export type { SigningFault } from './faults.js';
export { keyIdForPublicKey } from './keyid.js';
export { defaultVerifyPolicy, httpStatusForFailure } from './policy.js';
export type { KeyLookup, SignatureFailureReason, VerifyOutcome, VerifyPolicy } from './policy.js';
export { createRequestSigner, signRequest } from './sign.js';
export type { RequestSigner, SignOptions, SignedRequest } from './sign.js';
export { buildSignatureBaseForRequest, serializeSignatureParams } from './signature-base.js';
export {
  parseSignatureDictionary,
  parseSignatureField,
  parseSignatureInputField,
  readSignatureBytes,
  readSignatureInputEntry,
} from './signature-fields.js';
export type { SignatureField, SignatureInputEntry, SignatureInputField } from './signature-fields.js';
export type { HttpMessageParts, HttpRequestParts, HttpResponseParts, SignatureParams } from './types.js';
export { createRequestVerifier, verifyRequest, verifyResponse } from './verify.js';
export type { RequestVerifier, VerifyRules } from './verify.js';
