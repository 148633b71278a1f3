/**
 * @module One device's state and resources: effective config and profile, faults, clock, its identity, the HTTPS
 * clients (bootstrap and pinned), prepared signers, and what it learnt from the WFM (root CA, clientId, ETag,
 * manifest). Everything lives in the session object, so many devices can share a process.
 */
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { mergeConfig } from '../core/config.js';
import type { MargoConfig } from '../core/config.js';
import { ConformanceError } from '../core/errors.js';
import { createHttpClient } from '../core/net/index.js';
import type { HttpClient } from '../core/net/index.js';
import type { IssuedCertificate } from '../core/pki/index.js';
import { DEFAULT_PROFILE_ID, getProfile } from '../core/profiles/index.js';
import type { Profile } from '../core/profiles/index.js';
import { DEFAULT_SECRET_HEADERS } from '../core/report/redact.js';
import type { Redaction } from './evidence.js';
import type { DeviceFault } from './faults.js';
import { redactUrl } from './command-input.js';
import { certificateFieldFor, defaultDeviceId, resolveDeviceCertificate } from './identity.js';
import { DEFAULT_RETRY_POLICY, timerSleep } from './retry.js';
import { createDeviceSigners } from './signing.js';
import type { DeviceSigners } from './signing.js';
import type { DeviceLogEntry, DeviceOptions, DeviceStep, RetryPolicy, SleepFn } from './types.js';

/** One deployment listed in the accepted desired-state manifest. */
export interface ManifestDeployment {
  readonly deploymentId: string;
  readonly digest: string;
  readonly url?: string;
}

/** A deployment fetched by digest and verified: its YAML component names. */
export interface FetchedDeployment {
  readonly deploymentId: string;
  readonly digest: string;
  readonly componentNames: readonly string[];
}

/** What the device learnt from the WFM; mutated by the steps only. */
export interface DeviceState {
  caPem: string | undefined;
  clientId: string | undefined;
  /** ETag of the last accepted desired-state manifest, as received (quoted). */
  etag: string | undefined;
  manifestVersion: bigint | undefined;
  manifest: unknown;
  deployments: readonly ManifestDeployment[];
  readonly fetched: Map<string, FetchedDeployment>;
}

/** The identity with everything derived from it once. */
export interface PreparedIdentity {
  readonly certificate: IssuedCertificate;
  /** OnboardingRequest `certificate` field (encoding per config and faults). */
  readonly certificateField: string;
  readonly deviceId: string;
}

/** Everything one device works with. */
export interface DeviceSession {
  readonly options: DeviceOptions;
  readonly config: MargoConfig;
  readonly profile: Profile;
  readonly faults: ReadonlySet<DeviceFault>;
  readonly clock: Clock;
  readonly sleep: SleepFn;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly redaction: Redaction;
  readonly state: DeviceState;
  log(step: DeviceStep, event: string, extra?: { status?: number; detail?: string }): void;
  identity(): Promise<PreparedIdentity>;
  /** A client trusting only the root CA in `state.caPem` (any certificate with fault `tls-verify-off`). */
  pinnedClient(): HttpClient;
  /** A fresh unverified client for the first contact; the caller closes it. */
  bootstrapClient(): HttpClient;
  readonly signers: DeviceSigners;
  /** `scheme://host[:port][/prefix]` of the WFM, parsed once; route paths are appended to it. */
  readonly baseUrl: string;
  close(): Promise<void>;
}

function effectiveConfig(opts: DeviceOptions): { config: MargoConfig; profile: Profile } {
  const profileId = opts.profileId ?? opts.config?.profile ?? DEFAULT_PROFILE_ID;
  const profile = getProfile(profileId);
  const config = opts.config ?? mergeConfig(profile.defaults, { profile: profileId });
  return { config, profile };
}

/**
 * Builds a device session from options. Throws PROFILE_UNKNOWN for an unknown profile and TARGET_URL_INVALID when
 * `wfmUrl` is not an absolute http(s) URL. No I/O happens here: the identity is issued on first use.
 */
export function createSession(opts: DeviceOptions): DeviceSession {
  assertBaseUrl(opts.wfmUrl);
  const { config, profile } = effectiveConfig(opts);
  const clock = opts.clock ?? systemClock;
  const faults = new Set(opts.faults ?? []);
  const timeoutMs = opts.timeoutMs ?? config.timeoutMs;
  const state: DeviceState = {
    caPem: opts.caPem,
    clientId: undefined,
    etag: undefined,
    manifestVersion: undefined,
    manifest: undefined,
    deployments: [],
    fetched: new Map(),
  };
  let identity: Promise<PreparedIdentity> | undefined;
  let pinned: { caPem: string | undefined; client: HttpClient } | undefined;

  function prepareIdentity(): Promise<PreparedIdentity> {
    identity ??= resolveDeviceCertificate(opts.identity, clock.nowMs(), opts.deviceId ?? 'margo-simulated-device').then(
      (certificate) => ({
        certificate,
        certificateField: certificateFieldFor(certificate, config, faults),
        deviceId: opts.deviceId ?? defaultDeviceId(certificate),
      }),
    );
    return identity;
  }

  function pinnedClient(): HttpClient {
    if (pinned !== undefined && pinned.caPem === state.caPem) return pinned.client;
    const insecure = faults.has('tls-verify-off');
    if (state.caPem === undefined && !insecure) {
      throw new ConformanceError('CA_UNAVAILABLE', 'no root CA yet: download it (downloadCa) or pass caPem out of band');
    }
    const previous = pinned?.client;
    // A new pool per trust anchor: a connection verified under another CA is never reused.
    const client = createHttpClient({
      ...(insecure ? { insecure: true } : { caPem: state.caPem }),
      minVersion: config.tls.minVersion,
      timeoutMs,
    });
    pinned = { caPem: state.caPem, client };
    if (previous !== undefined) void previous.close();
    return client;
  }

  return {
    options: opts,
    config,
    profile,
    faults,
    clock,
    sleep: opts.sleep ?? timerSleep,
    retry: opts.retry ?? DEFAULT_RETRY_POLICY,
    timeoutMs,
    redaction: {
      headers: new Set([...DEFAULT_SECRET_HEADERS, ...config.secrets.headers].map((h) => h.toLowerCase())),
      values: config.secrets.values,
    },
    state,
    log(step, event, extra = {}) {
      opts.log?.({ step, event, ...extra, at: clock.nowMs() } satisfies DeviceLogEntry);
    },
    identity: prepareIdentity,
    pinnedClient,
    bootstrapClient: () => createHttpClient({ insecure: true, minVersion: config.tls.minVersion, timeoutMs }),
    signers: createDeviceSigners(config),
    baseUrl: baseUrlOf(opts.wfmUrl),
    async close() {
      await pinned?.client.close();
      pinned = undefined;
    },
  };
}

/** Origin plus path prefix without a trailing slash: `https://wfm.example/margo/` → `https://wfm.example/margo`. */
function baseUrlOf(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
}

function assertBaseUrl(url: string): void {
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new ConformanceError('TARGET_URL_INVALID', `expected the WFM base URL as https://host[:port][/prefix], got "${redactUrl(url)}"`);
  }
}
