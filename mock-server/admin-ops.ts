/**
 * @module The WFM user's operations on one mock instance ({@link MockAdmin}): approve or reject pending
 * onboardings, upload or allowlist certificates and issuing CAs, pre-reject a fingerprint, revoke a client, edit a
 * client's desired state, set scenario faults, and the operator hook the `wfm` suite calls (operator-hook.ts).
 * The admin HTTP API and the admin page are thin layers over these; tests call them in-process.
 */
import { randomUUID, X509Certificate } from 'node:crypto';
import { ConformanceError } from '../core/errors.js';
import { parsePemBlocks, sha256Hex } from '../core/pki/index.js';
import { desiredStateChanged, wakeHeld, type MockContext } from './context.js';
import { parseDeploymentYaml, splitYamlDocuments } from './desired-state.js';
import type { ClientFault } from './faults.js';
import { isFingerprint, normaliseFingerprint, type ClientRecord, type PendingOnboarding } from './state.js';
import { operatorDeploymentYaml, type OperatorHookRequest, type OperatorHookResult } from './operator-hook.js';
import type { ClientView, MockAdmin, PendingView } from './types.js';

function pendingView(p: PendingOnboarding): PendingView {
  const { certDer: _der, ...view } = p;
  return { ...view };
}

/** The admin view of a client: identity, trust state, desired state and the latest reports. */
export function clientView(c: ClientRecord): ClientView {
  return {
    clientId: c.clientId,
    fingerprint256: c.fingerprint256,
    ...(c.x509 === undefined ? {} : { subject: c.x509.subject.replace(/\n/g, ', '), issuer: c.x509.issuer.replace(/\n/g, ', ') }),
    certificateEncoding: c.certificateEncoding,
    onboardedAt: c.onboardedAt,
    ...(c.revokedAt === undefined ? {} : { revokedAt: c.revokedAt }),
    manifestVersion: c.manifestVersion.toString(),
    deployments: [...c.deployments.values()].map((d) => ({ deploymentId: d.deploymentId, digest: d.digest, sizeBytes: d.bytes.length })),
    capabilities: Object.fromEntries(c.capabilities),
    statuses: Object.fromEntries(c.statuses),
  };
}

/** Parses exactly one certificate PEM. @throws ConformanceError `CERT_ENCODING_INVALID` / `CERT_PARSE_FAILED` */
function parseOnePem(pem: string): X509Certificate {
  const block = parsePemBlocks(pem).find((b) => b.label === 'CERTIFICATE');
  if (block === undefined) throw new ConformanceError('CERT_ENCODING_INVALID', 'expected a CERTIFICATE PEM block');
  try {
    return new X509Certificate(block.der);
  } catch (err) {
    throw new ConformanceError('CERT_PARSE_FAILED', 'the PEM block is not an X.509 certificate', { cause: err });
  }
}

function requireFingerprint(text: string): string {
  if (!isFingerprint(text)) {
    throw new ConformanceError('USAGE', `expected a SHA-256 fingerprint (64 hex digits, colons allowed), got '${text}'`);
  }
  return normaliseFingerprint(text);
}

/** Creates the admin handle of an instance. */
export function createMockAdmin(ctx: MockContext): MockAdmin {
  const { state } = ctx;
  const nowIso = (): string => new Date(ctx.clock.nowMs()).toISOString();
  const pendingById = (id: string): PendingOnboarding => {
    for (const p of state.pending.values()) if (p.id === id) return p;
    throw new ConformanceError('USAGE', `no pending onboarding with id '${id}'`);
  };
  const clientById = (id: string): ClientRecord => {
    const c = state.clients.get(id);
    if (c === undefined) throw new ConformanceError('USAGE', `no client with clientId '${id}'`);
    return c;
  };
  const allow = (fp: string): void => {
    state.allowedFingerprints.add(fp);
    state.rejectedFingerprints.delete(fp);
  };
  const refuse = (fp: string): void => {
    state.rejectedFingerprints.add(fp);
    state.allowedFingerprints.delete(fp);
  };
  const decide = async (id: string, approved: boolean): Promise<PendingView> => {
    const p = pendingById(id);
    p.state = approved ? 'approved' : 'rejected';
    if (approved) allow(p.fingerprint256);
    else refuse(p.fingerprint256);
    wakeHeld(ctx, p.fingerprint256);
    await ctx.persist();
    return pendingView(p);
  };

  /** The fingerprint a hook request names (from `certificatePem` when given), or undefined when it names none. */
  const hookFingerprint = (req: OperatorHookRequest): string | undefined => {
    const fromPem = req.certificatePem === undefined ? undefined : sha256Hex(parseOnePem(req.certificatePem).raw);
    if (fromPem !== undefined && req.fingerprint !== '' && normaliseFingerprint(req.fingerprint) !== fromPem) {
      throw new ConformanceError('USAGE', 'fingerprint does not match certificatePem');
    }
    return fromPem ?? (req.fingerprint === '' ? undefined : requireFingerprint(req.fingerprint));
  };
  // `revoke-client` and `change-desired-state` act on an onboarded client; a fingerprint, when given, must be its own.
  const clientAction = async (req: OperatorHookRequest): Promise<OperatorHookResult> => {
    if (req.clientId === undefined || req.clientId === '') throw new ConformanceError('USAGE', `operator hook: ${req.action} needs a clientId`);
    const fp = hookFingerprint(req);
    if (fp !== undefined && clientById(req.clientId).fingerprint256 !== fp) {
      throw new ConformanceError('USAGE', `client ${req.clientId} did not onboard with the certificate ${fp}`);
    }
    const view = req.action === 'revoke-client'
      ? await admin.revoke(req.clientId)
      : await admin.putDeployment(req.clientId, operatorDeploymentYaml(randomUUID()));
    return { outcome: req.action === 'revoke-client' ? 'revoked' : 'desired-state-changed', clientId: view.clientId, manifestVersion: view.manifestVersion };
  };

  const admin: MockAdmin = {
    listPending: () => [...state.pending.values()].map(pendingView),
    approve: (id) => decide(id, true),
    reject: (id) => decide(id, false),
    async allowlistFingerprint(fingerprint) {
      allow(requireFingerprint(fingerprint));
      await ctx.persist();
    },
    async allowlistIssuer(caPem) {
      const ca = parseOnePem(caPem);
      if (!state.trustedIssuerCerts.some((c) => c.fingerprint256 === ca.fingerprint256)) {
        state.trustedIssuerCerts.push(ca);
        state.trustedIssuerPems.push(ca.toString());
      }
      await ctx.persist();
    },
    async uploadCertificate(certPem) {
      const cert = parseOnePem(certPem);
      const fp = sha256Hex(cert.raw);
      state.uploads.set(fp, cert.toString());
      allow(fp);
      wakeHeld(ctx, fp);
      await ctx.persist();
      return fp;
    },
    async rejectFingerprint(fingerprint) {
      const fp = requireFingerprint(fingerprint);
      refuse(fp);
      const p = state.pending.get(fp);
      if (p !== undefined) p.state = 'rejected';
      wakeHeld(ctx, fp);
      await ctx.persist();
    },
    async revoke(clientId) {
      const c = clientById(clientId);
      c.revokedAt ??= nowIso();
      await ctx.persist();
      return clientView(c);
    },
    async setClientFaults(scope: string, faults: readonly ClientFault[]) {
      ctx.clientFaults.set(scope, faults);
    },
    clientFaults: () => ctx.clientFaults.list(),
    async putDeployment(clientId, yaml) {
      const c = clientById(clientId);
      const docs = splitYamlDocuments(yaml).map(parseDeploymentYaml);
      if (docs.length === 0) throw new ConformanceError('USAGE', 'expected at least one ApplicationDeployment YAML document');
      let changed = false;
      for (const doc of docs) {
        if (c.deployments.get(doc.deploymentId)?.digest === doc.digest) continue;
        c.deployments.set(doc.deploymentId, doc);
        changed = true;
      }
      if (changed) desiredStateChanged(ctx, c);
      await ctx.persist();
      return clientView(c);
    },
    async removeDeployment(clientId, deploymentId) {
      const c = clientById(clientId);
      if (!c.deployments.delete(deploymentId)) {
        throw new ConformanceError('USAGE', `client ${clientId} has no deployment '${deploymentId}'`);
      }
      desiredStateChanged(ctx, c);
      await ctx.persist();
      return clientView(c);
    },
    clients: () => [...state.clients.values()].map(clientView),
    client: (clientId) => {
      const c = state.clients.get(clientId);
      return c === undefined ? undefined : clientView(c);
    },
    async operatorHook(req) {
      if (req.action === 'revoke-client' || req.action === 'change-desired-state') return clientAction(req);
      const fp = hookFingerprint(req) ?? requireFingerprint(req.fingerprint);
      const approve = req.action === 'approve';
      const pending = state.pending.get(fp);
      if (pending !== undefined && pending.state === 'pending') {
        await decide(pending.id, approve);
        return { outcome: approve ? 'approved-pending' : 'rejected-pending' };
      }
      if (approve) allow(fp);
      else refuse(fp);
      wakeHeld(ctx, fp);
      await ctx.persist();
      return { outcome: approve ? 'allowlisted' : 'pre-rejected' };
    },
    clearTraffic: () => ctx.recorder.clear(),
  };
  return admin;
}
