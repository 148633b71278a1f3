/**
 * @module Signature and Content-Digest verification at the mock's edge: core/http-signatures `verifyRequest`
 * under the policy of `signatures.*` and `digest.*`, with the client's cached public key, then the mock faults
 * that loosen exactly one rule. The outcome maps to the status the profile names (400 digest, 401 signature) and
 * to a {@link RecordedSignature} for the recording.
 *
 * Key lookup ignores `keyid`: the WFM finds the key by the clientId in the path (for onboarding: the certificate in
 * the body), so `keyid` is informational (`sig.verifyKeyid: ignore`, spec-digest §6.10).
 * @see RFC 9421 §3.2, RFC 9530 §2, spec-digest §3.2
 */
import type { KeyObject } from 'node:crypto';
import type { MargoConfig } from '../core/config.js';
import { isConformanceError } from '../core/errors.js';
import {
  algorithmsForKey,
  createRequestVerifier,
  httpStatusForFailure,
  parseSignatureDictionary,
  readSignatureBytes,
  verifyBase,
  type HttpRequestParts,
  type SignatureAlgorithm,
  type VerifyOutcome,
  type VerifyRules,
} from '../core/http-signatures/index.js';
import type { RecordedDigest, RecordedSignature } from '../core/traffic.js';
import type { MockFault } from './faults.js';

/** The verdict on one signed request. */
export type SignatureCheck =
  | { readonly ok: true; readonly recorded: RecordedSignature }
  | { readonly ok: false; readonly status: 400 | 401; readonly kind: 'digest' | 'signature'; readonly message: string; readonly recorded: RecordedSignature };

/** Verifies signed requests of one mock instance. */
export type SignatureVerifier = (req: HttpRequestParts, key: KeyObject | undefined, nowSeconds: number) => Promise<SignatureCheck>;

/** Effectively "no window" for the `ignore-created-window` fault: about 2.8 million years. */
const NO_WINDOW_SECONDS = 2 ** 46;

function basePolicy(config: MargoConfig, faults: ReadonlySet<MockFault>): VerifyRules {
  const uncovered = faults.has('accept-uncovered-components');
  const noWindow = faults.has('ignore-created-window');
  return {
    requiredComponents: uncovered ? [] : config.signatures.coveredComponents.map((c) => c.toLowerCase()),
    maxAgeSeconds: noWindow ? NO_WINDOW_SECONDS : config.signatures.maxAgeSeconds,
    clockSkewSeconds: noWindow ? NO_WINDOW_SECONDS : config.signatures.clockSkewSeconds,
    allowedAlgorithms: config.signatures.allowedAlgorithms as readonly SignatureAlgorithm[],
    acceptMixedCaseComponentIds: config.signatures.acceptMixedCaseComponentIds,
    requireContentDigestOnBody: !uncovered,
    digestMode: config.digest.mode,
  };
}

function digestOutcome(header: string | undefined, outcome: VerifyOutcome): RecordedDigest['outcome'] {
  if (outcome.ok) return header === undefined ? 'not-checked' : 'ok';
  switch (outcome.reason) {
    case 'digest-mismatch':
      return 'mismatch';
    case 'missing-content-digest':
      return 'missing';
    case 'malformed-content-digest':
      return 'malformed';
    default:
      return 'not-checked';
  }
}

function digestOf(headers: Readonly<Record<string, string>>, outcome: VerifyOutcome): RecordedDigest {
  const header = headers['content-digest'];
  // Built without a leading spread: V8 (Node 20) makes `{ ...x, more }` slow, and this runs per request.
  return header === undefined ? { outcome: digestOutcome(header, outcome) } : { header, outcome: digestOutcome(header, outcome) };
}

function record(req: HttpRequestParts, outcome: VerifyOutcome, faultsApplied: readonly MockFault[]): RecordedSignature {
  const o = outcome;
  return {
    outcome: o.ok ? 'ok' : o.reason,
    ...(o.ok ? {} : { message: o.message }),
    ...(o.signatureBase === undefined ? {} : { signatureBase: o.signatureBase }),
    ...(o.components === undefined ? {} : { components: o.components }),
    ...(o.label === undefined ? {} : { label: o.label }),
    ...(o.algorithm === undefined ? {} : { algorithm: o.algorithm }),
    ...(o.created === undefined ? {} : { created: o.created }),
    ...(o.keyid === undefined ? {} : { keyid: o.keyid }),
    ...(o.ok && o.warnings.length > 0 ? { warnings: o.warnings } : {}),
    digest: digestOf(req.headers, outcome),
    ...(faultsApplied.length > 0 ? { faultsApplied } : {}),
  };
}

/**
 * Checks only the signature bytes over the base that `verifyRequest` rebuilt, for a request refused for
 * `digest-mismatch` (the digest check runs before the cryptography). Used by the `accept-digest-mismatch` fault,
 * so that fault loosens the digest rule and nothing else.
 */
function signatureVerifiesDespiteDigest(
  req: HttpRequestParts,
  outcome: Extract<VerifyOutcome, { ok: false }>,
  key: KeyObject,
  allowed: readonly SignatureAlgorithm[],
): boolean {
  const signatureField = req.headers['signature'];
  if (outcome.signatureBase === undefined || outcome.label === undefined || signatureField === undefined) return false;
  let signature: Buffer;
  try {
    signature = readSignatureBytes(outcome.label, parseSignatureDictionary(signatureField, 'SIGNATURE_MALFORMED').get(outcome.label));
  } catch (err) {
    if (isConformanceError(err, 'SIGNATURE_MALFORMED')) return false;
    throw err;
  }
  const algorithms = outcome.algorithm !== undefined ? [outcome.algorithm] : algorithmsForKey(key).filter((a) => allowed.includes(a));
  const base = Buffer.from(outcome.signatureBase);
  return algorithms.some((a) => verifyBase(a, key, base, signature));
}

/** The fault that turns this refusal into an acceptance, if one is active. */
function loosenedBy(
  req: HttpRequestParts,
  outcome: Extract<VerifyOutcome, { ok: false }>,
  key: KeyObject,
  faults: ReadonlySet<MockFault>,
  allowed: readonly SignatureAlgorithm[],
): MockFault | undefined {
  if (outcome.reason === 'missing-header' && faults.has('accept-unsigned')) return 'accept-unsigned';
  if (outcome.reason === 'bad-signature' && faults.has('accept-any-key')) return 'accept-any-key';
  if (outcome.reason === 'digest-mismatch' && faults.has('accept-digest-mismatch')) {
    return signatureVerifiesDespiteDigest(req, outcome, key, allowed) ? 'accept-digest-mismatch' : undefined;
  }
  return undefined;
}

/**
 * Creates the verifier of one mock instance. The policy is prepared once (core `createRequestVerifier`, which keeps
 * per client key its algorithm candidates); per request only `nowSeconds` changes.
 * `key` undefined (a client onboarded with an undecodable certificate under `accept-bad-certificate-encoding`)
 * refuses every signature with `unknown-key` unless `accept-unsigned` / `accept-any-key` applies.
 */
export function createSignatureVerifier(config: MargoConfig, faults: ReadonlySet<MockFault>): SignatureVerifier {
  const policy = basePolicy(config, faults);
  const verifier = createRequestVerifier(policy);
  const requireDigestOnEmpty = config.digest.requireOnEmptyBody && !faults.has('accept-digest-mismatch');
  return async (req, key, nowSeconds) => {
    const bodyless = req.body === undefined || req.body.length === 0;
    if (requireDigestOnEmpty && bodyless && req.headers['content-digest'] === undefined && req.headers['signature'] !== undefined) {
      const message = 'Content-Digest is required on bodyless requests (digest.requireOnEmptyBody)';
      return { ok: false, status: 400, kind: 'digest', message, recorded: { outcome: 'missing-content-digest', message, digest: { outcome: 'missing' } } };
    }
    const outcome = await verifier.verify(req, nowSeconds, () => key);
    if (outcome.ok) return { ok: true, recorded: record(req, outcome, []) };
    const fault = key === undefined
      ? (outcome.reason === 'missing-header' && faults.has('accept-unsigned') ? 'accept-unsigned' : faults.has('accept-any-key') ? 'accept-any-key' : undefined)
      : loosenedBy(req, outcome, key, faults, policy.allowedAlgorithms);
    if (fault !== undefined) return { ok: true, recorded: record(req, outcome, [fault]) };
    const status = httpStatusForFailure(outcome.reason);
    return { ok: false, status, kind: status === 400 ? 'digest' : 'signature', message: outcome.message, recorded: record(req, outcome, []) };
  };
}
