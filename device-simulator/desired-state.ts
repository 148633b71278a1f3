/**
 * @module Steps 5 and 6: poll the desired-state manifest with If-None-Match (ETag / 304), then fetch each
 * deployment by digest and verify the digest of the bytes received before using them.
 *
 * @see spec-digest §2.5, §2.6, §5.5 #37–55
 */
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { isConformanceError } from '../core/errors.js';
import { manifestVersionOf, parseJsonLossless } from '../core/json.js';
import { failed, succeeded, withoutExchange } from './outcome.js';
import type { DeviceSession, FetchedDeployment, ManifestDeployment } from './session.js';
import type { PollOutcome, StepOutcome } from './types.js';
import { pathClientId, routeSpec, sendWithRetry, urlFor } from './wire.js';
import type { RetriedResult } from './wire.js';

/** The only digest form the spec requires; any other algorithm makes the manifest invalid (§5.5 #53). */
const DIGEST = /^sha256:[0-9a-f]{64}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The parts of a manifest the device acts on: exact `manifestVersion` and the deployment references. */
interface ManifestView {
  readonly manifestVersion: bigint;
  readonly deployments: ManifestDeployment[];
  /** The whole parsed manifest (bigint for versions beyond 2^53 - 1). */
  readonly value: unknown;
}

/**
 * Reads a desired-state manifest. Returns the view, or the reason it is unusable: not a JSON object, a bad
 * `manifestVersion`, a deployment without `deploymentId`/`digest`, or a digest that is not `sha256:<64 hex>`.
 * @see spec-digest §2.6, §5.5 #53
 */
export function readManifest(text: string): ManifestView | { problem: string } {
  let value: unknown;
  try {
    value = parseJsonLossless(text);
    if (!isRecord(value)) return { problem: 'expected a JSON object' };
    const manifestVersion = manifestVersionOf(value['manifestVersion']);
    const list = value['deployments'];
    if (!Array.isArray(list)) return { problem: 'expected "deployments" to be an array' };
    const deployments: ManifestDeployment[] = [];
    for (const [i, entry] of list.entries()) {
      const deploymentId = isRecord(entry) ? entry['deploymentId'] : undefined;
      const digest = isRecord(entry) ? entry['digest'] : undefined;
      if (typeof deploymentId !== 'string' || typeof digest !== 'string') return { problem: `deployments[${i}] lacks a string deploymentId or digest` };
      if (!DIGEST.test(digest)) return { problem: `deployments[${i}].digest "${digest}" is not sha256:<64 lowercase hex>` };
      const url = isRecord(entry) && typeof entry['url'] === 'string' ? entry['url'] : undefined;
      deployments.push({ deploymentId, digest, ...(url === undefined ? {} : { url }) });
    }
    return { manifestVersion, deployments, value };
  } catch (err) {
    if (isConformanceError(err, 'JSON_MALFORMED', 'MANIFEST_VERSION_INVALID')) return { problem: err.message };
    throw err;
  }
}

function adopt(session: DeviceSession, sent: RetriedResult, view: ManifestView, etag: string | undefined): PollOutcome {
  const s = session.state;
  s.etag = etag;
  s.manifestVersion = view.manifestVersion;
  s.manifest = view.value;
  s.deployments = view.deployments;
  const outcome = succeeded(session, 'poll-desired-state', sent, `manifestVersion ${view.manifestVersion}, ${view.deployments.length} deployment(s)${etag === undefined ? '' : `, ETag ${etag}`}`);
  return { ...outcome, manifest: s.manifest, notModified: false };
}

/**
 * Step 5: GET the desired state with `Accept` = the manifest media type and `If-None-Match` = the last ETag (not
 * with fault `no-if-none-match`). 304 → `notModified`; 200 → the manifest is adopted when its `manifestVersion` is
 * strictly greater than the stored one (the same version with the same ETag is the same manifest); a lower
 * version fails with MANIFEST_VERSION_REGRESSED and the previous state is kept (§5.5 #54). Other failures:
 * MANIFEST_INVALID, NO_CLIENT_ID, UNEXPECTED_STATUS, transport errors.
 * @see spec-digest §5.5 #37, #40, #54
 */
export async function pollDesiredState(session: DeviceSession): Promise<PollOutcome> {
  const id = await session.identity();
  const spec = routeSpec(session, 'desiredState');
  const clientId = pathClientId(session, id.deviceId);
  if (clientId === undefined) {
    return withoutExchange(session, 'poll-desired-state', false, { code: 'NO_CLIENT_ID', message: 'not onboarded: no clientId to poll for' });
  }
  const headers: Record<string, string> = { accept: session.profile.mediaTypes.manifest };
  const etag = session.state.etag;
  if (etag !== undefined && !session.faults.has('no-if-none-match')) headers['if-none-match'] = etag;
  const url = urlFor(session, spec, { clientId, deviceId: id.deviceId });
  session.log('poll-desired-state', 'request', { detail: `${spec.method} ${url}${headers['if-none-match'] === undefined ? '' : ` If-None-Match ${etag}`}` });
  const sent = await sendWithRetry(session, 'poll-desired-state', {
    label: 'poll-desired-state',
    method: spec.method,
    url,
    headers,
    sign: spec.signed,
    faults: session.faults,
    channel: 'pinned',
  });
  const result = sent.last.result;
  const notModified = spec.notModifiedStatuses ?? [304];
  if (result !== undefined && notModified.includes(result.status)) {
    return { ...succeeded(session, 'poll-desired-state', sent, 'not modified'), notModified: true };
  }
  if (result === undefined || !spec.successStatuses.includes(result.status)) {
    return failed(session, 'poll-desired-state', sent, [...spec.successStatuses, ...notModified]);
  }
  const view = readManifest(result.body.toString('utf8'));
  if ('problem' in view) return failed(session, 'poll-desired-state', sent, spec.successStatuses, { code: 'MANIFEST_INVALID', message: view.problem });
  const stored = session.state.manifestVersion;
  const newEtag = result.headers['etag'];
  if (stored !== undefined && view.manifestVersion <= stored) {
    if (view.manifestVersion === stored && newEtag !== undefined && newEtag === session.state.etag) {
      return { ...succeeded(session, 'poll-desired-state', sent, `unchanged (manifestVersion ${stored})`), manifest: session.state.manifest, notModified: false };
    }
    return failed(session, 'poll-desired-state', sent, spec.successStatuses, {
      code: 'MANIFEST_VERSION_REGRESSED',
      message: `manifestVersion ${view.manifestVersion} is not greater than the stored ${stored}; the manifest is rejected`,
    });
  }
  return adopt(session, sent, view, newEtag);
}

/** Component names of an ApplicationDeployment YAML (`spec.deploymentProfile.components[].name`). */
export function componentNamesOf(yamlText: string): { names: string[]; id?: string } | { problem: string } {
  let doc: unknown;
  try {
    doc = parseYaml(yamlText);
  } catch (err) {
    return { problem: `not YAML: ${err instanceof Error ? err.message : String(err)}` };
  }
  const spec = isRecord(doc) ? doc['spec'] : undefined;
  const profile = isRecord(spec) ? (spec['deploymentProfile'] ?? spec['appDeploymentProfile']) : undefined;
  const components = isRecord(profile) ? profile['components'] : undefined;
  if (!Array.isArray(components)) return { problem: 'expected spec.deploymentProfile.components to be a list' };
  const names = components.map((c) => (isRecord(c) && typeof c['name'] === 'string' ? c['name'] : undefined));
  if (names.some((n) => n === undefined)) return { problem: 'a component has no string name' };
  const metadata = isRecord(doc) ? doc['metadata'] : undefined;
  const annotations = isRecord(metadata) ? metadata['annotations'] : undefined;
  const id = isRecord(annotations) && typeof annotations['id'] === 'string' ? annotations['id'] : undefined;
  return { names: names as string[], ...(id === undefined ? {} : { id }) };
}

async function fetchOne(session: DeviceSession, clientId: string, deviceId: string, dep: ManifestDeployment): Promise<StepOutcome> {
  const spec = routeSpec(session, 'deploymentByDigest');
  const url = urlFor(session, spec, { clientId, deviceId, deploymentId: dep.deploymentId, digest: dep.digest });
  session.log('fetch-deployments', 'request', { detail: `${spec.method} ${url}` });
  const sent = await sendWithRetry(session, 'fetch-deployments', {
    label: `fetch-deployment ${dep.deploymentId}`,
    method: spec.method,
    url,
    headers: { accept: session.profile.mediaTypes.yaml },
    sign: spec.signed,
    faults: session.faults,
    channel: 'pinned',
  });
  const result = sent.last.result;
  if (result === undefined || !spec.successStatuses.includes(result.status)) return failed(session, 'fetch-deployments', sent, spec.successStatuses);
  const actual = `sha256:${createHash('sha256').update(result.body).digest('hex')}`;
  if (actual !== dep.digest) {
    return failed(session, 'fetch-deployments', sent, spec.successStatuses, {
      code: 'ARTIFACT_DIGEST_MISMATCH',
      message: `the bytes of ${dep.deploymentId} hash to ${actual}, the manifest says ${dep.digest}; update aborted`,
    });
  }
  const parsed = componentNamesOf(result.body.toString('utf8'));
  if ('problem' in parsed) return failed(session, 'fetch-deployments', sent, spec.successStatuses, { code: 'RESPONSE_INVALID', message: parsed.problem });
  const fetched: FetchedDeployment = { deploymentId: dep.deploymentId, digest: dep.digest, componentNames: parsed.names };
  session.state.fetched.set(dep.deploymentId, fetched);
  const idNote = parsed.id !== undefined && parsed.id !== dep.deploymentId ? `; metadata.annotations.id is ${parsed.id}` : '';
  return succeeded(session, 'fetch-deployments', sent, `${dep.deploymentId}: ${parsed.names.length} component(s), digest verified${idNote}`);
}

/**
 * Step 6: fetch every deployment of the adopted manifest by digest (skipping those already fetched with the same
 * digest), verify `sha256` of the bytes equals the digest, and read the component names. Stops at the first
 * failure: a digest mismatch aborts the update and keeps the previous state (§5.5 #52). Fault
 * `skip-deployment-fetch` fetches nothing. Resolves to one outcome per fetch attempted.
 * @see spec-digest §5.5 #45, #50–52
 */
export async function fetchDeployments(session: DeviceSession): Promise<StepOutcome[]> {
  if (session.faults.has('skip-deployment-fetch')) {
    session.log('fetch-deployments', 'skipped', { detail: 'fault skip-deployment-fetch' });
    return [];
  }
  const id = await session.identity();
  const clientId = pathClientId(session, id.deviceId);
  if (clientId === undefined) {
    return [withoutExchange(session, 'fetch-deployments', false, { code: 'NO_CLIENT_ID', message: 'not onboarded: no clientId' })];
  }
  const outcomes: StepOutcome[] = [];
  for (const dep of session.state.deployments) {
    if (session.state.fetched.get(dep.deploymentId)?.digest === dep.digest) continue;
    const outcome = await fetchOne(session, clientId, id.deviceId, dep);
    outcomes.push(outcome);
    if (!outcome.ok) break;
  }
  return outcomes;
}
