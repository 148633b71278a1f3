import { describe, expect, it } from 'vitest';
import { classifyTransportError, toTransportError } from './transport-errors.js';

function coded(code: string, message = code, cause?: unknown): Error {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });
}

describe('classifyTransportError', () => {
  it('finds a TLS code under a socket error wrapper', () => {
    const err = coded('UND_ERR_SOCKET', 'other side closed', coded('CERT_HAS_EXPIRED'));
    expect(classifyTransportError(err)).toMatchObject({ kind: 'tls', code: 'CERT_HAS_EXPIRED' });
  });

  it('classifies refused, reset and DNS failures as unreachable', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND']) {
      expect(classifyTransportError(coded(code)).kind).toBe('unreachable');
    }
  });

  it('maps to TLS_SETUP_FAILED, TARGET_UNREACHABLE and INTERNAL', () => {
    expect(toTransportError(coded('ERR_SSL_WRONG_VERSION_NUMBER'), 'https://x')).toMatchObject({
      code: 'TLS_SETUP_FAILED',
      details: { tlsCode: 'ERR_SSL_WRONG_VERSION_NUMBER' },
    });
    expect(toTransportError(coded('ECONNREFUSED'), 'https://x')).toMatchObject({ code: 'TARGET_UNREACHABLE' });
    expect(toTransportError(new TypeError('bad'), 'https://x')).toMatchObject({ code: 'INTERNAL' });
  });
});
