/**
 * @module What a `wfm` check receives: the profile and config, an HTTPS handle aimed at the WFM under test (pinned
 * to its root CA), device identities, an optional operator, and the session state shared by the checks of one run
 * (the onboarded client that every check after onboarding reuses).
 *
 * The suite declares these interfaces itself so that it never imports the mock WFM or the device simulator
 * (STYLE.md §2); `cli/` builds them from core/net and core/pki.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import type { BaseCheckContext } from '../../core/check.js';
import type { MargoConfig } from '../../core/config.js';
import type { IssuedCertificate } from '../../core/pki/index.js';
import type { Profile } from '../../core/profiles/index.js';
import type { ObservedExchange, SchemaValidator } from '../expect.js';

/** A request as the suite sends it: absolute URL, lower-case header names, raw body bytes. */
export interface WfmRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
}

/** One exchange with the WFM: {@link ObservedExchange} with the request as sent. */
export type WfmExchange = ObservedExchange;

/**
 * HTTPS access to the WFM under test, verifying its TLS chain against the session's trust anchor (the root CA
 * given out of band or downloaded at bootstrap). `send` never throws for transport failures: it returns the
 * exchange with `transportError` set, so a check can turn it into `inconclusive`.
 */
export interface WfmHandle {
  send(request: WfmRequest, opts: { readonly label: string; readonly signal: AbortSignal; readonly signatureBase?: string }): Promise<WfmExchange>;
}

/** Where the WFM under test lives. */
export interface WfmTarget {
  /** Base URL with optional path prefix, no trailing slash: `https://wfm.example/tenant-a`. */
  readonly baseUrl: string;
  readonly host: string;
  readonly port: number;
  /** SNI / certificate host name to verify (the URL host). */
  readonly servername: string;
  /**
   * The root CA(s) the suite's HTTPS handle trusts, as PEM: given out of band (a `--ca` bundle may hold several
   * certificates, each one a trust anchor), or the one downloaded at bootstrap.
   */
  readonly trustAnchorPem: string;
  /** Where the trust anchor came from; `insecure-bootstrap` is stated in the report. */
  readonly trustAnchorSource: 'out-of-band' | 'downloaded' | 'insecure-bootstrap';
}

/** TLS facts of one handshake attempt, as the `tls` checks need them. */
export interface TlsHandshakeResult {
  readonly protocol?: string;
  readonly cipher?: string;
  readonly authorized?: boolean;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** Handshake-level probes of the target (no HTTP). */
export interface TlsProber {
  /**
   * One handshake restricted to `minVersion`..`maxVersion`, verifying the chain against exactly `caPem`.
   * Resolves with the facts of the attempt; a failed handshake resolves with `errorCode` set.
   * @throws ConformanceError `TARGET_UNREACHABLE` when TCP does not connect
   */
  handshake(opts: {
    readonly caPem: string;
    readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
    readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  }): Promise<TlsHandshakeResult>;
  /**
   * The certificate chain the target serves (leaf first), fetched without verification.
   * @throws ConformanceError `TARGET_UNREACHABLE`, `TLS_SETUP_FAILED`
   */
  peerChain(): Promise<{ readonly certificates: readonly X509Certificate[]; readonly tls: TlsHandshakeResult }>;
}

/** Device identities: client leaves from the CA the WFM trusts, and from a CA it has never seen. */
export interface DeviceIdentities {
  /** A fresh EC P-256 client leaf issued by the device CA the WFM under test trusts. */
  issueTrusted(name: string): Promise<IssuedCertificate>;
  /** A fresh EC P-256 client leaf issued by a CA unknown to the WFM (created once per run). */
  issueUntrusted(name: string): Promise<IssuedCertificate>;
  /** A fresh EC P-256 private key bound to no certificate (for "signed by another key"). */
  otherKey(): Promise<KeyObject>;
  /** The published RFC 9421 Appendix B.1.3 `test-key-ecc-p256` private key, which a WFM must never accept. */
  rfcTestKey(): Promise<KeyObject>;
}

/** Operator actions the suite may ask for; each names what the WFM user does in the WFM's own UI or API. */
export type OperatorActionName = 'reject-onboarding' | 'revoke-client' | 'change-desired-state';

/** One operator request. `fingerprint` is the SHA-256 of the certificate DER, lower-case hex. */
export interface OperatorRequest {
  readonly action: OperatorActionName;
  readonly fingerprint: string;
  readonly certificatePem: string;
  /** Set for actions on an onboarded client (`revoke-client`, `change-desired-state`). */
  readonly clientId?: string;
}

/**
 * Carries out operator actions on the WFM under test (shell command, HTTP hook, terminal prompt, or the embedded
 * mock's admin API). `perform` resolves when the action is done.
 * @throws ConformanceError `OPERATOR_ACTION_FAILED` when the action could not be carried out
 */
export interface Operator {
  /** One line for reports: `shell command "…"`, `HTTP hook https://…`, `mock WFM admin API`. */
  readonly description: string;
  perform(request: OperatorRequest, signal: AbortSignal): Promise<void>;
}

/** How the WFM under test decides which device certificates to trust (root flag `--trust`). */
export type DeviceTrustMode = 'ca-chain' | 'any-cert';

/** The root CA as the Certificate API advertised it. */
export interface AdvertisedRootCa {
  readonly der: Uint8Array;
  readonly pem: string;
  readonly x509: X509Certificate;
  /** How the `certificate` field carried it: base64 of the DER, base64 of PEM text, or PEM text itself. */
  readonly encoding: 'base64-der' | 'base64-pem' | 'pem-text';
  /** The raw field value. */
  readonly field: string;
  readonly exchange: WfmExchange;
}

/** The onboarded device every check after onboarding reuses. */
export interface OnboardedClient {
  readonly clientId: string;
  readonly identity: IssuedCertificate;
  /** The onboarding exchange that assigned `clientId`. */
  readonly exchange: WfmExchange;
  /** The response body as parsed (lossless), for the schema check. */
  readonly body: unknown;
}

/** The desired-state manifest as fetched by `wfm.desired-state.returns-manifest`. */
export interface FetchedDesiredState {
  readonly exchange: WfmExchange;
  readonly manifest: unknown;
  readonly etag?: string;
}

/**
 * Mutable state shared by the checks of ONE run (created per run by the caller, never module-level).
 * Checks write what later checks need; the runner's `requires` guarantees the writer passed first.
 */
export interface WfmSession {
  rootCa?: AdvertisedRootCa;
  client?: OnboardedClient;
  desiredState?: FetchedDesiredState;
}

/** Everything a `wfm` check receives. */
export interface WfmCheckContext extends BaseCheckContext {
  readonly profile: Profile;
  readonly config: MargoConfig;
  readonly target: WfmTarget;
  readonly wfm: WfmHandle;
  /**
   * The channel the root CA was bootstrapped over (unverified for `--insecure-bootstrap`, the system store for a
   * download); absent when the root CA came out of band. The Certificate API check falls back to it when the pinned
   * channel fails chain verification, so the advertised CA can still be judged (and the TLS check can say why).
   */
  readonly bootstrap?: WfmHandle;
  readonly tls: TlsProber;
  readonly schemas: SchemaValidator;
  readonly identities: DeviceIdentities;
  readonly session: WfmSession;
  /** Absent when no operator action is configured: operator checks then `skip`. */
  readonly operator?: Operator;
  readonly deviceTrust: DeviceTrustMode;
  /** A fresh random identifier (UUID v4) for deviceIds, deploymentIds and unknown clientIds. */
  randomId(): string;
}
