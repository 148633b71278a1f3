import { describe, expect, it } from 'vitest';
import type { RecordedExchange } from '../../core/traffic.js';
import { ifNoneMatchLists } from './desired-state.js';
import { maxAttemptsPerMinute } from './onboarding.js';

const at = (iso: string) => ({ at: iso }) as RecordedExchange;

describe('maxAttemptsPerMinute', () => {
  it('counts the most attempts inside any 60-second window', () => {
    const attempts = ['00:00:00', '00:00:10', '00:00:59', '00:01:00', '00:01:30', '00:03:00'].map((t) => at(`2026-01-01T${t}.000Z`));
    expect(maxAttemptsPerMinute(attempts)).toBe(3);
    expect(maxAttemptsPerMinute([])).toBe(0);
  });
});

describe('ifNoneMatchLists', () => {
  it('matches the ETag in a list, weakly, or as *', () => {
    const etag = '"sha256:abc"';
    expect(ifNoneMatchLists('"sha256:abc"', etag)).toBe(true);
    expect(ifNoneMatchLists('"x", W/"sha256:abc"', etag)).toBe(true);
    expect(ifNoneMatchLists('*', etag)).toBe(true);
    expect(ifNoneMatchLists('"sha256:abd"', etag)).toBe(false);
    expect(ifNoneMatchLists(undefined, etag)).toBe(false);
  });
});
