/**
 * @module RFC 9530 Content-Digest: compute the field value for a body, and check a received field against a body.
 *
 * The field is a Structured Fields Dictionary (RFC 9651) whose keys are digest algorithms and whose values are Byte
 * Sequences: `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`.
 * Margo (spec-digest §3.1 step 1) uses `sha-256` over the raw body. Some Margo text says "SHA256 hash of the
 * base64-encoded payload"; that reading is `mode: 'base64-of-body'` (config key `digest.mode`, spec-digest §6.9).
 * @see RFC 9530 §2, §5
 */
import { hash } from 'node:crypto';
import { ParseError, isInnerList, parseDictionary, serializeItem } from 'structured-headers';
import type { Dictionary, InnerList, Item } from 'structured-headers';

/** Digest algorithms this tool computes and verifies (RFC 9530 §5 "Active" entries). */
export type DigestAlgorithm = 'sha-256' | 'sha-512';

/** What the digest is taken over: the raw body bytes (RFC 9530) or the ASCII of base64(body) (spec-digest §6.9). */
export type DigestMode = 'raw-body' | 'base64-of-body';

/** Node hash name and digest length in bytes per algorithm. */
const ALGORITHMS: Readonly<Record<DigestAlgorithm, { readonly hash: string; readonly bytes: number }>> = {
  'sha-256': { hash: 'sha256', bytes: 32 },
  'sha-512': { hash: 'sha512', bytes: 64 },
};

/** Length of `sha-256=:<44 base64 characters>:`. */
const CANONICAL_SHA256_LENGTH = 'sha-256=::'.length + 44;

/** Stronger first: when several supported members are present, the outcome names the strongest one checked. */
const PREFERENCE: readonly DigestAlgorithm[] = ['sha-512', 'sha-256'];

/** What is hashed: the body itself, or the ASCII text of its base64 (utf-8 and latin1 agree on base64 text). */
function digestInput(body: Uint8Array, mode: DigestMode): Uint8Array | string {
  return mode === 'raw-body' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64');
}

// One-shot crypto.hash (Node >= 20.12): no Hash object per call, which matters on the signing and verifying hot paths.
function digestBytes(body: Uint8Array, algorithm: DigestAlgorithm, mode: DigestMode): Buffer {
  return hash(ALGORITHMS[algorithm].hash, digestInput(body, mode), 'buffer');
}

function digestBase64(body: Uint8Array, algorithm: DigestAlgorithm, mode: DigestMode): string {
  return hash(ALGORITHMS[algorithm].hash, digestInput(body, mode), 'base64');
}

/**
 * The Content-Digest field value for `body`: `<algorithm>=:<standard base64 with padding>:`.
 * Default `sha-256` over the raw body.
 * @see RFC 9530 §2
 */
export function computeContentDigest(
  body: Uint8Array,
  algorithm: DigestAlgorithm = 'sha-256',
  mode: DigestMode = 'raw-body',
): string {
  return `${algorithm}=:${digestBase64(body, algorithm, mode)}:`;
}

/** Result of {@link verifyContentDigest}. `expected` / `actual` are field values, for evidence. */
export type ContentDigestCheck =
  | { ok: true; algorithm: DigestAlgorithm }
  | {
      ok: false;
      reason: 'missing' | 'malformed' | 'unsupported-algorithm' | 'mismatch';
      message: string;
      expected?: string;
      actual?: string;
    };

/**
 * Checks a received Content-Digest field against `body`.
 *
 * Steps:
 * 1. An absent or empty field is `missing`.
 * 2. The field must parse as a Structured Fields Dictionary (`malformed` otherwise; `sha-256=abc` parses, but as a
 *    Token, so it is `malformed` too).
 * 3. Members with unknown algorithms are ignored (RFC 9530 §2); none left is `unsupported-algorithm`.
 * 4. Every supported member must be a Byte Sequence of the algorithm's length (`malformed`) and equal the digest of
 *    the body (`mismatch`). On a mismatch the message says when the other {@link DigestMode} would have matched.
 *
 * Returns a result, never throws: the header is untrusted input and the caller turns the reason into a verdict or
 * a 400. `expected` is the value a conformant sender would have sent for the same algorithm.
 * @see RFC 9530 §2, §3
 */
export function verifyContentDigest(
  header: string | undefined,
  body: Uint8Array,
  mode: DigestMode = 'raw-body',
): ContentDigestCheck {
  if (header === undefined || header.trim() === '') {
    return { ok: false, reason: 'missing', message: 'Content-Digest field is absent', expected: computeContentDigest(body, 'sha-256', mode) };
  }
  // The field a conformant sender writes (one sha-256 member, canonical base64) is settled by one comparison; any
  // other form, and every failure, goes through the full parse below, which gives the same answer for this form.
  if (header.length === CANONICAL_SHA256_LENGTH && header === computeContentDigest(body, 'sha-256', mode)) {
    return { ok: true, algorithm: 'sha-256' };
  }
  const parsed = parseDigestField(header);
  if (!parsed.ok) return { ok: false, reason: parsed.reason, message: parsed.message, actual: header };
  const present = PREFERENCE.filter((alg) => parsed.members.has(alg));
  if (present.length === 0) {
    return {
      ok: false,
      reason: 'unsupported-algorithm',
      message: `Content-Digest has no supported algorithm (supported: ${PREFERENCE.join(', ')}; found: ${[...parsed.members.keys()].join(', ') || 'none'})`,
      actual: header,
    };
  }
  for (const algorithm of present) {
    const failure = checkMember(algorithm, parsed.members.get(algorithm), body, mode);
    if (failure) return failure;
  }
  return { ok: true, algorithm: present[0] as DigestAlgorithm };
}

type ParsedDigestField =
  | { ok: true; members: Dictionary }
  | { ok: false; reason: 'malformed'; message: string };

function parseDigestField(header: string): ParsedDigestField {
  try {
    return { ok: true, members: parseDictionary(header) };
  } catch (err) {
    if (err instanceof ParseError) {
      return { ok: false, reason: 'malformed', message: `Content-Digest is not a Structured Fields Dictionary: ${err.message}` };
    }
    throw err;
  }
}

function checkMember(
  algorithm: DigestAlgorithm,
  member: Item | InnerList | undefined,
  body: Uint8Array,
  mode: DigestMode,
): ContentDigestCheck | undefined {
  // `expected` is evidence for a failure only: computed on the failure branches, not on success.
  if (member === undefined || isInnerList(member) || !(member[0] instanceof ArrayBuffer)) {
    return {
      ok: false,
      reason: 'malformed',
      message: `Content-Digest member ${algorithm} is not a Byte Sequence (expected ${algorithm}=:<base64>:)`,
      expected: computeContentDigest(body, algorithm, mode),
      actual: member === undefined || isInnerList(member) ? undefined : `${algorithm}=${serializeItem(member)}`,
    };
  }
  const received = Buffer.from(member[0]);
  const actual = `${algorithm}=:${received.toString('base64')}:`;
  if (received.length !== ALGORITHMS[algorithm].bytes) {
    return {
      ok: false,
      reason: 'malformed',
      message: `Content-Digest ${algorithm} value is ${received.length} bytes; ${algorithm} digests are ${ALGORITHMS[algorithm].bytes} bytes`,
      expected: computeContentDigest(body, algorithm, mode),
      actual,
    };
  }
  if (received.equals(digestBytes(body, algorithm, mode))) return undefined;
  const other: DigestMode = mode === 'raw-body' ? 'base64-of-body' : 'raw-body';
  const hint = received.equals(digestBytes(body, algorithm, other)) ? ` (it matches digest.mode ${other})` : '';
  return {
    ok: false,
    reason: 'mismatch',
    message: `Content-Digest ${algorithm} does not match the ${mode === 'raw-body' ? 'body' : 'base64 of the body'}${hint}`,
    expected: computeContentDigest(body, algorithm, mode),
    actual,
  };
}

/** True when `name` is a digest algorithm this module supports. */
export function isSupportedDigestAlgorithm(name: string): name is DigestAlgorithm {
  return name === 'sha-256' || name === 'sha-512';
}
