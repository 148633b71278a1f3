/**
 * @module Lossless JSON for Margo bodies.
 *
 * `JSON.parse` rounds integers above 2^53 - 1, but `manifestVersion` is an unsigned 64-bit integer in
 * [1, 2^64 - 1] (spec-digest §2.5, §6.32). Representation chosen here:
 * - an integer literal (digits only, optional `-`) that fits a safe integer → `number`;
 * - an integer literal outside the safe range → `bigint` (exact);
 * - any other number literal (fraction or exponent) → `number` (IEEE 754, as `JSON.parse` would give).
 * Ajv cannot validate a `bigint`, so {@link toNumberShape} gives it a number-shaped clone while callers keep
 * the exact value for comparisons ({@link compareManifestVersions}).
 *
 * @see RFC 8259 §6 (numbers), §4 (duplicate names: last one wins here, as with `JSON.parse`)
 */
import { isInteger, parse, stringify } from 'lossless-json';
import { ConformanceError } from './errors.js';

/** A manifest version as held in memory: exact for every value in [1, 2^64 - 1]. */
export type ManifestVersion = number | bigint;

/** Largest `manifestVersion`: 2^64 - 1 (spec-digest §2.5). */
export const MAX_MANIFEST_VERSION = 18446744073709551615n;

function parseNumberLiteral(literal: string): number | bigint {
  if (!isInteger(literal)) return Number(literal);
  const n = Number(literal);
  return Number.isSafeInteger(n) ? n : BigInt(literal);
}

/** 1-based line and column of a character offset in `text`. */
function linePosition(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position);
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

/**
 * Parses JSON text without losing integer precision.
 * Returns plain objects, arrays, strings, booleans, `null`, `number`, and `bigint` for integers beyond 2^53 - 1.
 * Duplicate member names: the last one wins (RFC 8259 §4 only says names SHOULD be unique).
 *
 * @throws ConformanceError `JSON_MALFORMED` with `details.position` (0-based offset), `line`, `column` (1-based)
 */
export function parseJsonLossless(text: string): unknown {
  try {
    return parse(text, null, {
      parseNumber: parseNumberLiteral,
      onDuplicateKey: ({ newValue }) => newValue,
    });
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    const position = Number(/position (\d+)/.exec(err.message)?.[1] ?? text.length);
    const { line, column } = linePosition(text, position);
    throw new ConformanceError(
      'JSON_MALFORMED',
      `invalid JSON at line ${line} column ${column} (offset ${position}): ${err.message.replace(/ at position \d+$/, '')}`,
      { cause: err, details: { position, line, column } },
    );
  }
}

/**
 * Deep copy of a parsed value in which every `bigint` becomes the nearest `number`, so Ajv's `type: integer`,
 * `minimum` and friends can see it. Use the clone for schema validation only, never for comparisons.
 */
export function toNumberShape(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toNumberShape);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toNumberShape(v)]));
  }
  return value;
}

/**
 * The exact value of a manifest version, as a `bigint`.
 * Accepts a safe-integer `number`, a `bigint`, or a decimal digit string.
 *
 * @throws ConformanceError `MANIFEST_VERSION_INVALID` when the value is not an integer in [1, 2^64 - 1],
 *   or is a `number` beyond 2^53 - 1 (already rounded, so its exact value is unknown)
 * @see spec-digest §2.5 ManifestVersion
 */
export function manifestVersionOf(value: unknown): bigint {
  let exact: bigint | undefined;
  if (typeof value === 'bigint') exact = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) exact = BigInt(value);
  else if (typeof value === 'string' && /^[0-9]+$/.test(value)) exact = BigInt(value);
  if (exact === undefined || exact < 1n || exact > MAX_MANIFEST_VERSION) {
    throw new ConformanceError(
      'MANIFEST_VERSION_INVALID',
      `manifestVersion must be an exact integer in [1, ${MAX_MANIFEST_VERSION}] (found ${describeNumber(value)})`,
      { details: { found: describeNumber(value) } },
    );
  }
  return exact;
}

function describeNumber(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return `'${value}'`;
  return String(value);
}

/**
 * Compares two manifest versions exactly: -1 when `a < b`, 0 when equal, 1 when `a > b`.
 *
 * @throws ConformanceError `MANIFEST_VERSION_INVALID` (see {@link manifestVersionOf})
 * @see spec-digest §5.5 item 42 (strictly greater), item 54 (client rejects rollback)
 */
export function compareManifestVersions(a: unknown, b: unknown): -1 | 0 | 1 {
  const x = manifestVersionOf(a);
  const y = manifestVersionOf(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Serialises a value as JSON text; `bigint` values are written as exact integer literals.
 * `indent` is the number of spaces (0 = compact). Member order is insertion order.
 *
 * @throws ConformanceError `INTERNAL` when the value cannot be represented as JSON (e.g. a function at the root)
 */
export function stringifyJson(value: unknown, indent = 0): string {
  const text = stringify(value, null, indent === 0 ? undefined : indent);
  if (text === undefined) throw new ConformanceError('INTERNAL', `value of type ${typeof value} is not representable as JSON`);
  return text;
}
