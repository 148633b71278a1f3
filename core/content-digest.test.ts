import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { computeContentDigest, verifyContentDigest } from './content-digest.js';

const hello = new TextEncoder().encode('{"hello": "world"}');
const empty = new Uint8Array(0);

describe('computeContentDigest', () => {
  test('RFC 9530 §2 example: {"hello": "world"} → sha-256=:X48E9q…:', () => {
    expect(computeContentDigest(hello)).toBe('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:');
  });

  test('RFC 9530 §2 example: {"hello": "world"} → sha-512=:WZDPaVn…:', () => {
    expect(computeContentDigest(hello, 'sha-512')).toBe(
      'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    );
  });

  test('empty body gives the SHA-256 of zero bytes', () => {
    expect(computeContentDigest(empty)).toBe('sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:');
  });

  test('base64-of-body mode hashes the ASCII of base64(body) (spec-digest §6.9)', () => {
    const expected = createHash('sha256').update(Buffer.from(hello).toString('base64')).digest('base64');
    expect(computeContentDigest(hello, 'sha-256', 'base64-of-body')).toBe(`sha-256=:${expected}:`);
  });

  test('a Uint8Array view into a larger buffer digests only its own bytes', () => {
    const backing = new Uint8Array(64).fill(0x41);
    backing.set(hello, 10);
    const view = backing.subarray(10, 10 + hello.length);
    expect(computeContentDigest(view)).toBe(computeContentDigest(hello));
    expect(computeContentDigest(view, 'sha-256', 'base64-of-body')).toBe(computeContentDigest(hello, 'sha-256', 'base64-of-body'));
  });
});

describe('verifyContentDigest', () => {
  test('accepts the RFC 9530 sha-256 example', () => {
    expect(verifyContentDigest('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:', hello)).toEqual({ ok: true, algorithm: 'sha-256' });
  });

  test('accepts several members and names the strongest', () => {
    const header = `${computeContentDigest(hello, 'sha-256')}, ${computeContentDigest(hello, 'sha-512')}`;
    expect(verifyContentDigest(header, hello)).toEqual({ ok: true, algorithm: 'sha-512' });
  });

  test('ignores unknown algorithms next to a supported one (RFC 9530 §2)', () => {
    const header = `md5=:AAAA:, ${computeContentDigest(hello)}`;
    expect(verifyContentDigest(header, hello)).toEqual({ ok: true, algorithm: 'sha-256' });
  });

  test('missing when the field is absent or empty', () => {
    expect(verifyContentDigest(undefined, hello)).toMatchObject({ ok: false, reason: 'missing' });
    expect(verifyContentDigest('  ', hello)).toMatchObject({ ok: false, reason: 'missing' });
  });

  test('malformed when the field is not a Structured Fields Dictionary', () => {
    expect(verifyContentDigest('sha-256=:not base64!:', hello)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifyContentDigest('SHA-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:', hello)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  test('malformed when the value is a Token instead of a Byte Sequence (sha-256=abc)', () => {
    expect(verifyContentDigest('sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE', hello)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  test('malformed when the digest has the wrong length (hex text inside the Byte Sequence)', () => {
    const hex = createHash('sha256').update(hello).digest('hex');
    const header = `sha-256=:${Buffer.from(hex).toString('base64')}:`;
    expect(verifyContentDigest(header, hello)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  test('unsupported-algorithm when no member uses a supported algorithm', () => {
    expect(verifyContentDigest('md5=:AAAA:', hello)).toMatchObject({ ok: false, reason: 'unsupported-algorithm' });
  });

  test('mismatch carries expected and actual field values', () => {
    const other = computeContentDigest(new TextEncoder().encode('{"hello": "world!"}'));
    expect(verifyContentDigest(other, hello)).toEqual({
      ok: false,
      reason: 'mismatch',
      message: expect.stringContaining('does not match') as unknown as string,
      expected: computeContentDigest(hello),
      actual: other,
    });
  });

  test('mismatch when any supported member is wrong, even if another one matches', () => {
    const header = `${computeContentDigest(hello, 'sha-256')}, ${computeContentDigest(empty, 'sha-512')}`;
    expect(verifyContentDigest(header, hello)).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  test('mismatch message names the other digest.mode when that one matches', () => {
    const base64Style = computeContentDigest(hello, 'sha-256', 'base64-of-body');
    const check = verifyContentDigest(base64Style, hello, 'raw-body');
    expect(check).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(check.ok ? '' : check.message).toContain('base64-of-body');
    expect(verifyContentDigest(base64Style, hello, 'base64-of-body')).toEqual({ ok: true, algorithm: 'sha-256' });
  });
});
