/**
 * @module Why a TLS handshake with the mock WFM failed, from the mock's record (error code, the client's alert) and
 * the harness relay's view of the same connection (who closed it, and whether the server's certificate had reached
 * the client). Only two outcomes show that the client judged the server certificate: a certificate-related alert,
 * or a close by the client after the certificate arrived and before the harness stopped it. Everything else (plain
 * HTTP on the HTTPS port, bytes that are not TLS, a version mismatch, a close before the certificate, a client killed
 * at the timeout) is no evidence of certificate verification.
 * @see RFC 8446 §6.2 (alerts), §4.4.2; spec seed page "Onboarding Sequence" (client verifies the server chain)
 */
import type { RecordedTlsEvent } from '../../core/traffic.js';
import type { ObservedConnection, ScenarioRecording } from './context.js';

/** How a failed handshake ended, as far as the recording tells. */
export type HandshakeFailureKind =
  | 'certificate-alert'
  | 'closed-after-certificate'
  | 'plain-http'
  | 'not-tls'
  | 'version'
  | 'other-alert'
  | 'closed-before-certificate'
  | 'stopped-by-harness'
  | 'server-closed'
  | 'unknown';

/** A classified handshake failure with a short explanation for messages and evidence. */
export interface HandshakeFailure {
  readonly kind: HandshakeFailureKind;
  readonly detail: string;
}

/** TLS alerts a client sends when it does not accept the server certificate (RFC 8446 §6.2, RFC 5246 §7.2.2). */
const CERTIFICATE_ALERTS = new Set([
  'bad certificate',
  'unsupported certificate',
  'certificate revoked',
  'certificate expired',
  'certificate unknown',
  'unknown ca',
  'bad certificate status response',
  'bad certificate hash value',
]);

/** Server-side OpenSSL codes for a client whose offered TLS versions the server does not accept. */
const VERSION_CODES = /UNSUPPORTED_PROTOCOL|VERSION_TOO_LOW|NO_PROTOCOLS_AVAILABLE|ALERT_PROTOCOL_VERSION/;

/** The relay's record of the connection of `event`, matched by the peer address the mock saw. */
export function connectionOf(rec: ScenarioRecording, event: RecordedTlsEvent): ObservedConnection | undefined {
  return rec.connections?.find((c) => c.upstream === event.remote);
}

/**
 * Classifies a failed handshake (see the module comment). The client's own alert decides first, then the mock's
 * error code, then the relay's view of the connection.
 */
export function classifyHandshakeFailure(rec: ScenarioRecording, event: RecordedTlsEvent): HandshakeFailure {
  const alert = event.alert;
  if (alert !== undefined) {
    if (CERTIFICATE_ALERTS.has(alert)) return { kind: 'certificate-alert', detail: `the client sent the TLS alert "${alert}"` };
    if (alert === 'protocol version') return { kind: 'version', detail: 'the client refused the TLS version (alert "protocol version")' };
    return { kind: 'other-alert', detail: `the client sent the TLS alert "${alert}", which is not about the certificate` };
  }
  const code = event.errorCode ?? '';
  if (code === 'ERR_SSL_HTTP_REQUEST') return { kind: 'plain-http', detail: 'the client sent plain HTTP to the HTTPS port (ERR_SSL_HTTP_REQUEST)' };
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER') return { kind: 'not-tls', detail: 'the client sent bytes that are not a TLS record (ERR_SSL_WRONG_VERSION_NUMBER)' };
  if (VERSION_CODES.test(code)) return { kind: 'version', detail: `the client offered no TLS version the server accepts (${code})` };
  return classifyByConnection(rec, connectionOf(rec, event), code);
}

function classifyByConnection(rec: ScenarioRecording, conn: ObservedConnection | undefined, code: string): HandshakeFailure {
  const error = code === '' ? 'no error code' : code;
  if (conn === undefined) return { kind: 'unknown', detail: `the handshake failed (${error}) and the relay saw no such connection` };
  if (conn.clientStart === 'http') return { kind: 'plain-http', detail: 'the client sent plain HTTP to the HTTPS port' };
  if (conn.clientStart === 'other') return { kind: 'not-tls', detail: 'the client sent bytes that are not a TLS record' };
  if (conn.clientStart === 'none') return { kind: 'closed-before-certificate', detail: 'the client opened a TCP connection and closed it without sending anything' };
  const stop = rec.client.stopRequestedAtMs;
  if (conn.closedAtMs === undefined || (stop !== undefined && conn.closedAtMs >= stop)) {
    return { kind: 'stopped-by-harness', detail: 'the connection was still open when the harness stopped the client' };
  }
  if (conn.closedBy === 'server') return { kind: 'server-closed', detail: `the server ended the connection (${error})` };
  if (conn.certificateSentAtMs === undefined) {
    return { kind: 'closed-before-certificate', detail: `the client closed the connection before the server had sent its certificate (${error})` };
  }
  const after = conn.closedAtMs - conn.certificateSentAtMs;
  return { kind: 'closed-after-certificate', detail: `the client closed the connection ${after} ms after receiving the server certificate, without completing the handshake (${error})` };
}

/** True when the failure shows that the client refused the server certificate. */
export function isCertificateRefusal(failure: HandshakeFailure): boolean {
  return failure.kind === 'certificate-alert' || failure.kind === 'closed-after-certificate';
}
