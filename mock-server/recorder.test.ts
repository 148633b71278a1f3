import { describe, expect, test } from 'vitest';
import type { ExchangeFields } from './recorder.js';
import { alertFromTlsError, createRecorder } from './recorder.js';

const fields = (n: number): ExchangeFields => ({
  at: new Date(n * 1000).toISOString(),
  connectionId: 1,
  request: { method: 'GET', url: `/r/${n}`, targetUri: `https://wfm.example/r/${n}`, headers: {}, bodyBase64: '', bodyBytes: 0, bodyIsUtf8: true },
  response: { status: 200, headers: {}, bodyBase64: '', bodyBytes: 0 },
  verdict: 'ok',
  tls: {},
  durationMs: 1,
});

describe('createRecorder', () => {
  test('keeps every entry in arrival order below the limit', () => {
    const recorder = createRecorder(10);
    for (let i = 1; i <= 10; i += 1) recorder.addExchange(fields(i));
    expect(recorder.entries().map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(recorder.dropped()).toBe(0);
  });

  test('beyond the limit readers see the newest `limit` entries and the count of dropped ones', () => {
    const recorder = createRecorder(100);
    for (let i = 1; i <= 1000; i += 1) {
      recorder.addExchange(fields(i));
      if (i % 97 === 0) {
        expect(recorder.entries()).toHaveLength(Math.min(i, 100));
        expect(recorder.dropped()).toBe(Math.max(0, i - 100));
      }
    }
    const ids = recorder.entries().map((e) => e.id);
    expect(ids).toHaveLength(100);
    expect(ids[0]).toBe(901);
    expect(ids.at(-1)).toBe(1000);
    expect(recorder.dropped()).toBe(900);
  });

  test('TLS events share the id sequence with exchanges', () => {
    const recorder = createRecorder(5);
    recorder.addExchange(fields(1));
    const tls = recorder.addTlsEvent({ connectionId: 2, kind: 'handshake-ok', remote: '127.0.0.1:1', servedCertificate: 'genuine', afterCaDownload: false }, 0);
    expect(tls).toMatchObject({ type: 'tls', id: 2, at: '1970-01-01T00:00:00.000Z' });
  });
});

describe('alertFromTlsError', () => {
  test('names the alert from the OpenSSL code', () => {
    expect(alertFromTlsError('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', '')).toBe('unknown ca');
    expect(alertFromTlsError(undefined, 'ssl3_read_bytes:sslv3 alert bad certificate')).toBe('bad certificate');
    expect(alertFromTlsError('ECONNRESET', 'socket hang up')).toBeUndefined();
  });
});
