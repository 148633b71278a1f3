/**
 * @module The runtime of one mock instance, shared by its listeners and its admin handle: profile, config, clock,
 * state, recorder, verifier, scenario faults, and the few operations that several modules need (publish a
 * client's desired state, persist, wake held onboardings).
 */
import type { Clock } from '../core/clock.js';
import type { MargoConfig } from '../core/config.js';
import type { IssuedCertificate } from '../core/pki/index.js';
import type { ErrorKind, Profile, RouteSpec } from '../core/profiles/index.js';
import type { SchemaRegistry } from '../core/schema.js';
import type { ClientFaultRegistry } from './client-faults.js';
import { publishDesiredState } from './desired-state.js';
import type { MockFault } from './faults.js';
import type { Recorder } from './recorder.js';
import type { ClientRecord, DeploymentDoc, MockState } from './state.js';
import type { OnboardingPolicy } from './trust.js';
import type { MockLogEntry } from './types.js';
import type { SignatureVerifier } from './verify.js';

/** Everything the handlers of one instance share. */
export interface MockContext {
  readonly profile: Profile;
  readonly config: MargoConfig;
  readonly clock: Clock;
  readonly basePath: string;
  readonly policy: OnboardingPolicy;
  readonly trustAnyCertificate: boolean;
  readonly faults: ReadonlySet<MockFault>;
  readonly state: MockState;
  readonly recorder: Recorder;
  readonly verify: SignatureVerifier;
  readonly schemas: SchemaRegistry;
  readonly clientFaults: ClientFaultRegistry;
  readonly bodyLimitBytes: number;
  readonly pendingHoldMs: number;
  /** Deployments every new client starts with. */
  readonly seedDeployments: readonly DeploymentDoc[];
  readonly pki: { readonly rootCa: IssuedCertificate; readonly server: IssuedCertificate };
  /** Root CA the Certificate API returns under `ca-not-issuer`. */
  readonly unrelatedCa?: IssuedCertificate;
  /** Resolves once the state is durable (no-op without a data dir). */
  persist(): Promise<void>;
  /** Called after each Certificate API answer (switches to the imposter chain when that scenario fault is on). */
  onCaDownloaded(): Promise<void>;
  readonly tlsState: { caDownloaded: boolean; served: 'genuine' | 'imposter' };
  /** Waiters of held onboardings (`pendingApprovalBehavior: hold`) by fingerprint. */
  readonly holdWaiters: Map<string, Set<() => void>>;
  log(entry: MockLogEntry): void;
}

/** Error format of the instance: RFC 9457 with `errors.format: problem+json`, `{error}` otherwise. */
export function errorFormat(ctx: MockContext): 'problem+json' | 'error-object' {
  return ctx.config.errors.format === 'problem+json' ? 'problem+json' : 'error-object';
}

/**
 * The status a route names for a failure kind: `prefer` when the profile lists it, else the first listed, else
 * `fallback`. Where the profile lists two (unknown clientId: 401 or 404), the mock prefers 404 (spec-digest §6.16).
 */
export function statusFor(spec: RouteSpec | undefined, kind: ErrorKind, fallback: number, prefer?: number): number {
  const listed = spec?.errorStatuses[kind];
  if (listed === undefined || listed.length === 0) return fallback;
  if (prefer !== undefined && listed.includes(prefer)) return prefer;
  return listed[0] ?? fallback;
}

/** Rebuilds a client's served desired state (manifest bytes, ETag, bundle) after a change. */
export function republish(ctx: MockContext, client: ClientRecord): void {
  client.published = publishDesiredState({
    profile: ctx.profile,
    clientId: client.clientId,
    manifestVersion: client.manifestVersion,
    deployments: [...client.deployments.values()],
    basePath: ctx.basePath,
    faults: ctx.faults,
  });
}

/**
 * Records a change of a client's desired state: manifestVersion rises by exactly one (bigint, so it stays exact up
 * to 2^64 - 1), unless the `manifest-version-static` fault is on; then the served form is rebuilt.
 * @see spec-digest §5.5 item 42
 */
export function desiredStateChanged(ctx: MockContext, client: ClientRecord): void {
  if (!ctx.faults.has('manifest-version-static')) client.manifestVersion += 1n;
  republish(ctx, client);
}

/** Wakes the onboardings held for `fingerprint` (the WFM user decided). */
export function wakeHeld(ctx: MockContext, fingerprint: string): void {
  const waiters = ctx.holdWaiters.get(fingerprint);
  if (waiters === undefined) return;
  ctx.holdWaiters.delete(fingerprint);
  for (const wake of waiters) wake();
}
