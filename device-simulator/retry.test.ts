import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfterMs, planRetry } from './retry.js';

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 5000 };
const normal = { ignoreRetryAfter: false, tightLoop: false };

describe('parseRetryAfterMs', () => {
  it('reads delay-seconds and HTTP-dates relative to now', () => {
    expect(parseRetryAfterMs('1', 0)).toBe(1000);
    expect(parseRetryAfterMs(' 120 ', 0)).toBe(120_000);
    const now = Date.parse('Sun, 06 Nov 1994 08:49:30 GMT');
    expect(parseRetryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', now)).toBe(7000);
    expect(parseRetryAfterMs('Sun, 06 Nov 1994 08:49:00 GMT', now)).toBe(0);
  });

  it('returns undefined for an absent or unparseable value', () => {
    expect(parseRetryAfterMs(undefined, 0)).toBeUndefined();
    expect(parseRetryAfterMs('soon', 0)).toBeUndefined();
    expect(parseRetryAfterMs('-1', 0)).toBeUndefined();
  });
});

describe('planRetry', () => {
  it('doubles the backoff from baseDelayMs and caps it at maxDelayMs', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelayMs(a, policy))).toEqual([100, 200, 400, 800]);
    expect(backoffDelayMs(20, policy)).toBe(5000);
  });

  it('retries 429, 500 and 503 only', () => {
    expect(planRetry(1, 500, undefined, policy, normal)).toEqual({ retry: true, delayMs: 100 });
    expect(planRetry(1, 404, undefined, policy, normal).retry).toBe(false);
    expect(planRetry(1, 401, undefined, policy, normal).retry).toBe(false);
  });

  it('never retries earlier than Retry-After', () => {
    expect(planRetry(1, 429, 1000, policy, normal)).toEqual({ retry: true, delayMs: 1000 });
    expect(planRetry(4 - 1, 503, 10, policy, normal)).toEqual({ retry: true, delayMs: 400 });
  });

  it('stops after maxAttempts and when Retry-After is beyond maxDelayMs', () => {
    expect(planRetry(4, 503, undefined, policy, normal).retry).toBe(false);
    expect(planRetry(1, 503, 60_000, policy, normal).retry).toBe(false);
  });

  it('ignores Retry-After with fault ignore-retry-after and waits nothing with retry-tight-loop', () => {
    expect(planRetry(1, 429, 1000, policy, { ignoreRetryAfter: true, tightLoop: false })).toEqual({ retry: true, delayMs: 100 });
    expect(planRetry(1, 429, 1000, policy, { ignoreRetryAfter: false, tightLoop: true })).toEqual({ retry: true, delayMs: 0 });
  });
});
