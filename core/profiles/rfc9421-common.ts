/**
 * @module Routes and constants shared by the RFC 9421-era profiles (`rfc9421-v1`, `rfc9421-rc2`).
 * Certificate API, Onboarding API and the desired-state routes (E1, E2, E5–E7 of spec-digest §1.1) are the same
 * in both revisions; only the schema names differ.
 */
import type { Profile, RouteSpec } from './types.js';

type ProfileId = Profile['id'];

/** Media types of the RFC 9421 era (spec-digest §7). */
export const RFC9421_MEDIA_TYPES: Profile['mediaTypes'] = {
  manifest: 'application/vnd.margo.manifest.v1+json',
  bundle: 'application/vnd.margo.bundle.v1+tar+gzip',
  yaml: 'application/yaml',
  problem: 'application/problem+json',
};

/** `apiVersion` values of the spec examples; never normatively defined (spec-digest §6.5). */
export const RFC9421_API_VERSIONS: Profile['payload']['apiVersions'] = {
  onboarding: 'onboarding.margo.org/v1alpha1',
  capabilities: 'device.margo.org/v1alpha1',
  deploymentStatus: 'deployment.margo.org/v1alpha1',
};

/** Statuses every signed route names: 400 digest, 401 signature, 403 certificate not trusted (spec-digest §5.2 item 19). */
export const SIGNED_ROUTE_ERRORS = { digest: [400], signature: [401], untrusted: [403] } as const;

/** E1: `GET /api/v1/onboarding/certificate`, unsigned. */
export function certificateRoute(id: ProfileId): RouteSpec {
  return {
    method: 'GET',
    path: '/api/v1/onboarding/certificate',
    signed: false,
    successStatuses: [200],
    responseSchema: `${id}/certificate-response`,
    errorStatuses: {},
    clause: {
      source: 'margo:certificate-api',
      section: 'Certificate API',
      quote: 'the certificate field MUST contain the PEM-encoded X.509 root CA certificate, Base64 without line breaks',
    },
  };
}

/** E2: `POST /api/v1/onboarding`, signed with the key of the certificate being onboarded. */
export function onboardingRoute(id: ProfileId): RouteSpec {
  return {
    method: 'POST',
    path: '/api/v1/onboarding',
    signed: true,
    successStatuses: [201],
    requestSchema: `${id}/onboarding-request`,
    responseSchema: `${id}/onboarding-response`,
    errorStatuses: {
      invalidCertificate: [400],
      untrusted: [403],
      rejected: [403],
      pendingApproval: [403],
      digest: [400],
      signature: [401],
      invalidBody: [400],
    },
    clause: {
      source: 'margo:device-client-onboarding',
      section: 'Onboarding API Details',
      quote: 'Requests to this endpoint MUST be authenticated using the HTTP Message Signature method',
    },
  };
}

/** E5: `GET /api/v1/clients/{clientId}/deployments`, the desired-state manifest with ETag / 304 / 406. */
export function desiredStateRoute(id: ProfileId): RouteSpec {
  return {
    method: 'GET',
    path: '/api/v1/clients/{clientId}/deployments',
    signed: true,
    successStatuses: [200],
    notModifiedStatuses: [304],
    responseSchema: `${id}/desired-state`,
    responseMediaType: RFC9421_MEDIA_TYPES.manifest,
    errorStatuses: { ...SIGNED_ROUTE_ERRORS, unknownClient: [401, 404], notAcceptable: [406] },
    clause: {
      source: 'margo:desired-state',
      section: 'State Manifest',
      quote: 'a 200 response MUST include a valid ETag and Content-Type application/vnd.margo.manifest.v1+json',
    },
  };
}

/** E6: `GET /api/v1/clients/{clientId}/deployments/{deploymentId}/{digest}`, one ApplicationDeployment YAML. */
export function deploymentByDigestRoute(): RouteSpec {
  return {
    method: 'GET',
    path: '/api/v1/clients/{clientId}/deployments/{deploymentId}/{digest}',
    signed: true,
    successStatuses: [200],
    notModifiedStatuses: [304],
    responseMediaType: RFC9421_MEDIA_TYPES.yaml,
    errorStatuses: { ...SIGNED_ROUTE_ERRORS, unknownClient: [401, 404], notFound: [404] },
    clause: {
      source: 'margo:desired-state',
      section: 'Deployment YAML',
      quote: 'the server MUST return 404 if it cannot produce content whose digest matches the requested digest',
    },
  };
}

/** E7: `GET /api/v1/clients/{clientId}/bundles/{digest}`, the gzip tar of all deployment YAMLs. */
export function bundleRoute(): RouteSpec {
  return {
    method: 'GET',
    path: '/api/v1/clients/{clientId}/bundles/{digest}',
    signed: true,
    successStatuses: [200],
    notModifiedStatuses: [304],
    responseMediaType: RFC9421_MEDIA_TYPES.bundle,
    errorStatuses: { ...SIGNED_ROUTE_ERRORS, unknownClient: [401, 404], notFound: [404], invalidBody: [400] },
    clause: {
      source: 'margo:desired-state',
      section: 'Bundle',
      quote: 'the bundle response Content-Type MUST equal application/vnd.margo.bundle.v1+tar+gzip',
    },
  };
}
