/**
 * @module Retry planning for server errors: which statuses are retried, exponential backoff, and Retry-After.
 * Pure functions; the caller sleeps.
 *
 * The RFC 9421-era pages say nothing about retries; the MIAF-era text (spec-digest §2.8 item 4, §5.7 #68) says 429
 * and 503 carry Retry-After, 500 should, and a client MUST NOT retry earlier than Retry-After. The simulator applies
 * that rule in every profile because it is also what RFC 9110 §10.2.3 asks of any client.
 * @see RFC 9110 §10.2.3 (Retry-After)
 */
import type { RetryPolicy } from './types.js';

/** Statuses the simulator retries with backoff. */
export const RETRYABLE_STATUSES: readonly number[] = [429, 500, 503];

/** Default policy: 4 attempts, 500 ms doubling, at most 30 s between attempts. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Parses a Retry-After value: delay-seconds or an HTTP-date. Returns the delay in ms (≥ 0) relative to `nowMs`,
 * or undefined when the header is absent or unparseable.
 * @see RFC 9110 §10.2.3
 */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date starts with a day name (IMF-fixdate, RFC 850 and asctime forms); Date.parse alone accepts '-1'.
  if (!/^[A-Z][a-z]{2}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Exponential backoff before attempt `attempt + 1` (attempt counts from 1): base × 2^(attempt−1), capped. In ms. */
export function backoffDelayMs(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

/** How the retry plan treats Retry-After and backoff; each deviation is a named device fault. */
export interface RetryBehaviour {
  /** Fault `ignore-retry-after`: follow the backoff only. */
  readonly ignoreRetryAfter: boolean;
  /** Fault `retry-tight-loop`: no delay at all. */
  readonly tightLoop: boolean;
}

/** The decision after one attempt: stop, or wait `delayMs` and try again. */
export type RetryDecision = { readonly retry: false; readonly reason: string } | { readonly retry: true; readonly delayMs: number };

/**
 * Decides whether to retry after attempt number `attempt` (from 1) answered `status`.
 * Steps:
 * 1. a status outside {@link RETRYABLE_STATUSES} → stop;
 * 2. `maxAttempts` reached → stop;
 * 3. delay = backoff; with a Retry-After the delay is at least Retry-After (never earlier);
 * 4. a Retry-After longer than `maxDelayMs` → stop (waiting that long is out of budget, retrying earlier is forbidden).
 */
export function planRetry(
  attempt: number,
  status: number,
  retryAfterMs: number | undefined,
  policy: RetryPolicy,
  behaviour: RetryBehaviour,
): RetryDecision {
  if (!RETRYABLE_STATUSES.includes(status)) return { retry: false, reason: `status ${status} is not retried` };
  if (attempt >= policy.maxAttempts) return { retry: false, reason: `gave up after ${attempt} attempt(s)` };
  if (behaviour.tightLoop) return { retry: true, delayMs: 0 };
  const backoff = backoffDelayMs(attempt, policy);
  if (behaviour.ignoreRetryAfter || retryAfterMs === undefined) return { retry: true, delayMs: backoff };
  if (retryAfterMs > policy.maxDelayMs) {
    return { retry: false, reason: `Retry-After ${retryAfterMs} ms exceeds maxDelayMs ${policy.maxDelayMs}` };
  }
  return { retry: true, delayMs: Math.max(backoff, retryAfterMs) };
}

/** A sleep on the real timer that rejects with the signal's reason when `signal` aborts. */
export function timerSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
