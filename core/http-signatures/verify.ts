/**
 * @module Verifying one signature of a message under an explicit policy, with a typed reason for every refusal.
 *
 * Not the library's `verifyMessage`: it returns `null` for "no signature", lets the last signature with a known key
 * decide, and verifies PSS with any salt. Here exactly one label is verified, each rule has its own reason, and the
 * rebuilt signature base is returned for evidence even when verification fails.
 *
 * Cost: {@link createRequestVerifier} prepares the policy once (allowed algorithms, and per verification key the
 * algorithm candidates); per request the fields are parsed once, the signature base is built once (the same text
 * is verified and returned as evidence) and `crypto.verify` runs once for a key with one candidate algorithm.
 * @see RFC 9421 §3.2, RFC 9530 §2, spec-digest §3.2
 */
import type { KeyObject } from 'node:crypto';
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
import { parseSignatureField, parseSignatureInputField } from './signature-fields.js';
import type { SignatureField, SignatureInputEntry, SignatureInputField } from './signature-fields.js';
import { getHeader } from './types.js';
import type { HttpMessageParts, HttpRequestParts, HttpResponseParts } from './types.js';
import { Refusal, checkCasing, checkCoverage, checkCreated, checkDigestPresence, checkDigestValue } from './verify-checks.js';

type Failure = Extract<VerifyOutcome, { ok: false }>;
type Context = Omit<Failure, 'ok' | 'reason' | 'message'>;

/** A verification policy without its clock: what a verifier prepares once. */
export type VerifyRules = Omit<VerifyPolicy, 'nowSeconds'>;

/** A verifier prepared once for a policy and used for many messages (the mock WFM's hot path). */
export interface RequestVerifier {
  /** Verifies `req` at `nowSeconds` (Unix seconds); same contract as {@link verifyRequest}. */
  verify(req: HttpRequestParts, nowSeconds: number, lookupKey: KeyLookup): Promise<VerifyOutcome>;
  /** Verifies a response; same contract as {@link verifyResponse}. */
  verifyResponse(res: HttpResponseParts, nowSeconds: number, lookupKey: KeyLookup, request?: HttpRequestParts): Promise<VerifyOutcome>;
}

/** What a verifier keeps between messages: the rules, the allowed set, and per key its candidate algorithms. */
interface Prepared {
  readonly rules: VerifyRules;
  readonly allowed: ReadonlySet<SignatureAlgorithm>;
  /** Per verification key, the candidates when the signature names no `alg` (or why there are none). */
  readonly keyCandidates: WeakMap<KeyObject, readonly SignatureAlgorithm[] | string>;
}

const EMPTY_BODY = new Uint8Array(0);

/**
 * Prepares a verifier for `rules`. It holds no clock (each call passes `nowSeconds`) and nothing about any message;
 * the only state kept between calls is, per KeyObject, which allowed algorithms the key can do.
 * @see RFC 9421 §3.2
 */
export function createRequestVerifier(rules: VerifyRules): RequestVerifier {
  const prepared: Prepared = { rules, allowed: new Set(rules.allowedAlgorithms), keyCandidates: new WeakMap() };
  return {
    verify: (req, nowSeconds, lookupKey) => verifyMessage(req, prepared, nowSeconds, lookupKey),
    verifyResponse: (res, nowSeconds, lookupKey, request) => verifyMessage(res, prepared, nowSeconds, lookupKey, request),
  };
}

/**
 * Verifies the request's signature (label per policy) and its Content-Digest. Never throws for anything the
 * request contains; rethrows only errors of `lookupKey` and internal bugs.
 * @see RFC 9421 §3.2
 */
export async function verifyRequest(req: HttpRequestParts, policy: VerifyPolicy, lookupKey: KeyLookup): Promise<VerifyOutcome> {
  return createRequestVerifier(policy).verify(req, policy.nowSeconds, lookupKey);
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
  return createRequestVerifier(policy).verifyResponse(res, policy.nowSeconds, lookupKey, request);
}

async function verifyMessage(
  message: HttpMessageParts,
  prepared: Prepared,
  nowSeconds: number,
  lookupKey: KeyLookup,
  request?: HttpRequestParts,
): Promise<VerifyOutcome> {
  const ctx: Context = {};
  try {
    return await runVerification(message, prepared, nowSeconds, lookupKey, request, ctx);
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, reason: err.reason, message: err.message, ...ctx };
    throw err;
  }
}

/** RFC 9421 §3.2 steps, with the policy checks (spec-digest §3.2) between parsing and cryptography. */
async function runVerification(
  message: HttpMessageParts,
  prepared: Prepared,
  nowSeconds: number,
  lookupKey: KeyLookup,
  request: HttpRequestParts | undefined,
  ctx: Context,
): Promise<VerifyOutcome> {
  const policy = prepared.rules;
  const warnings: string[] = [];
  // Step 1: parse Signature-Input and Signature, pick the label.
  const { inputs, signatures } = readFields(message);
  const label = chooseLabel(inputs, policy, warnings);
  ctx.label = label;
  // Step 2: covered components and parameters of that label; the signature bytes.
  const entry = guarded(() => inputs.entry(label) as SignatureInputEntry);
  recordEntry(entry, ctx);
  const signature = guarded(() => signatures.bytes(label));
  // Step 5 (early, for evidence): rebuild the signature base; an unresolvable component is decided later.
  const base = rebuildBase(message, entry, request, ctx);
  // Policy: identifier casing, Content-Digest presence, required components, created window, digest value.
  const body = message.body ?? EMPTY_BODY;
  checkCasing(entry, policy, warnings);
  checkDigestPresence(message, entry, body, policy);
  checkCoverage(entry, body, policy);
  checkCreated(entry, policy, nowSeconds);
  checkDigestValue(message, body, policy);
  if (!base.ok) throw new Refusal('bad-signature', base.error);
  // Steps 4 and 6: key, algorithm, verification.
  const key = await lookupKey(entry.keyid);
  if (key === undefined) throw new Refusal('unknown-key', `no verification key for keyid ${entry.keyid === undefined ? '(none given)' : `"${entry.keyid}"`}`);
  const candidates = chooseAlgorithms(entry, key, prepared, ctx);
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

function readFields(message: HttpMessageParts): { inputs: SignatureInputField; signatures: SignatureField } {
  const inputField = getHeader(message.headers, 'signature-input');
  const signatureField = getHeader(message.headers, 'signature');
  if (inputField === undefined && signatureField === undefined) {
    throw new Refusal('missing-header', 'Signature-Input and Signature are absent: the message is not signed');
  }
  if (inputField === undefined) throw new Refusal('missing-header', 'Signature-Input is absent (Signature is present)');
  if (signatureField === undefined) throw new Refusal('missing-header', 'Signature is absent (Signature-Input is present)');
  return {
    inputs: guarded(() => parseSignatureInputField(inputField)),
    signatures: guarded(() => parseSignatureField(signatureField)),
  };
}

/** The policy's label, else the only label present, else `sig1` (spec-digest §6.14). */
function chooseLabel(inputs: SignatureInputField, policy: VerifyRules, warnings: string[]): string {
  const { labels } = inputs;
  const label = policy.label ?? (labels.length === 1 ? (labels[0] as string) : 'sig1');
  if (!labels.includes(label)) {
    throw new Refusal(
      'malformed-signature-input',
      `Signature-Input has no signature labelled ${label} (labels: ${labels.join(', ') || 'none'})`,
    );
  }
  if (labels.length > 1) warnings.push(`Signature-Input has ${labels.length} signatures; only ${label} was verified`);
  return label;
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
function chooseAlgorithms(entry: SignatureInputEntry, key: KeyObject, prepared: Prepared, ctx: Context): readonly SignatureAlgorithm[] {
  const { allowed } = prepared;
  if (entry.alg !== undefined) {
    if (!isSignatureAlgorithm(entry.alg)) throw new Refusal('unsupported-algorithm', `alg "${entry.alg}" is not a supported algorithm`);
    if (!allowed.has(entry.alg)) throw new Refusal('unsupported-algorithm', `alg "${entry.alg}" is not allowed (allowed: ${[...allowed].join(', ')})`);
    if (!isAlgorithmCompatible(entry.alg, key)) {
      throw new Refusal('unsupported-algorithm', `alg "${entry.alg}" does not fit the ${describeKey(key)} key`);
    }
    return [entry.alg];
  }
  let candidates = prepared.keyCandidates.get(key);
  if (candidates === undefined) {
    candidates = keyCandidates(key, allowed);
    prepared.keyCandidates.set(key, candidates);
  }
  if (typeof candidates === 'string') throw new Refusal('unsupported-algorithm', candidates);
  if (candidates.length === 1) ctx.algorithm = candidates[0];
  return candidates;
}

/** The allowed algorithms `key` can do, or why there is none. */
function keyCandidates(key: KeyObject, allowed: ReadonlySet<SignatureAlgorithm>): readonly SignatureAlgorithm[] | string {
  const possible = algorithmsForKey(key);
  if (possible.length === 0) return `the ${describeKey(key)} key has no supported algorithm`;
  const candidates = possible.filter((a) => allowed.has(a));
  if (candidates.length === 0) return `the ${describeKey(key)} key needs ${possible.join(' or ')}, which the policy does not allow`;
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
