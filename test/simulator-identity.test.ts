/**
 * `runDeviceCommand` against the real mock WFM: the device certificate issued under a given device CA (the
 * persistent one the CLI loads) onboards with a mock that trusts only that CA; the throwaway default does not;
 * the opt-in plain-HTTP bootstrap fetches the root CA alone over HTTP; bad input never loads the device CA.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRootCa, type IssuedCertificate } from '../core/pki/index.js';
import { runDeviceCommand, type DeviceCommandOptions } from '../device-simulator/index.js';
import { startMockWfm, type MockWfm, type MockWfmOptions } from '../mock-server/index.js';

const open: MockWfm[] = [];

afterEach(async () => {
  for (const m of open.splice(0)) await m.close();
});

async function mock(opts: MockWfmOptions): Promise<MockWfm> {
  const m = await startMockWfm(opts);
  open.push(m);
  return m;
}

async function run(opts: Partial<DeviceCommandOptions>): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDeviceCommand({ env: {}, ...opts, stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, out, err };
}

describe('device identity and bootstrap options of runDeviceCommand', () => {
  it('issues the device certificate under loadDeviceCa, which a mock trusting only that CA accepts', async () => {
    const deviceCa = await createRootCa({ commonName: 'Test persistent device CA', name: 'device-ca' });
    const m = await mock({ trustedIssuers: [deviceCa.certPem] });
    const trusted = await run({ wfmUrl: m.url, loadDeviceCa: async () => deviceCa, keyType: 'ec-p384' });
    expect(trusted.code, trusted.out.join('\n')).toBe(0);
    const client = m.state.clients()[0];
    expect(client?.issuer ?? '').toContain('Test persistent device CA');
    const throwaway = await run({ wfmUrl: m.url });
    expect(throwaway.code).toBe(1);
    expect(throwaway.out.at(-1)).toContain('stopped at onboard');
  });

  it('the opt-in plain-HTTP bootstrap downloads the root CA over HTTP and keeps every API call on HTTPS', async () => {
    const m = await mock({ plainHttpCertificatePort: 0 });
    const plainUrl = m.plainHttpUrl ?? '';
    const r = await run({ wfmUrl: m.url, caUrl: plainUrl });
    expect(r.code, r.out.join('\n')).toBe(0);
    expect(r.out[0]).toContain('plain-HTTP bootstrap');
    expect(r.out.find((l) => l.startsWith('download-ca'))).toContain('ok 200');
    const http = await run({ wfmUrl: plainUrl, caUrl: plainUrl });
    expect(http.code).toBe(2);
    expect(http.err.join('\n')).toContain('https://');
  });

  it('never loads the device CA when the input is refused', async () => {
    let loads = 0;
    const loadDeviceCa = async (): Promise<IssuedCertificate> => {
      loads += 1;
      return createRootCa({ commonName: 'never' });
    };
    for (const opts of [
      { wfmUrl: 'http://127.0.0.1:1' },
      { wfmUrl: 'https://a:b@127.0.0.1:1' },
      { wfmUrl: 'https://127.0.0.1:1', caFromEnv: true },
      { wfmUrl: 'https://127.0.0.1:1', caUrl: 'ftp://127.0.0.1:1' },
    ] satisfies Partial<DeviceCommandOptions>[]) {
      const r = await run({ ...opts, loadDeviceCa });
      expect(r.code, JSON.stringify(opts)).toBe(2);
      expect(r.err).toHaveLength(1);
    }
    expect(loads).toBe(0);
  });
});
