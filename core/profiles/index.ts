/**
 * @module Profiles: one revision of the Management Interface each, as readonly data (routes, bodies, status codes).
 */
export type { DeploymentState, ErrorKind, Profile, RouteName, RouteSpec } from './types.js';
export { DEPLOYMENT_STATES } from './types.js';
export { DEFAULT_PROFILE_ID, getProfile, listProfiles } from './registry.js';
export { basePathOf, expandPath, matchRoute, routeUrl, stripBasePath } from './routes.js';
export {
  buildCapabilities,
  buildDeploymentStatus,
  buildDesiredStateManifest,
  buildOnboardingRequest,
} from './bodies.js';
export type { CapabilitiesOptions, DeploymentStatusOptions, DesiredStateOptions } from './bodies.js';
export { semanticChecks } from './semantics.js';
