import { describe, expect, it } from 'vitest';
import { createRateTracker, formatLoadProgress } from './progress.js';

const at = (elapsedMs: number, requests: number, onboarded = 10): Parameters<typeof formatLoadProgress>[0] => ({ onboarded, requests, errors: 1, planned: 10, elapsedMs });

describe('load progress line', () => {
  it('shows devices onboarded, requests/s and errors; a bar only on a TTY', () => {
    expect(formatLoadProgress(at(2500, 400, 4), 160, 10_000, false)).toBe('load: onboarded 4/10 · 160 req/s · 400 requests · 1 errors · 2.5s');
    expect(formatLoadProgress(at(2500, 400, 4), 160, 10_000, true)).toMatch(/^\[#{10}-{14}\] onboarded 4\/10/);
    // Once every device is onboarded the bar follows the steady duration.
    expect(formatLoadProgress(at(5000, 900), 200, 10_000, true)).toMatch(/^\[#{12}-{12}\]/);
  });

  it('computes requests/s between snapshots at least 200 ms apart', () => {
    const t = createRateTracker();
    expect(t.update(at(1000, 100))).toBe(100);
    expect(t.update(at(1100, 150))).toBe(100);
    expect(t.update(at(2000, 300))).toBe(200);
  });
});
