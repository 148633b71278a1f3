/**
 * @module The signature base: component lines plus the `@signature-params` line, joined by `\n`, no trailing newline.
 *
 * Component values come from http-message-signatures' `deriveComponent` / `extractHeader` (derived components, field
 * rules, `;sf`, `;key`, `;bs`, `;req`). The three components Margo covers, `@method`, `@target-uri` and a header
 * field without parameters, are read directly with the library's rules (the signing and verifying hot paths); the
 * library decides everything else, and every error. The library takes `@target-uri` verbatim from the URL string:
 * the caller passes the URL exactly as used on the wire. Parsing and serializing identifiers happens here, once, so
 * the signing hot path does not re-parse them.
 * @see RFC 9421 §2.5
 */
import { httpbis } from 'http-message-signatures';
import { Token, arrayBufferToBase64, serializeParameters } from 'structured-headers';
import type { BareItem, Parameters } from 'structured-headers';
import { ConformanceError } from '../errors.js';
import { parseComponentId, showComponent } from './components.js';
import type { ComponentId } from './components.js';
import type { HttpMessageParts, HttpRequestParts, SignatureParams } from './types.js';

/** A component prepared for repeated use: the library's lookup name and parameter map, and the line prefix. */
export interface PreparedComponent {
  readonly component: ComponentId;
  /** Lower-case name: what the library looks up (it compares header names lower-cased). */
  readonly lookupName: string;
  readonly libraryParams: Map<string, string | number | boolean>;
  /** `"<identifier>": ` exactly as the base line starts. */
  readonly prefix: string;
  /**
   * How the value is taken without the library: `method` / `target-uri` for those derived components and `field`
   * for a header field, all without parameters; `library` for everything else (the library then decides).
   */
  readonly direct: 'method' | 'target-uri' | 'field' | 'library';
}

/** Prepares components for {@link componentLines}; do it once per signer, not per message. */
export function prepareComponents(components: readonly ComponentId[]): PreparedComponent[] {
  return components.map((component) => {
    const lookupName = component.name.toLowerCase();
    const prefix = `${component.serialized}: `;
    return { component, lookupName, libraryParams: toLibraryParams(component.params), prefix, direct: directKind(lookupName, component) };
  });
}

function directKind(lookupName: string, component: ComponentId): PreparedComponent['direct'] {
  if (component.params.size > 0) return 'library';
  if (lookupName === '@method') return 'method';
  if (lookupName === '@target-uri') return 'target-uri';
  return lookupName.startsWith('@') ? 'library' : 'field';
}

/**
 * The value of a component without parameters, taken as the library takes it (`@method` upper-cased, `@target-uri`
 * verbatim, a field's value trimmed with obs-fold newlines turned into a space, RFC 9421 §2.1), or undefined when
 * the library must decide (a response for `@method`, a field under another casing or absent: it raises the error).
 * A field is read under its lower-case name, as {@link HttpRequestParts} keeps them.
 */
function directValue(message: HttpMessageParts, prepared: PreparedComponent): string | undefined {
  switch (prepared.direct) {
    case 'method':
      return 'method' in message && message.method ? message.method.toUpperCase() : undefined;
    case 'target-uri':
      return 'method' in message && message.method && typeof message.url === 'string' ? message.url : undefined;
    case 'field': {
      const value: unknown = message.headers[prepared.lookupName];
      if (typeof value !== 'string') return undefined;
      const trimmed = value.trim();
      return trimmed.includes('\n') ? trimmed.replace(/\n\s*/gm, ' ') : trimmed;
    }
    case 'library':
      return undefined;
  }
}

/**
 * The component lines of the signature base, one per value (`@query-param` may give several).
 * Throws ConformanceError `SIGNATURE_COMPONENT_UNRESOLVED` when a covered component cannot be taken from the message
 * (absent header field, unknown derived component, `@status` on a request …).
 * @see RFC 9421 §2.5 steps 1–2
 */
export function componentLines(
  message: HttpMessageParts,
  components: readonly PreparedComponent[],
  request?: HttpRequestParts,
): string[] {
  const lines: string[] = [];
  for (const prepared of components) {
    const direct = directValue(message, prepared);
    if (direct !== undefined) lines.push(prepared.prefix + direct);
    else for (const value of resolveComponent(message, prepared, request)) lines.push(prepared.prefix + value);
  }
  return lines;
}

function resolveComponent(message: HttpMessageParts, prepared: PreparedComponent, request?: HttpRequestParts): string[] {
  const { lookupName, libraryParams } = prepared;
  try {
    // The library's overloads split request and response; both accept (name, params, message, request?).
    const derive = httpbis.deriveComponent as (n: string, p: typeof libraryParams, m: HttpMessageParts, r?: HttpRequestParts) => string[];
    const extract = httpbis.extractHeader as typeof derive;
    return lookupName.startsWith('@')
      ? derive(lookupName, libraryParams, message, request)
      : extract(lookupName, libraryParams, message, request);
  } catch (err) {
    throw new ConformanceError(
      'SIGNATURE_COMPONENT_UNRESOLVED',
      `covered component ${showComponent(prepared.component)} cannot be taken from the message: ${(err as Error).message}`,
      { cause: err, details: { component: prepared.component.serialized } },
    );
  }
}

/**
 * The `@signature-params` value: the inner list of component identifiers followed by the signature parameters, in
 * the order `params` lists them (`();created=1618884473;keyid="test-key-rsa-pss";nonce="…"`).
 * Throws ConformanceError `SIGNATURE_INPUT_MALFORMED` for a non-integer `created` / `expires`.
 * @see RFC 9421 §2.3
 */
export function serializeSignatureParams(components: readonly ComponentId[], params: SignatureParams): string {
  const map: Parameters = new Map();
  for (const [key, value] of Object.entries(params) as [keyof SignatureParams, string | number | undefined][]) {
    if (value === undefined) continue;
    if ((key === 'created' || key === 'expires') && !Number.isInteger(value)) {
      throw new ConformanceError('SIGNATURE_INPUT_MALFORMED', `${key} must be an integer (Unix seconds); got ${value}`);
    }
    map.set(key, value);
  }
  return `(${components.map((c) => c.serialized).join(' ')})${serializeParameters(map)}`;
}

/**
 * The full signature base for `components` and an already serialized `@signature-params` value.
 * Throws ConformanceError `SIGNATURE_COMPONENT_UNRESOLVED` (see {@link componentLines}).
 * @see RFC 9421 §2.5
 */
export function formatBase(
  message: HttpMessageParts,
  components: readonly PreparedComponent[],
  signatureParams: string,
  request?: HttpRequestParts,
): string {
  let base = '';
  for (const prepared of components) {
    const direct = directValue(message, prepared);
    if (direct !== undefined) base += `${prepared.prefix}${direct}\n`;
    else for (const value of resolveComponent(message, prepared, request)) base += `${prepared.prefix}${value}\n`;
  }
  return `${base}"@signature-params": ${signatureParams}`;
}

/**
 * The signature base a conformant signer produces for `req` covering `components` (lower-cased; bare or serialized
 * identifiers) with `params` (serialized in the object's key order). Used for "expected base" evidence.
 * Throws ConformanceError `SIGNATURE_INPUT_MALFORMED` or `SIGNATURE_COMPONENT_UNRESOLVED`.
 * @see RFC 9421 §2.5
 */
export function buildSignatureBaseForRequest(
  req: HttpRequestParts,
  components: readonly string[],
  params: SignatureParams,
): string {
  const parsed = components.map((c) => parseComponentId(c));
  return formatBase(req, prepareComponents(parsed), serializeSignatureParams(parsed, params));
}

/** Converts Structured Fields parameters to the plain map the library's component functions read. */
function toLibraryParams(params: Parameters): Map<string, string | number | boolean> {
  const out = new Map<string, string | number | boolean>();
  for (const [key, value] of params) out.set(key, plainValue(value));
  return out;
}

function plainValue(value: BareItem): string | number | boolean {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Token) return value.toString();
  if (value instanceof Date) return Math.floor(value.getTime() / 1000);
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return arrayBufferToBase64(value);
  return String(value);
}
