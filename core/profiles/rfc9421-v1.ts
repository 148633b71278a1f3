/**
 * @module Profile `rfc9421-v1`: Management Interface 1.0.0 (PR #124, Dec 2025), the revision of the seed page.
 * Capabilities by POST and PUT on `/clients/{clientId}/capabilities` (no deviceId), both 201; bodies carry
 * `apiVersion` + `kind`; capabilities use `roles` + `resources` (spec-digest §1.2, §2.3 v1).
 */
import {
  bundleRoute,
  certificateRoute,
  deploymentByDigestRoute,
  desiredStateRoute,
  onboardingRoute,
  RFC9421_API_VERSIONS,
  RFC9421_MEDIA_TYPES,
  SIGNED_ROUTE_ERRORS,
} from './rfc9421-common.js';
import type { Profile, RouteSpec } from './types.js';

const capabilitiesClause = {
  source: 'margo:device-capabilities',
  section: 'Device Capabilities API',
  quote: 'POST and PUT /api/v1/clients/{clientId}/capabilities: 201 capabilities added or updated',
} as const;

function capabilitiesRoute(method: 'POST' | 'PUT'): RouteSpec {
  return {
    method,
    path: '/api/v1/clients/{clientId}/capabilities',
    signed: true,
    successStatuses: [201],
    requestSchema: 'rfc9421-v1/capabilities',
    // No 404 is listed in v1; spec-digest §6.16 default for capabilities is 404 `invalid-client`.
    errorStatuses: { ...SIGNED_ROUTE_ERRORS, unknownClient: [404], invalidBody: [400] },
    clause: capabilitiesClause,
  };
}

/** The default profile (the seed's revision). */
export const rfc9421V1: Profile = {
  id: 'rfc9421-v1',
  specRevision: '1.0.0 (margo/specification PR #124, Dec 2025; workload-management-api-1.0.0.yaml@0b3d2ac1)',
  title: 'Margo Management Interface 1.0.0: server-side TLS + RFC 9421 HTTP Message Signatures',
  routes: {
    certificate: certificateRoute('rfc9421-v1'),
    onboarding: onboardingRoute('rfc9421-v1'),
    capabilitiesCreate: capabilitiesRoute('POST'),
    capabilitiesUpdate: capabilitiesRoute('PUT'),
    deploymentStatus: {
      method: 'POST',
      path: '/api/v1/clients/{clientId}/deployments/{deploymentId}/status',
      signed: true,
      // The v1 table says 200, the onboarding sequence diagram says 201 (`status.acceptedCodes`, spec-digest §6.4).
      successStatuses: [200, 201],
      requestSchema: 'rfc9421-v1/deployment-status',
      errorStatuses: { ...SIGNED_ROUTE_ERRORS, unknownClient: [401, 404], invalidBody: [400] },
      clause: {
        source: 'margo:deployment-status',
        section: 'Deployment Status API',
        quote: 'while applying desired state the device MUST report deployment status to the WFM',
      },
    },
    desiredState: desiredStateRoute('rfc9421-v1'),
    deploymentByDigest: deploymentByDigestRoute(),
    bundle: bundleRoute(),
  },
  payload: { includeApiVersionKind: true, apiVersions: RFC9421_API_VERSIONS },
  mediaTypes: RFC9421_MEDIA_TYPES,
  defaults: {},
};
