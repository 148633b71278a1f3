/**
 * @module Client checks on the Onboarding API: the client onboards with a schema-valid OnboardingRequest carrying
 * its X.509 certificate in the profile's encoding, uses the clientId it was given, and stops (without a tight
 * retry loop) when the WFM refuses it with 403 or 400.
 * @see spec seed page "Device Client Onboarding"; spec-digest §2.1, §5.3 #22–#23, §6.6, §6.18
 */
import type { Evidence, Verdict } from '../../core/check.js';
import { isConformanceError } from '../../core/errors.js';
import { decodeCertificateField, describeCertificate, validityOf } from '../../core/pki/index.js';
import type { CertificateEncoding } from '../../core/pki/index.js';
import { validateJsonBody } from '../../core/schema.js';
import type { RecordedExchange } from '../../core/traffic.js';
import { defineClientCheck } from './context.js';
import type { ClientCheckContext } from './context.js';
import {
  acceptedOnboardings,
  arrivedMs,
  clientEnding,
  clientNote,
  clientRoutes,
  describeExchange,
  everyExchangeOn,
  exchangeEvidence,
  exchangesOf,
  jsonOf,
  notReached,
  onRoutes,
  passed,
  recordingOf,
  refOf,
  scenarioExchangeEvidence,
  stringMember,
  tlsEventsOf,
  tlsEvidence,
  violated,
} from './recorded.js';
import type { ClientScenarioId } from './scenarios.js';

const ONBOARDING = 'margo:device-client-onboarding';
const PROFILES = ['rfc9421-v1', 'rfc9421-rc2'] as const;
const SENDS_ONBOARDING = 'client.onboarding.sends-onboarding-request';

export const sendsOnboardingRequest = defineClientCheck({
  id: SENDS_ONBOARDING,
  title: 'The client onboards: it sends POST onboarding to the WFM',
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  clause: {
    source: ONBOARDING,
    section: 'Onboarding Sequence',
    quote: "The device's management client uses the Onboarding API to onboard … by providing its X.509 certificate",
  },
  profiles: PROFILES,
  async run(ctx) {
    const rec = recordingOf(ctx, 'happy-path');
    const onboardings = onRoutes(rec, 'onboarding');
    const first = onboardings[0];
    if (first !== undefined) {
      return passed(`the client sent ${onboardings.length} onboarding request(s)`, [exchangeEvidence(first, 'first onboarding request')]);
    }
    const seen: Evidence[] = [
      ...exchangesOf(rec).slice(0, 3).map((x) => exchangeEvidence(x)),
      ...tlsEventsOf(rec).filter((e) => e.kind === 'handshake-failed').slice(0, 3).map((e) => tlsEvidence(e)),
      clientNote(rec),
    ];
    return violated(
      'MUST',
      `the client did not onboard: no onboarding request reached the mock WFM (the client ${clientEnding(rec)})`,
      'POST onboarding with an OnboardingRequest',
      `${exchangesOf(rec).length} request(s), ${tlsEventsOf(rec).length} TLS handshake(s), no onboarding`,
      seen,
    );
  },
});

export const onboardingRequestSchemaValid = defineClientCheck({
  id: 'client.onboarding.request-schema-valid',
  title: 'The OnboardingRequest body follows its schema',
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  requires: [SENDS_ONBOARDING],
  clause: { source: ONBOARDING, section: 'Request Body Attributes', quote: 'kind: Must be OnboardingRequest. certificate: Base64-encoded X.509 certificate of the client.' },
  profiles: PROFILES,
  async run(ctx) {
    const rec = recordingOf(ctx, 'happy-path');
    const schema = ctx.profile.routes.onboarding?.requestSchema ?? `${ctx.profile.id}/onboarding-request`;
    // Every scenario's onboarding requests: a retried or refused client's request must be as valid as the first.
    const requests = everyExchangeOn(ctx, 'onboarding');
    const bad = requests.flatMap((i) => {
      const result = validateJsonBody(ctx.schemas, schema, i.x.request.body ?? '');
      return result.ok ? [] : [{ ...i, errors: result.errors }];
    });
    const first = requests[0];
    if (first === undefined) return notReached(rec, 'the client sent no onboarding request');
    if (bad.length === 0) return passed(`all ${requests.length} OnboardingRequest(s) of every scenario validate against ${schema}`, [scenarioExchangeEvidence(first)]);
    const evidence = bad.slice(0, 2).flatMap((i): Evidence[] => [
      scenarioExchangeEvidence(i),
      { kind: 'schema-errors', label: `${refOf(i)} OnboardingRequest`, schema, errors: i.errors },
    ]);
    return violated('MUST', `${bad.length} OnboardingRequest body(ies) break ${schema}`, `a body valid against ${schema}`, bad[0]?.errors.map((e) => e.message).join('; ') ?? '', evidence);
  },
});

/** Encodings the profile accepts for the certificate field (`certificate.encoding`; `auto` accepts both). */
function acceptedEncodings(ctx: ClientCheckContext): CertificateEncoding[] {
  const configured = ctx.config.certificate.encoding;
  return configured === 'auto' ? ['base64-der', 'base64-pem'] : [configured];
}

export const certificateValidX509 = defineClientCheck({
  id: 'client.onboarding.certificate-valid-x509',
  title: "The OnboardingRequest certificate is a valid X.509 certificate (RFC 5280) in the profile's encoding",
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  requires: [SENDS_ONBOARDING],
  faults: ['bad-certificate-encoding', 'certificate-as-base64-pem'],
  clause: {
    source: 'margo:api-requirements-and-security',
    section: 'Certificates',
    quote: 'client certificates MUST conform to RFC 5280',
  },
  related: [{ source: 'rfc5280', section: '4.1' }, { source: ONBOARDING, section: 'Request Body Attributes (certificate: Base64-encoded X.509)' }],
  profiles: PROFILES,
  async run(ctx) {
    const rec = recordingOf(ctx, 'happy-path');
    const accept = acceptedEncodings(ctx);
    const problems: { x: RecordedExchange; problem: string }[] = [];
    const evidence: Evidence[] = [];
    for (const x of onRoutes(rec, 'onboarding')) {
      const field = stringMember(jsonOf(x.request.body), 'certificate');
      if (field === undefined) {
        problems.push({ x, problem: 'no certificate string in the body' });
        continue;
      }
      try {
        const { x509 } = decodeCertificateField(field, accept);
        const { notBeforeSeconds, notAfterSeconds } = validityOf(x509);
        const at = Math.floor(arrivedMs(x) / 1000);
        if (at < notBeforeSeconds || at > notAfterSeconds) problems.push({ x, problem: `not valid at ${x.at} (${x509.validFrom} – ${x509.validTo})` });
        if (evidence.length < 2) evidence.push(describeCertificate(x509, `#${x.id} onboarding certificate`));
      } catch (err) {
        if (!isConformanceError(err, 'CERT_ENCODING_INVALID', 'CERT_PARSE_FAILED')) throw err;
        problems.push({ x, problem: `${err.code}: ${err.message}` });
      }
    }
    if (problems.length === 0) return passed(`every onboarding certificate decodes as ${accept.join(' or ')} and parses as a currently valid X.509 certificate`, evidence);
    return violated(
      'MUST',
      `${problems.length} onboarding certificate field(s) are not a valid X.509 certificate in ${accept.join(' or ')}`,
      `certificate = ${accept.join(' or ')} of one valid X.509 certificate`,
      problems.map((p) => `#${p.x.id}: ${p.problem}`).join('; '),
      [...problems.slice(0, 2).map((p) => exchangeEvidence(p.x)), ...evidence],
    );
  },
});

export const usesAssignedClientId = defineClientCheck({
  id: 'client.onboarding.uses-assigned-client-id',
  title: 'After onboarding the client addresses the WFM with the clientId it was assigned',
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  requires: [SENDS_ONBOARDING],
  faults: ['ignore-client-id'],
  clause: {
    source: ONBOARDING,
    section: 'Onboarding Sequence',
    quote: "The device's management client receives its unique client Id assigned via the Workload Fleet Manager",
  },
  profiles: PROFILES,
  async run(ctx) {
    const rec = recordingOf(ctx, 'happy-path');
    const accepted = acceptedOnboardings(rec, ctx.profile);
    const first = accepted[0];
    if (first === undefined) return notReached(rec, 'the mock never accepted an onboarding, so no clientId was assigned');
    const assigned = new Set(accepted.map((a) => a.clientId));
    const routes = clientRoutes(ctx.profile);
    const later = exchangesOf(rec).filter((x) => x.id > first.exchange.id && x.route !== undefined && routes.includes(x.route));
    if (later.length === 0) return notReached(rec, 'the client sent no request addressed to a client after onboarding', [exchangeEvidence(first.exchange)]);
    const wrong = later.filter((x) => !assigned.has(x.params?.['clientId'] ?? ''));
    const evidence = [exchangeEvidence(first.exchange, 'onboarding that assigned the clientId'), ...wrong.slice(0, 3).map((x) => exchangeEvidence(x))];
    if (wrong.length === 0) return passed(`all ${later.length} later request(s) use the assigned clientId`, evidence);
    return violated(
      'MUST',
      `${wrong.length} request(s) address a clientId the WFM never assigned`,
      `clientId ${[...assigned].join(' or ')}`,
      wrong.slice(0, 3).map((x) => `#${x.id} ${x.params?.['clientId'] ?? '(none)'}`).join('; '),
      evidence,
    );
  },
});

/**
 * A refused client (onboarding answered `status`) must send nothing that needs a clientId afterwards.
 * Decision point: the mock answered an onboarding with `status`; without it the verdict is `inconclusive`.
 */
function judgeStopsAfterRefusal(ctx: ClientCheckContext, scenario: ClientScenarioId, status: 400 | 403): Verdict {
  const rec = recordingOf(ctx, scenario);
  const refusal = onRoutes(rec, 'onboarding').find((x) => x.response.status === status);
  if (refusal === undefined) {
    const answers = onRoutes(rec, 'onboarding').map((x) => x.response.status);
    return notReached(rec, `the mock never answered an onboarding with ${status} (onboarding answers: ${answers.join(', ') || 'none'})`);
  }
  const routes = clientRoutes(ctx.profile);
  const after = exchangesOf(rec).filter((x) => x.id > refusal.id && x.route !== undefined && routes.includes(x.route));
  const evidence = [exchangeEvidence(refusal, `onboarding refused with ${status}`), ...after.slice(0, 3).map((x) => exchangeEvidence(x))];
  if (after.length === 0) return passed(`after the ${status} the client sent no capabilities, desired-state or status request`, evidence);
  return violated(
    'MUST',
    `after the ${status} the client went on with ${after.length} request(s) that need an onboarded clientId`,
    'no capabilities, desired-state or status request after a refused onboarding',
    after.slice(0, 3).map(describeExchange).join('; '),
    evidence,
  );
}

/** Most onboarding attempts that fall within any 60-second window. */
export function maxAttemptsPerMinute(attempts: readonly RecordedExchange[]): number {
  const times = attempts.map(arrivedMs).sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while ((times[end] as number) - (times[start] as number) >= 60_000) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/** How fast a refused client retried: the measured or projected attempts per minute, and how it was measured. */
export interface RetryRate {
  /** Attempts per minute compared with `client.maxOnboardingAttemptsPerMinute`. */
  readonly perMinute: number;
  /** Most attempts within any 60 s window that was observed. */
  readonly inAnyMinute: number;
  /** Seconds from the first attempt to the end of the observation. */
  readonly watchedSeconds: number;
  /** True when the rate is projected from a window shorter than a minute (the client was still running). */
  readonly projected: boolean;
}

/**
 * The onboarding retry rate of a refused client. A client that stopped by itself made all the attempts it will
 * make: the rate is the most attempts within any 60 s window. A client still running when the scenario ended
 * (timeout, operator, interrupt) was watched for less than a minute, so its retries (attempts after the first)
 * are scaled to a minute: retries / watched seconds × 60; the larger of the two is judged.
 * @param endMs Unix ms at which the observation ended
 */
export function retryRateOf(attempts: readonly RecordedExchange[], stillRunning: boolean, endMs: number): RetryRate {
  const inAnyMinute = maxAttemptsPerMinute(attempts);
  const first = Math.min(...attempts.map(arrivedMs));
  const watchedMs = Math.max(1_000, endMs - first);
  const watchedSeconds = Math.round(watchedMs / 100) / 10;
  if (!stillRunning || watchedMs >= 60_000 || attempts.length === 0) return { perMinute: inAnyMinute, inAnyMinute, watchedSeconds, projected: false };
  const scaled = Math.round((((attempts.length - 1) / watchedMs) * 60_000) * 10) / 10;
  return { perMinute: Math.max(inAnyMinute, scaled), inAnyMinute, watchedSeconds, projected: scaled > inAnyMinute };
}

/**
 * Onboarding attempts per minute must not exceed `client.maxOnboardingAttemptsPerMinute` (measured, or projected
 * from the watched window: {@link retryRateOf}). Decision point: the mock refused an onboarding with `status`.
 */
function judgeRetryRate(ctx: ClientCheckContext, scenario: ClientScenarioId, status: 400 | 403): Verdict {
  const rec = recordingOf(ctx, scenario);
  const attempts = onRoutes(rec, 'onboarding');
  const refusal = attempts.find((x) => x.response.status === status);
  if (refusal === undefined) return notReached(rec, `the mock never answered an onboarding with ${status}`);
  const limit = ctx.config.client.maxOnboardingAttemptsPerMinute;
  const c = rec.client;
  const stillRunning = c.timedOut || c.interrupted === true || c.mode === 'manual';
  const endMs = c.stopRequestedAtMs ?? (c.startedAtMs === undefined ? Math.max(...attempts.map(arrivedMs)) : c.startedAtMs + c.durationMs);
  const rate = retryRateOf(attempts, stillRunning, endMs);
  const how = rate.projected
    ? `${attempts.length} attempts in ${rate.watchedSeconds} s while the client was still running: ${rate.perMinute} per minute projected (${attempts.length - 1} retries / ${rate.watchedSeconds} s × 60)`
    : `${attempts.length} attempt(s); at most ${rate.inAnyMinute} within a minute`;
  const evidence = [exchangeEvidence(refusal, `onboarding refused with ${status}`), ...attempts.slice(-2).filter((x) => x !== refusal).map((x) => exchangeEvidence(x))];
  if (rate.perMinute <= limit) return passed(`${how} (limit ${limit})`, evidence);
  return violated(
    'SHOULD',
    `the client retried the refused onboarding in a tight loop: ${how}`,
    `at most ${limit} onboarding attempts per minute (client.maxOnboardingAttemptsPerMinute)`,
    how,
    evidence,
  );
}

const REFUSAL_CLAUSE = {
  source: ONBOARDING,
  section: 'Response Codes',
  quote: '403 Forbidden: Client certificate is not trusted or client rejected.',
} as const;
const INVALID_CLAUSE = {
  source: ONBOARDING,
  section: 'Response Codes',
  quote: '400 Invalid Certificate: Invalid certificate format or structure.',
} as const;
const RETRY_NOTE = {
  source: 'margo:api-requirements-and-security',
  section: 'Error responses (MIAF era: clients apply the backoff the WFM signals; spec-digest §5.7 #68)',
} as const;

export const stopsAfterRejection = defineClientCheck({
  id: 'client.onboarding.stops-after-rejection',
  title: 'A client whose onboarding is rejected (403) sends no capabilities, desired-state or status request',
  role: 'client',
  level: 'MUST',
  scenario: 'onboarding-rejected',
  negative: true,
  faults: ['continue-after-403'],
  clause: REFUSAL_CLAUSE,
  related: [{ source: ONBOARDING, section: 'Onboarding Sequence (secure API usage begins only after 201 Created {clientId})' }],
  profiles: PROFILES,
  async run(ctx) {
    return judgeStopsAfterRefusal(ctx, 'onboarding-rejected', 403);
  },
});

export const noRetryLoopAfterRejection = defineClientCheck({
  id: 'client.onboarding.no-retry-loop-after-rejection',
  title: 'A rejected client (403) does not retry onboarding in a tight loop',
  role: 'client',
  level: 'SHOULD',
  scenario: 'onboarding-rejected',
  negative: true,
  faults: ['retry-tight-loop'],
  clause: {
    ...REFUSAL_CLAUSE,
    quote: '403 Forbidden: Client certificate is not trusted or client rejected. (the spec sets no retry rate; the limit is client.maxOnboardingAttemptsPerMinute)',
  },
  related: [RETRY_NOTE],
  profiles: PROFILES,
  async run(ctx) {
    return judgeRetryRate(ctx, 'onboarding-rejected', 403);
  },
});

export const stopsAfterInvalidCertificate = defineClientCheck({
  id: 'client.onboarding.stops-after-invalid-certificate',
  title: 'A client whose certificate is refused (400) sends no capabilities, desired-state or status request',
  role: 'client',
  level: 'MUST',
  scenario: 'invalid-certificate-response',
  negative: true,
  faults: ['continue-after-400'],
  clause: INVALID_CLAUSE,
  related: [{ source: ONBOARDING, section: 'Onboarding Sequence (secure API usage begins only after 201 Created {clientId})' }],
  profiles: PROFILES,
  async run(ctx) {
    return judgeStopsAfterRefusal(ctx, 'invalid-certificate-response', 400);
  },
});

export const noRetryLoopAfterInvalidCertificate = defineClientCheck({
  id: 'client.onboarding.no-retry-loop-after-invalid-certificate',
  title: 'A client whose certificate is refused (400) does not retry onboarding in a tight loop',
  role: 'client',
  level: 'SHOULD',
  scenario: 'invalid-certificate-response',
  negative: true,
  faults: ['retry-tight-loop'],
  clause: {
    ...INVALID_CLAUSE,
    quote: '400 Invalid Certificate: Invalid certificate format or structure. (the spec sets no retry rate; the limit is client.maxOnboardingAttemptsPerMinute)',
  },
  related: [RETRY_NOTE],
  profiles: PROFILES,
  async run(ctx) {
    return judgeRetryRate(ctx, 'invalid-certificate-response', 400);
  },
});

/** The onboarding checks, in catalogue order. */
export const onboardingChecks = [
  sendsOnboardingRequest,
  onboardingRequestSchemaValid,
  certificateValidX509,
  usesAssignedClientId,
  stopsAfterRejection,
  noRetryLoopAfterRejection,
  stopsAfterInvalidCertificate,
  noRetryLoopAfterInvalidCertificate,
] as const;
