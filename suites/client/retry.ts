/**
 * @module Client checks on server errors: after 500 the client retries with a backoff; after 429 / 503 with
 * Retry-After it retries, and not before Retry-After has elapsed.
 *
 * Levels: the RFC 9421-era pages say nothing about retries. The MIAF era (spec-digest §2.8 item 4, §5.7 #68) makes
 * Retry-After a MUST for the client, and RFC 9110 §10.2.3 says how long the client "ought to wait". For the
 * RFC 9421 profiles that is SHOULD at most, so every check here is SHOULD and reports `warn`.
 */
import type { Verdict } from '../../core/check.js';
import type { RecordedExchange } from '../../core/traffic.js';
import { defineClientCheck } from './context.js';
import type { ClientCheckContext } from './context.js';
import { answeredMs, arrivedMs, describeExchange, exchangeEvidence, exchangesOf, isSuccess, notReached, passed, recordingOf, violated } from './recorded.js';
import { MIN_RETRY_DELAY_MS } from './scenarios.js';
import type { ClientScenarioId } from './scenarios.js';

const PROFILES = ['rfc9421-v1', 'rfc9421-rc2'] as const;
const RETRY_CLAUSE = {
  source: 'margo:api-requirements-and-security',
  section: 'Error responses (MIAF era; spec-digest §5.7 #68)',
  quote: '429 and 503 carry Retry-After, 500 should; the client MUST respect Retry-After and MUST NOT retry earlier (SHOULD in the RFC 9421 profiles)',
} as const;
/** Timers may fire a few ms early and the recorded times have ms resolution; this much early is tolerated. */
const RETRY_AFTER_TOLERANCE_MS = 50;

/** One refused attempt and the next attempt on the same route (undefined when the client never retried). */
interface RetryPair {
  readonly refused: RecordedExchange;
  readonly next?: RecordedExchange;
  /** ms between the end of the refused answer and the arrival of the next attempt. */
  readonly gapMs?: number;
}

/**
 * The refused attempts of a scenario (answered with one of `statuses` on a route the scenario faults) paired with
 * the next attempt on that route. Other errors (a 500 the mock did not plan) are not the scenario's business.
 */
function retryPairs(ctx: ClientCheckContext, scenario: ClientScenarioId, statuses: readonly number[]): { pairs: RetryPair[]; rec: ReturnType<typeof recordingOf> } {
  const rec = recordingOf(ctx, scenario);
  const all = exchangesOf(rec);
  const faulted = new Set((rec.scenario.context.serverErrors ?? []).filter((e) => statuses.includes(e.status)).map((e) => e.route));
  const pairs = all
    .filter((x) => statuses.includes(x.response.status) && x.route !== undefined && faulted.has(x.route))
    .map((refused): RetryPair => {
      const next = all.find((x) => x.id > refused.id && x.route === refused.route);
      return next === undefined ? { refused } : { refused, next, gapMs: Math.round(arrivedMs(next) - answeredMs(refused)) };
    });
  return { pairs, rec };
}

function pairEvidence(pairs: readonly RetryPair[]) {
  return pairs.slice(0, 3).flatMap((p) => [
    exchangeEvidence(p.refused, `#${p.refused.id} answered ${p.refused.response.status}`),
    ...(p.next === undefined ? [] : [exchangeEvidence(p.next, `#${p.next.id} retry after ${p.gapMs ?? '?'} ms`)]),
  ]);
}

/**
 * Retry and complete: every refused attempt was followed by another attempt on the same route, the WFM accepted a
 * later attempt on each faulted route, and the sequence went on to an accepted deployment status report.
 * A client that gave up fails (SHOULD → `warn`). A retry the WFM refused for its content (401 signature, 400 body)
 * or a sequence that stopped later is `inconclusive` here: the retry behaviour could not be seen to work, and the
 * refusal itself fails the payload-security or schema checks, which judge every scenario's requests.
 */
function judgeRetried(ctx: ClientCheckContext, scenario: ClientScenarioId, statuses: readonly number[]): Verdict {
  const { pairs, rec } = retryPairs(ctx, scenario, statuses);
  if (pairs.length === 0) return notReached(rec, `the mock never answered ${statuses.join(' or ')} (the client did not reach the failing route)`);
  const abandoned = pairs.filter((p) => p.next === undefined);
  if (abandoned.length > 0) {
    return violated(
      'SHOULD',
      `the client gave up after ${abandoned.length} transient server error(s)`,
      'the request is retried after a transient server error',
      abandoned.map((p) => describeExchange(p.refused)).join('; '),
      pairEvidence(abandoned),
    );
  }
  const all = exchangesOf(rec);
  const lastRefusal = Math.max(...pairs.map((p) => p.refused.id));
  const routes = [...new Set(pairs.map((p) => p.refused.route))];
  const accepted = routes.map((route) => all.find((x) => x.id > lastRefusalOn(pairs, route) && x.route === route && isSuccess(ctx.profile, x.route, x.response.status)));
  const unaccepted = routes.filter((_, i) => accepted[i] === undefined);
  if (unaccepted.length > 0) {
    const refusedRetries = all.filter((x) => x.route !== undefined && unaccepted.includes(x.route) && x.id > lastRefusalOn(pairs, x.route));
    return notReached(
      rec,
      `the client retried, but the WFM accepted no retry on ${unaccepted.join(', ')} (${refusedRetries.slice(0, 3).map((x) => `#${x.id} ${describeExchange(x)} ${x.verdict}`).join('; ') || 'no later attempt'}); the refusal itself is judged by the check that owns it (payload-security, schema, clientId)`,
      [...pairEvidence(pairs), ...refusedRetries.slice(0, 2).map((x) => exchangeEvidence(x, `#${x.id} refused retry`))],
    );
  }
  const completed = all.find((x) => x.id > lastRefusal && x.route === 'deploymentStatus' && isSuccess(ctx.profile, x.route, x.response.status));
  const acceptedIds = accepted.map((x) => `#${x?.id ?? '?'}`).join(', ');
  if (completed === undefined) {
    return notReached(rec, `the retried request(s) were accepted (${acceptedIds}) but the sequence did not reach an accepted deployment status report`, pairEvidence(pairs));
  }
  return passed(
    `the client retried after each of ${pairs.length} ${statuses.join('/')} answer(s); the WFM accepted the retries (${acceptedIds}) and the sequence completed (status #${completed.id})`,
    [...pairEvidence(pairs), exchangeEvidence(completed, `#${completed.id} accepted deployment status`)],
  );
}

/** Id of the last refused attempt on `route`. */
function lastRefusalOn(pairs: readonly RetryPair[], route: RecordedExchange['route']): number {
  return Math.max(...pairs.filter((p) => p.refused.route === route).map((p) => p.refused.id));
}

export const retriesAfterServerError = defineClientCheck({
  id: 'client.retry.retries-after-server-error',
  title: 'After a 500 the client retries the request, the retry is accepted and the sequence completes',
  role: 'client',
  level: 'SHOULD',
  scenario: 'server-error-500',
  clause: RETRY_CLAUSE,
  related: [{ source: 'margo:api-requirements-and-security', section: 'communication errors are tolerated during configured downtime (spec-digest §5.1 #9)' }],
  profiles: PROFILES,
  async run(ctx) {
    return judgeRetried(ctx, 'server-error-500', [500]);
  },
});

export const backsOffAfterServerError = defineClientCheck({
  id: 'client.retry.backs-off-after-server-error',
  title: 'After a 500 the client waits before retrying (no tight loop)',
  role: 'client',
  level: 'SHOULD',
  scenario: 'server-error-500',
  requires: ['client.retry.retries-after-server-error'],
  faults: ['retry-tight-loop'],
  clause: { ...RETRY_CLAUSE, quote: '500 → retryable with backoffStrategy exponential (MIAF era); the least delay is the project reading (MIN_RETRY_DELAY_MS)' },
  profiles: PROFILES,
  async run(ctx) {
    const { pairs } = retryPairs(ctx, 'server-error-500', [500]);
    const rec = recordingOf(ctx, 'server-error-500');
    const minDelay = rec.scenario.context.minRetryDelayMs ?? MIN_RETRY_DELAY_MS;
    const retried = pairs.filter((p) => p.gapMs !== undefined);
    const hasty = retried.filter((p) => (p.gapMs as number) < minDelay);
    if (hasty.length === 0) return passed(`every retry came at least ${minDelay} ms after the 500 (${retried.map((p) => `${p.gapMs} ms`).join(', ')})`, pairEvidence(retried));
    return violated(
      'SHOULD',
      `${hasty.length} retry(ies) followed a 500 without backing off`,
      `at least ${minDelay} ms before retrying after a 500`,
      hasty.map((p) => `${p.gapMs} ms after #${p.refused.id}`).join('; '),
      pairEvidence(hasty),
    );
  },
});

export const retriesWhenUnavailable = defineClientCheck({
  id: 'client.retry.retries-when-unavailable',
  title: 'After a 503 or 429 with Retry-After the client retries, the retry is accepted and the sequence completes',
  role: 'client',
  level: 'SHOULD',
  scenario: 'retry-after',
  clause: RETRY_CLAUSE,
  related: [{ source: 'rfc9110', section: '15.6.4' }, { source: 'rfc6585', section: '4' }],
  profiles: PROFILES,
  async run(ctx) {
    return judgeRetried(ctx, 'retry-after', [429, 503]);
  },
});

/** Retry-After in ms from a response header (delay-seconds or HTTP-date relative to the answer); undefined when absent. */
function retryAfterMs(x: RecordedExchange): number | undefined {
  const value = x.response.headers['retry-after']?.trim();
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - answeredMs(x));
}

export const respectsRetryAfter = defineClientCheck({
  id: 'client.retry.respects-retry-after',
  title: 'The client does not retry before Retry-After has elapsed',
  role: 'client',
  level: 'SHOULD',
  scenario: 'retry-after',
  requires: ['client.retry.retries-when-unavailable'],
  faults: ['ignore-retry-after', 'retry-tight-loop'],
  clause: RETRY_CLAUSE,
  related: [{ source: 'rfc9110', section: '10.2.3' }],
  profiles: PROFILES,
  async run(ctx) {
    const { pairs, rec } = retryPairs(ctx, 'retry-after', [429, 503]);
    const judged = pairs.flatMap((p) => {
      const wait = retryAfterMs(p.refused);
      return wait === undefined || p.gapMs === undefined ? [] : [{ ...p, wait, gapMs: p.gapMs }];
    });
    if (judged.length === 0) return notReached(rec, 'no retry followed an answer that carried Retry-After');
    const early = judged.filter((p) => p.gapMs + RETRY_AFTER_TOLERANCE_MS < p.wait);
    if (early.length === 0) return passed(`every retry waited for Retry-After (${judged.map((p) => `${p.gapMs} ms ≥ ${p.wait} ms`).join(', ')})`, pairEvidence(judged));
    return violated(
      'SHOULD',
      `${early.length} retry(ies) came before Retry-After had elapsed`,
      'the next attempt no earlier than Retry-After after the answer',
      early.map((p) => `${p.gapMs} ms after #${p.refused.id} (Retry-After ${p.wait / 1000} s)`).join('; '),
      pairEvidence(early),
    );
  },
});

/** The retry checks, in catalogue order. */
export const retryChecks = [retriesAfterServerError, backsOffAfterServerError, retriesWhenUnavailable, respectsRetryAfter] as const;
