/**
 * @module Deliberate misbehaviour of the mock WFM.
 *
 * Two kinds:
 * - {@link MockFault}: a server-wide fault that breaks exactly ONE spec rule. The `wfm` suite's self-test runs
 *   the mock with each fault and expects the matching check to fail (STYLE.md §3: a check that cannot fail is a
 *   defect).
 * - {@link ClientFault}: scenario misbehaviour aimed at a device client under test (reject its onboarding,
 *   present an imposter TLS certificate after the CA download, answer 429 with Retry-After, stall). The
 *   `client` suite runs one mock per scenario with these.
 * Faults are named options checked at the decision points; the protocol logic is never forked.
 */
import type { ClauseRef } from '../core/check.js';
import type { ScenarioFault } from '../core/traffic.js';

/** Server-wide faults; each breaks one rule (see {@link MOCK_FAULTS}). */
export type MockFault =
  | 'accept-unsigned'
  | 'accept-digest-mismatch'
  | 'ignore-created-window'
  | 'onboarding-200'
  | 'non-url-safe-client-id'
  | 'duplicate-client-id'
  | 'ca-as-raw-pem'
  | 'ca-not-issuer'
  | 'tls12-only'
  | 'schema-violation'
  | 'accept-bad-certificate-encoding'
  | 'capabilities-500'
  | 'accept-untrusted-ca'
  | 'ignore-operator-rejection'
  | 'accept-any-key'
  | 'accept-uncovered-components'
  | 'unknown-client-200'
  | 'no-304'
  | 'accept-revoked'
  | 'no-406'
  | 'manifest-version-static'
  | 'etag-not-body-digest';

/** One row of the fault table. */
export interface MockFaultInfo {
  readonly name: MockFault;
  /** One line: the rule this fault breaks. */
  readonly breaks: string;
  readonly clause: ClauseRef;
}

const SECURITY = 'margo:api-requirements-and-security';
const ONBOARDING = 'margo:device-client-onboarding';
const CERT_API = 'margo:certificate-api';
const DESIRED = 'margo:desired-state';

/** Every {@link MockFault} with the rule it breaks and where that rule lives. */
export const MOCK_FAULTS: readonly MockFaultInfo[] = [
  {
    name: 'accept-unsigned',
    breaks: 'accepts requests to signed routes that carry no Signature / Signature-Input (must be 401)',
    clause: { source: SECURITY, section: 'Payload Security', quote: 'requests MUST be authenticated using the HTTP Message Signature method' },
  },
  {
    name: 'accept-digest-mismatch',
    breaks: 'accepts a body whose Content-Digest does not match (must be 400)',
    clause: { source: SECURITY, section: 'Payload Security', quote: '400: missing or invalid content-digest' },
  },
  {
    name: 'ignore-created-window',
    breaks: 'accepts signatures whose created is older than the replay window or in the future (must be 401)',
    clause: { source: SECURITY, section: 'Payload Security', quote: 'requests whose created is older than a configurable window … MUST be rejected' },
  },
  {
    name: 'onboarding-200',
    breaks: 'answers a successful onboarding with 200 instead of 201 Created',
    clause: { source: ONBOARDING, section: 'Response Codes', quote: '201 Created: New client onboarded successfully.' },
  },
  {
    name: 'non-url-safe-client-id',
    breaks: "assigns a clientId with characters outside RFC 3986 unreserved ('+', '/', '=')",
    clause: { source: SECURITY, section: 'Client identity', quote: 'the WFM MUST create a URL-safe client ID' },
  },
  {
    name: 'duplicate-client-id',
    breaks: 'assigns the same clientId to different certificates (must be unique per client)',
    clause: { source: ONBOARDING, section: 'Onboarding Sequence', quote: 'receives its unique client Id assigned via the Workload Fleet Manager' },
  },
  {
    name: 'ca-as-raw-pem',
    breaks: 'Certificate API returns the root CA as PEM text with line breaks instead of base64 without line breaks',
    clause: { source: CERT_API, section: 'Response', quote: 'PEM-encoded X.509 root CA certificate, Base64 without line breaks' },
  },
  {
    name: 'ca-not-issuer',
    breaks: 'Certificate API returns a root CA that did not issue the TLS server certificate',
    clause: { source: CERT_API, section: 'Response', quote: "the Workload Fleet Manager's public root CA certificate" },
  },
  {
    name: 'tls12-only',
    breaks: 'offers TLS 1.2 only (TLS 1.3 is the minimum)',
    clause: { source: SECURITY, section: 'Transport', quote: 'server-side TLS 1.3 (minimum)' },
  },
  {
    name: 'schema-violation',
    breaks: 'onboarding 201 body carries clientId as a JSON number (schema: string)',
    clause: { source: ONBOARDING, section: 'Example Response Body', quote: '{ "clientId": "<… URL safe string identifier>" }' },
  },
  {
    name: 'accept-bad-certificate-encoding',
    breaks: 'onboards a certificate field that does not decode as base64 X.509 (must be 400 Invalid certificate)',
    clause: { source: ONBOARDING, section: 'Response Codes', quote: '400 Invalid Certificate: Invalid certificate format or structure.' },
  },
  {
    name: 'capabilities-500',
    breaks: 'answers a valid signed capabilities report with 500 (must be 201/200)',
    clause: { source: ONBOARDING, section: 'Onboarding Sequence', quote: 'POST /clients/{clientId}/capabilities → 201 Created' },
  },
  {
    name: 'accept-untrusted-ca',
    breaks: 'onboards a certificate issued by a CA that is not trusted (must be 403)',
    clause: { source: ONBOARDING, section: 'Response Codes', quote: '403 Forbidden: Client certificate is not trusted or client rejected.' },
  },
  {
    name: 'ignore-operator-rejection',
    breaks: 'onboards a certificate the WFM user rejected (must be 403 Client rejected)',
    clause: { source: ONBOARDING, section: 'Onboarding Sequence', quote: 'Opportunity for user to approve or reject client onboarding' },
  },
  {
    name: 'accept-any-key',
    breaks: "accepts a signature that does not verify under the client's certificate key (must be 401)",
    clause: { source: SECURITY, section: 'Payload Security', quote: "verify the signature with the client's public key" },
  },
  {
    name: 'accept-uncovered-components',
    breaks: 'accepts a signature that does not cover @method, @target-uri and content-digest (must be 401)',
    clause: { source: SECURITY, section: 'Payload Security', quote: 'signature base including @method, @target-uri, Content-Digest' },
  },
  {
    name: 'unknown-client-200',
    breaks: 'accepts requests for a clientId that was never onboarded (must be 404)',
    clause: { source: SECURITY, section: 'Payload Security', quote: 'look up the client certificate by the clientId; 404 unknown clientId' },
  },
  {
    name: 'no-304',
    breaks: 'answers 200 with a body when If-None-Match matches the desired-state ETag (must be 304)',
    clause: { source: DESIRED, section: 'Caching', quote: 'When If-None-Match matches the current manifest, MUST respond 304 with no body' },
  },
  {
    name: 'accept-revoked',
    breaks: 'keeps accepting signed requests from a revoked client (must be 403)',
    clause: { source: SECURITY, section: 'Payload Security', quote: '403: client certificate not trusted or revoked' },
  },
  {
    name: 'no-406',
    breaks: 'answers 200 to a desired-state request whose Accept lists only unsupported types (must be 406)',
    clause: { source: DESIRED, section: 'Content negotiation', quote: 'if Accept lists only unsupported types MUST return 406' },
  },
  {
    name: 'manifest-version-static',
    breaks: 'keeps manifestVersion unchanged when the desired state changes (must rise strictly)',
    clause: { source: DESIRED, section: 'ManifestVersion', quote: 'manifestVersion MUST be strictly greater than the previous' },
  },
  {
    name: 'etag-not-body-digest',
    breaks: 'sends a desired-state ETag that is not the quoted sha256 digest of the body',
    clause: { source: DESIRED, section: 'ETag', quote: 'ETag MUST be a strong validator = quoted digest of the exact serialized body' },
  },
];

/** True when `name` is a {@link MockFault}. */
export function isMockFault(name: string): name is MockFault {
  return MOCK_FAULTS.some((f) => f.name === name);
}

/**
 * Scenario misbehaviour aimed at a device client under test:
 * - `reject-onboarding`: onboarding answers 403 `{error: "Client rejected"}`.
 * - `bad-certificate-response`: onboarding answers 400 `{error: "Invalid certificate"}`.
 * - `imposter-tls-after-ca-download`: after the first Certificate API answer, new TLS handshakes present a
 *   server leaf from a fresh CA unrelated to the downloaded root CA (a pinned client must refuse it).
 * - `status`: the next `times` requests of `route` answer `status` (with `Retry-After: retryAfterSeconds`).
 * - `stall`: requests of `route` wait `ms` milliseconds before being handled.
 */
export type ClientFault = ScenarioFault;

/** The scenario fault kinds with one line each, for `mock-server --list-faults`. */
export const CLIENT_FAULT_KINDS: readonly { readonly kind: ClientFault['kind']; readonly effect: string }[] = [
  { kind: 'reject-onboarding', effect: 'onboarding answers 403 {error:"Client rejected"}' },
  { kind: 'bad-certificate-response', effect: 'onboarding answers 400 {error:"Invalid certificate"}' },
  { kind: 'imposter-tls-after-ca-download', effect: 'after the CA download, TLS presents a leaf from an unrelated CA' },
  { kind: 'status', effect: 'the next N requests of a route answer 500/429/503 (+ Retry-After)' },
  { kind: 'stall', effect: 'requests of a route are delayed by N ms' },
];
