/**
 * @module The device's wire layer: resolve a profile route to a URL, sign the request (RFC 9421 + RFC 9530) with
 * the device's key, send it on the pinned (or bootstrap) client, record redacted evidence, and retry server errors
 * with backoff that honours Retry-After.
 *
 * @see spec-digest §3.1 (client signing algorithm), §5.7 #68 (Retry-After)
 */
import type { Evidence } from '../core/check.js';
import { ConformanceError, isConformanceError } from '../core/errors.js';
import type { HttpRequestParts } from '../core/http-signatures/index.js';
import type { IssuedCertificate } from '../core/pki/index.js';
import { expandPath } from '../core/profiles/index.js';
import type { RouteName, RouteSpec } from '../core/profiles/index.js';
import { exchangeEvidence } from './evidence.js';
import type { DeviceFault } from './faults.js';
import { keyIdFor } from './identity.js';
import { parseRetryAfterMs, planRetry } from './retry.js';
import type { DeviceSession } from './session.js';
import type { DeviceSendResult, DeviceStep, RetryPolicy, SigningKey } from './types.js';

/** A request ready for the wire, before signing. Header names lower-case. */
export interface WireRequest {
  /** Evidence label, e.g. `onboard`. */
  readonly label: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  readonly sign: boolean;
  readonly faults: ReadonlySet<DeviceFault>;
  /** Unix seconds; default the clock's now at each attempt. */
  readonly created?: number;
  readonly identity?: IssuedCertificate;
  /** A bare key and keyid to sign with (e.g. the published RFC 9421 test keys); wins over `identity`. */
  readonly signingKey?: SigningKey;
  /** `bootstrap` = the unverified first contact (Certificate API only). */
  readonly channel: 'pinned' | 'bootstrap';
  /** Overrides the device's per-request timeout, ms. */
  readonly timeoutMs?: number;
}

/** Attempts a device makes when fault `retry-tight-loop` is on. */
export const TIGHT_LOOP_ATTEMPTS = 30;

/**
 * The route spec of `route` in the device's profile. Throws ROUTE_NOT_IN_PROFILE when the profile lacks it
 * (e.g. `capabilitiesCreate` in rfc9421-rc2).
 */
export function routeSpec(session: DeviceSession, route: RouteName): RouteSpec {
  const spec = session.profile.routes[route];
  if (spec === undefined) {
    throw new ConformanceError('ROUTE_NOT_IN_PROFILE', `profile ${session.profile.id} has no ${route} route`, {
      details: { profile: session.profile.id, route },
    });
  }
  return spec;
}

/**
 * The clientId the device puts in paths: the assigned one, or its deviceId with fault `ignore-client-id` (and
 * after a refused onboarding with `continue-after-403` / `continue-after-400`). Undefined when the device has none yet.
 */
export function pathClientId(session: DeviceSession, deviceId: string): string | undefined {
  if (session.faults.has('ignore-client-id')) return deviceId;
  if (session.state.clientId !== undefined) return session.state.clientId;
  return session.faults.has('continue-after-403') || session.faults.has('continue-after-400') ? deviceId : undefined;
}

/** Full URL of `route` under the WFM base URL (path prefix kept). Throws ROUTE_PARAM_MISSING for an empty param. */
export function urlFor(session: DeviceSession, spec: RouteSpec, params: Readonly<Record<string, string>>): string {
  return `${session.baseUrl}${expandPath(spec.path, params)}`;
}

/** The key and keyid of a certificate: another certificate's (`own` false), or the device's own. */
function keyOf(session: DeviceSession, certificate: IssuedCertificate, own: boolean): SigningKey {
  return { privateKey: certificate.privateKey, keyid: keyIdFor(certificate, session.config, own ? session.state.clientId : undefined) };
}

/**
 * Signs a wire request with the device key (or `req.signingKey`, or `req.identity`'s key) through the device's cached signer: covered
 * components per config, signing faults that apply to this request, `created` = `req.created` or now.
 * Resolves to the request parts as they go on the wire and the signature base.
 */
export async function signWire(session: DeviceSession, req: WireRequest): Promise<{ parts: HttpRequestParts; signatureBase: string }> {
  const plan = session.signers.plan(req.faults, (req.body?.length ?? 0) > 0);
  // One await at most (the device identity, resolved after the first request): this runs for every signed request.
  const key = req.signingKey ?? (req.identity !== undefined ? keyOf(session, req.identity, false) : keyOf(session, (await session.identity()).certificate, true));
  const signer = session.signers.signer(key.privateKey, key.keyid, plan);
  // The core signer copies the headers before adding its own, so the readonly map is passed as it is.
  const parts: HttpRequestParts = { method: req.method, url: req.url, headers: req.headers as Record<string, string> };
  if (req.body !== undefined) parts.body = req.body;
  const signed = signer.sign(parts, req.created ?? session.clock.nowSeconds());
  return { parts: signed.request, signatureBase: signed.signatureBase };
}

function transportText(err: ConformanceError): string {
  const detail = err.details?.['tlsCode'] ?? err.details?.['code'];
  return typeof detail === 'string' ? `${err.code} ${detail}: ${err.message}` : `${err.code}: ${err.message}`;
}

/**
 * Sends one request, signed when `req.sign`. Resolves to the response or to the transport error
 * (TLS_SETUP_FAILED, TARGET_UNREACHABLE, CA_UNAVAILABLE, TIMEOUT), always with `exchange` evidence.
 * Throws only for harness errors (a signing fault that cannot apply to the key, an unknown algorithm).
 */
export async function sendOnce(session: DeviceSession, req: WireRequest): Promise<DeviceSendResult> {
  let parts: HttpRequestParts = { method: req.method, url: req.url, headers: { ...req.headers } };
  if (req.body !== undefined) parts.body = req.body;
  let signatureBase: string | undefined;
  if (req.sign) ({ parts, signatureBase } = await signWire(session, req));
  const evidenceOf = (extra: Partial<Parameters<typeof exchangeEvidence>[0]>): Evidence =>
    exchangeEvidence(
      {
        label: req.label,
        method: parts.method,
        url: parts.url,
        requestHeaders: parts.headers,
        ...(parts.body === undefined ? {} : { requestBody: parts.body }),
        ...extra,
      },
      session.redaction,
    );
  const bootstrap = req.channel === 'bootstrap' ? session.bootstrapClient() : undefined;
  try {
    const client = bootstrap ?? session.pinnedClient();
    const spec = { method: parts.method, url: parts.url, headers: parts.headers, ...(parts.body === undefined ? {} : { body: parts.body }) };
    const signal = session.options.signal;
    const result = await client.send(spec, { timeoutMs: req.timeoutMs ?? session.timeoutMs, ...(signal === undefined ? {} : { signal }) });
    const evidence = evidenceOf({
      response: { status: result.status, headers: result.headers, body: result.body },
      ...(result.tls === undefined ? {} : { tls: result.tls }),
      durationMs: result.durationMs,
    });
    return { result, evidence, ...(signatureBase === undefined ? {} : { signatureBase }) };
  } catch (err) {
    if (!isConformanceError(err, 'TLS_SETUP_FAILED', 'TARGET_UNREACHABLE', 'CA_UNAVAILABLE', 'TIMEOUT')) throw err;
    const tlsCode = err.details?.['tlsCode'];
    const evidence = evidenceOf({
      transportError: transportText(err),
      ...(typeof tlsCode === 'string' ? { tls: { errorCode: tlsCode, errorMessage: err.message, authorized: false } } : {}),
    });
    return { error: err, evidence, ...(signatureBase === undefined ? {} : { signatureBase }) };
  } finally {
    // Never reuse the bootstrap connection: everything after the CA download goes through the pinned client.
    if (bootstrap !== undefined) await bootstrap.close();
  }
}

/** Result of {@link sendWithRetry}: the last attempt and how many attempts were made. */
export interface RetriedResult {
  readonly last: DeviceSendResult;
  readonly attempts: number;
}

function policyOf(session: DeviceSession): RetryPolicy {
  const policy = session.retry;
  return session.faults.has('retry-tight-loop') ? { ...policy, maxAttempts: TIGHT_LOOP_ATTEMPTS } : policy;
}

/**
 * Sends with retries on 429/500/503: exponential backoff from `retry.baseDelayMs`, never earlier than Retry-After,
 * at most `retry.maxAttempts` attempts; each attempt is signed afresh (a new `created`). Transport errors are
 * not retried. Logs each retry on `step`.
 * @see RFC 9110 §10.2.3, spec-digest §5.7 #68
 */
export async function sendWithRetry(session: DeviceSession, step: DeviceStep, req: WireRequest): Promise<RetriedResult> {
  const policy = policyOf(session);
  const behaviour = {
    ignoreRetryAfter: session.faults.has('ignore-retry-after'),
    tightLoop: session.faults.has('retry-tight-loop'),
  };
  for (let attempt = 1; ; attempt += 1) {
    const last = await sendOnce(session, req);
    if (last.result === undefined) return { last, attempts: attempt };
    const retryAfterMs = parseRetryAfterMs(last.result.headers['retry-after'], session.clock.nowMs());
    const decision = planRetry(attempt, last.result.status, retryAfterMs, policy, behaviour);
    if (!decision.retry) return { last, attempts: attempt };
    session.log(step, 'retry', {
      status: last.result.status,
      detail: `attempt ${attempt + 1} in ${decision.delayMs} ms${retryAfterMs === undefined ? '' : ` (Retry-After ${retryAfterMs} ms)`}`,
    });
    await session.sleep(decision.delayMs, session.options.signal);
  }
}
