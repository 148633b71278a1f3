/**
 * Negative checks are gated: without evidence that the WFM answered, they end `inconclusive`, never `pass`.
 * Two broken targets: one that closes every TCP connection, one that completes TLS and then drops every request.
 */
import { createServer as createTcpServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { redactConfig, resolveConfig } from '../core/config.js';
import { createRootCa, issueServerLeaf } from '../core/pki/index.js';
import { getProfile } from '../core/profiles/index.js';
import { runWfmSuite, WFM_CHECKS } from '../suites/wfm/index.js';
import type { Operator, WfmTarget } from '../suites/wfm/index.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

async function runAgainst(port: number, caPem: string, operator?: Operator) {
  const config = resolveConfig({ flags: { timeoutMs: 2_000 } });
  const target: WfmTarget = {
    baseUrl: `https://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    servername: '127.0.0.1',
    trustAnchorPem: caPem,
    trustAnchorSource: 'out-of-band',
  };
  return runWfmSuite({
    profile: getProfile('rfc9421-v1'),
    config,
    reportConfig: redactConfig(config),
    target,
    deviceCa: await createRootCa({ name: 'device-ca' }),
    deviceTrust: 'ca-chain',
    ...(operator === undefined ? {} : { operator }),
    clock: systemClock,
  });
}

const negativeIds = new Set(WFM_CHECKS.filter((c) => c.negative === true).map((c) => c.id));
const noopOperator: Operator = { description: 'test operator', perform: async () => undefined };

describe('gating of negative checks', () => {
  it('never passes a check against a target that closes every connection', async () => {
    const ca = await createRootCa();
    const port = await listen(createTcpServer((socket) => socket.destroy()));
    const run = await runAgainst(port, ca.certPem, noopOperator);
    expect(run.results.filter((r) => r.status === 'pass').map((r) => r.id)).toEqual([]);
    for (const r of run.results.filter((x) => negativeIds.has(x.id))) expect(r.status, r.id).toBe('inconclusive');
  }, 60_000);

  it('never passes a negative check against a target that completes TLS and drops every request', async () => {
    const ca = await createRootCa();
    const leaf = await issueServerLeaf(ca);
    const server = createTlsServer({ key: leaf.privateKeyPem, cert: leaf.chainPem }, (socket) => {
      socket.on('data', () => socket.destroy());
      socket.on('error', () => socket.destroy());
    });
    const port = await listen(server);
    const run = await runAgainst(port, ca.certPem, noopOperator);
    const passed = run.results.filter((r) => r.status === 'pass').map((r) => r.id);
    // Only the handshake itself can be judged: TLS 1.3 is offered.
    expect(passed).toEqual(['wfm.tls.offers-tls13']);
    for (const r of run.results.filter((x) => negativeIds.has(x.id))) expect(r.status, r.id).toBe('inconclusive');
  }, 60_000);
});
