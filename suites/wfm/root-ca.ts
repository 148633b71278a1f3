/**
 * @module Reading the root CA out of a Certificate API `certificate` field, leniently: base64 of the DER, base64 of
 * PEM text, or (non-conformant, but readable) PEM text itself. The checks judge the encoding separately, so a WFM
 * with a badly encoded field still gets its TLS chain judged against the CA it meant.
 *
 * @see spec-digest §2.2, §6.6 (`certificate.encoding`)
 */
import { X509Certificate } from 'node:crypto';
import { decodeCertificateField, derToPem, pemToDer, parseCertificate } from '../../core/pki/index.js';

/** A decoded root CA field. */
export interface DecodedRootCa {
  readonly der: Uint8Array;
  readonly pem: string;
  readonly x509: X509Certificate;
  readonly encoding: 'base64-der' | 'base64-pem' | 'pem-text';
}

/**
 * Decodes a `certificate` field in any of the three forms seen in the field.
 * Returns the certificate and the form found.
 * @throws ConformanceError `CERT_ENCODING_INVALID` (not base64 and not PEM) or `CERT_PARSE_FAILED` (not one X.509 certificate)
 */
export function decodeRootCaField(field: string): DecodedRootCa {
  if (field.trimStart().startsWith('-----BEGIN')) {
    const der = pemToDer(field);
    const x509 = parseCertificate(der);
    return { der, pem: derToPem(der), x509, encoding: 'pem-text' };
  }
  const decoded = decodeCertificateField(field, ['base64-der', 'base64-pem']);
  return { der: decoded.der, pem: derToPem(decoded.der), x509: decoded.x509, encoding: decoded.encoding };
}
