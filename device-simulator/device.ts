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
import type { Device, DeviceOptions, DeviceSendRequest, DeviceSendResult, StepOutcome } from './types.js';
import { pathClientId, routeSpec, sendOnce, urlFor } from './wire.js';

function lowerCaseHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

/**
 * One request on a profile route, no retries. `clientId`/`deviceId` params default to the device's own; an object
 * body is sent as JSON; the Certificate API goes over the bootstrap channel until a root CA is known.
 * Throws ROUTE_NOT_IN_PROFILE, ROUTE_PARAM_MISSING, and signing errors (KEY_UNSUPPORTED, SIGNING_FAULT_NOT_APPLICABLE).
 */
async function sendRequest(session: DeviceSession, req: DeviceSendRequest): Promise<DeviceSendResult> {
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
  return sendOnce(session, {
    label: `send ${req.route}`,
    method: spec.method,
    url: urlFor(session, spec, params),
    headers,
    ...(body === undefined ? {} : { body }),
    sign: req.sign ?? spec.signed,
    faults: new Set(req.faults ?? session.faults),
    ...(req.created === undefined ? {} : { created: req.created }),
    ...(req.identity === undefined ? {} : { identity: req.identity }),
    channel: bootstrap ? 'bootstrap' : 'pinned',
  });
}

/**
 * The seed's sequence: (1) root CA via the Certificate API unless given out of band, (2) pin it, (3) onboard,
 * (4) capabilities, (5) poll the desired state twice (the second with If-None-Match, to exercise ETag/304),
 * (6) fetch the deployments, (7) report a status for each. Stops at the first failed step; with fault
 * `continue-after-403` a 403 on onboarding does not stop it. `ok` is true when every step succeeded.
 */
async function runSequence(session: DeviceSession): Promise<{ ok: boolean; steps: StepOutcome[] }> {
  const steps: StepOutcome[] = [];
  const done = (): { ok: boolean; steps: StepOutcome[] } => ({ ok: steps.every((s) => s.ok), steps });
  const go = (outcome: StepOutcome): boolean => {
    steps.push(outcome);
    return outcome.ok;
  };
  if (session.state.caPem !== undefined) session.log('download-ca', 'out-of-band', { detail: 'root CA provided out of band; Certificate API not called' });
  else if (!go(await downloadCa(session))) return done();
  if (!go(await pin(session))) return done();
  const onboarding = await onboard(session);
  steps.push(onboarding);
  const goOn = onboarding.ok || (session.faults.has('continue-after-403') && onboarding.status === 403);
  if (!goOn) return done();
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
    send: (req) => sendRequest(session, req),
    close: () => session.close(),
  };
}
