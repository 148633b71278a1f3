/**
 * @module Recorded traffic: what the mock WFM saw and answered, as data.
 *
 * The mock WFM (`mock-server/`) produces these records; the `client` suite (`suites/client/`) judges a device's
 * WFM client from them. Records are plain JSON-safe data so they can also cross the admin API
 * (`GET /admin/api/traffic`) unchanged. Types only: no logic lives here.
 */
import type { RecordedRequest, RecordedResponse, TlsFacts } from './check.js';
import type { SignatureFailureReason } from './http-signatures/index.js';
import type { RouteName } from './profiles/index.js';

/**
 * The request as received. `body` is the UTF-8 text (absent when the body is empty or not valid UTF-8);
 * `bodyBase64` always carries the exact bytes so a suite can recompute `Content-Digest` and re-verify
 * the signature.
 */
export interface RecordedHttpRequest extends RecordedRequest {
  /** The target URI rebuilt by the mock for `@target-uri`: `https://<Host header><request-target>`. */
  readonly targetUri: string;
  /** Exact body bytes, base64 (standard alphabet, padded). Empty string for an empty body. */
  readonly bodyBase64: string;
  /** Body length in bytes. */
  readonly bodyBytes: number;
  /** True when the body bytes are valid UTF-8 (then `body` holds the text). */
  readonly bodyIsUtf8: boolean;
}

/** The response as sent; `bodyBase64` carries the exact bytes (manifest and bundle digests are over them). */
export interface RecordedHttpResponse extends RecordedResponse {
  readonly bodyBase64: string;
  readonly bodyBytes: number;
}

/** Outcome of the `Content-Digest` check on a request (RFC 9530). */
export interface RecordedDigest {
  readonly header?: string;
  readonly outcome: 'ok' | 'missing' | 'malformed' | 'unsupported-algorithm' | 'mismatch' | 'not-checked';
}

/** Name of a signature verification outcome: `ok`, a failure reason, or `not-signed-route` (e.g. the Certificate API). */
export type SignatureOutcomeName = 'ok' | SignatureFailureReason | 'not-signed-route' | 'no-key';

/**
 * The signature verdict of one request (RFC 9421 §3.2), with the signature base the mock rebuilt from the
 * request as received, so a report can show it.
 */
export interface RecordedSignature {
  readonly outcome: SignatureOutcomeName;
  readonly message?: string;
  readonly signatureBase?: string;
  /** Covered components as listed in `Signature-Input`. */
  readonly components?: readonly string[];
  readonly label?: string;
  readonly algorithm?: string;
  /** `created` signature parameter, Unix seconds. */
  readonly created?: number;
  readonly keyid?: string;
  readonly warnings?: readonly string[];
  readonly digest?: RecordedDigest;
  /** Names of mock faults that changed the decision (e.g. `accept-unsigned`), when any did. */
  readonly faultsApplied?: readonly string[];
}

/** One HTTP request/response exchange on the profile's API. */
export interface RecordedExchange {
  readonly type: 'exchange';
  /** Position in the recording (shared sequence with TLS events), from 1. */
  readonly id: number;
  /** ISO 8601 time the request arrived. */
  readonly at: string;
  /** Identifies the TCP/TLS connection; equal ids mean a reused (keep-alive) connection. */
  readonly connectionId: number;
  /** The `clientId` from the path, or the one assigned by onboarding. */
  readonly clientId?: string;
  /** Profile route name; absent for unknown paths. */
  readonly route?: RouteName;
  /** Path parameters matched by the route (`clientId`, `deviceId`, `deploymentId`, `digest`). */
  readonly params?: Readonly<Record<string, string>>;
  readonly request: RecordedHttpRequest;
  readonly response: RecordedHttpResponse;
  /** Present on routes that are signed in the profile. */
  readonly signature?: RecordedSignature;
  /** Short machine-readable decision, e.g. `ok`, `signature:stale-created`, `onboarding:pending`, `fault:capabilities-500`. */
  readonly verdict: string;
  /** Scenario faults (client faults) that shaped this answer, e.g. `status:429`. */
  readonly clientFaultsApplied?: readonly string[];
  readonly tls: TlsFacts;
  /** Time from the first request byte seen by the handler to the end of the response, in ms. */
  readonly durationMs: number;
}

/** A TLS handshake on the API listener, successful or not. */
export interface RecordedTlsEvent {
  readonly type: 'tls';
  readonly id: number;
  readonly at: string;
  readonly connectionId: number;
  readonly kind: 'handshake-ok' | 'handshake-failed';
  /** `ip:port` of the peer. */
  readonly remote: string;
  readonly protocol?: string;
  readonly cipher?: string;
  /** Node / OpenSSL error code, e.g. `ERR_SSL_TLSV1_ALERT_UNKNOWN_CA`. */
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** The TLS alert the client sent when it refused the handshake, e.g. `unknown ca`, `bad certificate`. */
  readonly alert?: string;
  /** Which server certificate was presented: the genuine chain, or the imposter one of a scenario fault. */
  readonly servedCertificate: 'genuine' | 'imposter';
  /** True when the Certificate API had already been answered before this handshake. */
  readonly afterCaDownload: boolean;
}

/** One entry of the recording, in arrival order. */
export type TrafficEntry = RecordedExchange | RecordedTlsEvent;

/**
 * Scenario misbehaviour of a mock WFM, per client or for every client: the levers of the `client` suite's scenarios
 * (mock-server applies them; suites/client declares them as data).
 * - `reject-onboarding`: onboarding answers 403; `bad-certificate-response`: onboarding answers 400;
 * - `imposter-tls-after-ca-download`: after the first Certificate API download the server presents a chain from an
 *   unrelated CA;
 * - `status`: the next `times` requests of `route` answer `status` (with `Retry-After` when given, seconds);
 * - `stall`: requests of `route` wait `ms` milliseconds before being handled.
 */
export type ScenarioFault =
  | { readonly kind: 'reject-onboarding' }
  | { readonly kind: 'bad-certificate-response' }
  | { readonly kind: 'imposter-tls-after-ca-download' }
  | {
      readonly kind: 'status';
      readonly route: RouteName;
      readonly status: 500 | 429 | 503;
      readonly retryAfterSeconds?: number;
      readonly times: number;
    }
  | { readonly kind: 'stall'; readonly route: RouteName; readonly ms: number };
