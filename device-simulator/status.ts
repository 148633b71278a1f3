/**
 * @module Step 7: report a DeploymentStatusManifest for a deployment of the desired state.
 *
 * @see seed page "POST /clients/{clientId}/deployments/{deploymentId}/status"; spec-digest §2.4, §5.6 #57–64
 */
import { buildDeploymentStatus } from '../core/profiles/index.js';
import { failed, succeeded, withoutExchange } from './outcome.js';
import type { DeviceSession } from './session.js';
import type { StepOutcome } from './types.js';
import { pathClientId, routeSpec, sendWithRetry, urlFor } from './wire.js';

/** Fault `invalid-status`: an overall state outside the enum and no `components` (both required by the schema). */
function breakStatus(body: Record<string, unknown>): Record<string, unknown> {
  const broken: Record<string, unknown> = { ...body, status: { state: 'done' } };
  delete broken['components'];
  return broken;
}

/**
 * The body of a status report as UTF-8 JSON bytes: a DeploymentStatusManifest for `deploymentId` with state
 * `installed` and one `installed` entry per component name; broken under fault `invalid-status`. This is the
 * per-report body work of a device (the load generator and the signing benchmark measure it).
 * @see spec-digest §2.4, §5.6 #61
 */
export function deploymentStatusBody(session: DeviceSession, deploymentId: string, componentNames: readonly string[]): Uint8Array {
  const valid = buildDeploymentStatus(session.profile, {
    deploymentId,
    state: 'installed',
    components: componentNames.map((name) => ({ name, state: 'installed' as const })),
  });
  // Every member is a string (no u64 manifestVersion), so plain JSON.stringify is exact; jsonBytes' bigint scan is skipped.
  return Buffer.from(JSON.stringify(session.faults.has('invalid-status') ? breakStatus(valid) : valid), 'utf8');
}

/**
 * Step 7: POST a DeploymentStatusManifest with state `installed` and one `installed` entry per component of the
 * fetched ApplicationDeployment (none when it was not fetched). `deploymentId` defaults to the first deployment of
 * the adopted manifest. Success = a status in `status.acceptedCodes`. Fails with NO_DEPLOYMENT, NO_CLIENT_ID,
 * UNEXPECTED_STATUS or a transport error.
 * @see spec-digest §5.6 #61 "components MUST contain one entry per component"
 */
export async function reportStatus(session: DeviceSession, deploymentId?: string): Promise<StepOutcome> {
  const id = await session.identity();
  const target = deploymentId ?? session.state.deployments[0]?.deploymentId;
  if (target === undefined) {
    return withoutExchange(session, 'report-status', false, { code: 'NO_DEPLOYMENT', message: 'the desired state lists no deployment to report on' });
  }
  const clientId = pathClientId(session, id.deviceId);
  if (clientId === undefined) {
    return withoutExchange(session, 'report-status', false, { code: 'NO_CLIENT_ID', message: 'not onboarded: no clientId to report for' });
  }
  const names = session.state.fetched.get(target)?.componentNames ?? [];
  const spec = routeSpec(session, 'deploymentStatus');
  const url = urlFor(session, spec, { clientId, deviceId: id.deviceId, deploymentId: target });
  session.log('report-status', 'request', { detail: `${spec.method} ${url}` });
  const sent = await sendWithRetry(session, 'report-status', {
    label: `report-status ${target}`,
    method: spec.method,
    url,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: deploymentStatusBody(session, target, names),
    sign: spec.signed,
    faults: session.faults,
    channel: 'pinned',
  });
  const accepted = session.config.status.acceptedCodes;
  const status = sent.last.result?.status;
  if (status !== undefined && accepted.includes(status)) return succeeded(session, 'report-status', sent, `${target}: installed`);
  return failed(session, 'report-status', sent, accepted);
}
