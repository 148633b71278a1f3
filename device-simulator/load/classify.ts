/**
 * @module Classifying what one simulator step observed into the load report's terms: success, or an error with its
 * kind (HTTP status, TLS, timeout, reset, …), and the request latency. Pure.
 */
import type { LoadErrorKind } from '../../core/report/load-types.js';
import type { StepOutcome } from '../types.js';

/** One request as the load report counts it. */
export interface Classified {
  readonly ok: boolean;
  readonly kind?: LoadErrorKind;
  readonly status?: number;
  readonly message?: string;
  /** HTTP round trip (send → end of body) when a response came, else the step's wall time, ms. */
  readonly latencyMs: number;
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const HTTP_FAILURES = new Set(['UNEXPECTED_STATUS', 'ONBOARDING_REJECTED']);
const MESSAGE_LIMIT = 300;

/** The socket-level code of a transport failure: from the exchange's `transportError` (`CODE DETAIL: …`) or the message. */
function transportCode(outcome: StepOutcome): string | undefined {
  const exchange = outcome.exchange?.kind === 'exchange' ? outcome.exchange : undefined;
  const fromEvidence = /^[A-Z_]+ ([A-Z0-9_]+):/.exec(exchange?.transportError ?? '')?.[1];
  if (fromEvidence !== undefined) return fromEvidence;
  return /\b(E[A-Z]+|UND_ERR_[A-Z_]+)\b/.exec(outcome.error?.message ?? '')?.[1];
}

/** Kind of a failure without an HTTP status. */
function transportKind(outcome: StepOutcome): LoadErrorKind {
  const code = outcome.error?.code;
  if (code === 'TLS_SETUP_FAILED') return 'tls';
  // The HTTPS client reports the caller's own abort as TIMEOUT; the fleet aborts only at the hard deadline or one
  // grace period after Ctrl-C.
  if (code === 'TIMEOUT') return 'aborted';
  const detail = transportCode(outcome);
  if (detail === undefined) return 'network';
  if (TIMEOUT_CODES.has(detail)) return 'timeout';
  if (RESET_CODES.has(detail)) return 'reset';
  if (detail === 'ECONNREFUSED') return 'refused';
  return 'network';
}

/**
 * Classifies one step that made exactly one request (the load generator runs the simulator without retries).
 * A status outside the route's success statuses is `http`; a success status with an unusable body is `protocol`.
 */
export function classifyOutcome(outcome: StepOutcome, wallMs: number): Classified {
  const exchange = outcome.exchange?.kind === 'exchange' ? outcome.exchange : undefined;
  const latencyMs = exchange?.durationMs ?? wallMs;
  if (outcome.ok) return { ok: true, latencyMs, ...(outcome.status === undefined ? {} : { status: outcome.status }) };
  const message = (outcome.error?.message ?? 'failed').slice(0, MESSAGE_LIMIT);
  if (outcome.status !== undefined) {
    const kind: LoadErrorKind = HTTP_FAILURES.has(outcome.error?.code ?? '') ? 'http' : 'protocol';
    return { ok: false, kind, status: outcome.status, message, latencyMs };
  }
  return { ok: false, kind: transportKind(outcome), message, latencyMs };
}
