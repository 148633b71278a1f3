/**
 * Checks that no mock fault targets, run against a scripted WFM (a fake handle answering each request from a
 * function): each one fails (or warns) on the misbehaviour it judges, so none of them "cannot fail".
 */
import { describe, expect, it } from 'vitest';
import type { Verdict } from '../core/check.js';
import { DEFAULT_CONFIG, mergeConfig, type MargoConfig, type PartialDeep } from '../core/config.js';
import { createRootCa, describeCertificate, encodeCertificateField, issueClientLeaf } from '../core/pki/index.js';
import { getProfile } from '../core/profiles/index.js';
import { loadSchemaRegistry } from '../core/schema.js';
import * as capabilities from '../suites/wfm/capabilities.js';
import * as certificateApi from '../suites/wfm/certificate-api.js';
import * as deploymentStatus from '../suites/wfm/deployment-status.js';
import * as desiredState from '../suites/wfm/desired-state.js';
import { createDeviceIdentities } from '../suites/wfm/identities.js';
import * as onboarding from '../suites/wfm/onboarding.js';
import * as robustness from '../suites/wfm/robustness.js';
import { expectRefused } from '../suites/wfm/refusals.js';
import type { WfmCheckContext, WfmExchange, WfmRequest, WfmSession } from '../suites/wfm/index.js';

type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'drop';

async function scripted(answer: (req: WfmRequest) => Answer, layer: PartialDeep<MargoConfig> = {}, session: WfmSession = {}): Promise<WfmCheckContext> {
  const deviceCa = await createRootCa({ name: 'device-ca' });
  return {
    profile: getProfile('rfc9421-v1'),
    config: mergeConfig(layer),
    target: { baseUrl: 'https://wfm.test', host: 'wfm.test', port: 443, servername: 'wfm.test', trustAnchorPem: deviceCa.certPem, trustAnchorSource: 'out-of-band' },
    wfm: {
      send: async (request, opts): Promise<WfmExchange> => {
        const a = answer(request);
        if (a === 'drop') return { label: opts.label, request, transportError: { code: 'ECONNRESET', message: 'dropped' } };
        return { label: opts.label, request, response: { status: a.status, headers: a.headers ?? {}, body: Buffer.from(a.body ?? '') } };
      },
    },
    tls: { handshake: async () => ({ protocol: 'TLSv1.3', authorized: true }), peerChain: async () => ({ certificates: [], tls: {} }) },
    schemas: loadSchemaRegistry(),
    identities: createDeviceIdentities(deviceCa, () => new Date()),
    session,
    deviceTrust: 'ca-chain',
    now: () => Math.floor(Date.now() / 1000),
    randomId: () => '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
    signal: new AbortController().signal,
  };
}

async function withClient(answer: (req: WfmRequest) => Answer, layer: PartialDeep<MargoConfig> = {}): Promise<WfmCheckContext> {
  const ca = await createRootCa();
  const identity = await issueClientLeaf(ca);
  const exchange: WfmExchange = { label: 'onboarding', request: { method: 'POST', url: 'https://wfm.test/api/v1/onboarding', headers: {} }, response: { status: 201, headers: {}, body: Buffer.from('{"clientId":"c1"}') } };
  return scripted(answer, layer, { client: { clientId: 'c1', identity, exchange, body: { clientId: 'c1' } } });
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(value),
});

async function run(check: { run(ctx: WfmCheckContext): Promise<Verdict> }, ctx: WfmCheckContext): Promise<Verdict> {
  return check.run(ctx);
}

describe('checks without a mock fault can fail', () => {
  it('certificate API: a leaf instead of a CA fails; garbage fails', async () => {
    const leaf = await issueClientLeaf(await createRootCa());
    const asLeaf = await run(certificateApi.returnsRootCa, await scripted(() => json(200, { certificate: encodeCertificateField(leaf.certDer, 'base64-der') })));
    expect(asLeaf).toMatchObject({ status: 'fail', message: expect.stringContaining('not a CA') });
    const garbage = await run(certificateApi.returnsRootCa, await scripted(() => json(200, { certificate: 'bm90IGEgY2VydA==' })));
    expect(garbage.status).toBe('fail');
  });

  it('certificate API: base64 of PEM text warns under certificate.encoding base64-der', async () => {
    const ca = await createRootCa();
    const field = encodeCertificateField(ca.certDer, 'base64-pem');
    const ctx = await scripted(() => json(200, { certificate: field }));
    expect((await run(certificateApi.returnsRootCa, ctx)).status).toBe('pass');
    expect((await run(certificateApi.base64WithoutLineBreaks, ctx)).status).toBe('pass');
    expect(await run(certificateApi.expectedEncoding, ctx)).toMatchObject({ status: 'warn', expected: 'base64-der', actual: 'base64-pem' });
    expect(describeCertificate(ctx.session.rootCa!.x509).subject).toContain('Root CA');
  });

  it('onboarding: a refusal of a trusted, signed device fails; a 2xx without clientId fails; no answer is inconclusive', async () => {
    expect((await run(onboarding.acceptsSignedRequest, await scripted(() => json(403, { error: 'Client rejected' })))).status).toBe('fail');
    expect((await run(onboarding.acceptsSignedRequest, await scripted(() => json(201, {})))).status).toBe('fail');
    expect((await run(onboarding.acceptsSignedRequest, await scripted(() => 'drop'))).status).toBe('inconclusive');
  });

  it('capabilities and deployment status: a server error fails', async () => {
    expect((await run(capabilities.acceptsSignedReport, await withClient(() => ({ status: 503 })))).status).toBe('fail');
    expect((await run(deploymentStatus.acceptsSignedReport, await withClient(() => ({ status: 404 })))).status).toBe('fail');
  });

  it('desired state: wrong media type or a missing ETag fails', async () => {
    const manifest = { manifestVersion: 1, bundle: null, deployments: [] };
    const wrongType = await run(desiredState.returnsManifest, await withClient(() => json(200, manifest, { etag: '"sha256:00"' })));
    expect(wrongType).toMatchObject({ status: 'fail', message: expect.stringContaining('Content-Type') });
    const noEtag = await run(
      desiredState.returnsManifest,
      await withClient(() => ({ status: 200, headers: { 'content-type': 'application/vnd.margo.manifest.v1+json' }, body: JSON.stringify(manifest) })),
    );
    expect(noEtag).toMatchObject({ status: 'fail', message: expect.stringContaining('ETag') });
  });

  it('robustness: a server error or a dropped connection on re-onboarding warns', async () => {
    expect((await run(robustness.repeatedOnboarding, await withClient(() => ({ status: 500 })))).status).toBe('warn');
    expect((await run(robustness.repeatedOnboarding, await withClient(() => 'drop'))).status).toBe('warn');
    expect((await run(robustness.repeatedOnboarding, await withClient(() => json(409, { error: 'exists' })))).status).toBe('pass');
  });

  it('operator checks skip without an operator instead of passing', async () => {
    const ctx = await withClient(() => ({ status: 500 }));
    expect((await run(onboarding.rejectsOperatorRejected, ctx)).status).toBe('skip');
    ctx.session.desiredState = { exchange: ctx.session.client!.exchange, manifest: { manifestVersion: 1 } };
    expect((await run(desiredState.manifestVersionRises, ctx)).status).toBe('skip');
  });
});

describe('refusal bodies per errors.format', () => {
  const x = (status: number, type: string, body: string): WfmExchange => ({
    label: 'refusal',
    request: { method: 'POST', url: 'https://wfm.test/x', headers: {} },
    response: { status, headers: { 'content-type': type }, body: Buffer.from(body) },
  });

  it('lenient judges the status only', async () => {
    const ctx = await scripted(() => 'drop');
    expect(expectRefused(ctx, x(401, 'text/plain', 'nope'), [401], 'probe').status).toBe('pass');
  });

  it('json wants {error}; problem+json wants RFC 9457 members and media type', async () => {
    const jsonCtx = await scripted(() => 'drop', { errors: { format: 'json' } });
    expect(expectRefused(jsonCtx, x(401, 'application/json', '{"error":"Invalid signature"}'), [401], 'probe').status).toBe('pass');
    expect(expectRefused(jsonCtx, x(401, 'application/json', '{"message":"x"}'), [401], 'probe').status).toBe('fail');
    const problemCtx = await scripted(() => 'drop', { errors: { format: 'problem+json' } });
    const problem = '{"type":"https://docs.margo.org/specification/problems/signature-verification-failed","title":"Signature verification failed","status":401}';
    expect(expectRefused(problemCtx, x(401, 'application/problem+json', problem), [401], 'probe').status).toBe('pass');
    expect(expectRefused(problemCtx, x(401, 'application/json', '{"error":"x"}'), [401], 'probe').status).toBe('fail');
  });

  it('keeps DEFAULT_CONFIG lenient', () => {
    expect(DEFAULT_CONFIG.errors.format).toBe('lenient');
  });
});
