import { httpbis } from 'http-message-signatures';
import { describe, expect, test } from 'vitest';
import { isConformanceError } from '../errors.js';
import { parseComponentId } from './components.js';
import { componentLines, formatBase, prepareComponents } from './signature-base.js';
import type { HttpMessageParts } from './types.js';

/** The component values the library derives (what the signature base took before the direct path existed). */
function libraryValues(message: HttpMessageParts, id: string): string[] | { error: true } {
  const name = parseComponentId(id).name;
  const derive = httpbis.deriveComponent as (n: string, p: Map<string, string>, m: HttpMessageParts) => string[];
  const extract = httpbis.extractHeader as typeof derive;
  try {
    return name.startsWith('@') ? derive(name, new Map(), message) : extract(name, new Map(), message);
  } catch {
    return { error: true };
  }
}

function directValues(message: HttpMessageParts, id: string): string[] | { error: true } {
  const [prepared] = prepareComponents([parseComponentId(id)]);
  try {
    return componentLines(message, [prepared!]).map((line) => line.slice(prepared!.prefix.length));
  } catch (err) {
    if (isConformanceError(err, 'SIGNATURE_COMPONENT_UNRESOLVED')) return { error: true };
    throw err;
  }
}

const request: HttpMessageParts = {
  method: 'post',
  url: 'https://WFM.example:443/api/v1/clients/c-1?x=1',
  headers: {
    'content-type': 'application/json',
    'content-digest': '  sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:  ',
    'x-folded': 'first line\n   second line\n\tthird',
    'x-empty': '',
    'X-Upper-Only': 'kept',
  },
};
const response: HttpMessageParts = { status: 200, headers: { 'content-type': 'application/json' } };

describe('component values without parameters equal the library\'s', () => {
  const cases: [string, HttpMessageParts, string][] = [
    ['@method upper-cased', request, '@method'],
    ['@target-uri verbatim', request, '@target-uri'],
    ['a field, trimmed', request, 'content-digest'],
    ['a field with obs-fold newlines', request, 'x-folded'],
    ['an empty field', request, 'x-empty'],
    ['a field stored under another casing', request, 'x-upper-only'],
    ['an absent field', request, 'x-absent'],
    ['@method of a response', response, '@method'],
    ['@target-uri of a response', response, '@target-uri'],
    ['@authority (library path)', request, '@authority'],
  ];
  for (const [name, message, id] of cases) {
    test(name, () => {
      expect(directValues(message, id)).toEqual(libraryValues(message, id));
    });
  }

  test('formatBase joins the lines and the @signature-params line with \\n, no trailing newline', () => {
    const components = prepareComponents(['@method', 'content-type'].map((c) => parseComponentId(c)));
    expect(formatBase(request, components, '("@method" "content-type");created=1')).toBe(
      '"@method": POST\n"content-type": application/json\n"@signature-params": ("@method" "content-type");created=1',
    );
  });
});
