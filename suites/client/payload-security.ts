/**
 * @module Client checks on payload security: every request to a signed route carries an RFC 9421 signature with
 * lower-case component ids covering `@method`, `@target-uri` and `content-digest`, a `created` inside the replay
 * window, a correct RFC 9530 Content-Digest and an allowed algorithm, and the signature verifies with the key of
 * the client's own certificate (for onboarding: the certificate in the body). Each aspect is its own check, so a
 * client with one fault fails exactly one of them.
 * @see spec-digest §3.1, §5.2 #11–#14, §6.7–§6.13; RFC 9421 §2.1, §2.3, §3.2; RFC 9530 §2
 */
import type { Evidence } from '../../core/check.js';
import { verifyContentDigest } from '../../core/content-digest.js';
import type { RecordedExchange } from '../../core/traffic.js';
import { defineClientCheck } from './context.js';
import type { ClientCheckContext, ScenarioRecording } from './context.js';
import { allRecordings, arrivedMs, describeExchange, exchangeEvidence, notReached, passed, recordingOf, requestBodyOf, signedExchanges, violated } from './recorded.js';
import { algorithmOf, baseEvidence, componentNames, signatureFactsOf, signingKeyFor, verifyCrypto } from './signature-facts.js';
import type { SignatureFacts } from './signature-facts.js';

const SECURITY = 'margo:api-requirements-and-security';
const PROFILES = ['rfc9421-v1', 'rfc9421-rc2'] as const;
const SENDS_ONBOARDING = 'client.onboarding.sends-onboarding-request';
const SIGNS = 'client.payload-security.signs-requests';

type Signed = Extract<SignatureFacts, { signed: true }>;
/** A request to a signed route, the scenario it was recorded in, and its parsed signature facts. */
interface Item {
  readonly x: RecordedExchange;
  readonly rec: ScenarioRecording;
  readonly facts: SignatureFacts;
}
interface SignedItem extends Item {
  readonly facts: Signed;
}

/**
 * The requests to signed routes of every scenario that ran (happy path first), with their parsed signature facts.
 * Every request must be signed, retries and refused clients' attempts included; `rec` is the happy path.
 */
function signedTraffic(ctx: ClientCheckContext): { rec: ScenarioRecording; all: Item[]; signed: SignedItem[] } {
  const rec = recordingOf(ctx, 'happy-path');
  const all = allRecordings(ctx).flatMap((r) => signedExchanges(r, ctx.profile).map((x) => ({ x, rec: r, facts: signatureFactsOf(x, ctx.config.signatures.label) })));
  const signed = all.flatMap((i) => (i.facts.signed ? [{ ...i, facts: i.facts }] : []));
  return { rec, all, signed };
}

/** `happy-path #5`: which scenario and which recorded request. */
function refOf(i: { readonly x: RecordedExchange; readonly rec: ScenarioRecording }): string {
  return `${i.rec.scenario.id} #${i.x.id}`;
}

/** Evidence for up to three offending requests: the exchange and the signature base as received. */
function offenders(items: readonly Item[], outcome: string): Evidence[] {
  return items.slice(0, 3).flatMap((i) => [exchangeEvidence(i.x, `${refOf(i)} ${i.x.route ?? 'unknown route'} (${i.x.verdict})`), baseEvidence(i.x, i.facts, outcome)]);
}

export const signsRequests = defineClientCheck({
  id: SIGNS,
  title: 'Every request to a signed route carries well-formed Signature-Input and Signature fields',
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  requires: [SENDS_ONBOARDING],
  faults: ['no-signature', 'drop-signature-header'],
  clause: {
    source: 'margo:device-client-onboarding',
    section: 'Device Client Onboarding',
    quote: 'Requests to this endpoint MUST be authenticated using the HTTP Message Signature method',
  },
  related: [{ source: SECURITY, section: 'Payload Security (send Signature-Input and Signature)' }, { source: 'rfc9421', section: '4.1, 4.2' }],
  profiles: PROFILES,
  async run(ctx) {
    const { all } = signedTraffic(ctx);
    const unsigned = all.filter((i) => !i.facts.signed);
    if (unsigned.length === 0) return passed(`all ${all.length} request(s) to signed routes carry a signature`, offenders(all.slice(0, 1), 'signed'));
    return violated(
      'MUST',
      `${unsigned.length} of ${all.length} request(s) to signed routes carry no usable signature`,
      'Signature-Input and Signature with one signature (label per signatures.label)',
      unsigned.slice(0, 3).map((i) => `${refOf(i)} ${describeExchange(i.x)}: ${i.facts.signed ? '' : i.facts.problem}`).join('; '),
      offenders(unsigned, 'unsigned'),
    );
  },
});

export const lowercaseComponentIds = defineClientCheck({
  id: 'client.payload-security.lowercase-component-ids',
  title: 'Covered component identifiers are lower-case ("content-digest", not "Content-Digest")',
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  requires: [SIGNS],
  faults: ['uppercase-component-ids'],
  clause: {
    source: 'rfc9421',
    section: '2.1',
    quote: 'the component name for an HTTP field is the lowercased form of its field name',
  },
  related: [{ source: SECURITY, section: 'Payload Security (Margo writes "Content-Digest"; spec-digest §6.8)' }],
  profiles: PROFILES,
  async run(ctx) {
    const { signed } = signedTraffic(ctx);
    const mixed = signed.filter((i) => i.facts.entry.components.some((c) => c.name !== c.name.toLowerCase()));
    if (mixed.length === 0) return passed(`all ${signed.length} signature(s) use lower-case component ids`, offenders(signed.slice(0, 1), 'lower-case ids'));
    return violated(
      'MUST',
      `${mixed.length} signature(s) cover component ids with upper-case letters`,
      '("@method" "@target-uri" "content-digest")',
      mixed.slice(0, 3).map((i) => `${refOf(i)} (${componentNames(i.facts.entry.components).map((n) => `"${n}"`).join(' ')})`).join('; '),
      offenders(mixed, 'upper-case component id'),
    );
  },
});

/** Components a request must cover: `@method`, `@target-uri`, plus `content-digest` when it has a body (or always with `digest.requireOnEmptyBody`). */
function requiredComponents(ctx: ClientCheckContext, x: RecordedExchange): string[] {
  const needsDigest = x.request.bodyBytes > 0 || ctx.config.digest.requireOnEmptyBody;
  return ctx.config.signatures.coveredComponents
    .map((c) => c.toLowerCase())
    .filter((c) => c !== 'content-digest' || needsDigest);
}

export const coversRequiredComponents = defineClientCheck({
  id: 'client.payload-security.covers-required-components',
  title: 'The signature covers @method, @target-uri and, for a request with a body, content-digest',
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  requires: [SIGNS],
  faults: ['uncovered-content-digest', 'uncovered-target-uri'],
  clause: {
    source: SECURITY,
    section: 'Payload Security',
    quote: 'build a signature base including @method, @target-uri, Content-Digest',
  },
  related: [{ source: 'rfc9421', section: '2.5' }],
  profiles: PROFILES,
  async run(ctx) {
    const { signed } = signedTraffic(ctx);
    const short = signed.flatMap((i) => {
      const covered = new Set(i.facts.entry.components.map((c) => c.name.toLowerCase()));
      const missing = requiredComponents(ctx, i.x).filter((c) => !covered.has(c));
      return missing.length === 0 ? [] : [{ ...i, missing }];
    });
    if (short.length === 0) return passed(`all ${signed.length} signature(s) cover the required components`, offenders(signed.slice(0, 1), 'covered'));
    return violated(
      'MUST',
      `${short.length} signature(s) leave required components uncovered`,
      `covered: ${ctx.config.signatures.coveredComponents.join(' ')} (content-digest only with a body)`,
      short.slice(0, 3).map((i) => `${refOf(i)} lacks ${i.missing.join(', ')}`).join('; '),
      offenders(short, 'component not covered'),
    );
  },
});

export const createdWithinWindow = defineClientCheck({
  id: 'client.payload-security.created-within-window',
  title: 'Each signature carries `created`, within the replay window of the moment the WFM receives it',
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  requires: [SIGNS],
  faults: ['stale-created', 'future-created'],
  clause: {
    source: SECURITY,
    section: 'Payload Security',
    quote: 'requests whose created is older than a configurable window (e.g. 5 minutes) or in the future MUST be rejected',
  },
  related: [{ source: 'rfc9421', section: '2.3' }],
  profiles: PROFILES,
  async run(ctx) {
    const { signed } = signedTraffic(ctx);
    const { maxAgeSeconds, clockSkewSeconds } = ctx.config.signatures;
    const outside = signed.flatMap((i) => {
      const created = i.facts.entry.created;
      if (created === undefined) return [{ ...i, why: 'no created parameter' }];
      const age = Math.floor(arrivedMs(i.x) / 1000) - created;
      if (age > maxAgeSeconds + clockSkewSeconds) return [{ ...i, why: `created ${age} s before arrival` }];
      if (-age > clockSkewSeconds) return [{ ...i, why: `created ${-age} s after arrival` }];
      return [];
    });
    if (outside.length === 0) {
      return passed(`every created is within ${maxAgeSeconds} s (+${clockSkewSeconds} s skew) of arrival`, offenders(signed.slice(0, 1), 'created in window'));
    }
    return violated(
      'MUST',
      `${outside.length} signature(s) carry a created outside the replay window`,
      `created within ${maxAgeSeconds} s before and ${clockSkewSeconds} s after arrival (signatures.maxAgeSeconds, signatures.clockSkewSeconds)`,
      outside.slice(0, 3).map((i) => `${refOf(i)}: ${i.why}`).join('; '),
      offenders(outside, 'created outside window'),
    );
  },
});

export const contentDigestCorrect = defineClientCheck({
  id: 'client.payload-security.content-digest-correct',
  title: 'Every request with a body carries a correct Content-Digest (sha-256 of the body)',
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  requires: [SENDS_ONBOARDING],
  faults: ['wrong-content-digest', 'drop-content-digest', 'body-changed-after-signing'],
  clause: {
    source: SECURITY,
    section: 'Payload Security',
    quote: 'compute SHA-256 over the HTTP request body, base64 it, send Content-Digest: sha-256=:<digest>:',
  },
  related: [{ source: 'rfc9530', section: '2' }],
  profiles: PROFILES,
  async run(ctx) {
    const { rec, all } = signedTraffic(ctx);
    const judged = all.filter(({ x }) => x.request.bodyBytes > 0 || x.request.headers['content-digest'] !== undefined);
    if (judged.length === 0) return notReached(rec, 'the client sent no request with a body to a signed route');
    const wrong = judged.flatMap((i) => {
      const check = verifyContentDigest(i.x.request.headers['content-digest'], requestBodyOf(i.x), ctx.config.digest.mode);
      return check.ok ? [] : [{ ...i, check }];
    });
    if (wrong.length === 0) return passed(`all ${judged.length} Content-Digest value(s) match the bodies`, [exchangeEvidence((judged[0] as Item).x)]);
    return violated(
      'MUST',
      `${wrong.length} request(s) carry a missing or wrong Content-Digest`,
      `Content-Digest of the body (digest.mode ${ctx.config.digest.mode})`,
      wrong.slice(0, 3).map((i) => `${refOf(i)}: ${i.check.ok ? '' : `${i.check.message}${i.check.expected ? `; expected ${i.check.expected}` : ''}`}`).join('; '),
      wrong.slice(0, 3).map((i) => exchangeEvidence(i.x, `${refOf(i)} ${i.x.route ?? 'unknown route'} (${i.x.verdict})`)),
    );
  },
});

export const allowedAlgorithm = defineClientCheck({
  id: 'client.payload-security.allowed-algorithm',
  title: 'The signature uses an allowed algorithm',
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  requires: [SIGNS],
  clause: {
    source: SECURITY,
    section: 'Payload Security',
    quote: 'allowed algorithms: ecdsa-p256-sha256, ecdsa-p384-sha384, rsa-v1_5-sha256, rsa-pss-sha256 (signatures.allowedAlgorithms)',
  },
  related: [{ source: 'rfc9421', section: '3.3' }],
  profiles: PROFILES,
  async run(ctx) {
    const { rec, signed } = signedTraffic(ctx);
    const allowed = new Set<string>(ctx.config.signatures.allowedAlgorithms);
    const judged = signed.map((i) => ({ ...i, algorithm: algorithmOf(i.facts, signingKeyFor(i.x, i.rec, ctx.profile)) }));
    const known = judged.filter((i) => i.algorithm !== undefined);
    if (known.length === 0) return notReached(rec, 'no signature whose algorithm can be told (no alg parameter and no usable certificate key)');
    const bad = known.filter((i) => !allowed.has(i.algorithm as string));
    if (bad.length === 0) {
      return passed(`algorithm(s) ${[...new Set(known.map((i) => i.algorithm))].join(', ')} allowed`, offenders(known.slice(0, 1), 'allowed algorithm'));
    }
    return violated(
      'MUST',
      `${bad.length} signature(s) use an algorithm that is not allowed`,
      `one of ${[...allowed].join(', ')}`,
      bad.slice(0, 3).map((i) => `${refOf(i)}: ${i.algorithm}`).join('; '),
      offenders(bad, 'algorithm not allowed'),
    );
  },
});

export const signatureVerifies = defineClientCheck({
  id: 'client.payload-security.signature-verifies',
  title: "Each signature verifies with the key of the client's certificate (onboarding: the certificate in its body)",
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  requires: [SIGNS],
  faults: ['der-ecdsa', 'signed-by-other-key', 'corrupt-signature'],
  clause: {
    source: SECURITY,
    section: 'Payload Security',
    quote: "sign the signature base with the client's X.509 private key",
  },
  related: [{ source: 'rfc9421', section: '3.2, 3.3' }, { source: 'margo:device-client-onboarding', section: 'onboarding signed with the key of the certificate it carries (spec-digest §3.1 item 7)' }],
  profiles: PROFILES,
  async run(ctx) {
    const { rec, signed } = signedTraffic(ctx);
    const results = signed.flatMap((i) => {
      const key = signingKeyFor(i.x, i.rec, ctx.profile);
      if (key === undefined || !i.facts.base.ok) return [];
      return [{ ...i, crypto: verifyCrypto(i.facts, key) }];
    });
    if (results.length === 0) {
      return notReached(rec, 'no signed request whose certificate key is known and whose signature base can be rebuilt');
    }
    const bad = results.filter((r) => !r.crypto.ok);
    if (bad.length === 0) {
      return passed(`all ${results.length} signature(s) verify with the certificate key`, offenders(results.slice(0, 1), 'verified'));
    }
    return violated(
      'MUST',
      `${bad.length} signature(s) do not verify with the key of the client's certificate`,
      "a signature by the certificate's private key over the signature base",
      bad.slice(0, 3).map((r) => `${refOf(r)}: ${r.crypto.ok ? '' : r.crypto.message}`).join('; '),
      offenders(bad, 'bad-signature'),
    );
  },
});

/** The payload-security checks, in catalogue order. */
export const payloadSecurityChecks = [
  signsRequests,
  lowercaseComponentIds,
  coversRequiredComponents,
  createdWithinWindow,
  contentDigestCorrect,
  allowedAlgorithm,
  signatureVerifies,
] as const;
