/**
 * The `client` checks that no simulator fault reaches, proven able to fail: a clean recording of every scenario is
 * made once (in-process simulator against real mocks), then edited the way a broken client would have behaved, and
 * judged again. Also: a client command that crashes at once never yields `pass`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult, VerdictStatus } from '../core/check.js';
import { systemClock } from '../core/clock.js';
import { mergeConfig } from '../core/config.js';
import type { MargoConfig, PartialDeep } from '../core/config.js';
import { getProfile } from '../core/profiles/index.js';
import type { RecordedExchange, RecordedTlsEvent, TrafficEntry } from '../core/traffic.js';
import { judgeRecordings, runClientSuite } from '../cli/commands/client.js';
import { inProcessSimulator } from '../cli/selftest-client.js';
import type { ScenarioRecording } from '../suites/client/index.js';
import type { ClientScenarioId } from '../suites/client/scenarios.js';

const profile = getProfile('rfc9421-v1');
const config = mergeConfig({ profile: profile.id, client: { scenarioTimeoutMs: 20_000 } });
let clean: ScenarioRecording[] = [];

beforeAll(async () => {
  const { run, recordings } = await runClientSuite({
    profile,
    config,
    clock: systemClock,
    launcher: inProcessSimulator([], config),
    target: 'in-process simulator',
    env: {},
    concurrency: 3,
  });
  expect(run.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}=${r.status}`)).toEqual([]);
  clean = recordings;
}, 120_000);

/** Judges the clean recordings with `edit` applied to one scenario's entries. */
async function judgeEdited(
  scenario: ClientScenarioId,
  edit: (entries: TrafficEntry[]) => TrafficEntry[],
  overrides: PartialDeep<MargoConfig> = {},
): Promise<RunResult> {
  const recordings = clean.map((r) => (r.scenario.id === scenario ? { ...r, entries: edit(structuredClone([...r.entries])) } : r));
  return judgeRecordings(recordings, { profile, config: mergeConfig(config, overrides), clock: systemClock, target: 'edited recording' });
}

function statusOf(run: RunResult, id: string): VerdictStatus | undefined {
  return run.results.find((r) => r.id === id)?.status;
}

const isExchange = (e: TrafficEntry): e is RecordedExchange => e.type === 'exchange';
const isTls = (e: TrafficEntry): e is RecordedTlsEvent => e.type === 'tls';
const withoutRoutes = (...routes: string[]) => (entries: TrafficEntry[]) => entries.filter((e) => !isExchange(e) || !routes.includes(e.route ?? ''));

describe('client checks without a simulator fault can fail', () => {
  it('client.tls.uses-tls13 fails when a handshake negotiated TLS 1.2', async () => {
    const run = await judgeEdited('happy-path', (entries) =>
      entries.map((e, i) => (isTls(e) && e.kind === 'handshake-ok' && i === entries.findIndex(isTls) ? { ...e, protocol: 'TLSv1.2' } : e)),
    );
    expect(statusOf(run, 'client.tls.uses-tls13')).toBe('fail');
    expect(statusOf(run, 'client.tls.accepts-genuine-server')).toBe('pass');
  });

  it('client.tls.accepts-genuine-server fails when the client refused the genuine chain', async () => {
    const run = await judgeEdited('happy-path', (entries) => {
      const first = entries.find(isTls) as RecordedTlsEvent;
      const refused: RecordedTlsEvent = { ...first, kind: 'handshake-failed', errorCode: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', alert: 'unknown ca' };
      return [...entries, refused];
    });
    expect(statusOf(run, 'client.tls.accepts-genuine-server')).toBe('fail');
  });

  it('client.tls.establishes-trust-before-onboarding fails when signed requests precede the CA download', async () => {
    const run = await judgeEdited('happy-path', (entries) =>
      entries.map((e) => (isExchange(e) && e.route === 'certificate' ? { ...e, id: 10_000 } : e)),
    );
    expect(statusOf(run, 'client.tls.establishes-trust-before-onboarding')).toBe('fail');
  });

  it('client.tls.rejects-imposter-server is inconclusive, never pass, when the client made no handshake', async () => {
    const run = await judgeEdited('tls-imposter', () => []);
    expect(statusOf(run, 'client.tls.rejects-imposter-server')).toBe('inconclusive');
  });

  it('client.onboarding.request-schema-valid fails on a wrong kind', async () => {
    const run = await judgeEdited('happy-path', (entries) =>
      entries.map((e) => {
        if (!isExchange(e) || e.route !== 'onboarding') return e;
        return { ...e, request: { ...e.request, body: (e.request.body ?? '').replace('"OnboardingRequest"', '"Onboarding"') } };
      }),
    );
    expect(statusOf(run, 'client.onboarding.request-schema-valid')).toBe('fail');
  });

  it('client.onboarding.stops-after-invalid-certificate fails when capabilities follow the 400', async () => {
    const caps = clean.find((r) => r.scenario.id === 'happy-path')?.entries.find((e) => isExchange(e) && e.route === 'capabilitiesCreate');
    const run = await judgeEdited('invalid-certificate-response', (entries) => [...entries, { ...(caps as RecordedExchange), id: 10_000 }]);
    expect(statusOf(run, 'client.onboarding.stops-after-invalid-certificate')).toBe('fail');
  });

  it('client.payload-security.allowed-algorithm fails when the algorithm is not in signatures.allowedAlgorithms', async () => {
    const run = await judgeEdited('happy-path', (entries) => entries, { signatures: { allowedAlgorithms: ['rsa-v1_5-sha256'] } });
    expect(statusOf(run, 'client.payload-security.allowed-algorithm')).toBe('fail');
    expect(statusOf(run, 'client.payload-security.signature-verifies')).toBe('pass');
  });

  it('client.capabilities.sends-capabilities fails when an onboarded client never reports', async () => {
    const run = await judgeEdited('happy-path', withoutRoutes('capabilitiesCreate', 'desiredState', 'deploymentByDigest', 'deploymentStatus'));
    expect(statusOf(run, 'client.capabilities.sends-capabilities')).toBe('fail');
  });

  it('client.desired-state.polls-desired-state fails when the client never polls', async () => {
    const run = await judgeEdited('happy-path', withoutRoutes('desiredState', 'deploymentByDigest', 'deploymentStatus'));
    expect(statusOf(run, 'client.desired-state.polls-desired-state')).toBe('fail');
  });

  it('client.desired-state.handles-not-modified warns on an unconditional re-poll after 304', async () => {
    const run = await judgeEdited('happy-path', (entries) => {
      const poll = entries.find((e): e is RecordedExchange => isExchange(e) && e.route === 'desiredState') as RecordedExchange;
      const headers = { ...poll.request.headers };
      delete headers['if-none-match'];
      return [...entries, { ...poll, id: 10_000, request: { ...poll.request, headers } }];
    });
    expect(statusOf(run, 'client.desired-state.handles-not-modified')).toBe('warn');
  });

  it('client.deployment-status.reports-status fails when the client never reports', async () => {
    const run = await judgeEdited('happy-path', withoutRoutes('deploymentStatus'));
    expect(statusOf(run, 'client.deployment-status.reports-status')).toBe('fail');
  });

  it('client.retry.retries-after-server-error warns when the client gives up after a 500', async () => {
    const run = await judgeEdited('server-error-500', (entries) => {
      const last500 = entries.filter((e): e is RecordedExchange => isExchange(e) && e.response.status === 500).at(-1) as RecordedExchange;
      return entries.filter((e) => !isExchange(e) || e.id <= last500.id);
    });
    expect(statusOf(run, 'client.retry.retries-after-server-error')).toBe('warn');
  });

  it('client.retry.retries-when-unavailable warns when the client gives up after a 503', async () => {
    const run = await judgeEdited('retry-after', (entries) => {
      const first = entries.find((e): e is RecordedExchange => isExchange(e) && e.response.status === 503) as RecordedExchange;
      return entries.filter((e) => !isExchange(e) || e.id <= first.id);
    });
    expect(statusOf(run, 'client.retry.retries-when-unavailable')).toBe('warn');
  });
});

describe('a client command that crashes at once', () => {
  it('fails "client did not onboard" with its stderr as evidence and passes no check', async () => {
    const { run } = await runClientSuite({
      profile,
      config: mergeConfig(config, { client: { scenarioTimeoutMs: 10_000 } }),
      clock: systemClock,
      launcher: { kind: 'command', command: 'echo "device client: cannot open /dev/tpm0" >&2; exit 2' },
      target: 'crashing command',
      env: process.env,
      concurrency: 3,
    });
    const gate = run.results.find((r) => r.id === 'client.onboarding.sends-onboarding-request');
    expect(gate?.status).toBe('fail');
    expect(JSON.stringify(gate?.evidence)).toContain('cannot open /dev/tpm0');
    expect(run.results.filter((r) => r.status === 'pass').map((r) => `${r.id}: ${r.message}; ${run.notes.join(' | ')}`)).toEqual([]);
    for (const id of ['client.onboarding.stops-after-rejection', 'client.tls.rejects-imposter-server', 'client.onboarding.stops-after-invalid-certificate']) {
      expect(statusOf(run, id)).toBe('inconclusive');
    }
  }, 60_000);
});

describe('profile rfc9421-rc2', () => {
  it('the clean simulator passes every client check (PUT capabilities per deviceId)', async () => {
    const rc2 = getProfile('rfc9421-rc2');
    const rc2Config = mergeConfig({ profile: rc2.id, client: { scenarioTimeoutMs: 20_000 } });
    const { run } = await runClientSuite({
      profile: rc2,
      config: rc2Config,
      clock: systemClock,
      launcher: inProcessSimulator([], rc2Config),
      target: 'in-process simulator (rc2)',
      env: {},
      concurrency: 3,
    });
    expect(run.profile).toBe('rfc9421-rc2');
    expect(run.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}=${r.status}: ${r.message}`)).toEqual([]);
  }, 120_000);
});

describe('a client that takes the root CA out of band (MARGO_CA_FILE)', () => {
  async function outOfBand(faults: Parameters<typeof inProcessSimulator>[0]): Promise<RunResult> {
    const { run } = await runClientSuite({
      profile,
      config,
      clock: systemClock,
      launcher: inProcessSimulator(faults, config, true),
      target: 'in-process simulator, CA out of band',
      env: {},
      concurrency: 3,
      only: ['client.tls.*'],
    });
    return run;
  }

  it('passes the TLS checks, refusing the chain its provisioned CA did not issue', async () => {
    const run = await outOfBand([]);
    expect(run.results.filter((r) => r.id.startsWith('client.tls.')).map((r) => `${r.id}=${r.status}`)).toEqual([
      'client.tls.establishes-trust-before-onboarding=pass',
      'client.tls.accepts-genuine-server=pass',
      'client.tls.uses-tls13=pass',
      'client.tls.rejects-imposter-server=pass',
    ]);
    expect(run.results.find((r) => r.id === 'client.tls.establishes-trust-before-onboarding')?.message).toContain('out of band');
  }, 60_000);

  it('fails the pinning check when it skips TLS verification', async () => {
    const run = await outOfBand(['tls-verify-off']);
    expect(statusOf(run, 'client.tls.rejects-imposter-server')).toBe('fail');
  }, 60_000);
});
