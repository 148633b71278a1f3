/**
 * @module Client checks on desired state: after onboarding the client polls the State Manifest, sends
 * If-None-Match with the last ETag, handles 304 Not Modified, and fetches each deployment by its digest.
 * @see spec-digest §1.1 E5–E7, §2.5, §2.6, §5.5 #36–#55
 */
import type { Evidence } from '../../core/check.js';
import type { RecordedExchange } from '../../core/traffic.js';
import { defineClientCheck } from './context.js';
import type { ClientCheckContext } from './context.js';
import {
  describeExchange,
  exchangeEvidence,
  isSuccess,
  jsonOf,
  notReached,
  onRoutes,
  passed,
  recordingOf,
  stringMember,
  violated,
} from './recorded.js';

const DESIRED = 'margo:desired-state';
const PROFILES = ['rfc9421-v1', 'rfc9421-rc2'] as const;
const POLLS = 'client.desired-state.polls-desired-state';
const SENDS_INM = 'client.desired-state.sends-if-none-match';

/** One deployment reference of a State Manifest. */
export interface ManifestDeployment {
  readonly deploymentId: string;
  readonly digest: string;
}

/** The deployments and bundle digest listed by a 200 State Manifest response (empty when the body is not one). */
export function manifestOf(x: RecordedExchange): { deployments: ManifestDeployment[]; bundleDigest?: string } {
  const body = jsonOf(x.response.body);
  if (body === null || typeof body !== 'object') return { deployments: [] };
  const list = (body as Record<string, unknown>)['deployments'];
  const deployments = (Array.isArray(list) ? list : []).flatMap((d: unknown) => {
    const deploymentId = stringMember(d, 'deploymentId');
    const digest = stringMember(d, 'digest');
    return deploymentId === undefined || digest === undefined ? [] : [{ deploymentId, digest }];
  });
  const bundleDigest = stringMember((body as Record<string, unknown>)['bundle'], 'digest');
  return { deployments, ...(bundleDigest === undefined ? {} : { bundleDigest }) };
}

/** True when an If-None-Match value lists `etag` (weak comparison, RFC 9110 §13.1.2) or is `*`. */
export function ifNoneMatchLists(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const strip = (v: string): string => v.trim().replace(/^W\//, '');
  const wanted = strip(etag);
  return header.split(',').some((v) => v.trim() === '*' || strip(v) === wanted);
}

/** Desired-state polls of the happy path, and the capabilities report the mock accepted (the decision point). */
function polls(ctx: ClientCheckContext): { rec: ReturnType<typeof recordingOf>; accepted?: RecordedExchange; polls: RecordedExchange[] } {
  const rec = recordingOf(ctx, 'happy-path');
  const accepted = onRoutes(rec, 'capabilitiesCreate', 'capabilitiesUpdate').find((x) => isSuccess(ctx.profile, x.route, x.response.status));
  return { rec, ...(accepted === undefined ? {} : { accepted }), polls: onRoutes(rec, 'desiredState') };
}

export const pollsDesiredState = defineClientCheck({
  id: POLLS,
  title: 'After reporting capabilities the client polls its desired state (State Manifest)',
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  requires: ['client.capabilities.schema-valid'],
  clause: {
    source: DESIRED,
    section: 'State Manifest',
    quote: "(paraphrase) the device's WFM client learns its desired state by polling GET /api/v1/clients/{clientId}/deployments",
  },
  related: [{ source: 'margo:api-requirements-and-security', section: 'polling interval period and rate are configurable (spec-digest §5.1 #9)' }],
  profiles: PROFILES,
  async run(ctx) {
    const { rec, accepted, polls: all } = polls(ctx);
    if (accepted === undefined) return notReached(rec, 'the mock never accepted a capabilities report, so the client had not finished onboarding');
    const after = all.filter((x) => x.id > accepted.id);
    if (after[0] !== undefined) return passed(`the client polled the desired state ${after.length} time(s)`, [exchangeEvidence(after[0], 'first desired-state poll')]);
    return violated('MUST', 'the client never polled its desired state', 'GET of the State Manifest after onboarding', 'no desired-state request', [
      exchangeEvidence(accepted, 'accepted capabilities report'),
    ]);
  },
});

export const sendsIfNoneMatch = defineClientCheck({
  id: SENDS_INM,
  title: 'A later desired-state poll sends If-None-Match with the ETag of the last manifest',
  role: 'client',
  level: 'SHOULD',
  scenario: 'happy-path',
  requires: [POLLS],
  faults: ['no-if-none-match'],
  clause: {
    source: DESIRED,
    section: 'ETag',
    quote: 'the client persists the last accepted manifestVersion and ETag; a matching If-None-Match gets 304 with no body',
  },
  related: [{ source: 'rfc9110', section: '13.1.2' }],
  profiles: PROFILES,
  async run(ctx) {
    const { rec, polls: all } = polls(ctx);
    let lastEtag: string | undefined;
    const judged: { x: RecordedExchange; etag: string }[] = [];
    for (const x of all) {
      if (lastEtag !== undefined) judged.push({ x, etag: lastEtag });
      const etag = x.response.status === 200 ? x.response.headers['etag'] : undefined;
      if (etag !== undefined) lastEtag = etag;
    }
    if (judged.length === 0) return notReached(rec, `the client polled ${all.length} time(s); a later poll after a 200 with an ETag is needed`, all.slice(0, 1).map((x) => exchangeEvidence(x)));
    const missing = judged.filter((j) => !ifNoneMatchLists(j.x.request.headers['if-none-match'], j.etag));
    const evidence = judged.slice(0, 3).map((j) => exchangeEvidence(j.x));
    if (missing.length === 0) return passed(`all ${judged.length} later poll(s) carried If-None-Match with the last ETag`, evidence);
    return violated(
      'SHOULD',
      `${missing.length} later poll(s) did not send the last ETag in If-None-Match`,
      'If-None-Match: <ETag of the last 200 manifest>',
      missing.slice(0, 3).map((j) => `#${j.x.id}: ${j.x.request.headers['if-none-match'] ?? 'no If-None-Match'} (ETag ${j.etag})`).join('; '),
      evidence,
    );
  },
});

export const handlesNotModified = defineClientCheck({
  id: 'client.desired-state.handles-not-modified',
  title: 'After 304 Not Modified the client keeps its state: no unconditional re-poll, no re-download of unchanged deployments',
  role: 'client',
  level: 'SHOULD',
  scenario: 'happy-path',
  requires: [SENDS_INM],
  clause: {
    source: DESIRED,
    section: 'ETag',
    quote: 'When If-None-Match matches the current manifest, the server MUST respond 304 with no body',
  },
  related: [{ source: 'rfc9110', section: '15.4.5' }],
  profiles: PROFILES,
  async run(ctx) {
    const { rec, polls: all } = polls(ctx);
    const notModified = all.find((x) => x.response.status === 304);
    if (notModified === undefined) return notReached(rec, 'the mock never answered a poll with 304');
    const fetchedBefore = new Set(
      onRoutes(rec, 'deploymentByDigest', 'bundle').filter((x) => x.id < notModified.id && x.response.status === 200).map((x) => x.request.targetUri),
    );
    const after = rec.entries.filter((e): e is RecordedExchange => e.type === 'exchange' && e.id > notModified.id);
    const unconditional = after.filter((x) => x.route === 'desiredState' && x.request.headers['if-none-match'] === undefined);
    const refetched = after.filter((x) => (x.route === 'deploymentByDigest' || x.route === 'bundle') && fetchedBefore.has(x.request.targetUri));
    const offending = [...unconditional, ...refetched].sort((a, b) => a.id - b.id);
    const evidence: Evidence[] = [exchangeEvidence(notModified, '304 Not Modified'), ...offending.slice(0, 3).map((x) => exchangeEvidence(x))];
    if (offending.length === 0) return passed('after the 304 the client neither re-polled unconditionally nor re-downloaded an unchanged deployment', evidence);
    return violated(
      'SHOULD',
      'the client acted as if the 304 carried no information',
      'no unconditional re-poll and no re-download of unchanged deployments after 304',
      offending.slice(0, 3).map(describeExchange).join('; '),
      evidence,
    );
  },
});

export const fetchesDeploymentByDigest = defineClientCheck({
  id: 'client.desired-state.fetches-deployment-by-digest',
  title: 'The client fetches every deployment of the manifest by its digest (or the bundle by its digest)',
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  requires: [POLLS],
  faults: ['skip-deployment-fetch'],
  clause: {
    source: DESIRED,
    section: 'Deployment YAML',
    quote: 'the client MUST verify the digest of every fetched artifact before use',
  },
  related: [{ source: DESIRED, section: 'State Manifest: deployments[].url = /clients/{clientId}/deployments/{deploymentId}/{digest}' }],
  profiles: PROFILES,
  async run(ctx) {
    const { rec, polls: all } = polls(ctx);
    const manifestResponse = all.filter((x) => x.response.status === 200 && manifestOf(x).deployments.length > 0).at(-1);
    if (manifestResponse === undefined) return notReached(rec, 'the mock never served a manifest that lists a deployment');
    const manifest = manifestOf(manifestResponse);
    const fetches = onRoutes(rec, 'deploymentByDigest', 'bundle').filter((x) => x.response.status === 200);
    const bundleFetched = manifest.bundleDigest !== undefined && fetches.some((x) => x.route === 'bundle' && x.params?.['digest'] === manifest.bundleDigest);
    const missing = manifest.deployments.filter(
      (d) => !bundleFetched && !fetches.some((x) => x.route === 'deploymentByDigest' && x.params?.['deploymentId'] === d.deploymentId && x.params?.['digest'] === d.digest),
    );
    const evidence = [exchangeEvidence(manifestResponse, 'State Manifest'), ...fetches.slice(0, 3).map((x) => exchangeEvidence(x))];
    if (missing.length === 0) {
      return passed(bundleFetched ? 'the client fetched the bundle by its digest' : `the client fetched all ${manifest.deployments.length} deployment(s) by digest`, evidence);
    }
    return violated(
      'MUST',
      `${missing.length} deployment(s) of the manifest were never fetched by their digest`,
      'GET deployments/{deploymentId}/{digest} for each listed deployment (or the bundle)',
      missing.map((d) => `${d.deploymentId} ${d.digest}`).join('; '),
      evidence,
    );
  },
});

/** The desired-state checks, in catalogue order. */
export const desiredStateChecks = [pollsDesiredState, sendsIfNoneMatch, handlesNotModified, fetchesDeploymentByDigest] as const;
