/**
 * @module Validation of scenario faults that arrive as untrusted JSON (`POST /admin/api/faults`): every element
 * must be a known {@link ClientFault} with well-typed members, so a typo is refused instead of silently ignored.
 */
import { ConformanceError } from '../core/errors.js';
import type { RouteName } from '../core/profiles/index.js';
import { CLIENT_FAULT_KINDS, type ClientFault } from './faults.js';

const STATUSES: readonly number[] = [500, 429, 503];
/** Upper bound of a stall: longer than any request timeout of the tool, short enough to never wedge a run. */
const MAX_STALL_MS = 600_000;

function bad(where: string, message: string): ConformanceError {
  return new ConformanceError('USAGE', `${where}: ${message}`);
}

function wholeNumber(value: unknown, where: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(where, `expected a whole number from ${min} to ${max}`);
  }
  return value;
}

function routeOf(value: unknown, where: string, routes: readonly RouteName[]): RouteName {
  if (typeof value !== 'string' || !(routes as readonly string[]).includes(value)) {
    throw bad(where, `expected one of the profile's routes: ${routes.join(', ')}`);
  }
  return value as RouteName;
}

function parseOne(value: unknown, where: string, routes: readonly RouteName[]): ClientFault {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(where, 'expected a fault object {"kind": …}');
  const f = value as Record<string, unknown>;
  const kinds = CLIENT_FAULT_KINDS.map((k) => k.kind);
  const kind = f['kind'];
  switch (kind) {
    case 'reject-onboarding':
    case 'bad-certificate-response':
    case 'imposter-tls-after-ca-download':
      return { kind };
    case 'status': {
      const status = f['status'];
      if (typeof status !== 'number' || !STATUSES.includes(status)) throw bad(`${where}.status`, `expected one of ${STATUSES.join(', ')}`);
      const retry = f['retryAfterSeconds'];
      return {
        kind,
        route: routeOf(f['route'], `${where}.route`, routes),
        status: status as 500 | 429 | 503,
        times: wholeNumber(f['times'], `${where}.times`, 1, 1_000_000),
        ...(retry === undefined ? {} : { retryAfterSeconds: wholeNumber(retry, `${where}.retryAfterSeconds`, 0, 86_400) }),
      };
    }
    case 'stall':
      return { kind, route: routeOf(f['route'], `${where}.route`, routes), ms: wholeNumber(f['ms'], `${where}.ms`, 0, MAX_STALL_MS) };
    default:
      throw bad(`${where}.kind`, `unknown scenario fault ${JSON.stringify(kind) ?? 'undefined'}; expected one of ${kinds.join(', ')}`);
  }
}

/**
 * Validates the `faults` member of a `POST /admin/api/faults` body.
 * @param routes the routes of the mock's profile (a `status` or `stall` fault must name one)
 * @returns the faults, typed
 * @throws ConformanceError `USAGE` naming the first bad element (`faults[1].kind: unknown scenario fault …`)
 */
export function parseClientFaults(value: unknown, routes: readonly RouteName[]): ClientFault[] {
  if (!Array.isArray(value)) throw bad('faults', 'expected an array of scenario fault objects');
  return value.map((v: unknown, i) => parseOne(v, `faults[${i}]`, routes));
}
