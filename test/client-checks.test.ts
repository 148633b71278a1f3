/**
 * The `client` checks that no simulator fault reaches, proven able to fail: a clean recording of every scenario is
 * made once (in-process simulator against real mocks), then edited the way a broken client would have behaved, and
 * judged again. Also: a client command that crashes at once never yields `pass`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** Judges the clean recordings with `edit` applied to one whole scenario recording (entries, client, relay facts). */
async function judgeRecordingEdited(scenario: ClientScenarioId, edit: (rec: ScenarioRecording) => ScenarioRecording): Promise<RunResult> {
  const recordings = clean.map((r) => (r.scenario.id === scenario ? edit(structuredClone(r)) : r));
  return judgeRecordings(recordings, { profile, config, clock: systemClock, target: 'edited recording' });
}

function resultOf(run: RunResult, id: string): RunResult['results'][number] | undefined {
  return run.results.find((r) => r.id === id);
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

describe('no false green: pinning needs evidence that the client judged the certificate', () => {
  const PIN = 'client.tls.rejects-imposter-server';

  it('the reference simulator passes, refusing after the certificate reached it', async () => {
    const run = await judgeRecordingEdited('tls-imposter', (r) => r);
    expect(statusOf(run, PIN)).toBe('pass');
    expect(resultOf(run, PIN)?.message).toContain('after receiving the server certificate');
  });

  it('is inconclusive when nothing shows the certificate reached the client (no relay facts, no alert)', async () => {
    const run = await judgeRecordingEdited('tls-imposter', ({ connections: _dropped, ...r }) => r);
    expect(statusOf(run, PIN)).toBe('inconclusive');
  });

  it('is inconclusive when the client was killed at the timeout mid-handshake', async () => {
    const run = await judgeRecordingEdited('tls-imposter', (r) => {
      const closed = Math.min(...(r.connections ?? []).map((c) => c.closedAtMs ?? Infinity));
      return { ...r, client: { ...r.client, timedOut: true, stopRequestedAtMs: closed - 1 } };
    });
    expect(statusOf(run, PIN)).toBe('inconclusive');
    expect(resultOf(run, PIN)?.message).toContain('harness stopped the client');
  });

  it('is inconclusive for plain HTTP on the HTTPS port, and passes on a certificate alert', async () => {
    const withFailure = (extra: Partial<RecordedTlsEvent>) => (r: ScenarioRecording): ScenarioRecording => ({
      ...r,
      connections: [],
      entries: r.entries.map((e) => (isTls(e) && e.kind === 'handshake-failed' ? { ...e, ...extra } : e)),
    });
    const http = await judgeRecordingEdited('tls-imposter', withFailure({ errorCode: 'ERR_SSL_HTTP_REQUEST' }));
    expect(statusOf(http, PIN)).toBe('inconclusive');
    expect(resultOf(http, PIN)?.message).toContain('plain HTTP');
    const alert = await judgeRecordingEdited('tls-imposter', withFailure({ errorCode: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', alert: 'unknown ca' }));
    expect(statusOf(alert, PIN)).toBe('pass');
  });

  it('an out-of-band refusal needs a completed handshake in the happy path', async () => {
    // Out-of-band: no CA download in the pinning scenario, only the refused handshake.
    const outOfBand = (r: ScenarioRecording): ScenarioRecording => ({ ...r, entries: r.entries.filter((e) => isTls(e) && e.kind === 'handshake-failed') });
    const recordings = clean.map((r) =>
      r.scenario.id === 'tls-imposter' ? outOfBand(structuredClone(r)) : r.scenario.id === 'happy-path' ? { ...r, entries: r.entries.filter(isTls).filter((e) => e.kind === 'handshake-failed') } : r,
    );
    const run = await judgeRecordings(recordings, { profile, config, clock: systemClock, target: 'edited', only: [PIN] });
    expect(statusOf(run, PIN)).toBe('inconclusive');
    expect(resultOf(run, PIN)?.message).toContain('never completed a TLS handshake');
    const withHappyPath = await judgeRecordings(
      clean.map((r) => (r.scenario.id === 'tls-imposter' ? outOfBand(structuredClone(r)) : r)),
      { profile, config, clock: systemClock, target: 'edited', only: [PIN] },
    );
    expect(statusOf(withHappyPath, PIN)).toBe('pass');
  });
});

describe('no false green: real clients that never judge a certificate', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'margo-bad-clients-'));
    const target = "const u = new URL(process.env.MARGO_WFM_URL); const host = u.hostname, port = Number(u.port);";
    await writeFile(join(dir, 'plain-http.mjs'), `import net from 'node:net'; ${target}
const s = net.connect(port, host, () => s.write('GET /api/v1/onboarding/certificate HTTP/1.1\\r\\nHost: ' + u.host + '\\r\\n\\r\\n'));
s.on('data', () => undefined); s.on('error', () => undefined); s.on('close', () => process.exit(0));`);
    await writeFile(join(dir, 'tls12-insecure.mjs'), `import tls from 'node:tls'; ${target}
const s = tls.connect({ host, port, maxVersion: 'TLSv1.2', rejectUnauthorized: false }, () => s.end());
s.on('error', (e) => { console.error(e.code); process.exit(1); }); s.on('close', () => process.exit(0));`);
    await writeFile(join(dir, 'tcp-close.mjs'), `import net from 'node:net'; ${target}
const s = net.connect(port, host, () => s.end()); s.on('error', () => undefined); s.on('close', () => process.exit(0));`);
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  async function judgeCommand(script: string): Promise<RunResult> {
    const { run } = await runClientSuite({
      profile,
      config: mergeConfig(config, { client: { scenarioTimeoutMs: 8_000 } }),
      clock: systemClock,
      launcher: { kind: 'command', command: `"${process.execPath}" "${join(dir, script)}"` },
      target: script,
      env: process.env,
      concurrency: 2,
      only: ['client.tls.rejects-imposter-server', 'client.tls.accepts-genuine-server', 'client.tls.uses-tls13'],
    });
    return run;
  }

  it.each(['plain-http.mjs', 'tls12-insecure.mjs', 'tcp-close.mjs'])('%s: pinning is not pass, and the genuine chain is not "refused"', async (script) => {
    const run = await judgeCommand(script);
    expect(statusOf(run, 'client.tls.rejects-imposter-server'), resultOf(run, 'client.tls.rejects-imposter-server')?.message).toBe('inconclusive');
    expect(statusOf(run, 'client.tls.accepts-genuine-server'), resultOf(run, 'client.tls.accepts-genuine-server')?.message).not.toBe('fail');
    if (script === 'plain-http.mjs') {
      expect(statusOf(run, 'client.tls.uses-tls13')).toBe('fail');
      expect(resultOf(run, 'client.tls.uses-tls13')?.message).toContain('plain HTTP');
    }
    if (script === 'tls12-insecure.mjs') expect(statusOf(run, 'client.tls.uses-tls13')).toBe('fail');
  }, 60_000);
});

describe('no false green: every scenario is judged, and signatures are read, not assumed', () => {
  const stripSignature = (x: RecordedExchange): RecordedExchange => {
    const headers = { ...x.request.headers };
    delete headers['signature'];
    delete headers['signature-input'];
    return { ...x, request: { ...x.request, headers } };
  };

  it('an unsigned retry (answered 401) fails the signature check and leaves the retry check inconclusive', async () => {
    const run = await judgeEdited('server-error-500', (entries) => {
      const last500 = entries.filter((e): e is RecordedExchange => isExchange(e) && e.response.status === 500).at(-1) as RecordedExchange;
      return entries.map((e) => {
        if (!isExchange(e) || e.id <= last500.id || e.route !== last500.route) return e;
        const unsigned = stripSignature(e);
        return { ...unsigned, verdict: 'signature:missing', response: { ...unsigned.response, status: 401 } };
      });
    });
    expect(statusOf(run, 'client.payload-security.signs-requests')).toBe('fail');
    expect(resultOf(run, 'client.payload-security.signs-requests')?.actual).toContain('server-error-500');
    expect(statusOf(run, 'client.retry.retries-after-server-error')).toBe('inconclusive');
  });

  it('a retry that does not lead to an accepted status report is not pass', async () => {
    const run = await judgeEdited('retry-after', withoutRoutes('deploymentStatus'));
    expect(statusOf(run, 'client.retry.retries-when-unavailable')).toBe('inconclusive');
    const run500 = await judgeEdited('server-error-500', withoutRoutes('deploymentStatus'));
    expect(statusOf(run500, 'client.retry.retries-after-server-error')).toBe('inconclusive');
  });

  it('a stale created on a refused client\'s onboarding fails the created check', async () => {
    const run = await judgeEdited('onboarding-rejected', (entries) =>
      entries.map((e) => {
        if (!isExchange(e) || e.route !== 'onboarding') return e;
        const input = (e.request.headers['signature-input'] ?? '').replace(/created=\d+/, 'created=1000000000');
        return { ...e, request: { ...e.request, headers: { ...e.request.headers, 'signature-input': input } } };
      }),
    );
    expect(statusOf(run, 'client.payload-security.created-within-window')).toBe('fail');
  });

  it('client.tls.establishes-trust-before-onboarding is not pass when no request carries a signature', async () => {
    const run = await judgeEdited('happy-path', (entries) => entries.map((e) => (isExchange(e) && e.route !== 'certificate' ? stripSignature(e) : e)));
    expect(statusOf(run, 'client.tls.establishes-trust-before-onboarding')).toBe('inconclusive');
  });

  it('client.capabilities.sends-capabilities counts only signed, accepted reports', async () => {
    const run = await judgeEdited('happy-path', (entries) =>
      entries.map((e) => {
        if (!isExchange(e) || e.route !== 'capabilitiesCreate') return e;
        const unsigned = stripSignature(e);
        return { ...unsigned, verdict: 'signature:missing', response: { ...unsigned.response, status: 401 } };
      }),
    );
    expect(statusOf(run, 'client.capabilities.sends-capabilities')).toBe('inconclusive');
    expect(statusOf(run, 'client.payload-security.signs-requests')).toBe('fail');
  });
});

describe('no false green: retry rate, TLS versions, client output', () => {
  /** The clean onboarding-rejected recording with `n` refused attempts `gapMs` apart and the client still running or not. */
  const retrying = (n: number, gapMs: number, stillRunning: boolean) => (r: ScenarioRecording): ScenarioRecording => {
    const first = r.entries.find((e): e is RecordedExchange => isExchange(e) && e.route === 'onboarding') as RecordedExchange;
    const t0 = Date.parse(first.at);
    const attempts = Array.from({ length: n }, (_, i): RecordedExchange => ({ ...first, id: 100 + i, at: new Date(t0 + i * gapMs).toISOString() }));
    const end = t0 + n * gapMs;
    const client = stillRunning
      ? { ...r.client, exitCode: null, timedOut: true, startedAtMs: t0 - 500, durationMs: end - t0 + 500, stopRequestedAtMs: end }
      : { ...r.client, timedOut: false, startedAtMs: t0 - 500, durationMs: end - t0 + 500 };
    return { ...r, entries: [...r.entries.filter((e) => !isExchange(e) || e.route !== 'onboarding'), ...attempts], client };
  };
  const LOOP = 'client.onboarding.no-retry-loop-after-rejection';

  it('a client re-onboarding every 2 s until the timeout warns (projected to a minute); one that stops passes', async () => {
    const looping = await judgeRecordingEdited('onboarding-rejected', retrying(5, 2_000, true));
    expect(statusOf(looping, LOOP)).toBe('warn');
    expect(resultOf(looping, LOOP)?.message).toContain('projected');
    const tight = await judgeRecordingEdited('onboarding-rejected', retrying(33, 300, true));
    expect(statusOf(tight, LOOP)).toBe('warn');
    const stopped = await judgeRecordingEdited('onboarding-rejected', retrying(5, 2_000, false));
    expect(statusOf(stopped, LOOP)).toBe('pass');
  });

  it('client.tls.uses-tls13: bytes that are not TLS are no version offer; plain HTTP is no TLS at all', async () => {
    const only = (errorCode: string) => (entries: TrafficEntry[]) => {
      const first = entries.find(isTls) as RecordedTlsEvent;
      return [{ ...first, kind: 'handshake-failed' as const, errorCode, protocol: undefined }];
    };
    const raw = await judgeEdited('happy-path', only('ERR_SSL_WRONG_VERSION_NUMBER'));
    expect(statusOf(raw, 'client.tls.uses-tls13')).toBe('inconclusive');
    expect(resultOf(raw, 'client.tls.uses-tls13')?.message).toContain('not a TLS record');
    const http = await judgeEdited('happy-path', only('ERR_SSL_HTTP_REQUEST'));
    expect(statusOf(http, 'client.tls.uses-tls13')).toBe('fail');
    expect(statusOf(http, 'client.tls.accepts-genuine-server')).toBe('inconclusive');
  });

  it("the client's own Signature output is shortened in the evidence", async () => {
    const sig = 'K2qGT5srn2OGbOIDzQ6kYT+ruaycnDAAUpKv+ePFfD0=';
    const run = await judgeRecordingEdited('tls-imposter', (r) => ({ ...r, entries: [], client: { ...r.client, stderr: `sending\nSignature: sig1=:${sig}:\n` } }));
    const evidence = JSON.stringify(resultOf(run, 'client.tls.rejects-imposter-server')?.evidence);
    expect(evidence).toContain('sig1=:K2qGT5sr…:');
    expect(evidence).not.toContain(sig);
  });
});
