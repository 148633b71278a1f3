/**
 * @module HTML escaping for the report. Every interpolated value goes through {@link escapeHtml} unless it is
 * markup this module built ({@link SafeHtml}), so text the target controls (bodies, headers, messages) can never
 * become markup or script.
 */

/** Markup built by {@link html}; the only values interpolated without escaping. */
export class SafeHtml {
  constructor(readonly value: string) {}
}

/** Characters that HTML does not allow as text (C0 controls except tab/LF/CR, DEL); shown as `\uXXXX`. */
const NOT_HTML_TEXT = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/** Escapes `& < > " '` for text and attribute values (double- or single-quoted) and makes control characters visible. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(NOT_HTML_TEXT, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Template tag: literal parts are markup; interpolated values are escaped, arrays joined, nullish/false dropped. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += renderValue(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

function renderValue(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(renderValue).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}
