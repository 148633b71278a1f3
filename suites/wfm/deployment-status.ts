/**
 * @module Deployment status API: a signed DeploymentStatusManifest of an onboarded client is accepted with one of
 * `status.acceptedCodes` (v1 text says 200, the sequence diagram 201; spec-digest §6.4).
 *
 * @see spec-digest §1.1 E8, §5.6 items 57–58
 */
import { defineCheck } from '../../core/check.js';
import { expectStatus, note } from '../expect.js';
import type { WfmCheckContext } from './context.js';
import { CLIENT_IN_PATH } from './onboarding.js';
import { deploymentStatusBody, sendRoute, sessionClient, signedBy } from './requests.js';

const PROFILES = ['rfc9421-v1', 'rfc9421-rc2'] as const;

/** The first deploymentId of the fetched desired state, if any. */
function knownDeploymentId(ctx: WfmCheckContext): string | undefined {
  const manifest = ctx.session.desiredState?.manifest;
  if (typeof manifest !== 'object' || manifest === null) return undefined;
  const deployments = (manifest as Record<string, unknown>)['deployments'];
  if (!Array.isArray(deployments)) return undefined;
  const first: unknown = deployments[0];
  const id = typeof first === 'object' && first !== null ? (first as Record<string, unknown>)['deploymentId'] : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** Id of the positive control of the deployment status route. */
export const ACCEPTS_STATUS = 'wfm.deployment-status.accepts-signed-report';

/** Precondition of every negative check sent to the deployment status route: its signed report was accepted. */
export const STATUS_CONTROL: readonly string[] = [...CLIENT_IN_PATH, ACCEPTS_STATUS];

/** A correctly signed status report → one of `status.acceptedCodes`. */
export const acceptsSignedReport = defineCheck<WfmCheckContext>({
  id: ACCEPTS_STATUS,
  title: 'A signed DeploymentStatusManifest of an onboarded client is accepted',
  role: 'wfm',
  level: 'MUST',
  clause: { source: 'margo:deployment-status', section: 'Deployment Status API', quote: 'while applying desired state the device MUST report deployment status to the WFM' },
  profiles: PROFILES,
  requires: CLIENT_IN_PATH,
  async run(ctx) {
    const client = sessionClient(ctx);
    const known = knownDeploymentId(ctx);
    const deploymentId = known ?? ctx.randomId();
    const exchange = await sendRoute(ctx, 'deploymentStatus', {
      label: 'deployment status (signed)',
      params: { clientId: client.clientId, deploymentId },
      body: deploymentStatusBody(ctx, deploymentId),
      signing: signedBy(ctx, client.identity, client.clientId),
    });
    const verdict = expectStatus(exchange, ctx.config.status.acceptedCodes, { what: 'signed deployment status' });
    const origin = known === undefined ? 'a fresh deploymentId (the desired state lists none)' : 'the first deploymentId of the desired state';
    return { ...verdict, evidence: [note(`status.acceptedCodes = ${ctx.config.status.acceptedCodes.join(', ')}; reported on ${origin}`), ...verdict.evidence] };
  },
});
