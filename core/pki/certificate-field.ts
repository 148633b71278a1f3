/**
 * @module The `certificate` string field of the OnboardingRequest (E2) and the Certificate API response (E1):
 * encoding a DER certificate into it and decoding untrusted input out of it.
 *
 * "PEM-encoded X.509 certificate, Base64 without line breaks" has two readings (spec-digest §6.6): base64 of the DER
 * (= the PEM body without armour; the spec examples look like `MIID…`) or base64 of the whole PEM text (what the
 * sandbox WFM sends). Config key `certificate.encoding` picks `base64-der` (default), `base64-pem`, or both
 * (auto-detect).
 */
import { X509Certificate } from 'node:crypto';
import { ConformanceError } from '../errors.js';
import { derToPem, isStrictBase64, pemToDer } from './pem.js';

/** How a certificate is carried in a JSON string field. @see spec-digest §6.6 */
export type CertificateEncoding = 'base64-der' | 'base64-pem';

/** Result of decoding a `certificate` field. */
export interface DecodedCertificateField {
  readonly der: Uint8Array;
  readonly encoding: CertificateEncoding;
  readonly x509: X509Certificate;
}

/**
 * Parses DER bytes as one X.509 certificate. Returns a node:crypto X509Certificate.
 * Throws CERT_PARSE_FAILED when the bytes are not a certificate, are truncated, or carry trailing bytes after it.
 * @see RFC 5280 §4.1
 */
export function parseCertificate(der: Uint8Array): X509Certificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (err) {
    throw new ConformanceError('CERT_PARSE_FAILED', `expected a DER X.509 certificate (${der.length} bytes given)`, {
      cause: err,
    });
  }
  // OpenSSL's d2i stops at the end of the first structure; trailing junk would otherwise pass unnoticed.
  if (cert.raw.length !== der.length) {
    throw new ConformanceError(
      'CERT_PARSE_FAILED',
      `expected exactly one DER certificate; ${der.length - cert.raw.length} bytes follow it`,
    );
  }
  return cert;
}

/**
 * Encodes a DER certificate for a `certificate` field: base64 of the DER, or base64 of its PEM text. No line breaks.
 * @see spec-digest §2.2 / §6.6
 */
export function encodeCertificateField(der: Uint8Array, encoding: CertificateEncoding): string {
  const bytes = encoding === 'base64-der' ? Buffer.from(der) : Buffer.from(derToPem(der), 'utf8');
  return bytes.toString('base64');
}

const PEM_ARMOUR = '-----BEGIN';

function startsWithArmour(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, PEM_ARMOUR.length)).toString('latin1') === PEM_ARMOUR;
}

function decodeBase64(value: string): Uint8Array {
  if (value.length === 0) {
    throw new ConformanceError('CERT_ENCODING_INVALID', 'expected a base64 certificate, got an empty string');
  }
  if (value.trimStart().startsWith(PEM_ARMOUR)) {
    throw new ConformanceError('CERT_ENCODING_INVALID', 'expected base64, got PEM text (-----BEGIN armour)');
  }
  if (!isStrictBase64(value)) {
    throw new ConformanceError(
      'CERT_ENCODING_INVALID',
      'expected base64 without line breaks (RFC 4648 §4 alphabet, padded); the value is not base64',
    );
  }
  return new Uint8Array(Buffer.from(value, 'base64'));
}

/**
 * Decodes an untrusted `certificate` field. Steps:
 * 1. strict base64 decode (empty, PEM text, whitespace or a non-base64 character → CERT_ENCODING_INVALID);
 * 2. decoded bytes starting with `-----BEGIN` are base64-pem, anything else base64-der; an encoding not in `accept`
 *    → CERT_ENCODING_INVALID;
 * 3. the DER must be exactly one X.509 certificate → else CERT_PARSE_FAILED.
 * Returns the DER, the encoding found and the parsed certificate.
 * @see spec-digest §6.6 (`certificate.encoding`)
 */
export function decodeCertificateField(
  value: string,
  accept: readonly CertificateEncoding[],
): DecodedCertificateField {
  const bytes = decodeBase64(value);
  const encoding: CertificateEncoding = startsWithArmour(bytes) ? 'base64-pem' : 'base64-der';
  if (!accept.includes(encoding)) {
    const what = encoding === 'base64-pem' ? 'base64 of PEM text (armour inside)' : 'base64 of DER';
    throw new ConformanceError(
      'CERT_ENCODING_INVALID',
      `expected ${accept.join(' or ') || 'no encoding'}, got ${what}`,
      { details: { encoding, accept } },
    );
  }
  const der = encoding === 'base64-pem' ? pemToDer(Buffer.from(bytes).toString('utf8')) : bytes;
  return { der, encoding, x509: parseCertificate(der) };
}
