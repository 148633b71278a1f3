/**
 * End to end through `node dist/cli/main.js` (built by `npm run build`): the README flow `mock-server --port 0`
 * then `device --wfm` from the same folder, and the one-line exit-2 contract for bad `mock-server` and `device`
 * input.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packagePath } from '../core/paths.js';

const bin = packagePath('dist', 'cli', 'main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, env: { ...process.env, CI: 'true', ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

/** Starts `mock-server` and resolves with its URL once the banner is printed. */
function startMock(args: readonly string[], cwd: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [bin, 'mock-server', ...args], { cwd, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const url = /URL:\s+(https:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (url !== undefined) resolve({ child, url });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    child.once('exit', (code) => reject(new Error(`mock-server exited ${String(code)}: ${err}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function expectOneLine(r: Run, code: number, ...parts: string[]): void {
  expect(r.code, r.stderr + r.stdout).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  for (const p of parts) expect(lines[0]).toContain(p);
  expect(r.stderr).not.toContain('INTERNAL');
}

let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'margo-cli-md-'));
});

afterEach(async () => {
  for (const c of children.splice(0)) await stop(c);
});

afterAll(async () => {
  for (const c of children.splice(0)) await stop(c);
});

describe('README flow: mock-server and device in one folder', () => {
  it('device --wfm onboards under the persistent device CA the mock trusts, and exits 0', async () => {
    const cwd = await mkdtemp(join(dir, 'flow-'));
    const { child, url } = await startMock(['--port', '0'], cwd);
    children.push(child);
    const r = await run(['device', '--wfm', url], cwd);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('sequence completed');
    expect(await exists(join(cwd, '.margo', 'pki', 'device-ca.pem'))).toBe(true);
  });

  it('a client-suite spawn (MARGO_SCENARIO, no --wfm) keeps a throwaway device CA and writes nothing', async () => {
    const mockDir = await mkdtemp(join(dir, 'mock-'));
    const { child, url } = await startMock(['--port', '0'], mockDir);
    children.push(child);
    const cwd = await mkdtemp(join(dir, 'client-'));
    const r = await run(['device'], cwd, { MARGO_WFM_URL: url, MARGO_SCENARIO: 'happy-path' });
    // This mock trusts only its persistent device CA, so the throwaway identity is refused at onboarding.
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('stopped at onboard');
    expect(await exists(join(cwd, '.margo'))).toBe(false);
  });
});

describe('mock-server input errors exit 2 with one line naming the flag', () => {
  let blocker: Server;
  let busy: number;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    busy = (blocker.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((done) => blocker.close(done));
  });

  it('ports out of range and ports in use', async () => {
    expectOneLine(await run(['mock-server', '--port', '70000'], dir), 2, '--port', '65535');
    expectOneLine(await run(['mock-server', '--port', '0', '--admin-port', '70000'], dir), 2, '--admin-port');
    expectOneLine(await run(['mock-server', '--port', '0', '--plain-http-port', '99999'], dir), 2, '--plain-http-port');
    expectOneLine(await run(['mock-server', '--port', String(busy)], dir), 2, `--port ${busy}: address already in use`);
    expectOneLine(await run(['mock-server', '--port', '0', '--admin-port', String(busy)], dir), 2, `--admin-port ${busy}: address already in use`);
  });

  it('admin tokens shorter than 16 characters, never echoed', async () => {
    expectOneLine(await run(['mock-server', '--port', '0', '--admin-token', ''], dir), 2, '--admin-token', '16');
    const short = await run(['mock-server', '--port', '0', '--admin-token', 'hunter2'], dir);
    expectOneLine(short, 2, '--admin-token');
    expect(short.stderr).not.toContain('hunter2');
  });

  it('--data-dir that is a file or holds foreign files, --export-ca under a file, --allow not a fingerprint', async () => {
    const cwd = await mkdtemp(join(dir, 'inputs-'));
    await writeFile(join(cwd, 'afile'), 'not a folder');
    await mkdir(join(cwd, 'foreign'));
    await writeFile(join(cwd, 'foreign', 'pki.json'), '{"x":1}');
    expectOneLine(await run(['mock-server', '--port', '0', '--data-dir', 'afile'], cwd), 2, '--data-dir afile: not a folder');
    expectOneLine(await run(['mock-server', '--port', '0', '--data-dir', 'foreign'], cwd), 2, 'CONFIG_INVALID', 'pki.json: missing rootCa.certPem');
    expectOneLine(await run(['mock-server', '--port', '0', '--export-ca', 'afile/x.pem'], cwd), 2, '--export-ca afile/x.pem', 'not a folder');
    expectOneLine(await run(['mock-server', '--port', '0', '--allow', 'zz'], cwd), 2, '--allow zz', 'SHA-256 fingerprint');
  });
});

describe('device input errors exit 2 with one line', () => {
  it('--ca that is a key or plain text, --ca-from-env without MARGO_CA_FILE', async () => {
    const cwd = await mkdtemp(join(dir, 'device-'));
    await writeFile(join(cwd, 'key.pem'), `-----BEGIN ${'PRIVATE'} KEY-----\nMC4CAQAwBQYDK2VwBCIEIE1c\n-----END ${'PRIVATE'} KEY-----\n`);
    await writeFile(join(cwd, 'notpem.txt'), 'hello');
    await writeFile(join(cwd, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    for (const file of ['key.pem', 'notpem.txt', 'broken.pem']) {
      expectOneLine(await run(['device', '--wfm', 'https://127.0.0.1:1', '--ca', file], cwd), 2, '--ca', 'not a PEM certificate');
    }
    const env = await run(['device', '--wfm', 'https://127.0.0.1:1', '--ca-from-env'], cwd, { MARGO_CA_FILE: '' });
    expectOneLine(env, 2, '--ca-from-env', 'MARGO_CA_FILE');
    expect(await exists(join(cwd, '.margo'))).toBe(false);
  });

  it('--wfm with credentials, a query, a fragment or plain http; credentials are never printed', async () => {
    const cwd = await mkdtemp(join(dir, 'device-url-'));
    const creds = await run(['device', '--wfm', 'https://op:s3cr3t-pass@127.0.0.1:1'], cwd);
    expectOneLine(creds, 2, 'TARGET_URL_INVALID', 'credentials');
    expect(creds.stderr + creds.stdout).not.toContain('s3cr3t-pass');
    const badUrl = await run(['device', '--wfm', 'https://op:s3cr3t-pass@[zz'], cwd);
    expectOneLine(badUrl, 2, 'not a URL');
    expect(badUrl.stderr + badUrl.stdout).not.toContain('s3cr3t-pass');
    expectOneLine(await run(['device', '--wfm', 'https://127.0.0.1:1/?x=1'], cwd), 2, 'query or fragment');
    expectOneLine(await run(['device', '--wfm', 'https://127.0.0.1:1/#frag'], cwd), 2, 'query or fragment');
    expectOneLine(await run(['device', '--wfm', 'http://127.0.0.1:1'], cwd), 2, 'https://');
    expect(await exists(join(cwd, '.margo'))).toBe(false);
  });
});
