/**
 * @module Component identifiers: parse, normalise to lower case, and show them.
 *
 * A component identifier is a Structured Fields String item with optional parameters: `"@method"`,
 * `"content-digest"`, `"@query-param";name="Pet"`. HTTP field names in identifiers MUST be lower-case; Margo's
 * own example writes `"Content-Digest"` (spec-digest §6.8), so the casing is checked, not silently fixed, when verifying.
 * @see RFC 9421 §2, §2.1, §2.2
 */
import { ParseError, parseItem, serializeItem } from 'structured-headers';
import type { Item, Parameters } from 'structured-headers';
import { ConformanceError } from '../errors.js';

/** One covered component. */
export interface ComponentId {
  /** The identifier's string value as given (casing kept), e.g. `@method`, `content-digest`, `Content-Digest`. */
  readonly name: string;
  /** Component parameters (`sf`, `key`, `bs`, `req`, `name`), in order. */
  readonly params: Parameters;
  /** Structured Fields serialization, as it appears in Signature-Input and the signature base: `"@method"`. */
  readonly serialized: string;
}

/** Printable ASCII except `"` and `\`: a Structured Fields String whose serialization needs no escape. */
export const PLAIN_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Derived components RFC 9421 §2.2 defines (the library derives these). */
export const DERIVED_COMPONENTS: readonly string[] = Object.freeze([
  '@method',
  '@target-uri',
  '@authority',
  '@scheme',
  '@request-target',
  '@path',
  '@query',
  '@query-param',
  '@status',
]);

/**
 * Parses one component identifier from configuration or caller input. Accepts a bare name (`content-digest`,
 * `@method`), a bare name with parameters (`content-digest;sf`) or the serialized form (`"@query-param";name="Pet"`).
 * The name is lower-cased unless `keepCase` (only the `uppercase-component-ids` fault keeps it).
 * Throws ConformanceError `SIGNATURE_INPUT_MALFORMED` for text that is not a component identifier.
 * @see RFC 9421 §2
 */
export function parseComponentId(text: string, keepCase = false): ComponentId {
  const quoted = text.startsWith('"') ? text : quoteName(text);
  let item: Item;
  try {
    item = parseItem(quoted);
  } catch (err) {
    if (err instanceof ParseError) {
      throw new ConformanceError('SIGNATURE_INPUT_MALFORMED', `"${text}" is not a component identifier: ${err.message}`, {
        cause: err,
      });
    }
    throw err;
  }
  return componentFromItem(keepCase ? item : [lowerName(item[0]), item[1]]);
}

/**
 * A component from a parsed Signature-Input inner-list item. Throws ConformanceError `SIGNATURE_INPUT_MALFORMED`
 * when the item is not a non-empty String (a Token such as `content-digest` without quotes is not an identifier).
 * @see RFC 9421 §2
 */
export function componentFromItem(item: Item): ComponentId {
  const [value, params] = item;
  if (typeof value !== 'string' || value === '') {
    throw new ConformanceError(
      'SIGNATURE_INPUT_MALFORMED',
      `a component identifier must be a quoted String such as "content-digest"; got ${serializeItem(item)}`,
    );
  }
  // A bare identifier of printable ASCII without `"` or `\` serializes as itself in quotes; anything else (parameters,
  // characters to escape or refuse) takes the library's serializer.
  const serialized = params.size === 0 && PLAIN_STRING.test(value) ? `"${value}"` : serializeItem([value, params]);
  return { name: value, params, serialized };
}

/** A readable form for reports and policies: the bare name when there are no parameters, else the serialization. */
export function showComponent(component: ComponentId): string {
  return component.params.size === 0 ? component.name : component.serialized;
}

/** True when the identifier's name has upper-case letters (not allowed by RFC 9421 §2.1 for field names). */
export function hasUpperCase(component: ComponentId): boolean {
  return component.name !== component.name.toLowerCase();
}

/** True for `@`-prefixed derived components. */
export function isDerived(component: ComponentId): boolean {
  return component.name.startsWith('@');
}

/** True when the component is the `content-digest` field (any casing, any parameters). */
export function isContentDigest(component: ComponentId): boolean {
  return component.name.toLowerCase() === 'content-digest';
}

/**
 * The `uppercase-component-ids` fault: header field names in Title-Case (`Content-Digest`, as Margo's example
 * writes them). When no header field is covered, derived names are capitalised instead (`@Method`), so the fault
 * always changes something.
 */
export function uppercaseComponents(components: readonly ComponentId[]): ComponentId[] {
  const anyField = components.some((c) => !isDerived(c));
  return components.map((c) => {
    if (isDerived(c) === anyField) return c;
    return componentFromItem([titleCase(c.name), c.params]);
  });
}

function titleCase(name: string): string {
  return name.replace(/(^@?|-)([a-z])/g, (_m, sep: string, ch: string) => `${sep}${ch.toUpperCase()}`);
}

function lowerName(value: Item[0]): Item[0] {
  return typeof value === 'string' ? value.toLowerCase() : value;
}

function quoteName(text: string): string {
  const semicolon = text.indexOf(';');
  const name = semicolon === -1 ? text : text.slice(0, semicolon);
  const rest = semicolon === -1 ? '' : text.slice(semicolon);
  return `"${name}"${rest}`;
}
