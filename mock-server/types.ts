/**
 * @module Public types of the mock WFM: start options, the running instance, its in-process admin handle, the
 * views the admin API returns, and the per-request log entry.
 */
import type { Clock } from '../core/clock.js';
import type { MargoConfig } from '../core/config.js';
import type { IssuedCertificate } from '../core/pki/index.js';
import type { RouteName } from '../core/profiles/index.js';
import type { TrafficEntry } from '../core/traffic.js';
import type { ClientFault, MockFault } from './faults.js';
import type { OperatorHookRequest, OperatorHookResult } from './operator-hook.js';
import type { OnboardingPolicy } from './trust.js';

/** One structured log line per request (the CLI prints it as JSON). Never carries secrets or bodies. */
export interface MockLogEntry {
  /** ISO 8601. */
  readonly at: string;
  /** `api` (the profile's HTTPS endpoints), `certificate-http` (opt-in plain listener) or `admin`. */
  readonly surface: 'api' | 'certificate-http' | 'admin';
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly route?: RouteName;
  readonly clientId?: string;
  /** Short decision, e.g. `ok`, `signature:stale-created`, `onboarding:pending`. */
  readonly verdict: string;
  readonly status: number;
  readonly durationMs: number;
  /** Set when the mock itself failed (answered 500): the error name and message. */
  readonly error?: string;
}

/** Options of {@link startMockWfm}. Every field is optional; defaults in brackets. */
export interface MockWfmOptions {
  /** Profile id [`config.profile`, i.e. `rfc9421-v1`]. */
  readonly profileId?: string;
  /** Effective configuration [DEFAULT_CONFIG]. */
  readonly config?: MargoConfig;
  /** Time source for signature windows, certificate validity and record timestamps [system clock]. */
  readonly clock?: Clock;
  /** Listen address of the API [`127.0.0.1`]. */
  readonly host?: string;
  /** Port of the API; 0 picks a free one [0]. */
  readonly port?: number;
  /** Path prefix before `/api/v1`, e.g. `/margo` [``]. */
  readonly basePath?: string;
  /** Minimum TLS version [`config.tls.minVersion`, i.e. TLSv1.3]. */
  readonly tlsMinVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** Extra DNS names / IPs for the server leaf beside localhost, 127.0.0.1, ::1. */
  readonly serverHosts?: readonly string[];
  readonly onboarding?: OnboardingPolicy;
  /** `auto-approve` trusts any valid certificate [true when `trustedIssuers` is empty]. */
  readonly trustAnyCertificate?: boolean;
  /** Issuing CAs (PEM) whose client certificates are trusted. */
  readonly trustedIssuers?: readonly string[];
  /** Allowlisted certificate fingerprints (hex SHA-256 of the DER; colons allowed). */
  readonly allowlist?: readonly string[];
  readonly faults?: readonly MockFault[];
  /** Scenario faults for every client of this instance. */
  readonly clientFaults?: readonly ClientFault[];
  /** Folder for state that survives a restart (`pki.json`, `state.json`) [in memory only]. */
  readonly dataDir?: string;
  /** Opt-in plain-HTTP listener serving only the Certificate API, on this port (0 = any free port). */
  readonly plainHttpCertificatePort?: number;
  /** Admin listener address [`127.0.0.1`]; plain HTTP, token required. */
  readonly adminHost?: string;
  /** Admin port [0]. */
  readonly adminPort?: number;
  /** Admin bearer token [random, 32 bytes base64url]. */
  readonly adminToken?: string;
  /** Folder of ApplicationDeployment YAMLs seeding every client's desired state [`fixtures/deployments`]. */
  readonly deploymentsDir?: string;
  readonly log?: (entry: MockLogEntry) => void;
  /** Genuine PKI [fresh root CA + server leaf from core/pki, or the one in `dataDir`]. */
  readonly pki?: { readonly rootCa: IssuedCertificate; readonly server: IssuedCertificate };
  /** Request body limit in bytes → 413 [1 MiB]. */
  readonly bodyLimitBytes?: number;
  /** Node server timeouts, ms [headers 10 000, request 30 000, keep-alive 5 000]. */
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly keepAliveTimeoutMs?: number;
  /** With `onboarding.pendingApprovalBehavior: hold`: longest wait for the WFM user, ms [30 000]. */
  readonly pendingHoldMs?: number;
  /** Recorded entries kept; oldest dropped first [100 000]. */
  readonly recordLimit?: number;
}

/** A pending onboarding as the admin API shows it. */
export interface PendingView {
  readonly id: string;
  readonly fingerprint256: string;
  readonly subject: string;
  readonly issuer: string;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly attempts: number;
  readonly state: 'pending' | 'approved' | 'rejected';
}

/** An onboarded client as the admin API shows it. */
export interface ClientView {
  readonly clientId: string;
  readonly fingerprint256: string;
  readonly subject?: string;
  readonly issuer?: string;
  readonly certificateEncoding: string;
  readonly onboardedAt: string;
  readonly revokedAt?: string;
  /** Exact decimal string (u64). */
  readonly manifestVersion: string;
  readonly deployments: readonly { readonly deploymentId: string; readonly digest: string; readonly sizeBytes: number }[];
  /** Latest capabilities by deviceId (`''` when the profile has no deviceId in the path). */
  readonly capabilities: Readonly<Record<string, { readonly body: unknown; readonly receivedAt: string }>>;
  /** Latest deployment statuses by deploymentId (or `<deploymentId> <deviceId>`). */
  readonly statuses: Readonly<Record<string, { readonly body: unknown; readonly receivedAt: string }>>;
}

/**
 * In-process admin handle: the same operations as the admin API. Mutations resolve once persisted (with a data
 * dir). Operations on unknown ids throw ConformanceError `USAGE`.
 */
export interface MockAdmin {
  listPending(): PendingView[];
  approve(pendingId: string): Promise<PendingView>;
  reject(pendingId: string): Promise<PendingView>;
  /** Allowlists a fingerprint (hex SHA-256 of the DER). */
  allowlistFingerprint(fingerprint: string): Promise<void>;
  /** Trusts an issuing CA (PEM). */
  allowlistIssuer(caPem: string): Promise<void>;
  /** The WFM user uploads a client certificate beforehand: it is allowlisted. Returns its fingerprint. */
  uploadCertificate(certPem: string): Promise<string>;
  /** Operator pre-rejection: this fingerprint is refused (403) even before the device onboards. */
  rejectFingerprint(fingerprint: string): Promise<void>;
  /** Revokes a client: its later signed requests answer 403. */
  revoke(clientId: string): Promise<ClientView>;
  setClientFaults(scope: string, faults: readonly ClientFault[]): Promise<void>;
  clientFaults(): Readonly<Record<string, readonly ClientFault[]>>;
  /** Adds or replaces ApplicationDeployment YAML documents (one or a `---` stream); manifestVersion rises by one. */
  putDeployment(clientId: string, yaml: string): Promise<ClientView>;
  /** Removes one deployment; manifestVersion rises by one. */
  removeDeployment(clientId: string, deploymentId: string): Promise<ClientView>;
  clients(): ClientView[];
  client(clientId: string): ClientView | undefined;
  /**
   * The operator hook: `approve` / `reject` decide a pending onboarding (or allowlist / pre-reject the
   * certificate); `reject-onboarding` pre-rejects it; `revoke-client` revokes `clientId`; `change-desired-state`
   * adds a fresh ApplicationDeployment to `clientId` (manifestVersion rises). Throws ConformanceError `USAGE` for
   * a missing or unknown clientId, a fingerprint that is not the certificate's or not the client's.
   */
  operatorHook(request: OperatorHookRequest): Promise<OperatorHookResult>;
  /** Drops recorded traffic (between scenarios). */
  clearTraffic(): void;
}

/** A running mock WFM. */
export interface MockWfm {
  /** Base URL, `https://127.0.0.1:PORT` plus `basePath`; routes live under `/api/v1`. */
  readonly url: string;
  readonly port: number;
  /** `http://127.0.0.1:PORT/admin/`. */
  readonly adminUrl: string;
  readonly adminToken: string;
  /** Plain-HTTP Certificate API base URL when enabled. */
  readonly plainHttpUrl?: string;
  readonly profileId: string;
  readonly policy: OnboardingPolicy;
  readonly faults: readonly MockFault[];
  readonly rootCa: IssuedCertificate;
  /** The root CA as PEM (what `--export-ca` writes). */
  readonly caPem: string;
  /** SHA-256 of the root CA DER, lowercase hex. */
  readonly caFingerprint256: string;
  /** Exchanges and TLS events, in arrival order. */
  traffic(): readonly TrafficEntry[];
  readonly state: MockAdmin;
  /** Stops accepting, lets in-flight requests finish (up to 5 s), closes idle connections, waits for pending writes. */
  close(): Promise<void>;
}
