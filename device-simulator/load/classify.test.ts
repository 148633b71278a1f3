import { describe, expect, it } from 'vitest';
import type { Evidence } from '../../core/check.js';
import type { StepOutcome } from '../types.js';
import { classifyOutcome } from './classify.js';

function exchange(extra: { durationMs?: number; transportError?: string }): Evidence {
  return { kind: 'exchange', request: { method: 'GET', url: 'https://wfm.example/x', headers: {} }, ...extra };
}

describe('classifyOutcome', () => {
  it('uses the HTTP round trip as latency when a response came', () => {
    const o: StepOutcome = { step: 'poll-desired-state', ok: true, status: 304, exchange: exchange({ durationMs: 4.5 }) };
    expect(classifyOutcome(o, 99)).toEqual({ ok: true, status: 304, latencyMs: 4.5 });
  });

  it('counts a refused status as http and an unusable success body as protocol', () => {
    const refused: StepOutcome = { step: 'onboard', ok: false, status: 403, exchange: exchange({ durationMs: 2 }), error: { code: 'ONBOARDING_REJECTED', message: 'refused' } };
    expect(classifyOutcome(refused, 5)).toMatchObject({ ok: false, kind: 'http', status: 403 });
    const bad: StepOutcome = { step: 'poll-desired-state', ok: false, status: 200, exchange: exchange({ durationMs: 2 }), error: { code: 'MANIFEST_INVALID', message: 'x' } };
    expect(classifyOutcome(bad, 5)).toMatchObject({ kind: 'protocol', status: 200 });
  });

  it('tells TLS, timeout, reset, refused, other network failures and our own abort apart', () => {
    const failure = (code: string, transportError?: string): StepOutcome => ({
      step: 'report-status',
      ok: false,
      exchange: exchange(transportError === undefined ? {} : { transportError }),
      error: { code, message: `${code} failed` },
    });
    expect(classifyOutcome(failure('TLS_SETUP_FAILED', 'TLS_SETUP_FAILED CERT_HAS_EXPIRED: x'), 7)).toEqual({ ok: false, kind: 'tls', message: 'TLS_SETUP_FAILED failed', latencyMs: 7 });
    expect(classifyOutcome(failure('TARGET_UNREACHABLE', 'TARGET_UNREACHABLE ETIMEDOUT: x'), 7).kind).toBe('timeout');
    expect(classifyOutcome(failure('TARGET_UNREACHABLE', 'TARGET_UNREACHABLE UND_ERR_SOCKET: other side closed'), 7).kind).toBe('reset');
    expect(classifyOutcome(failure('TARGET_UNREACHABLE', 'TARGET_UNREACHABLE ECONNRESET: x'), 7).kind).toBe('reset');
    expect(classifyOutcome(failure('TARGET_UNREACHABLE', 'TARGET_UNREACHABLE ECONNREFUSED: x'), 7).kind).toBe('refused');
    expect(classifyOutcome(failure('TARGET_UNREACHABLE', 'TARGET_UNREACHABLE ENOTFOUND: x'), 7).kind).toBe('network');
    expect(classifyOutcome(failure('TIMEOUT'), 7).kind).toBe('aborted');
  });
});
