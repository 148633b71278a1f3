/**
 * @module PEM and strict base64 for certificates: DER ↔ PEM, splitting PEM bundles, and a base64 check that does
 * not silently skip bad characters (Node's `Buffer.from(s, 'base64')` does).
 *
 * @see RFC 7468 §2 (textual encoding), RFC 4648 §4 (base64)
 */
import { ConformanceError } from '../errors.js';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** True when `text` is canonical base64 (RFC 4648 §4 alphabet, padded, no whitespace, no line breaks). */
export function isStrictBase64(text: string): boolean {
  return text.length % 4 === 0 && BASE64.test(text);
}

/**
 * Wraps DER in a `CERTIFICATE` PEM block (64-character lines, trailing newline).
 * @see RFC 7468 §5
 */
export function derToPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const body = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/** One PEM block: its label and DER bytes. */
export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

/**
 * Parses every PEM block in `text`, in order of appearance. Throws CERT_ENCODING_INVALID when there is no block or a
 * block's body is not base64.
 */
export function parsePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const label = match[1] ?? '';
    const body = (match[2] ?? '').replace(/\s+/g, '');
    if (!isStrictBase64(body) || body.length === 0) {
      throw new ConformanceError('CERT_ENCODING_INVALID', `PEM block "${label}" does not contain valid base64`);
    }
    blocks.push({ label, der: new Uint8Array(Buffer.from(body, 'base64')) });
  }
  if (blocks.length === 0) {
    throw new ConformanceError('CERT_ENCODING_INVALID', 'expected PEM text with a -----BEGIN …----- block');
  }
  return blocks;
}

/**
 * DER bytes of the first `CERTIFICATE` block in `pem`.
 * Throws CERT_ENCODING_INVALID when there is no such block or its body is not base64.
 */
export function pemToDer(pem: string): Uint8Array {
  const block = parsePemBlocks(pem).find((b) => b.label === 'CERTIFICATE');
  if (block === undefined) {
    throw new ConformanceError('CERT_ENCODING_INVALID', 'expected a -----BEGIN CERTIFICATE----- block');
  }
  return block.der;
}

/**
 * DER bytes of every `CERTIFICATE` block in `pem` (a chain or CA bundle), in order of appearance.
 * Throws CERT_ENCODING_INVALID when there is none.
 */
export function pemToDerList(pem: string): Uint8Array[] {
  const ders = parsePemBlocks(pem)
    .filter((b) => b.label === 'CERTIFICATE')
    .map((b) => b.der);
  if (ders.length === 0) {
    throw new ConformanceError('CERT_ENCODING_INVALID', 'expected at least one -----BEGIN CERTIFICATE----- block');
  }
  return ders;
}
