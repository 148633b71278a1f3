/**
 * @module Profile types: a profile is readonly data naming the routes, bodies, media types and status codes of
 * one revision of the Margo Management Interface (spec-digest §0.1, §1).
 */
import type { ClauseRef } from '../check.js';
import type { MargoConfig, PartialDeep } from '../config-model.js';

/** The routes of the RFC 9421 era. A profile omits the routes its revision does not have. */
export type RouteName =
  | 'certificate'
  | 'onboarding'
  | 'capabilitiesCreate'
  | 'capabilitiesUpdate'
  | 'capabilitiesDelete'
  | 'deploymentStatus'
  | 'desiredState'
  | 'deploymentByDigest'
  | 'bundle';

/**
 * Failure conditions a route names, keyed for {@link RouteSpec.errorStatuses}.
 * - `invalidCertificate`: certificate format/structure invalid (onboarding 400).
 * - `untrusted`: client certificate not trusted or revoked (403).
 * - `rejected`: onboarding rejected by the WFM (403); `pendingApproval`: awaiting manual approval
 *   (`onboarding.pendingApprovalBehavior`, spec-digest §6.18).
 * - `digest`: Content-Digest missing or invalid (400); `signature`: signature verification failed, stale `created` (401).
 * - `unknownClient`: no such clientId (spec-digest §6.16: 404 on capabilities, 401 or 404 elsewhere).
 * - `unknownDevice` / `missingGateway`: rc.2 capabilities 404s; `invalidBody`: malformed body (400);
 *   `semantic`: semantic error (422); `notAcceptable`: only unsupported `Accept` types (406);
 *   `notFound`: digest or deployment not available (404).
 */
export type ErrorKind =
  | 'invalidCertificate'
  | 'untrusted'
  | 'rejected'
  | 'pendingApproval'
  | 'digest'
  | 'signature'
  | 'unknownClient'
  | 'unknownDevice'
  | 'missingGateway'
  | 'invalidBody'
  | 'semantic'
  | 'notAcceptable'
  | 'notFound';

/** One route of a profile. `path` is a template under the base URL; `{deviceId}` may span several segments. */
export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** e.g. `/api/v1/clients/{clientId}/capabilities`. */
  readonly path: string;
  /** True when the request MUST carry an RFC 9421 signature (spec-digest §3.1 item 7). */
  readonly signed: boolean;
  readonly successStatuses: readonly number[];
  /** Answer to a matching `If-None-Match` (conditional GETs only). */
  readonly notModifiedStatuses?: readonly number[];
  /** Schema name (see core/schema.ts) of the request body. */
  readonly requestSchema?: string;
  /** Schema name of the success response body (JSON routes only). */
  readonly responseSchema?: string;
  /** Content-Type of the success response when it is not `application/json`. */
  readonly responseMediaType?: string;
  readonly errorStatuses: Readonly<Partial<Record<ErrorKind, readonly number[]>>>;
  readonly clause: ClauseRef;
}

/** One revision of the Management Interface, as data. */
export interface Profile {
  readonly id: 'rfc9421-v1' | 'rfc9421-rc2';
  /** Human-readable spec revision, printed in reports. */
  readonly specRevision: string;
  readonly title: string;
  readonly routes: Readonly<Partial<Record<RouteName, RouteSpec>>>;
  readonly payload: {
    /** Whether bodies carry `apiVersion` + `kind` (spec-digest §6.5). */
    readonly includeApiVersionKind: boolean;
    readonly apiVersions: { readonly onboarding: string; readonly capabilities: string; readonly deploymentStatus: string };
  };
  readonly mediaTypes: { readonly manifest: string; readonly bundle: string; readonly yaml: string; readonly problem: string };
  /** Config defaults this profile sets on top of DEFAULT_CONFIG (below file, env and flags). */
  readonly defaults: PartialDeep<MargoConfig>;
}

/** Deployment state, overall and per component (spec-digest §2.4). */
export type DeploymentState = 'pending' | 'installing' | 'installed' | 'failed' | 'removing' | 'removed';

/** All deployment states, in the spec's order. */
export const DEPLOYMENT_STATES: readonly DeploymentState[] = [
  'pending',
  'installing',
  'installed',
  'failed',
  'removing',
  'removed',
];
