/**
 * The device simulator against the real mock WFM (mock-server/): the reference client and the reference server
 * agree on the whole sequence, in both profiles, and the mock's scenario faults drive the simulator's refusal,
 * pinning and retry paths.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedExchange, TrafficEntry } from '../core/traffic.js';
import { createDevice } from '../device-simulator/index.js';
import type { Device, DeviceOptions } from '../device-simulator/index.js';
import { startMockWfm } from '../mock-server/index.js';
import type { MockWfm, MockWfmOptions } from '../mock-server/index.js';

const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function mock(opts: MockWfmOptions = {}): Promise<MockWfm> {
  const m = await startMockWfm(opts);
  open.push(m);
  return m;
}

function device(m: MockWfm, opts: Partial<DeviceOptions> = {}): { device: Device; sleeps: number[] } {
  const sleeps: number[] = [];
  const d = createDevice({ wfmUrl: m.url, sleep: async (ms) => void sleeps.push(ms), ...opts });
  open.push(d);
  return { device: d, sleeps };
}

const exchanges = (t: readonly TrafficEntry[]): RecordedExchange[] => t.filter((e): e is RecordedExchange => e.type === 'exchange');

describe('device simulator × mock WFM', () => {
  for (const profileId of ['rfc9421-v1', 'rfc9421-rc2']) {
    it(`completes the sequence under ${profileId}, every signature verified by the mock`, async () => {
      const m = await mock({ profileId, basePath: '/margo' });
      const { device: d } = device(m, { profileId });
      const run = await d.runSequence();
      expect(run.steps.filter((s) => !s.ok)).toEqual([]);
      expect(run.ok).toBe(true);
      const signed = exchanges(m.traffic()).filter((e) => e.signature !== undefined && e.route !== 'certificate');
      expect(signed.length).toBeGreaterThanOrEqual(5);
      for (const e of signed) expect(e.signature?.outcome, `${e.request.method} ${e.request.url}`).toBe('ok');
      const client = m.state.client(d.clientId ?? '');
      expect(Object.keys(client?.statuses ?? {})).toHaveLength(client?.deployments.length ?? -1);
      expect(run.steps.filter((s) => s.step === 'poll-desired-state').map((s) => s.status)).toEqual([200, 304]);
    });
  }

  it('downloads the CA from the opt-in plain-HTTP listener with bootstrap plain-http-url', async () => {
    const m = await mock({ plainHttpCertificatePort: 0 });
    expect(m.plainHttpUrl).toBeDefined();
    const { device: d } = device(m, { bootstrap: 'plain-http-url', caUrl: m.plainHttpUrl ?? '' });
    expect((await d.runSequence()).ok).toBe(true);
    expect(d.caPem?.replace(/\s+/g, '')).toBe(m.caPem.replace(/\s+/g, ''));
  });

  it('stops on a rejected onboarding (403) without sending capabilities or status', async () => {
    const m = await mock({ clientFaults: [{ kind: 'reject-onboarding' }] });
    const { device: d } = device(m);
    const run = await d.runSequence();
    expect(run.steps.at(-1)).toMatchObject({ step: 'onboard', ok: false, status: 403 });
    const routes = exchanges(m.traffic()).map((e) => e.route);
    expect(routes.filter((r) => r !== 'certificate' && r !== 'onboarding')).toEqual([]);
  });

  it('refuses the imposter certificate presented after the CA download', async () => {
    const m = await mock({ clientFaults: [{ kind: 'imposter-tls-after-ca-download' }] });
    const { device: d } = device(m);
    const run = await d.runSequence();
    expect(run.steps.at(-1)).toMatchObject({ step: 'pin-ca', ok: false, error: { code: 'TLS_SETUP_FAILED' } });
    expect(exchanges(m.traffic()).map((e) => e.route)).toEqual(['certificate']);
  });

  it('honours Retry-After on a 429 from capabilities', async () => {
    const route = 'capabilitiesCreate' as const;
    const m = await mock({ clientFaults: [{ kind: 'status', route, status: 429, times: 1, retryAfterSeconds: 2 }] });
    const { device: d, sleeps } = device(m, { retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10_000 } });
    expect((await d.runSequence()).ok).toBe(true);
    expect(sleeps).toEqual([2000]);
  });

  it('goes on past the refusal its own fault provoked, so later traffic can still be judged', async () => {
    const m = await mock();
    const { device: d } = device(m, { faults: ['invalid-capabilities'] });
    const run = await d.runSequence();
    expect(run.ok).toBe(false);
    expect(run.steps.find((s) => s.step === 'capabilities')).toMatchObject({ ok: false, status: 400 });
    expect(run.steps.at(-1)).toMatchObject({ step: 'report-status', ok: true });
  });

  it('with continue-after-403 sends capabilities after a rejected onboarding', async () => {
    const m = await mock({ clientFaults: [{ kind: 'reject-onboarding' }] });
    const { device: d } = device(m, { faults: ['continue-after-403'] });
    await d.runSequence();
    expect(exchanges(m.traffic()).map((e) => e.route)).toContain('capabilitiesCreate');
  });
});
