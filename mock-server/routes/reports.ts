/**
 * @module Reports a client sends: capabilities (POST/PUT, rc.2 also DELETE) and deployment status (POST).
 * The client is already authenticated (signature verified, not revoked) when these run.
 *
 * Success codes come from the route: where it lists both 200 and 201, a first report answers 201 (created) and a
 * later one 200 (updated). rc.2: a capabilities body whose `properties.id` differs from the path `deviceId` is a
 * semantic error (422); a child device (`gateway/child`) whose gateway has not reported answers 404
 * (`missingGateway`). Fault `capabilities-500` answers a valid capabilities report with 500 and stores nothing.
 * @see spec-digest §1.1 E3, E4, E8; §5.4 items 26–33; §5.6
 */
import { statusFor } from '../context.js';
import { emptyReply, errorReply, isRecord, parseJsonBody, semanticReply, type Exchange, type Reply } from '../exchange.js';
import type { ClientRecord } from '../state.js';

function createdOrUpdated(ex: Exchange, existed: boolean): number {
  const listed = ex.spec.successStatuses;
  if (listed.includes(201) && listed.includes(200)) return existed ? 200 : 201;
  return listed[0] ?? 200;
}

function nowIso(ex: Exchange): string {
  return new Date(ex.ctx.clock.nowMs()).toISOString();
}

function bodyDeviceId(value: unknown): unknown {
  return isRecord(value) && isRecord(value['properties']) ? value['properties']['id'] : undefined;
}

/** Capabilities create/update: validate, check the deviceId rules, store the latest report per device. */
export function handleCapabilitiesPut(ex: Exchange, client: ClientRecord): Reply {
  const parsed = parseJsonBody(ex);
  if (!parsed.ok) return parsed.reply;
  const pathDevice = ex.params['deviceId'];
  if (pathDevice !== undefined) {
    const inBody = bodyDeviceId(parsed.value);
    if (inBody !== pathDevice) {
      return semanticReply(ex, `properties.id '${String(inBody)}' differs from the deviceId in the path '${pathDevice}'`);
    }
    const gateway = pathDevice.includes('/') ? pathDevice.slice(0, pathDevice.lastIndexOf('/')) : undefined;
    if (gateway !== undefined && !client.capabilities.has(gateway)) {
      const message = `child device '${pathDevice}' reported before its gateway '${gateway}'`;
      return errorReply(ex, statusFor(ex.spec, 'missingGateway', 404), 'invalid-request', message, 'capabilities:missing-gateway');
    }
  }
  if (ex.ctx.faults.has('capabilities-500')) {
    return errorReply(ex, 500, 'internal-error', 'capabilities-500 fault', 'fault:capabilities-500');
  }
  const key = pathDevice ?? '';
  const existed = client.capabilities.has(key);
  client.capabilities.set(key, { body: parsed.value, receivedAt: nowIso(ex) });
  return emptyReply(createdOrUpdated(ex, existed), existed ? 'ok:updated' : 'ok:created');
}

/** Capabilities delete (rc.2): 204, or 404 for a device that never reported. */
export function handleCapabilitiesDelete(ex: Exchange, client: ClientRecord): Reply {
  const device = ex.params['deviceId'] ?? '';
  if (ex.ctx.faults.has('capabilities-500')) {
    return errorReply(ex, 500, 'internal-error', 'capabilities-500 fault', 'fault:capabilities-500');
  }
  if (!client.capabilities.delete(device)) {
    return errorReply(ex, statusFor(ex.spec, 'unknownDevice', 404), 'invalid-request', `no capabilities for device '${device}'`, 'capabilities:unknown-device');
  }
  return emptyReply(ex.spec.successStatuses[0] ?? 204, 'ok:deleted');
}

/** Deployment status: validate, require the body deploymentId to equal the path's, store the latest per deployment. */
export function handleDeploymentStatus(ex: Exchange, client: ClientRecord): Reply {
  const parsed = parseJsonBody(ex);
  if (!parsed.ok) return parsed.reply;
  const pathId = ex.params['deploymentId'] ?? '';
  const value = parsed.value;
  const bodyId = isRecord(value) ? value['deploymentId'] : undefined;
  if (bodyId !== pathId) {
    return semanticReply(ex, `deploymentId '${String(bodyId)}' in the body differs from '${pathId}' in the path`);
  }
  const deviceId = isRecord(value) && typeof value['deviceId'] === 'string' ? value['deviceId'] : undefined;
  const key = deviceId === undefined ? pathId : `${pathId} ${deviceId}`;
  const existed = client.statuses.has(key);
  client.statuses.set(key, { body: value, receivedAt: nowIso(ex) });
  return emptyReply(createdOrUpdated(ex, existed), existed ? 'ok:updated' : 'ok:created');
}
