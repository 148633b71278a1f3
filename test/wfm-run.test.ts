/**
 * The root command in-process (runWfmCommand with a fake CliIo): the embedded default, a faulted mock as --target,
 * the CA bootstrap paths, the usage errors and the unreachable / connection-closing targets.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runWfmCommand } from '../cli/commands/run-wfm.js';
import { DEFAULT_DEVICE_CA_DIR, ensureDeviceCa } from '../cli/device-ca.js';
import type { RunResult } from '../core/check.js';
import { isConformanceError } from '../core/errors.js';
import { packagePath } from '../core/paths.js';
import { createAjv } from '../core/schema.js';
import { startMockWfm } from '../mock-server/index.js';
import type { MockFault } from '../mock-server/faults.js';
import type { MockWfm } from '../mock-server/types.js';
import { fakeIo, removeFakeIoDirs } from './wfm-helpers.js';

afterAll(removeFakeIoDirs);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A mock WFM started like `mock-server --fault …`, trusting the device CA the command will use in `cwd`. */
async function startTargetMock(cwd: string, faults: MockFault[], basePath = ''): Promise<MockWfm> {
  const deviceCa = await ensureDeviceCa(DEFAULT_DEVICE_CA_DIR, cwd, new Date());
  const mock = await startMockWfm({ host: '127.0.0.1', port: 0, trustedIssuers: [deviceCa.certPem], faults, basePath });
  cleanups.push(() => mock.close());
  return mock;
}

async function readReport(cwd: string, dir = 'out'): Promise<RunResult> {
  return JSON.parse(await readFile(join(cwd, dir, 'report.json'), 'utf8')) as RunResult;
}

async function expectError(promise: Promise<unknown>, code: string): Promise<string> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isConformanceError(err), String(err)).toBe(true);
  expect((err as { code: string }).code).toBe(code);
  return (err as Error).message;
}

/** A free loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A plain-HTTP operator hook on 127.0.0.1 answering each action as `answer` says; returns its origin. */
async function startHookServer(answer: (action: string) => [number, string]): Promise<string> {
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { action: string };
      const [status, text] = answer(body.action);
      res.statusCode = status;
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe('runWfmCommand', () => {
  it('runs the embedded mock without --target, prints the summary and exits 0 with all four reports', async () => {
    const io = await fakeIo();
    const code = await runWfmCommand({ reportDir: 'out' }, io);
    const out = io.out.join('\n');
    expect(code, out).toBe(0);
    expect(out).toContain('effective configuration (redacted):');
    expect(out).toMatch(/^target: embedded mock WFM \(https:\/\/127\.0\.0\.1:\d+\) — root CA out-of-band$/m);
    expect(out).toContain('CONFORMANT');
    expect((await readdir(join(io.cwd, 'out'))).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'summary.md']);
    const report = await readReport(io.cwd);
    // The report says what was tested: never a bare https://127.0.0.1:… that reads like a WFM under test.
    expect(report.target).toMatch(/^embedded mock WFM \(https:\/\/127\.0\.0\.1:\d+\)$/);
    expect(report.results.every((r) => r.status === 'pass' || r.status === 'not-applicable')).toBe(true);
    const validate = createAjv().compile(JSON.parse(await readFile(packagePath('schemas', 'report.schema.json'), 'utf8')) as object);
    expect(validate(JSON.parse(await readFile(join(io.cwd, 'out', 'report.json'), 'utf8'))), JSON.stringify(validate.errors)).toBe(true);
  }, 60_000);

  it('exits 1 against a --target mock started with accept-unsigned, naming the failing checks', async () => {
    const io = await fakeIo();
    const mock = await startTargetMock(io.cwd, ['accept-unsigned']);
    await writeFile(join(io.cwd, 'ca.pem'), mock.caPem);
    const code = await runWfmCommand({ target: mock.url, ca: 'ca.pem', reportDir: 'out' }, io);
    const out = io.out.join('\n');
    expect(code, out).toBe(1);
    for (const id of ['rejects-unsigned-onboarding', 'rejects-unsigned-capabilities', 'rejects-unsigned-status']) {
      expect(out).toContain(`wfm.payload-security.${id}: fail`);
    }
    const report = await readReport(io.cwd);
    const failing = report.results.filter((r) => r.status === 'fail').map((r) => r.id);
    expect(failing.sort()).toEqual([
      'wfm.payload-security.rejects-unsigned-capabilities',
      'wfm.payload-security.rejects-unsigned-onboarding',
      'wfm.payload-security.rejects-unsigned-status',
    ]);
    // No operator is configured for an external target: those checks skip, never pass.
    const skipped = report.results.filter((r) => r.status === 'skip').map((r) => r.id);
    expect(skipped.sort()).toEqual([
      'wfm.desired-state.manifest-version-rises',
      'wfm.onboarding.rejects-operator-rejected',
      'wfm.payload-security.rejects-revoked-client',
    ]);
  }, 60_000);

  it('runs the three operator checks through the mock\'s own hook: --operator-hook http://op:TOKEN@…/admin/api/operator-hook', async () => {
    const io = await fakeIo();
    const mock = await startTargetMock(io.cwd, []);
    await writeFile(join(io.cwd, 'ca.pem'), mock.caPem);
    const hook = `http://op:${mock.adminToken}@127.0.0.1:${new URL(mock.adminUrl).port}/admin/api/operator-hook`;
    const code = await runWfmCommand({ target: mock.url, ca: 'ca.pem', reportDir: 'out', operatorHook: hook }, io);
    const out = io.out.join('\n');
    expect(code, out).toBe(0);
    const report = await readReport(io.cwd);
    const statusOf = (id: string) => report.results.find((r) => r.id === id)?.status;
    for (const id of ['wfm.onboarding.rejects-operator-rejected', 'wfm.payload-security.rejects-revoked-client', 'wfm.desired-state.manifest-version-rises']) {
      expect(statusOf(id), id).toBe('pass');
    }
    expect(report.results.some((r) => r.status === 'skip')).toBe(false);
    // The hook URL carries the admin token: neither the console nor any report file shows it.
    expect(out).not.toContain(mock.adminToken);
    for (const file of await readdir(join(io.cwd, 'out'))) {
      expect(await readFile(join(io.cwd, 'out', file), 'utf8'), file).not.toContain(mock.adminToken);
    }
  }, 60_000);

  it('scrubs secrets.values from the console (progress, target line, summary) as well as from every report file', async () => {
    const io = await fakeIo();
    const secret = `tenant-${randomBytes(8).toString('hex')}`;
    // The secret sits in the target's path (exchange evidence, target lines) and in the operator hook's path and
    // answer (evidence notes, run notes, an error verdict's message on the progress line and in the reasons).
    const mock = await startTargetMock(io.cwd, ['accept-unsigned'], `/${secret}`);
    const hook = await startHookServer((action) => (action === 'reject-onboarding' ? [500, `hook for ${secret} is down`] : [204, '']));
    await writeFile(join(io.cwd, 'ca.pem'), mock.caPem);
    await writeFile(join(io.cwd, 'margo.yaml'), `secrets:\n  values: ["${secret}"]\n`);
    const code = await runWfmCommand({ config: 'margo.yaml', target: mock.url, ca: 'ca.pem', reportDir: 'out', operatorHook: `${hook}/hooks/${secret}` }, io);
    const shown = [...io.out, ...io.err].join('\n');
    expect(code, shown).toBe(4); // the hook's 500 is an error verdict: the run is incomplete
    expect(shown).toMatch(/^target: https:\/\/127\.0\.0\.1:\d+\/\[REDACTED\] — root CA out-of-band$/m);
    expect(shown).toMatch(/^\[\s*\d+\/\d+\] ERROR\s+wfm\.onboarding\.rejects-operator-rejected .*hook for \[REDACTED\] is down$/m);
    expect(shown).not.toContain(secret);
    const report = await readReport(io.cwd);
    expect(report.results.find((r) => r.id === 'wfm.onboarding.rejects-operator-rejected')?.status).toBe('error');
    expect(report.results.find((r) => r.id === 'wfm.payload-security.rejects-revoked-client')?.status).toBe('fail');
    for (const file of await readdir(join(io.cwd, 'out'))) {
      const text = await readFile(join(io.cwd, 'out', file), 'utf8');
      expect(text, file).toContain('REDACTED'); // Markdown escapes the brackets
      expect(text, file).not.toContain(secret);
    }
  }, 60_000);

  it('accepts a --target with a path prefix before /api/v1', async () => {
    const io = await fakeIo();
    const mock = await startTargetMock(io.cwd, [], '/tenant-a/margo');
    expect(mock.url).toMatch(/\/tenant-a\/margo$/);
    await writeFile(join(io.cwd, 'ca.pem'), mock.caPem);
    const code = await runWfmCommand({ target: `${mock.url}/`, ca: 'ca.pem', reportDir: 'out', only: ['wfm.onboarding.*', 'wfm.capabilities.*'] }, io);
    expect(code, io.out.join('\n')).toBe(0);
    const report = await readReport(io.cwd);
    expect(report.target).toBe(mock.url);
    expect(report.results.filter((r) => r.status === 'pass').length).toBeGreaterThan(10);
  }, 60_000);

  it('exits 5 when nothing executed', async () => {
    const io = await fakeIo();
    expect(await runWfmCommand({ reportDir: 'out', only: ['wfm.no-such-area.*'] }, io)).toBe(5);
  }, 60_000);

  it('keeps exit 0 when a baseline lists the expected failures', async () => {
    const io = await fakeIo();
    // A failure no other check depends on: a failed positive control (e.g. capabilities-500) leaves the negative
    // checks of its route inconclusive, which no baseline turns green.
    const mock = await startTargetMock(io.cwd, ['onboarding-200']);
    await writeFile(join(io.cwd, 'ca.pem'), mock.caPem);
    await writeFile(join(io.cwd, 'baseline.yaml'), 'wfm:\n  wfm.onboarding.answers-201-created: "vendor ticket 42"\n');
    const code = await runWfmCommand({ target: mock.url, ca: 'ca.pem', reportDir: 'out', expectedFailures: 'baseline.yaml' }, io);
    expect(code, io.out.join('\n')).toBe(0);
  }, 60_000);

  it('downloads the CA with --insecure-bootstrap and says so in the report', async () => {
    const io = await fakeIo();
    const mock = await startTargetMock(io.cwd, []);
    const code = await runWfmCommand({ target: mock.url, insecureBootstrap: true, reportDir: 'out', only: ['wfm.tls.*'] }, io);
    expect(code, io.out.join('\n')).toBe(0);
    const report = await readReport(io.cwd);
    expect(report.notes.some((n) => n.includes('--insecure-bootstrap'))).toBe(true);
  }, 60_000);

  it('exits 3 (CA_UNAVAILABLE) naming --ca and --insecure-bootstrap when the CA cannot be obtained safely', async () => {
    const io = await fakeIo();
    const mock = await startTargetMock(io.cwd, []);
    const message = await expectError(runWfmCommand({ target: mock.url, reportDir: 'out' }, io), 'CA_UNAVAILABLE');
    expect(message).toContain('--ca FILE');
    expect(message).toContain('--insecure-bootstrap');
  }, 60_000);

  it.each([
    ['http://127.0.0.1:8443', 'scheme must be https'],
    ['not a url', 'absolute https URL'],
    ['https://user:pw@127.0.0.1/', 'credentials'],
    ['https://127.0.0.1/api?x=1', 'query string'],
  ])('rejects --target %s with TARGET_URL_INVALID', async (target, text) => {
    const io = await fakeIo();
    expect(await expectError(runWfmCommand({ target }, io), 'TARGET_URL_INVALID')).toContain(text);
  });

  it('exits 3 with one line for an unreachable target', async () => {
    const io = await fakeIo();
    const port = await closedPort();
    const message = await expectError(runWfmCommand({ target: `https://127.0.0.1:${port}`, ca: 'none.pem' }, io), 'TARGET_UNREACHABLE');
    expect(message).toContain(`https://127.0.0.1:${port}`);
    expect(message).not.toContain('\n');
  });

  it('exits 3, never passes, for a target that closes every connection', async () => {
    const io = await fakeIo();
    const server: Server = createTcpServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as { port: number };
    await expectError(runWfmCommand({ target: `https://127.0.0.1:${port}`, insecureBootstrap: true }, io), 'TLS_SETUP_FAILED');
  });

  it('rejects a bad --trust value before any I/O', async () => {
    const io = await fakeIo();
    await expectError(runWfmCommand({ trust: 'everything' }, io), 'USAGE');
  });

  it('prints a live line per check on a TTY (cursor up + clear) and plain lines otherwise', async () => {
    const tty = await fakeIo({ isTty: true });
    await runWfmCommand({ reportDir: 'out', only: ['wfm.certificate-api.returns-root-ca'] }, tty);
    expect(tty.out.some((l) => l.includes('running wfm.certificate-api.returns-root-ca'))).toBe(true);
    expect(tty.out.some((l) => l.startsWith('\x1b[1A') && l.includes('wfm.certificate-api.returns-root-ca'))).toBe(true);
    const ci = await fakeIo();
    await runWfmCommand({ reportDir: 'out', only: ['wfm.certificate-api.returns-root-ca'] }, ci);
    expect(ci.out.some((l) => l.includes('running'))).toBe(false);
    expect(ci.out.some((l) => /^\[\s*\d+\/\d+\] PASS/.test(l))).toBe(true);
  }, 60_000);
});
