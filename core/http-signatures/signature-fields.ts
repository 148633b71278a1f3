/**
 * @module Parsing the Signature-Input and Signature fields (Structured Fields Dictionaries keyed by signature label).
 * @see RFC 9421 §4.1 (Signature-Input), §4.2 (Signature), RFC 9651 §3.2
 */
import { ParseError, isInnerList, parseDictionary, serializeInnerList } from 'structured-headers';
import type { Dictionary, InnerList, Item, Parameters } from 'structured-headers';
import { ConformanceError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { componentFromItem } from './components.js';
import type { ComponentId } from './components.js';

/** One signature's entry in Signature-Input, typed. */
export interface SignatureInputEntry {
  readonly label: string;
  readonly components: readonly ComponentId[];
  /** The `@signature-params` value: the member re-serialized (RFC 9421 §2.3). */
  readonly signatureParams: string;
  readonly params: Parameters;
  /** Unix seconds, when present. */
  readonly created?: number;
  readonly expires?: number;
  readonly keyid?: string;
  readonly alg?: string;
}

/**
 * Parses a Signature-Input or Signature field value into its dictionary.
 * Throws ConformanceError `code` (`SIGNATURE_INPUT_MALFORMED` / `SIGNATURE_MALFORMED`) when it is not a Dictionary.
 * @see RFC 9651 §4.2.2
 */
export function parseSignatureDictionary(value: string, code: Extract<ErrorCode, 'SIGNATURE_INPUT_MALFORMED' | 'SIGNATURE_MALFORMED'>): Dictionary {
  const field = code === 'SIGNATURE_INPUT_MALFORMED' ? 'Signature-Input' : 'Signature';
  try {
    return parseDictionary(value);
  } catch (err) {
    if (err instanceof ParseError) {
      throw new ConformanceError(code, `${field} is not a Structured Fields Dictionary: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

/**
 * Reads one Signature-Input member: an Inner List of component identifiers (Strings, no duplicates) with
 * parameters `created` / `expires` (Integers) and `keyid` / `alg` / `nonce` / `tag` (Strings) when present.
 * Throws ConformanceError `SIGNATURE_INPUT_MALFORMED`.
 * @see RFC 9421 §2.3, §4.1
 */
export function readSignatureInputEntry(label: string, member: Item | InnerList): SignatureInputEntry {
  if (!isInnerList(member)) {
    throw new ConformanceError('SIGNATURE_INPUT_MALFORMED', `Signature-Input member ${label} must be an Inner List such as ("@method" …);created=…`);
  }
  const components = member[0].map((item) => componentFromItem(item));
  const seen = new Set<string>();
  for (const c of components) {
    if (seen.has(c.serialized)) {
      throw new ConformanceError('SIGNATURE_INPUT_MALFORMED', `Signature-Input ${label} lists ${c.serialized} twice (RFC 9421 §2.5)`);
    }
    seen.add(c.serialized);
  }
  const params = member[1];
  // nonce and tag are not used here, but a wrongly typed one still makes the input malformed.
  stringParam(label, params, 'nonce');
  stringParam(label, params, 'tag');
  return {
    label,
    components,
    signatureParams: serializeInnerList(member),
    params,
    ...optional('created', integerParam(label, params, 'created')),
    ...optional('expires', integerParam(label, params, 'expires')),
    ...optional('keyid', stringParam(label, params, 'keyid')),
    ...optional('alg', stringParam(label, params, 'alg')),
  };
}

/**
 * Reads one Signature member: a Byte Sequence. Throws ConformanceError `SIGNATURE_MALFORMED`.
 * @see RFC 9421 §4.2
 */
export function readSignatureBytes(label: string, member: Item | InnerList | undefined): Buffer {
  if (member === undefined) {
    throw new ConformanceError('SIGNATURE_MALFORMED', `Signature has no member for label ${label} (Signature-Input has one)`);
  }
  if (isInnerList(member) || !(member[0] instanceof ArrayBuffer)) {
    throw new ConformanceError('SIGNATURE_MALFORMED', `Signature member ${label} must be a Byte Sequence (${label}=:<base64>:)`);
  }
  return Buffer.from(member[0]);
}

function integerParam(label: string, params: Parameters, name: string): number | undefined {
  const value = params.get(name);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ConformanceError('SIGNATURE_INPUT_MALFORMED', `Signature-Input ${label}: ${name} must be an Integer (Unix seconds)`);
  }
  return value;
}

function stringParam(label: string, params: Parameters, name: string): string | undefined {
  const value = params.get(name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new ConformanceError('SIGNATURE_INPUT_MALFORMED', `Signature-Input ${label}: ${name} must be a quoted String`);
  }
  return value;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
