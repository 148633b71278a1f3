/**
 * @module One request as the route handlers see it, the reply they return, and the shared steps: error replies in
 * the profile's format, and body parsing + schema validation (400, or 422 where the profile names 422 for
 * semantic errors).
 */
import type { RouteName, RouteSpec } from '../core/profiles/index.js';
import type { RecordedSignature } from '../core/traffic.js';
import { errorFormat, statusFor, type MockContext } from './context.js';
import { renderError, type ProblemName } from './problems.js';
import type { ClientRecord } from './state.js';

/** A routed request with its exact body. */
export interface Exchange {
  readonly ctx: MockContext;
  readonly method: string;
  /** Request path after the base path, without the query. */
  readonly path: string;
  readonly route: RouteName;
  readonly spec: RouteSpec;
  readonly params: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** `@target-uri` as rebuilt from the request: `https://<Host><request-target>`. */
  readonly targetUri: string;
  /** Unix seconds at arrival. */
  readonly nowSeconds: number;
  clientId?: string;
  client?: ClientRecord;
  signature?: RecordedSignature;
}

/** What a handler answers. `verdict` is the short decision recorded and logged. */
export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly verdict: string;
}

const EMPTY = Buffer.alloc(0);

/** A reply with a JSON body (`application/json` unless `contentType` says otherwise). */
export function jsonReply(status: number, value: unknown, verdict: string, contentType = 'application/json'): Reply {
  return { status, headers: { 'content-type': contentType }, body: Buffer.from(JSON.stringify(value)), verdict };
}

/** A reply without a body. */
export function emptyReply(status: number, verdict: string, headers: Record<string, string> = {}): Reply {
  return { status, headers, body: EMPTY, verdict };
}

/** An error reply in the instance's error format (`{error, message}` or RFC 9457). */
export function errorReply(
  ex: Pick<Exchange, 'ctx' | 'path'>,
  status: number,
  problem: ProblemName,
  message: string,
  verdict: string,
  headers: Record<string, string> = {},
): Reply {
  const rendered = renderError(errorFormat(ex.ctx), problem, status, message, `${ex.ctx.basePath}${ex.path}`);
  return { status, headers: { ...headers, 'content-type': rendered.contentType }, body: rendered.body, verdict };
}

/** Result of {@link parseJsonBody}. */
export type ParsedBody = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reply: Reply };

/**
 * Parses the body as JSON and validates it against the route's request schema (core/schema.ts, which adds the
 * body kind's semantic checks). Malformed JSON → 400 naming the position; schema errors → 400; only semantic errors
 * → 422 where the route lists 422 (`semantic`), else 400. The schema registry is compiled once per process.
 * `schemaView` lets a fault hide one member from the schema (the returned `value` is always the body as sent).
 */
export function parseJsonBody(ex: Exchange, schemaView: (value: unknown) => unknown = (v) => v): ParsedBody {
  const text = ex.body.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    const message = `request body is not valid JSON: ${(err as Error).message}`;
    return { ok: false, reply: errorReply(ex, statusFor(ex.spec, 'invalidBody', 400), 'invalid-request', message, 'body:malformed-json') };
  }
  const schema = ex.spec.requestSchema;
  if (schema === undefined) return { ok: true, value };
  const result = ex.ctx.schemas.validate(schema, schemaView(value));
  if (result.ok) return { ok: true, value };
  const message = result.errors.map((e) => e.message).join('; ');
  const semanticOnly = result.errors.every((e) => e.keyword === 'semantic');
  if (semanticOnly && ex.spec.errorStatuses.semantic !== undefined) {
    return { ok: false, reply: errorReply(ex, statusFor(ex.spec, 'semantic', 422), 'semantic-error', message, 'body:semantic') };
  }
  return { ok: false, reply: errorReply(ex, statusFor(ex.spec, 'invalidBody', 400), 'invalid-request', message, 'body:schema') };
}

/**
 * A semantic error found by a handler (e.g. the path deploymentId differs from the body's): 422 where the route
 * lists it, else 400.
 */
export function semanticReply(ex: Exchange, message: string): Reply {
  if (ex.spec.errorStatuses.semantic !== undefined) {
    return errorReply(ex, statusFor(ex.spec, 'semantic', 422), 'semantic-error', message, 'body:semantic');
  }
  return errorReply(ex, statusFor(ex.spec, 'invalidBody', 400), 'invalid-request', message, 'body:semantic');
}

/** True when `value` is a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
