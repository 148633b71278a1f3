/**
 * @module Body builders for the simulator, the mock WFM and tests: OnboardingRequest,
 * DeviceCapabilitiesManifest, DeploymentStatusManifest and the desired-state manifest, shaped per profile.
 * Builders return plain JSON-ready objects (serialise with `stringifyJson`, which keeps bigint exact).
 *
 * @see spec-digest §2.1, §2.3, §2.4, §2.6
 */
import type { ManifestVersion } from '../json.js';
import { expandPath } from './routes.js';
import type { DeploymentState, Profile } from './types.js';

type Body = Record<string, unknown>;

function envelope(profile: Profile, apiVersion: string, kind: string): Body {
  return profile.payload.includeApiVersionKind ? { apiVersion, kind } : {};
}

/**
 * OnboardingRequest: `{apiVersion, kind: 'OnboardingRequest', certificate}` (or `{certificate}` when the profile
 * drops `apiVersion`/`kind`). `certificateField` is sent as given: its encoding is the caller's choice
 * (`certificate.encoding`).
 *
 * @see spec-digest §2.1
 */
export function buildOnboardingRequest(profile: Profile, certificateField: string): Body {
  return { ...envelope(profile, profile.payload.apiVersions.onboarding, 'OnboardingRequest'), certificate: certificateField };
}

/** Options of {@link buildCapabilities}. Defaults describe a small amd64 hosting device. */
export interface CapabilitiesOptions {
  /** `properties.id`; in rc.2 a DeviceId (`gateway1/deviceA` for a child device). */
  readonly deviceId: string;
  readonly vendor?: string;
  readonly modelNumber?: string;
  readonly serialNumber?: string;
  /** rc.2 only: false = a see-thru gateway that hosts no workloads, so every hosting field is omitted. Default true. */
  readonly hosting?: boolean;
  /** v1 only. Default `['Standalone Device']`. */
  readonly roles?: readonly ('Standalone Cluster' | 'Cluster Leader' | 'Standalone Device')[];
  readonly cpuCores?: number;
  readonly architecture?: 'amd64' | 'arm64' | 'arm';
  /** Binary size, e.g. `8Gi`. */
  readonly memory?: string;
  readonly storage?: string;
}

function identity(opts: CapabilitiesOptions): Body {
  return {
    id: opts.deviceId,
    vendor: opts.vendor ?? 'Margo Conformance',
    modelNumber: opts.modelNumber ?? 'SIM-1',
    serialNumber: opts.serialNumber ?? 'SIM-0001',
  };
}

/**
 * DeviceCapabilitiesManifest. `rfc9421-v1`: `properties` with `roles` + `resources {cpu, memory, storage,
 * peripherals, interfaces}`. `rfc9421-rc2`: flat `cpus`, `memory`, `storage`, `peripherals`, `interfaces`,
 * `otelCollector: true`, `supportedRuntimes`, `supportedDeploymentTypes` (omitted when `hosting` is false).
 *
 * @see spec-digest §2.3
 */
export function buildCapabilities(profile: Profile, opts: CapabilitiesOptions): Body {
  const cpu = { cores: opts.cpuCores ?? 4, architecture: opts.architecture ?? 'amd64' };
  const memory = opts.memory ?? '8Gi';
  const storage = opts.storage ?? '64Gi';
  const interfaces = [{ type: 'ethernet' }];
  const head = envelope(profile, profile.payload.apiVersions.capabilities, 'DeviceCapabilitiesManifest');
  if (profile.id === 'rfc9421-v1') {
    const resources = { cpu, memory, storage, peripherals: [], interfaces };
    return { ...head, properties: { ...identity(opts), roles: [...(opts.roles ?? ['Standalone Device'])], resources } };
  }
  if (opts.hosting === false) return { ...head, properties: identity(opts) };
  return {
    ...head,
    properties: {
      ...identity(opts),
      cpus: [cpu],
      memory,
      storage,
      peripherals: [],
      interfaces,
      otelCollector: true,
      supportedRuntimes: ['oci'],
      supportedDeploymentTypes: ['helm', 'compose'],
    },
  };
}

/** An `error` object of a DeploymentStatusManifest; `source` exists from rc.2 on. */
export interface StatusError {
  readonly code: string;
  readonly message: string;
  readonly source?: string;
}

/** Options of {@link buildDeploymentStatus}. */
export interface DeploymentStatusOptions {
  readonly deploymentId: string;
  readonly state: DeploymentState;
  readonly components: readonly { readonly name: string; readonly state: DeploymentState; readonly error?: StatusError }[];
  /** rc.2 only: set when reporting on behalf of a child device. */
  readonly deviceId?: string;
  readonly error?: StatusError;
}

function errorFor(profile: Profile, error: StatusError): Body {
  if (profile.id === 'rfc9421-v1') return { code: error.code, message: error.message };
  return { code: error.code, source: error.source ?? '', message: error.message };
}

/**
 * DeploymentStatusManifest: `{apiVersion, kind, deploymentId, [deviceId], status: {state, [error]}, components}`.
 * `deviceId` is written only in profiles that define it (rc.2).
 *
 * @see spec-digest §2.4
 */
export function buildDeploymentStatus(profile: Profile, opts: DeploymentStatusOptions): Body {
  // Built by assignment, not `{ ...envelope, … }`: V8 (Node 20) makes a leading spread followed by more members
  // several microseconds slower, and a device builds one of these per status report. Member order is unchanged.
  const body: Body = {};
  if (profile.payload.includeApiVersionKind) {
    body['apiVersion'] = profile.payload.apiVersions.deploymentStatus;
    body['kind'] = 'DeploymentStatusManifest';
  }
  body['deploymentId'] = opts.deploymentId;
  if (opts.deviceId !== undefined && profile.id !== 'rfc9421-v1') body['deviceId'] = opts.deviceId;
  body['status'] = opts.error === undefined ? { state: opts.state } : { state: opts.state, error: errorFor(profile, opts.error) };
  body['components'] = opts.components.map((c) =>
    c.error === undefined ? { name: c.name, state: c.state } : { name: c.name, state: c.state, error: errorFor(profile, c.error) },
  );
  return body;
}

/** Options of {@link buildDesiredStateManifest}. Digests are `sha256:<64 hex>`. */
export interface DesiredStateOptions {
  readonly clientId: string;
  readonly manifestVersion: ManifestVersion;
  readonly deployments: readonly { readonly deploymentId: string; readonly digest: string; readonly sizeBytes?: number }[];
  /** Ignored (bundle is `null`) when `deployments` is empty, as spec-digest §2.6 requires. */
  readonly bundle?: { readonly digest: string; readonly sizeBytes?: number };
}

/**
 * Desired-state manifest `{manifestVersion, bundle, deployments}` with `url`s expanded from the profile's
 * `bundle` and `deploymentByDigest` routes (path-absolute, no base prefix, as the spec's examples show).
 *
 * @throws ConformanceError `ROUTE_PARAM_MISSING` for an empty clientId, deploymentId or digest
 * @see spec-digest §2.6
 */
export function buildDesiredStateManifest(profile: Profile, opts: DesiredStateOptions): Body {
  const byDigest = profile.routes.deploymentByDigest?.path ?? '/api/v1/clients/{clientId}/deployments/{deploymentId}/{digest}';
  const bundlePath = profile.routes.bundle?.path ?? '/api/v1/clients/{clientId}/bundles/{digest}';
  const deployments = opts.deployments.map((d) => ({
    deploymentId: d.deploymentId,
    digest: d.digest,
    ...(d.sizeBytes === undefined ? {} : { sizeBytes: d.sizeBytes }),
    url: expandPath(byDigest, { clientId: opts.clientId, deploymentId: d.deploymentId, digest: d.digest }),
  }));
  const bundle =
    deployments.length === 0 || opts.bundle === undefined
      ? null
      : {
          mediaType: profile.mediaTypes.bundle,
          digest: opts.bundle.digest,
          ...(opts.bundle.sizeBytes === undefined ? {} : { sizeBytes: opts.bundle.sizeBytes }),
          url: expandPath(bundlePath, { clientId: opts.clientId, digest: opts.bundle.digest }),
        };
  return { manifestVersion: opts.manifestVersion, bundle, deployments };
}
