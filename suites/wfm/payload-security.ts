/**
 * @module Payload security (RFC 9421 era): every request to onboarding, capabilities and deployment status is signed
 * with the client's certificate key over `@method`, `@target-uri` and `content-digest`, fresh `created`, and a
 * Content-Digest matching the body. Each check breaks exactly one of these and expects the refusal.
 *
 * @see spec-digest §3.2 (server algorithm), §5.2 items 15–19; RFC 9421 §3.2, RFC 9530 §2
 */
import { defineCheck } from '../../core/check.js';
import type { Verdict } from '../../core/check.js';
import { exchangeEvidence, inconclusive, note, notApplicable, skip } from '../expect.js';
import { expectRefused } from './refusals.js';
import type { OnboardedClient, WfmCheckContext, WfmExchange } from './context.js';
import type { SendRouteOptions } from './requests.js';
import {
  capabilitiesRequest,
  capabilitiesRouteName,
  clientIdOf,
  deploymentStatusBody,
  onboardIdentity,
  routeOf,
  sendOnboarding,
  sendRoute,
  certificateFieldOf,
  sessionClient,
  signedBy,
} from './requests.js';
import { CAPABILITIES_CONTROL } from './capabilities.js';
import { STATUS_CONTROL } from './deployment-status.js';
import { ONBOARDING_CONTROL } from './onboarding.js';

const PROFILES = ['rfc9421-v1', 'rfc9421-rc2'] as const;
const SECURITY = 'margo:api-requirements-and-security';
const SECTION = 'Payload Security';
const SIGNED_QUOTE = 'requests to the onboarding, capabilities and deployment status endpoints MUST be authenticated using the HTTP Message Signature method';

/** Sends the session client's capabilities report with `signing` (built from the client). */
async function sendCapabilities(
  ctx: WfmCheckContext,
  label: string,
  signing: (client: OnboardedClient) => SendRouteOptions['signing'],
): Promise<WfmExchange> {
  const client = sessionClient(ctx);
  const { params, body } = capabilitiesRequest(ctx, client.clientId);
  return sendRoute(ctx, capabilitiesRouteName(ctx), { label, params, body, signing: signing(client) });
}

/** Statuses a signed route answers for a failed signature check (401 by default). */
function signatureStatuses(ctx: WfmCheckContext): readonly number[] {
  return routeOf(ctx, capabilitiesRouteName(ctx)).errorStatuses.signature ?? [401];
}

// ---------------------------------------------------------------------------------------------------------------
// Unsigned → 401.

/** An OnboardingRequest without Signature / Signature-Input → 401. */
export const rejectsUnsignedOnboarding = defineCheck<WfmCheckContext>({
  id: 'wfm.payload-security.rejects-unsigned-onboarding',
  title: 'An unsigned OnboardingRequest is refused with 401',
  role: 'wfm',
  level: 'MUST',
  clause: { source: 'margo:device-client-onboarding', section: 'Device Client Onboarding', quote: 'Requests to this endpoint MUST be authenticated using the HTTP Message Signature method' },
  related: [{ source: 'rfc9421', section: '3.2' }],
  profiles: PROFILES,
  requires: ONBOARDING_CONTROL,
  negative: true,
  faults: ['accept-unsigned'],
  async run(ctx) {
    if (!ctx.config.onboarding.requireSignature) return notApplicable('onboarding.requireSignature is false');
    const identity = await ctx.identities.issueTrusted('unsigned-onboarding');
    const exchange = await sendOnboarding(ctx, certificateFieldOf(ctx, identity.certDer), 'unsigned', 'onboarding without a signature');
    return expectRefused(ctx, exchange, routeOf(ctx, 'onboarding').errorStatuses.signature ?? [401], 'unsigned onboarding');
  },
});

/** A capabilities report without Signature / Signature-Input → 401. */
export const rejectsUnsignedCapabilities = defineCheck<WfmCheckContext>({
  id: 'wfm.payload-security.rejects-unsigned-capabilities',
  title: 'An unsigned capabilities report is refused with 401',
  role: 'wfm',
  level: 'MUST',
  clause: { source: SECURITY, section: SECTION, quote: SIGNED_QUOTE },
  related: [{ source: 'rfc9421', section: '3.2' }],
  profiles: PROFILES,
  requires: CAPABILITIES_CONTROL,
  negative: true,
  faults: ['accept-unsigned'],
  async run(ctx) {
    const exchange = await sendCapabilities(ctx, 'capabilities without a signature', () => 'unsigned');
    return expectRefused(ctx, exchange, signatureStatuses(ctx), 'unsigned capabilities report');
  },
});

/** A deployment status report without Signature / Signature-Input → 401. */
export const rejectsUnsignedStatus = defineCheck<WfmCheckContext>({
  id: 'wfm.payload-security.rejects-unsigned-status',
  title: 'An unsigned deployment status report is refused with 401',
  role: 'wfm',
  level: 'MUST',
  clause: { source: SECURITY, section: SECTION, quote: SIGNED_QUOTE },
  related: [{ source: 'rfc9421', section: '3.2' }],
  profiles: PROFILES,
  requires: STATUS_CONTROL,
  negative: true,
  faults: ['accept-unsigned'],
  async run(ctx) {
    const client = sessionClient(ctx);
    const deploymentId = ctx.randomId();
    const exchange = await sendRoute(ctx, 'deploymentStatus', {
      label: 'deployment status without a signature',
      params: { clientId: client.clientId, deploymentId },
      body: deploymentStatusBody(ctx, deploymentId),
      signing: 'unsigned',
    });
    return expectRefused(ctx, exchange, routeOf(ctx, 'deploymentStatus').errorStatuses.signature ?? [401], 'unsigned deployment status');
  },
});

// ---------------------------------------------------------------------------------------------------------------
// Broken signatures.

/** The body is changed after signing, so Content-Digest no longer matches → 400 (digest) or 401. */
export const rejectsBodyChangedAfterSigning = defineCheck<WfmCheckContext>({
  id: 'wfm.payload-security.rejects-body-changed-after-signing',
  title: 'A request whose body changed after signing (Content-Digest mismatch) is refused with 400 or 401',
  role: 'wfm',
  level: 'MUST',
  clause: { source: SECURITY, section: SECTION, quote: 'recompute the SHA-256 content digest of the received body … 400: missing or invalid content-digest' },
  related: [{ source: 'rfc9530', section: '2' }],
  profiles: PROFILES,
  requires: CAPABILITIES_CONTROL,
  negative: true,
  faults: ['accept-digest-mismatch'],
  async run(ctx) {
    const exchange = await sendCapabilities(ctx, 'capabilities, body changed after signing', (c) => ({
      ...signedBy(ctx, c.identity, c.clientId),
      faults: ['body-changed-after-signing'],
    }));
    const route = routeOf(ctx, capabilitiesRouteName(ctx));
    return expectRefused(ctx, exchange, [...(route.errorStatuses.digest ?? [400]), ...signatureStatuses(ctx)], 'body changed after signing');
  },
});

/** Signed by a key that is not the onboarded certificate's → 401. */
export const rejectsSignatureByOtherKey = defineCheck<WfmCheckContext>({
  id: 'wfm.payload-security.rejects-signature-by-other-key',
  title: "A request signed by a key other than the client certificate's is refused with 401",
  role: 'wfm',
  level: 'MUST',
  clause: { source: SECURITY, section: SECTION, quote: "verify the signature with the client's public key … on mismatch MUST respond 401" },
  related: [{ source: 'rfc9421', section: '3.2' }],
  profiles: PROFILES,
  requires: CAPABILITIES_CONTROL,
  negative: true,
  faults: ['accept-any-key'],
  async run(ctx) {
    const otherKey = await ctx.identities.otherKey();
    const exchange = await sendCapabilities(ctx, 'capabilities signed by another key', (c) => ({
      ...signedBy(ctx, c.identity, c.clientId),
      faults: ['signed-by-other-key'],
      otherKey,
    }));
    return expectRefused(ctx, exchange, signatureStatuses(ctx), 'signature by another key');
  },
});

/** Signed with the published RFC 9421 test key `test-key-ecc-p256` (anyone has its private half) → 401. */
export const rejectsRfc9421TestKey = defineCheck<WfmCheckContext>({
  id: 'wfm.payload-security.rejects-rfc9421-test-key',
  title: 'A request signed with the published RFC 9421 test key (test-key-ecc-p256) is refused with 401',
  role: 'wfm',
  level: 'MUST',
  clause: { source: SECURITY, section: SECTION, quote: "verify the signature with the client's public key … on mismatch MUST respond 401" },
  related: [{ source: 'rfc9421', section: 'B.1.3' }],
  profiles: PROFILES,
  requires: CAPABILITIES_CONTROL,
  negative: true,
  faults: ['accept-any-key'],
  async run(ctx) {
    const key = await ctx.identities.rfcTestKey();
    const exchange = await sendCapabilities(ctx, 'capabilities signed with the RFC 9421 test key', () => ({ key, keyid: 'test-key-ecc-p256' }));
    return expectRefused(ctx, exchange, signatureStatuses(ctx), 'signature with the RFC 9421 test key');
  },
});

/** `created` older than `signatures.maxAgeSeconds` + `clockSkewSeconds` (plus a minute) → 401. */
export const rejectsStaleCreated = defineCheck<WfmCheckContext>({
  id: 'wfm.payload-security.rejects-stale-created',
  title: 'WFM rejects a signed request whose `created` is outside the replay window',
  role: 'wfm',
  level: 'MUST',
  clause: { source: SECURITY, section: SECTION, quote: 'requests whose created is older than a configurable window … MUST be rejected' },
  related: [{ source: 'rfc9421', section: '2.3' }],
  profiles: PROFILES,
  requires: CAPABILITIES_CONTROL,
  negative: true,
  faults: ['ignore-created-window'],
  async run(ctx) {
    // Past the window even for a verifier that also grants the clock skew on the old side.
    const ageSeconds = ctx.config.signatures.maxAgeSeconds + ctx.config.signatures.clockSkewSeconds + 60;
    const created = ctx.now() - ageSeconds;
    const exchange = await sendCapabilities(ctx, `capabilities with created ${ageSeconds} s old`, (c) => ({
      ...signedBy(ctx, c.identity, c.clientId),
      created,
    }));
    return withNote(
      expectRefused(ctx, exchange, signatureStatuses(ctx), 'stale created'),
      `signatures.maxAgeSeconds = ${ctx.config.signatures.maxAgeSeconds}, clockSkewSeconds = ${ctx.config.signatures.clockSkewSeconds}`,
    );
  },
});

/** `created` further in the future than `signatures.clockSkewSeconds` (plus a minute) → 401. */
export const rejectsFutureCreated = defineCheck<WfmCheckContext>({
  id: 'wfm.payload-security.rejects-future-created',
  title: 'WFM rejects a signed request whose `created` lies in the future beyond the clock skew',
  role: 'wfm',
  level: 'MUST',
  clause: { source: SECURITY, section: SECTION, quote: 'requests whose created is … in the future (allowing for clock skew) MUST be rejected' },
  related: [{ source: 'rfc9421', section: '2.3' }],
  profiles: PROFILES,
  requires: CAPABILITIES_CONTROL,
  negative: true,
  faults: ['ignore-created-window'],
  async run(ctx) {
    const created = ctx.now() + ctx.config.signatures.clockSkewSeconds + 60;
    const exchange = await sendCapabilities(ctx, `capabilities with created ${ctx.config.signatures.clockSkewSeconds + 60} s ahead`, (c) => ({
      ...signedBy(ctx, c.identity, c.clientId),
      created,
    }));
    return withNote(expectRefused(ctx, exchange, signatureStatuses(ctx), 'future created'), `signatures.clockSkewSeconds = ${ctx.config.signatures.clockSkewSeconds}`);
  },
});

/** A signature that leaves content-digest uncovered (the body is then unprotected) → 401 (or 400). */
export const rejectsUncoveredContentDigest = defineCheck<WfmCheckContext>({
  id: 'wfm.payload-security.rejects-uncovered-content-digest',
  title: 'A signature that does not cover content-digest is refused with 401 (or 400)',
  role: 'wfm',
  level: 'MUST',
  clause: { source: SECURITY, section: SECTION, quote: 'build a signature base including @method, @target-uri, Content-Digest' },
  related: [{ source: 'rfc9421', section: '3.2' }],
  profiles: PROFILES,
  requires: CAPABILITIES_CONTROL,
  negative: true,
  faults: ['accept-uncovered-components'],
  async run(ctx) {
    const exchange = await sendCapabilities(ctx, 'capabilities, content-digest not covered', (c) => ({
      ...signedBy(ctx, c.identity, c.clientId),
      faults: ['uncovered-content-digest'],
    }));
    const route = routeOf(ctx, capabilitiesRouteName(ctx));
    return expectRefused(ctx, exchange, [...signatureStatuses(ctx), ...(route.errorStatuses.digest ?? [400])], 'content-digest not covered');
  },
});

/** After the WFM user revokes a client (operator action), its signed requests → 403. */
export const rejectsRevokedClient = defineCheck<WfmCheckContext>({
  id: 'wfm.payload-security.rejects-revoked-client',
  title: 'Signed requests of a revoked client are refused with 403',
  role: 'wfm',
  level: 'MUST',
  clause: { source: SECURITY, section: SECTION, quote: '403: client certificate not trusted or revoked' },
  profiles: PROFILES,
  requires: CAPABILITIES_CONTROL,
  negative: true,
  faults: ['accept-revoked'],
  async run(ctx): Promise<Verdict> {
    if (ctx.operator === undefined) {
      return skip('no operator action configured (--operator-command, --operator-hook or --operator-prompt): the revocation cannot be performed');
    }
    const identity = await ctx.identities.issueTrusted('revoked-device');
    const onboarding = await onboardIdentity(ctx, identity, 'onboarding of the device to revoke');
    const clientId = clientIdOf(onboarding);
    if (clientId === undefined) return inconclusive('the device to revoke could not be onboarded, so revocation cannot be judged', exchangeEvidence(onboarding));
    await ctx.operator.perform(
      { action: 'revoke-client', fingerprint: identity.fingerprint256, certificatePem: identity.certPem, clientId },
      ctx.signal,
    );
    const { params, body } = capabilitiesRequest(ctx, clientId);
    const exchange = await sendRoute(ctx, capabilitiesRouteName(ctx), {
      label: 'capabilities of the revoked client',
      params,
      body,
      signing: signedBy(ctx, identity, clientId),
    });
    const route = routeOf(ctx, capabilitiesRouteName(ctx));
    return withNote(
      expectRefused(ctx, exchange, route.errorStatuses.untrusted ?? [403], 'request of a revoked client'),
      `operator: ${ctx.operator.description}; action revoke-client for clientId ${clientId}`,
    );
  },
});

function withNote(verdict: Verdict, text: string): Verdict {
  return { ...verdict, evidence: [note(text), ...verdict.evidence] };
}
