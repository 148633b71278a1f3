/**
 * `margo-conformance device` (runDeviceCommand) against a loopback WFM: the client-suite env contract, exit codes,
 * and one plain line per step.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseDeviceContext, runDeviceCommand, splitFaultList } from '../device-simulator/index.js';
import type { DeviceCommandOptions } from '../device-simulator/index.js';
import { createFakePki, startFakeWfm } from './support/simulator-fake-wfm.js';
import type { FakePki, FakeWfm, FakeWfmOptions } from './support/simulator-fake-wfm.js';

let pki: FakePki;
let dir: string;
const servers: FakeWfm[] = [];

beforeAll(async () => {
  pki = await createFakePki();
  dir = await mkdtemp(join(tmpdir(), 'margo-sim-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function wfm(opts: FakeWfmOptions = {}): Promise<FakeWfm> {
  const s = await startFakeWfm({ pki, ...opts });
  servers.push(s);
  return s;
}

async function run(opts: Partial<DeviceCommandOptions> & { env?: Record<string, string> }): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDeviceCommand({ env: {}, ...opts, stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, out, err };
}

describe('runDeviceCommand', () => {
  it('reads MARGO_WFM_URL, prints one line per step and exits 0', async () => {
    const server = await wfm();
    const { code, out } = await run({ env: { MARGO_WFM_URL: server.url, MARGO_SCENARIO: 'happy-path' } });
    expect(code).toBe(0);
    expect(out[0]).toContain('scenario happy-path');
    const steps = out.slice(1, -1).map((l) => l.split(/\s+/)[0]);
    expect(steps).toEqual(['download-ca', 'pin-ca', 'onboard', 'capabilities', 'poll-desired-state', 'poll-desired-state', 'fetch-deployments', 'report-status']);
    expect(out.at(-1)).toBe('device: sequence completed (clientId client-1)');
  });

  it('downloads the CA even when MARGO_CA_FILE is set, and uses it only when told to', async () => {
    const server = await wfm();
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, server.caPem);
    expect((await run({ env: { MARGO_WFM_URL: server.url, MARGO_CA_FILE: caFile } })).code).toBe(0);
    expect(server.on('certificate')).toHaveLength(1);
    expect((await run({ env: { MARGO_WFM_URL: server.url, MARGO_CA_FILE: caFile, MARGO_CONTEXT: '{"caOutOfBand":true}' } })).code).toBe(0);
    expect((await run({ caFromEnv: true, env: { MARGO_WFM_URL: server.url, MARGO_CA_FILE: caFile } })).code).toBe(0);
    expect((await run({ wfmUrl: server.url, caFile })).code).toBe(0);
    expect(server.on('certificate')).toHaveLength(1);
  });

  it('takes faults from --fault, MARGO_DEVICE_FAULTS and MARGO_CONTEXT, and exits 1 when the WFM refuses', async () => {
    const server = await wfm();
    const viaEnv = await run({ env: { MARGO_WFM_URL: server.url, MARGO_DEVICE_FAULTS: 'no-signature' } });
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.out.at(-1)).toContain('stopped at onboard');
    const viaContext = await run({ env: { MARGO_WFM_URL: server.url, MARGO_CONTEXT: '{"faults":["invalid-capabilities"]}' } });
    expect(viaContext.out[0]).toContain('faults: invalid-capabilities');
    const viaFlag = await run({ wfmUrl: server.url, faults: ['stale-created'] });
    expect(viaFlag.code).toBe(1);
    expect(server.on('onboarding').map((c) => (c.verify?.ok === false ? c.verify.reason : 'ok'))).toEqual(['missing-header', 'ok', 'stale-created']);
  });

  it('exits 3 when the pinned CA refuses the WFM certificate', async () => {
    const server = await wfm({ imposterAfterCaDownload: true });
    const { code, out } = await run({ wfmUrl: server.url });
    expect(code).toBe(3);
    expect(out.at(-1)).toMatch(/stopped at pin-ca: TLS_SETUP_FAILED [A-Z_]+/);
  });

  it('exits 3 when the WFM is unreachable', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { code, out } = await run({ wfmUrl: `https://127.0.0.1:${port}` });
    expect(code).toBe(3);
    expect(out.at(-1)).toContain('TARGET_UNREACHABLE');
  });

  it('exits 2 on usage errors: no URL, unknown fault, unknown key type, bad MARGO_CONTEXT, unreadable CA', async () => {
    expect((await run({})).code).toBe(2);
    const unknown = await run({ wfmUrl: 'https://127.0.0.1:1', faults: ['sign-badly'] });
    expect(unknown.code).toBe(2);
    expect(unknown.err[0]).toMatch(/^error \[USAGE\]: unknown device fault\(s\): sign-badly/);
    expect((await run({ wfmUrl: 'https://127.0.0.1:1', keyType: 'dsa-1024' })).code).toBe(2);
    expect((await run({ env: { MARGO_WFM_URL: 'https://127.0.0.1:1', MARGO_CONTEXT: '[1' } })).code).toBe(2);
    expect((await run({ wfmUrl: 'https://127.0.0.1:1', caFile: join(dir, 'missing.pem') })).code).toBe(2);
    expect((await run({ wfmUrl: 'ftp://wfm' })).code).toBe(2);
  });
});

describe('device command inputs', () => {
  it('parses MARGO_CONTEXT and MARGO_DEVICE_FAULTS', () => {
    expect(parseDeviceContext(undefined)).toEqual({ faults: [], caOutOfBand: false });
    expect(parseDeviceContext('{"faults":["no-signature"],"caOutOfBand":true,"other":1}')).toEqual({ faults: ['no-signature'], caOutOfBand: true });
    expect(() => parseDeviceContext('{"faults":"x"}')).toThrow(/faults/);
    expect(splitFaultList(' a, b ,,c ')).toEqual(['a', 'b', 'c']);
  });
});
