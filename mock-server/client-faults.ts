/**
 * @module Scenario faults in force, per clientId or for everyone (`'*'`), with the countdown of `status` faults.
 * Requests that carry no clientId yet (Certificate API, onboarding) see only the `'*'` faults.
 */
import type { RouteName } from '../core/profiles/index.js';
import type { ClientFault } from './faults.js';

/** Scope of a scenario fault: one clientId, or `'*'` for every client. */
export type FaultScope = string;

interface ActiveFault {
  readonly fault: ClientFault;
  /** Remaining answers for `status` faults. */
  remaining: number;
}

/** What a request must suffer before (or instead of) normal handling. */
export interface RequestFaults {
  /** Milliseconds to wait first. */
  readonly stallMs: number;
  /** Status to answer instead, with Retry-After seconds when given. */
  readonly status?: { readonly status: 500 | 429 | 503; readonly retryAfterSeconds?: number };
  /** Short labels for the recording, e.g. `stall:2000`, `status:429`. */
  readonly applied: readonly string[];
}

/** Registry of scenario faults of one mock instance. */
export interface ClientFaultRegistry {
  set(scope: FaultScope, faults: readonly ClientFault[]): void;
  list(): Readonly<Record<FaultScope, readonly ClientFault[]>>;
  /** True when a fault of `kind` is in force for `clientId` (or for everyone). */
  has(kind: ClientFault['kind'], clientId?: string): boolean;
  /** Stall and status faults for one request; consumes one count of a matching `status` fault. */
  take(route: RouteName, clientId?: string): RequestFaults;
}

/** Creates a registry seeded with `initial` faults for every client. */
export function createClientFaultRegistry(initial: readonly ClientFault[] = []): ClientFaultRegistry {
  const byScope = new Map<FaultScope, ActiveFault[]>();
  const toActive = (f: ClientFault): ActiveFault => ({ fault: f, remaining: f.kind === 'status' ? f.times : 0 });
  if (initial.length > 0) byScope.set('*', initial.map(toActive));
  const inScope = (clientId: string | undefined): ActiveFault[] => [
    ...(clientId === undefined ? [] : (byScope.get(clientId) ?? [])),
    ...(byScope.get('*') ?? []),
  ];
  return {
    set(scope, faults) {
      if (faults.length === 0) byScope.delete(scope);
      else byScope.set(scope, faults.map(toActive));
    },
    list() {
      return Object.fromEntries([...byScope.entries()].map(([scope, active]) => [scope, active.map((a) => a.fault)]));
    },
    has(kind, clientId) {
      return inScope(clientId).some((a) => a.fault.kind === kind);
    },
    take(route, clientId) {
      let stallMs = 0;
      let status: RequestFaults['status'];
      const applied: string[] = [];
      for (const active of inScope(clientId)) {
        const f = active.fault;
        if (f.kind === 'stall' && f.route === route) {
          stallMs += f.ms;
          applied.push(`stall:${f.ms}`);
        }
        if (f.kind === 'status' && f.route === route && status === undefined && active.remaining > 0) {
          active.remaining -= 1;
          status = { status: f.status, ...(f.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: f.retryAfterSeconds }) };
          applied.push(`status:${f.status}`);
        }
      }
      return { stallMs, ...(status === undefined ? {} : { status }), applied };
    },
  };
}
