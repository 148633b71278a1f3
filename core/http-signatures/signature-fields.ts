/**
 * @module Parsing the Signature-Input and Signature fields (Structured Fields Dictionaries keyed by signature label).
 * @see RFC 9421 §4.1 (Signature-Input), §4.2 (Signature), RFC 9651 §3.2
 */
import { ParseError, isInnerList, parseDictionary, serializeParameters } from 'structured-headers';
import type { Dictionary, InnerList, Item, Parameters } from 'structured-headers';
import { ConformanceError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { PLAIN_STRING, componentFromItem } from './components.js';
import type { ComponentId } from './components.js';

/** Largest magnitude of a Structured Fields Integer (RFC 9651 §3.3.1: at most 15 digits). */
const MAX_SF_INTEGER = 999_999_999_999_999;

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
  return entryFrom(label, components, member[1], () => `(${components.map((c) => c.serialized).join(' ')})${serializeParams(member[1])}`);
}

/** The checks and typed fields of one member, shared by the canonical fast path and the library path. */
function entryFrom(label: string, components: readonly ComponentId[], params: Parameters, signatureParams: () => string): SignatureInputEntry {
  const seen = new Set<string>();
  for (const c of components) {
    if (seen.has(c.serialized)) {
      throw new ConformanceError('SIGNATURE_INPUT_MALFORMED', `Signature-Input ${label} lists ${c.serialized} twice (RFC 9421 §2.5)`);
    }
    seen.add(c.serialized);
  }
  // nonce and tag are not used here, but a wrongly typed one still makes the input malformed.
  stringParam(label, params, 'nonce');
  stringParam(label, params, 'tag');
  const entry: { -readonly [K in keyof SignatureInputEntry]: SignatureInputEntry[K] } = { label, components, signatureParams: signatureParams(), params };
  const created = integerParam(label, params, 'created');
  const expires = integerParam(label, params, 'expires');
  const keyid = stringParam(label, params, 'keyid');
  const alg = stringParam(label, params, 'alg');
  if (created !== undefined) entry.created = created;
  if (expires !== undefined) entry.expires = expires;
  if (keyid !== undefined) entry.keyid = keyid;
  if (alg !== undefined) entry.alg = alg;
  return entry;
}

/**
 * Parameters as RFC 9651 §4.1.1.2 serializes them. Integers, Booleans `true` and Strings that need no escape are
 * written here; any other value (Decimal, Token, Byte Sequence, Date, `false`, escaped String) by the library, so
 * the result is the library's in every case.
 */
function serializeParams(params: Parameters): string {
  let out = '';
  for (const [key, value] of params) {
    if (!SF_KEY.test(key)) return serializeParameters(params);
    if (value === true) out += `;${key}`;
    else if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= MAX_SF_INTEGER) out += `;${key}=${value}`;
    else if (typeof value === 'string' && PLAIN_STRING.test(value)) out += `;${key}="${value}"`;
    else return serializeParameters(params);
  }
  return out;
}

/** The Signature-Input field, parsed: its labels in field order and the entry of one label. */
export interface SignatureInputField {
  readonly labels: readonly string[];
  /** The entry of `label`; undefined when there is none. Throws as {@link readSignatureInputEntry}. */
  entry(label: string): SignatureInputEntry | undefined;
}

/**
 * Parses a Signature-Input field value. A field of one member in canonical form (what a conformant signer sends:
 * `sig1=("@method" "@target-uri" "content-digest");created=…;keyid="…"`) is read directly, and its text is its
 * own `@signature-params` value; any other field goes through the Structured Fields parser and is re-serialized.
 * Both give the same entries. Throws ConformanceError `SIGNATURE_INPUT_MALFORMED` when it is not a Dictionary.
 * @see RFC 9421 §2.3, §4.1, RFC 9651 §4.1.2
 */
export function parseSignatureInputField(value: string): SignatureInputField {
  const canonical = scanCanonicalInput(value);
  if (canonical !== undefined) {
    const { label, components, params, signatureParams } = canonical;
    return { labels: [label], entry: (l) => (l === label ? entryFrom(label, components, params, () => signatureParams) : undefined) };
  }
  const dictionary = parseSignatureDictionary(value, 'SIGNATURE_INPUT_MALFORMED');
  return {
    labels: [...dictionary.keys()],
    entry(l) {
      const member = dictionary.get(l);
      return member === undefined ? undefined : readSignatureInputEntry(l, member);
    },
  };
}

/** The Signature field, parsed. */
export interface SignatureField {
  /** The signature bytes of `label`. Throws as {@link readSignatureBytes}. */
  bytes(label: string): Buffer;
}

/**
 * Parses a Signature field value: one member in canonical form (`sig1=:<padded base64>:`) directly, anything else
 * through the Structured Fields parser; both give the same bytes. Throws ConformanceError `SIGNATURE_MALFORMED`
 * when it is not a Dictionary.
 * @see RFC 9421 §4.2, RFC 9651 §4.2.7
 */
export function parseSignatureField(value: string): SignatureField {
  const canonical = scanCanonicalSignature(value);
  if (canonical !== undefined) {
    return { bytes: (l) => (l === canonical.label ? canonical.bytes : readSignatureBytes(l, undefined)) };
  }
  const dictionary = parseSignatureDictionary(value, 'SIGNATURE_MALFORMED');
  return { bytes: (l) => readSignatureBytes(l, dictionary.get(l)) };
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

/** A cursor over a field value, for the canonical-form scanners. */
interface Cursor {
  readonly text: string;
  pos: number;
}

const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** `key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" )` (RFC 9651 §3.1.2). */
function scanKey(cur: Cursor): string | undefined {
  const { text } = cur;
  const start = cur.pos;
  const first = text.charCodeAt(start);
  if (!isLower(first) && first !== 0x2a) return undefined;
  let pos = start + 1;
  for (let c = text.charCodeAt(pos); isLower(c) || isDigit(c) || c === 0x5f || c === 0x2d || c === 0x2e || c === 0x2a; c = text.charCodeAt(pos)) pos += 1;
  cur.pos = pos;
  return text.slice(start, pos);
}

/** A String of printable ASCII without `"` or `\` (so its serialization is its text). */
function scanPlainString(cur: Cursor): string | undefined {
  const { text } = cur;
  if (text.charCodeAt(cur.pos) !== 0x22) return undefined;
  const start = cur.pos + 1;
  for (let pos = start; pos < text.length; pos += 1) {
    const c = text.charCodeAt(pos);
    if (c === 0x22) {
      cur.pos = pos + 1;
      return text.slice(start, pos);
    }
    if (c < 0x20 || c > 0x7e || c === 0x5c) return undefined;
  }
  return undefined;
}

/** An Integer written as it serializes: no leading zeros, no `-0`, at most 15 digits. */
function scanCanonicalInteger(cur: Cursor): number | undefined {
  const { text } = cur;
  const start = cur.pos;
  let pos = text.charCodeAt(start) === 0x2d ? start + 1 : start;
  const first = text.charCodeAt(pos);
  if (!isDigit(first) || (first === 0x30 && pos > start)) return undefined;
  const digitsStart = pos;
  pos += 1;
  if (first !== 0x30) while (isDigit(text.charCodeAt(pos))) pos += 1;
  if (pos - digitsStart > 15 || isDigit(text.charCodeAt(pos)) || text.charCodeAt(pos) === 0x2e) return undefined;
  cur.pos = pos;
  return Number(text.slice(start, pos));
}

/** Parameters written as they serialize (`;key`, `;key=<integer>`, `;key="<plain string>"`), no key twice. */
function scanCanonicalParams(cur: Cursor): Parameters | undefined {
  const params: Parameters = new Map();
  while (cur.text.charCodeAt(cur.pos) === 0x3b) {
    cur.pos += 1;
    const key = scanKey(cur);
    if (key === undefined || params.has(key)) return undefined;
    if (cur.text.charCodeAt(cur.pos) !== 0x3d) {
      params.set(key, true);
      continue;
    }
    cur.pos += 1;
    const value = cur.text.charCodeAt(cur.pos) === 0x22 ? scanPlainString(cur) : scanCanonicalInteger(cur);
    if (value === undefined) return undefined;
    params.set(key, value);
  }
  return params;
}

/**
 * A one-member Signature-Input in exactly the form the serializer writes, or undefined (then the Structured Fields
 * parser decides). Only text that re-serializes to itself is accepted, so the member's text is its `@signature-params`.
 */
function scanCanonicalInput(text: string): { label: string; components: ComponentId[]; params: Parameters; signatureParams: string } | undefined {
  const cur: Cursor = { text, pos: 0 };
  const label = scanKey(cur);
  if (label === undefined || text.charCodeAt(cur.pos) !== 0x3d || text.charCodeAt(cur.pos + 1) !== 0x28) return undefined;
  const innerStart = cur.pos + 1;
  cur.pos += 2;
  const components: ComponentId[] = [];
  while (text.charCodeAt(cur.pos) !== 0x29) {
    if (components.length > 0) {
      if (text.charCodeAt(cur.pos) !== 0x20) return undefined;
      cur.pos += 1;
    }
    const itemStart = cur.pos;
    const name = scanPlainString(cur);
    if (name === undefined || name === '') return undefined;
    const params = scanCanonicalParams(cur);
    if (params === undefined) return undefined;
    components.push({ name, params, serialized: text.slice(itemStart, cur.pos) });
  }
  cur.pos += 1;
  const params = scanCanonicalParams(cur);
  if (params === undefined || cur.pos !== text.length) return undefined;
  return { label, components, params, signatureParams: text.slice(innerStart) };
}

/** A one-member Signature field `label=:<base64, padded>:`, or undefined (then the Structured Fields parser decides). */
function scanCanonicalSignature(text: string): { label: string; bytes: Buffer } | undefined {
  const cur: Cursor = { text, pos: 0 };
  const label = scanKey(cur);
  if (label === undefined || text.charCodeAt(cur.pos) !== 0x3d || text.charCodeAt(cur.pos + 1) !== 0x3a) return undefined;
  const start = cur.pos + 2;
  const end = text.length - 1;
  if (end < start || text.charCodeAt(end) !== 0x3a || (end - start) % 4 !== 0) return undefined;
  const b64 = text.slice(start, end);
  if (!CANONICAL_BASE64.test(b64)) return undefined;
  return { label, bytes: Buffer.from(b64, 'base64') };
}

/** A Structured Fields key (RFC 9651 §3.1.2). */
const SF_KEY = /^[a-z*][a-z0-9_\-.*]*$/;

/** Padded base64 (RFC 4648 §4) with padding only at the end. */
const CANONICAL_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
