/**
 * @module Classifying socket-level failures: a TLS verification or handshake failure (exit 3, TLS_SETUP_FAILED,
 * evidence carries the OpenSSL code) versus an unreachable target (refused, reset, DNS, timeout).
 *
 * Node reports certificate verification failures with the OpenSSL X509_V_ERR name minus its prefix
 * (`CERT_HAS_EXPIRED`), host mismatches as `ERR_TLS_CERT_ALTNAME_INVALID`, and handshake alerts as `ERR_SSL_*`.
 */
import { ConformanceError } from '../errors.js';

/** OpenSSL certificate verification codes as Node spells them (X509_V_ERR_* without the prefix). */
const OPENSSL_VERIFY_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
]);

/** Where a transport failure happened. */
export type TransportFailureKind = 'tls' | 'unreachable' | 'other';

/** A classified transport failure: its kind and the most specific error code found on the error or its causes. */
export interface TransportFailure {
  readonly kind: TransportFailureKind;
  readonly code: string | undefined;
  readonly message: string;
}

/** True when `code` names a TLS verification or handshake failure. */
export function isTlsErrorCode(code: string): boolean {
  return OPENSSL_VERIFY_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_');
}

const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

function codesOf(err: unknown): { code: string; message: string }[] {
  const found: { code: string; message: string }[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') found.push({ code, message: current.message });
    current = current.cause;
  }
  return found;
}

/**
 * Classifies `err` (and up to four levels of `cause`): a TLS code wins over a network code, because undici may wrap a
 * handshake failure in a socket error. Returns kind `other` when no known code is found.
 */
export function classifyTransportError(err: unknown): TransportFailure {
  const codes = codesOf(err);
  const tls = codes.find((c) => isTlsErrorCode(c.code));
  if (tls !== undefined) return { kind: 'tls', code: tls.code, message: tls.message };
  const net = codes.find((c) => UNREACHABLE_CODES.has(c.code));
  if (net !== undefined) return { kind: 'unreachable', code: net.code, message: net.message };
  const first = codes[0];
  return { kind: 'other', code: first?.code, message: err instanceof Error ? err.message : String(err) };
}

/**
 * Turns a classified failure into the ConformanceError callers see: TLS_SETUP_FAILED with `details.tlsCode`,
 * TARGET_UNREACHABLE with `details.code`, or INTERNAL for anything else. `target` names what was dialled.
 */
export function toTransportError(err: unknown, target: string): ConformanceError {
  const failure = classifyTransportError(err);
  if (failure.kind === 'tls') {
    return new ConformanceError('TLS_SETUP_FAILED', `TLS setup with ${target} failed: ${failure.code}`, {
      cause: err,
      details: { tlsCode: failure.code, message: failure.message, target },
    });
  }
  if (failure.kind === 'unreachable') {
    return new ConformanceError('TARGET_UNREACHABLE', `${target} is unreachable: ${failure.code}`, {
      cause: err,
      details: { code: failure.code, message: failure.message, target },
    });
  }
  return new ConformanceError('INTERNAL', `request to ${target} failed: ${failure.message}`, {
    cause: err,
    details: { code: failure.code, target },
  });
}
