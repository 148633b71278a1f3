/**
 * For EVERY mock fault: the same probe against a clean mock and against a mock with only that fault shows the
 * correct behaviour and the observable misbehaviour (STYLE.md §3: a negative check needs a fault that makes it fail).
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { isConformanceError } from '../core/errors.js';
import { createHttpClient } from '../core/net/https-client.js';
import { derToPem, type IssuedCertificate } from '../core/pki/index.js';
import { buildCapabilities, getProfile } from '../core/profiles/index.js';
import { loadSchemaRegistry } from '../core/schema.js';
import { createClientPki, createProbe, deploymentYaml, jsonOf, type ClientPki, type Probe } from '../test/support/mock-probe.js';
import { MOCK_FAULTS, startMockWfm, type MockFault, type MockWfm, type MockWfmOptions } from './index.js';

interface Env {
  readonly mock: MockWfm;
  readonly probe: Probe;
  readonly pki: ClientPki;
  readonly device: IssuedCertificate;
  readonly clientId: string;
}

type Observation = string | number | boolean;

interface FaultCase {
  readonly fault: MockFault;
  readonly options?: (pki: ClientPki) => MockWfmOptions;
  readonly probe: (env: Env) => Promise<Observation>;
  readonly clean: Observation;
  readonly faulty: Observation;
}

const profile = getProfile('rfc9421-v1');
const caps = buildCapabilities(profile, { deviceId: 'edge-01' });
const capsPath = (env: Env, clientId = env.clientId): string => `/api/v1/clients/${clientId}/capabilities`;
const postCaps = (env: Env, sign: Parameters<Probe['send']>[2]): Promise<number> =>
  env.probe.send('POST', capsPath(env), { body: caps, ...sign }).then((r) => r.status);
const manifestPath = (env: Env): string => `/api/v1/clients/${env.clientId}/deployments`;

const CASES: readonly FaultCase[] = [
  { fault: 'accept-unsigned', probe: (env) => postCaps(env, {}), clean: 401, faulty: 201 },
  {
    fault: 'accept-digest-mismatch',
    probe: (env) => postCaps(env, { sign: { cert: env.device, faults: ['body-changed-after-signing'] } }),
    clean: 400,
    faulty: 201,
  },
  {
    fault: 'ignore-created-window',
    probe: (env) => postCaps(env, { sign: { cert: env.device, created: Math.floor(Date.now() / 1000) - 3600 } }),
    clean: 401,
    faulty: 201,
  },
  { fault: 'onboarding-200', probe: async (env) => (await env.probe.onboard(await env.pki.leaf())).status, clean: 201, faulty: 200 },
  {
    fault: 'non-url-safe-client-id',
    probe: async (env) => /^[A-Za-z0-9._~-]+$/.test(jsonOf(await env.probe.onboard(await env.pki.leaf()))['clientId'] as string),
    clean: true,
    faulty: false,
  },
  {
    fault: 'duplicate-client-id',
    probe: async (env) => jsonOf(await env.probe.onboard(await env.pki.leaf()))['clientId'] === env.clientId,
    clean: false,
    faulty: true,
  },
  {
    fault: 'ca-as-raw-pem',
    probe: async (env) => /^[A-Za-z0-9+/]+=*$/.test(jsonOf(await env.probe.send('GET', '/api/v1/onboarding/certificate'))['certificate'] as string),
    clean: true,
    faulty: false,
  },
  {
    fault: 'ca-not-issuer',
    probe: async (env) => {
      const field = jsonOf(await env.probe.send('GET', '/api/v1/onboarding/certificate'))['certificate'] as string;
      const pinned = createHttpClient({ caPem: derToPem(Buffer.from(field, 'base64')), timeoutMs: 5000 });
      try {
        return (await pinned.send({ method: 'GET', url: env.probe.url('/api/v1/onboarding/certificate'), headers: {} })).status === 200;
      } catch (err) {
        if (isConformanceError(err, 'TLS_SETUP_FAILED')) return false;
        throw err;
      } finally {
        await pinned.close();
      }
    },
    clean: true,
    faulty: false,
  },
  {
    fault: 'tls12-only',
    probe: async (env) => (await env.probe.send('GET', '/api/v1/onboarding/certificate')).tls?.protocol ?? 'none',
    clean: 'TLSv1.3',
    faulty: 'TLSv1.2',
  },
  {
    fault: 'schema-violation',
    probe: async (env) => loadSchemaRegistry().validate('rfc9421-v1/onboarding-response', jsonOf(await env.probe.onboard(await env.pki.leaf()))).ok,
    clean: true,
    faulty: false,
  },
  {
    fault: 'accept-bad-certificate-encoding',
    probe: async (env) => {
      const garbage = (await env.probe.onboard(await env.pki.leaf(), { field: 'not*base64*at*all' })).status;
      const empty = (await env.probe.onboard(await env.pki.leaf(), { field: '' })).status;
      return `${garbage} ${empty}`;
    },
    clean: '400 400',
    faulty: '201 201',
  },
  { fault: 'capabilities-500', probe: (env) => postCaps(env, { sign: { cert: env.device } }), clean: 201, faulty: 500 },
  {
    fault: 'accept-untrusted-ca',
    options: (pki) => ({ trustedIssuers: [pki.ca.certPem] }),
    probe: async (env) => (await env.probe.onboard(await (await createClientPki('Unknown CA')).leaf())).status,
    clean: 403,
    faulty: 201,
  },
  {
    fault: 'ignore-operator-rejection',
    probe: async (env) => {
      const device = await env.pki.leaf();
      await env.mock.state.rejectFingerprint(device.fingerprint256);
      return (await env.probe.onboard(device)).status;
    },
    clean: 403,
    faulty: 201,
  },
  {
    fault: 'accept-any-key',
    probe: (env) => postCaps(env, { sign: { cert: env.device, faults: ['signed-by-other-key'] } }),
    clean: 401,
    faulty: 201,
  },
  {
    fault: 'accept-uncovered-components',
    probe: (env) => postCaps(env, { sign: { cert: env.device, components: ['@method'] } }),
    clean: 401,
    faulty: 201,
  },
  {
    fault: 'unknown-client-200',
    probe: (env) => env.probe.send('POST', capsPath(env, 'never-onboarded'), { body: caps, sign: { cert: env.device } }).then((r) => r.status),
    clean: 404,
    faulty: 201,
  },
  {
    fault: 'no-304',
    probe: async (env) => {
      const first = await env.probe.send('GET', manifestPath(env), { sign: { cert: env.device } });
      const headers = { 'if-none-match': first.headers['etag'] ?? '' };
      return (await env.probe.send('GET', manifestPath(env), { headers, sign: { cert: env.device } })).status;
    },
    clean: 304,
    faulty: 200,
  },
  {
    fault: 'accept-revoked',
    probe: async (env) => {
      await env.mock.state.revoke(env.clientId);
      return postCaps(env, { sign: { cert: env.device } });
    },
    clean: 403,
    faulty: 201,
  },
  {
    fault: 'no-406',
    probe: async (env) => (await env.probe.send('GET', manifestPath(env), { headers: { accept: 'text/html' }, sign: { cert: env.device } })).status,
    clean: 406,
    faulty: 200,
  },
  {
    fault: 'manifest-version-static',
    probe: async (env) => {
      await env.mock.state.putDeployment(env.clientId, deploymentYaml('f0f1f2f3-0000-4000-8000-000000000001'));
      return jsonOf(await env.probe.send('GET', manifestPath(env), { sign: { cert: env.device } }))['manifestVersion'] as number;
    },
    clean: 2,
    faulty: 1,
  },
  {
    fault: 'etag-not-body-digest',
    probe: async (env) => {
      const res = await env.probe.send('GET', manifestPath(env), { sign: { cert: env.device } });
      return res.headers['etag'] === `"sha256:${createHash('sha256').update(res.body).digest('hex')}"`;
    },
    clean: true,
    faulty: false,
  },
];

const started: { mock: MockWfm; probe: Probe }[] = [];

async function setUp(faults: readonly MockFault[], c: FaultCase): Promise<Env> {
  const pki = await createClientPki();
  const mock = await startMockWfm({ faults, ...(c.options?.(pki) ?? {}), deploymentsDir: await emptyDir() });
  const probe = createProbe(mock);
  started.push({ mock, probe });
  const device = await pki.leaf();
  const onboarded = await probe.onboard(device);
  const clientId = String(jsonOf(onboarded)['clientId']);
  return { mock, probe, pki, device, clientId };
}

async function emptyDir(): Promise<string> {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  return mkdtemp(join(tmpdir(), 'margo-empty-'));
}

afterAll(async () => {
  for (const s of started) {
    await s.probe.close();
    await s.mock.close();
  }
});

describe('every mock fault breaks its one rule, and only under that fault', () => {
  it('has a case for every fault in MOCK_FAULTS', () => {
    expect(CASES.map((c) => c.fault).sort()).toEqual(MOCK_FAULTS.map((f) => f.name).sort());
  });

  for (const c of CASES) {
    it(`${c.fault}: clean → ${String(c.clean)}, with the fault → ${String(c.faulty)}`, async () => {
      expect(c.clean).not.toEqual(c.faulty);
      const clean = await setUp([], c);
      expect(await c.probe(clean)).toEqual(c.clean);
      const faulty = await setUp([c.fault], c);
      expect(await c.probe(faulty)).toEqual(c.faulty);
    });
  }
});
