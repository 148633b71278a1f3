/**
 * @module A simulated Margo device: the seed's seven steps as methods, the whole sequence, and `send` for
 * arbitrary signed requests (the `wfm` suite's probes). No global state: each device owns its session.
 *
 * @see seed page "Onboarding Sequence"; spec-digest §3.1, §5.3–5.6
 */
import { fetchDeployments, pollDesiredState } from './desired-state.js';
import { jsonBytes, onboard, sendCapabilities } from './onboarding.js';
import { createSession } from './session.js';
import type { DeviceSession } from './session.js';
import { reportStatus } from './status.js';
import { downloadCa, pin } from './trust.js';
import type { DeviceFault } from './faults.js';
import type { Device, DeviceOptions, DeviceSendRequest, DeviceStep, SignedDeviceRequest, StepOutcome } from './types.js';
import { pathClientId, routeSpec, sendOnce, signWire, urlFor } from './wire.js';
import type { WireRequest } from './wire.js';

function lowerCaseHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

/**
 * Resolves a {@link DeviceSendRequest} to a wire request: route URL (`clientId`/`deviceId` default to the device's
 * own), an object body as JSON, the bootstrap channel for the Certificate API until a root CA is known.
 * Throws ROUTE_NOT_IN_PROFILE, ROUTE_PARAM_MISSING.
 */
async function wireRequestOf(session: DeviceSession, req: DeviceSendRequest): Promise<WireRequest> {
  const id = await session.identity();
  const spec = routeSpec(session, req.route);
  const clientId = pathClientId(session, id.deviceId);
  const params = { ...(clientId === undefined ? {} : { clientId }), deviceId: id.deviceId, ...req.params };
  const headers = lowerCaseHeaders(req.headers);
  let body: Uint8Array | undefined;
  if (req.body instanceof Uint8Array) body = req.body;
  else if (req.body !== undefined) {
    body = jsonBytes(req.body);
    headers['content-type'] ??= 'application/json';
  }
  const bootstrap = req.route === 'certificate' && session.state.caPem === undefined && !session.faults.has('tls-verify-off');
  return {
    label: `send ${req.route}`,
    method: spec.method,
    url: urlFor(session, spec, params),
    headers,
    ...(body === undefined ? {} : { body }),
    sign: req.sign ?? spec.signed,
    faults: req.faults === undefined ? session.faults : new Set(req.faults),
    ...(req.created === undefined ? {} : { created: req.created }),
    ...(req.identity === undefined ? {} : { identity: req.identity }),
    ...(req.signingKey === undefined ? {} : { signingKey: req.signingKey }),
    channel: bootstrap ? 'bootstrap' : 'pinned',
  };
}

/** Builds the request `send` would put on the wire, signed, without sending it (benchmarks, previews). */
async function signOnly(session: DeviceSession, req: DeviceSendRequest): Promise<SignedDeviceRequest> {
  const wire = await wireRequestOf(session, req);
  if (!wire.sign) return { request: { method: wire.method, url: wire.url, headers: { ...wire.headers }, ...(wire.body === undefined ? {} : { body: wire.body }) } };
  const { parts, signatureBase } = await signWire(session, wire);
  return { request: parts, signatureBase };
}

/**
 * Steps whose failure a faulted device ignores, because its own fault provoked the refusal: the broken client goes
 * on, so the traffic after the faulty request can still be judged (and a client suite sees only its fault fail).
 */
const TOLERATED_FAILURES: Partial<Record<DeviceFault, readonly DeviceStep[]>> = {
  'continue-after-403': ['onboard'],
  'continue-after-400': ['onboard'],
  'invalid-capabilities': ['capabilities'],
  'ignore-client-id': ['capabilities', 'poll-desired-state', 'fetch-deployments'],
};

/** The onboarding refusal each `continue-after-*` fault ignores; other onboarding failures still stop the device. */
const TOLERATED_ONBOARDING_STATUS: Partial<Record<DeviceFault, number>> = {
  'continue-after-403': 403,
  'continue-after-400': 400,
};

function toleratesFailure(session: DeviceSession, outcome: StepOutcome): boolean {
  if (outcome.status === undefined) return false;
  return [...session.faults].some(
    (f) =>
      TOLERATED_FAILURES[f]?.includes(outcome.step) === true &&
      (outcome.step !== 'onboard' || TOLERATED_ONBOARDING_STATUS[f] === outcome.status),
  );
}

/**
 * The seed's sequence: (1) root CA via the Certificate API unless given out of band, (2) pin it, (3) onboard,
 * (4) capabilities, (5) poll the desired state twice (the second with If-None-Match, to exercise ETag/304),
 * (6) fetch the deployments, (7) report a status for each. Stops at the first failed step, except where the
 * device's own fault provoked the refusal ({@link TOLERATED_FAILURES}: `continue-after-403` goes on after a 403 on
 * onboarding). `ok` is true when every step succeeded.
 */
async function runSequence(session: DeviceSession): Promise<{ ok: boolean; steps: StepOutcome[] }> {
  const steps: StepOutcome[] = [];
  const done = (): { ok: boolean; steps: StepOutcome[] } => ({ ok: steps.every((s) => s.ok), steps });
  const go = (outcome: StepOutcome): boolean => {
    steps.push(outcome);
    return outcome.ok || toleratesFailure(session, outcome);
  };
  if (session.state.caPem !== undefined) session.log('download-ca', 'out-of-band', { detail: 'root CA provided out of band; Certificate API not called' });
  else if (!go(await downloadCa(session))) return done();
  if (!go(await pin(session))) return done();
  if (!go(await onboard(session))) return done();
  if (!go(await sendCapabilities(session))) return done();
  if (!go(await pollDesiredState(session))) return done();
  if (!go(await pollDesiredState(session))) return done();
  for (const outcome of await fetchDeployments(session)) if (!go(outcome)) return done();
  if (session.state.deployments.length === 0) session.log('report-status', 'skipped', { detail: 'the desired state lists no deployment' });
  for (const dep of session.state.deployments) if (!go(await reportStatus(session, dep.deploymentId))) return done();
  return done();
}

/**
 * Creates a simulated device. No I/O happens until a step runs; the identity (a throwaway device CA and an EC
 * P-256 leaf unless given) is issued on first use. Throws PROFILE_UNKNOWN or TARGET_URL_INVALID for bad options.
 */
export function createDevice(options: DeviceOptions): Device {
  const session = createSession(options);
  return {
    options,
    downloadCa: () => downloadCa(session),
    pin: () => pin(session),
    onboard: () => onboard(session),
    sendCapabilities: () => sendCapabilities(session),
    pollDesiredState: () => pollDesiredState(session),
    fetchDeployments: () => fetchDeployments(session),
    reportStatus: (deploymentId?: string) => reportStatus(session, deploymentId),
    runSequence: () => runSequence(session),
    get clientId() {
      return session.state.clientId;
    },
    get caPem() {
      return session.state.caPem;
    },
    send: async (req) => sendOnce(session, await wireRequestOf(session, req)),
    sign: (req) => signOnly(session, req),
    close: () => session.close(),
  };
}
