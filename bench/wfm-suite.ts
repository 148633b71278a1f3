/**
 * @module Benchmark 3: wall time of the full `wfm` suite against a mock WFM set up as the embedded one (loopback,
 * ephemeral port, auto-approve, trusting the device CA), and the number of HTTP requests the suite made, counted
 * from the mock's recorded traffic. The suite runs through `runWfmCommand` with an in-memory CliIo; the mock's admin
 * API acts as the operator through its operator hook, as the embedded default does in-process.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runWfmCommand } from '../cli/commands/run-wfm.js';
import { ensureDeviceCa } from '../cli/device-ca.js';
import type { CliIo } from '../cli/io.js';
import { systemClock } from '../core/clock.js';
import { startMockWfm } from '../mock-server/index.js';

/** Result of the suite benchmark. */
export interface WfmSuiteBenchResult {
  readonly wallSeconds: number;
  /** HTTP exchanges the mock recorded on its API listener (operator-hook calls to the admin listener excluded). */
  readonly requests: number;
  /** TLS handshakes the mock recorded. */
  readonly tlsHandshakes: number;
  readonly exitCode: number;
  /** The suite's own summary line, e.g. the verdict counts. */
  readonly summary: string;
}

function quietIo(cwd: string, lines: string[]): CliIo {
  return {
    stdout: (l) => void lines.push(l),
    stderr: (l) => void lines.push(l),
    env: {},
    clock: systemClock,
    cwd,
    isTty: false,
    shutdown: new AbortController().signal,
  };
}

/** Runs the full `wfm` suite once against a fresh mock and measures it. */
export async function benchWfmSuite(): Promise<WfmSuiteBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'margo-bench-wfm-'));
  const deviceCa = await ensureDeviceCa(join(dir, 'pki'), dir, new Date());
  const mock = await startMockWfm({ host: '127.0.0.1', port: 0, onboarding: 'auto-approve', trustedIssuers: [deviceCa.certPem], adminHost: '127.0.0.1', adminPort: 0 });
  const lines: string[] = [];
  try {
    await writeFile(join(dir, 'wfm-ca.pem'), mock.caPem);
    const hook = new URL('api/operator-hook', mock.adminUrl);
    hook.username = 'op';
    hook.password = mock.adminToken;
    const t0 = performance.now();
    const exitCode = await runWfmCommand(
      { target: mock.url, ca: join(dir, 'wfm-ca.pem'), operatorHook: hook.href, reportDir: join(dir, 'reports'), format: 'json', progress: false, deviceCaDir: join(dir, 'pki') },
      quietIo(dir, lines),
    );
    const wallSeconds = (performance.now() - t0) / 1000;
    const traffic = mock.traffic();
    return {
      wallSeconds: Math.round(wallSeconds * 100) / 100,
      requests: traffic.filter((e) => e.type === 'exchange').length,
      tlsHandshakes: traffic.filter((e) => e.type !== 'exchange').length,
      exitCode,
      summary: lines.filter((l) => /\b(pass|fail)\b/i.test(l)).at(-1) ?? lines.at(-1) ?? '',
    };
  } finally {
    await mock.close();
    await rm(dir, { recursive: true, force: true });
  }
}
