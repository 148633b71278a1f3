/**
 * @module Steps 3 and 4: onboard with a signed OnboardingRequest and report the DeviceCapabilitiesManifest.
 *
 * @see seed page "Onboarding Sequence" and "Onboarding API Details"; spec-digest §2.1, §2.3, §5.3 #22–23, §5.4
 */
import { isConformanceError } from '../core/errors.js';
import { parseJsonLossless, stringifyJson } from '../core/json.js';
import { buildCapabilities, buildOnboardingRequest } from '../core/profiles/index.js';
import { failed, succeeded, withoutExchange } from './outcome.js';
import { backoffDelayMs } from './retry.js';
import type { DeviceSession } from './session.js';
import type { StepOutcome } from './types.js';
import { pathClientId, routeSpec, sendWithRetry, TIGHT_LOOP_ATTEMPTS, urlFor } from './wire.js';
import type { RetriedResult } from './wire.js';

/** Attempts at onboarding while the WFM answers "pending approval" (202, or 403 under `pendingApprovalBehavior: 403`). */
export const DEFAULT_ONBOARDING_ATTEMPTS = 3;

/** Shortest wait for the onboarding answer when the WFM holds it until the WFM user decides (`hold`), ms. */
export const HOLD_TIMEOUT_MS = 60_000;

const JSON_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json', accept: 'application/json' };

function containsBigInt(value: unknown): boolean {
  if (typeof value === 'bigint') return true;
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).some(containsBigInt);
}

/** UTF-8 bytes of a JSON body; bigint values (u64 manifest versions) are written exactly. */
export function jsonBytes(value: unknown): Uint8Array {
  // JSON.stringify is several times faster than the lossless serializer and is exact when no bigint is present.
  return Buffer.from(containsBigInt(value) ? stringifyJson(value) : JSON.stringify(value), 'utf8');
}

function clientIdOf(body: Buffer): string | undefined {
  let parsed: unknown;
  try {
    parsed = parseJsonLossless(body.toString('utf8'));
  } catch (err) {
    if (isConformanceError(err, 'JSON_MALFORMED')) return undefined;
    throw err;
  }
  const value = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['clientId'] : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * How many times a refusal is tried again. A 403 may mean "pending manual approval" when
 * `onboarding.pendingApprovalBehavior` is `403` (spec-digest §6.18), so it is retried a few times with backoff;
 * with `hold` a 403 is final. A 400 is always final. Fault `retry-tight-loop` retries every refusal at once.
 */
function refusalAttempts(session: DeviceSession, status: number | undefined, pendingStatuses: readonly number[]): number {
  if (session.faults.has('retry-tight-loop')) return status === 400 || status === 403 || status === 202 ? TIGHT_LOOP_ATTEMPTS : 1;
  const pending = status === 202 || (session.config.onboarding.pendingApprovalBehavior === '403' && status !== undefined && pendingStatuses.includes(status));
  return pending ? (session.options.onboardingAttempts ?? DEFAULT_ONBOARDING_ATTEMPTS) : 1;
}

/**
 * Step 3: POST the OnboardingRequest (certificate field per `certificate.encoding`), signed with the key of that
 * certificate. On a success status the `clientId` is kept. Under `pendingApprovalBehavior: hold` the WFM keeps the
 * request open until its user decides, so the device waits at least {@link HOLD_TIMEOUT_MS} for the answer. Fails with ONBOARDING_REJECTED (400/403, after the
 * pending-approval retries), RESPONSE_INVALID (no clientId in the body), UNEXPECTED_STATUS or a transport error.
 * `attempts` counts every request sent.
 * @see seed page: 201 {clientId}; 400 invalid certificate; 403 not trusted / rejected
 */
export async function onboard(session: DeviceSession): Promise<StepOutcome> {
  const id = await session.identity();
  const spec = routeSpec(session, 'onboarding');
  const body = jsonBytes(buildOnboardingRequest(session.profile, id.certificateField));
  const url = urlFor(session, spec, {});
  const pendingStatuses = spec.errorStatuses.pendingApproval ?? [];
  let total = 0;
  for (let round = 1; ; round += 1) {
    session.log('onboard', 'request', { detail: `${spec.method} ${url}${round > 1 ? ` (attempt ${round})` : ''}` });
    const sent = await sendWithRetry(session, 'onboard', {
      label: 'onboard',
      method: spec.method,
      url,
      headers: JSON_HEADERS,
      body,
      sign: spec.signed,
      faults: session.faults,
      channel: 'pinned',
      ...(session.config.onboarding.pendingApprovalBehavior === 'hold' ? { timeoutMs: Math.max(session.timeoutMs, HOLD_TIMEOUT_MS) } : {}),
    });
    total += sent.attempts;
    const counted: RetriedResult = { last: sent.last, attempts: total };
    const status = sent.last.result?.status;
    if (status !== undefined && spec.successStatuses.includes(status)) return accept(session, counted, spec.successStatuses);
    if (status !== undefined && round < refusalAttempts(session, status, pendingStatuses)) {
      const delayMs = session.faults.has('retry-tight-loop') ? 0 : backoffDelayMs(round, session.retry);
      session.log('onboard', 'refused', { status, detail: `trying again in ${delayMs} ms` });
      await session.sleep(delayMs, session.options.signal);
      continue;
    }
    const refused = status === 400 || status === 403;
    return failed(session, 'onboard', counted, spec.successStatuses, refused ? { code: 'ONBOARDING_REJECTED', message: `the WFM refused onboarding with ${status}` } : undefined);
  }
}

function accept(session: DeviceSession, sent: RetriedResult, expected: readonly number[]): StepOutcome {
  const clientId = clientIdOf(sent.last.result?.body ?? Buffer.alloc(0));
  if (clientId === undefined) {
    return failed(session, 'onboard', sent, expected, { code: 'RESPONSE_INVALID', message: 'expected a JSON body with a non-empty string "clientId"' });
  }
  session.state.clientId = clientId;
  return succeeded(session, 'onboard', sent, `clientId ${clientId}`);
}

/**
 * Fault `invalid-capabilities`: drops required `properties.vendor` and `properties.serialNumber` and, where the
 * profile has `kind`, sends the 2024 kind `DeviceCapabilities`. Still JSON, so only the schema check trips.
 */
function breakCapabilities(body: Record<string, unknown>): Record<string, unknown> {
  const properties = { ...(body['properties'] as Record<string, unknown>) };
  delete properties['vendor'];
  delete properties['serialNumber'];
  return { ...body, ...('kind' in body ? { kind: 'DeviceCapabilities' } : {}), properties };
}

/**
 * Step 4: send the DeviceCapabilitiesManifest, signed: `capabilitiesCreate` (POST, rfc9421-v1) or
 * `capabilitiesUpdate` (PUT …/{deviceId}, rfc9421-rc2, where the first PUT creates). Fails with UNEXPECTED_STATUS,
 * NO_CLIENT_ID (not onboarded) or a transport error.
 * @see spec-digest §5.4 #24 "reporting is the final onboarding step"
 */
export async function sendCapabilities(session: DeviceSession): Promise<StepOutcome> {
  const id = await session.identity();
  const spec = session.profile.routes.capabilitiesCreate ?? routeSpec(session, 'capabilitiesUpdate');
  const clientId = pathClientId(session, id.deviceId);
  if (clientId === undefined) {
    return withoutExchange(session, 'capabilities', false, { code: 'NO_CLIENT_ID', message: 'not onboarded: no clientId to report capabilities for' });
  }
  const valid = buildCapabilities(session.profile, { deviceId: id.deviceId });
  const body = session.faults.has('invalid-capabilities') ? breakCapabilities(valid) : valid;
  const url = urlFor(session, spec, { clientId, deviceId: id.deviceId });
  session.log('capabilities', 'request', { detail: `${spec.method} ${url}` });
  const sent = await sendWithRetry(session, 'capabilities', {
    label: 'capabilities',
    method: spec.method,
    url,
    headers: JSON_HEADERS,
    body: jsonBytes(body),
    sign: spec.signed,
    faults: session.faults,
    channel: 'pinned',
  });
  const status = sent.last.result?.status;
  if (status !== undefined && spec.successStatuses.includes(status)) return succeeded(session, 'capabilities', sent);
  return failed(session, 'capabilities', sent, spec.successStatuses);
}
