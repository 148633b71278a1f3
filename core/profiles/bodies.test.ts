import { describe, expect, it } from 'vitest';
import { parseJsonLossless, stringifyJson } from '../json.js';
import { loadSchemaRegistry, validateJsonBody } from '../schema.js';
import {
  buildCapabilities,
  buildDeploymentStatus,
  buildDesiredStateManifest,
  buildOnboardingRequest,
  getProfile,
  listProfiles,
  semanticChecks,
} from './index.js';

const registry = loadSchemaRegistry();
const digestA = `sha256:${'a'.repeat(64)}`;
const digestB = `sha256:${'b'.repeat(64)}`;

function expectValid(schema: string, body: unknown): void {
  const result = validateJsonBody(registry, schema, stringifyJson(body));
  expect(result.errors).toEqual([]);
}

describe('body builders produce bodies their profile schemas accept', () => {
  for (const profile of listProfiles()) {
    it(`${profile.id}: OnboardingRequest`, () => {
      const body = buildOnboardingRequest(profile, 'MIIBIjANBg');
      expect(body).toEqual({ apiVersion: 'onboarding.margo.org/v1alpha1', kind: 'OnboardingRequest', certificate: 'MIIBIjANBg' });
      expectValid(`${profile.id}/onboarding-request`, body);
    });

    it(`${profile.id}: DeviceCapabilitiesManifest`, () => {
      expectValid(`${profile.id}/capabilities`, buildCapabilities(profile, { deviceId: 'edge-01', architecture: 'arm64', cpuCores: 8 }));
    });

    it(`${profile.id}: DeploymentStatusManifest with errors`, () => {
      const body = buildDeploymentStatus(profile, {
        deploymentId: 'a3e2f5dc-912e-494f-8395-52cf3769bc06',
        state: 'failed',
        deviceId: 'gateway1/deviceA',
        error: { code: '102', message: 'Child device unreachable', source: 'gateway1' },
        components: [
          { name: 'web', state: 'failed', error: { code: 'E1', message: 'pull failed' } },
          { name: 'db', state: 'installed' },
        ],
      });
      expectValid(`${profile.id}/deployment-status`, body);
    });

    it(`${profile.id}: desired-state manifest with an exact u64 manifestVersion`, () => {
      const body = buildDesiredStateManifest(profile, {
        clientId: 'c1',
        manifestVersion: 18446744073709551615n,
        deployments: [{ deploymentId: 'd1', digest: digestA, sizeBytes: 10 }],
        bundle: { digest: digestB },
      });
      const text = stringifyJson(body);
      expect(text).toContain('"manifestVersion":18446744073709551615');
      expectValid(`${profile.id}/desired-state`, body);
      expect(parseJsonLossless(text)).toMatchObject({
        bundle: { mediaType: 'application/vnd.margo.bundle.v1+tar+gzip', url: `/api/v1/clients/c1/bundles/${digestB}` },
        deployments: [{ deploymentId: 'd1', digest: digestA, sizeBytes: 10, url: `/api/v1/clients/c1/deployments/d1/${digestA}` }],
      });
    });
  }

  it('v1 capabilities carry roles and resources; rc2 carries flat hosting fields', () => {
    const v1 = buildCapabilities(getProfile('rfc9421-v1'), { deviceId: 'edge-01' });
    expect(v1['properties']).toMatchObject({ roles: ['Standalone Device'], resources: { cpu: { cores: 4, architecture: 'amd64' } } });
    const rc2 = buildCapabilities(getProfile('rfc9421-rc2'), { deviceId: 'edge-01' });
    expect(rc2['properties']).toMatchObject({ cpus: [{ cores: 4 }], otelCollector: true, supportedRuntimes: ['oci'] });
  });

  it('rc2 see-thru gateway omits every hosting field and still validates', () => {
    const body = buildCapabilities(getProfile('rfc9421-rc2'), { deviceId: 'gateway1', hosting: false });
    expect(Object.keys(body['properties'] as object)).toEqual(['id', 'vendor', 'modelNumber', 'serialNumber']);
    expectValid('rfc9421-rc2/capabilities', body);
  });

  it('writes deviceId and error.source only in rc2', () => {
    const opts = {
      deploymentId: 'd1',
      state: 'failed' as const,
      deviceId: 'gw/a',
      error: { code: '1', message: 'm', source: 's' },
      components: [],
    };
    const v1 = buildDeploymentStatus(getProfile('rfc9421-v1'), opts);
    expect(v1).not.toHaveProperty('deviceId');
    expect(v1['status']).toEqual({ state: 'failed', error: { code: '1', message: 'm' } });
    const rc2 = buildDeploymentStatus(getProfile('rfc9421-rc2'), opts);
    expect(rc2).toMatchObject({ deviceId: 'gw/a', status: { error: { source: 's' } } });
  });

  it('sets bundle to null when there are no deployments, even if a bundle is given', () => {
    const body = buildDesiredStateManifest(getProfile('rfc9421-v1'), { clientId: 'c1', manifestVersion: 1, deployments: [], bundle: { digest: digestB } });
    expect(body).toEqual({ manifestVersion: 1, bundle: null, deployments: [] });
    expectValid('rfc9421-v1/desired-state', body);
  });
});

describe('semanticChecks', () => {
  it('flags a non-null bundle with empty deployments and nothing else', () => {
    const errors = semanticChecks('rfc9421-v1/desired-state', {
      manifestVersion: 3,
      bundle: { mediaType: 'x', digest: digestA, url: '/u' },
      deployments: [],
    });
    expect(errors).toEqual([
      { instancePath: '/bundle', keyword: 'semantic', message: '/bundle: must be null when deployments is empty (found a bundle reference)' },
    ]);
  });

  it('stays silent on shapes the schema already rejects and on body kinds without rules', () => {
    expect(semanticChecks('rfc9421-v1/desired-state', 'not an object')).toEqual([]);
    expect(semanticChecks('rfc9421-v1/desired-state', { deployments: 'x', bundle: {} })).toEqual([]);
    expect(semanticChecks('rfc9421-v1/onboarding-request', {})).toEqual([]);
  });

  it('names each missing hosting field of a partially reported rc2 hosting device', () => {
    const errors = semanticChecks('rfc9421-rc2/capabilities', { properties: { id: 'd', cpus: [], memory: '1Gi' } });
    expect(errors.map((e) => e.message.split(':')[1]?.trim())).toEqual([
      "missing 'storage'",
      "missing 'peripherals'",
      "missing 'interfaces'",
      "missing 'otelCollector'",
      "missing 'supportedRuntimes'",
      "missing 'supportedDeploymentTypes'",
    ]);
  });
});
