/**
 * @module Signing a request the Margo way (RFC 9421 + RFC 9530), with named faults for negative tests.
 *
 * Margo client algorithm (spec-digest §3.1): Content-Digest `sha-256` of the body; covered components `@method`,
 * `@target-uri`, `content-digest` (lower-case, RFC 9421 §2.1) then `@signature-params`; parameters `created` and
 * `keyid`; label `sig1`. `alg` is left out unless asked for, as in Margo's examples.
 *
 * Cost: {@link createRequestSigner} does all parsing and key checks once; each `sign` call hashes the body, builds
 * the base, and calls `crypto.sign` once with the already imported KeyObject.
 * @see RFC 9421 §3.1, RFC 9530 §2
 */
import type { KeyObject } from 'node:crypto';
import { serializeString } from 'structured-headers';
import { computeContentDigest } from '../content-digest.js';
import type { DigestMode } from '../content-digest.js';
import { ConformanceError } from '../errors.js';
import { assertAlgorithmFitsKey, defaultAlgorithmForKey, signBase } from './algorithms.js';
import type { SignatureAlgorithm } from './algorithms.js';
import { isContentDigest, parseComponentId, uppercaseComponents } from './components.js';
import type { ComponentId } from './components.js';
import { alteredBody, applyPostSigningFaults, flipOneBit, generateSameKeyType, notApplicable, signVariant } from './faults.js';
import type { SigningFault } from './faults.js';
import { formatBase, prepareComponents } from './signature-base.js';
import type { PreparedComponent } from './signature-base.js';
import type { HttpRequestParts } from './types.js';

/** Options for {@link signRequest} / {@link createRequestSigner}. */
export interface SignOptions {
  /** Imported once by the caller; never re-parsed here. */
  privateKey: KeyObject;
  keyid: string;
  /** Unix seconds. */
  created: number;
  /** Default: {@link defaultAlgorithmForKey}. */
  algorithm?: SignatureAlgorithm;
  /** Signature label; default `sig1`. */
  label?: string;
  /** Default `['@method', '@target-uri']`, plus `content-digest` when the body is non-empty. Lower-cased. */
  components?: readonly string[];
  /** Add `alg` to the signature parameters; default false (Margo examples omit it). */
  includeAlgParam?: boolean;
  faults?: readonly SigningFault[];
  /** Key for `signed-by-other-key`; a fresh key of the same type is generated when absent. */
  otherKey?: KeyObject;
  /** Seconds `stale-created` / `future-created` move `created`; default 3600. */
  staleBySeconds?: number;
  /** Default `raw-body` (spec-digest §6.9). */
  digestMode?: DigestMode;
}

/** A signed request. `request.headers` now hold content-digest, signature-input and signature (unless a fault removed them). */
export interface SignedRequest {
  request: HttpRequestParts;
  /** The exact text that was signed. */
  signatureBase: string;
  algorithm: SignatureAlgorithm;
}

/** A signer prepared once and used for many requests (the load generator's hot path). */
export interface RequestSigner {
  readonly algorithm: SignatureAlgorithm;
  readonly keyid: string;
  readonly label: string;
  /** Signs `req` synchronously with `created` (Unix seconds). Throws as {@link signRequest} does. */
  sign(req: HttpRequestParts, created: number): SignedRequest;
}

const EMPTY_BODY = new Uint8Array(0);
const LABEL_PATTERN = /^[a-z*][a-z0-9_\-.*]*$/;

/** A covered-component list ready to sign, with what the component faults did to it. */
interface ComponentPlan {
  readonly prepared: PreparedComponent[];
  /** `(<id> <id> …)`: the start of every `@signature-params` value. */
  readonly innerList: string;
  readonly coversDigest: boolean;
  /** The first component fault that removed nothing here (a fault that changes nothing must not pass silently). */
  readonly unchanged: SigningFault | undefined;
}

/**
 * Signs a request: sets `content-digest` (body non-empty or `content-digest` covered), `signature-input` and
 * `signature`, then applies post-signing faults. The caller's request object is not modified.
 * Throws ConformanceError `KEY_UNSUPPORTED` (key does not fit the algorithm), `SIGNING_FAULT_NOT_APPLICABLE` (a fault
 * would change nothing for this key or request), `SIGNATURE_COMPONENT_UNRESOLVED` (a covered header is absent),
 * `SIGNATURE_INPUT_MALFORMED` (bad label, component or `created`).
 * @see RFC 9421 §3.1
 */
export async function signRequest(req: HttpRequestParts, opts: SignOptions): Promise<SignedRequest> {
  return createRequestSigner(opts).sign(req, opts.created);
}

/**
 * Prepares a signer: checks the key against the algorithm, parses components and faults, and serializes what does
 * not change per request. Throws the errors listed on {@link signRequest} that do not depend on the request.
 */
export function createRequestSigner(opts: Omit<SignOptions, 'created'>): RequestSigner {
  const algorithm = opts.algorithm ?? defaultAlgorithmForKey(opts.privateKey);
  assertAlgorithmFitsKey(algorithm, opts.privateKey);
  const label = opts.label ?? 'sig1';
  if (!LABEL_PATTERN.test(label)) {
    throw new ConformanceError('SIGNATURE_INPUT_MALFORMED', `signature label "${label}" is not a Structured Fields key (lower-case, e.g. sig1)`);
  }
  const faults = new Set(opts.faults ?? []);
  const variant = signVariant(algorithm, faults);
  const signingKey = faults.has('signed-by-other-key') ? (opts.otherKey ?? generateSameKeyType(opts.privateKey)) : opts.privateKey;
  assertAlgorithmFitsKey(algorithm, signingKey);
  const paramsTail = `;keyid=${serializeString(opts.keyid)}${opts.includeAlgParam ? `;alg=${serializeString(algorithm)}` : ''}`;
  const explicit = opts.components === undefined ? undefined : planComponents(opts.components, faults);
  const withBody = explicit ?? planComponents(['@method', '@target-uri', 'content-digest'], faults);
  const withoutBody = explicit ?? planComponents(['@method', '@target-uri'], faults);
  const staleBy = opts.staleBySeconds ?? 3600;
  const digestMode = opts.digestMode ?? 'raw-body';

  function sign(req: HttpRequestParts, created: number): SignedRequest {
    const body = req.body ?? EMPTY_BODY;
    const plan = body.length > 0 ? withBody : withoutBody;
    if (plan.unchanged !== undefined) throw notApplicable(plan.unchanged, 'the component is not covered');
    const headers = copyFields(req.headers);
    if (body.length > 0 || plan.coversDigest) {
      headers['content-digest'] = faults.has('wrong-content-digest')
        ? computeContentDigest(alteredBody(body), 'sha-256', digestMode)
        : computeContentDigest(body, 'sha-256', digestMode);
    } else if (faults.has('wrong-content-digest') || faults.has('drop-content-digest')) {
      throw notApplicable(faults.has('wrong-content-digest') ? 'wrong-content-digest' : 'drop-content-digest', 'the request has no body and no Content-Digest');
    }
    const signatureParams = `${plan.innerList};created=${signedCreated(created, faults, staleBy)}${paramsTail}`;
    const signatureBase = formatBase({ method: req.method, url: req.url, headers }, plan.prepared, signatureParams);
    const signature = signBase(algorithm, signingKey, Buffer.from(signatureBase), variant);
    if (faults.has('corrupt-signature')) flipOneBit(signature);
    headers['signature-input'] = `${label}=${signatureParams}`;
    headers['signature'] = `${label}=:${signature.toString('base64')}:`;
    const sentBody = faults.size === 0 ? body : applyPostSigningFaults(headers, body, faults);
    const request: HttpRequestParts = { method: req.method, url: req.url, headers };
    if (req.body !== undefined || sentBody !== body) request.body = sentBody;
    return { request, signatureBase, algorithm };
  }

  return { algorithm, keyid: opts.keyid, label, sign };
}

function planComponents(ids: readonly string[], faults: ReadonlySet<SigningFault>): ComponentPlan {
  let components: ComponentId[] = ids.map((id) => parseComponentId(id));
  const removed = new Map<SigningFault, boolean>();
  if (faults.has('uncovered-target-uri')) {
    const kept = components.filter((c) => c.name !== '@target-uri');
    removed.set('uncovered-target-uri', kept.length < components.length);
    components = kept;
  }
  if (faults.has('uncovered-content-digest')) {
    const kept = components.filter((c) => !isContentDigest(c));
    removed.set('uncovered-content-digest', kept.length < components.length);
    components = kept;
  }
  if (faults.has('uppercase-component-ids')) {
    components = uppercaseComponents(components);
    removed.set('uppercase-component-ids', components.length > 0);
  }
  return {
    prepared: prepareComponents(components),
    innerList: `(${components.map((c) => c.serialized).join(' ')})`,
    coversDigest: components.some(isContentDigest) || removed.get('uncovered-content-digest') === true,
    unchanged: [...removed].find(([, did]) => !did)?.[0],
  };
}

/**
 * A copy of the caller's header fields to add the signature fields to. Built by assignment: V8 (Node 20) makes an
 * object spread followed by new properties several microseconds slower per request. `__proto__` is defined, as a
 * spread would, rather than assigned.
 */
function copyFields(fields: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(fields)) {
    if (name === '__proto__') Object.defineProperty(out, name, { value: fields[name], enumerable: true, writable: true, configurable: true });
    else out[name] = fields[name] as string;
  }
  return out;
}

function signedCreated(created: number, faults: ReadonlySet<SigningFault>, staleBy: number): number {
  if (!Number.isInteger(created)) {
    throw new ConformanceError('SIGNATURE_INPUT_MALFORMED', `created must be an integer (Unix seconds); got ${created}`);
  }
  if (faults.has('stale-created')) return created - staleBy;
  if (faults.has('future-created')) return created + staleBy;
  return created;
}
