/**
 * @module Running the `wfm` suite against one target: builds the check context (pinned HTTPS handle, TLS prober,
 * identities, schemas, session) and hands the catalogue to core/runner. Used by `cli/commands/run-wfm.ts` and the
 * self-test; it opens connections only through core/net and closes them before returning.
 */
import { randomUUID } from 'node:crypto';
import type { Check, CheckResult, RunResult } from '../../core/check.js';
import type { Clock } from '../../core/clock.js';
import type { MargoConfig } from '../../core/config.js';
import type { IssuedCertificate } from '../../core/pki/index.js';
import type { Profile } from '../../core/profiles/index.js';
import { isConformanceError } from '../../core/errors.js';
import { runChecks, UNMET_PRECONDITION_LABEL } from '../../core/runner.js';
import type { RunProgressEvent } from '../../core/runner.js';
import { loadSchemaRegistry } from '../../core/schema.js';
import { WFM_CHECKS } from './catalogue.js';
import { note } from '../expect.js';
import type { DeviceTrustMode, Operator, TlsHandshakeResult, TlsProber, WfmCheckContext, WfmHandle, WfmSession, WfmTarget } from './context.js';
import { createDeviceIdentities } from './identities.js';
import { chainVerifiesAgainstAdvertisedCa } from './tls.js';
import { createTlsProber, createWfmHandle, isChainVerificationCode } from './transport.js';

const CHAIN_CHECK = chainVerifiesAgainstAdvertisedCa.id;

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
  /** What the report names as the target; default the base URL (e.g. `embedded mock WFM (https://127.0.0.1:…)`). */
  readonly targetLabel?: string;
}

/** A pinned channel whose served chain does not verify: the OpenSSL code and the sentence for the run notes. */
interface PinnedChannelFailure {
  readonly code: string;
  readonly sentence: string;
}

/**
 * One pinned handshake before the checks: when the served chain does not verify against the trust anchor, returns
 * what explains every later `inconclusive` (undefined when the channel is fine or the failure is not about the
 * chain; such failures are judged by the checks themselves).
 */
async function pinnedChannelFailure(target: WfmTarget, tls: TlsProber): Promise<PinnedChannelFailure | undefined> {
  let facts: TlsHandshakeResult;
  try {
    facts = await tls.handshake({ caPem: target.trustAnchorPem, minVersion: 'TLSv1.2' });
  } catch (err) {
    if (isConformanceError(err, 'TARGET_UNREACHABLE')) return undefined;
    throw err;
  }
  const code = facts.errorCode;
  if (code === undefined || !isChainVerificationCode(code)) return undefined;
  const anchor = target.trustAnchorSource === 'out-of-band' ? 'the root CA given out of band' : `the root CA downloaded from the Certificate API (${target.trustAnchorSource})`;
  return {
    code,
    sentence: `the TLS chain of ${target.baseUrl} does not verify against ${anchor} (${code}): checks that need the pinned channel are inconclusive; see ${CHAIN_CHECK}`,
  };
}

/** Adds the pinned-channel failure to a runner `inconclusive` (unmet precondition), so each one names the cause. */
function explainUnmet(result: CheckResult, failure: PinnedChannelFailure | undefined): CheckResult {
  if (failure === undefined || result.status !== 'inconclusive') return result;
  if (!result.evidence.some((e) => e.kind === 'note' && e.label === UNMET_PRECONDITION_LABEL)) return result;
  return {
    ...result,
    message: `${result.message} (the pinned TLS channel fails chain verification: ${failure.code})`,
    evidence: [...result.evidence, note(failure.sentence, 'pinned channel')],
  };
}

/** The bootstrap channel of a downloaded root CA (see {@link WfmCheckContext.bootstrap}); none for an out-of-band CA. */
function bootstrapHandle(target: WfmTarget, timeoutMs: number): (WfmHandle & { close(): Promise<void> }) | undefined {
  if (target.trustAnchorSource === 'out-of-band') return undefined;
  return createWfmHandle({ insecure: target.trustAnchorSource === 'insecure-bootstrap', timeoutMs });
}

/**
 * Runs the `wfm` catalogue against `opts.target` and returns the run (verdicts only; reports are the caller's).
 * Rejects only for harness defects (ConformanceError `INTERNAL` from the runner); a target that misbehaves yields verdicts.
 */
export async function runWfmSuite(opts: WfmSuiteOptions): Promise<RunResult> {
  // The URL host is the name verified (and sent as SNI unless it is an IP address, RFC 6066 §3).
  const wfm = createWfmHandle({ caPem: opts.target.trustAnchorPem, timeoutMs: opts.config.timeoutMs });
  const bootstrap = bootstrapHandle(opts.target, opts.config.timeoutMs);
  const tls = createTlsProber(opts.target, opts.config.timeoutMs);
  const session: WfmSession = {};
  const base: Omit<WfmCheckContext, 'signal'> = {
    profile: opts.profile,
    config: opts.config,
    target: opts.target,
    wfm,
    ...(bootstrap === undefined ? {} : { bootstrap }),
    tls,
    schemas: loadSchemaRegistry(),
    identities: createDeviceIdentities(opts.deviceCa, () => new Date(opts.clock.nowMs())),
    session,
    ...(opts.operator === undefined ? {} : { operator: opts.operator }),
    deviceTrust: opts.deviceTrust,
    now: () => opts.clock.nowSeconds(),
    randomId: () => randomUUID(),
  };
  try {
    const failure = await pinnedChannelFailure(opts.target, tls);
    const onProgress = opts.onProgress;
    const run = await runChecks<WfmCheckContext>({
      role: 'wfm',
      profileId: opts.profile.id,
      specRevision: opts.profile.specRevision,
      target: opts.targetLabel ?? opts.target.baseUrl,
      config: opts.reportConfig,
      catalogue: opts.checks ?? WFM_CHECKS,
      ...(opts.only === undefined ? {} : { only: opts.only }),
      ...(opts.skip === undefined ? {} : { skip: opts.skip }),
      makeContext: (signal) => ({ ...base, signal }),
      clock: opts.clock,
      checkTimeoutMs: opts.checkTimeoutMs ?? opts.config.timeoutMs * 3 + 5_000,
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      ...(onProgress === undefined
        ? {}
        : { onProgress: (e: RunProgressEvent) => onProgress(e.result === undefined ? e : { ...e, result: explainUnmet(e.result, failure) }) }),
      notes: [...(opts.notes ?? []), ...(failure === undefined ? [] : [failure.sentence])],
    });
    if (failure === undefined) return run;
    const results = run.results.map((r) => explainUnmet(r, failure));
    return { ...run, results };
  } finally {
    await wfm.close();
    await bootstrap?.close();
  }
}
