/**
 * @module The policy checks of verification (spec-digest §3.2): identifier casing, covered components, the `created`
 * window and Content-Digest. Each check throws a {@link Refusal} with its own reason; `verify.ts` turns it into an
 * outcome.
 * @see RFC 9421 §3.2 step 3 ("application requirements"), §7.2.1; RFC 9530 §2
 */
import { verifyContentDigest } from '../content-digest.js';
import { hasUpperCase, isContentDigest, showComponent } from './components.js';
import type { SignatureFailureReason, VerifyPolicy } from './policy.js';

/** The policy without its clock (`nowSeconds` is passed where it matters). */
type Rules = Omit<VerifyPolicy, 'nowSeconds'>;
import type { SignatureInputEntry } from './signature-fields.js';
import { getHeader } from './types.js';
import type { HttpMessageParts } from './types.js';

/** A typed refusal; thrown by the checks and by verify.ts only, and always turned into a failed outcome there (never escapes). */
export class Refusal extends Error {
  constructor(
    readonly reason: SignatureFailureReason,
    message: string,
  ) {
    super(message);
  }
}

/** Mixed-case identifiers: refused, or accepted with a warning (`acceptMixedCaseComponentIds`). */
export function checkCasing(entry: SignatureInputEntry, policy: Rules, warnings: string[]): void {
  const mixed = entry.components.filter(hasUpperCase).map((c) => c.serialized);
  if (mixed.length === 0) return;
  const text = `component identifiers with upper-case letters: ${mixed.join(' ')} (RFC 9421 §2.1 wants lower-case)`;
  if (!policy.acceptMixedCaseComponentIds) throw new Refusal('uppercase-component-id', text);
  warnings.push(`accepted ${text}`);
}

/** Content-Digest must be present when the body is non-empty (policy) or when it is covered. */
export function checkDigestPresence(message: HttpMessageParts, entry: SignatureInputEntry, body: Uint8Array, policy: Rules): void {
  if (getHeader(message.headers, 'content-digest') !== undefined) return;
  if (entry.components.some(isContentDigest)) {
    throw new Refusal('missing-content-digest', 'content-digest is a covered component but the Content-Digest field is absent');
  }
  if (policy.requireContentDigestOnBody && body.length > 0) {
    throw new Refusal('missing-content-digest', `the body is ${body.length} bytes but Content-Digest is absent`);
  }
}

/** Every required component (and content-digest on a body, when required) is covered. */
export function checkCoverage(entry: SignatureInputEntry, body: Uint8Array, policy: Rules): void {
  const covered = new Set(entry.components.map((c) => showComponent(c).toLowerCase()));
  const required = policy.requiredComponents.filter((id) => id !== 'content-digest' || body.length > 0);
  if (policy.requireContentDigestOnBody && body.length > 0 && !required.includes('content-digest')) required.push('content-digest');
  const missing = required.filter((id) => !covered.has(id.toLowerCase()));
  if (missing.length > 0) {
    throw new Refusal(
      'component-not-covered',
      `covered components lack ${missing.map((m) => `"${m}"`).join(', ')} (covered: ${[...covered].join(' ') || 'none'})`,
    );
  }
}

/** created must be present; older than maxAge (+ skew) is stale; beyond skew in the future is refused. `now` in Unix seconds. */
export function checkCreated(entry: SignatureInputEntry, policy: Rules, now: number): void {
  const { maxAgeSeconds, clockSkewSeconds } = policy;
  if (entry.created === undefined) throw new Refusal('missing-created', 'the signature has no created parameter (Margo replay protection needs it)');
  const age = now - entry.created;
  if (age > maxAgeSeconds + clockSkewSeconds) {
    throw new Refusal('stale-created', `created=${entry.created} is ${age} s old; the window is ${maxAgeSeconds} s + ${clockSkewSeconds} s skew`);
  }
  if (-age > clockSkewSeconds) {
    throw new Refusal('future-created', `created=${entry.created} is ${-age} s in the future; allowed skew is ${clockSkewSeconds} s`);
  }
  if (entry.expires !== undefined && now > entry.expires + clockSkewSeconds) {
    throw new Refusal('stale-created', `the signature expired at ${entry.expires} (now ${now})`);
  }
}

/** A present Content-Digest must parse and match the body, whether or not it is required. */
export function checkDigestValue(message: HttpMessageParts, body: Uint8Array, policy: Rules): void {
  const header = getHeader(message.headers, 'content-digest');
  if (header === undefined) return;
  const check = verifyContentDigest(header, body, policy.digestMode);
  if (check.ok) return;
  const detail = check.expected === undefined ? check.message : `${check.message}; expected ${check.expected}, got ${check.actual ?? header}`;
  if (check.reason === 'mismatch') throw new Refusal('digest-mismatch', detail);
  if (check.reason === 'missing') throw new Refusal('missing-content-digest', detail);
  throw new Refusal('malformed-content-digest', detail);
}
