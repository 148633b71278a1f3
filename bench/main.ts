/**
 * @module `npm run bench`: three benchmarks measured in the same run on this machine, printed and written to
 * `bench/results.json` (git-ignored) so later changes can be compared:
 * 1. the simulator's signing rate ÷ raw `crypto.sign` (ECDSA P-256, per core; target ≥ 70 %), with a CPU profile
 *    summary of the signing path;
 * 2. the mock WFM's verification throughput on signed status POSTs over TLS loopback ÷ a node:https no-op server,
 *    and ÷ raw `crypto.verify`; also per request in server CPU time, which other load on the machine moves less;
 * 3. the wall time of the full `wfm` suite against the mock and the number of requests it made.
 * Runs in well under 90 s on 2 cores. A benchmark that throws is recorded with its error and the exit code is 1.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { packagePath, toolVersion } from '../core/paths.js';
import { benchSigning } from './signing.js';
import type { SigningBenchResult } from './signing.js';
import { benchVerification } from './verification.js';
import type { VerificationBenchResult } from './verification.js';
import { benchWfmSuite } from './wfm-suite.js';
import type { WfmSuiteBenchResult } from './wfm-suite.js';

/** `bench/results.json`. */
interface BenchResults {
  /** 2: the verification client runs in a child process and server CPU time per request is recorded. */
  readonly benchVersion: 2;
  readonly tool: { readonly name: string; readonly version: string };
  readonly measuredAt: string;
  readonly machine: { readonly node: string; readonly platform: string; readonly cpu: string; readonly cores: number; readonly loadAverageBefore: number; readonly loadAverageAfter: number };
  readonly signing?: SigningBenchResult;
  readonly verification?: VerificationBenchResult;
  readonly wfmSuite?: WfmSuiteBenchResult;
  readonly errors: readonly { readonly bench: string; readonly message: string }[];
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const out = (line: string): void => void process.stdout.write(`${line}\n`);

function printSigning(r: SigningBenchResult): void {
  out(`1. signing, ECDSA P-256, one core: raw crypto.sign ${r.rawSignPerSecond}/s · simulator signed requests ${r.simulatorSignedRequestsPerSecond}/s`);
  out(`   ratio ${r.ratio} (${pct(r.ratio)}; target ≥ ${pct(r.targetRatio)}: ${r.targetMet ? 'met' : 'NOT met'})`);
  const share = (v: number): string => pct(v / r.rawSignPerSecond);
  out(`   stages ÷ raw sign: core RequestSigner ${r.stages.coreSignerPerSecond}/s (${share(r.stages.coreSignerPerSecond)}) · simulator signWire ${r.stages.signWirePerSecond}/s (${share(r.stages.signWirePerSecond)}) · + JSON body ${r.simulatorSignedRequestsPerSecond}/s (${share(r.simulatorSignedRequestsPerSecond)})`);
  out(`   where the signing path spends its time (self time): ${r.profile.areas.slice(0, 6).map((a) => `${a.name} ${pct(a.share)}`).join(', ')}`);
  if (!r.targetMet) for (const f of r.profile.functions.slice(0, 8)) out(`     ${pct(f.share).padStart(6)}  ${f.name}`);
}

function printVerification(r: VerificationBenchResult): void {
  const cpu = (f: { cpuMicrosPerRequest: number }): string => `server CPU ${f.cpuMicrosPerRequest} µs/request`;
  out(`2. verification over TLS loopback (${r.client.connections} keep-alive connections, ${r.client.concurrency} in flight, ${r.client.durationMs / 1000}s each; client in its own process):`);
  out(`   mock WFM, signed status POSTs: ${r.mock.requestsPerSecond} req/s, p50 ${r.mock.p50Ms} ms, p99 ${r.mock.p99Ms} ms, ${cpu(r.mock)}, statuses ${JSON.stringify(r.mock.statuses)}`);
  out(`   node:https no-op server:       ${r.httpsNoop.requestsPerSecond} req/s, p50 ${r.httpsNoop.p50Ms} ms, p99 ${r.httpsNoop.p99Ms} ms, ${cpu(r.httpsNoop)}`);
  out(`   no-op + one crypto.verify:     ${r.httpsVerifyOnly.requestsPerSecond} req/s, p50 ${r.httpsVerifyOnly.p50Ms} ms, p99 ${r.httpsVerifyOnly.p99Ms} ms, ${cpu(r.httpsVerifyOnly)}`);
  out(`   raw crypto.verify:             ${r.rawVerifyPerSecond}/s, ${r.rawVerifyCpuMicros} µs CPU each`);
  out(`   mock ÷ no-op = ${r.mockOverNoop} · mock ÷ raw verify = ${r.mockOverRawVerify} · mock ÷ (no-op + verify) = ${r.mockOverVerifyOnly} (throughput)`);
  out(`   in CPU time: raw verify ÷ mock per request = ${r.rawVerifyCpuOverMockCpu}; the mock adds ${r.mockExtraCpuMicrosPerRequest} µs/request over the no-op server's TLS + HTTP`);
  out(`   where the mock's thread spends its time (self time): ${r.mockProfile.areas.slice(0, 8).map((a) => `${a.name} ${pct(a.share)}`).join(', ')}`);
  for (const f of r.mockProfile.functions.slice(0, 5)) out(`     ${pct(f.share).padStart(6)}  ${f.name}`);
  for (const [name, f] of [['mock', r.mock], ['no-op', r.httpsNoop], ['no-op + verify', r.httpsVerifyOnly]] as const) {
    if (f.transportErrors > 0) out(`   ${name}: ${f.transportErrors} transport errors (first: ${f.firstError ?? '?'})`);
  }
}

function printSuite(r: WfmSuiteBenchResult): void {
  out(`3. wfm suite against the mock WFM: ${r.wallSeconds}s wall, ${r.requests} requests, ${r.tlsHandshakes} TLS handshakes, exit ${r.exitCode}`);
  if (r.summary !== '') out(`   ${r.summary}`);
}

async function attempt<T>(name: string, errors: { bench: string; message: string }[], run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (err) {
    // Recorded in results.json and printed; the run goes on with the next benchmark and exits 1 at the end.
    const message = err instanceof Error ? `${err.message}${err.stack === undefined ? '' : `\n${err.stack}`}` : String(err);
    errors.push({ bench: name, message });
    out(`${name}: FAILED ${message}`);
    return undefined;
  }
}

async function main(): Promise<number> {
  const cpu = cpus();
  const loadBefore = loadavg()[0] ?? 0;
  out(`margo-conformance ${toolVersion} bench · node ${process.version} · ${cpu.length} × ${cpu[0]?.model ?? 'cpu'} · load average ${loadBefore.toFixed(2)}`);
  const errors: { bench: string; message: string }[] = [];
  const signing = await attempt('signing', errors, () => benchSigning({ rounds: 9, sliceMs: 200, profileMs: 1500 }));
  if (signing !== undefined) printSigning(signing);
  const verification = await attempt('verification', errors, () => benchVerification({ durationMs: 5000, warmupMs: 700, connections: 8, concurrency: 32, presigned: 500, profileMs: 2000 }));
  if (verification !== undefined) printVerification(verification);
  const wfmSuite = await attempt('wfm-suite', errors, () => benchWfmSuite());
  if (wfmSuite !== undefined) printSuite(wfmSuite);
  const results: BenchResults = {
    benchVersion: 2,
    tool: { name: 'margo-conformance', version: toolVersion },
    measuredAt: new Date().toISOString(),
    machine: { node: process.version, platform: `${process.platform}-${process.arch}`, cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, loadAverageBefore: loadBefore, loadAverageAfter: loadavg()[0] ?? 0 },
    ...(signing === undefined ? {} : { signing }),
    ...(verification === undefined ? {} : { verification }),
    ...(wfmSuite === undefined ? {} : { wfmSuite }),
    errors,
  };
  const path = packagePath('bench', 'results.json');
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
  out(`results: ${path}`);
  if (results.machine.loadAverageBefore > results.machine.cores) out(`note: the machine was busy (load average ${loadBefore.toFixed(2)} on ${cpu.length} cores); absolute rates are low, the ratios are measured under the same load`);
  return errors.length === 0 ? 0 : 1;
}

process.exitCode = await main();
