/**
 * @module Public types of the device simulator: options, step outcomes, the log entry and the {@link Device} handle.
 */
import type { KeyObject } from 'node:crypto';
import type { Evidence } from '../core/check.js';
import type { Clock } from '../core/clock.js';
import type { MargoConfig } from '../core/config.js';
import type { ConformanceError } from '../core/errors.js';
import type { HttpRequestParts } from '../core/http-signatures/index.js';
import type { HttpResult } from '../core/net/index.js';
import type { IssuedCertificate, KeyType } from '../core/pki/index.js';
import type { RouteName } from '../core/profiles/index.js';
import type { DeviceFault } from './faults.js';

/** The seven steps of the seed's onboarding sequence plus the steady state (spec seed page, spec-digest §3, §5). */
export type DeviceStep =
  | 'download-ca'
  | 'pin-ca'
  | 'onboard'
  | 'capabilities'
  | 'poll-desired-state'
  | 'fetch-deployments'
  | 'report-status';

/** One log line of a device: which step, what happened, the HTTP status when there was one. `at` is Unix ms. */
export interface DeviceLogEntry {
  readonly step: DeviceStep;
  /** Short machine-friendly word: `request`, `response`, `retry`, `ok`, `failed`, `skipped`, `out-of-band`, … */
  readonly event: string;
  readonly status?: number;
  readonly detail?: string;
  readonly at: number;
}

/** Backoff for 500/429/503: attempts include the first one; delays in ms. Retry-After (seconds) is honoured. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Waits `ms` milliseconds; rejects when `signal` aborts. Injected so tests never wait on the wall clock. */
export type SleepFn = (ms: number, signal?: AbortSignal) => Promise<void>;

/** How a device is built. Everything is per device: many devices can live in one process. */
export interface DeviceOptions {
  /** Base URL of the WFM, optionally with a path prefix before `/api/v1` (e.g. `https://wfm.example/margo`). */
  readonly wfmUrl: string;
  /** Profile id; default `config.profile`, else `rfc9421-v1`. */
  readonly profileId?: string;
  /** Effective configuration; default DEFAULT_CONFIG merged with the profile's defaults. */
  readonly config?: MargoConfig;
  /** Root CA delivered out of band (PEM). When present the Certificate API is not called. */
  readonly caPem?: string;
  /**
   * How the root CA is fetched when `caPem` is absent: `insecure-tls` (default; first contact over TLS without
   * verification, the seed's "Certificate API") or `plain-http-url` (the WFM's opt-in plain-HTTP listener at `caUrl`).
   */
  readonly bootstrap?: 'insecure-tls' | 'plain-http-url';
  /** Base URL of the plain-HTTP certificate listener; default `wfmUrl` with the `http:` scheme. */
  readonly caUrl?: string;
  /**
   * The device's X.509 identity: a ready certificate; or a fresh leaf (`keyType`, default EC P-256) issued under
   * `issuer` (e.g. the persistent device CA a WFM trusts) or, without `issuer`, under a throwaway device CA.
   */
  readonly identity?:
    | { readonly certificate: IssuedCertificate }
    | { readonly keyType: KeyType }
    | { readonly keyType?: KeyType; readonly issuer: IssuedCertificate };
  /** Device id used in capabilities (and in rc2 paths); default derived from the certificate's SPKI hash. */
  readonly deviceId?: string;
  readonly faults?: readonly DeviceFault[];
  readonly clock?: Clock;
  /** Per-request timeout in ms; default `config.timeoutMs`. */
  readonly timeoutMs?: number;
  readonly retry?: RetryPolicy;
  /** Attempts at onboarding while the WFM answers 202 (pending approval); default 3. */
  readonly onboardingAttempts?: number;
  readonly log?: (e: DeviceLogEntry) => void;
  readonly signal?: AbortSignal;
  /** Default: a timer-based sleep that aborts with `signal`. */
  readonly sleep?: SleepFn;
}

/** The typed error of a failed step. `tlsCode` is the OpenSSL/Node code when TLS setup failed. */
export interface StepError {
  readonly code: string;
  readonly message: string;
  readonly tlsCode?: string;
}

/** What one step did: `ok`, the last HTTP status, the redacted exchange and the signature base it signed. */
export interface StepOutcome {
  readonly step: DeviceStep;
  readonly ok: boolean;
  readonly status?: number;
  readonly exchange?: Evidence;
  readonly signatureBase?: string;
  readonly error?: StepError;
  /** Extra evidence (certificate of the downloaded root CA, TLS facts of the pinned handshake). */
  readonly evidence?: readonly Evidence[];
  /** Number of HTTP attempts the step made (retries included). */
  readonly attempts?: number;
}

/** Outcome of a desired-state poll. */
export type PollOutcome = StepOutcome & { readonly manifest?: unknown; readonly notModified?: boolean };

/** A bare private key with the keyid to put in `Signature-Input`. */
export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly keyid: string;
}

/** One request for {@link Device.send}: a profile route with per-request overrides. */
export interface DeviceSendRequest {
  readonly route: RouteName;
  /** Path parameters; `clientId` and `deviceId` default to the device's own. */
  readonly params?: Readonly<Record<string, string>>;
  /** Raw bytes are sent as they are; an object is serialised as JSON (`content-type: application/json`). */
  readonly body?: Uint8Array | object;
  /** Extra or overriding headers (any case; sent lower-case). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Replaces the device's faults for this request. */
  readonly faults?: readonly DeviceFault[];
  /** False sends the request unsigned even on a signed route; default: sign when the route is signed. */
  readonly sign?: boolean;
  /** `created` to sign with (Unix seconds); default the clock's now. */
  readonly created?: number;
  /** Signs with this certificate's key (and keyid) instead of the device's. */
  readonly identity?: IssuedCertificate;
  /** Signs with this bare key (e.g. a published RFC 9421 test key); wins over `identity`. */
  readonly signingKey?: SigningKey;
}

/** What {@link Device.send} observed: a response or a transport/TLS error, always with evidence. */
export interface DeviceSendResult {
  readonly result?: HttpResult;
  readonly error?: ConformanceError;
  readonly signatureBase?: string;
  readonly evidence: Evidence;
}

/** A request as {@link Device.send} would put it on the wire (header names lower-case). */
export interface SignedDeviceRequest {
  readonly request: HttpRequestParts;
  /** Absent when the request is unsigned. */
  readonly signatureBase?: string;
}

/** A simulated Margo device (WFM client). Holds its own state; nothing is shared between devices. */
export interface Device {
  readonly options: DeviceOptions;
  /** Step 1: GET the Certificate API (unsigned) and decode the root CA. */
  downloadCa(): Promise<StepOutcome>;
  /** Step 2: trust exactly that root CA (a TLS handshake verifies the WFM chain against it). */
  pin(): Promise<StepOutcome>;
  /** Step 3: signed OnboardingRequest; on 201 the clientId is kept. */
  onboard(): Promise<StepOutcome>;
  /** Step 4: signed DeviceCapabilitiesManifest. */
  sendCapabilities(): Promise<StepOutcome>;
  /** Step 5: signed desired-state poll with If-None-Match of the last ETag. */
  pollDesiredState(): Promise<PollOutcome>;
  /** Step 6: fetch each deployment of the last manifest by digest and verify the digest of its bytes. */
  fetchDeployments(): Promise<StepOutcome[]>;
  /** Step 7: signed DeploymentStatusManifest (state installed) for `deploymentId` (default: the first deployment). */
  reportStatus(deploymentId?: string): Promise<StepOutcome>;
  /** The whole sequence; stops at the first failure unless a fault says to go on. Polls twice (ETag/304). */
  runSequence(): Promise<{ ok: boolean; steps: StepOutcome[] }>;
  readonly clientId: string | undefined;
  readonly caPem: string | undefined;
  /** Sends one request on a profile route with per-request overrides (no retries). */
  send(req: DeviceSendRequest): Promise<DeviceSendResult>;
  /** Builds and signs the request `send` would send, without sending it (the signing path alone, for benchmarks). */
  sign(req: DeviceSendRequest): Promise<SignedDeviceRequest>;
  /** Closes the device's connection pools. */
  close(): Promise<void>;
}
