/**
 * @module The embedded default target: the built-in mock WFM on an ephemeral loopback port, trusting the device CA,
 * with its root CA handed to the suite out of band and its admin API acting as the operator.
 */
import type { Clock } from '../core/clock.js';
import type { MargoConfig } from '../core/config.js';
import type { IssuedCertificate } from '../core/pki/index.js';
import type { MockFault } from '../mock-server/faults.js';
import { startMockWfm } from '../mock-server/index.js';
import type { MockWfm } from '../mock-server/types.js';
import type { DeviceTrustMode, Operator, WfmTarget } from '../suites/wfm/index.js';
import { mockAdminOperator } from './operator.js';
import { parseTargetUrl } from './wfm-bootstrap.js';

/** What reports and the console call the embedded target (`embedded mock WFM (https://127.0.0.1:PORT)`), so a
 * report of the built-in mock is never mistaken for one of a WFM under test. */
export function embeddedTargetLabel(baseUrl: string): string {
  return `embedded mock WFM (${baseUrl})`;
}

/** A running embedded mock and what the suite needs to test it. */
export interface EmbeddedWfm {
  readonly mock: MockWfm;
  readonly target: WfmTarget;
  readonly operator: Operator;
}

/**
 * Starts the mock WFM on 127.0.0.1, port 0, auto-approving devices of `deviceCa` (or any certificate with
 * `deviceTrust: any-cert`), with `faults`. The caller closes `mock`.
 * @throws whatever `startMockWfm` throws (listen errors)
 */
export async function startEmbeddedWfm(opts: {
  readonly config: MargoConfig;
  readonly profileId: string;
  readonly deviceCa: IssuedCertificate;
  readonly deviceTrust: DeviceTrustMode;
  readonly clock: Clock;
  readonly faults?: readonly MockFault[];
}): Promise<EmbeddedWfm> {
  const anyCert = opts.deviceTrust === 'any-cert';
  const mock = await startMockWfm({
    profileId: opts.profileId,
    config: opts.config,
    clock: opts.clock,
    host: '127.0.0.1',
    port: 0,
    onboarding: 'auto-approve',
    trustAnyCertificate: anyCert,
    trustedIssuers: anyCert ? [] : [opts.deviceCa.certPem],
    faults: opts.faults ?? [],
    adminHost: '127.0.0.1',
    adminPort: 0,
  });
  const target: WfmTarget = { ...parseTargetUrl(mock.url), trustAnchorPem: mock.caPem, trustAnchorSource: 'out-of-band' };
  return { mock, target, operator: mockAdminOperator(mock.state) };
}
