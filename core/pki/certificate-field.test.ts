import { beforeAll, describe, expect, it } from 'vitest';
import { ConformanceError, type ErrorCode } from '../errors.js';
import { decodeCertificateField, encodeCertificateField, parseCertificate } from './certificate-field.js';
import { GARBAGE_FACTS, GARBAGE_NAMES, makeGarbagePayloads, type GarbageName } from './garbage.js';
import { createRootCa, issueClientLeaf, type IssuedCertificate } from './issue.js';
import { derToPem, pemToDer, pemToDerList } from './pem.js';

let client: IssuedCertificate;
let garbage: Record<GarbageName, string>;

beforeAll(async () => {
  client = await issueClientLeaf(await createRootCa());
  garbage = makeGarbagePayloads(client.certDer);
});

function codeOf(fn: () => unknown): { code: ErrorCode; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConformanceError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a ConformanceError');
}

describe('encodeCertificateField / decodeCertificateField', () => {
  it('round-trips base64-der (the PEM body, no line breaks)', () => {
    const value = encodeCertificateField(client.certDer, 'base64-der');
    expect(value).not.toMatch(/\s/);
    expect(value).toBe(client.certPem.split('\n').slice(1, -2).join(''));
    const decoded = decodeCertificateField(value, ['base64-der']);
    expect(decoded.encoding).toBe('base64-der');
    expect(Buffer.from(decoded.der).equals(Buffer.from(client.certDer))).toBe(true);
    expect(decoded.x509.fingerprint256).toBe(client.x509.fingerprint256);
  });

  it('round-trips base64-pem (base64 of the whole PEM text) when accepted', () => {
    const value = encodeCertificateField(client.certDer, 'base64-pem');
    expect(value).not.toMatch(/\s/);
    expect(Buffer.from(value, 'base64').toString('utf8')).toBe(client.certPem);
    const decoded = decodeCertificateField(value, ['base64-der', 'base64-pem']);
    expect(decoded.encoding).toBe('base64-pem');
    expect(decoded.x509.fingerprint256).toBe(client.x509.fingerprint256);
  });

  it('rejects base64-pem with CERT_ENCODING_INVALID when only base64-der is accepted', () => {
    const { code, message } = codeOf(() => decodeCertificateField(encodeCertificateField(client.certDer, 'base64-pem'), ['base64-der']));
    expect(code).toBe('CERT_ENCODING_INVALID');
    expect(message).toContain('PEM');
  });

  it('rejects base64-der with CERT_ENCODING_INVALID when only base64-pem is accepted', () => {
    const { code } = codeOf(() => decodeCertificateField(encodeCertificateField(client.certDer, 'base64-der'), ['base64-pem']));
    expect(code).toBe('CERT_ENCODING_INVALID');
  });

  it.each(GARBAGE_NAMES)('rejects garbage %s with its expected code', (name) => {
    for (const accept of [['base64-der'], ['base64-der', 'base64-pem']] as const) {
      const { code, message } = codeOf(() => decodeCertificateField(garbage[name], accept));
      expect(code).toBe(GARBAGE_FACTS[name].expectedDecodeError);
      expect(message.length).toBeGreaterThan(10);
    }
  });

  it('says which problem it found', () => {
    expect(codeOf(() => decodeCertificateField(garbage.empty, ['base64-der'])).message).toContain('empty');
    expect(codeOf(() => decodeCertificateField(garbage['pem-text'], ['base64-der'])).message).toContain('PEM text');
    expect(codeOf(() => decodeCertificateField(garbage['invalid-base64'], ['base64-der'])).message).toContain('not base64');
  });

  it('rejects base64 with line breaks', () => {
    const wrapped = Buffer.from(client.certDer).toString('base64').replace(/(.{64})/g, '$1\n');
    expect(codeOf(() => decodeCertificateField(wrapped, ['base64-der'])).code).toBe('CERT_ENCODING_INVALID');
  });
});

describe('parseCertificate / PEM', () => {
  it('throws CERT_PARSE_FAILED for trailing bytes after the certificate', () => {
    const padded = new Uint8Array([...client.certDer, 0, 0]);
    expect(codeOf(() => parseCertificate(padded)).code).toBe('CERT_PARSE_FAILED');
  });

  it('converts DER to PEM and back, and splits bundles', () => {
    const pem = derToPem(client.certDer);
    expect(pem.split('\n').every((line) => line.length <= 64)).toBe(true);
    expect(Buffer.from(pemToDer(pem)).equals(Buffer.from(client.certDer))).toBe(true);
    expect(pemToDerList(pem + pem)).toHaveLength(2);
  });

  it('throws CERT_ENCODING_INVALID for text without a certificate block', () => {
    expect(codeOf(() => pemToDer('hello')).code).toBe('CERT_ENCODING_INVALID');
    expect(codeOf(() => pemToDer('-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n')).code).toBe('CERT_ENCODING_INVALID');
    expect(codeOf(() => pemToDer(client.privateKeyPem)).code).toBe('CERT_ENCODING_INVALID');
  });
});
