/**
 * @module Verifying one signature of a message under an explicit policy, with a typed reason for every refusal.
 *
 * Not the library's `verifyMessage`: it returns `null` for "no signature", lets the last signature with a known key
 * decide, and verifies PSS with any salt. Here exactly one label is verified, each rule has its own reason, and the
 * rebuilt signature base is returned for evidence even when verification fails.
 * @see RFC 9421 §3.2, RFC 9530 §2, spec-digest §3.2
 */
import type { KeyObject } from 'node:crypto';
import type { Dictionary, InnerList, Item } from 'structured-headers';
import { isConformanceError } from '../errors.js';
import {
  algorithmsForKey,
  diagnoseSignatureFailure,
  isAlgorithmCompatible,
  isSignatureAlgorithm,
  verifyBase,
} from './algorithms.js';
import type { SignatureAlgorithm } from './algorithms.js';
import { showComponent } from './components.js';
import type { KeyLookup, VerifyOutcome, VerifyPolicy } from './policy.js';
import { formatBase, prepareComponents } from './signature-base.js';
import { parseSignatureDictionary, readSignatureBytes, readSignatureInputEntry } from './signature-fields.js';
import type { SignatureInputEntry } from './signature-fields.js';
import { getHeader } from './types.js';
import type { HttpMessageParts, HttpRequestParts, HttpResponseParts } from './types.js';
import { Refusal, checkCasing, checkCoverage, checkCreated, checkDigestPresence, checkDigestValue } from './verify-checks.js';

type Failure = Extract<VerifyOutcome, { ok: false }>;
type Context = Omit<Failure, 'ok' | 'reason' | 'message'>;

const EMPTY_BODY = new Uint8Array(0);

/**
 * Verifies the request's signature (label per policy) and its Content-Digest. Never throws for anything the
 * request contains; rethrows only errors of `lookupKey` and internal bugs.
 * @see RFC 9421 §3.2
 */
export async function verifyRequest(req: HttpRequestParts, policy: VerifyPolicy, lookupKey: KeyLookup): Promise<VerifyOutcome> {
  return verifyMessage(req, policy, lookupKey);
}

/**
 * Verifies a response signature (`@status`, fields; `;req` components read from `request`). Same rules as
 * {@link verifyRequest}; `requiredComponents` should not list request-only ids such as `@method`.
 * @see RFC 9421 §2.4, §3.2
 */
export async function verifyResponse(
  res: HttpResponseParts,
  policy: VerifyPolicy,
  lookupKey: KeyLookup,
  request?: HttpRequestParts,
): Promise<VerifyOutcome> {
  return verifyMessage(res, policy, lookupKey, request);
}

async function verifyMessage(
  message: HttpMessageParts,
  policy: VerifyPolicy,
  lookupKey: KeyLookup,
  request?: HttpRequestParts,
): Promise<VerifyOutcome> {
  const ctx: Context = {};
  try {
    return await runVerification(message, policy, lookupKey, request, ctx);
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, reason: err.reason, message: err.message, ...ctx };
    throw err;
  }
}

/** RFC 9421 §3.2 steps, with the policy checks (spec-digest §3.2) between parsing and cryptography. */
async function runVerification(
  message: HttpMessageParts,
  policy: VerifyPolicy,
  lookupKey: KeyLookup,
  request: HttpRequestParts | undefined,
  ctx: Context,
): Promise<VerifyOutcome> {
  const warnings: string[] = [];
  // Step 1: parse Signature-Input and Signature, pick the label.
  const { inputs, signatures } = readFields(message);
  const { label, member } = chooseLabel(inputs, policy, warnings);
  ctx.label = label;
  // Step 2: covered components and parameters of that label; the signature bytes.
  const entry = guarded(() => readSignatureInputEntry(label, member));
  recordEntry(entry, ctx);
  const signature = guarded(() => readSignatureBytes(label, signatures.get(label)));
  // Step 5 (early, for evidence): rebuild the signature base; an unresolvable component is decided later.
  const base = rebuildBase(message, entry, request, ctx);
  // Policy: identifier casing, Content-Digest presence, required components, created window, digest value.
  const body = message.body ?? EMPTY_BODY;
  checkCasing(entry, policy, warnings);
  checkDigestPresence(message, entry, body, policy);
  checkCoverage(entry, body, policy);
  checkCreated(entry, policy);
  checkDigestValue(message, body, policy);
  if (!base.ok) throw new Refusal('bad-signature', base.error);
  // Steps 4 and 6: key, algorithm, verification.
  const key = await lookupKey(entry.keyid);
  if (key === undefined) throw new Refusal('unknown-key', `no verification key for keyid ${entry.keyid === undefined ? '(none given)' : `"${entry.keyid}"`}`);
  const candidates = chooseAlgorithms(entry, key, policy, ctx);
  const algorithm = verifyWithCandidates(candidates, key, base.text, signature, ctx);
  if (entry.alg === undefined && candidates.length > 1) warnings.push(`no alg parameter; the signature verified as ${algorithm}`);
  return {
    ok: true,
    label,
    ...(entry.keyid === undefined ? {} : { keyid: entry.keyid }),
    algorithm,
    created: entry.created as number,
    components: ctx.components ?? [],
    signatureBase: base.text,
    warnings,
  };
}

function readFields(message: HttpMessageParts): { inputs: Dictionary; signatures: Dictionary } {
  const inputField = getHeader(message.headers, 'signature-input');
  const signatureField = getHeader(message.headers, 'signature');
  if (inputField === undefined && signatureField === undefined) {
    throw new Refusal('missing-header', 'Signature-Input and Signature are absent: the message is not signed');
  }
  if (inputField === undefined) throw new Refusal('missing-header', 'Signature-Input is absent (Signature is present)');
  if (signatureField === undefined) throw new Refusal('missing-header', 'Signature is absent (Signature-Input is present)');
  return {
    inputs: guarded(() => parseSignatureDictionary(inputField, 'SIGNATURE_INPUT_MALFORMED')),
    signatures: guarded(() => parseSignatureDictionary(signatureField, 'SIGNATURE_MALFORMED')),
  };
}

/** The policy's label, else the only label present, else `sig1` (spec-digest §6.14). */
function chooseLabel(inputs: Dictionary, policy: VerifyPolicy, warnings: string[]): { label: string; member: Item | InnerList } {
  const labels = [...inputs.keys()];
  const label = policy.label ?? (labels.length === 1 ? (labels[0] as string) : 'sig1');
  const member = inputs.get(label);
  if (member === undefined) {
    throw new Refusal(
      'malformed-signature-input',
      `Signature-Input has no signature labelled ${label} (labels: ${labels.join(', ') || 'none'})`,
    );
  }
  if (labels.length > 1) warnings.push(`Signature-Input has ${labels.length} signatures; only ${label} was verified`);
  return { label, member };
}

function recordEntry(entry: SignatureInputEntry, ctx: Context): void {
  ctx.components = entry.components.map(showComponent);
  if (entry.keyid !== undefined) ctx.keyid = entry.keyid;
  if (entry.created !== undefined) ctx.created = entry.created;
  if (entry.alg !== undefined && isSignatureAlgorithm(entry.alg)) ctx.algorithm = entry.alg;
}

function rebuildBase(
  message: HttpMessageParts,
  entry: SignatureInputEntry,
  request: HttpRequestParts | undefined,
  ctx: Context,
): { ok: true; text: string } | { ok: false; error: string } {
  try {
    const text = formatBase(message, prepareComponents(entry.components), entry.signatureParams, request);
    ctx.signatureBase = text;
    return { ok: true, text };
  } catch (err) {
    if (isConformanceError(err, 'SIGNATURE_COMPONENT_UNRESOLVED')) return { ok: false, error: err.message };
    throw err;
  }
}

/** The `alg` parameter when present (allowed and fitting the key); else every allowed algorithm the key can do. */
function chooseAlgorithms(entry: SignatureInputEntry, key: KeyObject, policy: VerifyPolicy, ctx: Context): SignatureAlgorithm[] {
  const allowed = new Set(policy.allowedAlgorithms);
  if (entry.alg !== undefined) {
    if (!isSignatureAlgorithm(entry.alg)) throw new Refusal('unsupported-algorithm', `alg "${entry.alg}" is not a supported algorithm`);
    if (!allowed.has(entry.alg)) throw new Refusal('unsupported-algorithm', `alg "${entry.alg}" is not allowed (allowed: ${[...allowed].join(', ')})`);
    if (!isAlgorithmCompatible(entry.alg, key)) {
      throw new Refusal('unsupported-algorithm', `alg "${entry.alg}" does not fit the ${describeKey(key)} key`);
    }
    return [entry.alg];
  }
  const possible = algorithmsForKey(key);
  if (possible.length === 0) throw new Refusal('unsupported-algorithm', `the ${describeKey(key)} key has no supported algorithm`);
  const candidates = possible.filter((a) => allowed.has(a));
  if (candidates.length === 0) {
    throw new Refusal('unsupported-algorithm', `the ${describeKey(key)} key needs ${possible.join(' or ')}, which the policy does not allow`);
  }
  if (candidates.length === 1) ctx.algorithm = candidates[0];
  return candidates;
}

function verifyWithCandidates(
  candidates: readonly SignatureAlgorithm[],
  key: KeyObject,
  base: string,
  signature: Buffer,
  ctx: Context,
): SignatureAlgorithm {
  const data = Buffer.from(base);
  for (const algorithm of candidates) {
    if (verifyBase(algorithm, key, data, signature)) {
      ctx.algorithm = algorithm;
      return algorithm;
    }
  }
  const hints = candidates.map((a) => diagnoseSignatureFailure(a, key, data, signature)).filter((h) => h !== undefined);
  const tried = candidates.length === 1 ? candidates[0] : `any of ${candidates.join(', ')}`;
  throw new Refusal('bad-signature', `the signature does not verify with ${tried} over the signature base${hints.length ? `: ${hints.join('; ')}` : ''}`);
}

function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return `${key.asymmetricKeyType ?? key.type}${curve ? ` ${curve}` : ''}`;
}

/** Runs a parser of untrusted input and turns its coded error into a refusal. */
function guarded<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (isConformanceError(err, 'SIGNATURE_INPUT_MALFORMED')) throw new Refusal('malformed-signature-input', err.message);
    if (isConformanceError(err, 'SIGNATURE_MALFORMED')) throw new Refusal('malformed-signature', err.message);
    throw err;
  }
}
