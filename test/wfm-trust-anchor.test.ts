/**
 * Trust-anchor problems give one clear verdict, not a wall of inconclusive:
 * - an advertised root CA that did not issue the served chain (`ca-not-issuer`, reached with --insecure-bootstrap):
 *   the chain check FAILS with the reason, TLS 1.3 is still judged, the rest is inconclusive naming the chain failure;
 * - a wrong out-of-band `--ca`: exit 3 with one line naming the URL, the file and the OpenSSL code;
 * - a `--ca` bundle: every certificate in it is a trust anchor.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runWfmCommand } from '../cli/commands/run-wfm.js';
import { DEFAULT_DEVICE_CA_DIR, ensureDeviceCa } from '../cli/device-ca.js';
import { exitCodeForError, formatErrorLine } from '../cli/exit-codes.js';
import { readCaBundle } from '../cli/wfm-bootstrap.js';
import type { RunResult } from '../core/check.js';
import { isConformanceError } from '../core/errors.js';
import { createRootCa } from '../core/pki/index.js';
import { UNMET_PRECONDITION_LABEL } from '../core/runner.js';
import { startMockWfm } from '../mock-server/index.js';
import type { MockFault } from '../mock-server/faults.js';
import type { MockWfm } from '../mock-server/types.js';
import { fakeIo, removeFakeIoDirs } from './wfm-helpers.js';

afterAll(removeFakeIoDirs);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function startTargetMock(cwd: string, faults: MockFault[]): Promise<MockWfm> {
  const deviceCa = await ensureDeviceCa(DEFAULT_DEVICE_CA_DIR, cwd, new Date());
  const mock = await startMockWfm({ host: '127.0.0.1', port: 0, trustedIssuers: [deviceCa.certPem], faults });
  cleanups.push(() => mock.close());
  return mock;
}

async function readReport(cwd: string): Promise<RunResult> {
  return JSON.parse(await readFile(join(cwd, 'out', 'report.json'), 'utf8')) as RunResult;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('an advertised root CA that did not issue the served chain (--insecure-bootstrap, mock fault ca-not-issuer)', () => {
  it('fails the chain check with the reason, judges TLS 1.3, and names the chain failure in every inconclusive', async () => {
    const io = await fakeIo();
    const mock = await startTargetMock(io.cwd, ['ca-not-issuer']);
    const code = await runWfmCommand({ target: mock.url, insecureBootstrap: true, reportDir: 'out' }, io);
    expect(code, io.out.join('\n')).toBe(1);
    const report = await readReport(io.cwd);
    const byId = new Map(report.results.map((r) => [r.id, r]));
    const chain = byId.get('wfm.tls.chain-verifies-against-advertised-ca');
    expect(chain?.status, chain?.message).toBe('fail');
    expect(chain?.message).toContain('does not verify against the advertised root CA');
    expect(chain?.message).toMatch(/not issued by/);
    // The only failure: everything else was either judged or says why it could not be.
    expect(report.results.filter((r) => r.status === 'fail').map((r) => r.id)).toEqual(['wfm.tls.chain-verifies-against-advertised-ca']);
    // Judged without the pinned channel: the protocol version, and the Certificate API over the bootstrap channel.
    for (const id of ['wfm.tls.offers-tls13', 'wfm.certificate-api.returns-root-ca', 'wfm.certificate-api.base64-without-line-breaks']) {
      expect(byId.get(id)?.status, `${id}: ${byId.get(id)?.message}`).toBe('pass');
    }
    const onboarding = byId.get('wfm.onboarding.accepts-signed-request');
    expect(onboarding?.status).toBe('inconclusive');
    expect(onboarding?.message).toMatch(/served TLS chain does not verify against the pinned root CA: [A-Z_]+\)$/);
    const unmet = report.results.filter((r) => r.evidence.some((e) => e.kind === 'note' && e.label === UNMET_PRECONDITION_LABEL));
    expect(unmet.length).toBeGreaterThan(20);
    for (const r of unmet) expect(r.message, r.id).toContain('the pinned TLS channel fails chain verification');
    expect(report.notes.some((n) => n.startsWith(`the TLS chain of ${mock.url} does not verify against the root CA downloaded from the Certificate API`))).toBe(true);
  }, 60_000);
});

describe('--ca', () => {
  it('exits 3 with one line when the out-of-band CA did not issue the served chain', async () => {
    const io = await fakeIo();
    const mock = await startTargetMock(io.cwd, []);
    const other = await createRootCa({ commonName: 'Some Other CA' });
    await writeFile(join(io.cwd, 'other.pem'), other.certPem);
    const err = await rejection(runWfmCommand({ target: mock.url, ca: 'other.pem', reportDir: 'out' }, io));
    expect(isConformanceError(err, 'TLS_SETUP_FAILED'), String(err)).toBe(true);
    expect(exitCodeForError(err)).toBe(3);
    const line = formatErrorLine(err);
    expect(line).toMatch(new RegExp(`^error \\[TLS_SETUP_FAILED\\]: the TLS chain of ${mock.url.replace(/[.]/g, '\\.')} does not verify against the root CA in other\\.pem \\([A-Z_]+\\)$`));
    // Nothing ran: no report, no progress.
    expect(io.out.some((l) => l.includes('PASS') || l.includes('INCONCLUSIVE'))).toBe(false);
  }, 60_000);

  it('trusts every certificate of a CA bundle, not only the first', async () => {
    const io = await fakeIo();
    const mock = await startTargetMock(io.cwd, []);
    const other = await createRootCa({ commonName: 'Unrelated CA listed first' });
    await writeFile(join(io.cwd, 'bundle.pem'), `${other.certPem}${mock.caPem}`);
    expect((await readCaBundle('bundle.pem', io.cwd)).count).toBe(2);
    const code = await runWfmCommand({ target: mock.url, ca: 'bundle.pem', reportDir: 'out', only: ['wfm.certificate-api.*', 'wfm.tls.*', 'wfm.onboarding.accepts-signed-request'] }, io);
    expect(code, io.out.join('\n')).toBe(0);
    const report = await readReport(io.cwd);
    expect(report.results.find((r) => r.id === 'wfm.onboarding.accepts-signed-request')?.status).toBe('pass');
  }, 60_000);

  it('names a bundle none of whose certificates verifies the chain', async () => {
    const io = await fakeIo();
    const mock = await startTargetMock(io.cwd, []);
    const [a, b] = await Promise.all([createRootCa({ commonName: 'CA one' }), createRootCa({ commonName: 'CA two' })]);
    await writeFile(join(io.cwd, 'bundle.pem'), `${a.certPem}${b.certPem}`);
    const err = await rejection(runWfmCommand({ target: mock.url, ca: 'bundle.pem' }, io));
    expect(isConformanceError(err, 'TLS_SETUP_FAILED'), String(err)).toBe(true);
    expect((err as Error).message).toContain('does not verify against any of the 2 root CAs in bundle.pem');
  }, 60_000);

  it('names a certificate of the bundle that does not parse', async () => {
    const io = await fakeIo();
    const good = await createRootCa();
    await writeFile(join(io.cwd, 'bundle.pem'), `${good.certPem}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`);
    const err = await rejection(readCaBundle('bundle.pem', io.cwd, { kind: 'env', name: 'MARGO_CA' }));
    expect(isConformanceError(err, 'CONFIG_INVALID'), String(err)).toBe(true);
    expect((err as Error).message).toBe('MARGO_CA=bundle.pem: certificate #2 of 2 is not a valid X.509 certificate');
  });
});
