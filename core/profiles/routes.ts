/**
 * @module Route templates: expand `{param}` placeholders into paths and match request paths back to routes.
 *
 * `{deviceId}` spans one or more path segments (`gateway1/deviceA`, spec-digest §2.3, §6.36); every other
 * parameter is exactly one segment. Implementations mount the API under arbitrary prefixes, so the base URL
 * may carry a path prefix before `/api/v1` (spec-digest §1, §6.2).
 *
 * @see RFC 3986 §3.3 (path segments, pchar)
 */
import { ConformanceError } from '../errors.js';
import type { Profile, RouteName } from './types.js';

/** The only parameter allowed to contain `/`. */
const MULTI_SEGMENT_PARAM = 'deviceId';

/** RFC 3986 pchar minus pct-encoded: unreserved / sub-delims / ":" / "@". Everything else is percent-encoded. */
const PCHAR_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@]/;

function encodeSegment(value: string, keepSlash: boolean): string {
  let out = '';
  for (const ch of value) {
    if (PCHAR_SAFE.test(ch) || (keepSlash && ch === '/')) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Decodes %XX escapes as UTF-8 without throwing: a malformed escape stays as it is, bad UTF-8 becomes U+FFFD. */
function decodeSegment(segment: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; ) {
    const hex = segment.slice(i + 1, i + 3);
    if (segment[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else {
      const cp = segment.codePointAt(i) ?? 0;
      bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
      i += cp > 0xffff ? 2 : 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Expands a route template: each `{name}` becomes `params[name]`, percent-encoded as a path segment
 * (`:` and `@` stay literal, so `sha256:<hex>` digests appear as the spec writes them); `/` is kept only in
 * `deviceId`. Returns the path, e.g. `/api/v1/clients/c1/capabilities/gateway1/deviceA`.
 *
 * @throws ConformanceError `ROUTE_PARAM_MISSING` when a placeholder has no value (or an empty one)
 */
export function expandPath(template: string, params: Readonly<Record<string, string>>): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined || value === '') {
      throw new ConformanceError('ROUTE_PARAM_MISSING', `route ${template} needs a non-empty value for {${name}}`, {
        details: { template, param: name },
      });
    }
    return encodeSegment(value, name === MULTI_SEGMENT_PARAM);
  });
}

/** Path prefix of a base URL without a trailing slash: `https://h/margo/` → `/margo`, `https://h` → ``. */
export function basePathOf(baseUrl: string): string {
  return new URL(baseUrl).pathname.replace(/\/+$/, '');
}

/**
 * Full URL of a route under a base URL that may carry a path prefix:
 * `routeUrl('https://wfm.example/tenant-a', '/api/v1/onboarding', {})` → `https://wfm.example/tenant-a/api/v1/onboarding`.
 * The query and fragment of `baseUrl` are dropped.
 *
 * @throws ConformanceError `ROUTE_PARAM_MISSING`; TypeError from `URL` when `baseUrl` is not absolute
 */
export function routeUrl(baseUrl: string, template: string, params: Readonly<Record<string, string>>): string {
  const url = new URL(baseUrl);
  return `${url.protocol}//${url.host}${basePathOf(baseUrl)}${expandPath(template, params)}`;
}

/**
 * Removes the base path prefix from a request pathname. Returns the rest (starting with `/`), or undefined when
 * `pathname` is not under the prefix. `stripBasePath('/margo', '/margo/api/v1/x')` → `/api/v1/x`.
 */
export function stripBasePath(basePath: string, pathname: string): string | undefined {
  const prefix = basePath.replace(/\/+$/, '');
  if (prefix === '') return pathname;
  if (pathname === prefix) return '/';
  return pathname.startsWith(`${prefix}/`) ? pathname.slice(prefix.length) : undefined;
}

function matchTemplate(template: string, pathname: string): Record<string, string> | undefined {
  const want = template.split('/');
  const got = pathname.split('/');
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i] ?? '';
    const name = /^\{([A-Za-z]+)\}$/.exec(part)?.[1];
    if (name === undefined) {
      if (got[i] !== part) return undefined;
      continue;
    }
    // A multi-segment parameter is always last in its template: it takes every remaining segment.
    const isRest = name === MULTI_SEGMENT_PARAM && i === want.length - 1;
    const raw = isRest ? got.slice(i).join('/') : got[i];
    if (raw === undefined || raw === '' || raw.split('/').includes('')) return undefined;
    params[name] = isRest ? raw.split('/').map(decodeSegment).join('/') : decodeSegment(raw);
    if (isRest) return params;
  }
  return got.length === want.length ? params : undefined;
}

/**
 * Finds the route of a request. `pathname` is the path after {@link stripBasePath} (no query string).
 * Parameters come back percent-decoded; `%2F` inside `deviceId` decodes to `/` (`deviceId.acceptEncodedSlash`
 * default true, spec-digest §6.36). Returns undefined when no route of the profile matches method and path.
 */
export function matchRoute(
  profile: Profile,
  method: string,
  pathname: string,
): { route: RouteName; params: Record<string, string> } | undefined {
  const upper = method.toUpperCase();
  for (const [route, spec] of Object.entries(profile.routes) as [RouteName, NonNullable<Profile['routes'][RouteName]>][]) {
    if (spec.method !== upper) continue;
    const params = matchTemplate(spec.path, pathname);
    if (params !== undefined) return { route, params };
  }
  return undefined;
}
