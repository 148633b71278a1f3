/**
 * @module Device capabilities API: a signed DeviceCapabilitiesManifest of an onboarded client is accepted with the
 * profile's code (v1 POST → 201; rc.2 PUT → 200/201), and a clientId the WFM never assigned is refused.
 *
 * @see spec-digest §1.1 E3, §1.2, §5.4 items 24–27; seed "POST /clients/{clientId}/capabilities → 201 Created"
 */
import { defineCheck } from '../../core/check.js';
import { expectStatus } from '../expect.js';
import { expectRefused } from './refusals.js';
import type { WfmCheckContext } from './context.js';
import { ACCEPTS_SIGNED_REQUEST, CLIENT_IN_PATH } from './onboarding.js';
import { capabilitiesRequest, capabilitiesRouteName, routeOf, sendRoute, sessionClient, signedBy } from './requests.js';

const PROFILES = ['rfc9421-v1', 'rfc9421-rc2'] as const;
const CAPABILITIES = 'margo:device-capabilities';

/** Id of the positive control of the capabilities route. */
export const ACCEPTS_CAPABILITIES = 'wfm.capabilities.accepts-signed-report';

/**
 * Precondition of every negative check sent to the capabilities route: the client is onboarded (with a URL-safe
 * clientId) AND its correctly signed report was accepted there. A refusal from a route that refuses everything
 * proves nothing, so such checks end `inconclusive` (unmet precondition) instead of passing.
 */
export const CAPABILITIES_CONTROL: readonly string[] = [...CLIENT_IN_PATH, ACCEPTS_CAPABILITIES];

/** A correctly signed capabilities report → the route's success status. */
export const acceptsSignedReport = defineCheck<WfmCheckContext>({
  id: ACCEPTS_CAPABILITIES,
  title: 'A signed DeviceCapabilitiesManifest of an onboarded client is accepted with the profile status',
  role: 'wfm',
  level: 'MUST',
  clause: { source: CAPABILITIES, section: 'Device Capabilities API', quote: 'Devices MUST report capabilities; reporting is the final onboarding step (201 capabilities added or updated)' },
  profiles: PROFILES,
  requires: CLIENT_IN_PATH,
  faults: ['capabilities-500'],
  async run(ctx) {
    const client = sessionClient(ctx);
    const name = capabilitiesRouteName(ctx);
    const { params, body } = capabilitiesRequest(ctx, client.clientId);
    const exchange = await sendRoute(ctx, name, { label: 'capabilities (signed)', params, body, signing: signedBy(ctx, client.identity, client.clientId) });
    return expectStatus(exchange, routeOf(ctx, name).successStatuses, { what: 'signed capabilities report' });
  },
});

/** A signed report for a clientId that was never assigned → 404 (or what the profile lists for an unknown client). */
export const rejectsUnknownClient = defineCheck<WfmCheckContext>({
  id: 'wfm.capabilities.rejects-unknown-client',
  title: 'A capabilities report for an unknown clientId is refused with 404',
  role: 'wfm',
  level: 'MUST',
  clause: { source: 'margo:api-requirements-and-security', section: 'Payload Security', quote: 'look up the client certificate by the clientId in the URL; 404 unknown clientId' },
  profiles: PROFILES,
  requires: [ACCEPTS_SIGNED_REQUEST, ACCEPTS_CAPABILITIES],
  negative: true,
  faults: ['unknown-client-200'],
  async run(ctx) {
    const client = sessionClient(ctx);
    const name = capabilitiesRouteName(ctx);
    const unknownId = `unknown-${ctx.randomId()}`;
    const { params, body } = capabilitiesRequest(ctx, unknownId);
    const exchange = await sendRoute(ctx, name, {
      label: `capabilities for unknown clientId ${unknownId}`,
      params,
      body,
      signing: signedBy(ctx, client.identity, unknownId),
    });
    return expectRefused(ctx, exchange, routeOf(ctx, name).errorStatuses.unknownClient ?? [404], 'report for an unknown clientId');
  },
});
