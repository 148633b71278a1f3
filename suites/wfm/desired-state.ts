/**
 * @module Desired state (state manifest) API: a schema-valid manifest with a strong ETag equal to the quoted digest
 * of the body, 304 on a matching If-None-Match, 406 for an Accept it cannot serve, and a manifestVersion that rises
 * when the desired state changes.
 *
 * @see spec-digest §1.1 E5, §2.5–2.6, §5.5 items 37–43
 */
import { createHash } from 'node:crypto';
import { defineCheck } from '../../core/check.js';
import type { Verdict } from '../../core/check.js';
import { isConformanceError } from '../../core/errors.js';
import { compareManifestVersions } from '../../core/json.js';
import {
  allOf,
  exchangeEvidence,
  exchangesEvidence,
  expectSchema,
  expectStatus,
  fail,
  note,
  pass,
  responseHeader,
  skip,
} from '../expect.js';
import { expectRefused } from './refusals.js';
import type { WfmCheckContext, WfmExchange } from './context.js';
import { CLIENT_IN_PATH } from './onboarding.js';
import { jsonBodyOf, routeOf, sendRoute, sessionClient, signedBy } from './requests.js';

const PROFILES = ['rfc9421-v1', 'rfc9421-rc2'] as const;
const DESIRED = 'margo:desired-state';
const RETURNS_MANIFEST = 'wfm.desired-state.returns-manifest';

function fetchManifest(ctx: WfmCheckContext, label: string, headers: Readonly<Record<string, string>>): Promise<WfmExchange> {
  const client = sessionClient(ctx);
  return sendRoute(ctx, 'desiredState', {
    label,
    params: { clientId: client.clientId },
    headers,
    signing: signedBy(ctx, client.identity, client.clientId),
  });
}

function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase();
}

function manifestVersionOf(manifest: unknown): unknown {
  return typeof manifest === 'object' && manifest !== null ? (manifest as Record<string, unknown>)['manifestVersion'] : undefined;
}

/** GET desired state → 200, manifest media type, ETag present, body valid against the profile schema. */
export const returnsManifest = defineCheck<WfmCheckContext>({
  id: RETURNS_MANIFEST,
  title: 'The desired state answers 200 with a schema-valid manifest, its media type and an ETag',
  role: 'wfm',
  level: 'MUST',
  clause: { source: DESIRED, section: 'State Manifest', quote: 'a 200 response MUST include a valid ETag and Content-Type application/vnd.margo.manifest.v1+json' },
  profiles: PROFILES,
  requires: CLIENT_IN_PATH,
  async run(ctx) {
    const route = routeOf(ctx, 'desiredState');
    const manifestType = ctx.profile.mediaTypes.manifest;
    const exchange = await fetchManifest(ctx, 'GET desired state', { accept: manifestType });
    const status = expectStatus(exchange, route.successStatuses, { what: 'desired state' });
    if (status.status !== 'pass') return status;
    const evidence = exchangeEvidence(exchange);
    const parsed = jsonBodyOf(exchange);
    if (!parsed.ok) return fail('desired state body is not JSON', `${manifestType} JSON`, parsed.message, evidence);
    const type = mediaTypeOf(responseHeader(exchange, 'content-type'));
    const etag = responseHeader(exchange, 'etag');
    const checks: Verdict[] = [
      type === manifestType ? pass(`Content-Type ${type}`) : fail('desired state has the wrong Content-Type', manifestType, type ?? 'none', evidence),
      etag !== undefined && etag !== '' ? pass(`ETag ${etag}`) : fail('desired state 200 carries no ETag', 'an ETag header', 'none', evidence),
      route.responseSchema === undefined ? pass('no schema') : expectSchema(ctx.schemas, route.responseSchema, parsed.value, 'desired-state manifest', evidence),
    ];
    ctx.session.desiredState = { exchange, manifest: parsed.value, ...(etag === undefined ? {} : { etag }) };
    return allOf(checks.map((v) => ({ ...v, evidence: v.evidence.length === 0 ? evidence : v.evidence })), 'desired state: 200, manifest media type, ETag, schema-valid');
  },
});

/** The ETag is the strong, quoted `sha256:<hex>` digest of the exact body. */
export const etagIsBodyDigest = defineCheck<WfmCheckContext>({
  id: 'wfm.desired-state.etag-is-body-digest',
  title: 'The manifest ETag is the quoted sha256 digest of the exact body',
  role: 'wfm',
  level: 'MUST',
  clause: { source: DESIRED, section: 'ETag', quote: 'ETag MUST be a strong validator = quoted digest ("sha256:<hex>") of the exact serialized JSON body' },
  related: [{ source: 'rfc9110', section: '8.8.3' }],
  profiles: PROFILES,
  requires: [RETURNS_MANIFEST],
  faults: ['etag-not-body-digest'],
  async run(ctx) {
    const state = ctx.session.desiredState;
    if (state?.exchange.response === undefined) return fail('no desired state in the session', 'a fetched manifest', 'none', []);
    const expected = `"sha256:${createHash('sha256').update(state.exchange.response.body).digest('hex')}"`;
    const evidence = exchangeEvidence(state.exchange);
    if (state.etag === expected) return pass(`ETag ${expected} is the digest of the body`, evidence);
    return fail('the manifest ETag is not the quoted sha256 digest of the body', expected, state.etag ?? 'none', evidence);
  },
});

/** GET with If-None-Match = the current ETag → 304 without a body. */
export const answers304OnMatchingEtag = defineCheck<WfmCheckContext>({
  id: 'wfm.desired-state.answers-304-on-matching-etag',
  title: 'A desired-state request whose If-None-Match matches the current ETag gets 304 with no body',
  role: 'wfm',
  level: 'MUST',
  clause: { source: DESIRED, section: 'Caching', quote: 'When If-None-Match matches the current manifest, MUST respond 304 with no body' },
  related: [{ source: 'rfc9110', section: '13.1.2' }],
  profiles: PROFILES,
  requires: [RETURNS_MANIFEST],
  faults: ['no-304'],
  async run(ctx) {
    const etag = ctx.session.desiredState?.etag;
    if (etag === undefined) return fail('no ETag in the session', 'an ETag', 'none', []);
    const exchange = await fetchManifest(ctx, 'GET desired state with If-None-Match', {
      accept: ctx.profile.mediaTypes.manifest,
      'if-none-match': etag,
    });
    const status = expectStatus(exchange, routeOf(ctx, 'desiredState').notModifiedStatuses ?? [304], { what: 'conditional desired-state request' });
    if (status.status !== 'pass') return status;
    const size = exchange.response?.body.length ?? 0;
    if (size > 0) return fail('304 carries a body', '304 with no body', `${size} body bytes`, status.evidence);
    return status;
  },
});

/** Accept listing only an unsupported media type → 406. */
export const answers406ForUnsupportedAccept = defineCheck<WfmCheckContext>({
  id: 'wfm.desired-state.answers-406-for-unsupported-accept',
  title: 'A desired-state request whose Accept lists only unsupported types gets 406',
  role: 'wfm',
  level: 'MUST',
  clause: { source: DESIRED, section: 'Content negotiation', quote: 'if Accept lists only unsupported types the server MUST return 406' },
  related: [{ source: 'rfc9110', section: '12.5.1' }],
  profiles: PROFILES,
  // Gated on the positive control of the route: a 406 from a route that answers nothing else proves nothing.
  requires: [RETURNS_MANIFEST],
  negative: true,
  faults: ['no-406'],
  async run(ctx) {
    const exchange = await fetchManifest(ctx, 'GET desired state with an unsupported Accept', { accept: 'application/x-margo-unsupported+xml' });
    return expectRefused(ctx, exchange, routeOf(ctx, 'desiredState').errorStatuses.notAcceptable ?? [406], 'unsupported Accept');
  },
});

/** After the WFM user changes the client's desired state (operator action), manifestVersion is strictly greater. */
export const manifestVersionRises = defineCheck<WfmCheckContext>({
  id: 'wfm.desired-state.manifest-version-rises',
  title: 'manifestVersion rises strictly when the desired state changes',
  role: 'wfm',
  level: 'MUST',
  clause: { source: DESIRED, section: 'ManifestVersion', quote: 'manifestVersion MUST be strictly greater than the previous one for the same client' },
  profiles: PROFILES,
  requires: [RETURNS_MANIFEST],
  faults: ['manifest-version-static'],
  async run(ctx) {
    const before = ctx.session.desiredState;
    if (before === undefined) return fail('no desired state in the session', 'a fetched manifest', 'none', []);
    if (ctx.operator === undefined) {
      return skip('no operator action configured (--operator-command, --operator-hook or --operator-prompt): the desired state cannot be changed');
    }
    const client = sessionClient(ctx);
    await ctx.operator.perform(
      { action: 'change-desired-state', fingerprint: client.identity.fingerprint256, certificatePem: client.identity.certPem, clientId: client.clientId },
      ctx.signal,
    );
    const exchange = await fetchManifest(ctx, 'GET desired state after the change', { accept: ctx.profile.mediaTypes.manifest });
    const status = expectStatus(exchange, routeOf(ctx, 'desiredState').successStatuses, { what: 'desired state after the change' });
    if (status.status !== 'pass') return status;
    const evidence = [note(`operator: ${ctx.operator.description}; action change-desired-state`), ...exchangesEvidence([before.exchange, exchange])];
    const after = jsonBodyOf(exchange);
    if (!after.ok) return fail('desired state body is not JSON', 'a JSON manifest', after.message, evidence);
    const [v1, v2] = [manifestVersionOf(before.manifest), manifestVersionOf(after.value)];
    try {
      if (compareManifestVersions(v2, v1) > 0) return pass(`manifestVersion rose from ${String(v1)} to ${String(v2)}`, evidence);
    } catch (err) {
      if (!isConformanceError(err, 'MANIFEST_VERSION_INVALID')) throw err;
      return fail(`manifestVersion is not a valid u64: ${err.message}`, 'an integer in [1, 2^64-1]', `${String(v1)} → ${String(v2)}`, evidence);
    }
    return fail('manifestVersion did not rise after the desired state changed', `greater than ${String(v1)}`, String(v2), evidence);
  },
});
