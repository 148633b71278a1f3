/**
 * @module Onboarding API (E2): `POST /onboarding` with an OnboardingRequest, signed by the key of the certificate it
 * carries. Steps:
 * 1. body: JSON + schema (400);
 * 2. `certificate` field decoded per `certificate.encoding` (base64-der by default; `auto` also takes base64 of the
 *    PEM text and records the encoding) → 400 `{error: "Invalid certificate"}`;
 * 3. signature verified with the certificate's public key when `onboarding.requireSignature` (400 digest / 401);
 * 4. scenario faults `reject-onboarding` (403) and `bad-certificate-response` (400);
 * 5. trust decision (`trust.ts`): 403 `{error: "Client rejected"}`, pending (403, or held with
 *    `onboarding.pendingApprovalBehavior: hold`), or approved;
 * 6. approved: the same certificate gets the same clientId again (spec is silent; we keep it), a new one gets a
 *    fresh URL-safe clientId (base64url of 16 random bytes); state is durable BEFORE 201 `{clientId}` is sent.
 * @see seed "Onboarding API Details", spec-digest §3.1 item 7 (issue #135), §6.11, §6.18, §6.19
 */
import { randomBytes, randomInt } from 'node:crypto';
import { isConformanceError } from '../../core/errors.js';
import { decodeCertificateField, sha256Hex, type CertificateEncoding } from '../../core/pki/index.js';
import type { HttpRequestParts } from '../../core/http-signatures/index.js';
import { republish, statusFor, type MockContext } from '../context.js';
import { errorReply, isRecord, jsonReply, parseJsonBody, type Exchange, type Reply } from '../exchange.js';
import type { ClientRecord } from '../state.js';
import { decideOnboarding, type OnboardingDecision } from '../trust.js';

const ACCEPT: Readonly<Record<'base64-der' | 'base64-pem' | 'auto', readonly CertificateEncoding[]>> = {
  'base64-der': ['base64-der'],
  'base64-pem': ['base64-pem'],
  auto: ['base64-der', 'base64-pem'],
};

/** What the certificate field held. */
type CertificateFacts =
  | { readonly ok: true; readonly der: Buffer; readonly encoding: CertificateEncoding; readonly x509: import('node:crypto').X509Certificate }
  | { readonly ok: false; readonly message: string; readonly raw: Buffer };

function readCertificate(ctx: MockContext, field: unknown): CertificateFacts {
  if (typeof field !== 'string') return { ok: false, message: 'certificate must be a string', raw: Buffer.from(String(field)) };
  try {
    const decoded = decodeCertificateField(field, ACCEPT[ctx.config.certificate.encoding]);
    return { ok: true, der: Buffer.from(decoded.der), encoding: decoded.encoding, x509: decoded.x509 };
  } catch (err) {
    if (isConformanceError(err, 'CERT_ENCODING_INVALID', 'CERT_PARSE_FAILED')) {
      return { ok: false, message: err.message, raw: Buffer.from(field, 'utf8') };
    }
    throw err;
  }
}

/** A new clientId: URL-safe base64url of 16 random bytes, unique; or the misbehaviour a fault asks for. */
function newClientId(ctx: MockContext): string {
  const { faults, state } = ctx;
  if (faults.has('duplicate-client-id')) {
    const first = state.clients.keys().next();
    if (first.done !== true) return first.value;
  }
  for (;;) {
    const id = faults.has('schema-violation')
      ? String(randomInt(1, 2 ** 47))
      : faults.has('non-url-safe-client-id')
        ? randomBytes(16).toString('base64') // 24 characters ending in '==': never URL-safe
        : randomBytes(16).toString('base64url');
    if (!state.clients.has(id)) return id;
  }
}

async function createClient(ctx: MockContext, cert: CertificateFacts, fingerprint: string): Promise<ClientRecord> {
  const clientId = newClientId(ctx);
  const client: ClientRecord = {
    clientId,
    certDer: cert.ok ? cert.der : cert.raw,
    ...(cert.ok ? { x509: cert.x509, publicKey: cert.x509.publicKey } : {}),
    fingerprint256: fingerprint,
    certificateEncoding: cert.ok ? cert.encoding : 'undecodable',
    onboardedAt: new Date(ctx.clock.nowMs()).toISOString(),
    capabilities: new Map(),
    statuses: new Map(),
    deployments: new Map(ctx.seedDeployments.map((d) => [d.deploymentId, d])),
    manifestVersion: 1n,
  };
  republish(ctx, client);
  ctx.state.clients.set(clientId, client);
  ctx.state.clientByFingerprint.set(fingerprint, clientId);
  const pending = ctx.state.pending.get(fingerprint);
  if (pending !== undefined) ctx.state.pending.delete(fingerprint);
  await ctx.persist();
  return client;
}

function successReply(ex: Exchange, clientId: string, verdict: string): Reply {
  const { ctx } = ex;
  const status = ctx.faults.has('onboarding-200') ? 200 : (ex.spec.successStatuses[0] ?? 201);
  const body = ctx.faults.has('schema-violation') ? { clientId: Number(clientId) } : { clientId };
  const faultVerdict = ctx.faults.has('onboarding-200') ? 'fault:onboarding-200' : verdict;
  return jsonReply(status, body, faultVerdict);
}

function recordPending(ctx: MockContext, cert: Extract<CertificateFacts, { ok: true }>, fingerprint: string): string {
  const now = new Date(ctx.clock.nowMs()).toISOString();
  const existing = ctx.state.pending.get(fingerprint);
  if (existing !== undefined) {
    existing.lastSeenAt = now;
    existing.attempts += 1;
    return existing.id;
  }
  const id = randomBytes(9).toString('base64url');
  ctx.state.pending.set(fingerprint, {
    id,
    fingerprint256: fingerprint,
    certDer: cert.der,
    subject: cert.x509.subject.replace(/\n/g, ', '),
    issuer: cert.x509.issuer.replace(/\n/g, ', '),
    firstSeenAt: now,
    lastSeenAt: now,
    attempts: 1,
    state: 'pending',
  });
  return id;
}

/** Waits until the WFM user decides on `fingerprint` or `ms` pass. */
function holdFor(ctx: MockContext, fingerprint: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const waiters = ctx.holdWaiters.get(fingerprint) ?? new Set<() => void>();
    ctx.holdWaiters.set(fingerprint, waiters);
    const wake = (): void => {
      clearTimeout(timer);
      waiters.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    waiters.add(wake);
  });
}

function rejectReply(ex: Exchange, decision: Extract<OnboardingDecision, { decision: 'reject' }>): Reply {
  const status = statusFor(ex.spec, decision.kind, 403);
  const problem = decision.kind === 'untrusted' ? 'certificate-not-trusted' : 'client-rejected';
  return errorReply(ex, status, problem, decision.reason, `onboarding:${decision.kind}`);
}

/** The trust decision; a pending one is recorded (and, with `hold`, waited on). `pendingId` is set when recorded. */
async function decide(
  ex: Exchange,
  cert: Extract<CertificateFacts, { ok: true }>,
  fingerprint: string,
): Promise<{ decision: OnboardingDecision; pendingId?: string }> {
  const { ctx } = ex;
  const facts = { policy: ctx.policy, trustAnyCertificate: ctx.trustAnyCertificate, faults: ctx.faults, certificate: cert.x509, fingerprint256: fingerprint };
  const first = decideOnboarding(ctx.state, { ...facts, nowMs: ctx.clock.nowMs() });
  if (first.decision !== 'pending') return { decision: first };
  const pendingId = recordPending(ctx, cert, fingerprint);
  if (ctx.config.onboarding.pendingApprovalBehavior !== 'hold') return { decision: first, pendingId };
  await ctx.persist();
  await holdFor(ctx, fingerprint, ctx.pendingHoldMs);
  return { decision: decideOnboarding(ctx.state, { ...facts, nowMs: ctx.clock.nowMs() }), pendingId };
}

function signedParts(ex: Exchange): HttpRequestParts {
  return { method: ex.method, url: ex.targetUri, headers: { ...ex.headers }, body: ex.body };
}

/** Under `accept-bad-certificate-encoding` the schema must not refuse the certificate member either (e.g. empty). */
function withoutCertificateRules(value: unknown): unknown {
  return isRecord(value) && 'certificate' in value ? { ...value, certificate: 'AA==' } : value;
}

/** Answers the Onboarding API; see the module comment for the steps. */
export async function handleOnboarding(ex: Exchange): Promise<Reply> {
  const { ctx } = ex;
  const parsed = ctx.faults.has('accept-bad-certificate-encoding') ? parseJsonBody(ex, withoutCertificateRules) : parseJsonBody(ex);
  if (!parsed.ok) return parsed.reply;
  const field = isRecord(parsed.value) ? parsed.value['certificate'] : undefined;
  const cert = readCertificate(ctx, field);
  const invalidStatus = statusFor(ex.spec, 'invalidCertificate', 400);
  if (!cert.ok && !ctx.faults.has('accept-bad-certificate-encoding')) {
    return errorReply(ex, invalidStatus, 'invalid-certificate-format', cert.message, 'onboarding:invalid-certificate');
  }
  const fingerprint = sha256Hex(cert.ok ? cert.der : cert.raw);
  if (ctx.config.onboarding.requireSignature && cert.ok) {
    const check = await ctx.verify(signedParts(ex), cert.x509.publicKey, ex.nowSeconds);
    ex.signature = check.recorded;
    if (!check.ok) {
      const status = statusFor(ex.spec, check.kind, check.status);
      const problem = check.kind === 'digest' ? 'invalid-digest-header' : 'signature-verification-failed';
      return errorReply(ex, status, problem, check.message, `signature:${check.recorded.outcome}`);
    }
  } else if (!cert.ok) {
    ex.signature = { outcome: 'no-key', message: cert.message, faultsApplied: ['accept-bad-certificate-encoding'] };
  }
  if (ctx.clientFaults.has('reject-onboarding')) {
    return errorReply(ex, statusFor(ex.spec, 'rejected', 403), 'client-rejected', 'rejected by scenario fault', 'client-fault:reject-onboarding');
  }
  if (ctx.clientFaults.has('bad-certificate-response')) {
    return errorReply(ex, invalidStatus, 'invalid-certificate-format', 'rejected by scenario fault', 'client-fault:bad-certificate-response');
  }
  if (!cert.ok) {
    const client = await createClient(ctx, cert, fingerprint);
    ex.clientId = client.clientId;
    return successReply(ex, client.clientId, 'fault:accept-bad-certificate-encoding');
  }
  const { decision, pendingId } = await decide(ex, cert, fingerprint);
  if (decision.decision === 'reject') return rejectReply(ex, decision);
  if (decision.decision === 'pending') {
    await ctx.persist();
    const message = `onboarding awaits approval by the WFM user (pending id ${pendingId ?? 'unknown'})`;
    return errorReply(ex, statusFor(ex.spec, 'pendingApproval', 403), 'pending-approval', message, 'onboarding:pending');
  }
  const existing = decision.existingClientId === undefined ? undefined : ctx.state.clients.get(decision.existingClientId);
  const client = existing ?? (await createClient(ctx, cert, fingerprint));
  ex.clientId = client.clientId;
  const verdict = decision.faultApplied !== undefined ? `fault:${decision.faultApplied}` : existing !== undefined ? 'ok:re-onboarded' : 'ok';
  return successReply(ex, client.clientId, verdict);
}
