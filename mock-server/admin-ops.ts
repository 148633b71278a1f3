/**
 * @module The WFM user's operations on one mock instance ({@link MockAdmin}): approve or reject pending
 * onboardings, upload or allowlist certificates and issuing CAs, pre-reject a fingerprint, revoke a client, edit a
 * client's desired state, set scenario faults, and the operator hook the `wfm` suite calls.
 * The admin HTTP API and the admin page are thin layers over these; tests call them in-process.
 */
import { X509Certificate } from 'node:crypto';
import { ConformanceError } from '../core/errors.js';
import { parsePemBlocks, sha256Hex } from '../core/pki/index.js';
import { desiredStateChanged, wakeHeld, type MockContext } from './context.js';
import { parseDeploymentYaml, splitYamlDocuments } from './desired-state.js';
import type { ClientFault } from './faults.js';
import { isFingerprint, normaliseFingerprint, type ClientRecord, type PendingOnboarding } from './state.js';
import type { ClientView, MockAdmin, OperatorHookRequest, PendingView } from './types.js';

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
    async operatorHook(req: OperatorHookRequest) {
      const fromPem = req.certificatePem === undefined ? undefined : sha256Hex(parseOnePem(req.certificatePem).raw);
      const fp = fromPem ?? requireFingerprint(req.fingerprint);
      if (fromPem !== undefined && req.fingerprint !== '' && normaliseFingerprint(req.fingerprint) !== fromPem) {
        throw new ConformanceError('USAGE', 'fingerprint does not match certificatePem');
      }
      const pending = state.pending.get(fp);
      if (pending !== undefined && pending.state === 'pending') {
        await decide(pending.id, req.action === 'approve');
        return { outcome: req.action === 'approve' ? 'approved-pending' : 'rejected-pending' };
      }
      if (req.action === 'approve') allow(fp);
      else refuse(fp);
      wakeHeld(ctx, fp);
      await ctx.persist();
      return { outcome: req.action === 'approve' ? 'allowlisted' : 'pre-rejected' };
    },
    clearTraffic: () => ctx.recorder.clear(),
  };
  return admin;
}
