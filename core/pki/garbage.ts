/**
 * @module Malformed values for the OnboardingRequest `certificate` field, each with the decode error a strict
 * reader ({@link decodeCertificateField} accepting `base64-der`) raises.
 *
 * @see spec-digest §2.1, §5.3 item 23 (`400` for an invalid certificate format or structure)
 */
import { X509Certificate } from 'node:crypto';
import type { ErrorCode } from '../errors.js';
import { derToPem } from './pem.js';

/** Names of the malformed `certificate` field values. */
export type GarbageName = 'not-x509' | 'truncated-der' | 'invalid-base64' | 'pem-text' | 'empty';

/** Every {@link GarbageName}, in a stable order. */
export const GARBAGE_NAMES: readonly GarbageName[] = [
  'not-x509',
  'truncated-der',
  'invalid-base64',
  'pem-text',
  'empty',
];

/** What is wrong with a malformed value and the decode error it causes. */
export interface GarbageFacts {
  readonly defect: string;
  readonly expectedDecodeError: ErrorCode;
}

/** What is wrong with each value and which code `decodeCertificateField(value, ['base64-der'])` throws. */
export const GARBAGE_FACTS: Readonly<Record<GarbageName, GarbageFacts>> = {
  'not-x509': {
    defect: 'base64 of a DER SubjectPublicKeyInfo: valid ASN.1, but not an X.509 certificate',
    expectedDecodeError: 'CERT_PARSE_FAILED',
  },
  'truncated-der': {
    defect: 'base64 of the first half of a valid certificate DER',
    expectedDecodeError: 'CERT_PARSE_FAILED',
  },
  'invalid-base64': {
    defect: 'base64 of a valid certificate with characters outside the base64 alphabet inserted',
    expectedDecodeError: 'CERT_ENCODING_INVALID',
  },
  'pem-text': {
    defect: 'PEM text (armour and line breaks) instead of base64(DER)',
    expectedDecodeError: 'CERT_ENCODING_INVALID',
  },
  empty: { defect: 'empty string', expectedDecodeError: 'CERT_ENCODING_INVALID' },
};

/**
 * Builds every malformed value from one valid certificate `der` (usually a client leaf).
 * Returns a record keyed by {@link GarbageName}.
 */
export function makeGarbagePayloads(der: Uint8Array): Record<GarbageName, string> {
  const base64 = Buffer.from(der).toString('base64');
  const spki = new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
  return {
    'not-x509': spki.toString('base64'),
    'truncated-der': Buffer.from(der.subarray(0, Math.floor(der.length / 2))).toString('base64'),
    // Four characters keep the length a multiple of 4, so only the alphabet is wrong.
    'invalid-base64': `${base64.slice(0, 16)}*%$!${base64.slice(16)}`,
    'pem-text': derToPem(der),
    empty: '',
  };
}
