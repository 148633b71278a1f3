import { describe, expect, it } from 'vitest';
import type { RecordedExchange, RecordedTlsEvent } from '../../core/traffic.js';
import type { ClientProcessOutcome, ObservedConnection, ScenarioRecording } from './context.js';
import { ifNoneMatchLists } from './desired-state.js';
import { classifyHandshakeFailure, isCertificateRefusal } from './handshake-facts.js';
import { maxAttemptsPerMinute, retryRateOf } from './onboarding.js';
import { clientNote, clientOutput } from './recorded.js';
import { clientScenarios } from './scenarios.js';
import { getProfile } from '../../core/profiles/index.js';

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

describe('retryRateOf', () => {
  const every = (ms: number, n: number) => Array.from({ length: n }, (_, i) => at(new Date(Date.UTC(2026, 0, 1) + i * ms).toISOString()));
  const start = Date.UTC(2026, 0, 1);

  it('scales the retries of a client still running at the end of a short window to a minute', () => {
    // Re-onboarding every 0.3 s for 10 s: ~200 per minute, whatever the limit.
    const tight = retryRateOf(every(300, 33), true, start + 10_000);
    expect(tight.projected).toBe(true);
    expect(tight.perMinute).toBeGreaterThan(150);
    // Every 2 s: 5 attempts in 10 s stay under 6 in the window, but are 24 per minute projected.
    const slow = retryRateOf(every(2_000, 5), true, start + 10_000);
    expect(slow.inAnyMinute).toBe(5);
    expect(slow.perMinute).toBe(24);
  });

  it('counts the attempts of a client that stopped by itself, and a single attempt is never a loop', () => {
    expect(retryRateOf(every(2_000, 5), false, start + 10_000)).toMatchObject({ perMinute: 5, projected: false });
    expect(retryRateOf(every(1_000, 1), true, start + 10_000).perMinute).toBe(1);
  });
});

describe('clientOutput', () => {
  it('shortens Signature byte sequences and removes private keys, also one cut at the start of the tail', () => {
    const sig = 'K2qGT5srn2OGbOIDzQ6kYT+ruaycnDAAUpKv+ePFfD0=';
    const out = clientOutput(`signing\nSignature: sig1=:${sig}:\n`);
    expect(out).toContain('sig1=:K2qGT5sr…:');
    expect(out).not.toContain(sig);
    const cut = clientOutput('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\nstarted');
    expect(cut).not.toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC');
    expect(cut).toContain('started');
  });
});

const profile = getProfile('rfc9421-v1');
const imposter = clientScenarios(profile).find((s) => s.id === 'tls-imposter');

function recordingWith(connections: ObservedConnection[], client: Partial<ClientProcessOutcome> = {}): ScenarioRecording {
  if (imposter === undefined) throw new Error('tls-imposter scenario missing');
  const outcome: ClientProcessOutcome = { mode: 'command', exitCode: 1, timedOut: false, stdout: '', stderr: '', durationMs: 1000, startedAtMs: 1_000, ...client };
  return { scenario: imposter, wfmUrl: 'https://127.0.0.1:1', entries: [], client: outcome, connections };
}

const failedEvent = (extra: Partial<RecordedTlsEvent> = {}): RecordedTlsEvent => ({
  type: 'tls',
  id: 3,
  at: '2026-01-01T00:00:00.000Z',
  connectionId: 2,
  kind: 'handshake-failed',
  remote: '127.0.0.1:5000',
  errorCode: 'ECONNRESET',
  servedCertificate: 'imposter',
  afterCaDownload: true,
  ...extra,
});
const conn = (extra: Partial<ObservedConnection> = {}): ObservedConnection => ({
  upstream: '127.0.0.1:5000',
  openedAtMs: 1_100,
  closedAtMs: 1_200,
  closedBy: 'client',
  clientStart: 'tls-handshake',
  certificateSentAtMs: 1_150,
  clientBytes: 300,
  serverBytes: 900,
  ...extra,
});

describe('classifyHandshakeFailure', () => {
  it('a certificate alert, or a close by the client after the certificate arrived, is a refusal', () => {
    expect(isCertificateRefusal(classifyHandshakeFailure(recordingWith([]), failedEvent({ alert: 'unknown ca', errorCode: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' })))).toBe(true);
    expect(classifyHandshakeFailure(recordingWith([conn()]), failedEvent()).kind).toBe('closed-after-certificate');
  });

  it('plain HTTP, non-TLS bytes, a version failure, a close before the certificate or a killed client are not', () => {
    const cases: [ScenarioRecording, RecordedTlsEvent, string][] = [
      [recordingWith([]), failedEvent({ errorCode: 'ERR_SSL_HTTP_REQUEST' }), 'plain-http'],
      [recordingWith([]), failedEvent({ errorCode: 'ERR_SSL_WRONG_VERSION_NUMBER' }), 'not-tls'],
      [recordingWith([]), failedEvent({ errorCode: 'ERR_SSL_UNSUPPORTED_PROTOCOL' }), 'version'],
      [recordingWith([conn({ clientStart: 'none', certificateSentAtMs: undefined })]), failedEvent(), 'closed-before-certificate'],
      [recordingWith([conn({ certificateSentAtMs: undefined })]), failedEvent(), 'closed-before-certificate'],
      [recordingWith([conn()], { timedOut: true, stopRequestedAtMs: 1_190 }), failedEvent(), 'stopped-by-harness'],
      [recordingWith([conn({ closedBy: 'server' })]), failedEvent(), 'server-closed'],
      [recordingWith([]), failedEvent(), 'unknown'],
    ];
    for (const [rec, event, kind] of cases) {
      const why = classifyHandshakeFailure(rec, event);
      expect(why.kind, why.detail).toBe(kind);
      expect(isCertificateRefusal(why)).toBe(false);
    }
  });

  it('the client note names leftover processes and an interrupt', () => {
    const note = clientNote(recordingWith([], { interrupted: true, stopRequestedAtMs: 1_500, leftoverPids: [4242] }));
    expect(note.kind === 'note' ? note.text : '').toMatch(/interrupted[\s\S]*4242/);
  });
});
