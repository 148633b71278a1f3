/**
 * @module The mock WFM's state: onboarded clients (certificate, cached public key, capabilities, deployment
 * statuses, desired state), pending onboardings, and the WFM user's trust decisions (allowlisted fingerprints,
 * trusted issuing CAs, rejected fingerprints). Plain data plus small mutators; decisions live in `trust.ts`,
 * manifest building in `desired-state.ts`, persistence in `persistence.ts`.
 */
import { createHash, type KeyObject, type X509Certificate } from 'node:crypto';
import type { CertificateEncoding } from '../core/pki/index.js';

/** One ApplicationDeployment YAML of a client's desired state, kept as the exact bytes that are served. */
export interface DeploymentDoc {
  /** `metadata.annotations.id` of the ApplicationDeployment. */
  readonly deploymentId: string;
  readonly yaml: string;
  readonly bytes: Buffer;
  /** `sha256:<64 lowercase hex>` over `bytes` (spec-digest §2.5). */
  readonly digest: string;
}

/** A report a client sent (capabilities or deployment status), as parsed JSON. */
export interface StoredReport {
  readonly body: unknown;
  /** ISO 8601. */
  readonly receivedAt: string;
}

/** The served form of a client's desired state, rebuilt only when it changes (never per request). */
export interface PublishedState {
  /** Exact manifest body bytes; the ETag is over them. */
  readonly manifestBody: Buffer;
  /** Quoted `"sha256:<hex>"` of `manifestBody` (or a wrong value under the `etag-not-body-digest` fault). */
  readonly etag: string;
  readonly bundle?: { readonly digest: string; readonly bytes: Buffer };
  /** Deployment YAML bytes by `<deploymentId> <digest>`. */
  readonly deploymentsByDigest: ReadonlyMap<string, DeploymentDoc>;
}

/** An onboarded client. */
export interface ClientRecord {
  readonly clientId: string;
  /** Certificate DER, or the raw field bytes when onboarded undecodable under `accept-bad-certificate-encoding`. */
  readonly certDer: Buffer;
  readonly x509?: X509Certificate;
  /** The certificate's public key, parsed once at onboarding and reused for every signature check. */
  readonly publicKey?: KeyObject;
  /** SHA-256 of `certDer`, lowercase hex. */
  readonly fingerprint256: string;
  readonly certificateEncoding: CertificateEncoding | 'undecodable';
  /** ISO 8601. */
  readonly onboardedAt: string;
  revokedAt?: string;
  /** Capabilities by deviceId (`''` for profiles without a deviceId in the path). */
  readonly capabilities: Map<string, StoredReport>;
  /** Deployment statuses by `<deploymentId>` or `<deploymentId> <deviceId>`. */
  readonly statuses: Map<string, StoredReport>;
  /** Desired state by deploymentId, in insertion order. */
  readonly deployments: Map<string, DeploymentDoc>;
  /** Exact u64 manifest version; 1 for the first manifest (spec-digest §2.5). */
  manifestVersion: bigint;
  published?: PublishedState;
}

/** A certificate waiting for the WFM user (`manual` policy). */
export interface PendingOnboarding {
  /** URL-safe id used by the admin API (`POST /admin/api/pending/{id}/approve`). */
  readonly id: string;
  readonly fingerprint256: string;
  readonly certDer: Buffer;
  readonly subject: string;
  readonly issuer: string;
  readonly firstSeenAt: string;
  lastSeenAt: string;
  attempts: number;
  state: 'pending' | 'approved' | 'rejected';
}

/** All mutable state of one mock instance. */
export interface MockState {
  readonly clients: Map<string, ClientRecord>;
  /** clientId by certificate fingerprint: repeated onboarding of one certificate returns the same clientId. */
  readonly clientByFingerprint: Map<string, string>;
  /** Pending onboardings by certificate fingerprint. */
  readonly pending: Map<string, PendingOnboarding>;
  /** Fingerprints the WFM user uploaded, allowlisted or approved. */
  readonly allowedFingerprints: Set<string>;
  /** Fingerprints the WFM user rejected (before or after the device tried). */
  readonly rejectedFingerprints: Set<string>;
  /** Issuing CAs whose certificates are trusted, as PEM (parsed copies in `trustedIssuerCerts`). */
  readonly trustedIssuerPems: string[];
  readonly trustedIssuerCerts: X509Certificate[];
  /** Certificates the WFM user uploaded beforehand, PEM by fingerprint. */
  readonly uploads: Map<string, string>;
}

/** An empty state. */
export function createMockState(): MockState {
  return {
    clients: new Map(),
    clientByFingerprint: new Map(),
    pending: new Map(),
    allowedFingerprints: new Set(),
    rejectedFingerprints: new Set(),
    trustedIssuerPems: [],
    trustedIssuerCerts: [],
    uploads: new Map(),
  };
}

/** `sha256:<64 lowercase hex>` of `bytes`: the digest grammar of spec-digest §2.5. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Normalises a fingerprint as typed by a person (`AB:CD…`, spaces) to lowercase hex without separators. */
export function normaliseFingerprint(text: string): string {
  return text.replace(/[\s:]/g, '').toLowerCase();
}

/** True when `text` is a SHA-256 fingerprint after {@link normaliseFingerprint}. */
export function isFingerprint(text: string): boolean {
  return /^[0-9a-f]{64}$/.test(normaliseFingerprint(text));
}
