/**
 * @module Running the `wfm` suite against one target: builds the check context (pinned HTTPS handle, TLS prober,
 * identities, schemas, session) and hands the catalogue to core/runner. Used by `cli/commands/run-wfm.ts` and the
 * self-test; it opens connections only through core/net and closes them before returning.
 */
import { randomUUID } from 'node:crypto';
import type { Check, RunResult } from '../../core/check.js';
import type { Clock } from '../../core/clock.js';
import type { MargoConfig } from '../../core/config.js';
import type { IssuedCertificate } from '../../core/pki/index.js';
import type { Profile } from '../../core/profiles/index.js';
import { runChecks } from '../../core/runner.js';
import type { RunProgressEvent } from '../../core/runner.js';
import { loadSchemaRegistry } from '../../core/schema.js';
import { WFM_CHECKS } from './catalogue.js';
import type { DeviceTrustMode, Operator, WfmCheckContext, WfmSession, WfmTarget } from './context.js';
import { createDeviceIdentities } from './identities.js';
import { createTlsProber, createWfmHandle } from './transport.js';

/** Everything one run of the `wfm` suite needs. */
export interface WfmSuiteOptions {
  readonly profile: Profile;
  readonly config: MargoConfig;
  /** Effective config as it goes into the report (already redacted). */
  readonly reportConfig: Record<string, unknown>;
  readonly target: WfmTarget;
  /** The CA the WFM under test trusts for device certificates. */
  readonly deviceCa: IssuedCertificate;
  readonly deviceTrust: DeviceTrustMode;
  readonly operator?: Operator;
  readonly clock: Clock;
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (e: RunProgressEvent) => void;
  readonly notes?: readonly string[];
  /** The catalogue to run; default {@link WFM_CHECKS}. */
  readonly checks?: readonly Check<WfmCheckContext>[];
  /** Per-check timeout, ms; default three request timeouts plus a margin, since a check may send several requests. */
  readonly checkTimeoutMs?: number;
}

/**
 * Runs the `wfm` catalogue against `opts.target` and returns the run (verdicts only; reports are the caller's).
 * Rejects only for harness defects (ConformanceError `INTERNAL` from the runner); a target that misbehaves yields verdicts.
 */
export async function runWfmSuite(opts: WfmSuiteOptions): Promise<RunResult> {
  // The URL host is the name verified (and sent as SNI unless it is an IP address, RFC 6066 §3).
  const wfm = createWfmHandle({ caPem: opts.target.trustAnchorPem, timeoutMs: opts.config.timeoutMs });
  const session: WfmSession = {};
  const base: Omit<WfmCheckContext, 'signal'> = {
    profile: opts.profile,
    config: opts.config,
    target: opts.target,
    wfm,
    tls: createTlsProber(opts.target, opts.config.timeoutMs),
    schemas: loadSchemaRegistry(),
    identities: createDeviceIdentities(opts.deviceCa, () => new Date(opts.clock.nowMs())),
    session,
    ...(opts.operator === undefined ? {} : { operator: opts.operator }),
    deviceTrust: opts.deviceTrust,
    now: () => opts.clock.nowSeconds(),
    randomId: () => randomUUID(),
  };
  try {
    return await runChecks<WfmCheckContext>({
      role: 'wfm',
      profileId: opts.profile.id,
      specRevision: opts.profile.specRevision,
      target: opts.target.baseUrl,
      config: opts.reportConfig,
      catalogue: opts.checks ?? WFM_CHECKS,
      ...(opts.only === undefined ? {} : { only: opts.only }),
      ...(opts.skip === undefined ? {} : { skip: opts.skip }),
      makeContext: (signal) => ({ ...base, signal }),
      clock: opts.clock,
      checkTimeoutMs: opts.checkTimeoutMs ?? opts.config.timeoutMs * 3 + 5_000,
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
      ...(opts.notes === undefined ? {} : { notes: opts.notes }),
    });
  } finally {
    await wfm.close();
  }
}
