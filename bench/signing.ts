/**
 * @module Benchmark 1: the simulator's signing path against raw `crypto.sign` with the same ECDSA P-256 key.
 *
 * The simulator path is `signWire` of `device-simulator/wire.ts`, which every signed request of a device goes
 * through (the device's key and keyid, its cached signer for the covered components, Content-Digest, signature base,
 * `crypto.sign`, the Signature-Input / Signature fields), plus building the DeploymentStatusManifest body as JSON.
 * Both rates are single-thread, i.e. per core. The two are measured in alternating slices so that other load on
 * the machine slows both alike.
 * @see RFC 9421 §3.1, RFC 9530 §2
 */
import { sign } from 'node:crypto';
import { createRequestSigner } from '../core/http-signatures/index.js';
import { createRootCa, issueClientLeaf } from '../core/pki/index.js';
import { routeUrl } from '../core/profiles/index.js';
import { createSession } from '../device-simulator/session.js';
import { deploymentStatusBody } from '../device-simulator/status.js';
import { signWire } from '../device-simulator/wire.js';
import { profileWhile } from './profile.js';
import { summarizeProfile } from './profile-summary.js';
import type { ProfileSummary } from './profile-summary.js';
import { interleave, measureRate, median } from './timing.js';

/** The target of this round: the signing path reaches at least this share of raw crypto.sign per core. */
export const SIGNING_TARGET_RATIO = 0.7;

/** Result of the signing benchmark; rates are operations per second on one core. */
export interface SigningBenchResult {
  readonly algorithm: 'ecdsa-p256-sha256';
  readonly rawSignPerSecond: number;
  /** Signed requests built per second (body + digest + base + signature + fields). */
  readonly simulatorSignedRequestsPerSecond: number;
  readonly ratio: number;
  readonly targetRatio: number;
  readonly targetMet: boolean;
  readonly stages: SigningStages;
  readonly slices: { readonly raw: readonly number[]; readonly simulator: readonly number[]; readonly sliceMs: number };
  /** Where the simulator path spends its time (self time, top areas and functions). */
  readonly profile: ProfileSummary;
}

/** Options: alternating `rounds` of `sliceMs` each, then `profileMs` of the simulator path under the profiler. */
export interface SigningBenchOptions {
  readonly rounds: number;
  readonly sliceMs: number;
  readonly profileMs: number;
}

const JSON_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json', accept: 'application/json' };

/** The ops compared: raw crypto.sign, the core signer alone, the simulator's signWire, and body + signWire. */
interface SigningOps {
  readonly rawSign: () => Buffer;
  readonly coreSigner: () => unknown;
  readonly signWireOnly: () => Promise<unknown>;
  readonly full: () => Promise<unknown>;
}

/** A device session with an EC P-256 identity, onboarded as `clientId` (no network: signing only). */
async function signingOps(): Promise<SigningOps> {
  const ca = await createRootCa({ commonName: 'bench device CA' });
  const leaf = await issueClientLeaf(ca, { keyType: 'ec-p256', commonName: 'bench-device' });
  const session = createSession({ wfmUrl: 'https://wfm.example', identity: { certificate: leaf }, deviceId: 'bench-device' });
  session.state.clientId = 'bench-client-0001';
  const route = session.profile.routes.deploymentStatus;
  if (route === undefined) throw new Error(`profile ${session.profile.id} has no deploymentStatus route`);
  const url = routeUrl('https://wfm.example', route.path, { clientId: 'bench-client-0001', deploymentId: 'dep-1' });
  const noFaults = new Set<never>();
  const buildBody = (): Uint8Array => deploymentStatusBody(session, 'dep-1', ['app']);
  const fixedBody = buildBody();
  const wire = (body: Uint8Array): Promise<{ signatureBase: string }> =>
    signWire(session, { label: 'bench', method: 'POST', url, headers: JSON_HEADERS, body, sign: true, faults: noFaults, channel: 'pinned' });
  const base = Buffer.from((await wire(fixedBody)).signatureBase);
  const signer = createRequestSigner({
    privateKey: leaf.privateKey,
    keyid: leaf.spkiSha256Hex,
    label: session.config.signatures.label,
    components: session.config.signatures.coveredComponents,
  });
  return {
    rawSign: () => sign('sha256', base, { key: leaf.privateKey, dsaEncoding: 'ieee-p1363' }),
    coreSigner: () => signer.sign({ method: 'POST', url, headers: JSON_HEADERS as Record<string, string>, body: fixedBody }, session.clock.nowSeconds()),
    signWireOnly: () => wire(fixedBody),
    full: () => wire(buildBody()),
  };
}

/** Rates of the stages between raw crypto.sign and a complete signed request, per second on one core. */
export interface SigningStages {
  /** The core RequestSigner alone, body prepared (Content-Digest, base, sign, fields). */
  readonly coreSignerPerSecond: number;
  /** The simulator's signWire, body prepared (adds the device's key lookup and cached signer). */
  readonly signWirePerSecond: number;
}

/** Measures raw crypto.sign and the simulator's signing path in alternating slices, and profiles the latter. */
export async function benchSigning(opts: SigningBenchOptions): Promise<SigningBenchResult> {
  const ops = await signingOps();
  // All four in the same rounds, so the stage ratios compare slices taken under the same machine load.
  const [rawSlices = [], fullSlices = [], coreSlices = [], wireSlices = []] = await interleave([ops.rawSign, ops.full, ops.coreSigner, ops.signWireOnly], opts.rounds, opts.sliceMs);
  const raw = median(rawSlices);
  const simulator = median(fullSlices);
  const profile = await profileWhile(async () => {
    await measureRate(ops.full, opts.profileMs);
  });
  const ratio = simulator / raw;
  return {
    algorithm: 'ecdsa-p256-sha256',
    rawSignPerSecond: Math.round(raw),
    simulatorSignedRequestsPerSecond: Math.round(simulator),
    ratio: Math.round(ratio * 1000) / 1000,
    targetRatio: SIGNING_TARGET_RATIO,
    targetMet: ratio >= SIGNING_TARGET_RATIO,
    stages: { coreSignerPerSecond: Math.round(median(coreSlices)), signWirePerSecond: Math.round(median(wireSlices)) },
    slices: { raw: rawSlices.map(Math.round), simulator: fullSlices.map(Math.round), sliceMs: opts.sliceMs },
    profile: summarizeProfile(profile, 12),
  };
}
