/**
 * @module Verification policy and outcome types, the default policy, and the reason → HTTP status map.
 */
import type { KeyObject } from 'node:crypto';
import type { DigestMode } from '../content-digest.js';
import { MARGO_ALGORITHMS } from './algorithms.js';
import type { SignatureAlgorithm } from './algorithms.js';

/** What a verifier demands beyond a valid signature (spec-digest §3.2, §6.7–§6.16). */
export interface VerifyPolicy {
  /** Lower-case component ids; `content-digest` is only required when the body is non-empty. */
  requiredComponents: readonly string[];
  maxAgeSeconds: number;
  clockSkewSeconds: number;
  /** The verifier's "now", Unix seconds (never read from the wall clock here). */
  nowSeconds: number;
  allowedAlgorithms: readonly SignatureAlgorithm[];
  /** true → mixed-case ids are accepted with a warning (spec-digest §6.8); false → reason `uppercase-component-id`. */
  acceptMixedCaseComponentIds: boolean;
  /** Body non-empty ⇒ Content-Digest must be present, correct AND covered. */
  requireContentDigestOnBody: boolean;
  /** Default `raw-body`. */
  digestMode?: DigestMode;
  /** Default: the only label present, else `sig1`. */
  label?: string;
}

/** Finds the verification key for a `keyid` (undefined when the signature has none). Undefined → `unknown-key`. */
export type KeyLookup = (keyid: string | undefined) => Promise<KeyObject | undefined> | KeyObject | undefined;

/** Why a signature was refused. Each maps to a status with {@link httpStatusForFailure}. */
export type SignatureFailureReason =
  | 'missing-header'
  | 'malformed-signature-input'
  | 'malformed-signature'
  | 'component-not-covered'
  | 'missing-content-digest'
  | 'malformed-content-digest'
  | 'digest-mismatch'
  | 'bad-signature'
  | 'stale-created'
  | 'future-created'
  | 'missing-created'
  | 'unknown-key'
  | 'unsupported-algorithm'
  | 'uppercase-component-id';

/** Result of verification. `signatureBase` is the base rebuilt from the message, present whenever it could be built. */
export type VerifyOutcome =
  | {
      ok: true;
      label: string;
      keyid?: string;
      algorithm: SignatureAlgorithm;
      /** Unix seconds. */
      created: number;
      components: string[];
      signatureBase: string;
      warnings: string[];
    }
  | {
      ok: false;
      reason: SignatureFailureReason;
      message: string;
      signatureBase?: string;
      label?: string;
      keyid?: string;
      algorithm?: SignatureAlgorithm;
      created?: number;
      components?: string[];
    };

/**
 * The strict default policy, used when no configuration says otherwise: Margo's components
 * (`@method`, `@target-uri`, `content-digest`), 300 s window, 60 s skew, the four Margo algorithms, lower-case ids
 * only, Content-Digest required on bodies, raw-body digests. Every signing fault is rejected under it.
 * It rejects mixed-case ids; the lenient reading of spec-digest §6.8 is `sig.acceptMixedCaseComponentIds: true`,
 * which the caller sets through `overrides`.
 */
export function defaultVerifyPolicy(nowSeconds: number, overrides: Partial<VerifyPolicy> = {}): VerifyPolicy {
  return {
    requiredComponents: ['@method', '@target-uri', 'content-digest'],
    maxAgeSeconds: 300,
    clockSkewSeconds: 60,
    nowSeconds,
    allowedAlgorithms: MARGO_ALGORITHMS,
    acceptMixedCaseComponentIds: false,
    requireContentDigestOnBody: true,
    digestMode: 'raw-body',
    ...overrides,
  };
}

const DIGEST_REASONS: ReadonlySet<SignatureFailureReason> = new Set([
  'missing-content-digest',
  'malformed-content-digest',
  'digest-mismatch',
]);

/**
 * The status a WFM answers for a refused signature: Content-Digest problems → 400, everything else → 401.
 * @see spec-digest §3.2 step 6, §6.16 (`errors.map`)
 */
export function httpStatusForFailure(reason: SignatureFailureReason): 400 | 401 {
  return DIGEST_REASONS.has(reason) ? 400 : 401;
}
