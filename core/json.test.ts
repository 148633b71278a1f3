import { describe, expect, it } from 'vitest';
import { ConformanceError, isConformanceError } from './errors.js';
import {
  compareManifestVersions,
  manifestVersionOf,
  MAX_MANIFEST_VERSION,
  parseJsonLossless,
  stringifyJson,
  toNumberShape,
} from './json.js';

function thrown(fn: () => unknown): ConformanceError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConformanceError) return err;
    throw err;
  }
  throw new Error('expected a ConformanceError');
}

describe('parseJsonLossless', () => {
  it('keeps manifestVersion 18446744073709551615 exact as a bigint', () => {
    const value = parseJsonLossless('{"manifestVersion": 18446744073709551615}') as { manifestVersion: unknown };
    expect(value.manifestVersion).toBe(18446744073709551615n);
    expect(value.manifestVersion).toBe(MAX_MANIFEST_VERSION);
  });

  it('returns safe integers and fractions as numbers and 2^53 + 1 as an exact bigint', () => {
    expect(parseJsonLossless('[1, -7, 1.5, 1e3, 9007199254740991, 9007199254740993]')).toEqual([
      1, -7, 1.5, 1000, 9007199254740991, 9007199254740993n,
    ]);
  });

  it('takes the last of duplicate member names, as JSON.parse does', () => {
    expect(parseJsonLossless('{"a": 1, "a": 2}')).toEqual({ a: 2 });
  });

  it('throws JSON_MALFORMED with line, column and offset', () => {
    const err = thrown(() => parseJsonLossless('{\n  "a": 1,\n  }'));
    expect(err.code).toBe('JSON_MALFORMED');
    expect(err.details).toEqual({ position: 14, line: 3, column: 3 });
    expect(err.message).toContain('line 3 column 3');
    expect(isConformanceError(thrown(() => parseJsonLossless('')), 'JSON_MALFORMED')).toBe(true);
    expect(isConformanceError(thrown(() => parseJsonLossless('{} x')), 'JSON_MALFORMED')).toBe(true);
  });
});

describe('manifest versions', () => {
  it('compares values above 2^53 exactly', () => {
    expect(compareManifestVersions(18446744073709551615n, 18446744073709551614n)).toBe(1);
    expect(compareManifestVersions(18446744073709551614n, 18446744073709551615n)).toBe(-1);
    expect(compareManifestVersions(MAX_MANIFEST_VERSION, parseJsonLossless('18446744073709551615'))).toBe(0);
    // Both would be 9007199254740992 as doubles.
    expect(compareManifestVersions(9007199254740993n, 9007199254740992n)).toBe(1);
    expect(compareManifestVersions(1, '2')).toBe(-1);
  });

  it('rejects 0, 2^64, fractions, negative values and rounded doubles', () => {
    for (const bad of [0, 18446744073709551616n, 1.5, -1, 2 ** 60, 'x', null]) {
      expect(thrown(() => manifestVersionOf(bad)).code).toBe('MANIFEST_VERSION_INVALID');
    }
  });
});

describe('stringifyJson and toNumberShape', () => {
  it('writes bigint as an exact integer literal and round-trips', () => {
    const text = stringifyJson({ manifestVersion: 18446744073709551615n, bundle: null, deployments: [] });
    expect(text).toBe('{"manifestVersion":18446744073709551615,"bundle":null,"deployments":[]}');
    expect(parseJsonLossless(text)).toEqual({ manifestVersion: 18446744073709551615n, bundle: null, deployments: [] });
    expect(stringifyJson({ a: 1 }, 2)).toBe('{\n  "a": 1\n}');
  });

  it('gives Ajv a number-shaped clone without touching the original', () => {
    const original = { v: 18446744073709551615n, list: [2n ** 60n] };
    expect(toNumberShape(original)).toEqual({ v: 18446744073709551616, list: [2 ** 60] });
    expect(original.v).toBe(18446744073709551615n);
  });
});
