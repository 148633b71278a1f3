/**
 * @module The scenarios of the `client` suite, as data. A scenario is one realistic flow: a fresh mock WFM set up
 * with scenario faults (reject the onboarding, present an imposter certificate, answer 503 with Retry-After…), the
 * client under test run once against it, and the recorded traffic judged by the checks that name the scenario.
 *
 * The types here mirror the mock WFM's `ClientFault` structurally (suites/ never import mock-server/); `cli/`
 * passes them through, so the compiler checks that the two stay in step.
 */
import type { Profile, RouteName } from '../../core/profiles/index.js';
import type { ScenarioFault } from '../../core/traffic.js';

/** Scenario ids; they appear in MARGO_SCENARIO and in the evidence of every client check. */
export type ClientScenarioId =
  | 'happy-path'
  | 'onboarding-rejected'
  | 'invalid-certificate-response'
  | 'tls-imposter'
  | 'server-error-500'
  | 'retry-after';

/** Scenario misbehaviour of the mock WFM (core/traffic.ts; mock-server applies it). */
export type { ScenarioFault };

/** What a conformant client is expected to do in the scenario; told to the client in MARGO_CONTEXT. */
export type ScenarioExpectation =
  | 'complete-sequence'
  | 'stop-after-rejection'
  | 'abort-tls-handshake'
  | 'retry-and-complete';

/**
 * The JSON a client receives in MARGO_CONTEXT. Clients may ignore it; it lets a scripted client know what the
 * scenario is about. Durations in ms, Retry-After in seconds.
 */
export interface ScenarioContextData {
  readonly scenario: ClientScenarioId;
  readonly title: string;
  readonly profile: string;
  readonly expect: ScenarioExpectation;
  /** A conformant client polls the desired state at least this often in the scenario (ETag / 304 are judged). */
  readonly minDesiredStatePolls: number;
  /** Retries sooner than this after a 5xx without Retry-After count as "no backoff". */
  readonly minRetryDelayMs?: number;
  /**
   * What MARGO_CA_FILE holds: `genuine` (the mock's root CA) or `unrelated` (a root CA that did not issue the mock's
   * chain, so an out-of-band client that verifies the server must refuse it).
   */
  readonly caFile: 'genuine' | 'unrelated';
  /** Route faults of the mock in this scenario: which route answers which status, how often, with which Retry-After. */
  readonly serverErrors?: readonly { readonly route: RouteName; readonly status: number; readonly retryAfterSeconds?: number; readonly times: number }[];
}

/**
 * Cap of the scenarios where the WFM refuses (403, 400, imposter TLS), ms. A conformant client stops early there;
 * the cap leaves room for a client started through `npx` on a loaded machine (10 s proved too tight for that).
 */
export const REFUSAL_SCENARIO_TIMEOUT_MS = 20_000;

/** One scenario: the mock set-up, the data for the client, and an optional timeout override. */
export interface ClientScenario {
  readonly id: ClientScenarioId;
  readonly title: string;
  /** One sentence: what the mock does and what a conformant client does. */
  readonly description: string;
  readonly mock: {
    readonly clientFaults: readonly ScenarioFault[];
    /** Onboarding policy of the mock; every scenario uses auto-approve and shapes refusals with faults. */
    readonly onboarding: 'auto-approve';
    /** Lowest TLS version the mock accepts; TLSv1.2 lets the TLS 1.3 check see a client that prefers 1.2. */
    readonly tlsMinVersion?: 'TLSv1.2' | 'TLSv1.3';
  };
  readonly context: ScenarioContextData;
  /** Overrides `client.scenarioTimeoutMs` when shorter; negative scenarios need less time. */
  readonly maxTimeoutMs?: number;
}

/** Least delay (ms) before the first retry after a 500 that counts as backing off. Project reading; see README. */
export const MIN_RETRY_DELAY_MS = 250;

/**
 * The route a client uses to create its capabilities in `profile`: `capabilitiesCreate` (v1 POST) or, where the
 * profile has no create route, `capabilitiesUpdate` (rc.2 PUT, 201 on first report).
 */
export function capabilitiesRouteOf(profile: Profile): RouteName {
  return profile.routes.capabilitiesCreate !== undefined ? 'capabilitiesCreate' : 'capabilitiesUpdate';
}

/**
 * Every scenario for `profile`, in run order. Returns readonly data; the route names of the server-error faults
 * depend on the profile (capabilities create route).
 * @see spec seed page "Onboarding Sequence"; spec-digest §5.7 #68 (retries)
 */
export function clientScenarios(profile: Profile): readonly ClientScenario[] {
  const caps = capabilitiesRouteOf(profile);
  const base = (id: ClientScenarioId, title: string, expect: ScenarioExpectation) => ({
    scenario: id,
    title,
    profile: profile.id,
    expect,
    minDesiredStatePolls: expect === 'complete-sequence' ? 2 : 1,
    caFile: expect === 'abort-tls-handshake' ? ('unrelated' as const) : ('genuine' as const),
  });
  const errors500 = [{ route: caps, status: 500 as const, times: 2 }];
  const retryAfter = [
    { route: caps, status: 503 as const, retryAfterSeconds: 1, times: 1 },
    { route: 'deploymentStatus' as const, status: 429 as const, retryAfterSeconds: 1, times: 1 },
  ];
  return [
    {
      id: 'happy-path',
      title: 'Happy path: CA download, pinned TLS, signed onboarding, capabilities, desired state, status',
      description:
        'The mock WFM approves every onboarding. A conformant client walks the whole onboarding sequence, polls ' +
        'the desired state at least twice (ETag / If-None-Match), fetches the deployment by digest and reports its status.',
      mock: { clientFaults: [], onboarding: 'auto-approve', tlsMinVersion: 'TLSv1.2' },
      context: base('happy-path', 'Happy path', 'complete-sequence'),
    },
    {
      id: 'onboarding-rejected',
      title: 'Rejected onboarding: the WFM answers 403 Client rejected',
      description:
        'The mock answers every onboarding with 403. A conformant client sends no capabilities, desired-state ' +
        'or status request, and does not retry the onboarding in a tight loop.',
      mock: { clientFaults: [{ kind: 'reject-onboarding' }], onboarding: 'auto-approve' },
      context: base('onboarding-rejected', 'Rejected onboarding (403)', 'stop-after-rejection'),
      maxTimeoutMs: REFUSAL_SCENARIO_TIMEOUT_MS,
    },
    {
      id: 'invalid-certificate-response',
      title: 'Invalid certificate: the WFM answers 400 Invalid certificate',
      description:
        'The mock answers every onboarding with 400. A conformant client sends no capabilities, desired-state ' +
        'or status request, and does not retry the onboarding in a tight loop.',
      mock: { clientFaults: [{ kind: 'bad-certificate-response' }], onboarding: 'auto-approve' },
      context: base('invalid-certificate-response', 'Invalid certificate (400)', 'stop-after-rejection'),
      maxTimeoutMs: REFUSAL_SCENARIO_TIMEOUT_MS,
    },
    {
      id: 'tls-imposter',
      title: 'TLS pinning: the WFM presents a chain its root CA did not issue',
      description:
        'After answering the Certificate API the mock presents a server leaf issued by an unrelated CA, and ' +
        'MARGO_CA_FILE holds a root CA that did not issue the mock\'s chain. A conformant client (CA downloaded or ' +
        'provisioned out of band) aborts the handshake; no signed request reaches the mock.',
      mock: { clientFaults: [{ kind: 'imposter-tls-after-ca-download' }], onboarding: 'auto-approve' },
      context: base('tls-imposter', 'TLS pinning failure', 'abort-tls-handshake'),
      maxTimeoutMs: REFUSAL_SCENARIO_TIMEOUT_MS,
    },
    {
      id: 'server-error-500',
      title: 'Server error: capabilities answers 500 twice',
      description:
        'The first two capabilities reports answer 500. A conformant client retries with a growing delay and ' +
        'completes the sequence.',
      mock: { clientFaults: errors500.map((e) => ({ kind: 'status' as const, ...e })), onboarding: 'auto-approve' },
      context: {
        ...base('server-error-500', 'Server error 500', 'retry-and-complete'),
        minRetryDelayMs: MIN_RETRY_DELAY_MS,
        serverErrors: errors500,
      },
    },
    {
      id: 'retry-after',
      title: 'Retry-After: capabilities answers 503 and status answers 429, each with Retry-After: 1',
      description:
        'The first capabilities report answers 503 and the first status report 429, both with Retry-After. A ' +
        'conformant client waits at least that long before retrying, and completes the sequence.',
      mock: { clientFaults: retryAfter.map((e) => ({ kind: 'status' as const, ...e })), onboarding: 'auto-approve' },
      context: {
        ...base('retry-after', 'Retry-After on 503 and 429', 'retry-and-complete'),
        serverErrors: retryAfter,
      },
    },
  ];
}
