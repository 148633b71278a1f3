/**
 * @module Profile `rfc9421-rc2`: Management Interface 1.0.0-rc.2, late revision (`@35b9aa41`, plugfest-2026-07).
 * Capabilities by PUT (200 update / 201 create) and DELETE (204) on `/clients/{clientId}/capabilities/{deviceId}`
 * with a multi-segment `deviceId`; flat `cpus`, `otelCollector`, `supportedRuntimes`; status gains `deviceId`,
 * `error.source` and 201; 404 unknown client, 422 semantic error (spec-digest §1.1, §2.3, §2.4).
 * Creating capabilities is the first PUT, so this profile has no `capabilitiesCreate` route.
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
import type { Profile } from './types.js';

const capabilitiesPath = '/api/v1/clients/{clientId}/capabilities/{deviceId}';

/** The second profile: the later revision of the same era. */
export const rfc9421Rc2: Profile = {
  id: 'rfc9421-rc2',
  specRevision: '1.0.0-rc.2 (workload-management-api-1.0.0-rc.2.yaml@35b9aa41, device-capabilities.md@35b9aa41)',
  title: 'Margo Management Interface 1.0.0-rc.2: server-side TLS + RFC 9421, per-device capabilities',
  routes: {
    certificate: certificateRoute('rfc9421-rc2'),
    onboarding: onboardingRoute('rfc9421-rc2'),
    capabilitiesUpdate: {
      method: 'PUT',
      path: capabilitiesPath,
      signed: true,
      successStatuses: [200, 201],
      requestSchema: 'rfc9421-rc2/capabilities',
      errorStatuses: {
        ...SIGNED_ROUTE_ERRORS,
        unknownClient: [404],
        missingGateway: [404],
        invalidBody: [400],
        semantic: [422],
      },
      clause: {
        source: 'margo:device-capabilities',
        section: 'Device Capabilities API',
        quote: 'PUT /api/v1/clients/{clientId}/capabilities/{deviceId}: 200 updated, 201 created',
      },
    },
    capabilitiesDelete: {
      method: 'DELETE',
      path: capabilitiesPath,
      signed: true,
      successStatuses: [204],
      errorStatuses: { ...SIGNED_ROUTE_ERRORS, unknownClient: [404], unknownDevice: [404] },
      clause: {
        source: 'margo:device-capabilities',
        section: 'Device Capabilities API',
        quote: 'DELETE /api/v1/clients/{clientId}/capabilities/{deviceId}: 204 removed; 404 unknown client or device',
      },
    },
    deploymentStatus: {
      method: 'POST',
      path: '/api/v1/clients/{clientId}/deployments/{deploymentId}/status',
      signed: true,
      successStatuses: [200, 201],
      requestSchema: 'rfc9421-rc2/deployment-status',
      errorStatuses: { ...SIGNED_ROUTE_ERRORS, unknownClient: [401, 404], invalidBody: [400], semantic: [422] },
      clause: {
        source: 'margo:deployment-status',
        section: 'Deployment Status API',
        quote: 'POST /api/v1/clients/{clientId}/deployments/{deploymentId}/status: 200 updated, 201 created',
      },
    },
    desiredState: desiredStateRoute('rfc9421-rc2'),
    deploymentByDigest: deploymentByDigestRoute(),
    bundle: bundleRoute(),
  },
  payload: { includeApiVersionKind: true, apiVersions: RFC9421_API_VERSIONS },
  mediaTypes: RFC9421_MEDIA_TYPES,
  defaults: {},
};
