/**
 * @module Shared assertions of the suites. Each returns a {@link Verdict} carrying what was expected, what was
 * observed, and the exchange as evidence, so a check body reads as "send, then expect".
 *
 * Gating (STYLE.md §3): a negative expectation passes only when the request arrived and was answered with a status;
 * a transport failure (reset, refused, TLS failure) means the decision point was not reached → `inconclusive`.
 */
import { isUtf8 } from 'node:buffer';
import type { Evidence, Level, RecordedRequest, RecordedResponse, SchemaErrorItem, TlsFacts, Verdict } from '../core/check.js';

/** How much of a body goes into evidence, in bytes. */
export const BODY_EXCERPT_BYTES = 4096;

/** One request as sent, and either its response or the transport failure that replaced it. */
export interface ObservedExchange {
  /** What this exchange was for, e.g. `onboarding (unsigned)`. */
  readonly label: string;
  readonly request: {
    readonly method: string;
    readonly url: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body?: Uint8Array;
  };
  readonly response?: {
    readonly status: number;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: Uint8Array;
  };
  /** Set when no response arrived: the error code (`ECONNRESET`, `TLS_SETUP_FAILED`, …) and message. */
  readonly transportError?: { readonly code: string; readonly message: string };
  readonly tls?: TlsFacts;
  readonly durationMs?: number;
  /** The signature base the request was signed over, when it was signed. */
  readonly signatureBase?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Verdict constructors.

/** A `pass` verdict. */
export function pass(message: string, evidence: readonly Evidence[] = []): Verdict {
  return { status: 'pass', message, evidence };
}

/** A `fail` verdict with expected/actual. */
export function fail(message: string, expected: string, actual: string, evidence: readonly Evidence[] = []): Verdict {
  return { status: 'fail', message, expected, actual, evidence };
}

/** `fail` for a MUST clause, `warn` for SHOULD and MAY clauses (a SHOULD is never promoted, STYLE.md §3). */
export function unmet(level: Level, message: string, expected: string, actual: string, evidence: readonly Evidence[] = []): Verdict {
  return { status: level === 'MUST' ? 'fail' : 'warn', message, expected, actual, evidence };
}

/** An `inconclusive` verdict: the decision point was not reached. */
export function inconclusive(message: string, evidence: readonly Evidence[] = []): Verdict {
  return { status: 'inconclusive', message, evidence };
}

/** A `skip` verdict with its reason (never green in a certification run). */
export function skip(reason: string, evidence: readonly Evidence[] = []): Verdict {
  return { status: 'skip', message: reason, evidence };
}

/** A `not-applicable` verdict saying which profile or config key excludes the clause. */
export function notApplicable(reason: string): Verdict {
  return { status: 'not-applicable', message: reason, evidence: [] };
}

/** A `note` evidence item. */
export function note(text: string, label?: string): Evidence {
  return label === undefined ? { kind: 'note', text } : { kind: 'note', label, text };
}

// ---------------------------------------------------------------------------------------------------------------
// Evidence.

/**
 * A body as evidence text: UTF-8 text cut at {@link BODY_EXCERPT_BYTES}, or `[base64] …` for binary bodies.
 * Returns undefined for an empty body.
 */
export function bodyExcerpt(body: Uint8Array | undefined): string | undefined {
  if (body === undefined || body.length === 0) return undefined;
  const cut = body.length > BODY_EXCERPT_BYTES ? body.subarray(0, BODY_EXCERPT_BYTES) : body;
  const more = body.length > BODY_EXCERPT_BYTES ? ` … (${body.length} bytes in all)` : '';
  if (isUtf8(cut)) return `${Buffer.from(cut).toString('utf8')}${more}`;
  return `[base64] ${Buffer.from(cut).toString('base64')}${more}`;
}

/** The body as UTF-8 text (lossy for binary bodies); empty string when absent. */
export function bodyText(body: Uint8Array | undefined): string {
  return body === undefined ? '' : Buffer.from(body).toString('utf8');
}

/**
 * Evidence for one exchange: an `exchange` item (request, response or transport error, TLS facts), followed by a
 * `signature-base` item when the request was signed. Redaction of `Signature` values happens in core/report.
 */
export function exchangeEvidence(x: ObservedExchange): Evidence[] {
  const reqBody = bodyExcerpt(x.request.body);
  const request: RecordedRequest = {
    method: x.request.method,
    url: x.request.url,
    headers: { ...x.request.headers },
    ...(reqBody === undefined ? {} : { body: reqBody }),
  };
  let response: RecordedResponse | undefined;
  if (x.response !== undefined) {
    const resBody = bodyExcerpt(x.response.body);
    response = { status: x.response.status, headers: { ...x.response.headers }, ...(resBody === undefined ? {} : { body: resBody }) };
  }
  const out: Evidence[] = [
    {
      kind: 'exchange',
      label: x.label,
      request,
      ...(response === undefined ? {} : { response }),
      ...(x.transportError === undefined ? {} : { transportError: `${x.transportError.code}: ${x.transportError.message}` }),
      ...(x.tls === undefined ? {} : { tls: x.tls }),
      ...(x.durationMs === undefined ? {} : { durationMs: x.durationMs }),
    },
  ];
  if (x.signatureBase !== undefined) out.push({ kind: 'signature-base', label: x.label, base: x.signatureBase });
  return out;
}

/** Evidence of several exchanges, in order. */
export function exchangesEvidence(xs: readonly ObservedExchange[]): Evidence[] {
  return xs.flatMap(exchangeEvidence);
}

/**
 * Why an exchange has no response, for verdict messages: the transport error code, or, for a TLS failure, the
 * transport's own sentence (it names the pinned root CA and the OpenSSL code, e.g. a chain that does not verify).
 */
export function noResponseReason(x: ObservedExchange): string {
  if (x.transportError === undefined) return 'transport failure';
  return x.tls?.errorCode === undefined ? x.transportError.code : x.transportError.message;
}

function statusList(statuses: readonly number[]): string {
  return statuses.length === 1 ? String(statuses[0]) : statuses.join(' or ');
}

function observed(x: ObservedExchange): string {
  if (x.response !== undefined) {
    const body = bodyExcerpt(x.response.body);
    const short = body === undefined ? '' : ` ${body.length > 160 ? `${body.slice(0, 157)}...` : body}`;
    return `${x.response.status}${short}`;
  }
  return `no response (${noResponseReason(x)})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Assertions.

/** Options of {@link expectStatus}. */
export interface ExpectStatusOptions {
  /** Level of the clause: a mismatch is `fail` for MUST, `warn` otherwise. Default MUST. */
  readonly level?: Level;
  /** What was being done, for the message: `onboarding with a valid certificate`. */
  readonly what?: string;
}

/**
 * Expects the response status to be one of `expected`. A transport failure gives `inconclusive` (the target never
 * answered); a different status gives `fail` (MUST) or `warn` (SHOULD/MAY). Evidence: the exchange.
 */
export function expectStatus(x: ObservedExchange, expected: readonly number[], opts: ExpectStatusOptions = {}): Verdict {
  const what = opts.what ?? x.label;
  const evidence = exchangeEvidence(x);
  if (x.response === undefined) {
    return inconclusive(`${what}: no HTTP response (${noResponseReason(x)})`, evidence);
  }
  if (expected.includes(x.response.status)) return pass(`${what}: answered ${x.response.status}`, evidence);
  return unmet(opts.level ?? 'MUST', `${what}: answered ${x.response.status}`, statusList(expected), observed(x), evidence);
}

/**
 * Negative expectation: the target must refuse the request with one of `expected` (e.g. 401).
 * - response status in `expected` → `pass` (the decision point was reached and answered);
 * - any other status → `fail` (a 2xx means the request was accepted, anything else is the wrong refusal);
 * - no response → `inconclusive` (a closed connection is not a refusal the clause asks for).
 */
export function expectRejected(x: ObservedExchange, expected: readonly number[], opts: ExpectStatusOptions = {}): Verdict {
  const what = opts.what ?? x.label;
  const evidence = exchangeEvidence(x);
  if (x.response === undefined) {
    return inconclusive(
      `${what}: the target did not answer (${noResponseReason(x)}), so the refusal was not observed`,
      evidence,
    );
  }
  const status = x.response.status;
  if (expected.includes(status)) return pass(`${what}: refused with ${status}`, evidence);
  const message = status >= 200 && status < 300 ? `${what}: accepted with ${status}` : `${what}: answered ${status}`;
  return unmet(opts.level ?? 'MUST', message, `refused with ${statusList(expected)}`, observed(x), evidence);
}

/** Result of validating a value against a named schema. */
export interface SchemaCheckResult {
  readonly ok: boolean;
  readonly errors: readonly SchemaErrorItem[];
}

/** The part of core/schema's registry the assertions use. */
export interface SchemaValidator {
  validate(name: string, value: unknown): SchemaCheckResult;
}

/**
 * Expects `value` (already parsed losslessly) to be valid against `schema`. The verdict carries readable schema
 * errors (`/clientId: must be string (found integer 12)`) as `schema-errors` evidence plus `extra` evidence.
 */
export function expectSchema(
  registry: SchemaValidator,
  schema: string,
  value: unknown,
  what: string,
  extra: readonly Evidence[] = [],
  level: Level = 'MUST',
): Verdict {
  const result = registry.validate(schema, value);
  if (result.ok) return pass(`${what} is valid against ${schema}`, extra);
  const evidence: Evidence[] = [{ kind: 'schema-errors', label: what, schema, errors: result.errors }, ...extra];
  const first = result.errors.slice(0, 3).map((e) => e.message).join('; ');
  return unmet(level, `${what} breaks ${schema}: ${first}`, `a body valid against ${schema}`, first, evidence);
}

/** Reads a header case-insensitively from an exchange's response. */
export function responseHeader(x: ObservedExchange, name: string): string | undefined {
  const headers = x.response?.headers ?? {};
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/**
 * Expects response header `name` to satisfy `test`, which returns undefined when the value is fine or a short
 * description of what is wrong. A missing header is passed to `test` as undefined.
 */
export function expectHeader(
  x: ObservedExchange,
  name: string,
  test: (value: string | undefined) => string | undefined,
  expected: string,
  level: Level = 'MUST',
): Verdict {
  const evidence = exchangeEvidence(x);
  if (x.response === undefined) return inconclusive(`${x.label}: no HTTP response (${noResponseReason(x)}), so no ${name} header`, evidence);
  const value = responseHeader(x, name);
  const problem = test(value);
  if (problem === undefined) return pass(`${x.label}: ${name} ${value === undefined ? 'absent as expected' : `is ${value}`}`, evidence);
  return unmet(level, `${x.label}: ${name} ${problem}`, expected, value === undefined ? `no ${name} header` : value, evidence);
}

/** The first verdict that is not `pass`, or a `pass` that merges the messages and evidence of all of them. */
export function allOf(verdicts: readonly Verdict[], passMessage: string): Verdict {
  const bad = verdicts.find((v) => v.status !== 'pass');
  if (bad !== undefined) {
    const others = verdicts.filter((v) => v !== bad).flatMap((v) => v.evidence);
    return { ...bad, evidence: [...bad.evidence, ...others.filter((e) => !bad.evidence.includes(e))] };
  }
  return pass(passMessage, dedupe(verdicts.flatMap((v) => v.evidence)));
}

function dedupe(evidence: readonly Evidence[]): Evidence[] {
  return evidence.filter((e, i) => evidence.indexOf(e) === i);
}
