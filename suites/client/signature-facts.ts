/**
 * @module Re-verifying a recorded request's RFC 9421 signature aspect by aspect. The mock WFM verified it already,
 * but with one verdict for everything; the `client` suite needs each aspect on its own (casing, coverage, `created`,
 * cryptography) so that a client with one fault fails exactly one check. Everything is rebuilt from the raw
 * request as received: the same core parsers, signature base builder and algorithms the mock uses.
 * @see RFC 9421 §3.2
 */
import { X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Evidence } from '../../core/check.js';
import { isConformanceError } from '../../core/errors.js';
import { algorithmsForKey, diagnoseSignatureFailure, isSignatureAlgorithm, verifyBase } from '../../core/http-signatures/algorithms.js';
import type { SignatureAlgorithm } from '../../core/http-signatures/algorithms.js';
import type { ComponentId } from '../../core/http-signatures/components.js';
import { formatBase, prepareComponents } from '../../core/http-signatures/signature-base.js';
import {
  parseSignatureDictionary,
  readSignatureBytes,
  readSignatureInputEntry,
} from '../../core/http-signatures/signature-fields.js';
import type { SignatureInputEntry } from '../../core/http-signatures/signature-fields.js';
import { decodeCertificateField } from '../../core/pki/index.js';
import type { Profile } from '../../core/profiles/index.js';
import type { RecordedExchange } from '../../core/traffic.js';
import { acceptedOnboardings, jsonOf, requestPartsOf, stringMember } from './recorded.js';
import type { ScenarioRecording } from './context.js';

/** What the signature headers of one request say, parsed; `problem` when they are absent or malformed. */
export type SignatureFacts =
  | { readonly signed: false; readonly problem: string }
  | {
      readonly signed: true;
      readonly label: string;
      readonly entry: SignatureInputEntry;
      readonly signature: Buffer;
      /** The signature base rebuilt from the request as received, or why it could not be. */
      readonly base: { readonly ok: true; readonly text: string } | { readonly ok: false; readonly error: string };
    };

/**
 * Parses Signature-Input and Signature of a recorded request. `preferredLabel` (config `signatures.label`) is used
 * when present, else the only label. Never throws for anything the request contains.
 * @see RFC 9421 §4.1, §4.2, §2.5
 */
export function signatureFactsOf(x: RecordedExchange, preferredLabel: string): SignatureFacts {
  const input = x.request.headers['signature-input'];
  const sig = x.request.headers['signature'];
  if (input === undefined && sig === undefined) return { signed: false, problem: 'no Signature-Input and no Signature field' };
  if (input === undefined) return { signed: false, problem: 'Signature is present but Signature-Input is absent' };
  if (sig === undefined) return { signed: false, problem: 'Signature-Input is present but Signature is absent' };
  try {
    const inputs = parseSignatureDictionary(input, 'SIGNATURE_INPUT_MALFORMED');
    const signatures = parseSignatureDictionary(sig, 'SIGNATURE_MALFORMED');
    const labels = [...inputs.keys()];
    const label = inputs.has(preferredLabel) ? preferredLabel : labels.length === 1 ? (labels[0] as string) : undefined;
    if (label === undefined) {
      return { signed: false, problem: `Signature-Input has no label ${preferredLabel} and not exactly one label (${labels.join(', ') || 'none'})` };
    }
    const entry = readSignatureInputEntry(label, inputs.get(label) as NonNullable<ReturnType<typeof inputs.get>>);
    const signature = readSignatureBytes(label, signatures.get(label));
    return { signed: true, label, entry, signature, base: rebuildBase(x, entry) };
  } catch (err) {
    if (isConformanceError(err, 'SIGNATURE_INPUT_MALFORMED', 'SIGNATURE_MALFORMED')) return { signed: false, problem: err.message };
    throw err;
  }
}

function rebuildBase(x: RecordedExchange, entry: SignatureInputEntry): { ok: true; text: string } | { ok: false; error: string } {
  try {
    return { ok: true, text: formatBase(requestPartsOf(x), prepareComponents(entry.components), entry.signatureParams) };
  } catch (err) {
    if (isConformanceError(err, 'SIGNATURE_COMPONENT_UNRESOLVED')) return { ok: false, error: err.message };
    throw err;
  }
}

/** The covered component names as written, e.g. `@method`, `Content-Digest`. */
export function componentNames(components: readonly ComponentId[]): string[] {
  return components.map((c) => c.name);
}

/** Result of the cryptographic step alone. */
export type CryptoResult =
  | { readonly ok: true; readonly algorithm: SignatureAlgorithm }
  | { readonly ok: false; readonly message: string };

/**
 * Verifies the signature bytes over the rebuilt signature base with `key`: with the `alg` parameter when given,
 * else with every algorithm the key can do. Casing, coverage, `created` and Content-Digest are NOT judged here.
 * @see RFC 9421 §3.2 steps 4–6, §3.3
 */
export function verifyCrypto(facts: Extract<SignatureFacts, { signed: true }>, key: KeyObject): CryptoResult {
  if (!facts.base.ok) return { ok: false, message: `the signature base cannot be rebuilt: ${facts.base.error}` };
  const alg = facts.entry.alg;
  if (alg !== undefined && !isSignatureAlgorithm(alg)) return { ok: false, message: `alg "${alg}" is not an RFC 9421 algorithm` };
  const candidates = alg !== undefined ? [alg as SignatureAlgorithm] : algorithmsForKey(key);
  if (candidates.length === 0) return { ok: false, message: 'the certificate key type has no RFC 9421 algorithm' };
  const data = Buffer.from(facts.base.text);
  for (const algorithm of candidates) {
    if (verifyBase(algorithm, key, data, facts.signature)) return { ok: true, algorithm };
  }
  const hints = candidates.map((a) => diagnoseSignatureFailure(a, key, data, facts.signature)).filter((h) => h !== undefined);
  return {
    ok: false,
    message: `the signature does not verify with ${candidates.join(' or ')} over the rebuilt signature base${hints.length > 0 ? `: ${hints.join('; ')}` : ''}`,
  };
}

/**
 * The algorithm a signature uses: the `alg` parameter when present, else the key's algorithm when the key type
 * fixes it (EC, Ed25519), else the one that verifies (RSA). Undefined when it cannot be told.
 */
export function algorithmOf(facts: Extract<SignatureFacts, { signed: true }>, key: KeyObject | undefined): string | undefined {
  if (facts.entry.alg !== undefined) return facts.entry.alg;
  if (key === undefined) return undefined;
  const possible = algorithmsForKey(key);
  if (possible.length === 1) return possible[0];
  const crypto = verifyCrypto(facts, key);
  return crypto.ok ? crypto.algorithm : undefined;
}

/**
 * The public key a request must be signed with: for onboarding, the key of the certificate in its own body (any
 * encoding); for later requests, the key of the certificate whose onboarding was answered with that clientId.
 * Undefined when it cannot be found (no parseable certificate, unknown clientId).
 * @see spec-digest §3.1 item 7, §6.11 (`onboarding.requireSignature`)
 */
export function signingKeyFor(x: RecordedExchange, rec: ScenarioRecording, profile: Profile): KeyObject | undefined {
  if (x.route === 'onboarding') return certificateKey(stringMember(jsonOf(x.request.body), 'certificate'));
  const clientId = x.params?.['clientId'] ?? x.clientId;
  const onboarding = acceptedOnboardings(rec, profile).find((o) => o.clientId === clientId);
  return certificateKey(onboarding?.certificateField);
}

/**
 * The certificate of an onboarding body, parsed in either encoding (the encoding itself is judged by
 * client.onboarding.certificate-valid-x509), or why it cannot be parsed.
 */
export function certificateOf(field: string | undefined): { ok: true; x509: X509Certificate } | { ok: false; reason: string } {
  if (field === undefined) return { ok: false, reason: 'no certificate field' };
  try {
    return { ok: true, x509: decodeCertificateField(field, ['base64-der', 'base64-pem']).x509 };
  } catch (err) {
    if (isConformanceError(err, 'CERT_ENCODING_INVALID', 'CERT_PARSE_FAILED')) return { ok: false, reason: err.message };
    throw err;
  }
}

function certificateKey(field: string | undefined): KeyObject | undefined {
  const cert = certificateOf(field);
  return cert.ok ? cert.x509.publicKey : undefined;
}

/** Signature-base evidence for a request: the base rebuilt from the request as received, with an outcome word. */
export function baseEvidence(x: RecordedExchange, facts: SignatureFacts, outcome: string): Evidence {
  const base = facts.signed ? (facts.base.ok ? facts.base.text : `(cannot be rebuilt: ${facts.base.error})`) : `(unsigned: ${facts.problem})`;
  return { kind: 'signature-base', label: `#${x.id} ${x.route ?? ''} signature base as received`, base, outcome };
}
