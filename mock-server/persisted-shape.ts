/**
 * @module Structural checks of the `--data-dir` files (`pki.json`, `state.json`) before they are used: a file
 * that parses as JSON but is not the mock's (`{"x":1}`, a hand edit gone wrong) is refused with the file name and
 * the member at fault, instead of failing later on `undefined`.
 */
import { ConformanceError } from '../core/errors.js';

/** Reads members of untrusted JSON; every failure is CONFIG_INVALID naming `file` and the member path. */
export interface ShapeReader {
  /** A JSON object at `where`; an absent member reads as `{}` so the first missing leaf is what gets named. */
  object(value: unknown, where: string): Record<string, unknown>;
  string(obj: Record<string, unknown>, key: string, where: string): string;
  optionalString(obj: Record<string, unknown>, key: string, where: string): string | undefined;
  oneOf<T extends string>(obj: Record<string, unknown>, key: string, where: string, allowed: readonly T[]): T;
  wholeNumber(obj: Record<string, unknown>, key: string, where: string): number;
  array(obj: Record<string, unknown>, key: string, where: string): unknown[];
  stringArray(obj: Record<string, unknown>, key: string, where: string): string[];
  /** An array of `[string, X]` pairs, `X` read by `item`. */
  pairs<T>(obj: Record<string, unknown>, key: string, where: string, item: (value: unknown, where: string) => T): [string, T][];
  /** The error for a member that has the right type but an unusable value. */
  invalid(where: string, problem: string, cause?: unknown): ConformanceError;
}

function join(where: string, key: string): string {
  return where === '' ? key : `${where}.${key}`;
}

/**
 * Creates a {@link ShapeReader} for one file.
 * @returns the reader; its methods throw ConformanceError `CONFIG_INVALID` (`<file>: missing rootCa.certPem`,
 *   `<file>: clients[0].manifestVersion: expected …`)
 */
export function createShapeReader(file: string): ShapeReader {
  const fail = (text: string, cause?: unknown): ConformanceError =>
    new ConformanceError('CONFIG_INVALID', `${file}: ${text}`, cause === undefined ? {} : { cause });
  const present = (obj: Record<string, unknown>, key: string, where: string): unknown => {
    const value = obj[key];
    if (value === undefined || value === null) throw fail(`missing ${join(where, key)}`);
    return value;
  };
  const reader: ShapeReader = {
    object(value, where) {
      if (value === undefined) return {};
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail(`${where || 'the file'}: expected a JSON object`);
      return value as Record<string, unknown>;
    },
    string(obj, key, where) {
      const value = present(obj, key, where);
      if (typeof value !== 'string') throw fail(`${join(where, key)}: expected a string`);
      return value;
    },
    optionalString(obj, key, where) {
      return obj[key] === undefined ? undefined : reader.string(obj, key, where);
    },
    oneOf(obj, key, where, allowed) {
      const value = reader.string(obj, key, where);
      if (!(allowed as readonly string[]).includes(value)) throw fail(`${join(where, key)}: expected one of ${allowed.join(', ')}`);
      return value as (typeof allowed)[number];
    },
    wholeNumber(obj, key, where) {
      const value = present(obj, key, where);
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw fail(`${join(where, key)}: expected a whole number`);
      return value;
    },
    array(obj, key, where) {
      const value = present(obj, key, where);
      if (!Array.isArray(value)) throw fail(`${join(where, key)}: expected an array`);
      return value as unknown[];
    },
    stringArray(obj, key, where) {
      return reader.array(obj, key, where).map((v, i) => {
        if (typeof v !== 'string') throw fail(`${join(where, key)}[${i}]: expected a string`);
        return v;
      });
    },
    pairs(obj, key, where, item) {
      return reader.array(obj, key, where).map((v, i) => {
        const at = `${join(where, key)}[${i}]`;
        if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string') throw fail(`${at}: expected a [string, value] pair`);
        return [v[0], item(v[1], `${at}[1]`)];
      });
    },
    invalid(where, problem, cause) {
      return fail(`${where}: ${problem}`, cause);
    },
  };
  return reader;
}
