/**
 * @module Checks of the Onboarding API (E2, `onboarding` route): a signed OnboardingRequest with a trusted certificate
 * gets 201 and a URL-safe, unique clientId; malformed, untrusted and operator-rejected certificates are refused.
 *
 * @see seed "Device Client Onboarding" (Response Codes, Onboarding Sequence); spec-digest §2.1, §5.3 items 22–23
 */
import { defineCheck } from '../../core/check.js';
import type { GarbageName } from '../../core/pki/index.js';
import { makeGarbagePayloads } from '../../core/pki/index.js';
import { exchangeEvidence, exchangesEvidence, expectSchema, expectStatus, fail, inconclusive, noResponseReason, note, notApplicable, pass, skip } from '../expect.js';
import { expectRefused } from './refusals.js';
import type { WfmCheckContext } from './context.js';
import { clientIdOf, jsonBodyOf, onboardIdentity, routeOf, sendOnboarding, sessionClient, signedBy } from './requests.js';

const PROFILES = ['rfc9421-v1', 'rfc9421-rc2'] as const;
const ONBOARDING = 'margo:device-client-onboarding';
const SECURITY = 'margo:api-requirements-and-security';

/** Id of the check that onboards the session's device; every check that needs a clientId `requires` it. */
export const ACCEPTS_SIGNED_REQUEST = 'wfm.onboarding.accepts-signed-request';

/** A correctly signed OnboardingRequest with a trusted certificate is accepted with a clientId; the client is kept for the run. */
export const acceptsSignedRequest = defineCheck<WfmCheckContext>({
  id: ACCEPTS_SIGNED_REQUEST,
  title: 'WFM onboards a device whose signed OnboardingRequest carries a trusted certificate and returns its clientId',
  role: 'wfm',
  level: 'MUST',
  clause: { source: ONBOARDING, section: 'Onboarding Sequence', quote: 'The device\'s management client receives its unique client Id assigned via the Workload Fleet Manager' },
  related: [{ source: 'rfc9421', section: '3.1' }],
  profiles: PROFILES,
  async run(ctx) {
    const identity = await ctx.identities.issueTrusted('device-1');
    const exchange = await onboardIdentity(ctx, identity, 'onboarding (trusted certificate, signed)');
    const evidence = exchangeEvidence(exchange);
    const status = exchange.response?.status;
    if (status === undefined) return inconclusive(`onboarding got no HTTP response (${noResponseReason(exchange)})`, evidence);
    if (status < 200 || status > 299) {
      return fail(`onboarding of a trusted, correctly signed device was refused with ${status}`, '201 Created {clientId}', String(status), evidence);
    }
    const clientId = clientIdOf(exchange);
    if (clientId === undefined) return fail(`onboarding answered ${status} without a clientId`, '{"clientId": "<id>"}', 'no clientId member', evidence);
    const parsed = jsonBodyOf(exchange);
    ctx.session.client = { clientId, identity, exchange, body: parsed.ok ? parsed.value : undefined };
    return pass(`device onboarded with ${status}, clientId ${clientId}`, evidence);
  },
});

/** Id of the check that the assigned clientId is URL-safe. */
export const CLIENT_ID_URL_SAFE = 'wfm.onboarding.client-id-url-safe';

/**
 * Preconditions of every check that puts the session's clientId into a request path: the client is onboarded AND its
 * clientId is URL-safe. With a clientId that is not, such a request may not even route, and that failure belongs to
 * `wfm.onboarding.client-id-url-safe` alone; the dependants end `inconclusive` instead of failing for it.
 */
export const CLIENT_IN_PATH: readonly string[] = [ACCEPTS_SIGNED_REQUEST, CLIENT_ID_URL_SAFE];

/**
 * Precondition of every negative check on the Onboarding API: its positive control, a trusted and correctly signed
 * OnboardingRequest, was accepted. A refusal proves nothing about a WFM that refuses everything (every request
 * answered 401 or 400); gated this way such a WFM gets `inconclusive` (unmet precondition), never `pass`.
 */
export const ONBOARDING_CONTROL: readonly string[] = [ACCEPTS_SIGNED_REQUEST];

/** The status of that onboarding is 201 Created. */
export const answers201Created = defineCheck<WfmCheckContext>({
  id: 'wfm.onboarding.answers-201-created',
  title: 'A successful onboarding answers 201 Created',
  role: 'wfm',
  level: 'MUST',
  clause: { source: ONBOARDING, section: 'Response Codes', quote: '201 Created: New client onboarded successfully.' },
  related: [{ source: 'rfc9110', section: '15.3.2' }],
  profiles: PROFILES,
  requires: [ACCEPTS_SIGNED_REQUEST],
  faults: ['onboarding-200'],
  async run(ctx) {
    return expectStatus(sessionClient(ctx).exchange, routeOf(ctx, 'onboarding').successStatuses, { what: 'successful onboarding' });
  },
});

/** The 201 body is valid against the profile's onboarding-response schema. */
export const responseSchemaValid = defineCheck<WfmCheckContext>({
  id: 'wfm.onboarding.response-schema-valid',
  title: 'The onboarding response body is valid against the profile schema ({clientId: string})',
  role: 'wfm',
  level: 'MUST',
  clause: { source: ONBOARDING, section: 'Example Response Body', quote: '{ "clientId": "<base-64 encoded UUID or other URL safe string identifier>" }' },
  profiles: PROFILES,
  requires: [ACCEPTS_SIGNED_REQUEST],
  faults: ['schema-violation'],
  async run(ctx) {
    const client = sessionClient(ctx);
    const schema = routeOf(ctx, 'onboarding').responseSchema;
    if (schema === undefined) return notApplicable(`profile ${ctx.profile.id} names no onboarding response schema`);
    const parsed = jsonBodyOf(client.exchange);
    const evidence = exchangeEvidence(client.exchange);
    if (!parsed.ok) return fail('onboarding response body is not JSON', 'application/json {clientId}', parsed.message, evidence);
    return expectSchema(ctx.schemas, schema, parsed.value, 'onboarding response body', evidence);
  },
});

/** The clientId matches `clientId.pattern` (RFC 3986 unreserved characters by default). */
export const clientIdUrlSafe = defineCheck<WfmCheckContext>({
  id: CLIENT_ID_URL_SAFE,
  title: 'The assigned clientId is URL-safe',
  role: 'wfm',
  level: 'MUST',
  clause: { source: SECURITY, section: 'Client identity', quote: 'the WFM MUST create a URL-safe client ID for each client' },
  related: [{ source: 'rfc3986', section: '2.3' }],
  profiles: PROFILES,
  requires: [ACCEPTS_SIGNED_REQUEST],
  faults: ['non-url-safe-client-id'],
  async run(ctx) {
    const { clientId, exchange } = sessionClient(ctx);
    const pattern = ctx.config.clientId.pattern;
    const evidence = [...exchangeEvidence(exchange), note(`clientId.pattern = ${pattern}`)];
    if (new RegExp(pattern).test(clientId)) return pass(`clientId ${clientId} matches ${pattern}`, evidence);
    return fail(`clientId ${JSON.stringify(clientId)} is not URL-safe`, `a clientId matching ${pattern}`, clientId, evidence);
  },
});

// ---------------------------------------------------------------------------------------------------------------
// Bad certificate → 400, once per garbage kind.

async function rejectsGarbage(ctx: WfmCheckContext, kind: GarbageName) {
  const identity = await ctx.identities.issueTrusted(`garbage-${kind}`);
  const field = makeGarbagePayloads(identity.certDer)[kind];
  // Signed with the key of the (intact) certificate the garbage was made from: only the field is wrong.
  const exchange = await sendOnboarding(ctx, field, signedBy(ctx, identity), `onboarding with certificate field: ${kind}`);
  return expectRefused(ctx, exchange, routeOf(ctx, 'onboarding').errorStatuses.invalidCertificate ?? [400], `onboarding with a bad certificate field (${kind})`);
}

const BAD_CERT_CLAUSE = { source: ONBOARDING, section: 'Response Codes', quote: '400 Invalid Certificate: Invalid certificate format or structure.' };

/** base64 of a DER SubjectPublicKeyInfo (valid ASN.1, not X.509) → 400. */
export const rejectsBadCertificateNotX509 = defineCheck<WfmCheckContext>({
  id: 'wfm.onboarding.rejects-bad-certificate-not-x509',
  title: 'Onboarding refuses a certificate field that is base64 of something other than X.509 with 400',
  role: 'wfm',
  level: 'MUST',
  clause: BAD_CERT_CLAUSE,
  profiles: PROFILES,
  requires: ONBOARDING_CONTROL,
  negative: true,
  faults: ['accept-bad-certificate-encoding'],
  run: (ctx) => rejectsGarbage(ctx, 'not-x509'),
});

/** base64 of the first half of a certificate DER → 400. */
export const rejectsBadCertificateTruncatedDer = defineCheck<WfmCheckContext>({
  id: 'wfm.onboarding.rejects-bad-certificate-truncated-der',
  title: 'Onboarding refuses a truncated DER certificate with 400',
  role: 'wfm',
  level: 'MUST',
  clause: BAD_CERT_CLAUSE,
  profiles: PROFILES,
  requires: ONBOARDING_CONTROL,
  negative: true,
  faults: ['accept-bad-certificate-encoding'],
  run: (ctx) => rejectsGarbage(ctx, 'truncated-der'),
});

/** Characters outside the base64 alphabet → 400. */
export const rejectsBadCertificateInvalidBase64 = defineCheck<WfmCheckContext>({
  id: 'wfm.onboarding.rejects-bad-certificate-invalid-base64',
  title: 'Onboarding refuses a certificate field that is not valid base64 with 400',
  role: 'wfm',
  level: 'MUST',
  clause: BAD_CERT_CLAUSE,
  profiles: PROFILES,
  requires: ONBOARDING_CONTROL,
  negative: true,
  faults: ['accept-bad-certificate-encoding'],
  run: (ctx) => rejectsGarbage(ctx, 'invalid-base64'),
});

/** An empty certificate field → 400. */
export const rejectsBadCertificateEmpty = defineCheck<WfmCheckContext>({
  id: 'wfm.onboarding.rejects-bad-certificate-empty',
  title: 'Onboarding refuses an empty certificate field with 400',
  role: 'wfm',
  level: 'MUST',
  clause: BAD_CERT_CLAUSE,
  profiles: PROFILES,
  requires: ONBOARDING_CONTROL,
  negative: true,
  faults: ['accept-bad-certificate-encoding'],
  run: (ctx) => rejectsGarbage(ctx, 'empty'),
});

/**
 * PEM text (armour and line breaks) instead of base64 → 400. Under `certificate.encoding: auto` a lenient reader may
 * accept PEM armour as well, so the check is not applicable there (spec-digest §6.6).
 */
export const rejectsBadCertificatePemText = defineCheck<WfmCheckContext>({
  id: 'wfm.onboarding.rejects-bad-certificate-pem-text',
  title: 'Onboarding refuses PEM text (armour, line breaks) in the certificate field with 400',
  role: 'wfm',
  level: 'MUST',
  clause: { source: ONBOARDING, section: 'Request Body Attributes', quote: 'certificate: Base64-encoded X.509 certificate of the client.' },
  profiles: PROFILES,
  requires: ONBOARDING_CONTROL,
  negative: true,
  faults: ['accept-bad-certificate-encoding'],
  async run(ctx) {
    if (ctx.config.certificate.encoding === 'auto') {
      return notApplicable('certificate.encoding is auto: a WFM may accept PEM text as one of the encodings');
    }
    return rejectsGarbage(ctx, 'pem-text');
  },
});

// ---------------------------------------------------------------------------------------------------------------
// Rejected → 403.

/** A certificate from a CA the WFM was never given → 403. */
export const rejectsUntrustedCa = defineCheck<WfmCheckContext>({
  id: 'wfm.onboarding.rejects-untrusted-ca',
  title: 'Onboarding refuses a certificate issued by an untrusted CA with 403',
  role: 'wfm',
  level: 'MUST',
  clause: { source: ONBOARDING, section: 'Response Codes', quote: '403 Forbidden: Client certificate is not trusted or client rejected.' },
  profiles: PROFILES,
  requires: ONBOARDING_CONTROL,
  negative: true,
  faults: ['accept-untrusted-ca'],
  async run(ctx) {
    if (ctx.deviceTrust === 'any-cert') {
      return notApplicable('--trust any-cert: the WFM under test is configured to accept any well-formed device certificate');
    }
    const identity = await ctx.identities.issueUntrusted('untrusted-device');
    const exchange = await onboardIdentity(ctx, identity, 'onboarding (certificate from an unknown CA, signed)');
    return expectRefused(ctx, exchange, routeOf(ctx, 'onboarding').errorStatuses.untrusted ?? [403], 'onboarding with a certificate from an unknown CA');
  },
});

/** The WFM user rejects the device's certificate (operator action), then the device onboards → 403. */
export const rejectsOperatorRejected = defineCheck<WfmCheckContext>({
  id: 'wfm.onboarding.rejects-operator-rejected',
  title: 'Onboarding of a certificate the WFM user rejected answers 403',
  role: 'wfm',
  level: 'MUST',
  clause: { source: ONBOARDING, section: 'Onboarding Sequence', quote: 'Opportunity for user to approve or reject client onboarding … 403 Forbidden {error: "Client rejected"}' },
  profiles: PROFILES,
  requires: ONBOARDING_CONTROL,
  negative: true,
  faults: ['ignore-operator-rejection'],
  async run(ctx) {
    if (ctx.operator === undefined) {
      return skip('no operator action configured (--operator-command, --operator-hook or --operator-prompt): the rejection cannot be performed');
    }
    const identity = await ctx.identities.issueTrusted('rejected-device');
    await ctx.operator.perform(
      { action: 'reject-onboarding', fingerprint: identity.fingerprint256, certificatePem: identity.certPem },
      ctx.signal,
    );
    const exchange = await onboardIdentity(ctx, identity, 'onboarding after the operator rejected the certificate');
    const verdict = expectRefused(ctx, exchange, routeOf(ctx, 'onboarding').errorStatuses.rejected ?? [403], 'onboarding of an operator-rejected certificate');
    return { ...verdict, evidence: [note(`operator: ${ctx.operator.description}; action reject-onboarding for ${identity.fingerprint256}`), ...verdict.evidence] };
  },
});

/** A second device gets a clientId different from the first one's. */
export const clientIdUnique = defineCheck<WfmCheckContext>({
  id: 'wfm.onboarding.client-id-unique',
  title: 'Two devices get two different clientIds',
  role: 'wfm',
  level: 'MUST',
  clause: { source: ONBOARDING, section: 'Onboarding Sequence', quote: 'The device\'s management client receives its unique client Id assigned via the Workload Fleet Manager' },
  profiles: PROFILES,
  requires: [ACCEPTS_SIGNED_REQUEST],
  faults: ['duplicate-client-id'],
  async run(ctx) {
    const first = sessionClient(ctx);
    const identity = await ctx.identities.issueTrusted('device-2');
    const exchange = await onboardIdentity(ctx, identity, 'onboarding of a second device');
    const evidence = exchangesEvidence([first.exchange, exchange]);
    const status = exchange.response?.status;
    if (status === undefined || status < 200 || status > 299) {
      return inconclusive(`the second onboarding was not accepted (${status ?? exchange.transportError?.code ?? 'no response'}), so uniqueness cannot be judged`, evidence);
    }
    const second = clientIdOf(exchange);
    if (second === undefined) return inconclusive('the second onboarding returned no clientId', evidence);
    if (second === first.clientId) {
      return fail(`two different certificates got the same clientId ${second}`, 'a clientId unique per client', `${first.clientId} twice`, evidence);
    }
    return pass(`two devices got distinct clientIds (${first.clientId}, ${second})`, evidence);
  },
});
