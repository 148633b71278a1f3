/**
 * A refusal proves something only when the positive control on the same route was accepted. Against a WFM that
 * hands out its root CA but refuses every other request (401 to everything, or 400 to everything), no negative
 * check may pass: each one ends `inconclusive`, naming the positive control as its unmet precondition.
 */
import { createServer, type Server } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { redactConfig, resolveConfig } from '../core/config.js';
import { UNMET_PRECONDITION_LABEL } from '../core/runner.js';
import { createRootCa, issueServerLeaf } from '../core/pki/index.js';
import { getProfile } from '../core/profiles/index.js';
import { runWfmSuite, WFM_CHECKS } from '../suites/wfm/index.js';
import type { Operator, WfmTarget } from '../suites/wfm/index.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

const profile = getProfile('rfc9421-v1');
const certificatePath = profile.routes.certificate?.path ?? '';

/**
 * A fake WFM on 127.0.0.1 with its own root CA: the Certificate API answers 200 with that CA (base64 of the DER);
 * every other request is read to the end and answered `status` with an `{error}` body.
 */
async function startRefusingWfm(status: number): Promise<{ port: number; caPem: string }> {
  const ca = await createRootCa({ commonName: 'Refusing WFM Root CA' });
  const leaf = await issueServerLeaf(ca);
  const server = createServer({ key: leaf.privateKeyPem, cert: leaf.chainPem }, (req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET' && req.url === certificatePath) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ certificate: Buffer.from(ca.certDer).toString('base64') }));
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `refused with ${status}` }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, caPem: ca.certPem };
}

async function runAgainst(port: number, caPem: string) {
  const config = resolveConfig({ flags: { timeoutMs: 5_000 } });
  const target: WfmTarget = {
    baseUrl: `https://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    servername: '127.0.0.1',
    trustAnchorPem: caPem,
    trustAnchorSource: 'out-of-band',
  };
  // An operator that "succeeds", so the operator checks are not merely skipped: they must be gated, too.
  const operator: Operator = { description: 'test operator', perform: async () => undefined };
  return runWfmSuite({
    profile,
    config,
    reportConfig: redactConfig(config),
    target,
    deviceCa: await createRootCa({ name: 'device-ca' }),
    deviceTrust: 'ca-chain',
    operator,
    clock: systemClock,
  });
}

const negativeIds = WFM_CHECKS.filter((c) => c.negative === true).map((c) => c.id);

describe.each([401, 400])('a WFM answering %i to everything but the Certificate API', (status) => {
  it('passes no negative check: every refusal is inconclusive for want of an accepted positive control', async () => {
    const wfm = await startRefusingWfm(status);
    const run = await runAgainst(wfm.port, wfm.caPem);
    const byId = new Map(run.results.map((r) => [r.id, r]));
    expect(byId.get('wfm.onboarding.accepts-signed-request')?.status).toBe('fail');
    expect(byId.get('wfm.onboarding.accepts-signed-request')?.message).toContain(`refused with ${status}`);
    expect(negativeIds.length).toBeGreaterThan(15);
    for (const id of negativeIds) {
      const r = byId.get(id);
      expect(r?.status, `${id}: ${r?.message}`).toBe('inconclusive');
      expect(r?.evidence.some((e) => e.kind === 'note' && e.label === UNMET_PRECONDITION_LABEL), id).toBe(true);
    }
    // What can be judged without an accepted request still is: the Certificate API and TLS.
    for (const id of ['wfm.certificate-api.returns-root-ca', 'wfm.tls.chain-verifies-against-advertised-ca', 'wfm.tls.offers-tls13']) {
      expect(byId.get(id)?.status, id).toBe('pass');
    }
    expect(run.results.filter((r) => r.status === 'pass').map((r) => r.id).filter((id) => negativeIds.includes(id))).toEqual([]);
  }, 60_000);
});

describe('positive controls in the catalogue', () => {
  it('gates every negative check on the accepted positive request of its route', () => {
    const requiresOf = new Map(WFM_CHECKS.map((c) => [c.id, c.requires ?? []]));
    const controls = new Set([
      'wfm.onboarding.accepts-signed-request',
      'wfm.capabilities.accepts-signed-report',
      'wfm.deployment-status.accepts-signed-report',
      'wfm.desired-state.returns-manifest',
    ]);
    // Transitively: a negative check's requires reach one of the positive controls.
    const reaches = (id: string, seen = new Set<string>()): boolean =>
      (requiresOf.get(id) ?? []).some((r) => controls.has(r) || (!seen.has(r) && (seen.add(r), reaches(r, seen))));
    for (const id of negativeIds) expect(reaches(id), id).toBe(true);
    // Negatives sent to the capabilities route need its own positive control, not merely an onboarded client.
    for (const c of WFM_CHECKS.filter((x) => x.negative === true && x.id.startsWith('wfm.payload-security.') && x.id !== 'wfm.payload-security.rejects-unsigned-onboarding' && x.id !== 'wfm.payload-security.rejects-unsigned-status')) {
      expect(c.requires, c.id).toContain('wfm.capabilities.accepts-signed-report');
    }
    expect(requiresOf.get('wfm.payload-security.rejects-unsigned-status')).toContain('wfm.deployment-status.accepts-signed-report');
    expect(requiresOf.get('wfm.capabilities.rejects-unknown-client')).toContain('wfm.capabilities.accepts-signed-report');
  });
});
