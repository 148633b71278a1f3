/**
 * @module Benchmark 2: how fast the mock WFM verifies signed DeploymentStatusManifest POSTs over real TLS on loopback,
 * against (a) a plain node:https server that answers 200 to everything with the same certificate and TLS settings,
 * and (b) raw `crypto.verify` for the same algorithm (ECDSA P-256). The server runs in this process, the client in a
 * child process (bench/blaster.ts) with requests signed beforehand, so the client's signing is not measured. Both
 * servers get the same client: keep-alive connections, the same concurrency and the same prepared requests.
 *
 * Besides throughput (which a busy 2-core machine moves a lot), each server's CPU time per request is measured
 * over the client's counted window: this process runs nothing but the server then. Raw `crypto.verify` is measured
 * before and after the two runs, in rate and in CPU time per operation.
 * @see RFC 9421 §3.2
 */
import { fork } from 'node:child_process';
import { verify } from 'node:crypto';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createRootCa, issueClientLeaf, issueServerLeaf } from '../core/pki/index.js';
import type { IssuedCertificate } from '../core/pki/index.js';
import { buildDeploymentStatus, routeUrl } from '../core/profiles/index.js';
import { createDevice } from '../device-simulator/device.js';
import { summarizeLatency } from '../device-simulator/load/stats.js';
import { jsonBytes } from '../device-simulator/onboarding.js';
import { createSession } from '../device-simulator/session.js';
import { signWire } from '../device-simulator/wire.js';
import { startMockWfm } from '../mock-server/index.js';
import type { BlastMessage, BlastRequest, BlastResult, BlastSpec } from './blaster.js';
import { profileWhile } from './profile.js';
import { summarizeProfile } from './profile-summary.js';
import type { ProfileSummary } from './profile-summary.js';
import { measureRateAndCpu, median, processCpuMicros } from './timing.js';

/** One server's figures. */
export interface ServerFigures {
  readonly requestsPerSecond: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly statuses: Readonly<Record<string, number>>;
  readonly transportErrors: number;
  readonly firstError?: string;
  /** CPU time (user + system) of the server's process per counted request, µs; the client runs in another process. */
  readonly cpuMicrosPerRequest: number;
}

/** Result of the verification benchmark. */
export interface VerificationBenchResult {
  readonly algorithm: 'ecdsa-p256-sha256';
  readonly mock: ServerFigures;
  readonly httpsNoop: ServerFigures;
  /**
   * The same no-op server doing one raw `crypto.verify` per request before answering: the floor for a server that
   * verifies each request over TLS on this machine, measured as the mock is (same client, same bottleneck side).
   */
  readonly httpsVerifyOnly: ServerFigures;
  readonly rawVerifyPerSecond: number;
  /** CPU time of one raw `crypto.verify`, µs. */
  readonly rawVerifyCpuMicros: number;
  /** mock req/s ÷ no-op req/s: what the mock's routing, verification and schema checks cost over plain TLS HTTP. */
  readonly mockOverNoop: number;
  /** mock req/s ÷ raw verify/s: how close the mock runs to the cost of the signature check alone. */
  readonly mockOverRawVerify: number;
  /** The same question in CPU time, which other load on the machine moves much less: raw verify µs ÷ mock µs per request. */
  readonly rawVerifyCpuOverMockCpu: number;
  /** CPU µs per request the mock adds over the no-op server (verification, routing, schema, recording). */
  readonly mockExtraCpuMicrosPerRequest: number;
  /** mock req/s ÷ verify-only server req/s: what the mock costs beyond TLS, HTTP and the signature check. */
  readonly mockOverVerifyOnly: number;
  readonly client: { readonly connections: number; readonly concurrency: number; readonly durationMs: number };
  /** Where the mock's thread spends its time while serving signed status POSTs (self time). */
  readonly mockProfile: ProfileSummary;
}

/** Options of the verification benchmark. */
export interface VerificationBenchOptions {
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly connections: number;
  readonly concurrency: number;
  readonly presigned: number;
  /** Length of the extra, profiled mock run, ms. */
  readonly profileMs: number;
}

/** A blaster run and this process's CPU time over its counted window, µs. */
interface BlasterRun {
  readonly result: BlastResult;
  readonly serverCpuMicros: number;
}

/** Runs bench/blaster.js in a child process; this process's CPU time is read when the counted window opens and closes. */
function runBlaster(spec: BlastSpec): Promise<BlasterRun> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./blaster.js', import.meta.url)), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const cpu = { start: 0, end: 0 };
    let settled = false;
    child.on('message', (m: BlastMessage) => {
      if ('phase' in m) {
        if (m.phase === 'counting') cpu.start = processCpuMicros();
        else cpu.end = processCpuMicros();
        return;
      }
      settled = true;
      resolve({ result: m.result, serverCpuMicros: cpu.end - cpu.start });
    });
    child.once('error', (err) => {
      settled = true;
      reject(err);
    });
    child.once('exit', (code, signal) => {
      if (!settled) reject(new Error(`bench/blaster.js exited (${signal ?? `code ${code}`}) before reporting`));
    });
    child.send(spec);
  });
}

function figures(run: BlasterRun): ServerFigures {
  const r = run.result;
  const l = summarizeLatency(r.latency);
  return {
    requestsPerSecond: Math.round(r.requests / r.seconds),
    p50Ms: l.p50Ms,
    p99Ms: l.p99Ms,
    statuses: r.statuses,
    transportErrors: r.transportErrors,
    ...(r.firstError === undefined ? {} : { firstError: r.firstError }),
    cpuMicrosPerRequest: Math.round((run.serverCpuMicros / Math.max(1, r.requests)) * 10) / 10,
  };
}

/** Signed status POSTs of an onboarded device, built once; also one signature base and signature for raw verify. */
async function presign(baseUrl: string, caPem: string, deviceCa: IssuedCertificate, count: number): Promise<{ requests: BlastRequest[]; base: Buffer; signature: Buffer; leaf: IssuedCertificate }> {
  const leaf = await issueClientLeaf(deviceCa, { keyType: 'ec-p256', commonName: 'bench-verify-device' });
  const device = createDevice({ wfmUrl: baseUrl, caPem, identity: { certificate: leaf }, deviceId: 'bench-verify-device' });
  const onboarded = await device.onboard();
  const poll = await device.pollDesiredState();
  await device.close();
  const deployments = (poll.manifest as { deployments?: { deploymentId?: string }[] } | undefined)?.deployments;
  const deploymentId = deployments?.[0]?.deploymentId;
  if (!onboarded.ok || device.clientId === undefined || deploymentId === undefined) {
    throw new Error(`bench device could not onboard and read its desired state (${onboarded.error?.message ?? poll.error?.message ?? 'no deployment'})`);
  }
  const session = createSession({ wfmUrl: baseUrl, identity: { certificate: leaf }, deviceId: 'bench-verify-device' });
  session.state.clientId = device.clientId;
  const route = session.profile.routes.deploymentStatus!;
  const url = routeUrl(baseUrl, route.path, { clientId: device.clientId, deploymentId });
  const body = jsonBytes(buildDeploymentStatus(session.profile, { deploymentId, state: 'installed', components: [] }));
  const { pathname, search } = new URL(url);
  const requests: BlastRequest[] = [];
  let last: { base: string; signature: string } | undefined;
  for (let i = 0; i < count; i += 1) {
    const signed = await signWire(session, { label: 'bench', method: 'POST', url, headers: { 'content-type': 'application/json', accept: 'application/json' }, body, sign: true, faults: new Set(), channel: 'pinned' });
    requests.push({ method: 'POST', path: pathname + search, headers: signed.parts.headers, bodyBase64: Buffer.from(body).toString('base64') });
    last = { base: signed.signatureBase, signature: /:([^:]+):/.exec(signed.parts.headers['signature'] ?? '')?.[1] ?? '' };
  }
  return { requests, base: Buffer.from(last?.base ?? ''), signature: Buffer.from(last?.signature ?? '', 'base64'), leaf };
}

/**
 * A node:https server with the mock's certificate and TLS floor that answers 200 to everything; with `work`, it
 * runs `work` once per request before answering (the verify-only baseline: one raw `crypto.verify`, nothing else).
 */
function startNoop(server: IssuedCertificate, work?: () => unknown): Promise<Server> {
  const noop = createServer({ key: server.privateKeyPem, cert: server.chainPem, minVersion: 'TLSv1.3' }, (req, res) => {
    req.resume();
    req.on('end', () => {
      work?.();
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    });
  });
  noop.keepAliveTimeout = 60_000;
  return new Promise((resolve) => noop.listen(0, '127.0.0.1', () => resolve(noop)));
}

/** Starts a baseline server ({@link startNoop}), runs the client against it, and closes it. */
async function runBaseline(server: IssuedCertificate, spec: (origin: string) => BlastSpec, work?: () => unknown): Promise<BlasterRun> {
  const noop = await startNoop(server, work);
  try {
    return await runBlaster(spec(`https://127.0.0.1:${(noop.address() as AddressInfo).port}`));
  } finally {
    noop.closeAllConnections();
    await new Promise((r) => noop.close(r));
  }
}

/** Runs the measurements. Resolves to rates (per second) and ratios. */
export async function benchVerification(opts: VerificationBenchOptions): Promise<VerificationBenchResult> {
  const rootCa = await createRootCa({ commonName: 'bench WFM root CA' });
  const server = await issueServerLeaf(rootCa, { keyType: 'ec-p256' });
  const deviceCa = await createRootCa({ commonName: 'bench device CA' });
  const mock = await startMockWfm({ pki: { rootCa, server }, trustedIssuers: [deviceCa.certPem], recordLimit: 1000, keepAliveTimeoutMs: 60_000 });
  const client = { connections: opts.connections, concurrency: opts.concurrency, durationMs: opts.durationMs };
  try {
    const signed = await presign(mock.url, mock.caPem, deviceCa, opts.presigned);
    const key = signed.leaf.x509.publicKey;
    const verifyOnce = (): boolean => verify('sha256', signed.base, { key, dsaEncoding: 'ieee-p1363' }, signed.signature);
    if (!verifyOnce()) throw new Error('the presigned signature does not verify: the benchmark would measure a failure path');
    await measureRateAndCpu(verifyOnce, 300);
    // Before and after the two server runs, so a change of machine load during the run weighs on both sides.
    const verifySlices = [await measureRateAndCpu(verifyOnce, 300), await measureRateAndCpu(verifyOnce, 300)];
    const spec = (origin: string): BlastSpec => ({ origin, caPem: mock.caPem, requests: signed.requests, warmupMs: opts.warmupMs, ...client });
    const noopRun = await runBaseline(server, spec);
    const verifyOnlyRun = await runBaseline(server, spec, verifyOnce);
    const mockRun = await runBlaster(spec(new URL(mock.url).origin));
    verifySlices.push(await measureRateAndCpu(verifyOnce, 300), await measureRateAndCpu(verifyOnce, 300));
    // A separate, shorter run under the profiler (the mock runs in this thread): where the mock's time goes.
    const mockProfile = await profileWhile(async () => {
      await runBlaster({ ...spec(new URL(mock.url).origin), durationMs: opts.profileMs });
    });
    const rawVerify = median(verifySlices.map((v) => v.perSecond));
    const rawVerifyCpu = median(verifySlices.map((v) => v.cpuMicrosPerOp));
    const m = figures(mockRun);
    const n = figures(noopRun);
    const v = figures(verifyOnlyRun);
    return {
      algorithm: 'ecdsa-p256-sha256',
      mock: m,
      httpsNoop: n,
      httpsVerifyOnly: v,
      rawVerifyPerSecond: Math.round(rawVerify),
      rawVerifyCpuMicros: Math.round(rawVerifyCpu * 10) / 10,
      mockOverNoop: Math.round((m.requestsPerSecond / Math.max(1, n.requestsPerSecond)) * 1000) / 1000,
      mockOverRawVerify: Math.round((m.requestsPerSecond / rawVerify) * 1000) / 1000,
      rawVerifyCpuOverMockCpu: Math.round((rawVerifyCpu / Math.max(1, m.cpuMicrosPerRequest)) * 1000) / 1000,
      mockExtraCpuMicrosPerRequest: Math.round((m.cpuMicrosPerRequest - n.cpuMicrosPerRequest) * 10) / 10,
      mockOverVerifyOnly: Math.round((m.requestsPerSecond / Math.max(1, v.requestsPerSecond)) * 1000) / 1000,
      client,
      mockProfile: summarizeProfile(mockProfile, 12),
    };
  } finally {
    await mock.close();
  }
}
